/**
 * How V8 sizes the heap of a run over a large repository (issue 20). The live heap of a check run is small (~55-65 MB
 * on the 1,500-overlay bench repo while it renders and checks), but by default V8 lets it grow to about twice that,
 * keeps a young generation of ~32 MB, and lets garbage Buffers pile up to its 64 MB external-memory mark before it
 * collects: the process peaked at 255-310 MB. With V8's `--optimize-for-size` (young generation and heap grown in
 * small steps, collected more often) it peaked at 209-213 MB for the same report; the cost is collection time: 6.8 s
 * of pauses against 2.1 s on that repo (node CPU +15-25%). Measured and rejected: `--heap-growing-percent=10`
 * (254 MB, 49 full collections), a 4 MB or 1 MB semi-space (300/289 MB; and V8 reads it only at start-up).
 * Measured again once the discovery memo was streamed and released (issue 20, large bench repo, cold, 2 runs each,
 * interleaved): with the flag 183/184 MB and 13.0-13.3 s node CPU; without it 240/250 MB and 11.1-11.5 s (over the
 * 220 MB target, so the threshold stays); with it switched off while the overlays render and on again after, 272 MB
 * (the render phase grew the heap past what the flag later gave back). The heap grows from discovery on (the Argo
 * CD view reads every text file), so the flag must be on from there.
 *
 * A large run used to collect its garbage itself at two moments besides (after the renders, and once the discovery
 * memo was saved and the file facts trimmed): when the run entered the checks with ~70 MB of uncollected garbage
 * (374-379 MB), that lowered its peak to 336-352 MB. Measured again once the memo was written in large pieces and
 * the early policy rounds waited for it (issue 20, xlarge bench repo, cold): with those collections 312-319 MiB in four
 * runs, without them 300-302 MiB in two; after a forced collection V8 kept the ~170 MB of pages the renders had grown
 * the heap to (~108 MB live), and the checks grew the process from there. So the run no longer collects by itself.
 *
 * The flag is set by the run itself (a user cannot be asked to pass node flags; V8 reads it at every collection),
 * only when discovery finds a large repository: small and medium ones keep V8's faster defaults.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Kustomization folders from which a run keeps its heap small (bench repos: medium 399, large 1,984). */
export const COMPACT_HEAP_KUSTOMIZATIONS = 1_000;

let compact = false;

/** Switches this process to V8's memory-saving heap sizing for a repo of COMPACT_HEAP_KUSTOMIZATIONS or more. */
export function sizeHeapFor(kustomizations: number): void {
  if (compact || kustomizations < COMPACT_HEAP_KUSTOMIZATIONS) return;
  compact = true;
  setFlagsFromString('--optimize-for-size');
  // The collection below needs `gc`, which only this flag exposes. Both flags are set here, once, at the start of
  // the renders: V8 refuses a code cache made under other flags, and the schema validators' caches
  // (checks/schema/disk-cache.ts) are loaded while the overlays render and written after: the flags must not change
  // in between.
  setFlagsFromString('--expose-gc');
  // V8 reads the flag when it sizes the heap after a collection; until the next one the limit stays as the last
  // collection set it, under the default sizing: several times the live heap. That limit let the 7,500-overlay bench
  // repo's heap grow from ~45-90 MB to 145 MB (cold) and 330 MB (renders cached) before V8 collected (issue 20,
  // --trace-gc). One collection now sizes it the small way from here on.
  // V8 exposes `gc` only to contexts made after --expose-gc: one is made for it.
  (runInNewContext('gc') as () => void)();
}

/**
 * Whether this run keeps its memory small (a large repository, see sizeHeapFor): then memory is what binds, and a
 * choice that trades memory for time (the policy check's worker thread, ~20-30 MB) is not made.
 */
export function heapIsCompact(): boolean {
  return compact;
}
