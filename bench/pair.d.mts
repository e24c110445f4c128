// Types of bench/pair.mjs, for test/bench/pair.test.ts.
export interface LargePairing {
  value: number;
  largeColdMs: number;
  largeStartedAt: string | null;
  largeGitHead: string | null;
  hoursBefore: number | null;
}
export function pairWithLarge(xlargeColdMs: number | null, resultsDir: string, now?: number): LargePairing | null;
