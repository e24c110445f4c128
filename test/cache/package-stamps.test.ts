/**
 * The whole-run cache key covers the package's own shipped data and compiled code (schemas, the policy bundle, dist):
 * a rebuilt or edited checkout must never answer with the previous build's results. packageStamps stamps those
 * folders with plain lstat; each change a checkout can see must change the stamps.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageStamps } from '../../src/results-cache.js';

const work = mkdtempSync(join(tmpdir(), 'kfm-pkgstamps-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'checks', 'policy'), { recursive: true });
  writeFileSync(join(dir, 'kfm-gitops.cjs'), 'module.exports = 1;\n');
  writeFileSync(join(dir, 'checks', 'policy', 'index.js'), 'export const a = 1;\n');
  return dir;
}

describe('packageStamps', () => {
  it('lists every file of every subfolder, sorted, with its stamp', async () => {
    const dir = folder('list');
    const stamps = await packageStamps(dir);
    expect(stamps.map((s) => s.split(':')[0])).toEqual(['checks/policy/index.js', 'kfm-gitops.cjs']);
    expect(stamps.every((s) => /:f:\d+:\d+:[\d.]+:[\d.]+$/.test(s))).toBe(true);
  });

  it('changes when a file is rewritten (same size), added, removed or replaced by a rename', async () => {
    const dir = folder('change');
    const file = join(dir, 'checks', 'policy', 'index.js');
    const before = await packageStamps(dir);
    writeFileSync(file, 'export const b = 1;\n'); // same length
    utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const rewritten = await packageStamps(dir);
    expect(rewritten).not.toEqual(before);

    writeFileSync(join(dir, 'checks', 'extra.js'), '');
    const added = await packageStamps(dir);
    expect(added).not.toEqual(rewritten);
    rmSync(join(dir, 'checks', 'extra.js'));
    expect(await packageStamps(dir)).not.toEqual(added);

    const next = join(dir, 'next.cjs');
    writeFileSync(next, 'module.exports = 2;\n');
    const beforeRename = (await packageStamps(dir)).filter((s) => s.startsWith('kfm-gitops.cjs:'));
    renameSync(next, join(dir, 'kfm-gitops.cjs'));
    expect((await packageStamps(dir)).filter((s) => s.startsWith('kfm-gitops.cjs:'))).not.toEqual(beforeRename);
  });

  it('leaves out source maps only', async () => {
    const dir = folder('maps');
    const before = await packageStamps(dir);
    writeFileSync(join(dir, 'kfm-gitops.cjs.map'), '{}');
    expect(await packageStamps(dir)).toEqual(before);
    writeFileSync(join(dir, 'kfm-gitops.cjs.mapping'), '{}');
    expect(await packageStamps(dir)).not.toEqual(before);
  });

  it('stamps a link as a link without following it, and an unreadable or missing folder as such', async () => {
    const dir = folder('links');
    const outside = join(work, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'big.js'), 'x');
    symlinkSync(outside, join(dir, 'linked'));
    const stamps = await packageStamps(dir);
    expect(stamps.find((s) => s.startsWith('linked:'))).toMatch(/^linked:l:/);
    expect(stamps.some((s) => s.includes('big.js'))).toBe(false);
    expect(await packageStamps(join(work, 'missing'))).toEqual(['/:(unreadable)']);
  });
});
