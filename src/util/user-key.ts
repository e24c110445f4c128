/**
 * Per-user secret keys kept outside any repository (XDG cache folder, mode 0600). Caches that live inside the
 * checked repo use them: the schema cache signs its generated code (a pull request cannot plant executable
 * validators) and the render cache encrypts rendered output (no cache file ever holds a secret in clear).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function userKeyFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'kfm-gitops', name);
}

/** Reads the key, creating it atomically on first use. Throws when the folder cannot be written. */
export function loadOrCreateKey(file: string): Buffer {
  if (existsSync(file)) {
    const key = readFileSync(file);
    if (key.length >= 32) return key;
  }
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // The user's key lives outside every repository: written with the same temp+rename, not limited to the roots.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, key, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return readFileSync(file);
}
