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

/** Shorter known values are left to the structural net: replacing "1" or "true" everywhere would ruin messages. */
const MIN_KNOWN = 4;
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

  /** Registers the data of every Secret among the objects (rendered resources, parsed documents). */
  addObjects(objects: Iterable<unknown>): void {
    for (const object of objects) {
      if (object === null || typeof object !== 'object') continue;
      const o = object as Record<string, unknown>;
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
      for (const value of this.ordered) if (out.includes(value)) out = out.split(value).join(hintOf(value));
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
      if (blockIndent >= 0 && line.trim() !== '' && line.length - line.trimStart().length <= blockIndent)
        blockIndent = -1;
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
  return parts
    .join('')
    .replace(INLINE_PAIR, (all, key: string, q: string, sep: string, value: string) =>
      isSensitiveKey(key) ? `${key}${q}${sep}${maskValue(value)}` : all,
    );
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
