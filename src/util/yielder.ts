/**
 * Gives the event loop a turn every few milliseconds of synchronous work: long loops (the secret scan of the
 * repository while overlays render, the schema pass beside the policy check's worker) then let renders be dispatched
 * and other checks' waits be answered meanwhile. `await pause()` costs nothing until the time is up.
 */
export function yielder(everyMs = 8): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((res) => setImmediate(res));
    last = performance.now();
  };
}
