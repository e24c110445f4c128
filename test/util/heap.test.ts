/**
 * Issue 20: a large run keeps its heap small (util/heap.ts sizeHeapFor); a small run keeps V8's own sizing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { COMPACT_HEAP_KUSTOMIZATIONS, heapIsCompact, sizeHeapFor } from '../../src/util/heap.js';

describe('the compact sizing', () => {
  it('is off in a small run and on from a large repository on', () => {
    expect(heapIsCompact()).toBe(false);
    sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS - 1);
    expect(heapIsCompact()).toBe(false);
    sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS);
    expect(heapIsCompact()).toBe(true);
  });
});

describe('V8 flags of a large run', () => {
  it('do not change after the compact sizing: a code cache made after a collection is accepted by the next run', () => {
    // V8 refuses a code cache made under other flags; the schema validators' caches are loaded while the overlays
    // render and written after the renders, after V8 collected many times (checks/schema/disk-cache.ts). Separate
    // processes, as two runs are: flags are per process.
    const dir = mkdtempSync(join(tmpdir(), 'kfm-heap-flags-'));
    try {
      // The built module (npm test builds first), as a run loads it.
      const heap = pathToFileURL(join(repoRoot, 'dist', 'util', 'heap.js')).href;
      const script = (write: boolean): string => `
        import { Script } from 'node:vm';
        import { readFileSync, writeFileSync } from 'node:fs';
        import { COMPACT_HEAP_KUSTOMIZATIONS, sizeHeapFor } from ${JSON.stringify(heap)};
        sizeHeapFor(COMPACT_HEAP_KUSTOMIZATIONS);
        const source = '(function () { return function twice(x) { return 2 * x; }; })';
        const file = ${JSON.stringify(join(dir, 'code.v8'))};
        if (${write}) {
          const script = new Script(source);
          script.runInThisContext()()(21);
          // Enough garbage for V8 to collect several times under the compact sizing, as the renders make it.
          let keep = 0;
          for (let k = 0; k < 20; k++) keep += Array.from({ length: 200000 }, (_, i) => ({ i, j: i })).length;
          writeFileSync(file, script.createCachedData());
          console.log(keep > 0 ? 'written' : '');
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
