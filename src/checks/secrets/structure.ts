/**
 * Whether a text needs the structural walk (a full YAML parse), decided by one linear pass over its lines.
 *
 * The text patterns always run; the walk adds what they cannot see: Secret data (base64), SealedSecret and
 * ExternalSecret context, generator entries, env entries whose name and value sit on two lines, values below their
 * key (block scalars, a comment before the value, a quoted scalar continued on the next line), aliases and merge
 * keys, escapes. This used to be a handful of backtracking RegExps over the whole file (`name:…\n…value:`), which
 * took seconds per 100 KB of crafted `: ` runs. Here every character is read a bounded number of times: a fixed
 * set of `includes` probes, then one left-to-right pass in which each line is read in place (offsets, no copies),
 * and `steps` counts the characters read so a test can prove the growth is linear.
 */

import { FOREIGN_PASSWORD_WORDS } from '../../rules/secret-patterns.js';
import { foldCredentialKeys } from './fold.js';

/**
 * Lowercase words that make a key (or an env entry's name) a credential name: `pass` covers `password`, `passwd`,
 * `passphrase` and `SMTP_PASS`; `pw` covers `pwd` and LDAP's `bindPW`/`rootpw`.
 */
const CRED_WORDS = ['pass', 'pw', 'secret', 'token', 'key', 'credential', 'auth', ...FOREIGN_PASSWORD_WORDS];

/** Case-sensitive markers: any of them anywhere means the walk has something to read (searched by hasMarker). */
export const MARKERS = [
  'secretGenerator',
  'last-applied-configuration',
  'generators.external-secrets.io',
  '\\u',
  '\\U',
  '\\x',
  '<<', // merge key
  // aliases: an expansion can hide anything (and a crafted one is a guard finding only a parse can give)
  ': *',
  '- *',
  '[*',
  ', *',
];

export interface StructureDecision {
  needed: boolean;
  /** Characters read (probes and the line pass): the linear-time evidence. */
  steps: number;
}

/**
 * One line as offsets into the text (no slices: a line object and three strings per line were a fifth of the tree
 * scan's allocations). Two of these are reused for the whole pass (this line and the previous one).
 */
interface LineInfo {
  /** Key range of a `key: value` line (empty when the line is not one), as written; compared case-insensitively. */
  keyStart: number;
  keyEnd: number;
  /** Value text after the colon, comments included, trimmed (the whole trimmed line when there is no key). */
  valueStart: number;
  valueEnd: number;
  /** The line opens a flow collection (`- {name: X, value: y}`). */
  flow: boolean;
  /** The line starts a sequence item (`- name: X`): its key opens a new mapping. */
  item: boolean;
}

const newLine = (): LineInfo => ({ keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, flow: false, item: false });

/**
 * `lines: 'credential'` (the default) reads only the lines where a check can fire; `'all'` reads every line (the
 * differential tests' control, test/secrets/structure.test.ts). Every line check needs a credential word on the line
 * or on the content line before it (an open credential key, an env pair), or a backslash (an escaped line break). In
 * an ASCII text without a backslash, the credential words are found by one native search, and a run of lines without
 * any — most of a manifest — is skipped: reading such a line only makes it the next line's `prev`, so the last content
 * line of the run is read instead. Any other text gets the full pass (`hasCredWordIn` lowercases non-ASCII keys:
 * the Kelvin sign lowers to `k`).
 */
export function needsStructure(
  text: string,
  textMatched: boolean,
  options: { lines?: 'credential' | 'all' } = {},
): StructureDecision {
  let steps = 0;
  if (textMatched) return { needed: true, steps };
  // A credential key spelled outside ASCII (`пароль: |`, `ｐａｓｓｗｏｒｄ:` over a block scalar) is decided as the
  // ASCII key it spells (fold.ts; same offsets), so its value below the key is walked.
  if (NON_ASCII.test(text)) text = foldCredentialKeys(text) ?? text;
  // An escape in a double-quoted scalar spells characters the line patterns read as a backslash and letters:
  // `"gh\x70_…"` is a GitHub token, `"…\/…"` (JSON's slash) an AWS secret key with a `/`, `"a\0w\0s…"` UTF-16 text.
  // Only the parse decodes them, whatever the key is called.
  steps += text.length;
  if (text.indexOf('\\') !== -1 && CHAR_ESCAPE.test(text)) return { needed: true, steps };
  const kind = secretWordOutsideKey(text);
  steps += kind.steps;
  if (kind.found) return { needed: true, steps };
  steps += 2 * text.length;
  if (hasMarker(text)) return { needed: true, steps };
  // Every line check needs a key (`:`), a flow collection or an escaped line break: prose without any is done.
  steps += 4 * text.length;
  if (text.indexOf(':') === -1 && text.indexOf('{') === -1 && text.indexOf('[') === -1 && text.indexOf('\\') === -1)
    return { needed: false, steps };
  let credAt: number[] | undefined;
  if ((options.lines ?? 'credential') === 'credential' && text.indexOf('\\') === -1 && !NON_ASCII.test(text)) {
    steps += 2 * text.length;
    credAt = [];
    CRED_ANYWHERE.lastIndex = 0;
    for (let m = CRED_ANYWHERE.exec(text); m !== null; m = CRED_ANYWHERE.exec(text)) credAt.push(m.index);
    if (credAt.length === 0) return { needed: false, steps };
  }
  // Lines are read in the text as it is, as offsets, and words are compared case-insensitively in place: a lowercase
  // copy of every file, then a line object with three slices per line, were most of the scan's garbage.
  let cur = newLine();
  let prev = newLine();
  const colons: ColonCursor = { at: -2 };
  // `{` and `[` found by native searches shared by every line (a loop over every value was a fifth of the pass).
  const braces: CharCursor = { at: -2, char: '{' };
  const brackets: CharCursor = { at: -2, char: '[' };
  let hasPrev = false;
  /** A credential key whose value is not on its own line: decided by the next line. */
  let openCredKey = false;
  /** The previous content line holds a credential word (its next content line is read). */
  let prevCred = false;
  let k = 0;
  let start = 0;
  while (start <= text.length) {
    if (credAt !== undefined) {
      while (k < credAt.length && credAt[k] < start) k++;
      if (!openCredKey && !prevCred) {
        // Nothing can fire before the next credential word's line: its previous content line becomes `prev`.
        if (k === credAt.length) break;
        const lineStart = text.lastIndexOf('\n', credAt[k]) + 1;
        if (lineStart > start) {
          const last = lastContentLine(text, start, lineStart);
          steps += lineStart - start;
          if (last !== -1 && readLine(text, last, text.indexOf('\n', last), cur, colons)) {
            const read = cur;
            cur = prev;
            prev = read;
            hasPrev = true;
          }
          start = lineStart;
        }
      }
    }
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // Each character of the line is read at most about three times (indexOf probes, the trim, one value probe).
    steps += 3 * (end - start + 1);
    if (readLine(text, start, end, cur, colons)) {
      const info = cur;
      const keyed = info.keyEnd > info.keyStart;
      if (openCredKey && !keyed && !info.flow) return { needed: true, steps };
      openCredKey = false;
      const vs = info.valueStart;
      const ve = info.valueEnd;
      // A flow collection anywhere in the line (`- {name: API_TOKEN, value: x}`, `env: [{name: …, value: x}]`,
      // nested in `containers: [{…}]`) with a credential word: its env pairs need the parse when `value` is on the
      // line, or when the collection goes on below (`[{name: API_TOKEN,` then `value: x}]`).
      const flowAt = info.flow ? vs : firstFlowOpen(text, braces, brackets, vs, ve);
      if (
        flowAt !== -1 &&
        hasCredWordIn(text, vs, ve) &&
        (includesLower(text, vs, ve, 'value') || flowOpenAtEnd(text, flowAt, ve) || optionIn(text, flowAt, ve))
      )
        return { needed: true, steps };
      // `- --replication-password` with its value as the next item (or `["--api-key", "x"]` above, an option in a
      // flow collection with a credential word): the walk pairs an option with the item after it.
      if (info.item && !keyed && isOptionAt(text, vs, ve) && hasCredWordIn(text, vs, ve))
        return { needed: true, steps };
      if (keyed && hasCredWordIn(text, info.keyStart, info.keyEnd)) {
        // `password: |`, `token: >-`, `key: *alias`, `secret: !!binary`, `password: "abc\` (escaped line break)
        const c = vs < ve ? text[vs] : '';
        if (
          c === '|' ||
          c === '>' ||
          c === '*' ||
          c === '!' ||
          c === '&' ||
          (ve > vs && text.charCodeAt(ve - 1) === 92) ||
          unclosedQuote(text, vs, ve)
        )
          return { needed: true, steps };
        // `password:` or `password: # note` with the value on the next line (or a nested map: then harmless)
        if (vs === ve || c === '#') openCredKey = true;
      }
      // `- name: DB_PASSWORD` next to `value: …` (either order)
      if (hasPrev && isEnvPair(text, prev, info)) return { needed: true, steps };
      // Any double-quoted scalar continued by an escaped line break may join a token the line patterns miss.
      if (ve > vs && text.charCodeAt(ve - 1) === 92 && indexIn(text, vs, ve, 34) !== -1) return { needed: true, steps };
      cur = prev;
      prev = info;
      hasPrev = true;
      prevCred = credAt !== undefined && k < credAt.length && credAt[k] < end;
    }
    start = end + 1;
  }
  return { needed: false, steps };
}

/**
 * A credential word anywhere (case-insensitive, ASCII texts only): the words `hasCredWordIn` looks for. Leftmost
 * matches never cross a line break, so every line holding a word holds a match.
 */
const CRED_ANYWHERE = new RegExp(CRED_WORDS.join('|'), 'gi');

/**
 * One of MARKERS in the text, by native searches for their rare characters (`\`, `*`, `<`) rather than one search
 * per marker: `: *` and `- *` start with characters found on every line, which made those searches crawl.
 */
export function hasMarker(text: string): boolean {
  if (text.indexOf('<<') !== -1 || text.indexOf('secretGenerator') !== -1) return true;
  if (text.indexOf('last-applied-configuration') !== -1) return true;
  // A Fake generator's values are Secret values under any key name (walk.ts externalSecretLiterals).
  if (text.indexOf('generators.external-secrets.io') !== -1) return true;
  for (let p = text.indexOf('\\'); p !== -1; p = text.indexOf('\\', p + 1)) {
    const c = text.charCodeAt(p + 1);
    if (c === 117 /* u */ || c === 85 /* U */ || c === 120 /* x */) return true;
  }
  if (explicitKeyIn(text)) return true;
  for (let p = text.indexOf('*'); p !== -1; p = text.indexOf('*', p + 1)) {
    const b = text.charCodeAt(p - 1);
    if (b === 91 /* [ */) return true;
    if (b === 32 && p >= 2) {
      const a = text.charCodeAt(p - 2);
      if (a === 58 /* : */ || a === 45 /* - */ || a === 44 /* , */) return true;
    }
  }
  return false;
}

/**
 * An explicit key (`? password` on its line, `: value` on the next, also as a list item `- ? key`): no line shows
 * `key: value`, so only the parse pairs them. A `?` in a URL or a sentence is followed by a character or preceded
 * by one.
 */
function explicitKeyIn(text: string): boolean {
  for (let p = text.indexOf('?'); p !== -1; p = text.indexOf('?', p + 1)) {
    const next = p + 1 < text.length ? text.charCodeAt(p + 1) : 10;
    if (next !== 32 && next !== 9 && next !== 10 && next !== 13) continue;
    let b = p - 1;
    while (b >= 0 && (text.charCodeAt(b) === 32 || text.charCodeAt(b) === 9 || text.charCodeAt(b) === 45)) b--;
    if (b < 0 || text.charCodeAt(b) === 10) return true;
  }
  return false;
}

/** Start of the last content line (readLine would say true) in the lines `[from, to)`, `to` a line start; or -1. */
function lastContentLine(text: string, from: number, to: number): number {
  let e = to - 1;
  while (e >= from) {
    const s = e === 0 ? 0 : text.lastIndexOf('\n', e - 1) + 1;
    const i = contentStart(text, s, e);
    let t = e;
    while (t > i && isBlank(text.charCodeAt(t - 1))) t--;
    if (i < t && text.charCodeAt(i) !== 35) return s;
    e = s - 1;
  }
  return -1;
}

/**
 * An item of the line `[from, to)` that starts like a command-line option: a `-` after a quote, `[`, `,` or a blank,
 * before a letter or another `-` (`"--api-key"`, `, -p`; not `external-secrets`, `}}-name` or `{{- if`).
 */
function optionIn(text: string, from: number, to: number): boolean {
  for (let p = indexIn(text, from, to, 45); p !== -1; p = indexIn(text, p + 1, to, 45)) {
    const before = text.charCodeAt(p - 1);
    const after = p + 1 < to ? text.charCodeAt(p + 1) : 0;
    const opens = before === 34 || before === 39 || before === 91 || before === 44 || isBlank(before);
    const letter = (after | 32) >= 97 && (after | 32) <= 122;
    if (opens && (after === 45 || letter)) return true;
  }
  return false;
}

/** The value `[vs, ve)` starts like a command-line option, quoted or not: `--token`, `"-p"`. */
function isOptionAt(text: string, vs: number, ve: number): boolean {
  const q = text.charCodeAt(vs);
  const at = q === 34 || q === 39 ? vs + 1 : vs;
  return at < ve && text.charCodeAt(at) === 45;
}

/** Past the indentation and the `- ` markers of the line `[start, end)`. */
function contentStart(text: string, start: number, end: number): number {
  let i = start;
  for (;;) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i < end && text.charCodeAt(i) === 45 /* - */ && (i + 1 === end || isBlank(text.charCodeAt(i + 1)))) {
      i++;
      continue;
    }
    return i;
  }
}

/**
 * Whether a kustomization file holds something only its parse can show, beyond what needsStructure looks for: a
 * secretGenerator (under any spelling kustomize's Go decoding accepts: any case, `ſ` for `s`), or an inline patch
 * whose lines are not the file's own lines — a quoted scalar with escapes or running over several lines (folded, so
 * its structure is not what the text shows). Block scalars (`patch: |-`) are the file's lines, indented: the
 * line-level checks read them as they read any manifest. Without any of these, kustomizations are parsed only when
 * needsStructure asks, like every other file (their parse was a quarter of the repository scan on the large bench
 * repo, issue 20). Conservative: any backslash, any character outside ASCII (a field name could be spelled with
 * one), any quote that may open a scalar it does not close on its line.
 */
export function kustomizationNeedsWalk(text: string): boolean {
  if (text.indexOf('\\') !== -1 || NON_ASCII.test(text)) return true;
  if (SECRET_GENERATOR.test(text)) return true;
  return openQuote(text);
}

const NON_ASCII = /[\u0080-\uffff]/;
/** YAML/JSON escapes that decode to a character other than an escaped quote, backslash or line break. */
const CHAR_ESCAPE = /\\[xuU0/N_LPae]/;
/** ASCII only here (anything else was refused above), so `i` is exactly Go's folding. */
const SECRET_GENERATOR = /secretgenerator/i;

/**
 * A quote that may start a scalar (at a line start, after a blank or one of `[{,:-?`) and is not closed on its line
 * (`''` inside single quotes is an escaped quote). Quotes are found by native searches and each one's closing quote
 * is searched from it to its line's end, after which the search goes on: every character is read about once. A quote
 * in a comment counts like any other (a needless parse at worst).
 */
function openQuote(text: string): boolean {
  const quotes: CharCursor = { at: -2, char: '"' };
  const apostrophes: CharCursor = { at: -2, char: "'" };
  const newlines: CharCursor = { at: -2, char: '\n' };
  let from = 0;
  for (;;) {
    const d = nextChar(text, quotes, from);
    const a = nextChar(text, apostrophes, from);
    const p = d === -1 ? a : a === -1 ? d : Math.min(d, a);
    if (p === -1) return false;
    const c = text.charCodeAt(p);
    const before = p === 0 ? 10 : text.charCodeAt(p - 1);
    if (!(isBlank(before) || before === 10 || OPENS_NODE.has(before))) {
      from = p + 1;
      continue;
    }
    const nl = nextChar(text, newlines, p);
    const end = nl === -1 ? text.length : nl;
    let q = p + 1;
    for (;;) {
      q = text.indexOf(c === 34 ? '"' : "'", q);
      if (q === -1 || q >= end) return true;
      if (c === 39 && text.charCodeAt(q + 1) === 39) {
        q += 2;
        continue;
      }
      break;
    }
    from = q + 1;
  }
}

/** `[ { , : - ?`: after these a quote may open a scalar. */
const OPENS_NODE = new Set([91, 123, 44, 58, 45, 63]);

/** `name: DB_PASSWORD` and `value: …` on consecutive lines of one mapping (a `- ` item on the second line starts
 * another mapping: `value: x` of one env entry followed by `- name: DB_PASSWORD` of the next is no pair). */
function isEnvPair(text: string, a: LineInfo, b: LineInfo): boolean {
  if (b.item) return false;
  return (isNamed(text, a) && isValueKey(text, b)) || (isValueKey(text, a) && isNamed(text, b));
}

/** `name: <credential word>` (top-level functions, not closures per line: those were garbage too). */
function isNamed(text: string, l: LineInfo): boolean {
  return equalsLower(text, l.keyStart, l.keyEnd, 'name') && hasCredWordIn(text, l.valueStart, l.valueEnd);
}

function isValueKey(text: string, l: LineInfo): boolean {
  return equalsLower(text, l.keyStart, l.keyEnd, 'value');
}

const SECRET_WORD = 'Secret';

/** `[A-Za-z0-9_.-]`: the characters of a key word such as `existingSecret` or `db.secretName`. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

/**
 * Whether `Secret` occurs anywhere other than inside a mapping key: `kind: Secret`, `SealedSecret`, `ExternalSecret`,
 * `SecretStore` as a value (after `kind:`, an anchor, a comment, in a flow mapping or JSON) all count; a Helm values
 * key such as `existingSecret:` does not (it names a Secret, it holds none, and it is in most values files). Each
 * occurrence is read to the end of its word and past an optional quote and spaces, and the next search starts there,
 * so every character is read at most twice.
 */
function secretWordOutsideKey(text: string): { found: boolean; steps: number } {
  let steps = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf(SECRET_WORD, from);
    steps += (at === -1 ? text.length : at + SECRET_WORD.length) - from;
    if (at === -1) return { found: false, steps };
    let k = at + SECRET_WORD.length;
    // `Secrets`, `Secretary`: prose (`# No Secrets here` above an RBAC Role), not a kind. The kinds the walk treats
    // apart (Secret, SealedSecret and external-secrets' ExternalSecret, SecretStore, PushSecret…) all end the word
    // or go on with a capital; a kind is compared whole and case-sensitively, so nothing else could be one.
    const next = text.charCodeAt(k);
    if (next >= 97 && next <= 122) {
      from = k;
      continue;
    }
    while (k < text.length && isWordChar(text.charCodeAt(k))) k++;
    let quoted = false;
    if (text[k] === '"' || text[k] === "'") {
      quoted = true;
      k++;
    }
    while (k < text.length && text.charCodeAt(k) === 32) k++;
    steps += k - at - SECRET_WORD.length;
    // A key: `word:` then a blank or the end (plain), or `"word":` followed by anything (JSON).
    const key =
      text[k] === ':' &&
      (quoted || k + 1 === text.length || isBlank(text.charCodeAt(k + 1)) || text.charCodeAt(k + 1) === 10);
    if (!key) return { found: true, steps };
    from = k + 1;
  }
}

/**
 * Whether `text[s, e)`, lowercased, contains a credential word: one pass, each position tried only against the words
 * that start with its letter (nine `includes` over every key were most of the pre-pass).
 */
function hasCredWordIn(text: string, s: number, e: number): boolean {
  for (let p = s; p < e; p++) {
    const c = text.charCodeAt(p);
    // `toLowerCase` maps the Kelvin sign to `k`; the long s (which RE2's `(?i)` reads as `s`) stays: mapped here.
    if (c >= 128)
      return hasCredWord(
        text
          .slice(s, e)
          .toLowerCase()
          .replace(/\u017f/g, 's'),
      );
    const words = CRED_BY_FIRST[c | 0x20];
    if (words !== undefined) for (const w of words) if (matchesLowerAt(text, p, e, w)) return true;
  }
  return false;
}

function hasCredWord(s: string): boolean {
  for (const w of CRED_WORDS) if (s.includes(w)) return true;
  return false;
}

/** CRED_WORDS by the char code of their first letter. */
const CRED_BY_FIRST: (string[] | undefined)[] = [];
for (const w of CRED_WORDS) (CRED_BY_FIRST[w.charCodeAt(0)] ??= []).push(w);

/** `text` at `p` (before `e`) spells the lowercase ASCII `word` in either case. */
function matchesLowerAt(text: string, p: number, e: number, word: string): boolean {
  if (e - p < word.length) return false;
  for (let j = 0; j < word.length; j++) if ((text.charCodeAt(p + j) | 0x20) !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * `text.slice(s, e).toLowerCase().includes(word)` for a lowercase ASCII word, without the copies. ASCII letters are
 * compared by case bit; a range with any non-ASCII character takes the copy (`toLowerCase` maps some of those to
 * ASCII letters — the Kelvin sign to `k` — and a hostile key must not slip past by using one).
 */
function includesLower(text: string, s: number, e: number, word: string): boolean {
  const last = e - word.length;
  if (last < s) return false;
  for (let p = s; p < e; p++) if (text.charCodeAt(p) >= 128) return text.slice(s, e).toLowerCase().includes(word);
  const w0 = word.charCodeAt(0);
  outer: for (let p = s; p <= last; p++) {
    // `c | 0x20` equals a lowercase letter exactly for that letter in either case.
    if ((text.charCodeAt(p) | 0x20) !== w0) continue;
    for (let j = 1; j < word.length; j++) if ((text.charCodeAt(p + j) | 0x20) !== word.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}

/** `text.slice(s, e).toLowerCase() === word` for a lowercase ASCII word. */
function equalsLower(text: string, s: number, e: number, word: string): boolean {
  for (let p = s; p < e; p++) if (text.charCodeAt(p) >= 128) return text.slice(s, e).toLowerCase() === word;
  return e - s === word.length && includesLower(text, s, e, word);
}

/** First index of the char code `c` in `text[s, e)`, or -1 (never reads past `e`: no quadratic re-scan). */
function indexIn(text: string, s: number, e: number, c: number): number {
  for (let p = s; p < e; p++) if (text.charCodeAt(p) === c) return p;
  return -1;
}

/** The next occurrence of one character at or after a position: one native search per occurrence, shared by every
 * line (queries come in increasing order, so the whole pass reads each character once per cursor). */
interface CharCursor {
  at: number;
  readonly char: string;
}

function nextChar(text: string, cursor: CharCursor, from: number): number {
  if (cursor.at !== -1 && cursor.at < from) cursor.at = text.indexOf(cursor.char, from);
  return cursor.at;
}

/** First `{` or `[` in `text[s, e)`, or -1. */
function firstFlowOpen(text: string, braces: CharCursor, brackets: CharCursor, s: number, e: number): number {
  const b = nextChar(text, braces, s);
  const k = nextChar(text, brackets, s);
  const first = b === -1 ? k : k === -1 ? b : Math.min(b, k);
  return first !== -1 && first < e ? first : -1;
}

/** More `{`/`[` than `}`/`]` in `text[s, e)`: the flow collection continues on the next lines (quotes ignored:
 * a bracket inside a quoted string only makes a file look structured, which costs a parse, never a finding). */
function flowOpenAtEnd(text: string, s: number, e: number): boolean {
  let depth = 0;
  for (let p = s; p < e; p++) {
    const c = text.charCodeAt(p);
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  return depth > 0;
}

/** The value `text[s, e)` opens a quote it does not close. */
function unclosedQuote(text: string, s: number, e: number): boolean {
  const q = text.charCodeAt(s);
  if (s >= e || (q !== 34 && q !== 39)) return false;
  return e - s === 1 || indexIn(text, s + 1, e, q) === -1;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

/**
 * The line `text[start, end)` as `key: value`: indentation and `- ` markers skipped, the key read up to the first
 * `: ` (found with indexOf, not char by char), the value trimmed. Blank and comment lines are undefined; a line
 * that is not a mapping entry has key ''.
 */
/** The next `:` at or after a position, found by one native search shared by every line (amortised linear). */
interface ColonCursor {
  at: number;
}

function nextColon(text: string, cursor: ColonCursor, from: number): number {
  if (cursor.at !== -1 && cursor.at < from) cursor.at = text.indexOf(':', from);
  return cursor.at;
}

function readLine(text: string, start: number, end: number, out: LineInfo, colons: ColonCursor): boolean {
  const i = contentStart(text, start, end);
  // What was skipped is blanks and `- ` markers: any `-` in it was a marker.
  const item = i > start && indexIn(text, start, i, 45) !== -1;
  let e = end;
  while (e > i && isBlank(text.charCodeAt(e - 1))) e--;
  if (i === e || text.charCodeAt(i) === 35 /* # */) return false;
  out.item = item;
  out.flow = false;
  out.keyStart = out.keyEnd = i;
  out.valueStart = i;
  out.valueEnd = e;
  const q = text.charCodeAt(i);
  if (q === 123 /* { */ || q === 91 /* [ */) {
    out.flow = true;
    return true;
  }
  // Searches stay inside the line (indexIn never reads past it): an indexOf over the rest of the text per line
  // would be quadratic.
  let keyStart = i;
  let keyEnd = -1;
  let colon = -1;
  if (q === 34 || q === 39) {
    const close = indexIn(text, i + 1, e, q);
    if (close !== -1) {
      let j = close + 1;
      while (j < e && text.charCodeAt(j) === 32) j++;
      if (j < e && text.charCodeAt(j) === 58 /* : */) {
        keyStart = i + 1;
        keyEnd = close;
        colon = j;
      }
    }
  } else {
    let j = nextColon(text, colons, i);
    while (j !== -1 && j < e) {
      if (j + 1 === e || isBlank(text.charCodeAt(j + 1))) {
        keyEnd = j;
        colon = j;
        break;
      }
      j = nextColon(text, colons, j + 1);
    }
    // `word # comment: x` is a comment, not a key (a ` #` after the key does not matter: searched before it only)
    if (keyEnd !== -1 && indexOfHash(text, i, keyEnd + 1) !== -1) keyEnd = -1;
  }
  if (keyEnd === -1) return true;
  let v = colon + 1;
  while (v < e && isBlank(text.charCodeAt(v))) v++;
  out.keyStart = keyStart;
  out.keyEnd = keyEnd;
  out.valueStart = v;
  return true;
}

/** Index of the first ` #` in `text[s, e)`, or -1. */
function indexOfHash(text: string, s: number, e: number): number {
  for (let p = s; p + 1 < e; p++) if (text.charCodeAt(p) === 32 && text.charCodeAt(p + 1) === 35) return p;
  return -1;
}

/** The 1-based line of each key's first `key:` line (case-sensitive), in one pass: where a finding is placed when
 * the text is too large for a CST parse. */
export function firstKeyLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let start = 0;
  let lineNo = 1;
  const info = newLine();
  const colons: ColonCursor = { at: -2 };
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (readLine(text, start, end, info, colons) && info.keyEnd > info.keyStart) {
      const key = text.slice(info.keyStart, info.keyEnd);
      if (!out.has(key)) out.set(key, lineNo);
    }
    start = end + 1;
    lineNo++;
  }
  return out;
}
