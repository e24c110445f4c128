/**
 * Encoded secrets: base64, hex and URL percent-encoded runs found anywhere in a text (a ConfigMap value, an
 * annotation, an env value, a .env line), decoded and classified, and binary private keys / key stores recognised by
 * their bytes, not their name.
 *
 * One left-to-right pass over char codes finds the base64 and hex runs (linear), one `indexOf` pass the percent runs;
 * each decoded text is scanned again by the caller with a depth limit and a byte budget, and decoded text is at most
 * as long as its source, so the total work stays linear.
 */

import { isUtf8 } from 'node:buffer';
import { isZlib, opaqueCompressed } from './unpack.js';

export type Encoding = 'base64' | 'base32' | 'hex' | 'percent';

/** A run of encoded text: its place, its bytes (decoded on first use) and whether decoding it can find anything. */
export abstract class EncodedRun {
  private decodedBytes: Buffer | undefined;

  constructor(
    protected readonly text: string,
    readonly start: number,
    readonly end: number,
  ) {}

  abstract readonly encoding: Encoding;

  /** At most this many bytes decoded (what a decoding budget is charged before decoding). */
  abstract readonly size: number;

  get bytes(): Buffer {
    return (this.decodedBytes ??= this.decode());
  }

  /** How a finding in the decoded bytes says where it was: ` (base64-decoded)`. */
  get label(): string {
    return ` (${this.encoding}-decoded)`;
  }

  /**
   * The bytes are neither a private key or key store (privateKeyKind) nor text (asText), decided on the first 12
   * bytes decoded in place: most runs of a repository are random-looking names and digests whose first bytes
   * already fail both, and allocating and decoding each one was most of the encoded-secrets pass.
   */
  abstract readonly inert: boolean;

  protected abstract decode(): Buffer;
}

/** A base64 run: standard alphabet, optional `=` padding, line breaks and indentation of a wrapped block. */
export class Base64Run extends EncodedRun {
  readonly encoding = 'base64';

  get size(): number {
    return Math.ceil(((this.end - this.start) * 3) / 4);
  }

  get inert(): boolean {
    return prefixInert(this.text, this.start, this.end);
  }

  protected decode(): Buffer {
    return Buffer.from(this.text.slice(this.start, this.end), 'base64');
  }
}

/** A hex run (`xxd -p`, either case), wrapped lines included. */
export class HexRun extends EncodedRun {
  readonly encoding = 'hex';

  get size(): number {
    return (this.end - this.start) >> 1;
  }

  get inert(): boolean {
    const prefix = PREFIX;
    for (let k = 0; k < PREFIX_BYTES; k++)
      prefix[k] =
        (HEX_VALUE[this.text.charCodeAt(this.start + 2 * k)] << 4) |
        HEX_VALUE[this.text.charCodeAt(this.start + 2 * k + 1)];
    return bytesInert(prefix, this.size);
  }

  protected decode(): Buffer {
    // Node's hex decoder stops at the first non-hex character: the line breaks of a wrapped block go first.
    return Buffer.from(this.text.slice(this.start, this.end).replace(/\s+/g, ''), 'hex');
  }
}

/**
 * A base32 run (RFC 4648: `A-Z2-7`, or all lowercase, `=` padding to a multiple of 8): what `base32` and TOTP seeds
 * are written in. A token base32-encoded into a ConfigMap passed as an identifier (one letter case: no base64 run is
 * read).
 */
export class Base32Run extends EncodedRun {
  readonly encoding = 'base32';

  get size(): number {
    return Math.floor(((this.end - this.start) * 5) / 8);
  }

  get inert(): boolean {
    if (this.end - this.start < BASE32_PREFIX_CHARS) return false;
    const prefix = PREFIX;
    base32Into(this.text, this.start, this.start + BASE32_PREFIX_CHARS, prefix);
    return bytesInert(prefix, this.size);
  }

  protected decode(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    return out.subarray(0, base32Into(this.text, this.start, this.end, out));
  }
}

/** Characters of base32's alphabet decoded into `out` (five bits each; padding ends it): the bytes written. */
function base32Into(text: string, start: number, end: number, out: Uint8Array): number {
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = start; i < end && n < out.length; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 97 : c >= 50 && c <= 55 ? c - 24 : -1;
    if (d < 0) break;
    value = ((value << 5) | d) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  return n;
}

/** Characters of a base32 run decoded for its first PREFIX_BYTES bytes (inert): 8 characters give 5 bytes. */
const BASE32_PREFIX_CHARS = 20;
/** Shortest base32 run decoded: 32 characters, 20 bytes (a token shorter than that is a word or a name). */
const MIN_BASE32_RUN = 32;

/** A stretch of URL characters with `%XX` escapes in it: the escapes decoded to their bytes, the rest kept. */
export class PercentRun extends EncodedRun {
  readonly encoding = 'percent';
  readonly inert = false;

  get size(): number {
    return this.end - this.start;
  }

  protected decode(): Buffer {
    const out = Buffer.allocUnsafe(this.end - this.start);
    let n = 0;
    for (let i = this.start; i < this.end; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 37 && isHexAt(this.text, i + 1) && isHexAt(this.text, i + 2)) {
        out[n++] = (HEX_VALUE[this.text.charCodeAt(i + 1)] << 4) | HEX_VALUE[this.text.charCodeAt(i + 2)];
        i += 2;
      } else out[n++] = c;
    }
    return out.subarray(0, n);
  }
}

/** Shortest run worth decoding: 18 bytes; shorter runs are words and names, not encoded secrets. */
const MIN_RUN = 24;
/** Most runs decoded per text (a crafted text of base64 fragments stops here; the rest is still text-scanned). */
const MAX_RUNS = 4096;
/**
 * Shortest hex run worth decoding: 32 digits, 16 bytes. Digests (a git sha, an image digest) are hex runs too: they
 * decode to random bytes, inert on their first bytes (HexRun.inert), and no rule matches random bytes.
 */
const MIN_HEX_RUN = 32;

/** Character classes by code (ASCII): 1 base64, 2 hex digit, 4 lowercase, 8 uppercase. One lookup per char. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/[A-Za-z0-9+/]/.test(ch)) k |= 1;
  if (/[0-9a-fA-F]/.test(ch)) k |= 2;
  if (/[a-z]/.test(ch)) k |= 4;
  if (/[A-Z]/.test(ch)) k |= 8;
  CLASS[c] = k;
}
const classOf = (c: number): number => (c < 128 ? CLASS[c] : 0);

/**
 * Maximal base64 runs (standard alphabet, optional `=` padding) of at least MIN_RUN characters, with a length
 * that can be base64, not pure hex (digests) and not one letter case only (identifiers), decoded.
 *
 * Most text is words shorter than a run, so the search skips: a run has at least `probe` alphabet characters
 * (`minRun` less two `=`), so one starting in `[i, i + probe)` covers `i + probe - 1`: that character is probed
 * first and, when it is outside the alphabet, the whole stretch is skipped; otherwise the stretch is read backwards
 * to its last outsider. Each character is read at most twice by the search and once by the run it belongs to:
 * linear, and a fraction of a character-by-character pass on prose and manifests.
 */
export function base64Runs(text: string, minRun = MIN_RUN): Base64Run[] {
  return alphabetRuns(text, minRun, undefined);
}

/**
 * Every run of the text worth decoding, in text order: base64 runs (base64Runs), hex runs (maximal runs of hex
 * digits of an even length of at least MIN_HEX_RUN, the lines of a wrapped block joined), percent runs
 * (percentRuns). A pure-hex run is read as hex, never as base64 (base64Runs skips it).
 */
export function encodedRuns(text: string): EncodedRun[] {
  const hex: HexRun[] = [];
  const base32: Base32Run[] = [];
  const runs: EncodedRun[] = alphabetRuns(text, MIN_RUN, hex, base32);
  const percent = text.includes('%') ? percentRuns(text) : [];
  if (hex.length === 0 && percent.length === 0 && base32.length === 0) return runs;
  return [...runs, ...hex, ...base32, ...percent].sort((a, b) => a.start - b.start);
}

/**
 * The base32 run of a one-case alphabet run `[start, alphaEnd)` (base64 characters, letters of one case; `lower`
 * says which): only `A-Z2-7`, or `a-z2-7` (decoders take either case: `base32 -d` after `tr A-Z a-z`, Python's
 * `b32decode(casefold=True)`), at least MIN_BASE32_RUN long, with at least one digit (a run of letters alone is a
 * name), a length base32 can have, and its `=` padding (up to six) taken in. Undefined otherwise.
 */
function base32Run(text: string, start: number, alphaEnd: number, lower: boolean): Base32Run | undefined {
  const len = alphaEnd - start;
  if (len < MIN_BASE32_RUN) return undefined;
  const first = lower ? 97 : 65;
  let digit = false;
  for (let i = start; i < alphaEnd; i++) {
    const c = text.charCodeAt(i);
    if (c >= 50 && c <= 55) digit = true;
    else if (c < first || c > first + 25) return undefined;
  }
  if (!digit) return undefined;
  let end = alphaEnd;
  while (end < text.length && end - alphaEnd < 6 && text.charCodeAt(end) === 61) end++;
  const padded = end - start;
  // Unpadded, the last group of 8 has 2, 4, 5 or 7 characters (or none); padded, the whole is a multiple of 8.
  if (end !== alphaEnd ? padded % 8 !== 0 : ![0, 2, 4, 5, 7].includes(len % 8)) return undefined;
  return new Base32Run(text, start, end);
}

/** base64Runs, and, when `hex` is given, the pure-hex runs into it. */
function alphabetRuns(text: string, minRun: number, hex: HexRun[] | undefined, base32?: Base32Run[]): Base64Run[] {
  const out: Base64Run[] = [];
  const n = text.length;
  const isB64 = (at: number): boolean => (classOf(text.charCodeAt(at)) & 1) !== 0;
  const probe = Math.max(1, minRun - 2);
  let i = 0;
  while (i + probe <= n && out.length < MAX_RUNS) {
    // Does a run of `probe` characters start at i? Probe its last character, then read back to the last outsider.
    if (!isB64(i + probe - 1)) {
      i += probe;
      continue;
    }
    let p = i + probe - 2;
    while (p >= i && isB64(p)) p--;
    if (p >= i) {
      i = p + 1;
      continue;
    }
    // [i, i + probe) is all base64 and text[i - 1] is not (every jump lands after an outsider): a maximal run
    // starts at i. Read it to its end, with the class bits every character has and some character has.
    const start = i;
    let all = 0xff;
    let any = 0;
    while (i < n) {
      const k = classOf(text.charCodeAt(i));
      if ((k & 1) === 0) break;
      all &= k;
      any |= k;
      i++;
    }
    const hexOnly = (all & 2) !== 0;
    const lower = (any & 4) !== 0;
    const upper = (any & 8) !== 0;
    const alphaEnd = i;
    let end = i;
    while (end < n && end - i < 2 && text.charCodeAt(end) === 61) end++;
    const len = end - start;
    const padded = end !== i;
    // i stops on an outsider (or the end), so the next search starts after it, as the skip above assumes.
    i = end;
    if (hexOnly && hex !== undefined && !padded && len >= MIN_HEX_RUN && hex.length < MAX_RUNS) {
      // `xxd -p` wraps at 60 digits: the block's lines are one run.
      const wrapped = wrappedEnd(text, end, len, HEX_BLOCK);
      if ((wrapped === end ? len : hexDigits(text, start, wrapped)) % 2 === 0) {
        hex.push(new HexRun(text, start, wrapped));
        i = wrapped;
      }
      continue;
    }
    if (base32 !== undefined && upper !== lower && !hexOnly && base32.length < MAX_RUNS) {
      const run = base32Run(text, start, alphaEnd, lower);
      if (run) {
        base32.push(run);
        i = Math.max(i, run.end);
        continue;
      }
    }
    if (len < minRun || hexOnly || !(lower && upper) || len % 4 === 1) continue;
    // A full line of a wrapped block (GNU base64: 76 columns, openssl and PEM: 64) continues on the next lines:
    // decoded one line at a time, a wrapped PEM key is fragments no rule knows. Node's decoder skips the line
    // breaks and indentation in between.
    const wrapped = end === i ? wrappedEnd(text, end, len, BASE64_BLOCK) : end;
    i = wrapped;
    out.push(new Base64Run(text, start, wrapped));
  }
  return out;
}

/** A wrapped block of an encoding: its characters' class bit, its line widths, whether it ends in `=` padding. */
interface Block {
  cls: number;
  minWidth: number;
  maxWidth: number;
  /** Every line width is a multiple of this. */
  unit: number;
  padding: boolean;
}
/** base64 (GNU base64: 76 columns, openssl and PEM: 64): a multiple of 4, 40 to 200. */
const BASE64_BLOCK: Block = { cls: 1, minWidth: 40, maxWidth: 200, unit: 4, padding: true };
/** hex (`xxd -p`: 60 columns, `xxd -p -c 32`: 64): even, 32 to 200. */
const HEX_BLOCK: Block = { cls: 2, minWidth: 32, maxWidth: 200, unit: 2, padding: false };

/**
 * The end of the wrapped block whose first full line of `width` characters ends at `from`: the following lines are
 * each one line break (or one space, a folded YAML scalar) and indentation away, all exactly `width` long but the
 * last, which is at most that (padding included) and ends the block. `from` when no line follows. Linear: every
 * character is read once, and the search resumes at the end.
 */
function wrappedEnd(text: string, from: number, width: number, block: Block): number {
  if (width < block.minWidth || width > block.maxWidth || width % block.unit !== 0) return from;
  const n = text.length;
  const inBlock = (at: number): boolean => at < n && (classOf(text.charCodeAt(at)) & block.cls) !== 0;
  // A line goes on past the block's characters when the next one is still base64 (a word, not a line of the block).
  const isB64 = (at: number): boolean => at < n && (classOf(text.charCodeAt(at)) & 1) !== 0;
  let end = from;
  for (;;) {
    let j = end;
    if (text.charCodeAt(j) === 13) j++;
    const sep = text.charCodeAt(j);
    if (sep !== 10 && !(sep === 32 && j === end)) return end;
    j++;
    while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
    let k = j;
    while (inBlock(k)) k++;
    const w = k - j;
    let pad = k;
    if (block.padding) while (pad < n && pad - k < 2 && text.charCodeAt(pad) === 61) pad++;
    if (w === 0 || isB64(pad) || pad - j > width) return end;
    if (w === width && pad === k) {
      end = k; // a full line: the block may go on
      continue;
    }
    // A shorter line (or one with padding) is the last; a longer one is not part of the block.
    return block.padding && (pad - j) % 4 === 1 ? end : pad;
  }
}

/** Hex digits in `text[start, end)` (a wrapped hex block: digits, line breaks, indentation). */
function hexDigits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if ((classOf(text.charCodeAt(i)) & 2) !== 0) n++;
  return n;
}

/** Value of each hex digit's char code, 0 elsewhere (callers check the class first). */
const HEX_VALUE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9a-fA-F]/.test(ch)) HEX_VALUE[c] = parseInt(ch, 16);
}
const isHexAt = (text: string, at: number): boolean => (classOf(text.charCodeAt(at)) & 2) !== 0;

/**
 * Characters of a URL or form value a percent run is made of: printable ASCII but space, quotes, `<>`, backslash and
 * the characters YAML, JSON and shells put around a value (`{}[],`), so a run stops where the value does.
 */
const URL_CHAR = new Uint8Array(128);
for (let c = 33; c < 127; c++) if (!'"\'`<>\\{}[],|^'.includes(String.fromCharCode(c))) URL_CHAR[c] = 1;
const isUrlChar = (text: string, at: number): boolean => {
  const c = text.charCodeAt(at);
  return c < 128 && URL_CHAR[c] === 1;
};
/** Shortest percent run decoded: a token of a dozen characters with one escaped (`ghp%5F…`). */
const MIN_PERCENT_RUN = 12;

/**
 * Stretches of URL characters holding at least one `%XX` escape, at least MIN_PERCENT_RUN long: a token URL-encoded
 * whole (`%67%68%70…`) or in part (`ghp%5F…`, `?token=…`). Linear: the search jumps from `%` to `%`, and each run is
 * read once, the next search starting after it.
 */
export function percentRuns(text: string): PercentRun[] {
  const out: PercentRun[] = [];
  const n = text.length;
  let from = 0;
  while (out.length < MAX_RUNS) {
    const at = text.indexOf('%', from);
    if (at === -1) break;
    if (!isHexAt(text, at + 1) || !isHexAt(text, at + 2)) {
      from = at + 1;
      continue;
    }
    let start = at;
    while (start > from && isUrlChar(text, start - 1)) start--;
    let end = at + 3;
    while (end < n && isUrlChar(text, end)) end++;
    from = end;
    if (end - start >= MIN_PERCENT_RUN) out.push(new PercentRun(text, start, end));
  }
  return out;
}

/** Value of each base64 character code (standard alphabet), -1 elsewhere. */
const B64_VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((ch, i) => {
  B64_VALUE[ch.charCodeAt(0)] = i;
});

/** First byte of every container privateKeyKind recognises: JKS, JCEKS, KeePass, OpenSSH (`o`), DER SEQUENCE. */
const KEY_FIRST_BYTES = new Set([0xfe, 0xce, 0x03, 0x6f, 0x30]);
/** First two bytes of the archives the scan unpacks (unpack.ts): gzip, zip (and a zlib header). Compressed bytes look random. */
const ARCHIVE_MAGIC = new Set([0x1f8b, 0x504b]);

/** Bytes judged by bytesInert: 12, four base64 groups or 24 hex digits. */
const PREFIX_BYTES = 12;
const PREFIX = new Uint8Array(PREFIX_BYTES);
const PREFIX_CHARS = 16;

/**
 * `text[start, end)` (a run: alphabet characters, then at most two `=`) decodes to random-looking bytes, judged on its
 * first 12 bytes (bytesInert).
 */
function prefixInert(text: string, start: number, end: number): boolean {
  let alpha = end - start;
  while (alpha > 0 && text.charCodeAt(start + alpha - 1) === 61) alpha--;
  if (alpha < PREFIX_CHARS) return false;
  const prefix = PREFIX;
  for (let g = 0; g < PREFIX_CHARS; g += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(start + g + k);
      const d = c < 128 ? B64_VALUE[c] : -1;
      if (d < 0) return false; // not a plain run after all: decode it the usual way
      v = (v << 6) | d;
    }
    const at = (g / 4) * 3;
    prefix[at] = (v >> 16) & 0xff;
    prefix[at + 1] = (v >> 8) & 0xff;
    prefix[at + 2] = v & 0xff;
  }
  return bytesInert(prefix, Math.ceil((alpha * 3) / 4));
}

/**
 * The first PREFIX_BYTES bytes of `total` decoded bytes are random-looking: a first byte no key container
 * (privateKeyKind) starts with, and more unprintable bytes other than NUL than asText allows the whole length (the
 * allowance taken from an upper bound of the length, so the prefix never refuses what the whole would accept); never
 * for an archive's magic or a zlib header (its content is read). NULs do not count: UTF-16 text is half NULs, and decoded() reads
 * the text between them (binaryStrings); a ConfigMap's binaryData of a UTF-16 credentials file passed unread when
 * they did.
 */
function bytesInert(prefix: Uint8Array, total: number): boolean {
  if (KEY_FIRST_BYTES.has(prefix[0]) || ARCHIVE_MAGIC.has((prefix[0] << 8) | prefix[1]) || isZlib(prefix)) return false;
  if (opaqueCompressed(prefix) !== undefined) return false; // reported as content that cannot be read
  const allowed = Math.floor(total * 0.03);
  let unprintable = 0;
  for (let i = 0; i < PREFIX_BYTES; i++) {
    const b = prefix[i];
    if (b !== 0 && ((b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 127) && ++unprintable > allowed) return true;
  }
  return false;
}

const UTF8 = new TextDecoder('utf-8');

/** The decoded bytes as text when they are text (valid UTF-8, no NUL, almost all printable), else undefined. */
export function asText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  // At most 3% non-printable bytes: stop at the first one over that (random bytes, the usual case, stop early).
  const allowed = Math.floor(bytes.length * 0.03);
  let unprintable = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0) return undefined;
    if ((b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 127) {
      if (++unprintable > allowed) return undefined;
    }
  }
  // Not UTF-8: binary, which callers check for key material before asking for text. Tested, not caught: random
  // bytes pass the printable test often enough that a throwing decoder's exceptions were ~10% of a tree scan.
  return isUtf8(bytes) ? UTF8.decode(bytes) : undefined;
}

/** Shortest run of characters binaryStrings keeps (`strings` keeps 4; a credential is longer than this). */
const MIN_STRING_RUN = 8;

/**
 * The text a binary holds, for the patterns: its bytes with every NUL dropped, split at every other byte that is not
 * printable ASCII, the runs of at least MIN_STRING_RUN characters joined by newlines; undefined when there is none.
 * Dropping NULs first turns UTF-16 text of ASCII characters (either byte order, no BOM: a BOM makes it text, see
 * files.ts) and NUL-padded text into their characters: a secret written as UTF-16 into a file a configMapGenerator
 * deploys passed as "binary, not scanned" (kustomize copies the bytes into the ConfigMap as they are).
 * Compressed content (gzip, zip) is unpacked before this (unpack.ts); other compressed content stays unread.
 */
export function binaryStrings(bytes: Uint8Array): string | undefined {
  const out = Buffer.allocUnsafe(bytes.length + 1);
  let n = 0;
  let runStart = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? bytes[i] : 10;
    if (b === 0) continue;
    if ((b >= 0x20 && b < 0x7f) || b === 9) {
      out[n++] = b;
      continue;
    }
    // A run ends: kept (with a newline) when long enough, else taken back.
    if (n - runStart >= MIN_STRING_RUN) {
      out[n++] = 10;
      runStart = n;
    } else n = runStart;
  }
  return n === 0 ? undefined : out.toString('latin1', 0, n);
}

const OID_PKCS5 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
const OID_PKCS12_PBE = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c];
const OID_PKCS7_DATA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const MAGIC_JKS = [0xfe, 0xed, 0xfe, 0xed];
const MAGIC_JCEKS = [0xce, 0xce, 0xce, 0xce];
const MAGIC_KEEPASS = [0x03, 0xd9, 0xa2, 0x9a];
const MAGIC_OPENSSH = [...Buffer.from('openssh-key-v1\0', 'latin1')];

function startsWith(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  if (at + magic.length > bytes.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

function contains(bytes: Uint8Array, magic: readonly number[], within: number): boolean {
  const limit = Math.min(bytes.length, within);
  for (let i = 0; i + magic.length <= limit; i++) if (startsWith(bytes, i, magic)) return true;
  return false;
}

/** Offset after a DER SEQUENCE header at `at` (short or long form), or -1. */
function afterSequence(bytes: Uint8Array, at: number): number {
  if (bytes[at] !== 0x30) return -1;
  const l = bytes[at + 1];
  if (l === undefined) return -1;
  if (l < 0x80) return at + 2;
  const k = l & 0x7f;
  return k >= 1 && k <= 4 ? at + 2 + k : -1;
}

/**
 * What private-key container the bytes are, by content: PKCS#8 (plain or encrypted), PKCS#1 RSA, SEC1 EC,
 * PKCS#12, Java key stores (JKS, JCEKS), an OpenSSH key, a KeePass database. undefined for anything else
 * (certificates and public keys are not private keys: their DER does not start with a version INTEGER).
 */
export function privateKeyKind(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, 0, MAGIC_JKS)) return 'JKS key store';
  if (startsWith(bytes, 0, MAGIC_JCEKS)) return 'JCEKS key store';
  if (startsWith(bytes, 0, MAGIC_KEEPASS)) return 'KeePass database';
  if (startsWith(bytes, 0, MAGIC_OPENSSH)) return 'OpenSSH private key';
  const inner = afterSequence(bytes, 0);
  if (inner === -1 || inner >= bytes.length) return undefined;
  // version INTEGER first
  if (bytes[inner] === 0x02 && bytes[inner + 1] === 0x01) {
    const version = bytes[inner + 2];
    const next = inner + 3;
    if (version === 0x03 && contains(bytes, OID_PKCS7_DATA, 64)) return 'PKCS#12 key store';
    if (version === 0x00 && bytes[next] === 0x30) return 'PKCS#8 private key';
    if (version === 0x00 && bytes[next] === 0x02) return 'PKCS#1 RSA private key';
    if (version === 0x01 && bytes[next] === 0x04) return 'EC private key';
    if (version === 0x01 && bytes[next] === 0x30) return 'PKCS#8 private key';
    return undefined;
  }
  // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { OID pbes2/pkcs12-pbe … } OCTET STRING }
  if (bytes[inner] === 0x30 && (contains(bytes, OID_PKCS5, 32) || contains(bytes, OID_PKCS12_PBE, 32)))
    return 'encrypted PKCS#8 private key';
  return undefined;
}

/** Byte counts of byteEntropy, reused (one table per SealedSecret value was most of the check's garbage). */
const COUNTS = new Uint32Array(256);

/** Shannon entropy of bytes, bits per byte. */
export function byteEntropy(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  const counts = COUNTS.fill(0);
  for (let i = 0; i < bytes.length; i++) counts[bytes[i]]++;
  let h = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i];
    if (c === 0) continue;
    const p = c / bytes.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A SealedSecret `encryptedData` value is a 2-byte length, an RSA-OAEP-wrapped session key (≥ 256 bytes) and
 * AES-GCM ciphertext: base64 of at least ~270 random bytes. Anything shorter, not base64, text, or of low
 * entropy is a value someone put there by hand.
 */
export function looksSealed(value: string): boolean {
  // kubeseal writes one unbroken line: checked as it is, in one pass; the whitespace-stripping copy is made only
  // for a value that is not plain padded base64 and has whitespace or non-ASCII characters (the RegExp decides).
  let compact = value;
  if (!isPaddedBase64(value)) {
    if (!hasSpaceOrNonAscii(value)) return false;
    compact = value.replace(/\s+/g, '');
    if (!isPaddedBase64(compact)) return false;
  }
  if (compact.length < 300) return false;
  const bytes = Buffer.from(compact.slice(0, compact.length - (compact.length % 4)), 'base64');
  if (asText(bytes) !== undefined) return false;
  return byteEntropy(bytes) >= 7;
}

/** Any character `\s` may match: ASCII tab to CR and space, or anything non-ASCII (then the RegExp decides). */
function hasSpaceOrNonAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c >= 128) return true;
  }
  return false;
}

/** `/^[A-Za-z0-9+/]+={0,2}$/` as one loop over char codes. */
function isPaddedBase64(s: string): boolean {
  let end = s.length;
  while (end > 0 && s.length - end < 2 && s.charCodeAt(end - 1) === 61) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) if ((classOf(s.charCodeAt(i)) & 1) === 0) return false;
  return true;
}
