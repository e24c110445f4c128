/**
 * Compressed content the secret scan unpacks: gzip (a `.gz` file, a gzipped Helm chart, a ConfigMap's binaryData of
 * one), zip (a `.zip`, `.jar`, a document) and zlib (what `zlib.compress` writes, base64-encoded into a value). A credential gzipped into a file that a configMapGenerator deploys is
 * committed and deployed as surely as one in plain text, and the text a binary holds (decode.ts binaryStrings) shows
 * nothing of it: it passed as "binary, searched only for the text it holds".
 *
 * Pure: bytes in, the members' bytes out. What cannot be read is said, never dropped: over the byte limit (a
 * decompression bomb stops at the limit, not at the machine's memory), an encrypted member, a compression method
 * other than stored and deflate, a damaged stream.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export interface Unpacked {
  format: 'gzip' | 'zip' | 'zlib';
  /** The members' bytes (a gzip stream: one), in order; nested archives are not opened here. */
  parts: Uint8Array[];
  /** Why some of the content was not read, when it was not all read. */
  unread?: string;
  /** The content unpacks to more than the limit: what is past it was not read. */
  overLimit?: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const ZIP_END_SEARCH = 22 + 0xffff;

/**
 * The archive's members, at most `limit` bytes of them in all; undefined when the bytes are no gzip or zip. A limit
 * already spent (a budget shared with other archives) reads nothing and says so.
 */
export function unpack(bytes: Uint8Array, limit: number): Unpacked | undefined {
  const format = isGzip(bytes)
    ? 'gzip'
    : bytes.length >= 4 && readU32(bytes, 0) === ZIP_LOCAL
      ? 'zip'
      : isZlib(bytes)
        ? 'zlib'
        : undefined;
  if (format === undefined) return undefined;
  if (limit < 1) return { format, parts: [], overLimit: true };
  return format === 'gzip' ? gunzip(bytes, limit) : format === 'zip' ? unzip(bytes, limit) : inflateZlib(bytes, limit);
}

/**
 * A zlib stream's header (RFC 1950): deflate, a window of at most 32 KiB, no preset dictionary, the check bits right.
 * One random binary in ~500 starts like one, so a stream that does not inflate is not zlib (inflateZlib).
 */
export function isZlib(bytes: Uint8Array): boolean {
  if (bytes.length < 3) return false;
  const cmf = bytes[0];
  const flg = bytes[1];
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && ((cmf << 8) | flg) % 31 === 0;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1] && bytes[2] === 8;
}

/** Concatenated gzip members are read as one stream, as gzip -d does. */
function gunzip(bytes: Uint8Array, limit: number): Unpacked {
  return (
    inflateStream('gzip', gunzipSync, bytes, limit) ?? { format: 'gzip', parts: [], unread: 'a damaged gzip stream' }
  );
}

/**
 * zlib (Python's zlib.compress, Java's Deflater, PDF and PNG streams). Bytes that only start like a header inflate
 * to nothing: no zlib then, left to the binary pass as any other binary.
 */
function inflateZlib(bytes: Uint8Array, limit: number): Unpacked | undefined {
  return inflateStream('zlib', inflateSync, bytes, limit);
}

/**
 * One deflate stream: its content up to `limit`; for a damaged or truncated stream, what inflates before the damage
 * (undefined when nothing does).
 */
function inflateStream(
  format: 'gzip' | 'zlib',
  inflate: typeof inflateSync,
  bytes: Uint8Array,
  limit: number,
): Unpacked | undefined {
  try {
    return { format, parts: [inflate(bytes, { maxOutputLength: limit })] };
  } catch (err) {
    if (tooLarge(err)) return { format, parts: [], overLimit: true };
    try {
      const part = inflate(bytes, { maxOutputLength: limit, finishFlush: 2 /* Z_SYNC_FLUSH */ });
      return part.length > 0 ? { format, parts: [part], unread: `a damaged ${format} stream` } : undefined;
    } catch (again) {
      if (tooLarge(again)) return { format, parts: [], overLimit: true };
      return undefined;
    }
  }
}

function tooLarge(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}

/**
 * A zip's members as its central directory lists them (what unzip extracts). The local headers alone are not
 * trusted for sizes: a member written with a data descriptor has none there.
 */
function unzip(bytes: Uint8Array, limit: number): Unpacked {
  const out: Unpacked = { format: 'zip', parts: [] };
  const unread = new Set<string>();
  const end = findEnd(bytes);
  if (end < 0) return { ...out, unread: 'a zip without its central directory' };
  const entries = readU16(bytes, end + 10);
  let at = readU32(bytes, end + 16);
  let left = limit;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > bytes.length || readU32(bytes, at) !== ZIP_CENTRAL) {
      unread.add('a damaged zip directory');
      break;
    }
    const flags = readU16(bytes, at + 8);
    const method = readU16(bytes, at + 10);
    const size = readU32(bytes, at + 20);
    const unpackedSize = readU32(bytes, at + 24);
    const nameLength = readU16(bytes, at + 28);
    const extraLength = readU16(bytes, at + 30);
    const commentLength = readU16(bytes, at + 32);
    const local = readU32(bytes, at + 42);
    at += 46 + nameLength + extraLength + commentLength;
    if (size === 0xffffffff || unpackedSize === 0xffffffff || local === 0xffffffff) {
      unread.add('a zip64 member');
      continue;
    }
    if ((flags & 1) !== 0) {
      unread.add('an encrypted zip member');
      continue;
    }
    if (local + 30 > bytes.length || readU32(bytes, local) !== ZIP_LOCAL) {
      unread.add('a damaged zip member');
      continue;
    }
    const start = local + 30 + readU16(bytes, local + 26) + readU16(bytes, local + 28);
    const data = bytes.subarray(start, Math.min(bytes.length, start + size));
    if (data.length < size) unread.add('a truncated zip member');
    if (method === 0) {
      if (data.length > left) return { ...out, overLimit: true };
      out.parts.push(data);
      left -= data.length;
    } else if (method === 8) {
      try {
        const part = inflateRawSync(data, { maxOutputLength: Math.max(1, left) });
        if (part.length > left) return { ...out, overLimit: true };
        out.parts.push(part);
        left -= part.length;
      } catch (err) {
        if (tooLarge(err)) return { ...out, overLimit: true };
        unread.add('a damaged zip member');
      }
    } else unread.add(`a zip member compressed with method ${method}`);
  }
  return unread.size > 0 ? { ...out, unread: [...unread].join(', ') } : out;
}

/** Offset of the end-of-central-directory record, searched from the end; -1 when there is none. */
function findEnd(bytes: Uint8Array): number {
  const stop = Math.max(0, bytes.length - ZIP_END_SEARCH);
  for (let i = bytes.length - 22; i >= stop; i--) if (readU32(bytes, i) === ZIP_END) return i;
  return -1;
}

function readU16(b: Uint8Array, at: number): number {
  return at + 2 <= b.length ? b[at] | (b[at + 1] << 8) : 0;
}

function readU32(b: Uint8Array, at: number): number {
  return at + 4 <= b.length ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : 0;
}

/**
 * Compressed formats node cannot unpack (no decoder without a dependency), by their magic: bzip2 (`BZh`, a block
 * size, then a block's or the end's magic), xz, zstd, lz4 frames, 7-Zip. What they hold cannot be read, so the caller
 * reports them rather than pass them as "binary" (their printable bytes show nothing of the content).
 */
export function opaqueCompressed(bytes: Uint8Array): string | undefined {
  const at = (i: number, magic: readonly number[]): boolean => magic.every((b, k) => bytes[i + k] === b);
  if (at(0, BZH) && bytes[3] >= 0x31 && bytes[3] <= 0x39 && (at(4, BZ_BLOCK) || at(4, BZ_END))) return 'bzip2';
  if (at(0, XZ)) return 'xz';
  if (at(0, ZSTD)) return 'zstd';
  if (at(0, LZ4)) return 'lz4';
  if (at(0, SEVEN_ZIP)) return '7-Zip';
  return undefined;
}

const BZH = [0x42, 0x5a, 0x68];
const BZ_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZ_END = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const LZ4 = [0x04, 0x22, 0x4d, 0x18];
const SEVEN_ZIP = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];

/** Shortest text a headerless stream must unpack to (random bytes sometimes "inflate" to a few). */
const MIN_HEADERLESS_TEXT = 8;

/**
 * Deflate without a zlib header (`zlib.compressobj(wbits=-15)`, Java's `Deflater(nowrap)`) or brotli: neither has a
 * magic, so only the text they unpack to says what they are (random bytes do unpack now and then, to a few bytes of
 * binary). Tried by the caller on a value that is one base64 blob and nothing else; undefined when neither gives text
 * within `limit` bytes (`asText`: the caller's test of text, decode.ts). Each native try costs ~0.1 ms, so deflate is tried only when its first block can start a text
 * (mayBeRawDeflate: a few percent of random bytes), and brotli, which has no such test, only when the caller says
 * (`brotli`).
 */
export function unpackHeaderless(
  bytes: Uint8Array,
  limit: number,
  brotli: boolean,
  asText: (bytes: Uint8Array) => string | undefined,
): { format: string; text: string } | undefined {
  if (bytes.length < 8 || limit < 1) return undefined;
  const tries: [string, (b: Uint8Array, o: { maxOutputLength: number }) => Buffer][] = [];
  if (mayBeRawDeflate(bytes)) tries.push(['raw deflate', inflateRawSync]);
  if (brotli) tries.push(['brotli', brotliDecompressSync]);
  for (const [format, unpackWith] of tries) {
    let out: Buffer;
    try {
      out = unpackWith(bytes, { maxOutputLength: limit });
    } catch {
      // Not this format, or output past the limit: random bytes may expand that far too, so a headerless stream is
      // never judged by its size (a stream with a header is: unpack).
      continue;
    }
    const text = out.length >= MIN_HEADERLESS_TEXT ? asText(out) : undefined;
    if (text !== undefined) return { format, text };
  }
  return undefined;
}

/**
 * The first deflate block of `b` can start a stream that inflates to text: a stored block whose length is repeated
 * inverted, a fixed-Huffman block whose first four symbols are literals a text may hold (a back-reference cannot come
 * first), or a dynamic block with valid counts and a complete code-length code. A necessary condition read in a few
 * dozen bits.
 */
export function mayBeRawDeflate(b: Uint8Array): boolean {
  let pos = 0;
  const bit = (): number => {
    const v = ((b[pos >> 3] ?? 0) >> (pos & 7)) & 1;
    pos++;
    return v;
  };
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v |= bit() << i;
    return v;
  };
  const final = bit();
  const type = bits(2);
  if (type === 3) return false;
  if (type === 0) {
    const at = (pos + 7) >> 3;
    return b.length >= at + 4 && ((b[at] | (b[at + 1] << 8)) ^ (b[at + 2] | (b[at + 3] << 8))) === 0xffff;
  }
  if (type === 1) {
    // Eight symbols, or the end of a first block that is not the last: literals a text may hold (ASCII printable,
    // blanks, bytes of UTF-8), and back-references no further back than what was written.
    let written = 0;
    for (let k = 0; k < 8; k++) {
      // Huffman codes are read first bit first (RFC 1951 3.2.6).
      let code = 0;
      for (let i = 0; i < 7; i++) code = (code << 1) | bit();
      let sym: number;
      if (code <= 0x17) sym = 256 + code;
      else {
        code = (code << 1) | bit();
        if (code >= 0x30 && code <= 0xbf) sym = code - 0x30;
        else if (code >= 0xc0 && code <= 0xc7) sym = 280 + code - 0xc0;
        else sym = 144 + ((code << 1) | bit()) - 0x190;
      }
      if (sym < 256) {
        if ((sym < 32 && sym !== 9 && sym !== 10 && sym !== 13) || sym === 127) return false;
        written++;
      } else if (sym === 256) return final === 0 && written > 0;
      else {
        if (sym > 285) return false;
        const length = LENGTH_BASE[sym - 257] + bits(LENGTH_EXTRA[sym - 257]);
        let dist = 0;
        for (let i = 0; i < 5; i++) dist = (dist << 1) | bit();
        if (dist > 29) return false;
        const distance = DIST_BASE[dist] + bits(DIST_EXTRA[dist]);
        if (distance > written) return false;
        written += length;
      }
    }
    return true;
  }
  const hlit = bits(5) + 257;
  const hdist = bits(5) + 1;
  if (hlit > 286 || hdist > 30) return false;
  // The code-length code: its lengths in RFC 1951's order, a complete prefix code.
  const count = bits(4) + 4;
  const clLengths = new Array<number>(19).fill(0);
  for (let i = 0; i < count; i++) clLengths[CL_ORDER[i]] = bits(3);
  const decode = canonical(clLengths, 7);
  if (decode === undefined) return false;
  // The literal/length and distance code lengths it encodes: repeats inside bounds, and a complete literal code.
  const lengths: number[] = [];
  while (lengths.length < hlit + hdist) {
    if (pos > b.length * 8) return false;
    const sym = decode(bit);
    if (sym < 16) lengths.push(sym);
    else if (sym === 16) {
      if (lengths.length === 0) return false;
      const prev = lengths[lengths.length - 1];
      for (let r = 3 + bits(2); r > 0; r--) lengths.push(prev);
    } else for (let r = sym === 17 ? 3 + bits(3) : 11 + bits(7); r > 0; r--) lengths.push(0);
  }
  if (lengths.length > hlit + hdist || lengths[256] === 0) return false;
  return canonical(lengths.slice(0, hlit), 15) !== undefined;
}

/** Lengths and distances of the fixed code's symbols 257-285 and distance codes 0-29 (RFC 1951 3.2.5). */
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Order of the code-length code's lengths in a dynamic block header (RFC 1951 3.2.7). */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A decoder of the canonical Huffman code with these lengths (RFC 1951 3.2.2), reading one bit at a time; undefined
 * when the lengths are no complete code (one code of length 1 is allowed, as zlib does).
 */
function canonical(lengths: readonly number[], max: number): ((bit: () => number) => number) | undefined {
  const counts = new Array<number>(max + 1).fill(0);
  for (const l of lengths) if (l > 0) counts[l]++;
  let left = 1;
  for (let l = 1; l <= max; l++) {
    left = left * 2 - counts[l];
    if (left < 0) return undefined;
  }
  const used = counts.reduce((a, c) => a + c, 0);
  if (left !== 0 && !(used === 1 && counts[1] === 1)) return undefined;
  const symbols = lengths
    .map((l, s) => [l, s])
    .filter(([l]) => l > 0)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return (bit) => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let l = 1; l <= max; l++) {
      code |= bit();
      const n = counts[l];
      if (code - first < n) return symbols[index + code - first][1];
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    return 0;
  };
}
