/** Progress in a CI log: a line at most (and at least) every 5 s while the run lasts; nothing with --quiet. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startProgress } from '../../src/cli/progress.js';
import type { CliIO } from '../../src/cli/io.js';

function io(isTTY: boolean): CliIO & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    stdout: () => undefined,
    stderr: (t) => err.push(t),
    stdin: async () => '',
    isTTY,
    env: {},
    cwd: '/',
  };
}

describe('progress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('not a TTY: one line every 5 s with rendered/total, failed and seconds, even while nothing new renders', () => {
    const out = io(false);
    const p = startProgress(out, { now: () => Date.now() })!;
    p.onProgress({ done: 1, total: 329, overlay: 'a', failed: 0 });
    vi.advanceTimersByTime(4999);
    expect(out.err).toEqual([]);
    p.onProgress({ done: 120, total: 329, overlay: 'b', failed: 2 });
    vi.advanceTimersByTime(1);
    expect(out.err).toEqual(['kfm-gitops: rendered 120/329 overlays, 2 failed, 5 s\n']);
    vi.advanceTimersByTime(5000);
    expect(out.err).toHaveLength(2);
    p.onProgress({ done: 329, total: 329, overlay: 'c', failed: 2 });
    vi.advanceTimersByTime(5000);
    expect(out.err.at(-1)).toBe('kfm-gitops: rendered 329/329 overlays, 2 failed; checking, 15 s\n');
    p.stop();
    vi.advanceTimersByTime(60_000);
    expect(out.err).toHaveLength(3);
  });

  it('--quiet: no progress at all', () => {
    expect(startProgress(io(false), { quiet: true })).toBeUndefined();
    expect(startProgress(io(true), { quiet: true })).toBeUndefined();
  });

  it('a TTY: the live line, cleared at the end; no timer lines', () => {
    const out = io(true);
    const p = startProgress(out, {})!;
    p.onProgress({ done: 1, total: 10, overlay: 'apps/a/overlays/dev', failed: 0 });
    vi.advanceTimersByTime(20_000);
    expect(out.err).toEqual(['\r\x1b[K[1/10] apps/a/overlays/dev']);
    p.stop();
    expect(out.err.at(-1)).toBe('\r\x1b[K');
  });

  it("a TTY: an overlay's name is masked and made printable like a report's paths", () => {
    const out = io(true);
    const p = startProgress(out, {})!;
    const token = `ghp_${'k7Qz2Xw9Lm4R'.repeat(3)}`;
    p.onProgress({ done: 1, total: 10, overlay: `apps/${token}/\x1b]0;title\x07dev`, failed: 0 });
    expect(out.err).toEqual(['\r\x1b[K[1/10] apps/ghp_\u2026 (40 chars)/?]0;title?dev']);
  });
});
