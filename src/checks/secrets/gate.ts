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
 * Second, per window: the gate knows where each reading of a value starts (after `:` or `:=`, quoted or bare), and
 * the value the regex would capture there is fixed by the text (a bare value is the longest run of value characters,
 * cut at the window's end; a quoted one runs to its closing quote). When every such value is one the generic rule
 * drops anyway (too long — a SealedSecret's `password: AgB…` ciphertext —, a name, a placeholder), the capture pass,
 * re2js's slowest engine, is skipped: it would only produce candidates that are then refused.
 *
 * Linear: hits are sorted, and every hit inside the key run of the previous hit shares its verdict, so each key
 * character is read once; past the key the gate reads a bounded number of characters plus blanks, and the blank
 * stretches after distinct key runs are disjoint. The value check reads at most a few windows' worth per window.
 */

import { looksLikeGenericSecret } from './text.js';

/** Shortest value of the generic rules (`{6,}` in QUOTED_VALUE of secret-patterns.ts). */
export const MIN_GENERIC_VALUE = 6;

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

/** A value of the generic rules starts at `v`: `"…"`, `'…'` (6 characters before the quote or line end) or 6 bare. */
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

/** The keyword hits of one text after which an assignment follows (sorted), with where their values start. */
export interface GatedHits {
  text: string;
  hits: number[];
  /** Per hit, two value starts (one per reading of the operator; -1: no second reading). */
  values: number[];
}

/** Most hits whose values are read for the capture skip; a window with more goes to RE2 as it is. */
const MAX_VALUE_CHECKS = 4;

/**
 * After the key's end `e`: `["']?[ \t]*(:=|=>|=|:)[ \t]*` then a value. Returns the value starts of the readings
 * that can match (a one-character operator; the two-character one, `:=` or `=>`, is the other reading of the same
 * text), -1 for none; `out[0] === -1`: no reading can match here.
 */
function tail(text: string, e: number, steps: { n: number }, out: [number, number]): void {
  const n = text.length;
  out[0] = out[1] = -1;
  let i = e;
  let c = text.charCodeAt(i);
  if (c === 34 || c === 39) c = text.charCodeAt(++i);
  while (i < n && isBlank(c)) c = text.charCodeAt(++i);
  steps.n += i - e + 1;
  if (c !== 58 /* : */ && c !== 61 /* = */) return;
  const second = text.charCodeAt(i + 1);
  const two = (c === 58 && second === 61) || (c === 61 && second === 62);
  for (const after of two ? [i + 1, i + 2] : [i + 1]) {
    let v = after;
    while (v < n && isBlank(text.charCodeAt(v))) v++;
    steps.n += v - after + MIN_GENERIC_VALUE + 1;
    if (!valueAt(text, v)) continue;
    if (out[0] === -1) out[0] = v;
    else out[1] = v;
  }
}

/**
 * The hits (sorted keyword starts) after which an assignment follows. `steps.n` grows by the characters read:
 * the linear-time evidence of the tests.
 */
export function gatedHits(text: string, hits: readonly number[], steps: { n: number }): GatedHits {
  const out: GatedHits = { text, hits: [], values: [] };
  const readings: [number, number] = [-1, -1];
  let runEnd = -1;
  for (const p of hits) {
    if (p >= runEnd) {
      let e = p;
      while (e < text.length && isKeyChar(text.charCodeAt(e))) e++;
      steps.n += e - p;
      if (e === p) {
        // A hit that is not on a key character (cannot happen for the gated keywords): keep it, values unknown.
        readings[0] = readings[1] = -2;
        runEnd = p + 1;
      } else {
        tail(text, e, steps, readings);
        runEnd = e;
      }
    }
    if (readings[0] !== -1) {
      out.hits.push(p);
      out.values.push(readings[0], readings[1]);
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
 * The value the generic pattern captures at `v` when the search text ends at `end`, or undefined when none: a quoted
 * value runs to its closing quote (no line break, the quote inside the text), a bare one is the longest run of
 * characters outside `\s"'\x60,;{}[]` (RE2's `\s` is `[\t\n\f\r ]`); at least 6 characters either way.
 */
function capturedValue(text: string, v: number, end: number): string | undefined {
  const q = text.charCodeAt(v);
  let k: number;
  let from = v;
  if (q === 34 || q === 39) {
    from = v + 1;
    k = from;
    while (k < end && text.charCodeAt(k) !== q && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) k++;
    if (k >= end || text.charCodeAt(k) !== q) return undefined;
  } else {
    k = v;
    while (k < end && !endsUnquoted(text.charCodeAt(k))) k++;
  }
  return k - from >= MIN_GENERIC_VALUE ? text.slice(from, k) : undefined;
}

/**
 * Whether every value the regex could capture in the window `[s, e)` is one the generic rule refuses, so its capture
 * pass can be skipped. `from` is a cursor into the hits, advanced past `s`.
 */
export function allRejectable(
  g: GatedHits,
  s: number,
  e: number,
  from: { h: number },
  stopWords: readonly string[] | undefined,
  shortPasswords = false,
): boolean {
  while (from.h < g.hits.length && g.hits[from.h] < s) from.h++;
  let last = from.h;
  while (last < g.hits.length && g.hits[last] < e) last++;
  if (last - from.h > MAX_VALUE_CHECKS) return false;
  for (let h = from.h; h < last; h++) {
    for (const v of [g.values[2 * h], g.values[2 * h + 1]]) {
      if (v === -2) return false;
      if (v === -1) continue;
      const value = capturedValue(g.text, v, e);
      if (value !== undefined && looksLikeGenericSecret(value, stopWords, shortPasswords)) return false;
    }
  }
  return true;
}
