/**
 * Overlay discovery by convention (DESIGN.md "Discovery by convention"): every folder holding a kustomization
 * that no other kustomization uses as a base/component is an overlay, except components/ and kind: Component.
 */
import { dirname, join, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { Overlay } from '../types.js';
import { matchesAny } from '../util/glob.js';
import { cacheRootDir } from '../util/paths.js';
import { flat, runFacts } from '../util/file-facts.js';
import { sizeHeapFor } from '../util/heap.js';
import { nearest } from '../util/suggest.js';
import { readArgoView, type ArgoView } from '../argo/applications.js';
import { deployedOverlay } from '../argo/directory.js';
import { isThisRepo, readRepoIdentity } from '../argo/repo.js';
import { DEFAULT_ENV_ORDER, placeEnv } from './env.js';
import { listRepo } from './listing.js';
import { KUSTOMIZATION_NAMES, readKustomization, isRemoteRef, repoPathOf } from './kustomization.js';
import type { ParsedKustomization } from './kustomization.js';
import type { DiscoverMemo, KustomizationFacts } from './memo.js';

export interface DiscoverOptions {
  /** Globs matched against the overlay path (`--overlay`), as typed: `./x` and paths from the Git top are accepted. */
  overlayGlobs?: string[];
  /** Env names to keep (`--env`). */
  envs?: string[];
  /** Root-relative folder the run is narrowed to (`check <subfolder>`); layers still count from the root. */
  scope?: string;
  /** Where the root sits, POSIX, relative to the current folder and to the Git top: stripped from `--overlay`. */
  overlayPrefixes?: string[];
}

export interface DiscoverResult {
  overlays: Overlay[];
  /** Kustomization folders that are only used by others (bases, components), for reporting. */
  bases: string[];
  /** Every overlay the repo defines (config include/exclude applied, flags not): what coverage is measured on. */
  all: Overlay[];
  /** Set when the repo defines nothing to render at all: a guard finding, never a green run. */
  nothingToCheck?: string;
  /** App overlays whose env no evidence places in envOrder (see env.ts). */
  envIssues: { overlay: string; file: string; message: string }[];
  /** What Argo CD deploys from the repository, as read from its Application/ApplicationSet manifests. */
  argo: ArgoView;
  /** Overlay path → the destination namespaces of the Applications of this repository that deploy it. */
  destinations: ReadonlyMap<string, readonly string[]>;
}

/** A flag or config filter that selects no overlay: the run cannot do what was asked (exit 2). */
export class DiscoverFilterError extends Error {}

/**
 * An `--overlay` glob as a root-relative glob: `./apps/x` and `infra/gitops/apps/x` (what tab completion gives from
 * the current folder or the repo top) both mean `apps/x`.
 */
export function normalizeOverlayGlob(glob: string, prefixes: readonly string[] = []): string {
  let g = glob.replace(/\\/g, '/').replace(/\/+$/, '');
  while (g.startsWith('./')) g = g.slice(2).replace(/^\/+/, '');
  for (const prefix of prefixes) {
    const p = prefix.replace(/^\.\/?/, '').replace(/\/+$/, '');
    if (p === '' || p.startsWith('..')) continue;
    if (g.startsWith(`${p}/`)) return g.slice(p.length + 1);
  }
  return g === '' ? '.' : g;
}

function describeNearest(target: string, paths: string[]): string {
  const near = nearest(target, paths);
  return near.length > 0 ? `; nearest overlays: ${near.join(', ')}` : '; the repo defines no overlay';
}

export async function discoverOverlays(
  root: string,
  config: Config,
  options: DiscoverOptions = {},
  memo?: DiscoverMemo,
): Promise<DiscoverResult> {
  return (await findOverlays(root, config, options, memo)).complete();
}

/**
 * The first part of discovery: which folders are overlays, from the kustomization files alone (the overlay list of
 * DiscoverResult, before envs are placed and `--env` is applied). The renders need nothing more (render/overlay.ts,
 * render/cache.ts: the overlay's folder, its kustomization file and the files the walk reaches), so a run that
 * does not select by env or change can start them here while `complete()` reads the Argo CD view and places envs
 * (issue 20: ~0.5 s of a cold check on the 1,500-overlay bench repo, with one core idle). `complete()` sets every
 * overlay's env in place on these same objects and applies `--env`; its errors are discovery's errors.
 */
export interface FoundOverlays extends Pick<DiscoverResult, 'all' | 'nothingToCheck'> {
  /** The overlays after config and path filters (`include`/`exclude`, scope, `--overlay`); `--env` not applied. */
  overlays: Overlay[];
  /** Folder → the namespace its kustomization sets (`namespace:`), where it sets one. */
  namespaces: ReadonlyMap<string, string>;
  /** The Argo CD view, env placement and `--env`: the whole DiscoverResult (asked once, later calls share it). */
  complete: () => Promise<DiscoverResult>;
}

export async function findOverlays(
  root: string,
  config: Config,
  options: DiscoverOptions = {},
  memo?: DiscoverMemo,
): Promise<FoundOverlays> {
  const listed = listTree(root, memo);
  const files = listed.kustomizations;
  const dirs = new Map<string, string>(); // repo-relative dir → kustomization file
  for (const f of files.sort()) {
    const dir = dirname(f) === '.' ? '.' : dirname(f);
    if (!dirs.has(dir)) dirs.set(dir, f);
  }
  sizeHeapFor(dirs.size); // a large repository: V8 keeps the heap small from here on (util/heap.ts)

  const referenced = new Set<string>();
  const components = new Set<string>();
  const namespaces = new Map<string, string>();
  const inRoot = repoPathOf(root);
  // One kustomization at a time: started all at once (Promise.all over the folders), every parse resolved at once and
  // waited in the microtask queue until the last had been read, so the whole repo's parses were live together, past
  // the parse memo's bound (~60 MB of the 7,500-overlay bench repo's heap at the end of discovery, its peak; issue 20).
  for (const [dir, file] of dirs) {
    const abs = join(root, file);
    let facts = memo?.facts(abs);
    if (!facts) {
      facts = factsOf(await readKustomization(abs), root, dir, inRoot);
      memo?.rememberFacts(abs, facts);
    }
    if (facts.component) components.add(dir);
    if (facts.namespace !== undefined) namespaces.set(dir, facts.namespace);
    for (const target of facts.targets) if (dirs.has(target)) referenced.add(target);
  }

  const discovery = config.discovery ?? {};
  const overlays: Overlay[] = [];
  const bases: string[] = [];
  for (const [dir, file] of dirs) {
    const explicit = discovery.include && discovery.include.length > 0;
    if (explicit) {
      if (!matchesAny(dir, discovery.include!)) continue;
    } else if (
      // A folder under overlays/ is an env of its own even when another overlay builds on it (prod on ../stage, an
      // aggregate on ../prod and ../stage): checked only inside the other, it would be checked under the wrong env.
      (referenced.has(dir) && !isEnvFolder(dir)) ||
      components.has(dir) ||
      dir.split('/')[0] === 'components'
    ) {
      bases.push(dir);
      continue;
    }
    overlays.push(classify(root, dir, file, config));
  }
  // Explicit overlay entries may name folders the convention would not pick (e.g. a base rendered on purpose).
  for (const entry of discovery.overlays ?? []) {
    const dir = entry.path.replace(/\/+$/, '');
    if (overlays.some((o) => o.path === dir)) continue;
    const file = dirs.get(dir);
    if (file) overlays.push(classify(root, dir, file, config));
  }

  overlays.sort((a, b) => a.path.localeCompare(b.path));
  const defined = overlays.map((o) => o.path);
  if (overlays.length === 0 && discovery.include?.length)
    throw new DiscoverFilterError(
      `discovery.include ${JSON.stringify(discovery.include)} matches no kustomization folder${describeNearest(discovery.include[0], [...dirs.keys()])}`,
    );
  const all = discovery.exclude?.length ? overlays.filter((o) => !matchesAny(o.path, discovery.exclude!)) : overlays;
  if (overlays.length > 0 && all.length === 0)
    throw new DiscoverFilterError(
      `discovery.exclude ${JSON.stringify(discovery.exclude)} excludes every overlay (${defined.slice(0, 3).join(', ')}${defined.length > 3 ? ', …' : ''}): nothing would be checked`,
    );
  let result = all;
  const scope = options.scope && options.scope !== '.' ? options.scope.replace(/\/+$/, '') : undefined;
  if (scope !== undefined) {
    result = result.filter((o) => o.path === scope || o.path.startsWith(`${scope}/`));
    if (result.length === 0 && all.length > 0)
      throw new DiscoverFilterError(
        `${scope} holds no overlay${describeNearest(
          scope,
          all.map((o) => o.path),
        )}`,
      );
  }
  if (options.overlayGlobs && options.overlayGlobs.length > 0) {
    const globs = options.overlayGlobs.map((g) => normalizeOverlayGlob(g, options.overlayPrefixes));
    // Each glob must match something: a typo next to a good glob would otherwise check less than asked, silently.
    globs.forEach((glob, i) => {
      if (!result.some((o) => matchesAny(o.path, [glob])))
        throw new DiscoverFilterError(
          `--overlay ${options.overlayGlobs![i]} matches no overlay${describeNearest(
            glob,
            result.map((o) => o.path),
          )}`,
        );
    });
    result = result.filter((o) => matchesAny(o.path, globs));
  }
  const nothingToCheck =
    all.length === 0
      ? `no overlay to render under the root: no folder holds a kustomization that is not only used as a base or component${dirs.size > 0 ? ` (${dirs.size} kustomization folder${dirs.size === 1 ? '' : 's'}, all bases or components)` : ''}`
      : undefined;
  const found = result;
  let completing: Promise<DiscoverResult> | undefined;
  const complete = async (): Promise<DiscoverResult> => {
    // What each manifest contributes is remembered in the run's cache (sealed, src/argo/view-memo.ts) unless caching
    // is off. With the discovery memo, only the YAML files that could hold a manifest, or changed since, are read.
    const identity = await readRepoIdentity(root, config);
    const argo = await readArgoView(root, identity, {
      ...(config.cache?.enabled === false ? {} : { cacheRoot: cacheRootDir(root, config.cache?.dir) }),
      ...(memo
        ? { files: memo.argoFiles(listed.yaml), seen: (f: string, m: boolean) => memo.rememberMention(f, m) }
        : { files: listed.yaml }),
    });
    // Every overlay is placed (the unfiltered list: coverage and the Argo CD checks read `all`).
    const { issues: envIssues, deployedTo } = placeEnvs(overlays, { root, argo, namespaces, config });
    let selected = found;
    if (options.envs && options.envs.length > 0) {
      const envs = [...new Set(selected.map((o) => o.env))].sort();
      for (const env of options.envs)
        if (!envs.includes(env))
          throw new DiscoverFilterError(
            `--env ${env} matches no overlay; the selected overlays' envs are ${envs.join(', ') || 'none'}`,
          );
      selected = selected.filter((o) => options.envs!.includes(o.env));
    }
    const kept = new Set(selected.map((o) => o.path));
    return {
      overlays: selected,
      bases: bases.sort(),
      all,
      envIssues: envIssues.filter((i) => kept.has(i.overlay)),
      argo,
      destinations: deployedTo,
      ...(nothingToCheck ? { nothingToCheck } : {}),
    };
  };
  return {
    overlays: found,
    namespaces,
    all,
    ...(nothingToCheck ? { nothingToCheck } : {}),
    complete: () => (completing ??= complete()),
  };
}

/**
 * Root-relative kustomization files under the root and the files the Argo CD view reads (every regular file:
 * ARGO_MANIFEST_GLOBS), from the run's one walk of the tree (listing.ts). With the memo its folders are stamped, so
 * the next run can tell an unchanged tree by stats alone.
 */
function listTree(root: string, memo: DiscoverMemo | undefined): { kustomizations: string[]; yaml: string[] } {
  const known = memo?.knownTree();
  if (known) return known;
  const listed = listRepo(root);
  const names = new Set(KUSTOMIZATION_NAMES);
  const kustomizations = listed.files.filter((f) => names.has(f.slice(f.lastIndexOf('/') + 1)));
  memo?.rememberTree([resolve(root), ...listed.dirs.map((d) => join(root, d))], { kustomizations, yaml: listed.files });
  return { kustomizations, yaml: listed.files };
}

/** What discovery needs of one kustomization: is it a Component, its namespace, the local folders it names. */
function factsOf(
  k: ParsedKustomization,
  root: string,
  dir: string,
  inRoot: (abs: string) => string | undefined,
): KustomizationFacts {
  const targets: string[] = [];
  for (const ref of k.refs) {
    if (ref.kind !== 'directory-or-file' || isRemoteRef(ref.value)) continue;
    const target = inRoot(resolve(root, dir, ref.value));
    if (target !== undefined) targets.push(target);
  }
  return {
    component: k.kind === 'Component',
    // Flat: the parser's string is a slice of the whole file's text, which it would keep alive (18 MB on xlarge).
    ...(typeof k.object.namespace === 'string' ? { namespace: flat(k.object.namespace) } : {}),
    targets,
  };
}

/**
 * Sets every overlay's env from evidence (env.ts); returns the app overlays nothing places, and the destination
 * namespaces each overlay is deployed to.
 */
function placeEnvs(
  overlays: Overlay[],
  context: { root: string; argo: ArgoView; namespaces: Map<string, string>; config: Config },
): { issues: DiscoverResult['envIssues']; deployedTo: Map<string, string[]> } {
  const envOrder = context.config.envOrder ?? DEFAULT_ENV_ORDER;
  const paths = new Set(overlays.map((o) => o.path));
  const deployedTo = new Map<string, string[]>();
  for (const d of context.argo.deployments) {
    // Another repository's Application says nothing about this repository's folders.
    if (isThisRepo(context.argo.identity, d.repoURL) === false) continue;
    const target = deployedOverlay(context.root, context.argo.identity, d.sourcePath, paths);
    if (target && d.namespace) deployedTo.set(target, [...(deployedTo.get(target) ?? []), d.namespace]);
  }
  const issues: DiscoverResult['envIssues'] = [];
  for (const overlay of overlays) {
    const configEnv = context.config.discovery?.overlays?.find((o) => o.path.replace(/\/+$/, '') === overlay.path)?.env;
    const placed = placeEnv(
      {
        argoNamespaces: deployedTo.get(overlay.path) ?? [],
        ...(configEnv ? { configEnv } : {}),
        ...(context.namespaces.has(overlay.path)
          ? { kustomizationNamespace: context.namespaces.get(overlay.path) }
          : {}),
        folder: overlay.path.split('/').pop()!,
      },
      envOrder,
    );
    overlay.env = placed.env;
    if (placed.source === undefined && (overlay.layer === 'apps' || overlay.app !== undefined))
      issues.push({
        overlay: overlay.path,
        file: overlay.path === '.' ? overlay.kustomizationFile : `${overlay.path}/${overlay.kustomizationFile}`,
        message: `the env of ${overlay.path} cannot be placed in envOrder (${envOrder.join(', ')}): no Argo CD Application deploys it to a namespace naming an env, kfm-gitops.yaml sets none, and neither its namespace nor its folder name is one; the env-dependent rules would not know what applies`,
      });
  }
  return { issues, deployedTo };
}

function isEnvFolder(dir: string): boolean {
  const segments = dir.split('/');
  return segments.length >= 2 && segments[segments.length - 2] === 'overlays';
}

function classify(root: string, dir: string, file: string, config: Config): Overlay {
  const segments = dir === '.' ? ['.'] : dir.split('/');
  const name = segments[segments.length - 1];
  const overlay: Overlay = {
    path: dir,
    absPath: runFacts().intern(join(root, dir)), // one flat string: every overlay's is kept for the run
    env: name,
    layer: segments[0],
    kustomizationFile: file.slice(dir === '.' ? 0 : dir.length + 1),
  };
  // apps/<app>/overlays/<env> (and <layer>/<app>/overlays/<env> generally) name the app.
  const idx = segments.lastIndexOf('overlays');
  if (idx >= 2) overlay.app = segments[idx - 1];
  else if (segments[0] === 'apps' && segments.length >= 2) overlay.app = segments[1];
  const override = config.discovery?.overlays?.find((o) => o.path.replace(/\/+$/, '') === dir);
  if (override?.env) overlay.env = override.env;
  if (override?.layer) overlay.layer = override.layer;
  if (override?.app) overlay.app = override.app;
  return overlay;
}

/** Resolves and checks the root folder: a clear error when it does not exist. */
export async function checkRoot(root: string): Promise<string | undefined> {
  try {
    const info = await stat(root);
    return info.isDirectory() ? undefined : `${root} is not a directory`;
  } catch {
    return `${root} does not exist`;
  }
}
