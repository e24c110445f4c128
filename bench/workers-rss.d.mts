// Types of bench/workers-rss.mjs, for test/bench/workers-rss.test.ts.
export function watchWorkers(rootPid: number | undefined, intervalMs?: number): { stop(): number | null };
