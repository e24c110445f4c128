/**
 * Reading a file that the checked repository may have put there: a cache entry under `.kfm-gitops/cache` (a pull
 * request can commit one), the config. readFileSync follows a link to /dev/zero and reads until memory runs out, and
 * blocks on a FIFO for ever, in the main thread, where not even SIGTERM's handler runs: a committed FIFO named like
 * the discovery memo hung `check` until it was killed with SIGKILL. Here a file is opened without blocking
 * (O_NONBLOCK) and read only when fstat says it is a regular file of at most `maxBytes`; cache readers also refuse a
 * link (O_NOFOLLOW), since their files are only ever written by the tool itself, never as links.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

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

/**
 * O_NOFOLLOW: the final component is never followed (a link is refused, not read through); O_NONBLOCK: a FIFO does
 * not block the open. Undefined where the platform has neither: there, lstat first.
 */
export const NO_FOLLOW_OPEN =
  constants.O_NOFOLLOW === undefined
    ? undefined
    : constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/** A regular file's bytes from its open descriptor, up to the size fstat gave (as readFileSync reads one). */
/**
 * `buf` in memory of its own size. A Buffer under 4 KB (Buffer.allocUnsafe, Buffer.from) is a view of Node's shared
 * 8 KB pool slab, and zlib's output a view of a 16 KB chunk: one kept for the whole run pins all of it, however small
 * (issue 20, xlarge bench repo heap snapshot: ~8 KB per kept pack or file, ~65 MB in all for ~20 MB of data).
 */
export function ownCopy(buf: Buffer): Buffer {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return buf;
  const own = Buffer.allocUnsafeSlow(buf.length);
  buf.copy(own);
  return own;
}

export function readOpenFile(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) break;
    n += r;
  }
  return n === buf.length ? buf : buf.subarray(0, n);
}

export function readRegularFile(file: string, options: SafeReadOptions): SafeRead {
  let fd: number;
  try {
    if (options.followLinks) fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    else if (NO_FOLLOW_OPEN !== undefined) fd = openSync(file, NO_FOLLOW_OPEN);
    else if (lstatSync(file).isSymbolicLink()) return { kind: 'not-a-file' };
    else fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
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
    return { kind: 'file', bytes: readOpenFile(fd, st.size) };
  } catch (err) {
    return { kind: 'unreadable', code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    closeSync(fd);
  }
}

/** Why a file was not read, for a message: its error code, its size over the bound, or that it is no regular file. */
export function unreadReason(got: Exclude<SafeRead, { kind: 'file' }>, maxBytes?: number): string {
  switch (got.kind) {
    case 'unreadable':
      return got.code;
    case 'too-large':
      return maxBytes === undefined ? `${got.size} bytes` : `${got.size} bytes, over ${maxBytes}`;
    case 'missing':
      return 'ENOENT';
    case 'not-a-file':
      return 'not a regular file';
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
  if (got.kind === 'file') return bomText(got.bytes) ?? got.bytes.toString('utf8');
  const why = unreadReason(got, maxBytes);
  throw Object.assign(new Error(why), { code: why });
}

/**
 * The text of bytes that open with a byte order mark (UTF-8, UTF-16 LE or BE, UTF-32 LE or BE), the mark dropped so
 * that line 1 starts at the first character; undefined without one. Argo CD reads manifests this way (utfutil's UTF-8
 * default: a BOM decides) and kustomize's YAML reader accepts UTF-16 too, so such a file is a manifest like any other.
 */
export function bomText(buf: Buffer): string | undefined {
  return bomDecode(buf)?.text;
}

/**
 * bomText, and whether the decoded text reads as text. Two bytes `FF FE` in front of ASCII make every pair of
 * characters one CJK or unassigned code point (or a lone surrogate): the decoded text hides whatever the file holds
 * from every pattern, while Git, shells and dotenv readers see the ASCII. Such a decoding is `plausible: false`,
 * and the secret scan reads the bytes behind the mark as well (checks/secrets/files.ts).
 */
/** `mark`: the byte order mark's length in bytes. */
export function bomDecode(buf: Buffer): { text: string; plausible: boolean; mark: number } | undefined {
  // UTF-32 first: its little-endian mark starts with the UTF-16 one.
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xfe && buf[2] === 0 && buf[3] === 0)
    return { ...utf32(buf.subarray(4), true), mark: 4 };
  if (buf.length >= 4 && buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff)
    return { ...utf32(buf.subarray(4), false), mark: 4 };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { ...utf16(buf.subarray(2), 'utf-16le'), mark: 2 };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { ...utf16(buf.subarray(2), 'utf-16be'), mark: 2 };
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
    return { text: buf.subarray(3).toString('utf8'), plausible: true, mark: 3 };
  return undefined;
}

/** A byte a text file is made of: printable ASCII, tab, CR or LF. */
const asciiByte = (b: number): boolean => (b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13;

function utf16(body: Buffer, encoding: 'utf-16le' | 'utf-16be'): { text: string; plausible: boolean } {
  const text = new TextDecoder(encoding).decode(body);
  // Real UTF-16 text has its line breaks and spaces as units with a zero byte; units of two ASCII bytes in the
  // majority are ASCII text behind a mark it does not have. A lone surrogate (U+FFFD after decoding) or an odd
  // length is not UTF-16 either.
  let pairs = 0;
  for (let i = 0; i + 1 < body.length; i += 2) if (asciiByte(body[i]) && asciiByte(body[i + 1])) pairs++;
  const units = body.length >> 1;
  const plausible = body.length % 2 === 0 && !text.includes('�') && pairs * 2 <= units;
  return { text, plausible };
}

function utf32(body: Buffer, little: boolean): { text: string; plausible: boolean } {
  const points: string[] = [];
  let plausible = body.length % 4 === 0;
  for (let i = 0; i + 3 < body.length; i += 4) {
    const cp = little ? body.readUInt32LE(i) : body.readUInt32BE(i);
    const valid = cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    if (!valid) plausible = false;
    points.push(String.fromCodePoint(valid ? cp : 0xfffd));
  }
  return { text: points.join(''), plausible };
}

/** Largest repository file read whole by a reader without a limit of its own (YAML and JSON the tool parses). */
export const REPO_FILE_MAX = 64 * 1024 * 1024;
