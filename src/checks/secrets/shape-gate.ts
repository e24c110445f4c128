/**
 * Shape gates of the specific rules: a cheap necessary condition, read in place at a keyword hit, for the rule's RE2
 * pattern to match with that hit inside the match. A window whose hits all fail is never handed to RE2, and a rule
 * whose hits all fail in a text is not even compiled (issue 20: on a repository without credentials, RE2 compiling
 * and testing URL, Docker, npm and Twilio windows — `http://svc:4317`, `rbac.authorization.k8s.io`, `_PASSWORD:` —
 * was most of the detector's time, and none of them could match).
 *
 * Why each is a superset of its pattern (the gate may only say yes too often; test/secrets/shape-gate.test.ts runs
 * RE2 over whole lines and checks that every match holds a hit that passes):
 * - `url-credentials` (`(?i)SCHEME://([^:@/\s"'\x60]*):([^@/\s"'\x60]+)@…`): every keyword of these rules is either
 *   inside the scheme (`postgres`, `mysql`, `redis`…) or is the `://` itself. From the hit, the rest of the scheme is
 *   made of `[A-Za-z0-9+]` (and U+017F/U+212A, which `(?i)` folds onto `s`/`k`), then comes `://`, a user part
 *   without `:@/`, blanks or quotes, a `:`, at least one character, and `@` before any `/`, blank or quote.
 * - `docker-auth` (`"?auth"?[ \t]*:[ \t]*"?([A-Za-z0-9+/]{8,}…)`): after the four letters of `auth`, an optional
 *   quote, blanks, `:`, blanks, an optional quote and 8 base64 characters.
 * - `npmrc` (`(?:_authToken|_auth|_password)[ \t]*=[ \t]*["']?([^\s"']{8,})`): each alternative is `_` and letters,
 *   so from the hit the longest run of letters after `_` is exactly the alternative (the next character, a blank or
 *   `=`, is not a letter); then blanks, `=`, blanks, an optional quote and 8 characters outside `\s"'`.
 * - `hex-sid` (`SK[0-9a-fA-F]{32}`): the two letters of the hit, then 32 hex digits.
 * Blanks and stop characters below are the pattern's own or fewer (RE2's `\s` is `[\t\n\f\r ]`): a character the gate
 * does not treat as a stop only makes it read on and say yes more often. Each check reads a bounded stretch after
 * its hit, except the URL's user and password parts, which stop at the first `/`, blank or quote: a `://` cannot sit
 * inside them, so consecutive hits' reads are disjoint or bounded by the rule's window — linear either way.
 * - `xml-setting` (KFM-SEC-069): see xmlSettingHits.
 * - `bootstrap-token` (KFM-SEC-078, `(?:--token[ \t]+|(?i:token)KEY*["']?[ \t]*[:=][ \t]*)["']?VALUE`): after
 *   `--token`, blanks; else after the five letters of `token`, the key's characters (the regex's `[A-Za-z0-9_.-]*`
 *   stops where they stop: a quote, a blank or the operator follows), an optional quote, blanks, `:` or `=`, blanks;
 *   then an optional quote and 6 of `[a-z0-9]` followed by `.` or 10 more of them (both values start so).
 */
import { isKeyChar } from './gate.js';

export type ShapeGate = 'url-credentials' | 'docker-auth' | 'npmrc' | 'hex-sid' | 'xml-setting' | 'bootstrap-token';

const isBlank = (c: number): boolean => c === 32 || c === 9;

/** `[A-Za-z0-9+]` and the two characters `(?i)` folds onto ASCII letters: the rest of a URL scheme. */
function isSchemeChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 0x17f || c === 0x212a
  );
}

/** Characters that end the user or password part of a URL (`/`, `"`, `'`, backtick, space, tab, CR, LF). */
function endsUrlPart(c: number): boolean {
  return c === 47 || c === 34 || c === 39 || c === 96 || c === 32 || c === 9 || c === 10 || c === 13;
}

function urlCredentials(text: string, p: number): boolean {
  const n = text.length;
  let i = p;
  while (i < n && isSchemeChar(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 58 || text.charCodeAt(i + 1) !== 47 || text.charCodeAt(i + 2) !== 47) return false;
  i += 3;
  // user: up to the `:` (an `@` or an end character first: no password here)
  for (;;) {
    if (i >= n) return false;
    const c = text.charCodeAt(i);
    if (c === 58) break;
    if (c === 64 || endsUrlPart(c)) return false;
    i++;
  }
  i++;
  // password: at least one character, then `@` (a `:` may be part of it)
  const from = i;
  for (;;) {
    if (i >= n) return false;
    const c = text.charCodeAt(i);
    if (c === 64) return i > from;
    if (endsUrlPart(c)) return false;
    i++;
  }
}

/** `n` characters from `i` on for which `ok` holds. */
function run(text: string, i: number, n: number, ok: (c: number) => boolean): boolean {
  if (i + n > text.length) return false;
  for (let k = i; k < i + n; k++) if (!ok(text.charCodeAt(k))) return false;
  return true;
}

const isB64 = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 47;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
/** `[^\s"']` with RE2's `\s` = `[\t\n\f\r ]`. */
const isNpmValueChar = (c: number): boolean =>
  c !== 9 && c !== 10 && c !== 12 && c !== 13 && c !== 32 && c !== 34 && c !== 39;

function skipBlanks(text: string, i: number): number {
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

function dockerAuth(text: string, p: number): boolean {
  let i = p + 4;
  if (text.charCodeAt(i) === 34) i++;
  i = skipBlanks(text, i);
  if (text.charCodeAt(i) !== 58) return false;
  i = skipBlanks(text, i + 1);
  if (text.charCodeAt(i) === 34) i++;
  return run(text, i, 8, isB64);
}

function npmrc(text: string, p: number): boolean {
  if (text.charCodeAt(p) !== 95) return false;
  let i = p + 1;
  while (i < text.length && isLetter(text.charCodeAt(i))) i++;
  i = skipBlanks(text, i);
  if (text.charCodeAt(i) !== 61) return false;
  i = skipBlanks(text, i + 1);
  const q = text.charCodeAt(i);
  if (q === 34 || q === 39) i++;
  return run(text, i, 8, isNpmValueChar);
}

const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isLowerAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

function bootstrapToken(text: string, p: number): boolean {
  let i: number;
  if (text.charCodeAt(p - 1) === 45 && text.charCodeAt(p - 2) === 45 && isBlank(text.charCodeAt(p + 5))) {
    i = skipBlanks(text, p + 5); // `--token <value>`
  } else {
    i = p + 5;
    while (i < text.length && isKeyChar(text.charCodeAt(i))) i++;
    const q = text.charCodeAt(i);
    if (q === 34 || q === 39) i++;
    i = skipBlanks(text, i);
    const op = text.charCodeAt(i);
    if (op !== 58 && op !== 61) return false;
    i = skipBlanks(text, i + 1);
  }
  const q = text.charCodeAt(i);
  if (q === 34 || q === 39) i++;
  return run(text, i, 6, isLowerAlnum) && (text.charCodeAt(i + 6) === 46 || run(text, i + 6, 10, isLowerAlnum));
}

/** Whether a match of a rule with this gate can hold the keyword hit at `p`. */
export function shapeAt(gate: ShapeGate, text: string, p: number): boolean {
  switch (gate) {
    case 'url-credentials':
      return urlCredentials(text, p);
    case 'docker-auth':
      return dockerAuth(text, p);
    case 'npmrc':
      return npmrc(text, p);
    case 'hex-sid':
      return run(text, p + 2, 32, isHex);
    case 'xml-setting':
      return xmlSettingHits(text, [p]).length > 0;
    case 'bootstrap-token':
      return bootstrapToken(text, p);
    default:
      return true;
  }
}

/** The hits (sorted) at which a match can sit. */
export function shapedHits(gate: ShapeGate, text: string, hits: readonly number[]): number[] {
  if (gate === 'xml-setting') return xmlSettingHits(text, hits);
  const out: number[] = [];
  for (const p of hits) if (shapeAt(gate, text, p)) out.push(p);
  return out;
}

/** RE2's `\s`. */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
const isElementValueChar = (c: number): boolean => c !== 60 && c !== 62 && !isSpace(c);
const isAttributeValueChar = (c: number): boolean => c !== 34 && c !== 60 && c !== 62;

/**
 * KFM-SEC-069 (`<…keyword…>[ \t]*VALUE{8}` or `key="…keyword…"\s+value="VALUE{8}`): from the keyword, the element
 * name runs to `>` and 8 value characters follow, or the attribute runs to its closing quote and `value="` and 8
 * value characters follow. The runs to the name's end and to the next `"`/`<`/`>` are shared by the hits inside
 * them (hits are sorted), so each character is read a bounded number of times.
 */
function xmlSettingHits(text: string, hits: readonly number[]): number[] {
  const n = text.length;
  const out: number[] = [];
  let nameEnd = -1;
  let nameOk = false;
  let attrEnd = -1;
  let attrOk = false;
  for (const p of hits) {
    if (p >= nameEnd) {
      let j = p;
      while (j < n && isKeyChar(text.charCodeAt(j))) j++;
      nameEnd = Math.max(j, p + 1);
      nameOk = text.charCodeAt(j) === 62 && run(text, skipBlanks(text, j + 1), 8, isElementValueChar);
    }
    if (p >= attrEnd) {
      let k = p;
      while (k < n && isAttributeValueChar(text.charCodeAt(k))) k++;
      attrEnd = Math.max(k, p + 1);
      attrOk = false;
      if (text.charCodeAt(k) === 34) {
        let v = k + 1;
        while (v < n && isSpace(text.charCodeAt(v))) v++;
        attrOk =
          v > k + 1 && text.slice(v, v + 7).toLowerCase() === 'value="' && run(text, v + 7, 8, isAttributeValueChar);
      }
    }
    if (nameOk || attrOk) out.push(p);
  }
  return out;
}
