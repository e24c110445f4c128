/**
 * The assignment gate of the generic rules (`password: value`, `API_TOKEN=value`): a cheap necessary condition,
 * checked at each keyword hit, for the RE2 pattern `(?i)(KEY* keyword KEY*)["']?[ \t]*(:=|=>|=|:)[ \t]*VALUE` to
 * match there. Most hits of `token`, `secret` or `password` in a repository are prose, references (`secretKeyRef:
 * {…}`), names (`DB_PASSWORD`) and short settings (`TOKEN_TTL: 24h`): the regex never matches them, yet running
 * it on their windows was most of the detector's time. A window is handed to RE2 only when one of its hits passes.
 *
 * Why it is exact (proven by the differential tests): a match holds its keyword at some hit `p`; from `p` the
 * characters up to the key's end are key characters (the keywords are made of them), the key ends at the first
 * non-key character (quote, blank and operator are not key characters), and then come the optional quote, blanks,
 * the operator, blanks and the value's first 8 characters — all inside the match, so all in the text the gate reads.
 * Every character class below is the regex's own class or a superset of it (the gate may only say yes too often):
 * `(?i)` lets `[A-Za-z]` match U+017F (long s) and U+212A (Kelvin sign), so those count as key characters too.
 *
 * Linear: hits are sorted, and every hit inside the key run of the previous hit shares its verdict, so each key
 * character is read once; past the key the gate reads a bounded number of characters plus blanks, and the blank
 * stretches after distinct key runs are disjoint.
 */

import { MAX_GENERIC_SECRET } from './text.js';

/** Shortest value of the generic rules (`{8,}` in QUOTED_VALUE of secret-patterns.ts). */
export const MIN_GENERIC_VALUE = 8;

/** `[A-Za-z0-9_.-]` under `(?i)`. */
export function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 45 ||
    c === 0x17f ||
    c === 0x212a
  );
}

const isBlank = (c: number): boolean => c === 32 || c === 9;

/**
 * Characters the unquoted value `[^\s"'\x60,;{}\[\]]` refuses. RE2's `\s` is `[\t\n\f\r ]`; a smaller set here
 * would only make the gate say yes more often.
 */
function endsUnquoted(c: number): boolean {
  switch (c) {
    case 9:
    case 10:
    case 12:
    case 13:
    case 32:
    case 34:
    case 39:
    case 96:
    case 44:
    case 59:
    case 123:
    case 125:
    case 91:
    case 93:
      return true;
    default:
      return false;
  }
}

/** A value of the generic rules starts at `v`: `"…"`, `'…'` (8 characters before the quote or line end) or 8 bare. */
function valueAt(text: string, v: number): boolean {
  const n = text.length;
  const q = text.charCodeAt(v);
  if (q === 34 || q === 39) {
    let k = 0;
    for (let i = v + 1; i < n && k < MIN_GENERIC_VALUE; i++, k++) {
      const c = text.charCodeAt(i);
      if (c === q || c === 10 || c === 13) return false;
    }
    return k >= MIN_GENERIC_VALUE;
  }
  let k = 0;
  for (let i = v; i < n && k < MIN_GENERIC_VALUE; i++, k++) if (endsUnquoted(text.charCodeAt(i))) return false;
  return k >= MIN_GENERIC_VALUE;
}

/** Where a run of "clean" value characters starting at a position ends, cached: queries come in increasing order, so
 * each character is read once per kind. Clean: printable ASCII that `trim()` keeps and that cannot end the value. */
class CleanRuns {
  private start = -1;
  private end = -1;

  constructor(
    private readonly text: string,
    /** The quote that ends the value (34, 39), or 0 for an unquoted value. */
    private readonly quote: number,
  ) {}

  endFrom(v: number, steps: { n: number }): number {
    if (v >= this.start && v < this.end) return this.end;
    const { text, quote } = this;
    let i = v;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c <= 32 || c >= 127 || (quote === 0 ? endsUnquoted(c) : c === quote)) break;
    }
    steps.n += i - v + 1;
    this.start = v;
    this.end = i;
    return i;
  }
}

interface Readers {
  text: string;
  bare: CleanRuns;
  double: CleanRuns;
  single: CleanRuns;
  steps: { n: number };
}

/**
 * After the key's end `e`: `["']?[ \t]*(:=|=>|=|:)[ \t]*` then a value. `ok`: some reading can match.
 * `rejectableBy`: every value the regex can read here is longer than MAX_GENERIC_SECRET (so the generic rule drops
 * it) in any window that reaches that offset; Infinity when some reading may be short enough.
 */
function tail(r: Readers, e: number): { ok: boolean; rejectableBy: number } {
  const { text, steps } = r;
  const n = text.length;
  let i = e;
  let c = text.charCodeAt(i);
  if (c === 34 || c === 39) c = text.charCodeAt(++i);
  while (i < n && isBlank(c)) c = text.charCodeAt(++i);
  steps.n += i - e + 1;
  if (c !== 58 /* : */ && c !== 61 /* = */) return NO;
  const second = text.charCodeAt(i + 1);
  // A one-character operator; the two-character one (`:=`, `=>`) is the other reading of the same text.
  const two = (c === 58 && second === 61) || (c === 61 && second === 62);
  const one = reading(r, i + 1);
  const other = two ? reading(r, i + 2) : -Infinity;
  // Neither reading can match: no verdict object per hit (prose has thousands of `token` hits).
  if (one === -Infinity && other === -Infinity) return NO;
  return { ok: true, rejectableBy: Math.max(one, other) };
}

const NO = { ok: false, rejectableBy: Infinity };

/** The value read after the operator ending at `after`: -Infinity when it cannot match, else its `longValueBy`. */
function reading(r: Readers, after: number): number {
  const { text } = r;
  let v = after;
  while (v < text.length && isBlank(text.charCodeAt(v))) v++;
  r.steps.n += v - after + MIN_GENERIC_VALUE + 1;
  return valueAt(text, v) ? longValueBy(r, v) : -Infinity;
}

/**
 * A value starting at `v` is longer than MAX_GENERIC_SECRET once the window reaches the returned offset.
 * Quoted: when the first MAX+1 characters after the quote are clean, the value either never closes inside the
 * window (no match) or is longer than MAX: any window (0). Bare: the value runs to the window's end at most, so the
 * window must reach `v + MAX + 1`. Clean characters are never removed by `trim()`, so the trimmed value is as long.
 */
function longValueBy(r: Readers, v: number): number {
  const q = r.text.charCodeAt(v);
  if (q === 34 || q === 39) {
    const runs = q === 34 ? r.double : r.single;
    return runs.endFrom(v + 1, r.steps) - (v + 1) > MAX_GENERIC_SECRET ? 0 : Infinity;
  }
  return r.bare.endFrom(v, r.steps) - v > MAX_GENERIC_SECRET ? v + MAX_GENERIC_SECRET + 1 : Infinity;
}

/** The keyword hits of one text after which an assignment follows (sorted), with their `rejectableBy` offsets. */
export interface GatedHits {
  hits: number[];
  rejectableBy: number[];
}

/**
 * The hits (sorted keyword starts) after which an assignment follows. `steps.n` grows by the characters read:
 * the linear-time evidence of the tests.
 */
export function gatedHits(text: string, hits: readonly number[], steps: { n: number }): GatedHits {
  const out: GatedHits = { hits: [], rejectableBy: [] };
  const r: Readers = {
    text,
    bare: new CleanRuns(text, 0),
    double: new CleanRuns(text, 34),
    single: new CleanRuns(text, 39),
    steps,
  };
  let runEnd = -1;
  let verdict = NO;
  for (const p of hits) {
    if (p >= runEnd) {
      let e = p;
      while (e < text.length && isKeyChar(text.charCodeAt(e))) e++;
      steps.n += e - p;
      // A hit that is not on a key character (cannot happen for the gated keywords) keeps its window: say yes.
      verdict = e === p ? { ok: true, rejectableBy: Infinity } : tail(r, e);
      runEnd = e === p ? p + 1 : e;
    }
    if (verdict.ok) {
      out.hits.push(p);
      out.rejectableBy.push(verdict.rejectableBy);
    }
  }
  return out;
}

/** The windows `[s0, e0, s1, e1, …]` that hold at least one of the sorted `hits`. */
export function windowsWithHits(windows: readonly number[], hits: readonly number[]): number[] {
  const out: number[] = [];
  let h = 0;
  for (let w = 0; w < windows.length; w += 2) {
    const s = windows[w];
    const e = windows[w + 1];
    while (h < hits.length && hits[h] < s) h++;
    if (h < hits.length && hits[h] < e) out.push(s, e);
  }
  return out;
}

/**
 * Whether every match the regex can find in the window `[s, e)` reads a value the generic rule drops (too long):
 * every gated hit inside it has `rejectableBy <= e`. `from` is a cursor into the hits, advanced past `s`.
 */
export function allRejectable(g: GatedHits, s: number, e: number, from: { h: number }): boolean {
  while (from.h < g.hits.length && g.hits[from.h] < s) from.h++;
  for (let h = from.h; h < g.hits.length && g.hits[h] < e; h++) if (g.rejectableBy[h] > e) return false;
  return true;
}
