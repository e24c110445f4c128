/**
 * One walk per overlay per run: selection (changed-only, shards), rendering and origin mapping all need the same
 * kustomization walk, and it reads and stats every input file. The memo keeps the promise, so concurrent askers
 * share one walk.
 */
import type { Overlay } from '../types.js';
import { walkOverlayDetailed, type WalkDetails } from './kustomization.js';

export type OverlayWalker = (overlay: Overlay) => Promise<WalkDetails>;

export function memoWalks(root: string, options: { allowExec: boolean }): OverlayWalker {
  const walks = new Map<string, Promise<WalkDetails>>();
  return (overlay) => {
    let walk = walks.get(overlay.absPath);
    if (!walk) {
      walk = walkOverlayDetailed(root, overlay.absPath, options);
      walks.set(overlay.absPath, walk);
    }
    return walk;
  };
}
