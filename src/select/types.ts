import type { OverlayWalker } from '../discover/walks.js';
import type { Overlay } from '../types.js';

/** Overlays a run keeps, and why it leaves the others out (listed in the report under `skipped`). */
export interface Selection {
  keep: Overlay[];
  skipped: { path: string; reason: string }[];
  /**
   * Root-relative repository files the run needs to read for content checks (the secret scan), when only some
   * changed; unset means all of them.
   */
  files?: string[];
}

/** The shape of `CheckRunOptions.select` in src/pipeline.ts; `walk` is the run's shared kustomization walk. */
export type Selector = (overlays: Overlay[], walk?: OverlayWalker) => Promise<Selection>;

/** Applies selectors in order: each sees only what the previous kept; skip reasons accumulate. */
export function composeSelectors(...selectors: (Selector | undefined)[]): Selector | undefined {
  const active = selectors.filter((s): s is Selector => s !== undefined);
  if (active.length === 0) return undefined;
  return async (overlays, walk) => {
    let keep = overlays;
    let files: string[] | undefined;
    const skipped: Selection['skipped'] = [];
    for (const select of active) {
      const next = await select(keep, walk);
      keep = next.keep;
      skipped.push(...next.skipped);
      if (next.files) files = files ? files.filter((f) => next.files!.includes(f)) : next.files;
    }
    return { keep, skipped: skipped.sort((a, b) => a.path.localeCompare(b.path)), ...(files ? { files } : {}) };
  };
}
