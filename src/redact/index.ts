/**
 * The one redactor in front of every output (DESIGN principle 12). Messages come from kustomize (which quotes
 * patches and generator configs verbatim), from the schema validator (which quotes the offending value) and from
 * policies (which may quote anything): before a message reaches a finding — and so any format or cache — every
 * value that could be a secret becomes the usual hint (at most a 4-character public prefix and the length).
 *
 * Three nets, each for what the others miss:
 * 1. values known to be secret: every string under a Secret's `data`/`stringData`/`binaryData` of the rendered
 *    output (numbers and booleans as kustomize prints them, base64 data also decoded), wherever they are quoted;
 * 2. structure in the text: values of `key: value` lines inside a `data:`/`stringData:` block and of
 *    password/token/secret-like keys, in real lines, in `\n`-escaped strings and in Go map dumps;
 * 3. anything a secret rule of the scanner matches (its own linear-time detector).
 */
import { sharedDetector } from '../checks/secrets/detector.js';
import { redactedHint } from '../checks/secrets/redact.js';
import * as yaml from 'yaml';

/** Shorter known values are left to the structural net: replacing "1" or "true" everywhere would ruin messages. */
const MIN_KNOWN = 4;
/** Characters of a known value's start that, followed by a cut mark, are taken as a quote of it. */
const MIN_CUT = 24;
const SECRET_FIELDS = ['data', 'stringData', 'binaryData'];
const SENSITIVE_KEY =
  /(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential|auth|bearer)/i;
/** Keys that name a secret rather than hold one (`secretName: db-creds`, `secretKeyRef`). */
const REFERENCE_KEY = /(?:name|ref|refs|selector|namespace|kind|type)$/i;
const INLINE_PAIR = /([A-Za-z0-9_.-]*)(["']?)(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}\])"']+)/g;

export const hintOf = (value: string, prefix = 0): string => redactedHint(value, prefix);

export class Redactor {
  private readonly known = new Set<string>();
  private ordered: string[] | undefined;

  /** Registers a secret value (a string, or a number/boolean as it would be printed). */
  addValue(value: unknown): void {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return;
    const text = String(value);
    if (text.length < MIN_KNOWN || this.known.has(text)) return;
    this.known.add(text);
    this.ordered = undefined;
  }

  /**
   * Registers the data of every Secret among the objects (rendered resources, parsed documents), and the
   * secret-like values an Argo CD Application or ApplicationSet hands Helm (a chart's `fail`/`required` message,
   * which the chart's author writes, can quote any value it is given).
   */
  addObjects(objects: Iterable<unknown>): void {
    for (const object of objects) {
      if (object === null || typeof object !== 'object') continue;
      const o = object as Record<string, unknown>;
      if (o.kind === 'Application' || o.kind === 'ApplicationSet') {
        for (const value of helmSecretValues(o.spec)) this.addValue(value);
        continue;
      }
      if (o.kind !== 'Secret') continue;
      for (const field of SECRET_FIELDS) {
        const data = o[field];
        if (data === null || typeof data !== 'object') continue;
        for (const value of Object.values(data as Record<string, unknown>)) {
          this.addValue(value);
          if (field !== 'stringData' && typeof value === 'string') this.addValue(decodedText(value));
        }
      }
    }
  }

  redact(text: string): string {
    if (text === '') return text;
    return redactDetected(redactStructure(this.redactKnown(text)));
  }

  /**
   * Rendered manifests as a command prints them (`render`, `diff`), once maskSecretValues has replaced the Secrets'
   * own values: the known values wherever else they were copied (a replacement into a ConfigMap), and whatever a
   * secret rule matches. Not the structural net: a ConfigMap's `data:` block is no secret. `spare` matches the
   * masks already in the text that a generic rule would read as a value (`password: <redacted 3dada1b14f01>`).
   */
  redactRendered(text: string, spare?: RegExp): string {
    return text === '' ? text : redactDetected(this.redactKnown(text), false, spare);
  }

  /**
   * A file or overlay path as a report shows it: credentials of a known format masked (a token committed as a file's
   * name, reported "in the file's name", is not printed back in the finding's location). Not the known values (a
   * Secret holding `todo` or `cluster-config` made every path through such a folder unreadable, on real
   * repositories), nor the structural net or the generic rules: a path is no `key: value` text.
   */
  redactPath(path: string): string {
    return path === '' ? path : redactPathFormats(path);
  }

  private redactKnown(text: string): string {
    let out = text;
    if (this.known.size > 0) {
      // Longest first, so a value that contains another is replaced whole.
      this.ordered ??= [...this.known].sort((a, b) => b.length - a.length);
      for (const value of this.ordered) {
        if (out.includes(value)) out = out.split(value).join(hintOf(value));
        if (value.length > MIN_CUT) out = maskCutShort(out, value);
      }
    }
    return out;
  }
}

/**
 * A copy of a Secret whose every `data`/`stringData`/`binaryData` value is `mask(value)` (the keys stay: they say
 * what the Secret holds); any other object as it is.
 */
export function maskSecretValues(
  object: Record<string, unknown>,
  mask: (value: unknown) => string = (value) => hintOf(String(value)),
): Record<string, unknown> {
  if (object.kind !== 'Secret') return object;
  const copy: Record<string, unknown> = { ...object };
  for (const field of SECRET_FIELDS) {
    const values = object[field];
    if (values === null || typeof values !== 'object' || Array.isArray(values)) continue;
    copy[field] = Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, mask(v)]));
  }
  return copy;
}

/** Deeper than this, a hostile values document is not walked (nothing legitimate nests so far). */
const MAX_VALUES_DEPTH = 64;

/**
 * Values under a secret-like key of every `helm:` block in an Argo CD spec: `valuesObject`, `values` (a mapping, or
 * YAML in a string), and `parameters` whose name's last segment is secret-like.
 */
function helmSecretValues(spec: unknown): unknown[] {
  const out: unknown[] = [];
  const sensitive = (node: unknown, key: string, depth: number): void => {
    if (depth > MAX_VALUES_DEPTH || node === null) return;
    if (typeof node !== 'object') {
      if (isSensitiveKey(key)) out.push(node);
      return;
    }
    for (const [k, v] of Object.entries(node)) sensitive(v, Array.isArray(node) ? key : k, depth + 1);
  };
  const helm = (block: Record<string, unknown>): void => {
    sensitive(block.valuesObject, '', 0);
    let values = block.values;
    if (typeof values === 'string') {
      try {
        values = yaml.parse(values, { maxAliasCount: 100 }) as unknown;
      } catch {
        values = undefined; // Argo CD cannot use it either: the render fails on its own, with its own message
      }
    }
    sensitive(values, '', 0);
    if (!Array.isArray(block.parameters)) return;
    for (const p of block.parameters as unknown[]) {
      const { name, value } = (p ?? {}) as { name?: unknown; value?: unknown };
      if (typeof name === 'string') sensitive(value, name.split('.').pop() ?? name, 0);
    }
  };
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_VALUES_DEPTH || node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'helm' && v !== null && typeof v === 'object' && !Array.isArray(v)) helm(v as Record<string, unknown>);
      else walk(v, depth + 1);
    }
  };
  walk(spec, 0);
  return out;
}

/**
 * A known value quoted cut short — its first MIN_CUT or more characters, then `...` or `…` (the schema messages cut
 * a value at 57 characters, policy messages at 200) — becomes the value's hint. Only where the cut is marked: a
 * Secret holding a URL shares its start with every other URL on that host.
 */
function maskCutShort(text: string, value: string): string {
  const head = value.slice(0, MIN_CUT);
  let out = text;
  for (let i = out.indexOf(head); i >= 0; i = out.indexOf(head, i + 1)) {
    let n = MIN_CUT;
    while (n < value.length && out[i + n] === value[n]) n++;
    if (out.startsWith('...', i + n) || out[i + n] === '\u2026')
      out = `${out.slice(0, i)}${hintOf(value)}${out.slice(i + n)}`;
  }
  return out;
}

function decodedText(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  // eslint-disable-next-line no-control-regex -- binary content has no printable form worth matching
  return /^[^\u0000-\u0008\u000e-\u001f\ufffd]+$/.test(decoded) ? decoded : undefined;
}

function maskValue(value: string): string {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  const inner = quote && value.endsWith(quote) && value.length > 1 ? value.slice(1, -1) : value;
  return inner.startsWith('…') || /^\u2026 \(\d+ chars\)$/.test(inner) ? value : `${quote}${hintOf(inner)}${quote}`;
}

const isSensitiveKey = (key: string): boolean => SENSITIVE_KEY.test(key) && !REFERENCE_KEY.test(key);

/** Net 2: `key: value` lines in data blocks, and sensitive keys anywhere (lines, escaped strings, map dumps). */
function redactStructure(text: string): string {
  // Real line breaks and `\n` escapes (kustomize quotes a patch both ways) separate lines alike.
  const parts = text.split(/(\r?\n|\\n)/);
  let blockIndent = -1;
  for (let i = 0; i < parts.length; i += 2) {
    const line = parts[i];
    const m = /^(\s*)(?:-\s+)?["']?([A-Za-z0-9_.\-/]+)["']?\s*:(?:\s+(.*?))?\s*$/.exec(line);
    if (!m) {
      if (blockIndent < 0 || line.trim() === '') continue;
      const indent = line.length - line.trimStart().length;
      // Deeper than the data block's key: a line of a value (a block scalar's `|` lines: a key, a certificate).
      if (indent > blockIndent) parts[i] = `${line.slice(0, indent)}${maskValue(line.trim())}`;
      else blockIndent = -1;
      continue;
    }
    const indent = m[1].length;
    const key = m[2];
    const value = m[3];
    if (blockIndent >= 0 && indent <= blockIndent) blockIndent = -1;
    if (SECRET_FIELDS.includes(key) && (value === undefined || value === '')) {
      blockIndent = indent;
      continue;
    }
    if (value && value !== '|' && value !== '>' && (blockIndent >= 0 || isSensitiveKey(key))) {
      const at = line.lastIndexOf(value);
      parts[i] = `${line.slice(0, at)}${maskValue(value)}${line.slice(at + value.length)}`;
    }
  }
  return maskDataMaps(parts.join('')).replace(INLINE_PAIR, (all, key: string, q: string, sep: string, value: string) =>
    isSensitiveKey(key) ? `${key}${q}${sep}${maskValue(value)}` : all,
  );
}

/** `data: {`, `"stringData":{`, `\"data\": {` (JSON in a string), Go's `binaryData:map[`; also after a `\n` escape. */
const DATA_MAP_OPEN = /(?<=^|[^A-Za-z0-9_]|\\n)(\\?["']?)(?:data|stringData|binaryData)\1\s*:\s*(\{|map\[)/g;

/**
 * A data block on one line — a YAML flow mapping, a JSON object, a Go map dump (`map[key:value]`) — with each value
 * masked (a nested one whole) and its keys kept. The block runs to its matching bracket, quotes respected.
 */
function maskDataMaps(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(DATA_MAP_OPEN)) {
    const open = m.index + m[0].length;
    if (open <= at) continue;
    const goMap = m[2] === 'map[';
    const close = matchingBracket(text, open, goMap);
    out += text.slice(at, open) + maskEntries(text.slice(open, close), goMap);
    at = close;
  }
  return out + text.slice(at);
}

/** Index of the bracket closing the one just before `from` (the text's end when it is not closed). */
function matchingBracket(text: string, from: number, goMap: boolean): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (!goMap && (c === '"' || c === "'")) {
      i = quoteEnd(text, i);
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i;
  }
  return text.length;
}

/** Index of the quote closing the one at `start` (a backslash escapes inside double quotes). */
function quoteEnd(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) return i;
  }
  return text.length;
}

/** The entries of one data map (`k: v, k2: v2` / `k:v k2:v2`), each value masked. */
function maskEntries(inner: string, goMap: boolean): string {
  const entries: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (i === inner.length || (depth === 0 && (goMap ? c === ' ' : c === ','))) {
      entries.push(inner.slice(start, i));
      start = i + 1;
    } else if (!goMap && (c === '"' || c === "'")) i = quoteEnd(inner, i);
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return entries.map((e) => maskEntry(e, goMap)).join(goMap ? ' ' : ',');
}

function maskEntry(entry: string, goMap: boolean): string {
  // The key ends at the first `:` outside quotes that a space or the value's quote follows (a URL's `:` does not end it).
  let sep = -1;
  for (let i = 0; i < entry.length && sep < 0; i++) {
    const c = entry[i];
    if (!goMap && (c === '"' || c === "'")) i = quoteEnd(entry, i);
    else if (c === ':' && (goMap || i + 1 === entry.length || /[\s"'\\]/.test(entry[i + 1]!))) sep = i;
  }
  if (sep < 0) return entry.trim() === '' ? entry : maskPadded(entry);
  return `${entry.slice(0, sep + 1)}${maskPadded(entry.slice(sep + 1))}`;
}

/** maskValue with the spaces around the value kept, and a JSON-in-a-string value's `\"` quotes. */
function maskPadded(text: string): string {
  const m = /^(\s*)(\\?)(.*?)(\s*)$/s.exec(text)!;
  const [, lead, escape, value, trail] = m;
  if (value === '') return text;
  if (escape && value.startsWith('"') && value.endsWith('\\"') && value.length > 2)
    return `${lead}\\"${maskValue(value.slice(1, -2))}\\"${trail}`;
  return `${lead}${escape}${maskValue(value)}${trail}`;
}

/**
 * An entry of a report's own lists (the overlays, what was not checked): its path masked as a path, its reason as a
 * message (an Application's repoURL with a password in it, quoted as "deploys it from <url>, another repository").
 */
export function redactListed<T extends { path: string; reason?: string }>(entry: T): T {
  const out = { ...entry, path: redactPathFormats(entry.path) };
  if (entry.reason !== undefined) out.reason = redactText(entry.reason);
  return out;
}

/**
 * Who allowed a finding and why, as reports print it: the reason and owner are the repository's text (an inline
 * allow's comment, an exception or baseline entry), masked like a message.
 */
export function redactSuppression<T extends { reason: string; owner?: string }>(
  suppression: T,
  redact: (text: string) => string = redactText,
): T {
  const out = { ...suppression, reason: redact(suppression.reason) };
  if (suppression.owner !== undefined) out.owner = redact(suppression.owner);
  return out;
}

/**
 * Text that no run's Secrets are known for (a config error, an error on stderr, a reason made before any render):
 * the structural and detector nets only.
 */
export function redactText(text: string): string {
  return redactDetected(redactStructure(text));
}

/** A path with every credential of a known format masked (the secret scan's own findings, before any report). */
export function redactPathFormats(path: string): string {
  return redactDetected(path, true);
}

/** Net 3: whatever the secret scanner's rules find in the message. */
function redactDetected(text: string, knownFormatsOnly = false, spare?: RegExp): string {
  const { candidates } = sharedDetector().detect(text, { skipGeneric: knownFormatsOnly });
  if (candidates.length === 0) return text;
  const spared = spare
    ? [...text.matchAll(new RegExp(spare.source, 'g'))].map((m) => [m.index, m.index + m[0].length])
    : [];
  let out = '';
  let at = 0;
  for (const c of [...candidates].sort((a, b) => a.start - b.start)) {
    if (c.start < at || spared.some(([from, to]) => c.start < to && c.end > from)) continue;
    out += text.slice(at, c.start) + hintOf(c.value, c.rule.hintPrefix);
    at = c.end;
  }
  return out + text.slice(at);
}
