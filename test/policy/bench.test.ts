/** The benchmark helper `npm run bench` calls: evaluates the shipped bundle and reports ms per 1,000 resources. */
import { describe, expect, it } from 'vitest';
import { benchPolicy } from '../../bench/lib/policy.js';

describe('benchPolicy', () => {
  it('measures whole-overlay and per-object evaluation over the requested number of resources', async () => {
    const r = await benchPolicy({ resources: 100, resourcesPerOverlay: 20 });
    expect(r).toMatchObject({ resources: 100, overlays: 5, resourcesPerOverlay: 20 });
    expect(r.wholeOverlayMsPer1000).toBeGreaterThan(0);
    expect(r.perObjectMsPer1000).toBeGreaterThan(0);
    expect(Number.isFinite(r.wholeOverlayMsPer1000 + r.perObjectMsPer1000)).toBe(true);
  });
});
