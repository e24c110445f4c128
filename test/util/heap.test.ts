/**
 * Issue 20: a large run collects its garbage at chosen moments (util/heap.ts collectNow) so that what it dropped is
 * free before the next stage allocates; a small run keeps V8's own timing.
 */
import { describe, expect, it } from 'vitest';
import { collectNow, COMPACT_HEAP_KUSTOMIZATIONS, heapIsCompact, sizeHeapFor } from '../../src/util/heap.js';

describe('collectNow', () => {
  it('does nothing in a small run, and frees dropped memory at once in a large one', () => {
    expect(heapIsCompact()).toBe(false);
    collectNow(); // a small run: no collection, no flag set
    sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS);
    expect(heapIsCompact()).toBe(true);
    collectNow();
    const before = process.memoryUsage().heapUsed;
    const made = (): number => {
      const garbage = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `item-${i}` }));
      return garbage.length;
    };
    expect(made()).toBe(400_000);
    collectNow();
    // ~400k objects and strings (~30 MB) were live a moment ago; after the collection they are gone.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });
});
