/**
 * What a `check` run keeps of a rendered overlay while the other overlays render (issue 20: memory grew with the
 * repo because every resource was held, for the whole run, in the form the YAML parser left it in).
 *
 * - The rendered text: only its digest (the whole-run cache's render key, results-cache.ts) is needed later. Findings
 *   on a discovered overlay's resources are placed in the files a person edits (render/sourcemap.ts), never through
 *   the rendered text, so the per-resource locators (which hold the text) are released too.
 * - The objects: js-yaml's strings are slices of its private copy of each document's text, so an object kept alive
 *   kept a second copy of the whole render. A JSON round trip gives compact objects with strings of their own (about
 *   2.4 → 1.0 KB per resource, measured on the large bench repo's renders). It is exact for what the fast parser
 *   produces (strings, finite numbers, booleans, null, lists, maps); a text with YAML's `.nan`/`.inf` keeps its
 *   objects as they are, since JSON has no such numbers.
 *
 * Not for `validate` (raw files, placed through their own text) nor for Argo CD override renders (placed on the
 * Application, argo/overrides-check.ts): they are not compacted.
 */
import { createHash } from 'node:crypto';
import type { Locator, RenderedOverlay } from '../types.js';

const NON_FINITE = /\.(?:nan|inf)\b/i;

/** A resource of a compacted overlay has no rendered text to point into; placement goes through its sources. */
const released: Locator = () => undefined;

export function compactRendered(r: RenderedOverlay): void {
  if (r.text === '') return;
  r.textSha256 = createHash('sha256').update(r.text).digest('hex');
  const exact = !NON_FINITE.test(r.text);
  r.text = '';
  for (const res of r.resources) {
    if (exact) {
      res.object = JSON.parse(JSON.stringify(res.object)) as Record<string, unknown>;
      res.id = JSON.parse(JSON.stringify(res.id)) as typeof res.id;
    }
    res.locate = released;
  }
}
