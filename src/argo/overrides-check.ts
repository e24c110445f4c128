/**
 * Issue 14 item 3: what Argo CD changes at sync is part of the render. Every Application/ApplicationSet source that
 * carries `source.kustomize` overrides is rendered again with them (render/argo-overrides.ts), and every Helm chart
 * folder a source deploys is rendered with the source's values (render/helm.ts). The results are checked beside the
 * plain overlays (which are still checked as they are), under the env of the Application.
 *
 * Placement: a finding of an override render that the plain render of the same folder also has (same rule, message
 * and path) is the folder's own and is dropped; the others exist because of the override, so they are put on the
 * Application's line (the `images:`/`patches:`/`kustomize:`/`helm:` key), where the fix belongs.
 */
import { join, posix } from 'node:path';
import { placeEnv } from '../discover/env.js';
import { isRemoteRef } from '../discover/kustomization-parse.js';
import type { OverlayWalker } from '../discover/walks.js';
import { parseResources } from '../parse/index.js';
import { renderWithOverrides } from '../render/argo-overrides.js';
import { WALK_RULES } from '../render/overlay.js';
import { renderHelmSource } from '../render/helm.js';
import type { Renderer } from '../render/types.js';
import {
  RENDER_EMPTY,
  RENDER_FAILED,
  RENDER_HELM_SOURCE,
  RENDER_OUTSIDE_ROOT,
  RENDER_REMOTE,
  RENDER_SOURCE_NOT_EVALUABLE,
} from '../rules/render.js';
import type { FindingInput, Overlay, RenderedOverlay, Severity } from '../types.js';
import type { ArgoDeployment, ArgoView } from './applications.js';
import { destinationOf, placeInDestination } from './destination.js';
import { hasKustomization, isChartSource, resolveSource } from './directory.js';
import { isThisRepo } from './repo.js';
import { escapeRegExp } from '../util/glob.js';
import { mapPool } from '../util/pool.js';
import { readKustomizeOverride } from './overrides.js';

interface Placement {
  file: string;
  /** Lines of the override keys present (OVERRIDE_KEYS), and of the source path. */
  lines: Record<string, number>;
  pathLine: number;
  /** The plain folder's overlay path, whose own findings are not repeated on the Application. */
  plain?: string;
  /** The override's namePrefix/nameSuffix: a renamed object's finding is still the folder's own. */
  rename?: { prefix?: string; suffix?: string };
}

/** Override and Helm renders → where their findings go. Keyed by the Overlay object the render returned. */
const placements = new WeakMap<Overlay, Placement>();
/** Distinct override/Helm renders one run makes (each is a full render with its own timeout). */
export const MAX_SOURCE_RENDERS = 1000;

export interface ArgoRenderContext {
  root: string;
  view: ArgoView;
  /** Every overlay discovery found (their env from evidence is the override render's default env). */
  overlays: readonly Overlay[];
  envOrder: readonly string[];
  renderer: Renderer;
  timeoutMs: number;
  maxRenderBytes?: number;
  allowExec: boolean;
  signal?: AbortSignal;
  walk: OverlayWalker;
  /** Changed-only run: the changed files (a source is rendered when its Application or an input changed). */
  files?: string[];
  concurrency: number;
  /** At most this many override/Helm renders (default MAX_SOURCE_RENDERS). */
  maxRenders?: number;
}

export interface ArgoRenders {
  rendered: RenderedOverlay[];
  /** Root-relative folders whose files these renders account for (Helm charts) for coverage. */
  folders: string[];
  /** Root-relative files an override render read beyond its folder's own render (its components), for coverage. */
  validated: string[];
}

const RULE_OF = { remote: RENDER_REMOTE, 'outside-root': RENDER_OUTSIDE_ROOT } as const;

/** The rule of a failed override/Helm render: a refused reference has its own, anything else the caller's. */
const failureRule = (reason: string | undefined, otherwise: string): string =>
  reason === 'remote' || reason === 'outside-root'
    ? RULE_OF[reason]
    : reason === 'not-evaluable'
      ? RENDER_SOURCE_NOT_EVALUABLE
      : otherwise;

export async function renderArgoOverrides(
  ctx: ArgoRenderContext,
  report: (f: FindingInput) => void,
): Promise<ArgoRenders> {
  const folders = new Set<string>();
  const validated = new Set<string>();
  const names = new Set<string>();
  // Looked up once per deployment: a scan of every overlay each time was 0.7 s of 7,500 × 7,500 on the xlarge repo.
  let byPath: ReadonlyMap<string, Overlay> | undefined;
  // An ApplicationSet makes many Applications from one template line: the same folder with the same source and
  // destination renders (and reports) once.
  const seen = new Set<string>();
  const jobs: { d: ArgoDeployment; dir: string; overlay: Overlay }[] = [];
  for (const d of ctx.view.deployments) {
    const same = JSON.stringify([d.file, d.line, d.sourcePath, d.source ?? null, d.namespace ?? '', d.appName ?? '']);
    if (seen.has(same)) continue;
    seen.add(same);
    if (d.sourcePath === '' && typeof d.source?.chart === 'string') {
      if (touched(ctx, d, []))
        report({
          ruleId: RENDER_REMOTE,
          message: `${d.kind} ${d.name} deploys the chart ${JSON.stringify(d.source.chart)} from the Helm repository ${JSON.stringify(d.source.repoURL ?? '')}: remote charts are not fetched (no network), so nothing in it is checked; vendor the chart in this repository and point \`path\` at it${typeof d.source.path === 'string' && d.source.path !== '' ? ' (without `chart`: Argo CD ignores `path` beside it)' : ''}`,
          file: d.file,
          line: d.line,
        });
      continue;
    }
    // Another repository's source, a missing path or one outside the root: planArgoSources lists or reports it.
    if (isThisRepo(ctx.view.identity, d.repoURL) === false) continue;
    const resolved = resolveSource(ctx.root, ctx.view.identity, d.sourcePath);
    if (!('dir' in resolved)) continue;
    const dir = resolved.dir;
    if (isChartSource(ctx.root, dir, d.source)) folders.add(dir);
    jobs.push({ d, dir, overlay: overlayOf(ctx, d, dir, names, (byPath ??= overlaysByPath(ctx.overlays))) });
  }
  // A hostile ApplicationSet (up to 10,000 elements, each with its own override) must not buy 10,000 renders: past the
  // cap the rest are not rendered, and the run says so with a guard finding rather than passing them.
  const max = ctx.maxRenders ?? MAX_SOURCE_RENDERS;
  const renders = jobs.filter(
    ({ d, dir }) => isChartSource(ctx.root, dir, d.source) || readKustomizeOverride(d.source).override,
  );
  if (renders.length > max) {
    const first = renders[max];
    report({
      ruleId: RENDER_SOURCE_NOT_EVALUABLE,
      message: `${renders.length} Argo CD sources need their own render (sync-time overrides or Helm values), more than the ${max} one run renders: ${renders.length - max} of them, from ${first.d.kind} ${first.d.name} on, are not checked`,
      file: first.d.file,
      line: first.d.line,
    });
    const dropped = new Set(renders.slice(max));
    jobs.splice(0, jobs.length, ...jobs.filter((j) => !dropped.has(j)));
  }
  const rendered = await mapPool(jobs, ctx.concurrency, async ({ d, dir, overlay }) => {
    const covers = (files: string[]): void => files.forEach((f) => validated.add(f));
    const r = await (isChartSource(ctx.root, dir, d.source)
      ? renderChart(ctx, d, dir, overlay, report, covers)
      : renderOverride(ctx, d, dir, overlay, report, covers));
    // Argo CD applies an object that names no namespace in this Application's destination namespace: a Route an
    // override's component adds to a folder deployed to kfm-prod reaches prod's database Service (KFM-TM-001).
    if (r) placeInDestination(r, d.namespace ? [d.namespace] : [], ctx.envOrder);
    return r;
  });
  return {
    rendered: rendered.filter((r): r is RenderedOverlay => r !== undefined),
    folders: [...folders],
    validated: [...validated],
  };
}

/**
 * Changed-only runs render a source when its Application or one of the folder's inputs changed; an Application read
 * from a render of this run may have changed with any of its overlay's inputs (a patch file), so always.
 */
function touched(ctx: ArgoRenderContext, d: ArgoDeployment, inputs: string[]): boolean {
  return (
    !ctx.files ||
    d.fromRender === true ||
    ctx.files.includes(d.file) ||
    (d.keyFile !== undefined && ctx.files.includes(d.keyFile)) ||
    inputs.some((f) => ctx.files!.includes(f))
  );
}

/**
 * The deployments of a kustomize folder to a namespace other than the one its own render is placed in (destination.ts:
 * the strictest env's), one per such namespace, without overrides of their own (those render on their own, placed in
 * their namespace): Argo CD applies the folder there too, and its objects without a namespace join what is there.
 */
export function otherDestinations(
  ctx: Pick<ArgoRenderContext, 'root' | 'view' | 'envOrder'>,
  isKustomizeFolder: (dir: string) => boolean,
): { d: ArgoDeployment; dir: string; namespace: string }[] {
  const byDir = new Map<string, { all: string[]; plain: { d: ArgoDeployment; namespace: string }[] }>();
  for (const d of ctx.view.deployments) {
    if (!d.namespace || d.sourcePath.includes('{{') || isThisRepo(ctx.view.identity, d.repoURL) === false) continue;
    if (typeof d.source?.chart === 'string') continue;
    const resolved = resolveSource(ctx.root, ctx.view.identity, d.sourcePath);
    if (!('dir' in resolved) || !isKustomizeFolder(resolved.dir) || isChartSource(ctx.root, resolved.dir, d.source))
      continue;
    const source = d.source as Record<string, unknown> | undefined;
    if (
      source &&
      (('plugin' in source && source.plugin) || (source.directory !== undefined && source.directory !== null))
    )
      continue;
    let entry = byDir.get(resolved.dir);
    if (!entry) byDir.set(resolved.dir, (entry = { all: [], plain: [] }));
    entry.all.push(d.namespace);
    if (!readKustomizeOverride(d.source).override) entry.plain.push({ d, namespace: d.namespace });
  }
  const out: { d: ArgoDeployment; dir: string; namespace: string }[] = [];
  for (const [dir, { all, plain }] of byDir) {
    const placed = destinationOf(all, ctx.envOrder);
    const done = new Set<string>();
    for (const { d, namespace } of plain) {
      if (namespace === placed || done.has(namespace)) continue;
      done.add(namespace);
      out.push({ d, dir, namespace });
    }
  }
  return out;
}

/** Findings of `copy` (the folder `plain` rendered for another destination) go to `d`'s line unless `plain` has them. */
export function placeCopy(copy: Overlay, d: ArgoDeployment, plain: string): void {
  placements.set(copy, { ...placementOf(d), plain });
}

/** The overlay a copy of `dir` for `d`'s destination is checked as: named after the Application, in its env. */
export function copyOverlay(
  ctx: Pick<ArgoRenderContext, 'envOrder'>,
  d: ArgoDeployment,
  dir: string,
  base: Overlay,
  names: Set<string>,
): Overlay {
  const placed = placeEnv({ argoNamespaces: [d.namespace ?? ''], folder: posix.basename(dir) }, ctx.envOrder);
  return { ...base, path: sourceOverlayPath(d, dir, names), env: placed.source ? placed.env : base.env };
}

/** `<folder>@<Application>` (`#2`, `#3`… when taken), a new name in `names`. */
function sourceOverlayPath(d: ArgoDeployment, dir: string, names: Set<string>): string {
  // The name comes from the manifest (an attacker's): only a DNS-label-like tail goes into an overlay path.
  const app = (d.appName ?? d.name).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 253);
  let path = `${dir}@${app}`;
  for (let i = 2; names.has(path); i++) path = `${dir}@${app}#${i}`;
  names.add(path);
  return path;
}

/** Findings an override causes go where it is written: the Application, or the override file merged into it. */
function placementOf(d: ArgoDeployment): Placement {
  if (d.keyFile !== undefined) return { file: d.keyFile, lines: d.keyLines ?? {}, pathLine: 1 };
  return { file: d.file, lines: d.keyLines ?? {}, pathLine: d.line };
}

function at(d: ArgoDeployment, key: string): { file: string; line: number } {
  const p = placementOf(d);
  return { file: p.file, line: p.lines[key] ?? p.pathLine };
}

/** A Helm chart folder with the source's values (render/helm.ts: offline, value files inside the repository). */
async function renderChart(
  ctx: ArgoRenderContext,
  d: ArgoDeployment,
  dir: string,
  overlay: Overlay,
  report: (f: FindingInput) => void,
  covers: (files: string[]) => void,
): Promise<RenderedOverlay | undefined> {
  // Value files outside the chart folder are its inputs too: a changed-only run that changed only one of them
  // skipped the chart (a ClusterRole a value names, changed to cluster-admin, passed), and a full run reported the
  // file as checked by nothing.
  const helm = d.source?.helm;
  const valueFiles = sourceFiles(
    dir,
    helm !== null && typeof helm === 'object' ? (helm as Record<string, unknown>).valueFiles : undefined,
    ctx.view.identity.prefix,
  );
  if (!touched(ctx, d, valueFiles) && !ctx.files!.some((f) => f.startsWith(`${dir}/`))) return undefined;
  const started = performance.now();
  const app = {
    metadata: { name: d.appName ?? d.name },
    spec: {
      source: { ...d.source, path: dir, helm: d.source?.helm ?? {} },
      destination: d.namespace ? { namespace: d.namespace } : {},
    },
  };
  const r = await renderHelmSource(app, ctx.root, {
    ...(ctx.renderer.helm ? { helm: ctx.renderer.helm } : {}),
    timeoutMs: ctx.timeoutMs,
    maxOutputBytes: ctx.maxRenderBytes,
    signal: ctx.signal,
  });
  if (!r.ok) {
    report({
      ruleId: failureRule(r.reason, RENDER_HELM_SOURCE),
      message: `${d.kind} ${d.name} deploys the Helm chart ${dir}, which does not render: ${r.message}`,
      ...at(d, 'helm'),
    });
    return undefined;
  }
  if (r.text.trim() === '') {
    // Like an empty kustomize render: nothing to vouch for is not a pass.
    report({
      ruleId: RENDER_EMPTY,
      message: `${d.kind} ${d.name} deploys the Helm chart ${dir}, which renders no objects with these values`,
      ...at(d, 'helm'),
    });
    return undefined;
  }
  covers(valueFiles);
  return parsed(overlay, r.text, started, placementOf(d), report);
}

/**
 * The root-relative files of a list of paths relative to a source folder (Helm value files, override patch files):
 * those inside the root, as the renders read them (a remote one, a `$ref/…` one, or one leaving the root is refused
 * by the render itself).
 */
function sourceFiles(dir: string, paths: unknown, prefix?: string): string[] {
  if (!Array.isArray(paths)) return [];
  return paths
    .filter((p): p is string => typeof p === 'string' && p !== '' && !p.startsWith('$') && !isRemoteRef(p))
    .filter((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p))
    .map((p) => {
      if (!posix.isAbsolute(p)) return posix.normalize(posix.join(dir, p));
      // Absolute: from the repository top (Helm value files), the root's place in it known from Git.
      if (prefix === undefined) return '..';
      const top = posix.normalize(p).replace(/^\/+/, '');
      return prefix === '' ? top : top.startsWith(`${prefix}/`) ? top.slice(prefix.length + 1) : '..';
    })
    .filter((p) => p !== '..' && !p.startsWith('../'));
}

/** A kustomize folder with the source's `kustomize:` overrides, when it has any. */
async function renderOverride(
  ctx: ArgoRenderContext,
  d: ArgoDeployment,
  dir: string,
  overlay: Overlay,
  report: (f: FindingInput) => void,
  covers: (files: string[]) => void,
): Promise<RenderedOverlay | undefined> {
  const { override, problems } = readKustomizeOverride(d.source);
  if (!hasKustomization(ctx.root, dir)) {
    // Overrides on a plain folder: it is validated as a directory source, without them; say so rather than pass.
    if (override && touched(ctx, d, []))
      report({
        ruleId: RENDER_SOURCE_NOT_EVALUABLE,
        message: `${d.kind} ${d.name}: ${dir} has no kustomization, so its source.kustomize overrides are not applied by kfm-gitops; its files are checked without them`,
        ...at(d, 'kustomize'),
      });
    return undefined;
  }
  if (problems.length > 0 && !touched(ctx, d, [])) return undefined;
  for (const p of problems)
    report({
      ruleId: p.kind === 'remote' ? RENDER_REMOTE : RENDER_SOURCE_NOT_EVALUABLE,
      message: `${d.kind} ${d.name}: ${p.message}`,
      ...at(d, p.key),
    });
  if (!override || problems.length > 0) return undefined;
  // The folder's own walk: its refusals (remote, outside the root, exec) are reported by its plain render.
  const walk = await ctx.walk({ ...overlay, path: dir, absPath: join(ctx.root, dir) });
  if (walk.issues.length > 0) return undefined;
  // The override's components are walked like any kustomization: their refusals come with file and line.
  const components = override.components
    .filter((c) => !isRemoteRef(c) && !/^[a-z][a-z0-9+.-]*:/i.test(c)) // refused by the render module
    .map((c) => posix.normalize(posix.join(dir, c)))
    .filter((c) => !c.startsWith('..'));
  // Patch files an override names by path are read by the render: its inputs, checked through it.
  const inputs = [
    ...walk.inputs,
    ...sourceFiles(
      dir,
      override.patches.map((p) => p.path),
    ),
  ];
  for (const c of components) {
    const cw = await ctx.walk({ ...overlay, path: c, absPath: join(ctx.root, c) });
    for (const issue of cw.issues)
      report({ ruleId: WALK_RULES[issue.kind], message: issue.message, file: issue.file, line: issue.line });
    if (cw.issues.length > 0) return undefined;
    inputs.push(...cw.inputs);
  }
  if (!touched(ctx, d, inputs)) return undefined;
  if (walk.helm && !ctx.renderer.helm) return undefined; // the plain render stops the run (no helm)
  const started = performance.now();
  const r = await renderWithOverrides(dir, override, overlay, {
    root: ctx.root,
    renderer: ctx.renderer,
    timeoutMs: ctx.timeoutMs,
    maxRenderBytes: ctx.maxRenderBytes,
    allowExec: ctx.allowExec,
    helm: walk.helm,
    signal: ctx.signal,
  });
  if (!r.ok) {
    report({
      ruleId: failureRule(r.reason, RENDER_FAILED),
      message: `${d.kind} ${d.name}: ${dir} ${r.reason === 'not-evaluable' ? 'with its source.kustomize overrides is not checked' : 'does not render with its source.kustomize overrides'}: ${r.message}`,
      ...at(d, r.key ?? 'kustomize'),
    });
    return undefined;
  }
  const rename = { prefix: override.namePrefix, suffix: override.nameSuffix };
  covers(inputs); // what it rendered is checked: its components' files too
  return parsed(overlay, r.text, started, { ...placementOf(d), plain: dir, rename }, report);
}

/** The overlay an override/Helm render is checked as: a name of its own, the env of the Application. */
/** The overlays by path, the first of a path kept (as a search from the start finds it). */
function overlaysByPath(overlays: readonly Overlay[]): ReadonlyMap<string, Overlay> {
  const map = new Map<string, Overlay>();
  for (const o of overlays) if (!map.has(o.path)) map.set(o.path, o);
  return map;
}

function overlayOf(
  ctx: ArgoRenderContext,
  d: ArgoDeployment,
  dir: string,
  names: Set<string>,
  byPath: ReadonlyMap<string, Overlay>,
): Overlay {
  const plain = byPath.get(dir);
  const placed = placeEnv(
    { argoNamespaces: d.namespace ? [d.namespace] : [], folder: posix.basename(dir) },
    ctx.envOrder,
  );
  return {
    path: sourceOverlayPath(d, dir, names),
    absPath: join(ctx.root, dir),
    env: placed.source ? placed.env : (plain?.env ?? placed.env),
    layer: dir.split('/')[0],
    ...(plain?.app ? { app: plain.app } : {}),
    kustomizationFile: plain?.kustomizationFile ?? '',
  };
}

function parsed(
  overlay: Overlay,
  text: string,
  started: number,
  placement: Placement,
  report: (f: FindingInput) => void,
): RenderedOverlay {
  placements.set(overlay, placement);
  const result = parseResources(text, { overlay: overlay.path, file: overlay.path, generated: true });
  for (const f of result.findings)
    report({
      ...f,
      file: placement.file,
      line: placement.lines.helm ?? placement.lines.kustomize ?? placement.pathLine,
    });
  return {
    overlay,
    status: result.findings.length > 0 ? 'parse-error' : 'ok',
    text,
    resources: result.resources,
    durationMs: Math.round(performance.now() - started),
  };
}

type Add = (f: FindingInput, fallback: Severity) => void;

/**
 * Wraps the checks' report: findings of override/Helm renders are held until the checks are done, then those the
 * plain folder also has are dropped and the rest placed on the Application. Without such renders: `add` itself.
 */
export function overridePlacer(rendered: readonly RenderedOverlay[], add: Add): { add: Add; flush: () => void } {
  const byPath = new Map<string, Placement>();
  for (const r of rendered) {
    const p = placements.get(r.overlay);
    if (p) byPath.set(r.overlay.path, p);
  }
  if (byPath.size === 0) return { add, flush: () => undefined };
  const plains = new Set([...byPath.values()].map((p) => p.plain).filter((p): p is string => p !== undefined));
  const key = (f: FindingInput, plain: string, rename?: Placement['rename']): string =>
    JSON.stringify([f.ruleId, plain, sameObject(f.message, rename), f.path ?? [], f.resource?.id.kind ?? '']);
  const own = new Set<string>();
  const held: { f: FindingInput; fallback: Severity; p: Placement }[] = [];
  return {
    add: (f, fallback) => {
      const overlay = f.overlay ?? f.resource?.overlay;
      const p = overlay !== undefined ? byPath.get(overlay) : undefined;
      if (p) held.push({ f, fallback, p });
      else {
        if (overlay !== undefined && plains.has(overlay)) own.add(key(f, overlay));
        add(f, fallback);
      }
    },
    flush: () => {
      for (const { f, fallback, p } of held.splice(0)) {
        if (p.plain !== undefined && own.has(key(f, p.plain, p.rename))) continue;
        add(f.file !== undefined ? f : { ...f, file: p.file, line: lineFor(f, p) }, fallback);
      }
    },
  };
}

/**
 * A message with what an override changes about an object's identity taken out: the `namespace/` before a name and
 * the override's name prefix and suffix. Comparison only; never shown.
 */
function sameObject(message: string, rename?: Placement['rename']): string {
  let m = message.replace(/\b[a-z0-9][a-z0-9.-]*\/(?=[a-z0-9])/g, '');
  if (rename?.prefix) m = m.replace(new RegExp(`(^|[\\s"'(/])${escapeRegExp(rename.prefix)}`, 'g'), '$1');
  if (rename?.suffix) m = m.replace(new RegExp(`${escapeRegExp(rename.suffix)}(?=$|[\\s"'),.:;])`, 'g'), '');
  return m;
}

/** The override key a finding is most likely due to: the only one set, an image finding on `images:`, else the block. */
function lineFor(f: FindingInput, p: Placement): number {
  const { lines } = p;
  if (lines.helm !== undefined) return lines.helm;
  const images = lines['kustomize.images'];
  const patches = lines['kustomize.patches'];
  const aboutImage = (f.path ?? []).some((s) => s === 'image' || s === 'images') || /\bimage\b/i.test(f.message);
  if (images !== undefined && (patches === undefined || aboutImage)) return images;
  if (patches !== undefined && images === undefined) return patches;
  return lines.kustomize ?? p.pathLine;
}
