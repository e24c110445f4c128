import { describe, expect, it } from 'vitest';
import {
  asText,
  base64Runs,
  byteEntropy,
  encodedRuns,
  looksSealed,
  privateKeyKind,
} from '../../src/checks/secrets/decode.js';
import { base32, rng } from './vectors.js';

/** The runs by their definition (a RegExp is fine in a test): maximal alphabet runs plus up to two `=`, at least
 * 24 characters, not hex only, both letter cases, a length base64 can have. A run of 40 to 200 characters (a
 * multiple of 4, no padding) goes on over the following lines of a wrapped block: one line break (or one space)
 * and indentation away, each exactly as long, the last one at most as long (padding included). */
function reference(text: string): [number, number][] {
  const out: [number, number][] = [];
  const runs = [...text.matchAll(/[A-Za-z0-9+/]+={0,2}/g)];
  for (let r = 0; r < runs.length; r++) {
    const m = runs[r];
    const run = m[0];
    const body = run.replace(/=+$/, '');
    if (run.length < 24 || /^[0-9a-fA-F]+$/.test(body) || !/[a-z]/.test(body) || !/[A-Z]/.test(body)) continue;
    if (run.length % 4 === 1) continue;
    let end = m.index + run.length;
    const width = run.length;
    if (body === run && width % 4 === 0 && width >= 40 && width <= 200)
      while (r + 1 < runs.length) {
        const next = runs[r + 1];
        const after = runs[r + 2];
        if (!/^(?:\r?\n| )[ \t]*$/.test(text.slice(end, next.index)) || next[0].length > width) break;
        if (after !== undefined && after.index === next.index + next[0].length) break;
        if (next[0].length === width && !next[0].endsWith('=')) {
          end = next.index + width;
          r++;
          continue;
        }
        if (next[0].length % 4 !== 1) {
          end = next.index + next[0].length;
          r++;
        }
        break;
      }
    out.push([m.index, end]);
  }
  return out;
}

describe('base64 runs (the skipping search finds exactly the runs of the definition)', () => {
  it('on random texts of words, runs, padding, hex, separators and non-ASCII', () => {
    let seed = 7;
    const rand = (n: number): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const wrapped = Buffer.from('k'.repeat(150)).toString('base64');
    const pieces = ['a', 'Z', '9', '+', '/', '=', '==', ' ', '\n', ':', '-', 'é', 'ff', 'QUJD', 'x'.repeat(30)];
    // Lines of a wrapped block (44 columns) and their separators.
    pieces.push(wrapped.slice(0, 44), wrapped.slice(44, 88), 'QUJDREVG', '\n  ', '\r\n', wrapped.slice(0, 43));
    for (let t = 0; t < 400; t++) {
      let text = '';
      const len = rand(300);
      while (text.length < len) {
        const r = rand(10);
        if (r < 6) text += pieces[rand(pieces.length)];
        else {
          const alphabet =
            r < 8 ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/' : '0123456789abcdef';
          for (let k = rand(40); k > 0; k--) text += alphabet[rand(alphabet.length)];
        }
      }
      expect(
        base64Runs(text).map((r) => [r.start, r.end]),
        JSON.stringify(text),
      ).toEqual(reference(text));
    }
  });

  it('decodes what it finds, padding included', () => {
    const encoded = Buffer.from('user:Xk29dQ7vLm3pRt8w', 'utf8').toString('base64');
    const runs = base64Runs(`auth: ${encoded}\n`);
    expect(runs.map((r) => r.bytes.toString('utf8'))).toEqual(['user:Xk29dQ7vLm3pRt8w']);
  });
});

describe('looksSealed: the char-code fast path is the RegExp definition', () => {
  // The definition as first written: strip every `\s`, then one RegExp, then decode and judge the bytes.
  const definition = (value: string): boolean => {
    const compact = value.replace(/\s+/g, '');
    if (compact.length < 300 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return false;
    const bytes = Buffer.from(compact.slice(0, compact.length - (compact.length % 4)), 'base64');
    return asText(bytes) === undefined && byteEntropy(bytes) >= 7;
  };
  it('agrees on generated ciphertext, padding, whitespace (ASCII and Unicode) and stray characters', () => {
    let seed = 77;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const EXTRA = ['=', '==', '===', ' ', '\n', '\t', '\r', '\u00a0', '\u2028', '\ufeff', '-', '_', 'é', '.'];
    let sealed = 0;
    for (let i = 0; i < 3000; i++) {
      const n = 250 + Math.floor(rand() * 300);
      let v = Array.from({ length: n }, () => B64[Math.floor(rand() * 64)]).join('');
      const edits = Math.floor(rand() * 3);
      for (let k = 0; k < edits; k++) {
        const at = rand() < 0.5 ? v.length : Math.floor(rand() * v.length);
        v = v.slice(0, at) + EXTRA[Math.floor(rand() * EXTRA.length)] + v.slice(at);
      }
      if (rand() < 0.1) v = Buffer.from('password-'.repeat(40)).toString('base64');
      expect(looksSealed(v), JSON.stringify(v.slice(-8))).toBe(definition(v));
      if (definition(v)) sealed++;
    }
    expect(sealed).toBeGreaterThan(500);
  });
});

describe('inert base64 runs (decided on their first bytes, never decoded)', () => {
  it('a run called inert is neither a key container nor text once fully decoded, over many generated runs', () => {
    const next = rng(2024);
    const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
    const randomBytes = (n: number, printable: number): Uint8Array =>
      Uint8Array.from({ length: n }, () =>
        next() < printable ? 32 + Math.floor(next() * 95) : Math.floor(next() * 256),
      );
    const samples: string[] = [];
    for (let i = 0; i < 4000; i++) {
      // Mostly short runs (names, keys of a few dozen characters: where the prefix decides), some long ones.
      const n = i % 4 === 0 ? 12 + Math.floor(next() * 300) : 12 + Math.floor(next() * 30);
      const bytes = randomBytes(n, [0, 0.5, 0.9, 0.97, 1][i % 5]);
      // Key containers' first bytes: DER SEQUENCE, JKS, JCEKS, KeePass, OpenSSH.
      if (i % 7 === 0) bytes[0] = [0x30, 0xfe, 0xce, 0x03, 0x6f][i % 5];
      const text = b64(bytes);
      samples.push(i % 3 === 0 ? text.replace(/=+$/, '') : text);
    }
    let inert = 0;
    for (const s of samples) {
      for (const run of base64Runs(`x: ${s}\n`)) {
        if (!run.inert) continue;
        inert++;
        expect(privateKeyKind(run.bytes), s).toBeUndefined();
        expect(asText(run.bytes), s).toBeUndefined();
      }
    }
    // The fast path is taken for many random-looking short runs.
    expect(inert).toBeGreaterThan(400);
  });

  it('base64 of text, of a PEM and of a DER key is never inert', () => {
    const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02]), Buffer.alloc(64, 7)]);
    for (const bytes of [
      Buffer.from('user:Xk29dQ7vLm3pRt8wAbCdEf'),
      Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIE'),
      der,
    ]) {
      const [run] = base64Runs(`v: ${bytes.toString('base64')}\n`);
      expect(run.inert).toBe(false);
    }
  });
});

describe('hex and percent-encoded runs (read like base64 runs)', () => {
  const found = (text: string): [string, string][] =>
    encodedRuns(text).map((r) => [r.encoding, Buffer.from(r.bytes).toString('latin1')]);

  it('hex of either case, one line or `xxd -p` lines (60 digits) in a block, decoded whole', () => {
    const value = 'user=ci password=Xk29dQ7vLm3pRt8wAbCdEfGh';
    const hex = Buffer.from(value).toString('hex');
    expect(found(`a: ${hex}\n`)).toEqual([['hex', value]]);
    expect(found(`a: "${hex.toUpperCase()}"\n`)).toEqual([['hex', value]]);
    const lines = hex.match(/.{1,60}/g)!;
    expect(lines.length).toBeGreaterThan(1);
    expect(found(`a: |\n${lines.map((l) => `    ${l}`).join('\n')}\nb: 1\n`)).toEqual([['hex', value]]);
  });

  it('short, odd-length and padded hex, and hex inside a longer name, are no hex runs', () => {
    expect(found('a: 0123456789abcdef0123456789abcd\n')).toEqual([]); // 30 digits
    expect(found(`a: ${'ab'.repeat(20)}c\n`)).toEqual([]); // odd
    expect(found(`a: ${'4'.repeat(40)}==\n`)).toEqual([]); // padding: base64 of zeros, not hex
    expect(encodedRuns(`a: x${'ab'.repeat(20)}\n`).every((r) => r.encoding !== 'hex')).toBe(true);
  });

  it('digests decode to random bytes: inert on their first bytes, never text', () => {
    const next = rng(77);
    for (let i = 0; i < 2000; i++) {
      const n = [20, 32, 64][i % 3];
      const digest = Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))).toString('hex');
      for (const run of encodedRuns(`image: r.example.org/a@sha256:${digest}\n`)) {
        expect(run.encoding).toBe('hex');
        if (!run.inert) expect(asText(run.bytes)).toBeUndefined();
      }
    }
  });

  it('percent escapes: every byte or some, bytes as they are (UTF-8 stays UTF-8); `%` alone is no run', () => {
    const token = 'ghp_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c';
    const all = [...Buffer.from(token)].map((b) => `%${b.toString(16)}`).join('');
    expect(found(`t: ${all}\n`)).toEqual([['percent', token]]);
    expect(found('u: "https://x.org/h?t=ghp%5FAb3d&y=caf%C3%A9"\n')).toEqual([
      ['percent', 'https://x.org/h?t=ghp_Ab3d&y=caf\xc3\xa9'],
    ]);
    expect(found('a: 100% sure, 50%-off, %zz and %4\n')).toEqual([]);
  });

  it('runs come in text order, whatever their encoding', () => {
    const hex = Buffer.from('x'.repeat(20)).toString('hex');
    const b64 = Buffer.from('y'.repeat(30)).toString('base64');
    const runs = encodedRuns(`a: ${b64}\nb: https://x.org/%41%42%43\nc: ${hex}\n`);
    expect(runs.map((r) => r.encoding)).toEqual(['base64', 'percent', 'hex']);
    expect(runs.map((r) => r.start)).toEqual([...runs.map((r) => r.start)].sort((x, y) => x - y));
  });
});

describe('base32 runs (RFC 4648: what base32 and TOTP seeds are written in)', () => {
  const found = (text: string): [string, string][] =>
    encodedRuns(text).map((r) => [r.encoding, Buffer.from(r.bytes).toString('latin1')]);

  it('decodes a padded or unpadded run of any length base32 can have', () => {
    for (const value of [
      'ghp_Xa9kP2mQ7vR4tY8wZ1bC3dE5fG6hJ0kL2mN4',
      'password=Xk29dQ7vLm3pRt8w',
      'user=ci:Xk29dQ7vLm3pRt8wA1',
    ]) {
      const padded = base32(Buffer.from(value));
      expect(found(`a: ${padded}\n`)).toEqual([['base32', value]]);
      expect(found(`a: "${padded.replace(/=+$/, '')}"\n`)).toEqual([['base32', value]]);
      // Decoders take either case: a lowercased run decodes the same.
      expect(found(`a: ${padded.toLowerCase()}\n`)).toEqual([['base32', value]]);
    }
  });

  it('a run mixing cases is no base32 run (it is read as base64 if anything)', () => {
    const padded = base32(Buffer.from('password=Xk29dQ7vLm3pRt8w'));
    const mixed = padded.slice(0, 8).toLowerCase() + padded.slice(8);
    expect(found(`a: ${mixed}\n`).filter(([e]) => e === 'base32')).toEqual([]);
  });

  it('constants, short runs, runs without a digit or with a letter outside the alphabet are no base32 runs', () => {
    expect(found('a: KFM_GITOPS_DEFAULT_NAMESPACE_FOR_EVERY_APPLICATION\n')).toEqual([]); // `_` splits it
    expect(found(`a: ${base32(Buffer.from('short-value'))}\n`)).toEqual([]); // 24 characters: too short
    expect(found(`a: ${'ABCDEFGH'.repeat(5)}\n`)).toEqual([]); // no digit
    expect(found(`a: ${'ABCDEFG0'.repeat(5)}\n`)).toEqual([]); // 0 is not base32
    expect(found(`a: ${'ABCDEFG2'.repeat(5)}A\n`)).toEqual([]); // 41: no length base32 has
    expect(found(`a: ${'abcdefgh'.repeat(5)}\n`)).toEqual([]); // lowercase, no digit: a word
    expect(found(`a: ${'abcdefg8'.repeat(5)}\n`)).toEqual([]); // 8 is not base32
  });

  it('random bytes base32-encoded are inert on their first bytes or not text once decoded', () => {
    const next = rng(32);
    for (let i = 0; i < 1000; i++) {
      const bytes = Buffer.from(Array.from({ length: 20 + (i % 30) }, () => Math.floor(next() * 256)));
      for (const run of encodedRuns(`seed: ${base32(bytes)}\n`)) {
        expect(run.encoding).toBe('base32');
        expect(run.bytes.equals(bytes)).toBe(true);
        if (!run.inert) expect(asText(run.bytes)).toBeUndefined();
      }
    }
  });
});
