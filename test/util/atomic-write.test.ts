/** The one writer creates folders itself: Node's recursive mkdir never returns under /proc (a hung CI job). */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderWriter, WriteRefusedError, writeFileAtomic } from '../../src/util/atomic-write.js';
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

describe('FolderWriter (the render cache: the folder checked once, each entry one stat of it)', () => {
  it('writes whole entries, leaves no temp file, and refuses a folder outside the allowed roots', () => {
    const base = mkdtempSync(join(tmpdir(), 'kfm-fw-'));
    try {
      const repo = join(base, 'repo');
      const outside = join(base, 'outside');
      mkdirSync(join(repo, 'cache'), { recursive: true });
      mkdirSync(outside);
      const writer = FolderWriter.open(join(repo, 'cache'), [repo]);
      writer.write('a.entry', 'one');
      writer.write('a.entry', 'two');
      expect(readFileSync(join(repo, 'cache', 'a.entry'), 'utf8')).toBe('two');
      expect(readdirSync(join(repo, 'cache'))).toEqual(['a.entry']);
      // A planted link for the folder: refused before anything is written.
      symlinkSync(outside, join(repo, 'linked'));
      expect(() => FolderWriter.open(join(repo, 'linked'), [repo])).toThrow(WriteRefusedError);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('refuses the next entry once the folder was swapped for a link to elsewhere, and leaves nothing there', () => {
    const base = mkdtempSync(join(tmpdir(), 'kfm-fw-'));
    try {
      const repo = join(base, 'repo');
      const outside = join(base, 'outside');
      mkdirSync(join(repo, 'cache'), { recursive: true });
      mkdirSync(outside);
      const writer = FolderWriter.open(join(repo, 'cache'), [repo]);
      writer.write('a.entry', 'one');
      renameSync(join(repo, 'cache'), join(repo, 'moved'));
      symlinkSync(outside, join(repo, 'cache'));
      expect(() => writer.write('b.entry', 'two')).toThrow(WriteRefusedError);
      expect(readdirSync(outside)).toEqual([]);
      expect(readdirSync(join(repo, 'moved'))).toEqual(['a.entry']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('writeFileAtomic in pieces', () => {
  it('writes a generator’s pieces in order, made while earlier ones are written, then the head over the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-pieces-'));
    try {
      const file = join(dir, 'out.bin');
      const made: number[] = [];
      function* pieces(): Generator<Uint8Array> {
        for (let i = 0; i < 5; i++) {
          made.push(i);
          yield Buffer.from(`${i}`.repeat(3));
        }
      }
      await writeFileAtomic(file, pieces(), { head: () => Buffer.from('HE') });
      expect(made).toEqual([0, 1, 2, 3, 4]);
      expect(readFileSync(file, 'utf8')).toBe('HE0111222333444');
      // A generator that throws leaves the old content and no temp file.
      function* broken(): Generator<Uint8Array> {
        yield Buffer.from('new');
        throw new Error('boom');
      }
      await expect(writeFileAtomic(file, broken(), { head: () => Buffer.from('X') })).rejects.toThrow('boom');
      expect(readFileSync(file, 'utf8')).toBe('HE0111222333444');
      expect(readdirSync(dir)).toEqual(['out.bin']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
