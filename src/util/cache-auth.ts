/**
 * Authenticated cache entries. Every cache lives inside the checked repository's folder tree, where a pull request
 * can commit files (`git add -f .kfm-gitops/cache/...`): a compiled no-op policy, a clean result for a failing tree,
 * executable schema validators. Each entry therefore carries an HMAC-SHA256 made with a per-user key kept outside
 * every repository (`$XDG_CACHE_HOME/kfm-gitops/cache.key`, see user-key.ts); an entry whose MAC does not verify
 * with this user's key is ignored and rebuilt. A fresh CI clone has a fresh key, so nothing committed is ever used.
 *
 * The MAC covers the entry's cache key as well as its bytes, so a valid entry cannot be moved under another key.
 * (The render cache encrypts its entries with AES-GCM instead, which authenticates them the same way and also
 * keeps rendered secrets out of the file; see render/cache.ts.)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { loadOrCreateKey, userKeyFile } from './user-key.js';

const KEY_FILE = 'cache.key';

export class CacheAuth {
  private constructor(private readonly secret: Buffer) {}

  /** The authenticator, or undefined when the per-user key cannot be read or created (then: no disk cache). */
  static open(env: NodeJS.ProcessEnv = process.env): CacheAuth | undefined {
    try {
      return new CacheAuth(loadOrCreateKey(userKeyFile(KEY_FILE, env)));
    } catch {
      // A cache miss, never a verdict: without this user's key no entry can be authenticated, so none is read.
      return undefined;
    }
  }

  /** For tests: an authenticator with a given secret (an attacker's, say). */
  static withSecret(secret: Buffer): CacheAuth {
    return new CacheAuth(secret);
  }

  /** Hex HMAC over the parts; each part is length-prefixed, so ["ab","c"] and ["a","bc"] differ. */
  mac(...parts: (string | Uint8Array)[]): string {
    const h = createHmac('sha256', this.secret).update('kfm-cache-entry\0');
    for (const p of parts) {
      const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
      h.update(`${b.length}:`).update(b);
    }
    return h.digest('hex');
  }

  /** Constant-time comparison of a stored MAC with the one the parts should have. */
  verify(given: string, ...parts: (string | Uint8Array)[]): boolean {
    const expected = Buffer.from(this.mac(...parts), 'hex');
    const actual = /^[0-9a-f]{64}$/.test(given) ? Buffer.from(given, 'hex') : Buffer.alloc(0);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** One text file: `<prefix><mac>\n<body>`; the prefix lets a file stay valid JS (a `//` comment line). */
  seal(prefix: string, key: string, body: string): string {
    return `${prefix}${this.mac(key, body)}\n${body}`;
  }

  /**
   * Binary entries: `<prefix><mac>\n<bytes>`, the MAC over `bound` (what the bytes belong to) and the bytes. A code
   * cache V8 would run is one (checks/schema/disk-cache.ts).
   */
  sealBytes(prefix: string, bound: readonly string[], bytes: Uint8Array): Buffer {
    return Buffer.concat([Buffer.from(`${prefix}${this.mac(...bound, bytes)}\n`, 'latin1'), bytes]);
  }

  /** The bytes of an entry written by `sealBytes` for the same `bound`, or undefined when it is not authentic. */
  unsealBytes(prefix: string, bound: readonly string[], entry: Buffer): Buffer | undefined {
    const newline = entry.indexOf(10);
    if (newline < 0 || entry.subarray(0, prefix.length).toString('latin1') !== prefix) return undefined;
    const bytes = entry.subarray(newline + 1);
    return this.verify(entry.subarray(prefix.length, newline).toString('latin1'), ...bound, bytes) ? bytes : undefined;
  }

  /** The body of a file written by `seal` for this key, or undefined when it is not authentic. */
  unseal(prefix: string, key: string, text: string): string | undefined {
    const newline = text.indexOf('\n');
    if (newline < 0 || !text.startsWith(prefix)) return undefined;
    const body = text.slice(newline + 1);
    return this.verify(text.slice(prefix.length, newline), key, body) ? body : undefined;
  }
}
