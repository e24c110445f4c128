/**
 * The Argo CD side of a run, after the overlays rendered: the folders Argo CD deploys that discovery did not render
 * (kustomize bases deployed on their own, plain directory sources), the sync-time overrides and Helm chart sources
 * (overrides-check.ts), the sources it cannot evaluate, and the coverage verdict on every file nothing checked.
 */
import { join } from 'node:path';
import { uncoveredFinding, type Coverage } from '../discover/coverage.js';
import type { DiscoverResult } from '../discover/index.js';
import { findKustomizationFile } from '../discover/kustomization.js';
import { DEFAULT_ENV_ORDER, placeEnv } from '../discover/env.js';
import type { OverlayWalker } from '../discover/walks.js';
import type { CheckRunOptions } from '../pipeline.js';
import { renderOverlay } from '../render/overlay.js';
import type { FindingInput, Overlay, RenderedOverlay } from '../types.js';
import { mapPool } from '../util/pool.js';
import { hasKustomization, planArgoSources, renderDirectory } from './directory.js';
import {
  copyOverlay,
  MAX_SOURCE_RENDERS,
  otherDestinations,
  placeCopy,
  renderArgoOverrides,
} from './overrides-check.js';
import type { ArgoView } from './applications.js';
import { addRenderedArgoObjects } from './rendered.js';
import { applySourceFiles } from './source-files.js';
import { destinationOf, placeInDestination } from './destination.js';
import { RENDER_SOURCE_NOT_EVALUABLE } from '../rules/render.js';

/**
 * A folder Argo CD deploys that discovery did not render, as an overlay: its env is the one the deploying Applications'
 * destination namespaces name (the strictest of them, as for overlays: discover/env.ts), else its folder's name.
 * (Placed by the folder name alone, a base deployed raw to kfm-prod was checked as env "base": the promoted-env
 * rules, digest pinning first, never ran on it.)
 */
function overlayFor(
  root: string,
  path: string,
  envOrder: readonly string[],
  namespaces: readonly string[],
  kustomizationFile = '',
): Overlay {
  const segments = path.split('/');
  return {
    path,
    absPath: join(root, path),
    env: placeEnv({ argoNamespaces: [...namespaces], folder: segments[segments.length - 1] }, envOrder).env,
    layer: segments[0],
    kustomizationFile,
  };
}

export async function checkArgoSources(
  coverage: Coverage,
  discovered: DiscoverResult,
  overlayMap: Map<string, Overlay>,
  files: string[] | undefined,
  options: CheckRunOptions & { walk: OverlayWalker },
  report: (f: FindingInput) => void,
  /** Sources the run does not check (another repository's, outside the root), for the report's not-checked list. */
  notChecked: (entry: { path: string; reason: string }) => void = () => undefined,
): Promise<RenderedOverlay[]> {
  for (const f of coverage.findings) report(f);
  const envOrder = options.config.envOrder ?? DEFAULT_ENV_ORDER;
  // The override files Argo CD merges into the sources (`.argocd-source*.yaml`) are part of what each one deploys.
  const sourceFiles = applySourceFiles(options.root, discovered.argo);
  for (const f of sourceFiles.findings) report(f);
  // A changed-only run checks the sources reading a changed file; a full run checks them all. A change to what says
  // which folders Argo CD deploys (an Application/ApplicationSet manifest, a git files generator's parameters) may
  // point Argo CD at a folder that did not change: then every source is checked.
  const argoInputs = new Set([
    ...discovered.argo.inputs,
    ...discovered.argo.deployments.map((d) => d.file),
    ...discovered.argo.unevaluable.map((u) => u.file),
    ...sourceFiles.files,
  ]);
  // So may an Application read from an overlay this run rendered (its patch files are no Argo CD input by name).
  const everything =
    !files || files.some((f) => argoInputs.has(f)) || discovered.argo.deployments.some((d) => d.fromRender === true);
  const all: RenderedOverlay[] = [];
  const validated = new Set<string>([...discovered.argo.inputs, ...sourceFiles.files]);
  const folders: string[] = [];
  // Round by round: what a round renders (a plain folder, a Helm chart, an override) may hold Applications of its own
  // (an app of apps), which Argo CD then deploys too; those it had not evaluated make the next round.
  let view = sourceFiles.view;
  for (let round = 1; ; round++) {
    const uncovered = round === 1 ? coverage.uncovered : [];
    const done = await checkRound(view, uncovered, {
      discovered,
      overlayMap,
      files,
      options,
      report,
      notChecked,
      envOrder,
      // A later round's Applications were read from this run's renders: always checked (see fromRender).
      everything: everything || round > 1,
    });
    all.push(...done.rendered);
    for (const f of done.validated) validated.add(f);
    folders.push(...done.folders);
    const next: ArgoView = { ...view, deployments: [], unevaluable: [], inputs: [], specs: [...view.specs] };
    await addRenderedArgoObjects(next, done.rendered, options.root);
    for (const f of next.inputs) validated.add(f); // git files generators' parameter files, as in round 1
    if (next.deployments.length === 0 && next.unevaluable.length === 0) break;
    const nextFiles = applySourceFiles(options.root, next);
    for (const f of nextFiles.findings) report(f);
    for (const f of nextFiles.files) validated.add(f);
    if (round >= MAX_ARGO_ROUNDS) {
      const deeper = next.deployments[0] ?? next.unevaluable[0];
      report({
        ruleId: RENDER_SOURCE_NOT_EVALUABLE,
        message: `Applications deploy Applications more than ${MAX_ARGO_ROUNDS} levels deep (${deeper.kind} ${deeper.name} in ${deeper.file}): what the deeper ones deploy is not checked`,
        file: deeper.file,
      });
      break;
    }
    view = nextFiles.view;
  }
  const inFolder = (file: string): boolean => folders.some((d) => d === '.' || file.startsWith(`${d}/`));
  for (const file of coverage.uncovered) if (!validated.has(file) && !inFolder(file)) report(uncoveredFinding(file));
  return all;
}

/**
 * A kustomize folder deployed to several namespaces has its own render placed in the strictest env's one
 * (destination.ts). Argo CD applies it in the others too, where its objects without a namespace join what is there (a
 * Route to the database Service of kfm-dev only, or of `team-b` where `team-a` and `team-b` name no env and leave the
 * folder's own render unplaced). Each other namespace gets the folder's render (a render cache hit) placed there and
 * checked under that namespace's env; what it finds that the folder's own render does not is reported on the
 * Application (overridePlacer). A render none of whose objects lacks a namespace is the folder's own: not kept.
 */
async function renderOtherDestinations(
  ctx: RoundContext,
  view: ArgoView,
  planned: readonly { path: string }[],
  /** Overlay paths already taken (the override renders'); the copies' are added. */
  names: Set<string>,
): Promise<RenderedOverlay[]> {
  const { discovered, overlayMap, files, options, report, envOrder, everything } = ctx;
  const bases = new Map<string, Overlay>([...discovered.all.map((o) => [o.path, o] as const)]);
  for (const k of planned) {
    const o = overlayMap.get(k.path);
    if (o) bases.set(k.path, o);
  }
  const copies = otherDestinations({ root: options.root, view, envOrder }, (dir) => bases.has(dir));
  if (copies.length === 0) return [];
  if (copies.length > MAX_SOURCE_RENDERS) {
    const first = copies[MAX_SOURCE_RENDERS].d;
    report({
      ruleId: RENDER_SOURCE_NOT_EVALUABLE,
      message: `${copies.length} Argo CD deployments put folders in further namespaces, more than the ${MAX_SOURCE_RENDERS} one run checks: ${copies.length - MAX_SOURCE_RENDERS} of them, from ${first.kind} ${first.name} on, are not checked there`,
      file: first.file,
      line: first.line,
    });
  }
  const out = await mapPool(copies.slice(0, MAX_SOURCE_RENDERS), options.concurrency, async ({ d, dir }) => {
    const base = bases.get(dir)!;
    if (!everything) {
      const walk = await options.walk(base);
      if (walk.issues.length === 0 && !walk.inputs.some((f) => files!.includes(f)) && !files!.includes(d.file))
        return undefined;
    }
    const copy = copyOverlay({ envOrder }, d, dir, base, names);
    const r = await renderOverlay(copy, options, () => undefined); // its render problems are the folder's own
    if (r.status !== 'ok' || placeInDestination(r, [d.namespace!], envOrder) === 0) return undefined;
    placeCopy(copy, d, dir);
    return r;
  });
  return out.filter((r): r is RenderedOverlay => r !== undefined);
}

/** Argo CD levels of Applications deploying Applications evaluated (a rendered one beyond is a guard finding). */
const MAX_ARGO_ROUNDS = 4;

interface RoundContext {
  discovered: DiscoverResult;
  overlayMap: Map<string, Overlay>;
  files: string[] | undefined;
  options: CheckRunOptions & { walk: OverlayWalker };
  report: (f: FindingInput) => void;
  notChecked: (entry: { path: string; reason: string }) => void;
  envOrder: readonly string[];
  everything: boolean;
}

/** One round: the view's sources planned, rendered and validated. */
async function checkRound(
  view: ArgoView,
  /** Files no overlay reads: in a repo without Applications, their folders are taken as directory sources. */
  uncovered: string[],
  ctx: RoundContext,
): Promise<{ rendered: RenderedOverlay[]; validated: string[]; folders: string[] }> {
  const { discovered, overlayMap, files, options, report, notChecked, envOrder, everything } = ctx;
  const plan = await planArgoSources({
    root: options.root,
    view,
    overlays: discovered.all.map((o) => o.path),
    uncovered,
    allowAutomatedProd:
      (options.config.policy as { allowAutomatedProd?: unknown } | undefined)?.allowAutomatedProd === true,
  });
  for (const f of plan.findings) report(f);
  for (const n of plan.notChecked) notChecked(n);
  const touched = (paths: string[]): boolean => everything || paths.some((p) => files!.includes(p));
  const candidates = plan.kustomize.map(({ path, namespaces }) => {
    const file = findKustomizationFile(join(options.root, path));
    const name = file ? file.slice(join(options.root, path).length + 1) : '';
    return overlayFor(options.root, path, envOrder, namespaces, name);
  });
  const kustomize: Overlay[] = [];
  for (const o of candidates) {
    if (everything) {
      kustomize.push(o);
      continue;
    }
    // Inputs that cannot all be listed (a refused reference, a cycle) select the source, as for overlays.
    const walk = await options.walk(o);
    if (walk.issues.length > 0 || touched(walk.inputs) || files!.some((f) => f.startsWith(`${o.path}/`)))
      kustomize.push(o);
  }
  for (const o of kustomize) overlayMap.set(o.path, o);
  const namespacesOf = new Map(plan.kustomize.map((k) => [k.path, k.namespaces]));
  const rendered = await mapPool(kustomize, options.concurrency, async (o) => {
    const r = await renderOverlay(o, options, report);
    placeInDestination(r, namespacesOf.get(o.path) ?? [], envOrder);
    return r;
  });
  const directories = plan.directories.filter((d) => touched(d.files));
  const argo = await renderArgoOverrides(
    {
      root: options.root,
      view,
      overlays: discovered.all,
      envOrder,
      renderer: options.renderer,
      timeoutMs: options.timeoutMs,
      maxRenderBytes: options.maxRenderBytes,
      allowExec: options.config.kustomize?.allowExec === true,
      signal: options.signal,
      walk: options.walk,
      concurrency: options.concurrency,
      ...(files ? { files } : {}),
    },
    report,
  );
  rendered.push(...argo.rendered);
  const names = new Set(argo.rendered.map((x) => x.overlay.path)); // the copies' overlay paths are new ones
  rendered.push(...(await renderOtherDestinations(ctx, view, plan.kustomize, names)));
  let copies = 0;
  for (const d of directories) {
    const overlay = overlayFor(options.root, d.path, envOrder, d.namespaces);
    // A kustomize folder applied raw (`directory:` on it): a name of its own beside the folder's kustomize render.
    if (overlayMap.has(d.path) || hasKustomization(options.root, d.path)) overlay.path = `${d.path}@directory`;
    const r = await renderDirectory(d, overlay, options.root, report);
    placeInDestination(r, d.namespaces, envOrder);
    rendered.push(r);
    names.add(overlay.path);
    // Its other destinations, as for kustomize folders (renderOtherDestinations): the same files placed in each.
    const placed = destinationOf(d.namespaces, envOrder);
    for (const { namespace, d: by } of d.deployments ?? []) {
      if (namespace === placed) continue;
      if (copies++ >= MAX_SOURCE_RENDERS) {
        if (copies === MAX_SOURCE_RENDERS + 1)
          report({
            ruleId: RENDER_SOURCE_NOT_EVALUABLE,
            message: `Argo CD deployments put plain folders in more than ${MAX_SOURCE_RENDERS} further namespaces, more than one run checks: ${by.kind} ${by.name} and those after it are not checked there`,
            file: by.file,
            line: by.line,
          });
        break;
      }
      const copy = copyOverlay({ envOrder }, by, d.path, overlay, names);
      const c = await renderDirectory(d, copy, options.root, () => undefined); // its findings are the folder's own
      if (placeInDestination(c, [namespace], envOrder) === 0) continue;
      placeCopy(copy, by, overlay.path);
      rendered.push(c);
    }
  }
  return {
    rendered,
    validated: [...plan.directories.flatMap((d) => d.files), ...argo.validated],
    folders: argo.folders,
  };
}
