/**
 * Authenticated encryption of the caches kept inside the checked repository (AES-256-GCM with a per-user key,
 * src/util/user-key.ts): an entry a pull request plants or edits fails to open, and no cache file holds repository
 * text in clear.
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM } from 'node:crypto';

/** Bytes a sealed box adds to its plain content: the nonce and the tag. */
export const SEAL_OVERHEAD = 28;

/** 12-byte nonce, 16-byte tag, ciphertext. */
export function seal(plain: Buffer, secret: Buffer): Buffer {
  return sealParts([plain], secret);
}

/**
 * seal() of the parts joined, in one buffer after `head` (`head`, nonce, tag, ciphertext): the plain parts are never
 * joined and the ciphertext is copied once. The render cache writes ~10 MB per cold run of the medium bench repo this
 * way; joining and re-joining cost more CPU than the encryption (issue 20).
 */
export function sealParts(parts: readonly Uint8Array[], secret: Buffer, head: Uint8Array = Buffer.alloc(0)): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret.subarray(0, 32), iv);
  let plainBytes = 0;
  for (const p of parts) plainBytes += p.length;
  const out = Buffer.allocUnsafe(head.length + SEAL_OVERHEAD + plainBytes);
  out.set(head, 0);
  out.set(iv, head.length);
  let at = head.length + SEAL_OVERHEAD;
  for (const p of parts) {
    const c = cipher.update(p);
    out.set(c, at);
    at += c.length;
  }
  const last = cipher.final(); // GCM is a stream mode: nothing is held back, this is empty
  if (at + last.length !== out.length) throw new Error('sealed output is not the length of its input');
  out.set(last, at);
  out.set(cipher.getAuthTag(), head.length + 12);
  return out;
}

/**
 * seal() of a plain text given piece by piece, for a writer that never holds the text whole (the discovery memo:
 * ~21 MB of JSON on the 7,500-overlay bench repo, whose JSON string, its bytes and the sealed copy were the run's
 * peak memory, issue 20). `update` gives each piece's ciphertext, to be written in order after SEAL_OVERHEAD bytes
 * of room; `finish` gives those first bytes (nonce and tag, known at the end): together exactly a seal() box.
 */
export class SealStream {
  private readonly iv = randomBytes(12);
  private readonly cipher: CipherGCM;
  private done = false;

  constructor(secret: Buffer) {
    this.cipher = createCipheriv('aes-256-gcm', secret.subarray(0, 32), this.iv);
  }

  update(plain: Uint8Array): Buffer {
    if (this.done) throw new Error('sealed box already finished');
    return this.cipher.update(plain);
  }

  finish(): Buffer {
    if (this.done) throw new Error('sealed box already finished');
    this.done = true;
    // GCM is a stream mode: nothing is held back, final() is empty (checked: the box would not open otherwise).
    if (this.cipher.final().length !== 0) throw new Error('sealed output is not the length of its input');
    return Buffer.concat([this.iv, this.cipher.getAuthTag()]);
  }
}

/** The plain bytes, or undefined when the box was not sealed with this key or was changed since. */
export function open(sealed: Buffer, secret: Buffer): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret.subarray(0, 32), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, SEAL_OVERHEAD));
    const plain = decipher.update(sealed.subarray(SEAL_OVERHEAD));
    const last = decipher.final(); // throws when the tag does not match; empty for a stream mode
    return last.length > 0 ? Buffer.concat([plain, last]) : plain;
  } catch {
    return undefined; // another key or a changed box: callers treat it as a cache miss and never trust it
  }
}
