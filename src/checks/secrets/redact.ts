/**
 * What a finding may say about a secret: the format's public prefix (at most 4 characters) and the length — and a
 * keyed fingerprint.
 *
 * Why keyed: a plain SHA-256 of a secret is as good as the secret for anything guessable (a short password, a
 * token with a known prefix and a leaked suffix list): anyone holding a report — SARIF uploaded to a code-scanning
 * service, a CI log of a fork's pull request — could test candidates offline. An HMAC needs the key as well. The
 * key comes, in order, from the baseline file (`key`, written by `kfm-gitops secrets baseline`: per repository,
 * readable only by those who can read the repository and therefore the secret anyway), the
 * `KFM_SECRETS_FINGERPRINT_KEY` environment variable (a CI secret), and last a built-in constant. The constant only
 * keeps fingerprints stable for repos that have neither; it is documented as the weak case.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const FINGERPRINT_KEY_ENV = 'KFM_SECRETS_FINGERPRINT_KEY';
const BUILTIN_KEY = 'kfm-gitops/secrets/fingerprint/v1';

export type KeySource = 'baseline' | 'env' | 'builtin';

export interface FingerprintKey {
  key: string;
  source: KeySource;
}

export function resolveFingerprintKey(
  baselineKey: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): FingerprintKey {
  if (baselineKey) return { key: baselineKey, source: 'baseline' };
  const fromEnv = env[FINGERPRINT_KEY_ENV];
  if (fromEnv) return { key: fromEnv, source: 'env' };
  return { key: BUILTIN_KEY, source: 'builtin' };
}

export function newFingerprintKey(): string {
  return randomBytes(32).toString('hex');
}

/** Keyed hash of a secret value: 128 bits of HMAC-SHA256, hex. Also the dedupe key between repo files and renders. */
export class SecretHasher {
  constructor(private readonly key: string) {}

  hash(value: string | Uint8Array): string {
    return createHmac('sha256', this.key).update('kfm-secret\u0000').update(value).digest('hex').slice(0, 32);
  }
}

/**
 * `ghp_… (40 chars)`: the public prefix of the format (clamped to 4 characters, never more) and the length.
 * Rules without a public prefix (passwords, PEM bodies, URLs) show only the length.
 */
export function redactedHint(value: string, prefixLength: number): string {
  const n = Math.max(0, Math.min(4, prefixLength, value.length - 1));
  const prefix = value.slice(0, n);
  return `${prefix}… (${value.length} chars)`;
}
