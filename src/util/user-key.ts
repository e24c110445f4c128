/**
 * Per-user secret keys kept outside any repository (XDG cache folder, mode 0600). Caches that live inside the
 * checked repo use them: every cache entry is authenticated with one (cache-auth.ts: a pull request cannot plant
 * entries) and the render cache encrypts rendered output (no cache file ever holds a secret in clear).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { allowedWriteRoots, allowWritesUnder, writeFileAtomicSync } from './atomic-write.js';

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
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // The user's key folder is outside every repository, named by the environment (never by the repo's config):
  // it joins the allowed roots so the key goes through the one atomic writer (temp file at 0600, then rename).
  if (allowedWriteRoots()) allowWritesUnder([dirname(file)]); // no roots set (library use): no limit to extend
  writeFileAtomicSync(file, randomBytes(32), { mode: 0o600, mkdir: false });
  // Re-read: a concurrent first run may have renamed its own key over ours; both then use the survivor.
  return readFileSync(file);
}
