/**
 * Issue 20: a large run collects its garbage at chosen moments (util/heap.ts collectNow) so that what it dropped is
 * free before the next stage allocates; a small run keeps V8's own timing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
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

describe('V8 flags of a large run', () => {
  it('do not change after the compact sizing: a code cache made after a collection is accepted by the next run', () => {
    // V8 refuses a code cache made under other flags; the schema validators' caches are loaded while the overlays
    // render and written after the renders, when a large run collects (checks/schema/disk-cache.ts). Separate
    // processes, as two runs are: flags are per process.
    const dir = mkdtempSync(join(tmpdir(), 'kfm-heap-flags-'));
    try {
      // The built module (npm test builds first), as a run loads it.
      const heap = pathToFileURL(join(repoRoot, 'dist', 'util', 'heap.js')).href;
      const script = (write: boolean): string => `
        import { Script } from 'node:vm';
        import { readFileSync, writeFileSync } from 'node:fs';
        import { collectNow, COLLECT_FROM_BYTES, COMPACT_HEAP_KUSTOMIZATIONS, sizeHeapFor } from ${JSON.stringify(heap)};
        sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS);
        const source = '(function () { return function twice(x) { return 2 * x; }; })';
        const file = ${JSON.stringify(join(dir, 'code.v8'))};
        if (${write}) {
          const script = new Script(source);
          script.runInThisContext()()(21);
          const keep = Array.from({ length: Math.ceil(COLLECT_FROM_BYTES / 24) }, (_, i) => ({ i, j: i })); // past the mark
          collectNow();
          writeFileSync(file, script.createCachedData());
          console.log(keep.length > 0 ? 'written' : '');
        } else {
          const script = new Script(source, { cachedData: readFileSync(file) });
          console.log(script.cachedDataRejected ? 'rejected' : 'accepted');
        }`;
      const run = (write: boolean): string =>
        execFileSync(process.execPath, ['--input-type=module', '-e', script(write)], {
          encoding: 'utf8',
        }).trim();
      expect(run(true)).toBe('written');
      expect(run(false)).toBe('accepted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('switching to the compact sizing', () => {
  it('collects at once, so the limit V8 set under its default sizing does not let the heap grow further', () => {
    // Old garbage (it survived collections while it was referenced) is collected only by a full collection, which
    // V8 starts when the heap reaches the limit it set at the last one: several times the live heap under the default
    // sizing. The switch collects, so what was dropped before it is gone at once. A separate process: flags are per
    // process, and this file's first test switched already.
    const heap = pathToFileURL(join(repoRoot, 'dist', 'util', 'heap.js')).href;
    const script = `
      import { getHeapStatistics } from 'node:v8';
      import { COMPACT_HEAP_KUSTOMIZATIONS, sizeHeapFor } from ${JSON.stringify(heap)};
      let old = Array.from({ length: 600000 }, (_, i) => ({ i, s: 'x' + i }));
      for (let k = 0; k < 3; k++) Array.from({ length: 200000 }, (_, i) => [i]); // promotes it to the old generation
      const live = old.length;
      old = undefined;
      const before = getHeapStatistics().used_heap_size;
      sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS);
      const after = getHeapStatistics().used_heap_size;
      console.log(JSON.stringify({ live, freedMb: Math.round((before - after) / 1048576) }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim(),
    ) as { live: number; freedMb: number };
    expect(out.live).toBe(600000);
    // ~600,000 objects and strings: tens of MB.
    expect(out.freedMb).toBeGreaterThan(20);
  });
});
