/**
 * Files a pull request commits under `.kfm-gitops/` in place of the tool's own caches, and a config that is not a
 * file: FIFOs (a blocking read stopped the whole process, SIGTERM included) and links to /dev/zero (a read without
 * end). The run must finish with the same report, or fail with a reason, in bounded time.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBin, repoRoot, tempCopy, withoutProgress, type CliRun } from '../helpers.js';

/** The CLI, killed (SIGKILL) if it has not finished in time: a hang fails the test instead of the suite. */
function runBounded(args: string[], ms: number): Promise<CliRun & { killed: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cliBin, ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, timeout: ms, killSignal: 'SIGKILL', maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code =
          error && typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : error
              ? 1
              : 0;
        resolve({
          code,
          stdout,
          stderr: withoutProgress(stderr),
          killed: child.killed || child.signalCode === 'SIGKILL',
        });
      },
    );
    child.stdin!.end();
  });
}

describe('planted cache files and a config that is not a file', () => {
  it('a FIFO or a /dev/zero link in place of every fixed-name cache is a cache miss, not a hang', async () => {
    const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
    try {
      const clean = await runBounded(['check', dir, '--format', 'json', '--no-cache'], 120_000);
      expect(clean.code).toBe(0);
      const cache = join(dir, '.kfm-gitops', 'cache');
      rmSync(cache, { recursive: true, force: true });
      for (const d of ['discover', 'argo']) mkdirSync(join(cache, d), { recursive: true });
      execFileSync('mkfifo', [join(cache, 'discover', 'discover.sealed')]);
      symlinkSync('/dev/zero', join(cache, 'argo', 'argo-view.sealed'));
      const r = await runBounded(['check', dir, '--format', 'json'], 120_000);
      expect(r.killed).toBe(false);
      expect(r.code).toBe(0);
      const summary = (s: string): unknown =>
        (JSON.parse(s) as { summary: { overlays: number; resources: number } }).summary;
      expect(summary(r.stdout)).toMatchObject({
        overlays: (summary(clean.stdout) as { overlays: number }).overlays,
        resources: (summary(clean.stdout) as { resources: number }).resources,
      });
    } finally {
      cleanup();
    }
  }, 300_000);

  it('a config that is a FIFO fails the run with its reason (exit 2)', async () => {
    const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
    try {
      rmSync(join(dir, 'kfm-gitops.yaml'), { force: true });
      execFileSync('mkfifo', [join(dir, 'kfm-gitops.yaml')]);
      const r = await runBounded(['check', dir, '--format', 'json'], 60_000);
      expect(r.killed).toBe(false);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('kfm-gitops.yaml: not a regular file');
    } finally {
      cleanup();
    }
  }, 120_000);
});
