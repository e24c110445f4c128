/**
 * A reader of the plain block YAML almost every kustomization is written in (and most Argo CD manifests): block
 * mappings with simple keys, block sequences, one-line plain and quoted scalars, literal block scalars (`|`, `|-`).
 * It gives the value js-yaml gives under kustomization-parse.ts's core-like schema (loadLikeYaml) at a fraction of
 * the cost (issue 20: js-yaml's load of every kustomization was ~0.8 s of a cold check's head on the 1,500-overlay
 * bench repo, read again by the walks and the policy input). It runs only after loadLikeYaml's own screens (anchors,
 * tags, tabs, flow collections or quotes over lines…) and returns undefined — js-yaml then reads the text as before —
 * for anything else: a folded or kept block scalar, a scalar over lines, a flow collection, an escape, a key that is
 * not a simple word, a duplicate key, an indentation it does not expect. test/discover/block-yaml.test.ts compares it
 * with js-yaml on every kustomization and manifest of the fixtures, infra/gitops and the bench repos, and on
 * hostile variations of them.
 */

/** Plain-scalar resolution of `yaml`'s core schema (yaml/dist/schema/core), tag by tag in its order. */
export const NULL = /^(?:~|[Nn]ull|NULL)?$/;
export const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
export const INT_OCT = /^0o[0-7]+$/;
export const INT_DEC = /^[-+]?[0-9]+$/;
export const INT_HEX = /^0x[0-9a-fA-F]+$/;
export const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
export const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
export const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

export const isCoreInt = (s: string): boolean => INT_OCT.test(s) || INT_DEC.test(s) || INT_HEX.test(s);
export const isCoreFloat = (s: string): boolean => FLOAT_NAN.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s);

export function constructInt(s: string): number {
  return INT_OCT.test(s)
    ? parseInt(s.substring(2), 8)
    : INT_HEX.test(s)
      ? parseInt(s.substring(2), 16)
      : parseInt(s, 10);
}

export function constructFloat(s: string): number {
  if (!FLOAT_NAN.test(s)) return parseFloat(s);
  if (s.slice(-3).toLowerCase() === 'nan') return NaN;
  return s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** A plain scalar's value, resolved as the core schema's implicit types do (null, bool, int, float, else string). */
export function resolvePlain(s: string): unknown {
  // Only these first characters can start a null, a boolean or a number (most values are names and paths).
  if (s !== '' && !MAY_RESOLVE.test(s)) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (isCoreInt(s)) return constructInt(s);
  if (isCoreFloat(s)) return constructFloat(s);
  return s;
}

const MAY_RESOLVE = /^[-+.0-9~nNtTfF]/;

/** Deeper documents are left to js-yaml and the careful parse (with their own limits): kustomizations are shallow. */
const MAX_DEPTH = 64;

/** Thrown (and caught below) when the text leaves the shapes this reader knows: js-yaml reads it instead. */
class NotPlain extends Error {}

const fail = (): never => {
  throw NOT_PLAIN;
};

/**
 * Keys read here: a word (PLAIN_KEY, matched by hand in keyOf; no number, boolean or null under the core schema:
 * those start or are spelled so) or a quoted key without escapes.
 */
export const PLAIN_KEY = /^([A-Za-z_][\w./-]*):(?: +|$)/;
const DOUBLE_KEY = /^"([^"\\]*)":(?: +|$)/;
const SINGLE_KEY = /^'([^']*)':(?: +|$)/;
/** Plain keys the core schema resolves to a boolean or null (no string key for `yaml`). */
export const RESOLVING_KEY = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
/** First characters of a plain scalar this reader leaves to js-yaml (YAML indicators, flow, quotes handled apart). */
const PLAIN_START_REFUSED = /^[[\]{}!&*%@`?:,|>#]/;
/** Characters of a plain scalar this reader leaves to js-yaml (flow indicators, a key indicator inside a value). */
const PLAIN_REFUSED = /[[\]{}]|: |:$/;
const LITERAL_HEADER = /^\|(-?)(?: +#.*)?$/;

/**
 * The value of `text` (one YAML document, no markers) when it is a mapping in plain block YAML and has passed
 * loadLikeYaml's screens; undefined otherwise (the caller falls back to js-yaml).
 */
export function readPlainBlock(text: string): { value: Record<string, unknown> } | undefined {
  const reader = new Reader(text.split('\n'), text.endsWith('\n'));
  try {
    return { value: reader.document() };
  } catch (err) {
    if (err instanceof NotPlain) return undefined;
    throw err;
  }
}

/** A NotPlain without a stack trace (a fallback is not an error: capturing stacks cost more than the read). */
const NOT_PLAIN = Object.freeze(Object.create(NotPlain.prototype) as NotPlain);

class Reader {
  private at = 0;
  /** Collections open around the current line (MAX_DEPTH: a hostile nesting must not overflow the stack). */
  private depth = 0;
  /** Each line's indentation (spaces), and its text after them; a `- key:` line is read again as its mapping. */
  private readonly indents: Int32Array;
  private readonly texts: string[];

  constructor(
    private readonly raw: string[],
    private readonly endsWithBreak: boolean,
  ) {
    this.indents = new Int32Array(raw.length);
    this.texts = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const l = raw[i];
      let n = 0;
      while (n < l.length && l.charCodeAt(n) === 32) n++;
      this.indents[i] = n;
      this.texts[i] = n === 0 ? l : l.slice(n);
    }
  }

  document(): Record<string, unknown> {
    const first = this.next();
    if (first < 0 || keyOf(this.texts[first]) === undefined) fail();
    const value = this.mapping(this.indents[first]);
    if (this.next() >= 0) fail();
    return value;
  }

  /** The index of the next line that is neither blank nor a comment (outside block scalars), or -1; not taken. */
  private next(): number {
    const texts = this.texts;
    while (this.at < texts.length) {
      const text = texts[this.at];
      if (text !== '' && text.charCodeAt(0) !== 35) return this.at;
      this.at++;
    }
    return -1;
  }

  private mapping(indent: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) fail();
    const map: Record<string, unknown> = {};
    for (let i = this.next(); i >= 0 && this.indents[i] >= indent; i = this.next()) {
      if (this.indents[i] > indent) fail();
      const text = this.texts[i];
      const key = keyOf(text);
      if (key === undefined) {
        if (isItem(text)) break; // a sequence at its parent key's indent ends here (the caller decides)
        fail();
      }
      // js-yaml rejects a duplicate key (the careful parse reports it); no key here is inherited (keyOf).
      if (Object.prototype.hasOwnProperty.call(map, key!.key)) fail();
      this.at++;
      map[key!.key] = this.value(key!.rest, indent, true);
    }
    this.depth--;
    return map;
  }

  private sequence(indent: number): unknown[] {
    if (++this.depth > MAX_DEPTH) fail();
    const items: unknown[] = [];
    for (let i = this.next(); i >= 0 && this.indents[i] >= indent; i = this.next()) {
      if (this.indents[i] > indent) fail();
      const text = this.texts[i];
      if (!isItem(text)) break;
      let spaces = 1;
      while (spaces < text.length && text.charCodeAt(spaces) === 32) spaces++;
      const rest = text.slice(spaces);
      // `- - x` (a compact nested sequence) and an item with nothing on its line (js-yaml rejects some shapes after
      // one that `yaml` reads, found by the generated cases of test/discover/block-yaml.test.ts): left to js-yaml.
      if (rest === '' || rest.charCodeAt(0) === 35 || isItem(rest)) fail();
      const key = keyOf(rest);
      if (key !== undefined) {
        // `- key: value` opens a mapping at the key's column: this line is read again as that mapping's first.
        this.indents[i] = indent + spaces;
        this.texts[i] = rest;
        items.push(this.mapping(indent + spaces));
      } else {
        this.at++;
        items.push(this.value(rest, indent, false));
      }
    }
    this.depth--;
    return items;
  }

  /**
   * The value after a key or a dash whose line was just taken, at the parent's `indent`: on the rest of the line, or
   * (after a key) the block below it, or a sequence at the key's own indent.
   */
  private value(rest: string, indent: number, afterKey: boolean): unknown {
    if (afterKey && (rest === '' || rest.charCodeAt(0) === 35)) {
      const i = this.next();
      if (i < 0 || this.indents[i] < indent) return null;
      const text = this.texts[i];
      if (this.indents[i] === indent) return isItem(text) ? this.sequence(indent) : null;
      if (isItem(text)) return this.sequence(this.indents[i]);
      if (keyOf(text) !== undefined) return this.mapping(this.indents[i]);
      return fail(); // a scalar on the lines below its key
    }
    if (rest.charCodeAt(0) === 124 /* | */) {
      if (!afterKey) fail();
      const header = LITERAL_HEADER.exec(rest);
      if (!header) fail(); // `|+`, an indentation indicator: js-yaml reads them
      return this.literal(indent, header![1] === '-');
    }
    const value = scalar(rest);
    // A more indented line after a one-line scalar continues it (or is an error): left to js-yaml.
    const i = this.next();
    if (i >= 0 && this.indents[i] > indent) fail();
    return value;
  }

  /** A literal block scalar under a key at `indent` (`|` clips the final line break, `|-` strips it). */
  private literal(indent: number, strip: boolean): string {
    const { indents, texts } = this;
    // The content's indentation is the first non-blank line's; a blank line before it with more spaces is an error.
    let first = this.at;
    let leadingSpaces = 0;
    while (first < texts.length && texts[first] === '') {
      leadingSpaces = Math.max(leadingSpaces, indents[first]);
      first++;
    }
    if (first >= texts.length) fail(); // an empty block scalar at the end of the text
    const m = indents[first];
    if (m <= indent || leadingSpaces > m) fail();
    let end = this.at;
    let lastContent = -1;
    for (; end < texts.length; end++) {
      if (texts[end] === '') {
        if (indents[end] > m) fail(); // spaces past the indentation are content: left to js-yaml
        continue;
      }
      if (indents[end] < m) break;
      lastContent = end;
    }
    // The last content line must end with a line break: at the end of the text without one, the two libraries'
    // readings of the final break are not checked here.
    if (lastContent === texts.length - 1 && !this.endsWithBreak) fail();
    const lines: string[] = [];
    for (let i = this.at; i <= lastContent; i++) lines.push(texts[i] === '' ? '' : this.raw[i].slice(m));
    this.at = end;
    const body = lines.join('\n');
    return strip ? body : `${body}\n`;
  }
}

/** A block sequence item's line (after its indentation). */
export function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** The key of a mapping entry line and the rest of the line after `: `, or undefined when it is no entry. */
function keyOf(text: string): { key: string; rest: string } | undefined {
  let key: string;
  let length: number;
  const plain = plainKey(text);
  if (plain) {
    key = plain.key;
    if (RESOLVING_KEY.test(key)) fail();
    length = plain.length;
  } else {
    const quoted = DOUBLE_KEY.exec(text) ?? SINGLE_KEY.exec(text);
    if (!quoted) {
      // Something else that may be a key (a number, `? x`, a quoted key with escapes): left to js-yaml.
      if (/^[^\s#'"]*[^\s]:(?: |$)/.test(text) || text[0] === '"' || text[0] === "'" || text[0] === '?') fail();
      return undefined;
    }
    key = quoted[1];
    length = quoted[0].length;
  }
  // '' and 'null' read differently by `yaml` (kustomization-parse.ts hasAmbiguousKey); __proto__ is set differently.
  if (key === '' || key === 'null' || key === '__proto__') fail();
  return { key, rest: text.slice(length) };
}

/**
 * PLAIN_KEY.exec by hand (the regex was the reader's largest cost): a word, `:`, then spaces or the end of the line;
 * `length` is the whole match's.
 */
export function plainKey(text: string): { key: string; length: number } | undefined {
  if (!isKeyStart(text.charCodeAt(0))) return undefined;
  let end = 1;
  while (end < text.length && isKeyChar(text.charCodeAt(end))) end++;
  if (text.charCodeAt(end) !== 58 || (end + 1 < text.length && text.charCodeAt(end + 1) !== 32)) return undefined;
  let length = end + 1;
  while (length < text.length && text.charCodeAt(length) === 32) length++;
  return { key: text.slice(0, end), length };
}

/** [A-Za-z_] */
function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** [\w./-] */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 47 ||
    c === 45
  );
}

/** A one-line scalar: double-quoted without escapes, single-quoted, or plain; its comment dropped. */
function scalar(rest: string): unknown {
  const q = rest[0];
  if (q === '"' || q === "'") {
    let value = '';
    let i = 1;
    for (;;) {
      if (i >= rest.length) fail(); // closes on a later line: left to js-yaml
      const c = rest[i];
      if (q === '"' && c === '\\') fail(); // an escape
      if (c === q) {
        if (q === "'" && rest[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        break;
      }
      value += c;
      i++;
    }
    const after = rest.slice(i + 1).trimEnd();
    if (after !== '' && !/^ +#/.test(after)) fail();
    return value;
  }
  if (PLAIN_START_REFUSED.test(rest) || isItem(rest)) fail();
  const comment = rest.indexOf(' #');
  const plain = (comment >= 0 ? rest.slice(0, comment) : rest).trimEnd();
  if (plain === '' || PLAIN_REFUSED.test(plain)) fail();
  return resolvePlain(plain);
}
