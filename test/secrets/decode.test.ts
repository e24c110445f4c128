import { describe, expect, it } from 'vitest';
import { base64Runs } from '../../src/checks/secrets/decode.js';

/** The runs by their definition (a RegExp is fine in a test): maximal alphabet runs plus up to two `=`, at least
 * 24 characters, not hex only, both letter cases, a length base64 can have. */
function reference(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(/[A-Za-z0-9+/]+={0,2}/g)) {
    const run = m[0];
    const body = run.replace(/=+$/, '');
    if (run.length < 24 || /^[0-9a-fA-F]+$/.test(body) || !/[a-z]/.test(body) || !/[A-Z]/.test(body)) continue;
    if (run.length % 4 === 1) continue;
    out.push([m.index, m.index + run.length]);
  }
  return out;
}

describe('base64 runs (the skipping search finds exactly the runs of the definition)', () => {
  it('on random texts of words, runs, padding, hex, separators and non-ASCII', () => {
    let seed = 7;
    const rand = (n: number): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const pieces = ['a', 'Z', '9', '+', '/', '=', '==', ' ', '\n', ':', '-', 'é', 'ff', 'QUJD', 'x'.repeat(30)];
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
