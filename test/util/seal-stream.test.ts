/**
 * SealStream (src/util/seal.ts): a box sealed piece by piece opens like seal() of the whole text, and like any sealed
 * box it does not open once a byte of it changed or with another key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, SealStream } from '../../src/util/seal.js';

describe('SealStream', () => {
  it('opens to the pieces joined, and not after a flipped byte or with another key', () => {
    const key = randomBytes(32);
    const pieces = [Buffer.from('{"a":'), Buffer.alloc(0), randomBytes(100_000), Buffer.from('é}')];
    const box = new SealStream(key);
    for (const p of pieces) box.update(p);
    const sealed = Buffer.concat(box.finish());
    expect(open(sealed, key)).toEqual(Buffer.concat(pieces));
    expect(open(sealed, randomBytes(32))).toBeUndefined();
    for (const at of [0, 12, 30, sealed.length - 1]) {
      const bent = Buffer.from(sealed);
      bent[at] ^= 1;
      expect(open(bent, key)).toBeUndefined();
    }
    expect(() => box.finish()).toThrow();
    expect(() => box.update(Buffer.from('x'))).toThrow();
  });
});
