/** Reading files the checked repository may have planted (util/safe-read.ts): nothing blocks, floods or follows. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownCopy, readCacheFile, readRegularFile } from '../../src/util/safe-read.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-safe-read-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fifo = (name: string): string => {
  const file = join(dir, name);
  execFileSync('mkfifo', [file]);
  return file;
};

describe('ownCopy', () => {
  it('gives a small Buffer memory of its own, so keeping it does not pin the 8 KB pool slab it came from', () => {
    const pooled = Buffer.from('kept for the whole run');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length); // Node's pool: the premise of the test
    const own = ownCopy(pooled);
    expect(own.toString()).toBe('kept for the whole run');
    expect(own.buffer.byteLength).toBe(own.length);
    expect(own.buffer).not.toBe(pooled.buffer);
    const alone = Buffer.allocUnsafeSlow(3);
    expect(ownCopy(alone)).toBe(alone); // already its own: not copied again
  });
});

describe('readRegularFile', () => {
  it('reads a regular file up to its size, and says why it reads nothing else', () => {
    writeFileSync(join(dir, 'f'), 'hello');
    expect(readCacheFile(join(dir, 'f'), 100)?.toString()).toBe('hello');
    expect(readRegularFile(join(dir, 'f'), { maxBytes: 4 })).toEqual({ kind: 'too-large', size: 5 });
    expect(readRegularFile(join(dir, 'missing'), { maxBytes: 4 })).toEqual({ kind: 'missing' });
    expect(readRegularFile(dir, { maxBytes: 4 }).kind).toBe('not-a-file');
  });

  it('never blocks on a FIFO nor reads a device, and follows a link only when asked', () => {
    // A writer-less FIFO blocks open() and read() without O_NONBLOCK: this test would hang.
    expect(readRegularFile(fifo('pipe'), { maxBytes: 100 }).kind).toBe('not-a-file');
    symlinkSync('/dev/zero', join(dir, 'zero'));
    expect(readRegularFile(join(dir, 'zero'), { maxBytes: 100 }).kind).toBe('not-a-file');
    expect(readRegularFile(join(dir, 'zero'), { maxBytes: 100, followLinks: true }).kind).toBe('not-a-file');
    writeFileSync(join(dir, 'target'), 'x');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    expect(readCacheFile(join(dir, 'link'), 100)).toBeUndefined();
    expect(readRegularFile(join(dir, 'link'), { maxBytes: 100, followLinks: true })).toMatchObject({ kind: 'file' });
  });
});
