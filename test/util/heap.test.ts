/**
 * Issue 20: a large run collects its garbage at chosen moments (util/heap.ts collectNow) so that what it dropped is
 * free before the next stage allocates; a small run keeps V8's own timing.
 */
import { describe, expect, it } from 'vitest';
import {
  collectNow,
  COLLECT_FROM_BYTES,
  COMPACT_HEAP_KUSTOMIZATIONS,
  heapIsCompact,
  sizeHeapFor,
} from '../../src/util/heap.js';

describe('collectNow', () => {
  it('does nothing in a small run, and frees dropped memory at once in a large one', () => {
    expect(heapIsCompact()).toBe(false);
    collectNow(); // a small run: no collection, no flag set
    sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS);
    expect(heapIsCompact()).toBe(true);
    collectNow();
    const before = process.memoryUsage().heapUsed;
    // More than COLLECT_FROM_BYTES of it, so that the heap in use is past the mark when collectNow is called.
    const count = Math.ceil(COLLECT_FROM_BYTES / 64);
    const made = (): number => {
      const garbage = Array.from({ length: count }, (_, i) => ({ i, s: `item-${i}` }));
      return garbage.length;
    };
    expect(made()).toBe(count);
    collectNow();
    // Over 100 MB of objects and strings were made a moment ago; after the collection they are gone.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 1024 * 1024);
  });
});
