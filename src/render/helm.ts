/**
 * Argo CD Applications with a Helm source that points at a chart folder of this repository: rendered with
 * `helm template` the way Argo CD's repo server does (release name, destination namespace, valueFiles, then
 * `values`/`valuesObject`, then `parameters` as --set / --set-string), offline and inside the repository only.
 * Coordinate-free: it takes the Application object and the repository root and returns the rendered text or the
 * reason it cannot; callers (coverage, check) decide which Applications to send and how to report.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { chartFolderProblem } from '../discover/helm-charts.js';
import { isRemoteRef } from '../discover/kustomization-parse.js';
import { toRepoPath } from '../util/paths.js';
import { execCapture } from './exec.js';
import { resolveHelm } from './resolve.js';
import { repositoryTop } from '../config/containment.js';
import { shippedApiVersions } from '../checks/schema/openshift.js';
import { hideChartText } from './chart-text.js';

export type HelmSourceOutcome =
  | { ok: true; text: string; chart: string }
  | { ok: false; reason: 'remote' | 'outside-root' | 'invalid' | 'no-helm' | 'error'; message: string };

export interface HelmSourceOptions {
  /** The helm binary (default: resolveHelm: KFM_HELM → .tools/bin/helm → PATH). */
  helm?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Argo CD escapes commas in --set values (cleanSetParameters), so `a,b` stays one value. */
function setValue(value: string): string {
  return value.replace(/(?<!\\),/g, '\\,');
}

/** Repo-relative path of `abs` when it (and its real path) stays inside `root`. */
export function inside(root: string, abs: string): string | undefined {
  const rel = toRepoPath(root, abs);
  if (rel === undefined) return undefined;
  try {
    const realRoot = realpathSync.native(root);
    return toRepoPath(realRoot, realpathSync.native(abs)) === undefined ? undefined : rel;
  } catch {
    return rel; // missing: helm names it in its own error
  }
}

/** The arguments `helm template` gets for the Application's single Helm source, or why there are none. */
export function helmTemplateArgs(
  app: unknown,
  root: string,
  clusterApiVersions: readonly string[] = shippedApiVersions(),
):
  | { args: string[]; chartDir: string; inline?: string }
  | { reason: 'remote' | 'outside-root' | 'invalid'; message: string } {
  if (!isObj(app) || !isObj(app.spec)) return { reason: 'invalid', message: 'not an Argo CD Application (no spec)' };
  const spec = app.spec;
  const sources = Array.isArray(spec.sources) ? spec.sources : [spec.source];
  const helmSources = sources.filter((s): s is Obj => isObj(s) && (isObj(s.helm) || str(s.chart) !== undefined));
  if (helmSources.length !== 1)
    return { reason: 'invalid', message: `expected one Helm source, found ${helmSources.length}` };
  const source = helmSources[0];
  if (str(source.chart))
    return {
      reason: 'remote',
      message: `source chart ${JSON.stringify(source.chart)} comes from the Helm repository ${JSON.stringify(source.repoURL ?? '')}: remote charts are not rendered (vendor it in this repository and point \`path\` at it)`,
    };
  const path = str(source.path);
  if (!path || isAbsolute(path))
    return { reason: 'invalid', message: 'the Helm source needs a relative `path` to a chart folder' };
  const chartDir = resolve(root, path);
  if (inside(root, chartDir) === undefined)
    return { reason: 'outside-root', message: `source path ${JSON.stringify(path)} leaves the repository` };
  try {
    if (!statSync(join(chartDir, 'Chart.yaml')).isFile()) throw new Error('not a file');
  } catch {
    return { reason: 'invalid', message: `source path ${JSON.stringify(path)} holds no Chart.yaml` };
  }
  const realRoot = realpathSync.native(root);
  const escape = chartFolderProblem(chartDir, (abs) => toRepoPath(realRoot, abs));
  if (escape) return { reason: 'outside-root', message: `chart ${JSON.stringify(path)}: ${escape}` };
  const helm = isObj(source.helm) ? source.helm : {};
  const metadata = isObj(app.metadata) ? app.metadata : {};
  const release = str(helm.releaseName) ?? str(metadata.name);
  if (!release) return { reason: 'invalid', message: 'no release name (helm.releaseName or metadata.name)' };
  // The release name is a positional argument: one starting with `-` would be read as a flag (--post-renderer runs
  // a program). Helm itself accepts only DNS-1123 names of at most 53 characters.
  if (release.length > 53 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(release))
    return { reason: 'invalid', message: `release name ${JSON.stringify(release)} is not a valid Helm release name` };
  const args = ['template', release, chartDir, '--include-crds'];
  const destination = isObj(spec.destination) ? spec.destination : {};
  const namespace = str(helm.namespace) ?? str(destination.namespace);
  if (namespace) args.push('--namespace', namespace);
  if (helm.skipCrds === true) args.splice(args.indexOf('--include-crds'), 1);
  if (str(helm.kubeVersion)) args.push('--kube-version', str(helm.kubeVersion)!);
  // Argo CD passes the destination cluster's API versions unless the source names its own. Without them a chart's
  // `.Capabilities.APIVersions.Has "route.openshift.io/v1/Route"` branch (a Route to the database) rendered nothing
  // here while Argo CD on OpenShift applies it: the chart is rendered as for a cluster serving every shipped kind.
  const own = (Array.isArray(helm.apiVersions) ? helm.apiVersions : []).filter(
    (v): v is string => str(v) !== undefined,
  );
  for (const v of own.length > 0 ? own : clusterApiVersions) args.push('--api-versions', v);
  for (const f of Array.isArray(helm.valueFiles) ? helm.valueFiles : []) {
    const file = str(f);
    if (!file) continue;
    if (isRemoteRef(file) || file.startsWith('$'))
      return { reason: 'remote', message: `valueFiles entry ${JSON.stringify(file)} is not a file of this repository` };
    // Argo CD resolves value files against the chart folder, an absolute one against the repository top
    // (util/io/path resolveFileOrDirectory). Taken as a path of this machine, `/infra/gitops/values/prod.yaml` was
    // refused as leaving the repository.
    const abs = isAbsolute(file) ? join(repositoryTop(root), file) : resolve(chartDir, file);
    if (inside(root, abs) === undefined)
      return { reason: 'outside-root', message: `valueFiles entry ${JSON.stringify(file)} leaves the repository` };
    // Argo CD leaves out a value file that is not there when the source says so (an env's optional overrides);
    // anything present, a link included, is read as before.
    if (helm.ignoreMissingValueFiles === true && isMissing(abs)) continue;
    args.push('--values', abs);
  }
  // `valuesObject` wins over `values` (Argo CD); both come after valueFiles and before parameters.
  let inline: string | undefined;
  if (isObj(helm.valuesObject)) inline = JSON.stringify(helm.valuesObject);
  else if (str(helm.values)) inline = helm.values as string;
  for (const p of Array.isArray(helm.parameters) ? helm.parameters : []) {
    if (!isObj(p) || !str(p.name)) return { reason: 'invalid', message: 'a helm parameter without a name' };
    const value = typeof p.value === 'string' ? p.value : String(p.value ?? '');
    args.push(p.forceString === true ? '--set-string' : '--set', `${p.name as string}=${setValue(value)}`);
  }
  if (Array.isArray(helm.fileParameters) && helm.fileParameters.length > 0)
    return {
      reason: 'invalid',
      message: 'helm.fileParameters are not supported (they read files by path at sync time)',
    };
  return { args, chartDir, inline };
}

/** Nothing at the path, not even a dangling link. */
function isMissing(abs: string): boolean {
  try {
    lstatSync(abs);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Renders the Application's Helm source; every failure is an outcome, never a throw. */
export async function renderHelmSource(
  app: unknown,
  root: string,
  options: HelmSourceOptions = {},
): Promise<HelmSourceOutcome> {
  const plan = helmTemplateArgs(app, root);
  if ('reason' in plan) return { ok: false, reason: plan.reason, message: plan.message };
  let helm: string | undefined;
  try {
    helm = options.helm ?? resolveHelm({ helm: process.env.KFM_HELM || undefined, repository: repositoryTop(root) });
  } catch (err) {
    return { ok: false, reason: 'no-helm', message: (err as Error).message };
  }
  if (!helm)
    return {
      ok: false,
      reason: 'no-helm',
      message: 'no helm found: run `npm run tools`, put helm on PATH, or set KFM_HELM',
    };
  // Helm's own config, cache and data homes in a private folder: no repositories, registries or plugins of the
  // machine take part, and nothing is written into the user's home.
  const home = await mkdtemp(join(tmpdir(), 'kfm-helm-'));
  try {
    const args = [...plan.args];
    if (plan.inline !== undefined) {
      const file = join(home, 'values.yaml');
      await writeFile(file, plan.inline);
      const firstSet = args.findIndex((a) => a === '--set' || a === '--set-string');
      args.splice(firstSet < 0 ? args.length : firstSet, 0, '--values', file);
    }
    const r = await execCapture(helm, args, {
      cwd: plan.chartDir,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxOutputBytes: options.maxOutputBytes ?? 256 * 1024 * 1024,
      signal: options.signal,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_DATA_HOME: join(home, 'data'),
        HELM_PLUGINS: join(home, 'plugins'),
      },
    });
    if (r.aborted) return { ok: false, reason: 'error', message: 'render interrupted' };
    if (r.spawnError) return { ok: false, reason: 'no-helm', message: `could not start helm: ${r.spawnError}` };
    if (r.timedOut) return { ok: false, reason: 'error', message: 'helm template timed out' };
    if (r.tooLarge) return { ok: false, reason: 'error', message: 'helm template output exceeds the size limit' };
    if (r.exitCode !== 0) {
      const why = hideChartText(r.stderr.split(home).join('<tmp>').split(root).join('.'))
        .trim()
        .split('\n')
        .slice(0, 8)
        .join('\n');
      return { ok: false, reason: 'error', message: why || `helm exited with ${r.signal ?? r.exitCode}` };
    }
    return { ok: true, text: r.stdout, chart: toRepoPath(root, plan.chartDir) ?? plan.chartDir };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
