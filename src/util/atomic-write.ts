/**
 * The one way kfm-gitops writes a file: through a temp file beside it and a rename (a killed run leaves the old
 * content or the new, never half), and only under an allowed root. The CLI allows the checked repository, the
 * cache folder, the user's key folder and the report files it was asked for (`allowWritesUnder`); anything else —
 * a cache path bent by a symlink or a config value, a baseline outside the repository — is refused with
 * WriteRefusedError. The check is made on real paths: a symlinked folder on the way counts where it points.
 */
import { mkdirSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class WriteRefusedError extends Error {}

/**
 * A file's content: text, bytes, or bytes in pieces written one after the other as the iterable gives them (never
 * joined in memory; a generator's pieces are made while earlier ones are written).
 */
export type WriteContent = string | Uint8Array | Iterable<Uint8Array>;

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
  /** Give the new content the permissions of the file it replaces (promote keeps a file's mode). */
  keepMode?: boolean;
  /** fsync the temp file before the rename and the folder after it (promote: the edit survives a power cut). */
  durable?: boolean;
  /** Create only: fail with EEXIST when the file exists (a link instead of a rename, still never half a file). */
  exclusive?: boolean;
  /** Name of the temp file beside `file` (promote's are hidden and traceable to a process); default `<file>.<pid>.<random>.tmp`. */
  tempName?: (file: string) => string;
  /**
   * Bytes written over the start of the temp file once the content is written, before it can be renamed: a head
   * known only at the end (a sealed box streamed in pieces: its tag, util/seal.ts SealStream).
   */
  head?: () => Uint8Array;
}

/** A temp file written beside its target, waiting for `commit` (rename into place) or `discard`. */
export interface StagedWrite {
  readonly temp: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Phase one of a write: the content in a temp file beside the target, checked against the allowed roots. Callers
 * that change several files stage them all, then commit each (promote: nothing is renamed until all are written).
 */
export async function stageWrite(
  file: string,
  content: WriteContent,
  options: AtomicWriteOptions = {},
): Promise<StagedWrite> {
  assertWritable(file);
  if (options.mkdir !== false) await mkdirp(dirname(file));
  const temp = options.tempName?.(file) ?? tempOf(file);
  const mode = options.keepMode
    ? await stat(file).then(
        (s) => s.mode & 0o777,
        () => options.mode ?? 0o644,
      )
    : options.mode;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(content);
      if (options.head) await writeAt(handle, options.head(), 0);
      if (options.durable) await handle.sync();
    } finally {
      await handle.close();
    }
    assertWritable(temp); // the folder may have been swapped for a symlink meanwhile
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  let done = false;
  return {
    temp,
    async commit() {
      if (done) return;
      assertWritable(temp);
      if (options.exclusive) {
        await link(temp, file); // EEXIST when the file appeared: nothing replaced
        await unlink(temp);
      } else await rename(temp, file);
      done = true;
      if (options.durable) await syncDir(dirname(file));
    },
    async discard() {
      if (done) return;
      done = true;
      await unlink(temp).catch(() => undefined);
    },
  };
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, position + at);
    if (bytesWritten <= 0) throw new Error('could not write the head of the file');
    at += bytesWritten;
  }
}

/** Makes a rename durable; not every platform can open a folder, so this is best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

export async function writeFileAtomic(
  file: string,
  content: WriteContent,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const staged = await stageWrite(file, content, options);
  try {
    await staged.commit();
  } catch (err) {
    await staged.discard();
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
  writeThenRename(file, content, options.mode !== undefined ? { mode: options.mode } : {}, (tmp) =>
    assertWritable(tmp),
  );
}

/** Writes a temp file beside `file` and renames it over `file` after `beforeRename`; on any throw, no temp is left. */
function writeThenRename(
  file: string,
  content: string | Uint8Array,
  flags: { flag?: string; mode?: number },
  beforeRename: (tmp: string) => void,
): void {
  const tmp = tempOf(file);
  try {
    writeFileSync(tmp, content, flags);
    beforeRename(tmp);
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
}

/**
 * Many files written into one folder (the render cache: one entry per overlay). writeFileAtomicSync resolves the
 * real path of the target and of its temp file per write (glibc's realpath reads every path component: ~25
 * readlinks per entry, 2,800 of them on the 300-overlay bench repo); here the folder is checked once, its real path
 * under an allowed root, and each write then checks that the folder is still that same folder (device and inode,
 * links followed) before writing its temp file and before renaming it: a folder swapped since for a link to
 * elsewhere is another inode, and the write is refused (WriteRefusedError) with nothing left behind.
 */
export class FolderWriter {
  private constructor(
    readonly dir: string,
    /** `device:inode` of the folder as checked (a render worker writing an entry checks the same: render/cache.ts). */
    readonly identity: string,
  ) {}

  /** Throws WriteRefusedError when the folder's real path is outside `roots` (default: the allowed roots). */
  static open(dir: string, roots: readonly string[] | undefined = allowedWriteRoots()): FolderWriter {
    const real = realpathSync.native(dir);
    if (roots && !roots.some((root) => isUnder(realOrNearest(resolve(root)), real)))
      throw new WriteRefusedError(`refusing to write under ${dir}: outside the repository and the cache folder`);
    return new FolderWriter(dir, FolderWriter.identityOf(dir));
  }

  private static identityOf(dir: string): string {
    const s = statSync(dir, { bigint: true });
    if (!s.isDirectory()) throw new WriteRefusedError(`refusing to write under ${dir}: no longer a folder`);
    return `${s.dev}:${s.ino}`;
  }

  private recheck(): void {
    let now: string;
    try {
      now = FolderWriter.identityOf(this.dir);
    } catch (err) {
      if (err instanceof WriteRefusedError) throw err;
      throw new WriteRefusedError(`refusing to write under ${this.dir}: the folder is gone`);
    }
    if (now !== this.identity)
      throw new WriteRefusedError(`refusing to write under ${this.dir}: the folder was replaced since it was checked`);
  }

  write(name: string, content: string | Uint8Array, options: { mode?: number } = {}): void {
    this.recheck();
    // The folder may have been swapped while the temp file was written: checked again before the rename.
    writeThenRename(
      join(this.dir, name),
      content,
      { flag: 'wx', ...(options.mode !== undefined ? { mode: options.mode } : {}) },
      () => this.recheck(),
    );
  }
}

function isUnder(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
