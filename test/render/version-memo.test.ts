/**
 * The worker's `version` answer is remembered per binary (user cache folder, keyed by the file's stamp): a second
 * resolve starts no process, a rebuilt binary is asked again, and a garbled memo is never trusted.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveKustomize } from '../../src/render/resolve.js';

const work = mkdtempSync(join(tmpdir(), 'kfm-vmemo-'));
const savedCache = process.env.XDG_CACHE_HOME;
beforeAll(() => {
  process.env.XDG_CACHE_HOME = join(work, 'cache');
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(work, { recursive: true, force: true });
});

/** A fake worker that answers `version` with the given release and logs each start. */
function fakeWorker(dir: string, release: string): { calls: () => number } {
  const log = join(work, `${release}.log`);
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'kfm-render'),
    `#!/usr/bin/env bash\necho run >> ${log}\necho '{"kustomize":"${release}","protocol":4}'\n`,
  );
  chmodSync(join(dir, 'kfm-render'), 0o755);
  return { calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
}

describe('worker version memo', () => {
  it('asks the binary once, again after a rebuild, and ignores a garbled memo', async () => {
    const dir = mkdtempSync(join(work, 'tools-'));
    const first = fakeWorker(dir, 'v5.7.1');
    const resolve = () => resolveKustomize({ toolsDir: dir, path: '' });
    expect(await resolve()).toMatchObject({ worker: true, version: 'v5.7.1' });
    expect(await resolve()).toMatchObject({ worker: true, version: 'v5.7.1' });
    expect(first.calls()).toBe(1);

    // Rebuilt in place (new content, new stamp): the memo misses and the new answer is used.
    const second = fakeWorker(dir, 'v5.8.0');
    expect(await resolve()).toMatchObject({ version: 'v5.8.0' });
    expect(second.calls()).toBe(1);

    // A memo that is not what this tool writes: asked again, never an error.
    writeFileSync(join(work, 'cache', 'kfm-gitops', 'worker-version.json'), '["not", "a", "memo"]');
    expect(await resolve()).toMatchObject({ version: 'v5.8.0' });
    expect(second.calls()).toBe(2);
  });
});
