/**
 * Nothing escapes the repository (issue 15, item 2): paths from the repository's kfm-gitops.yaml stay inside it
 * (exit 2 otherwise), a committed `.kfm-gitops` symlink is refused before anything is written, and the one atomic
 * writer refuses a path outside the allowed roots.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowWritesUnder, stageWrite, writeFileAtomic, WriteRefusedError } from '../../src/util/atomic-write.js';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
let outside: string;
beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'kfm-outside-'));
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));

const check = (dir: string): ReturnType<typeof runCli> =>
  runCli(['check', '--overlay', 'apps/kfm-api/overlays/dev'], { cwd: dir });

describe('config paths stay in the repository', () => {
  it('the unmodified copy with its own config passes', async () => {
    const { dir, cleanup } = tempCopy(infra);
    try {
      writeFileSync(join(dir, 'kfm-gitops.yaml'), 'root: .\n');
      const r = await check(dir);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    } finally {
      cleanup();
    }
  });

  it.each([
    ['root', () => `root: ${outside}\n`],
    ['root through ..', () => 'root: ../..\n'],
    ['secrets.baseline', () => `root: .\nsecrets:\n  baseline: ${join(outside, 'baseline.json')}\n`],
    ['policy.customDir', () => `root: .\npolicy:\n  customDir: ${outside}\n`],
    ['schema.extraDirs', () => `root: .\nschema:\n  extraDirs: [${outside}]\n`],
    ['cache.dir', () => `root: .\ncache:\n  dir: ${outside}\n`],
  ])('%s outside: exit 2, nothing written outside', async (key, config) => {
    const { dir, cleanup } = tempCopy(infra);
    try {
      writeFileSync(join(dir, 'kfm-gitops.yaml'), config());
      const r = await check(dir);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`\`${key.split(' ')[0]}`);
      expect(r.stderr).toContain('outside the repository');
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('a symlinked .kfm-gitops is refused and nothing is written where it points', async () => {
    const { dir, cleanup } = tempCopy(infra);
    try {
      rmSync(join(dir, '.kfm-gitops'), { recursive: true, force: true }); // a local run's cache, if any
      symlinkSync(outside, join(dir, '.kfm-gitops'));
      const r = await runCli(['check', dir, '--overlay', 'apps/kfm-api/overlays/dev']);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('.kfm-gitops is a symlink');
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

describe('the atomic writer', () => {
  it('writes under an allowed root and refuses anything else, symlinks resolved', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kfm-atomic-'));
    try {
      const repo = join(base, 'repo');
      mkdirSync(repo);
      allowWritesUnder([repo]);
      await writeFileAtomic(join(repo, 'a', 'b.json'), '{}');
      expect(readdirSync(join(repo, 'a'))).toEqual(['b.json']);
      await expect(writeFileAtomic(join(outside, 'x.json'), '{}')).rejects.toBeInstanceOf(WriteRefusedError);
      symlinkSync(outside, join(repo, 'link'));
      await expect(writeFileAtomic(join(repo, 'link', 'y.json'), '{}')).rejects.toBeInstanceOf(WriteRefusedError);
      await expect(writeFileAtomic(join(repo, '..', 'z.json'), '{}')).rejects.toBeInstanceOf(WriteRefusedError);
      expect(readdirSync(outside)).toEqual([]);
      expect(existsSync(join(base, 'z.json'))).toBe(false);
      // Promote's writes (staged, committed later, mode kept) and new-app's (create only) use the same writer.
      await expect(stageWrite(join(outside, 'k.yaml'), 'x')).rejects.toBeInstanceOf(WriteRefusedError);
      writeFileSync(join(repo, 'k.yaml'), 'old');
      chmodSync(join(repo, 'k.yaml'), 0o640);
      const staged = await stageWrite(join(repo, 'k.yaml'), 'new', { keepMode: true, durable: true });
      expect(readFileSync(join(repo, 'k.yaml'), 'utf8')).toBe('old');
      await staged.commit();
      expect(readFileSync(join(repo, 'k.yaml'), 'utf8')).toBe('new');
      expect(statSync(join(repo, 'k.yaml')).mode & 0o777).toBe(0o640);
      await expect(writeFileAtomic(join(repo, 'k.yaml'), 'again', { exclusive: true })).rejects.toMatchObject({
        code: 'EEXIST',
      });
      expect(readFileSync(join(repo, 'k.yaml'), 'utf8')).toBe('new');
      expect(readdirSync(repo).sort()).toEqual(['a', 'k.yaml', 'link']); // no temp file left
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
