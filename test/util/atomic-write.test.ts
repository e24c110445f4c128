/** The one writer creates folders itself: Node's recursive mkdir never returns under /proc (a hung CI job). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { runCli } from '../helpers.js';

describe('writeFileAtomic', () => {
  it('creates missing folders and writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-aw-'));
    try {
      await writeFileAtomic(join(dir, 'a', 'b', 'c.json'), '{}');
      expect(readFileSync(join(dir, 'a', 'b', 'c.json'), 'utf8')).toBe('{}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync('/proc/self'))('fails with a code, not a hang, where a folder cannot be made', async () => {
    await expect(writeFileAtomic('/proc/kfm-nope/r.json', '{}')).rejects.toThrow(/ENOENT|EACCES|EPERM/);
  });

  it.runIf(existsSync('/proc/self'))('check -o into such a folder exits 2 with one line', async () => {
    const started = Date.now();
    const run = await runCli(['check', '-o', 'json=/proc/kfm-nope/r.json']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
