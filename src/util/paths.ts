import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirpSync, writeFileAtomicSync } from './atomic-write.js';

let cachedRoot: string | undefined;

/** The installed package's own folder (holds schemas/, policies/, .tools/), found from this module's location. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('kfm-gitops: cannot find the package root');
    dir = up;
  }
  cachedRoot = dir;
  return dir;
}

/** Repo-relative POSIX path of `abs` under `root`, or undefined when it lies outside. */
export function toRepoPath(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === '') return '.';
  if (rel.startsWith('..') || rel.startsWith(sep) || /^[A-Za-z]:/.test(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * Creates a cache folder with a `.gitignore` of `*` in it, so neither Git nor the secret scan (which follows
 * Git's ignore rules) ever picks cache entries up, whatever the repository's own .gitignore says.
 */
export function ensureIgnoredDir(dir: string): void {
  mkdirpSync(dir);
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore))
    writeFileAtomicSync(ignore, '# created by kfm-gitops: a cache, never committed\n*\n', { mkdir: false });
}

/** The folder every cache of a run lives under: config `cache.dir` (root-relative or absolute), else `<root>/.kfm-gitops/cache`. */
export function cacheRootDir(root: string, configured?: string): string {
  return configured ? resolve(root, configured) : join(root, '.kfm-gitops', 'cache');
}
