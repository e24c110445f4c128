/**
 * Whether a text needs the structural walk (a full YAML parse), decided by one linear pass over its lines.
 *
 * The text patterns always run; the walk adds what they cannot see: Secret data (base64), SealedSecret and
 * ExternalSecret context, generator entries, env entries whose name and value sit on two lines, values below their
 * key (block scalars, a comment before the value, a quoted scalar continued on the next line), aliases and merge
 * keys, escapes. This used to be a handful of backtracking RegExps over the whole file (`name:…\n…value:`), which
 * took seconds per 100 KB of crafted `: ` runs. Here every character is read a bounded number of times: a fixed
 * set of `includes` probes, then one left-to-right pass in which each line is read once (plus a lowercase copy),
 * and `steps` counts the characters read so a test can prove the growth is linear.
 */

/** Lowercase words that make a key (or an env entry's name) a credential name. */
const CRED_WORDS = ['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'key', 'credential', 'auth'];

/** Case-sensitive markers: any of them anywhere means the walk has something to read. */
const MARKERS = [
  'secretGenerator',
  'last-applied-configuration',
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

interface LineInfo {
  /** Key of a `key: value` line ('' when the line is not one); lowercased by needsStructure. */
  key: string;
  /** Value text after the colon, comments included, trimmed (as written). */
  value: string;
  /** The line opens a flow collection (`- {name: X, value: y}`). */
  flow: boolean;
  /** The line starts a sequence item (`- name: X`): its key opens a new mapping. */
  item: boolean;
}

export function needsStructure(text: string, textMatched: boolean): StructureDecision {
  let steps = 0;
  if (textMatched) return { needed: true, steps };
  const kind = secretWordOutsideKey(text);
  steps += kind.steps;
  if (kind.found) return { needed: true, steps };
  for (const m of MARKERS) {
    steps += text.length;
    if (text.includes(m)) return { needed: true, steps };
  }
  // Lines are read in the text as it is and only keys (and the values of `name:` and flow lines) are lowercased: a
  // lowercase copy of every file was a tenth of the tree scan, most of it in the garbage collector.
  let prev: LineInfo | undefined;
  /** A credential key whose value is not on its own line: decided by the next line. */
  let openCredKey = false;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // Each character of the line is read at most about three times (indexOf probes, the trim, one value probe).
    steps += 3 * (end - start + 1);
    const info = readLine(text, start, end);
    if (openCredKey && info !== undefined && info.key === '' && !info.flow) return { needed: true, steps };
    if (info !== undefined) {
      openCredKey = false;
      info.key = info.key.toLowerCase();
      if (info.flow) {
        const value = info.value.toLowerCase();
        if (hasCredWord(value) && value.includes('value')) return { needed: true, steps };
      }
      if (info.key !== '' && hasCredWord(info.key)) {
        const v = info.value;
        // `password: |`, `token: >-`, `key: *alias`, `secret: !!binary`, `password: "abc\` (escaped line break)
        const c = v[0];
        if (c === '|' || c === '>' || c === '*' || c === '!' || c === '&' || v.endsWith('\\') || unclosedQuote(v))
          return { needed: true, steps };
        // `password:` or `password: # note` with the value on the next line (or a nested map: then harmless)
        if (v === '' || c === '#') openCredKey = true;
      }
      // `- name: DB_PASSWORD` next to `value: …` (either order)
      if (prev !== undefined && isEnvPair(prev, info)) return { needed: true, steps };
      // Any double-quoted scalar continued by an escaped line break may join a token the line patterns miss.
      if (info.value.endsWith('\\') && info.value.includes('"')) return { needed: true, steps };
      prev = info;
    }
    start = end + 1;
  }
  return { needed: false, steps };
}

/** `name: DB_PASSWORD` and `value: …` on consecutive lines of one mapping (a `- ` item on the second line starts
 * another mapping: `value: x` of one env entry followed by `- name: DB_PASSWORD` of the next is no pair). */
function isEnvPair(a: LineInfo, b: LineInfo): boolean {
  if (b.item) return false;
  const named = (l: LineInfo): boolean => l.key === 'name' && hasCredWord(l.value.toLowerCase());
  return (named(a) && b.key === 'value') || (a.key === 'value' && named(b));
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

function hasCredWord(s: string): boolean {
  for (const w of CRED_WORDS) if (s.includes(w)) return true;
  return false;
}

function unclosedQuote(v: string): boolean {
  const q = v[0];
  if (q !== '"' && q !== "'") return false;
  return v.length === 1 || v.indexOf(q, 1) === -1;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

/**
 * The line `text[start, end)` as `key: value`: indentation and `- ` markers skipped, the key read up to the first
 * `: ` (found with indexOf, not char by char), the value trimmed. Blank and comment lines are undefined; a line
 * that is not a mapping entry has key ''.
 */
function readLine(text: string, start: number, end: number): LineInfo | undefined {
  let i = start;
  let item = false;
  for (;;) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i < end && text.charCodeAt(i) === 45 /* - */ && (i + 1 === end || isBlank(text.charCodeAt(i + 1)))) {
      i++;
      item = true;
      continue;
    }
    break;
  }
  let e = end;
  while (e > i && isBlank(text.charCodeAt(e - 1))) e--;
  if (i === e || text[i] === '#') return undefined;
  if (text[i] === '{' || text[i] === '[') return { key: '', value: text.slice(i, e), flow: true, item };
  // Searches stay inside the line (a slice is a view, not a copy): an indexOf over the rest of the text per line
  // would be quadratic.
  const line = text.slice(i, e);
  let keyStart = 0;
  let keyEnd = -1;
  let colon = -1;
  const q = line[0];
  if (q === '"' || q === "'") {
    const close = line.indexOf(q, 1);
    if (close !== -1) {
      let j = close + 1;
      while (j < line.length && line.charCodeAt(j) === 32) j++;
      if (line[j] === ':') {
        keyStart = 1;
        keyEnd = close;
        colon = j;
      }
    }
  } else {
    let j = line.indexOf(':');
    while (j !== -1) {
      if (j + 1 === line.length || isBlank(line.charCodeAt(j + 1))) {
        keyEnd = j;
        colon = j;
        break;
      }
      j = line.indexOf(':', j + 1);
    }
    // `word # comment: x` is a comment, not a key
    if (keyEnd !== -1) {
      const hash = line.indexOf(' #');
      if (hash !== -1 && hash < keyEnd) keyEnd = -1;
    }
  }
  if (keyEnd === -1) return { key: '', value: line, flow: false, item };
  let v = colon + 1;
  while (v < line.length && isBlank(line.charCodeAt(v))) v++;
  return { key: line.slice(keyStart, keyEnd), value: line.slice(v), flow: false, item };
}

/** The 1-based line of each key's first `key:` line (case-sensitive), in one pass: where a finding is placed when
 * the text is too large for a CST parse. */
export function firstKeyLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let start = 0;
  let lineNo = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const info = readLine(text, start, end);
    if (info !== undefined && info.key !== '' && !out.has(info.key)) out.set(info.key, lineNo);
    start = end + 1;
    lineNo++;
  }
  return out;
}
