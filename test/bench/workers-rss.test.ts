/**
 * Issue 20: the render workers' peak memory is sampled by the bench process from outside the measured one (the
 * sampler used to run inside `check` and cost it ~2% of its CPU). It must still find a worker two levels down
 * (`time` → node → kfm-render) and report its peak; and find none under a process without workers.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchWorkers } from '../../bench/workers-rss.mjs';

const linux = existsSync('/proc/self/task');
const dir = mkdtempSync(join(tmpdir(), 'kfm-workers-rss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleUnder(script: string): Promise<number | null> {
  const sh = spawn('sh', ['-c', script], { stdio: 'ignore' });
  const watch = watchWorkers(sh.pid, 50);
  return new Promise((resolve) => sh.on('close', () => resolve(watch.stop())));
}

describe.skipIf(!linux)('bench: render workers sampled from outside (issue 20)', () => {
  it('finds a kfm-render process two levels down and reports its peak resident set', async () => {
    // A program named kfm-render (the kernel names a process by its file), started by a shell under the shell.
    const worker = join(dir, 'kfm-render');
    copyFileSync('/bin/sleep', worker);
    const peak = await sampleUnder(`sh -c '"${worker}" 0.6; true'; true`);
    expect(peak).toBeGreaterThan(0);
  });

  it('reports none under a process without workers', async () => {
    expect(await sampleUnder('sleep 0.4')).toBeNull();
  });
});
