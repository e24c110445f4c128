/**
 * SealStream (src/util/seal.ts): a box sealed piece by piece opens like seal() of the whole text, and like any sealed
 * box it does not open once a byte of it changed or with another key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, SEAL_OVERHEAD, SealStream } from '../../src/util/seal.js';

describe('SealStream', () => {
  it('opens to the pieces joined, and not after a flipped byte or with another key', () => {
    const key = randomBytes(32);
    const pieces = [Buffer.from('{"a":'), Buffer.alloc(0), randomBytes(100_000), Buffer.from('é}')];
    const box = new SealStream(key);
    const ciphertext = pieces.map((p) => box.update(p));
    const head = box.finish();
    expect(head.length).toBe(SEAL_OVERHEAD);
    const sealed = Buffer.concat([head, ...ciphertext]);
    expect(open(sealed, key)).toEqual(Buffer.concat(pieces));
    expect(open(sealed, randomBytes(32))).toBeUndefined();
    for (const at of [0, 12, 30, sealed.length - 1]) {
      const bent = Buffer.from(sealed);
      bent[at] ^= 1;
      expect(open(bent, key)).toBeUndefined();
    }
    // The head is known only at the end: a box written with room for it and never finished does not open.
    expect(open(Buffer.concat([Buffer.alloc(SEAL_OVERHEAD), ...ciphertext]), key)).toBeUndefined();
    expect(() => box.finish()).toThrow();
    expect(() => box.update(Buffer.from('x'))).toThrow();
  });
});
