/**
 * Overlay discovery by convention (DESIGN.md "Discovery by convention"): every folder holding a kustomization
 * that no other kustomization uses as a base/component is an overlay, except components/ and kind: Component.
 */
import fg from 'fast-glob';
import { dirname, join, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { Overlay } from '../types.js';
import { matchesAny } from '../util/glob.js';
import { KUSTOMIZATION_NAMES, readKustomization, isRemoteRef, repoPathOf } from './kustomization.js';

export interface DiscoverOptions {
  /** Globs matched against the overlay path (`--overlay`). */
  overlayGlobs?: string[];
  /** Env names to keep (`--env`). */
  envs?: string[];
}

export interface DiscoverResult {
  overlays: Overlay[];
  /** Kustomization folders that are only used by others (bases, components), for reporting. */
  bases: string[];
}

const IGNORE = ['**/node_modules/**', '**/.git/**', '**/.kfm-gitops/**'];

export async function discoverOverlays(
  root: string,
  config: Config,
  options: DiscoverOptions = {},
): Promise<DiscoverResult> {
  const files = await fg(
    KUSTOMIZATION_NAMES.map((n) => `**/${n}`),
    {
      cwd: root,
      ignore: IGNORE,
      followSymbolicLinks: false,
      onlyFiles: true,
      dot: false,
    },
  );
  const dirs = new Map<string, string>(); // repo-relative dir → kustomization file
  for (const f of files.sort()) {
    const dir = dirname(f) === '.' ? '.' : dirname(f);
    if (!dirs.has(dir)) dirs.set(dir, f);
  }

  const referenced = new Set<string>();
  const components = new Set<string>();
  const inRoot = repoPathOf(root);
  await Promise.all(
    [...dirs].map(async ([dir, file]) => {
      const k = await readKustomization(join(root, file));
      if (k.kind === 'Component') components.add(dir);
      for (const ref of k.refs) {
        if (ref.kind !== 'directory-or-file' || isRemoteRef(ref.value)) continue;
        const target = inRoot(resolve(root, dir, ref.value));
        if (target && dirs.has(target)) referenced.add(target);
      }
    }),
  );

  const discovery = config.discovery ?? {};
  const overlays: Overlay[] = [];
  const bases: string[] = [];
  for (const [dir, file] of dirs) {
    const explicit = discovery.include && discovery.include.length > 0;
    if (explicit) {
      if (!matchesAny(dir, discovery.include!)) continue;
    } else if (referenced.has(dir) || components.has(dir) || dir.split('/')[0] === 'components') {
      bases.push(dir);
      continue;
    }
    if (discovery.exclude && matchesAny(dir, discovery.exclude)) continue;
    overlays.push(classify(root, dir, file, config));
  }
  // Explicit overlay entries may name folders the convention would not pick (e.g. a base rendered on purpose).
  for (const entry of discovery.overlays ?? []) {
    const dir = entry.path.replace(/\/+$/, '');
    if (overlays.some((o) => o.path === dir)) continue;
    const file = dirs.get(dir);
    if (file) overlays.push(classify(root, dir, file, config));
  }

  let result = overlays.sort((a, b) => a.path.localeCompare(b.path));
  if (options.overlayGlobs && options.overlayGlobs.length > 0)
    result = result.filter((o) => matchesAny(o.path, options.overlayGlobs!));
  if (options.envs && options.envs.length > 0) result = result.filter((o) => options.envs!.includes(o.env));
  return { overlays: result, bases: bases.sort() };
}

function classify(root: string, dir: string, file: string, config: Config): Overlay {
  const segments = dir === '.' ? ['.'] : dir.split('/');
  const name = segments[segments.length - 1];
  const overlay: Overlay = {
    path: dir,
    absPath: join(root, dir),
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
