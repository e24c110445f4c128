/**
 * Reading a file that the checked repository may have put there: a cache entry under `.kfm-gitops/cache` (a pull
 * request can commit one), the config. readFileSync follows a link to /dev/zero and reads until memory runs out, and
 * blocks on a FIFO for ever, in the main thread, where not even SIGTERM's handler runs: a committed FIFO named like
 * the discovery memo hung `check` until it was killed with SIGKILL. Here a file is opened without blocking
 * (O_NONBLOCK) and read only when fstat says it is a regular file of at most `maxBytes`; cache readers also refuse a
 * link (O_NOFOLLOW), since their files are only ever written by the tool itself, never as links.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type SafeRead =
  | { kind: 'file'; bytes: Buffer }
  | { kind: 'missing' }
  | { kind: 'not-a-file' }
  | { kind: 'too-large'; size: number }
  | { kind: 'unreadable'; code: string };

export interface SafeReadOptions {
  /** Larger regular files are not read. */
  maxBytes: number;
  /** Follow a link in the last component (the config may be one); cache files: never. */
  followLinks?: boolean;
}

export function readRegularFile(file: string, options: SafeReadOptions): SafeRead {
  const flags =
    constants.O_RDONLY |
    (constants.O_NONBLOCK ?? 0) |
    (options.followLinks || constants.O_NOFOLLOW === undefined ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') return { kind: 'not-a-file' };
    return { kind: 'unreadable', code };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'not-a-file' };
    if (st.size > options.maxBytes) return { kind: 'too-large', size: st.size };
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return { kind: 'file', bytes: n === buf.length ? buf : buf.subarray(0, n) };
  } catch (err) {
    return { kind: 'unreadable', code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    closeSync(fd);
  }
}

/** Largest cache file read (a render entry holds at most the output limit, 64 MB by default, and its JSON). */
export const CACHE_FILE_MAX = 256 * 1024 * 1024;

/** A cache file's bytes, or undefined for anything but a regular file (no link) of at most `maxBytes`. */
export function readCacheFile(file: string, maxBytes: number): Buffer | undefined {
  const got = readRegularFile(file, { maxBytes });
  return got.kind === 'file' ? got.bytes : undefined;
}

/**
 * A repository file's text (links followed, as the tools that read the repository do), or an Error saying why not:
 * a FIFO, a device or a folder in its place, or more than `maxBytes`. For readers that report the reason.
 */
export function readRepoText(file: string, maxBytes: number): string {
  const got = readRegularFile(file, { maxBytes, followLinks: true });
  if (got.kind === 'file') return got.bytes.toString('utf8');
  const why =
    got.kind === 'unreadable'
      ? got.code
      : got.kind === 'too-large'
        ? `${got.size} bytes, over ${maxBytes}`
        : got.kind === 'missing'
          ? 'ENOENT'
          : 'not a regular file';
  throw Object.assign(new Error(why), { code: why });
}

/** Largest repository file read whole by a reader without a limit of its own (YAML and JSON the tool parses). */
export const REPO_FILE_MAX = 64 * 1024 * 1024;
