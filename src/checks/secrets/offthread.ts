/**
 * The secret scan of the repository's files on a worker thread, started before discovery (issue 20). Discovery runs
 * on this thread before any overlay renders, and on a 2-core machine the other core idled through it (~1 s of the
 * medium bench repo's cold check); the file scan needs nothing discovery finds, so it runs there, and this thread no
 * longer scans the files while it also feeds the render workers and walks what they return.
 *
 * Only a speed-up: the secrets check takes the result (takeRepoScan) when it starts, and scans in-process as before
 * when there is none, or the thread failed (no worker threads, an error, an abort). A failure of the scan itself
 * comes out of the in-process scan, which fails the same way and reports it. This module loads no scanning code:
 * the pipeline imports it, and the checks' code loads once the first overlay rendered.
 */
import { Worker } from 'node:worker_threads';
import type { RepoScanData } from './scan.js';

interface Started {
  root: string;
  /** The `secrets` section of the config, as JSON: the result is for the settings it gives. */
  config: string;
  /** This thread's clock when the scan started (the scan's duration in its stats). */
  started: number;
  result: Promise<RepoScanData | undefined>;
  /** Keeps the process alive for the thread (someone waits for its result). */
  hold: () => void;
  stop: () => void;
}

let current: Started | undefined;

/** Starts the scan of `root`'s files for the check to take; a scan started before and not taken is stopped. */
export function startRepoScan(root: string, config: Record<string, unknown> | undefined, signal?: AbortSignal): void {
  current?.stop();
  const started = performance.now();
  let settle: (data: RepoScanData | undefined) => void = () => undefined;
  const result = new Promise<RepoScanData | undefined>((res) => (settle = res));
  let worker: Worker | undefined;
  try {
    worker = new Worker(new URL('./repo-worker.js', import.meta.url), {
      workerData: { root, config: config ?? null },
      // The scan writes nothing; its streams stay apart from the CLI's and are not read.
      stdout: true,
      stderr: true,
    });
  } catch {
    worker = undefined; // no worker threads here: the check scans in-process
  }
  const stop = (): void => {
    settle(undefined);
    void worker?.terminate();
  };
  if (worker) {
    const w = worker;
    // Not what keeps the process alive: a run that ends early (an error, results reused) must exit without waiting
    // for it. While the check awaits the result, `hold` keeps it referenced.
    w.unref();
    w.once('message', (m: { ok: boolean; repo?: RepoScanData }) => {
      settle(m.ok && m.repo ? m.repo : undefined);
      void w.terminate();
    });
    w.once('error', () => settle(undefined));
    w.once('exit', () => settle(undefined));
    signal?.addEventListener('abort', stop, { once: true });
    void result.then(() => {
      signal?.removeEventListener('abort', stop);
      w.unref();
    });
  } else settle(undefined);
  current = { root, config: JSON.stringify(config ?? null), started, result, hold: () => worker?.ref(), stop };
}

/**
 * The scan started for this root and these settings, once (a second call gets nothing); undefined when none was
 * started for them (a scan started for something else is stopped).
 */
export function takeRepoScan(
  root: string,
  config: Record<string, unknown> | undefined,
): { started: number; result: Promise<RepoScanData | undefined> } | undefined {
  const s = current;
  current = undefined;
  if (!s) return undefined;
  if (s.root !== root || s.config !== JSON.stringify(config ?? null)) {
    s.stop();
    return undefined;
  }
  s.hold();
  return { started: s.started, result: s.result };
}

/** Whether a started scan waits to be taken (pipeline: the file facts keep no bytes for an in-process scan). */
export function repoScanPending(): boolean {
  return current !== undefined;
}
