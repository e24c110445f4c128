/**
 * The dependency graph of an overlay, as changed-only runs, shards and the rendered diff need it: every file the
 * render reads (from the kustomization walk, transitively through resources, components, patches and generator
 * files) plus every path a kustomization names, even when it no longer exists — a deleted base or patch must still
 * select the overlays that pointed at it.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { findKustomizationFile, isRemoteRef, readKustomization, walkOverlay } from '../discover/kustomization.js';
import type { Overlay } from '../types.js';
import { toRepoPath } from '../util/paths.js';

export interface OverlayDeps {
  overlay: Overlay;
  /** Root-relative files the render reads (kustomization files included). */
  files: Set<string>;
  /** Root-relative kustomization folders reached ('.' for the root itself). */
  dirs: Set<string>;
  /** Root-relative targets every reached kustomization names, resolved, whether or not they exist. */
  refs: Set<string>;
  /**
   * False when the walk stopped early (remote or escaping reference, unreadable kustomization, plugin): the input
   * list may be incomplete, so such an overlay is never skipped as "unchanged".
   */
  complete: boolean;
  /** Sum of the sizes of `files`, in bytes (shard balancing). */
  bytes: number;
}

export async function overlayDeps(
  root: string,
  overlay: Overlay,
  options: { allowExec: boolean },
): Promise<OverlayDeps> {
  const walk = await walkOverlay(root, overlay.absPath, { allowExec: options.allowExec });
  const files = new Set(walk.inputs);
  const dirs = new Set(walk.kustomizations);
  const refs = new Set<string>();
  for (const dir of walk.kustomizations) {
    const file = findKustomizationFile(join(root, dir));
    if (!file) continue;
    const k = await readKustomization(file);
    for (const ref of k.refs) {
      if (isRemoteRef(ref.value)) continue;
      const rel = toRepoPath(root, resolve(dirname(file), ref.value));
      if (rel !== undefined) refs.add(rel);
    }
  }
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += (await stat(join(root, f))).size;
    } catch {
      // A file that vanished between the walk and now weighs nothing; the render reports it.
    }
  }
  return { overlay, files, dirs, refs, complete: walk.issues.length === 0, bytes };
}

/**
 * Whether a change to `path` (root-relative) can change this overlay's render:
 * - it is one of the files the render reads;
 * - it sits directly in a kustomization folder the overlay reaches (a new or deleted patch, a file a kustomization
 *   field the walker does not model reads, e.g. `replacements[].path`);
 * - it is, or lies under, a path a kustomization names (a base whose kustomization was deleted or renamed).
 */
export function affects(deps: OverlayDeps, path: string): boolean {
  if (deps.files.has(path)) return true;
  const parent = posix.dirname(path);
  if (deps.dirs.has(parent === '' ? '.' : parent)) return true;
  for (let p = path; p !== '.' && p !== ''; p = posix.dirname(p)) {
    if (deps.refs.has(p)) return true;
    if (posix.dirname(p) === p) break;
  }
  return false;
}
