/**
 * The dependency graph of an overlay, as changed-only runs, shards and the rendered diff need it: every file the
 * render reads (from the kustomization walk, transitively through resources, components, patches and generator
 * files) plus every path a kustomization names, even when it no longer exists — a deleted base or patch must still
 * select the overlays that pointed at it.
 */
import { posix } from 'node:path';
import { walkOverlayDetailed } from '../discover/kustomization.js';
import type { OverlayWalker } from '../discover/walks.js';
import type { Overlay } from '../types.js';

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
  options: { allowExec: boolean; walk?: OverlayWalker },
): Promise<OverlayDeps> {
  // One walk answers everything: the targets every reached kustomization names and the input sizes come from the
  // reads and stats the walk makes anyway (re-reading and re-stating them measured as much as the walk itself).
  const walk = options.walk
    ? await options.walk(overlay)
    : await walkOverlayDetailed(root, overlay.absPath, { allowExec: options.allowExec });
  return {
    overlay,
    files: new Set(walk.inputs),
    dirs: new Set(walk.kustomizations),
    refs: new Set(walk.refs),
    complete: walk.issues.length === 0,
    // Read through: a remembered walk (discover/memo.ts) sums its input sizes only when shards ask.
    get bytes() {
      return walk.bytes;
    },
  };
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
