/**
 * What a `check` run keeps of a rendered overlay while the other overlays render (issue 20: memory grew with the
 * repo because every overlay's rendered text was held for the whole run).
 *
 * Only the text's digest (the whole-run cache's render key, results-cache.ts) is needed once the overlay is parsed.
 * Findings on a discovered overlay's resources are placed in the files a person edits (render/sourcemap.ts), never
 * through the rendered text, so the per-resource locators, which hold the text, are released too.
 *
 * The objects are kept as parsed: they come from kfm-render's JSON documents (parse/documents.ts), whose strings are
 * their own. (A deep copy sharing repeated values was measured on the large bench repo: no lower peak RSS once the
 * documents were JSON, 15% more node CPU; it paid only while js-yaml's strings were slices of its private copy of
 * each document's text.)
 *
 * Not for `validate` (raw files, placed through their own text) nor for Argo CD override renders (placed on the
 * Application, argo/overrides-check.ts): they are not compacted.
 */
import { createHash } from 'node:crypto';
import type { Locator, RenderedOverlay } from '../types.js';

/** A resource of a compacted overlay has no rendered text to point into; placement goes through its sources. */
const released: Locator = () => undefined;

/** Replaces the overlay's text by its digest and releases its resources' locators (in place). */
export function releaseRenderedText(r: RenderedOverlay): void {
  if (r.text === '') return;
  r.textSha256 = createHash('sha256').update(r.text).digest('hex');
  r.text = '';
  for (const res of r.resources) res.locate = released;
}
