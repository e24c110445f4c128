/**
 * The one way kfm-gitops writes a file: through a temp file beside it and a rename (a killed run leaves the old
 * content or the new, never half), and only under an allowed root. The CLI allows the checked repository, the
 * cache folder, the user's key folder and the report files it was asked for (`allowWritesUnder`); anything else —
 * a cache path bent by a symlink or a config value, a baseline outside the repository — is refused with
 * WriteRefusedError. The check is made on real paths: a symlinked folder on the way counts where it points.
 */
import { mkdirSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class WriteRefusedError extends Error {}

let roots: string[] | undefined;

/** Adds folders writes may go to (real paths compared). Never called (library use, tests): no limit. */
export function allowWritesUnder(dirs: string[]): void {
  roots = [...(roots ?? []), ...dirs.map((d) => realOrNearest(resolve(d)))];
}

export function allowedWriteRoots(): readonly string[] | undefined {
  return roots;
}

/** Real path of `p`, or of its nearest existing ancestor joined with the rest (a path not created yet). */
export function realOrNearest(p: string): string {
  let rest = '';
  let current = p;
  for (;;) {
    try {
      return join(realpathSync.native(current), rest);
    } catch {
      const up = dirname(current);
      if (up === current) return p;
      rest = join(current.slice(up.length + (up.endsWith(sep) ? 0 : 1)), rest);
      current = up;
    }
  }
}

/** Throws WriteRefusedError unless `file` lies under an allowed root. */
export function assertWritable(file: string): void {
  if (!roots) return;
  const real = realOrNearest(resolve(file));
  for (const root of roots) {
    const rel = relative(root, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return;
  }
  throw new WriteRefusedError(`refusing to write ${file}: outside the repository and the cache folder`);
}

/**
 * `mkdir -p` one level at a time. Node's own `recursive: true` never returns for some paths (under /proc it
 * retries forever, ignoring signals); non-recursive mkdir fails there with a code, like everywhere else.
 */
function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      break; // a file in the way: mkdir below reports it
    } catch {
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
  }
  return missing;
}

export async function mkdirp(dir: string): Promise<void> {
  for (const d of missingDirs(dir)) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export function mkdirpSync(dir: string): void {
  for (const d of missingDirs(dir)) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

const tempOf = (file: string): string => `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

export interface AtomicWriteOptions {
  mode?: number;
  /** Create the parent folders (default true). */
  mkdir?: boolean;
}

export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  assertWritable(file);
  if (options.mkdir !== false) await mkdirp(dirname(file));
  const tmp = tempOf(file);
  try {
    await writeFile(tmp, content, options.mode !== undefined ? { mode: options.mode } : {});
    assertWritable(tmp); // the folder may have been swapped for a symlink meanwhile
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export function writeFileAtomicSync(
  file: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  assertWritable(file);
  if (options.mkdir !== false) mkdirpSync(dirname(file));
  const tmp = tempOf(file);
  try {
    writeFileSync(tmp, content, options.mode !== undefined ? { mode: options.mode } : {});
    assertWritable(tmp);
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw err;
  }
}
