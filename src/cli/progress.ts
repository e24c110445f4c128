/**
 * Progress on stderr while overlays render. On a terminal: the live `[done/total] overlay` line, rewritten in place.
 * Elsewhere (a CI log): a plain line at most every 5 s — `rendered 120/329 overlays, 2 failed, 14 s` — from a timer,
 * so a log never sits silent for longer than that even while one slow overlay or the checks run. Nothing with --quiet.
 */
import { redactPathFormats } from '../redact/index.js';
import { printable } from '../report/escape.js';
import type { CliIO } from './io.js';

export const LOG_INTERVAL_MS = 5000;

export interface Progress {
  onProgress: (event: { done: number; total: number; overlay: string; failed: number }) => void;
  /** Stops the timer and clears the live line; call once the run has finished (or failed). */
  stop: () => void;
}

export function startProgress(
  io: CliIO,
  options: { quiet?: boolean; intervalMs?: number; now?: () => number },
): Progress | undefined {
  if (options.quiet) return undefined;
  if (io.isTTY) {
    let live = false;
    return {
      onProgress: ({ done, total, overlay }) => {
        if (total <= 3) return;
        live = done !== total;
        // The folder's name is the pull request's: a token masked, control characters (a terminal's) made visible.
        const name = printable(redactPathFormats(overlay));
        io.stderr(`\r\x1b[K[${done}/${total}] ${name}${done === total ? '\r\x1b[K' : ''}`);
      },
      stop: () => {
        if (live) io.stderr('\r\x1b[K');
      },
    };
  }
  const now = options.now ?? Date.now;
  const started = now();
  let state: { done: number; total: number; failed: number } | undefined;
  const timer = setInterval(() => {
    const seconds = Math.round((now() - started) / 1000);
    if (!state) io.stderr(`kfm-gitops: discovering overlays, ${seconds} s\n`);
    else {
      const checking = state.done === state.total ? '; checking' : '';
      io.stderr(
        `kfm-gitops: rendered ${state.done}/${state.total} overlays, ${state.failed} failed${checking}, ${seconds} s\n`,
      );
    }
  }, options.intervalMs ?? LOG_INTERVAL_MS);
  // Never what keeps the process alive (the exit guard in bin/ must still see a drained loop).
  timer.unref();
  return {
    onProgress: ({ done, total, failed }) => {
      state = { done, total, failed };
    },
    stop: () => clearInterval(timer),
  };
}
