/**
 * Argo CD's view of the folders it deploys. Every source path an Application/ApplicationSet of this repository names
 * is checked the way Argo CD applies it: a kustomize folder renders (even when it is otherwise only a base), a plain
 * folder is validated file by file as a directory source (recurse/include/exclude honoured), jsonnet is a guard
 * finding; Helm chart folders are rendered with their values by overrides-check.ts. A repository without any Application (example repos registered
 * from outside) has its plain manifest folders validated as the directory sources Argo CD would make of them.
 */
import fg from 'fast-glob';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { KUSTOMIZATION_NAMES } from '../discover/kustomization.js';
import { parseResources } from '../parse/index.js';
import type { FindingInput, Overlay, RenderedOverlay, Resource } from '../types.js';
import { matchesAny } from '../util/glob.js';
import type { ArgoView } from './applications.js';
import { RENDER_INPUT_UNREADABLE, RENDER_SOURCE_NOT_EVALUABLE } from '../rules/render.js';

export interface DirectorySource {
  /** Root-relative folder. */
  path: string;
  /** Root-relative files Argo CD would apply from it. */
  files: string[];
}

export interface ArgoSourcePlan {
  /** Root-relative kustomize folders Argo CD deploys that discovery does not render as overlays. */
  kustomize: string[];
  directories: DirectorySource[];
  findings: FindingInput[];
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** A folder here; anything that cannot be stat'ed is not one. */
function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The root-relative folder a source path (relative to the Git top) names: its longest tail that exists here. */
export function folderForSource(root: string, sourcePath: string): string | undefined {
  const segments = sourcePath
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return undefined;
  for (let i = 0; i < segments.length; i++) {
    const rest = segments.slice(i).join('/');
    if (isDir(join(root, rest))) return rest;
  }
  return undefined;
}

export function isChart(root: string, dir: string): boolean {
  for (let d = dir; ; d = posix.dirname(d)) {
    if (existsSync(join(root, d, 'Chart.yaml'))) return true;
    if (d === '.' || d === '') return false;
  }
}

export function hasKustomization(root: string, dir: string): boolean {
  return KUSTOMIZATION_NAMES.some((n) => existsSync(join(root, dir, n)));
}

export async function planArgoSources(options: {
  root: string;
  view: ArgoView;
  /** Root-relative paths of the overlays discovery renders. */
  overlays: string[];
  /** Root-relative manifest files no overlay reads (coverage). */
  uncovered: string[];
}): Promise<ArgoSourcePlan> {
  const { root, view } = options;
  const plan: ArgoSourcePlan = { kustomize: [], directories: [], findings: [] };
  const seen = new Set<string>();
  for (const u of view.unevaluable)
    plan.findings.push({
      ruleId: RENDER_SOURCE_NOT_EVALUABLE,
      message: `ApplicationSet ${u.name}: the ${u.generator} generator depends on the world outside the repository and is not evaluated; the Applications it makes are not checked`,
      file: u.file,
      line: u.line,
    });
  for (const d of view.deployments) {
    const dir = folderForSource(root, d.sourcePath);
    // A path that names no folder here (another repository's, a typo) is not judged: not yet reported (weak point).
    if (dir === undefined || seen.has(dir)) continue;
    seen.add(dir);
    const where = { file: d.file, line: d.line };
    // A Helm chart folder is rendered with each source's values by argo/overrides-check.ts.
    if (isChart(root, dir)) continue;
    if (hasKustomization(root, dir)) {
      if (!options.overlays.includes(dir)) plan.kustomize.push(dir);
      continue;
    }
    const jsonnet =
      d.directory?.jsonnet === true || (await fg('*.{jsonnet,libsonnet}', { cwd: join(root, dir) })).length > 0;
    if (jsonnet) {
      plan.findings.push({
        ruleId: RENDER_SOURCE_NOT_EVALUABLE,
        message: `${d.kind} ${d.name} deploys ${dir} with jsonnet, which kfm-gitops does not evaluate: it is not checked`,
        ...where,
      });
      continue;
    }
    const listed = await fg(d.directory?.recurse ? '**/*' : '*', {
      cwd: join(root, dir),
      onlyFiles: true,
      followSymbolicLinks: false,
      ignore: ['**/node_modules/**', '**/.git/**', '**/.kfm-gitops/**'],
    });
    const include = d.directory?.include ? [d.directory.include] : undefined;
    const exclude = d.directory?.exclude ? [d.directory.exclude] : undefined;
    const files = listed
      .filter((f) => MANIFEST.test(f))
      .filter((f) => (!include || matchesAny(f, include)) && (!exclude || !matchesAny(f, exclude)))
      .sort()
      .map((f) => (dir === '.' ? f : `${dir}/${f}`));
    plan.directories.push({ path: dir, files });
  }
  if (view.deployments.length === 0 && view.unevaluable.length === 0) {
    // No Application says how folders are deployed: each plain folder with manifests nothing renders is taken as the
    // directory source Argo CD would make of it (not recursive, Argo CD's default).
    const byDir = new Map<string, string[]>();
    for (const f of options.uncovered) {
      const dir = posix.dirname(f);
      byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
    }
    for (const [dir, files] of byDir)
      if (!isChart(root, dir) && !hasKustomization(root, dir))
        plan.directories.push({ path: dir, files: files.sort() });
  }
  return plan;
}

/** A plain folder as Argo CD applies it: every file parsed as it is, findings on the files' own lines. */
export async function renderDirectory(
  source: DirectorySource,
  overlay: Overlay,
  root: string,
  report: (f: FindingInput) => void,
): Promise<RenderedOverlay> {
  const started = performance.now();
  const resources: Resource[] = [];
  const texts: string[] = [];
  let failed = false;
  for (const file of source.files) {
    let text: string;
    try {
      text = await readFile(join(root, file), 'utf8');
    } catch (err) {
      report({
        ruleId: RENDER_INPUT_UNREADABLE,
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        file,
      });
      failed = true;
      continue;
    }
    texts.push(text);
    const parsed = parseResources(text, { overlay: overlay.path, file });
    for (const f of parsed.findings) report(f);
    if (parsed.findings.length > 0) failed = true;
    resources.push(...parsed.resources);
  }
  return {
    overlay,
    status: failed ? 'parse-error' : 'ok',
    text: texts.join('\n---\n'),
    resources,
    durationMs: Math.round(performance.now() - started),
  };
}
