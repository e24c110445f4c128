/**
 * `helmCharts:` entries, offline. kustomize (`build --enable-helm`) looks for a chart at
 * `<kustomization dir>/<chartHome>/<name>` — `<chartHome>/<name>-<version>/<name>` when both `repo` and `version`
 * are set — and runs `helm pull` when it is not there. kfm-gitops inflates only charts vendored at that exact place
 * (the same path kustomize itself would pull to), so nothing is ever downloaded: a chart that would be pulled is a
 * remote reference (KFM-RENDER-003). Everything helm will read must stay inside the checked root, symlinks included
 * (a chart's `.Files.Get` would otherwise print any file of the machine into a ConfigMap).
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isRemoteRef, type HelmChartRef } from './kustomization-parse.js';

/** kustomize's `types.HelmDefaultHome`. */
export const DEFAULT_CHART_HOME = 'charts';

/** More files than any chart needs: a bound on what the walk stats for a hostile chart folder. */
const MAX_CHART_FILES = 5_000;

export interface HelmWalkIssue {
  kind: 'remote' | 'outside-root' | 'helm';
  line?: number;
  message: string;
}

export interface HelmChartWalk {
  issues: HelmWalkIssue[];
  /** Absolute paths of every file helm may read for this chart (chart files and values files), with sizes. */
  files: Map<string, number>;
}

/** The folder kustomize inflates for `chart` of the kustomization in `kustomizationDir` (absChartHome + name). */
export function chartDir(kustomizationDir: string, chart: HelmChartRef): string {
  const home = chart.chartHome || DEFAULT_CHART_HOME;
  const abs = isAbsolute(home) ? home : join(kustomizationDir, home);
  const versioned = chart.version && chart.repo ? join(abs, `${chart.name}-${chart.version}`) : abs;
  return join(versioned, chart.name ?? '');
}

/**
 * What inflating `chart` needs and whether it may run: `inRoot` maps an absolute path to its repo-relative one
 * (undefined outside the root), `inRealRoot` does the same for real (symlink-free) paths.
 */
export function walkHelmChart(
  kustomizationDir: string,
  chart: HelmChartRef,
  inRoot: (abs: string) => string | undefined,
  inRealRoot: (abs: string) => string | undefined,
): HelmChartWalk {
  const issues: HelmWalkIssue[] = [];
  const files = new Map<string, number>();
  const line = chart.line;
  if (chart.unsupported) {
    issues.push({
      kind: 'helm',
      line,
      message: `${chart.unsupported} is not supported; use helmCharts: with a vendored chart`,
    });
    return { issues, files };
  }
  // Helm chart names are single path segments; anything else is a path trick.
  if (!chart.name || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(chart.name)) {
    issues.push({
      kind: 'helm',
      line,
      message: `helmCharts entry needs a chart name (one path segment), not ${JSON.stringify(chart.name ?? '')}`,
    });
    return { issues, files };
  }
  if (chart.version !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(chart.version)) {
    issues.push({
      kind: 'helm',
      line,
      message: `helmCharts ${chart.name}: version ${JSON.stringify(chart.version)} is not a chart version`,
    });
    return { issues, files };
  }
  const dir = chartDir(kustomizationDir, chart);
  if (inRoot(dir) === undefined) {
    issues.push({
      kind: 'outside-root',
      line,
      message: `helmCharts ${chart.name}: chartHome ${JSON.stringify(chart.chartHome)} points outside the checked root`,
    });
    return { issues, files };
  }
  const shown = inRoot(dir)!;
  if (!isDirectory(dir)) {
    issues.push(
      chart.repo
        ? {
            kind: 'remote',
            line,
            message: `helmCharts ${chart.name} would be pulled from ${chart.repo}: no vendored copy at ${shown} (remote charts are refused; vendor it there, e.g. \`helm pull --untar --untardir ${inRoot(join(dir, '..'))} ${chart.repo.startsWith('oci://') ? `${chart.repo.replace(/\/$/, '')}/${chart.name}` : `--repo ${chart.repo} ${chart.name}`}${chart.version ? ` --version ${chart.version}` : ''}\`)`,
          }
        : { kind: 'helm', line, message: `helmCharts ${chart.name}: no chart at ${shown} and no repo` },
    );
    return { issues, files };
  }
  const problem = collectFiles(dir, files, inRealRoot);
  if (problem) {
    issues.push({ kind: 'outside-root', line, message: `helmCharts ${chart.name}: ${problem}` });
    return { issues, files };
  }
  const values = [chart.valuesFile, ...chart.additionalValuesFiles].filter((v): v is string => v !== undefined);
  for (const v of values) {
    if (isRemoteRef(v)) {
      issues.push({
        kind: 'remote',
        line,
        message: `helmCharts ${chart.name}: values file ${JSON.stringify(v)} is remote (no network at render time); vendor it`,
      });
      continue;
    }
    const abs = resolve(kustomizationDir, v);
    const real = realOf(abs);
    if (inRoot(abs) === undefined || (real !== undefined && inRealRoot(real) === undefined)) {
      issues.push({
        kind: 'outside-root',
        line,
        message: `helmCharts ${chart.name}: values file ${JSON.stringify(v)} is outside the checked root`,
      });
      continue;
    }
    const size = sizeOf(abs);
    if (size !== undefined) files.set(abs, size); // a missing one: kustomize names it in its own error
  }
  return { issues, files };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // no chart folder: the caller reports it (remote, or no chart and no repo)
  }
}

function realOf(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined; // missing: callers treat it as leaving the root, or leave a missing values file to kustomize's error
  }
}

function sizeOf(p: string): number | undefined {
  try {
    const info = statSync(p);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined; // missing or unreadable: not an input to stamp; kustomize's own render error names it
  }
}

/** Why helm must not read the chart folder `dir` (a symlink leaving the real root, too many files), if so. */
export function chartFolderProblem(dir: string, inRealRoot: (abs: string) => string | undefined): string | undefined {
  return collectFiles(dir, new Map(), inRealRoot);
}

/** Every file under the chart folder (helm reads them all); a symlink leaving the root or too many files is a problem. */
function collectFiles(
  dir: string,
  files: Map<string, number>,
  inRealRoot: (abs: string) => string | undefined,
): string | undefined {
  const stack = [dir];
  const seen = new Set<string>(); // real folders: a symlink back to a parent must not loop
  while (stack.length > 0) {
    const current = stack.pop()!;
    const real = realOf(current);
    if (real === undefined || inRealRoot(real) === undefined)
      return `${current.slice(dir.length + 1) || '.'} leaves the checked root`;
    if (seen.has(real)) continue;
    seen.add(real);
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch (err) {
      return `cannot read the chart folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
    for (const name of entries) {
      const abs = join(current, name);
      let info = lstatSync(abs);
      if (info.isSymbolicLink()) {
        const target = realOf(abs);
        if (target === undefined || inRealRoot(target) === undefined)
          return `${abs.slice(dir.length + 1)} is a symlink that leaves the checked root`;
        info = statSync(abs);
      }
      if (info.isDirectory()) stack.push(abs);
      else if (info.isFile()) {
        files.set(abs, info.size);
        if (files.size > MAX_CHART_FILES) return `the chart folder holds more than ${MAX_CHART_FILES} files`;
      }
    }
  }
  return undefined;
}
