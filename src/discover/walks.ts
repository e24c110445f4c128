/**
 * One walk per overlay per run: selection (changed-only, shards), rendering and origin mapping all need the same
 * kustomization walk, and it reads and stats every input file. The memo keeps the promise, so concurrent askers
 * share one walk. With the discovery memo (memo.ts), a walk whose every looked-at path kept its stamp since an
 * earlier run is taken from there instead.
 */
import type { Overlay } from '../types.js';
import { walkOverlayDetailed, walkShared, type WalkDetails } from './kustomization.js';
import type { DiscoverMemo } from './memo.js';

export type OverlayWalker = (overlay: Overlay) => Promise<WalkDetails>;

export function memoWalks(root: string, options: { allowExec: boolean; memo?: DiscoverMemo }): OverlayWalker {
  const walks = new Map<string, Promise<WalkDetails>>();
  const { memo, allowExec } = options;
  const shared = walkShared();
  return (overlay) => {
    let walk = walks.get(overlay.absPath);
    if (!walk) {
      const known = memo?.walk(overlay.absPath);
      if (known) walk = Promise.resolve(known);
      else if (memo) {
        const { trace, deps } = memo.tracer();
        walk = walkOverlayDetailed(root, overlay.absPath, { allowExec, trace, shared }).then((details) => {
          memo.rememberWalk(overlay.absPath, details, deps);
          return details;
        });
      } else walk = walkOverlayDetailed(root, overlay.absPath, { allowExec, shared });
      walks.set(overlay.absPath, walk);
    }
    return walk;
  };
}
