/**
 * Authenticated encryption of the caches kept inside the checked repository (AES-256-GCM with a per-user key,
 * src/util/user-key.ts): an entry a pull request plants or edits fails to open, and no cache file holds repository
 * text in clear.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** 12-byte nonce, 16-byte tag, ciphertext. */
export function seal(plain: Buffer, secret: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret.subarray(0, 32), iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The plain bytes, or undefined when the box was not sealed with this key or was changed since. */
export function open(sealed: Buffer, secret: Buffer): Buffer | undefined {
  if (sealed.length < 28) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret.subarray(0, 32), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  } catch {
    return undefined;
  }
}
