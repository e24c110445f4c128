/** Fingerprints: stable across runs (baselines, exceptions, SARIF partialFingerprints), never built from a secret. */
import { createHash } from 'node:crypto';

export function fingerprintOf(material: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 32);
}

/** Line numbers in messages (e.g. "first at line 12") would make fingerprints shift with unrelated edits. */
export function stripNumbers(message: string): string {
  return message.replace(/\bline \d+/g, 'line');
}
