/**
 * Small text helpers for the secret scanner: offsets → lines, length-preserving lowercasing, entropy and the
 * placeholder heuristics that keep look-alikes (`changeme`, `${VAR}`, `{{ .Values.x }}`) from firing.
 * Every native RegExp here is a fixed pattern without nested quantifiers, run on bounded strings (≤ a few hundred
 * characters): the credential patterns themselves go through re2js (see detector.ts).
 */
import { asText } from './decode.js';

/** Offsets of every line start, so any offset maps to a 1-based line/column in O(log lines). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    let i = text.indexOf('\n');
    while (i !== -1) {
      this.starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
  }

  /** 0-based index of the line holding `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 1-based line and column of `offset`. */
  position(offset: number): { line: number; column: number } {
    const idx = this.lineOf(offset);
    return { line: idx + 1, column: offset - this.starts[idx] + 1 };
  }

  lineStart(lineIdx: number): number {
    return this.starts[lineIdx];
  }

  /** Offset of the newline ending the line (or the text length). */
  lineEnd(lineIdx: number): number {
    return lineIdx + 1 < this.starts.length ? this.starts[lineIdx + 1] - 1 : this.text.length;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The text of a 1-based line, without its newline. */
  line(lineNo: number): string {
    const idx = lineNo - 1;
    if (idx < 0 || idx >= this.starts.length) return '';
    return this.text.slice(this.starts[idx], this.lineEnd(idx)).replace(/\r$/, '');
  }
}

/**
 * Lowercase that keeps every offset in place. `toLowerCase` can change the length of a few non-ASCII strings
 * (e.g. `İ`), which would shift keyword offsets; keywords are ASCII, so an ASCII-only fold is enough then.
 */
export function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...value].length;
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Words a placeholder is made of (`your-api-key-here`, `changeme123`, `REPLACE_ME`, `example_password`): a value
 * is a placeholder when EVERY word of it is one of these (digits may follow a word), never because one of them
 * occurs inside it — `Xk29dexample!` is a credential.
 */
const PLACEHOLDER_VOCAB = new Set([
  'changeme',
  'change',
  'me',
  'changeit',
  'example',
  'examples',
  'dummy',
  'placeholder',
  'redacted',
  'replace',
  'replaceme',
  'your',
  'yours',
  'here',
  'insert',
  'notreal',
  'not',
  'real',
  'a',
  'an',
  'the',
  'my',
  'secret',
  'password',
  'passwd',
  'pass',
  'pw',
  'pwd',
  'token',
  'key',
  'api',
  'apikey',
  'access',
  'fake',
  'sample',
  'test',
  'testing',
  'todo',
  'tbd',
  'fixme',
  'value',
  'goes',
  'put',
  'set',
  'to',
  'this',
  'enter',
  'some',
  'foo',
  'bar',
  'baz',
  'lorem',
  'ipsum',
  'xxx',
  'xxxx',
  'secretkey',
  'mysecret',
  'mypassword',
  'yourpassword',
  'yoursecret',
  'yourtoken',
  'notasecret',
  'none',
  'null',
  'empty',
  'default',
  'db',
  'user',
  'admin',
  'client',
  'private',
]);

/** A whole value that is only template actions / variable references, e.g. `${VAR}`, `{{ .Values.x }}`, `$(X)`. */
const TEMPLATE_PARTS = /\$\{[^{}]*\}|\{\{[^{}]*\}\}|\$\([^()]*\)|#\{[^{}]*\}|%\{[^{}]*\}|%\([^()]*\)s?|<[^<>]{1,80}>/g;
/**
 * References to a secret kept elsewhere (whole value): hiera-eyaml ciphertext (long base64 only), vault, vals,
 * argocd-vault-plugin, AWS ARNs. SOPS values are matched by their exact shape (isSopsValue), not here: a loose
 * `ENC[…]` let any plaintext between the brackets pass as ciphertext.
 */
const REFERENCE =
  /^(?:enc\[(?:pkcs7|gpg),[a-z0-9+/=\s]{64,}\]|vault:\S+|ref\+\S+|<path:[^>]+>|arn:aws:(?:secretsmanager|ssm):\S+)$/;
/**
 * A SOPS-encrypted value exactly as SOPS writes it: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, base64 fields, no
 * space or line break anywhere (`data` is empty for an empty string). Anything else between `ENC[` and `]` is text.
 */
export const SOPS_VALUE_IN_TEXT =
  /ENC\[AES256_GCM,data:[A-Za-z0-9+/]*={0,2},iv:[A-Za-z0-9+/]+={0,2},tag:[A-Za-z0-9+/]+={0,2},type:[a-z]+\]/;
const SOPS_VALUE = new RegExp(`^${SOPS_VALUE_IN_TEXT.source}$`);

/** Shortest `data` that is judged by its bytes: 8 random bytes all read as text by chance once in ~3,000 values. */
const SOPS_TEXT_CHECK_BYTES = 8;

/**
 * True when the whole value (surrounding whitespace aside) is one SOPS ciphertext value: SOPS's shape, and a `data`
 * field that is not text. AES-GCM output is random bytes; base64 of a plaintext credential in that field, in an
 * otherwise perfect shape with made-up `sops:` metadata, passed as ciphertext.
 */
export function isSopsValue(value: string): boolean {
  const trimmed = value.trim();
  if (!SOPS_VALUE.test(trimmed)) return false;
  const data = Buffer.from(/data:([^,]*),/.exec(trimmed)?.[1] ?? '', 'base64');
  return data.length < SOPS_TEXT_CHECK_BYTES || asText(data) === undefined;
}

/** Values published in vendor documentation as examples (AWS's example key pair). */
const DOCUMENTED_EXAMPLES = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  // The TOTP seed of the Google Authenticator key-URI documentation.
  'JBSWY3DPEHPK3PXP',
  // The bootstrap token of the kubeadm documentation's examples.
  'abcdef.0123456789abcdef',
  // The bcrypt hash of `password` in Dex's example configuration (copied into many products' docs).
  '$2a$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W',
]);

/** Whole values that are words, not secrets. */
const PLACEHOLDER_WORDS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'api-key',
  'pass',
  'none',
  'null',
  'nil',
  'true',
  'false',
  'undefined',
  'empty',
  'n/a',
  'unset',
  'default',
  'todo',
  'tbd',
  'test',
  'testing',
  'admin',
  'root',
  'guest',
  'user',
  'username',
  'postgres',
  'mysql',
  'redis',
  'rabbitmq',
  'minio',
  'minioadmin',
  'secret123',
  'password123',
  'redacted',
]);

/** A variable reference, YAML alias, anchor or tag: the sigil, then the name (a tag may lead a block scalar). */
const SIGIL_REFERENCE = /^(?:\$|[*&]|!!?)([A-Za-z0-9_][A-Za-z0-9_.-]*)(?:[ \t]+[|>][-+1-9]*)?$/;

/**
 * True when `value` reads as a placeholder, a template expression or a reference to a secret kept elsewhere:
 * `changeme`, `${DB_PASSWORD}`, `{{ .Values.x }}`, `<redacted>`, `ENC[AES256_GCM,…]` (SOPS), `vault:…`,
 * `<path:…>` (argocd-vault-plugin), `ref+vault://…` (vals), a YAML alias `*name`, a run of one repeated character.
 */
export function isPlaceholder(value: string, extraStopWords: readonly string[] = []): boolean {
  const v = value.trim();
  if (v === '') return true;
  const lower = v.toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower)) return true;
  // Stop words from the config are the team's own reviewed list: they keep their substring meaning.
  for (const part of extraStopWords) if (part !== '' && lower.includes(part.toLowerCase())) return true;
  if (v.length > 512) return false;
  if (REFERENCE.test(lower) || isSopsValue(v)) return true;
  // Only template actions and separators left once they are removed: `${USER}:${PASS}`, `{{ .Values.x }}`, and
  // `$${PASS}` (a `$` escaping the reference from Flux's or Kubernetes' own substitution, for the shell).
  if (/[${}<%#]/.test(v) && v.replace(TEMPLATE_PARTS, '').replace(/[\s:@/._$-]/g, '') === '') return true;
  // `$DB_PASSWORD`, `%DB_PASSWORD%`, `*anchor`, `&anchor`, `!vault |`, `!!binary`: references, not values — when
  // what follows the sigil is a name. `!Vq8kZ2mTnL0aWd7Ke3x` is a password that starts with `!` (in a .env file, a
  // URL or a quoted YAML scalar no tag is read there). Names may end their parts in digits (`*db2`, `&corev1.Secret`).
  const sigil = SIGIL_REFERENCE.exec(v) ?? /^%([A-Za-z_][A-Za-z0-9_]*)%$/.exec(v);
  if (sigil && isIdentifierLike(sigil[1].replace(/[0-9]+(?=$|[._-])/g, ''))) return true;
  // A shell command substitution, cut at its first blank by the unquoted value: `PASS=$(openssl rand -base64 16)`.
  if (v.startsWith('$(')) return true;
  // One repeated character (`xxxxxxxx`, `********`, `00000000`) or one repeated short unit.
  if (/^(.)\1*$/.test(v)) return true;
  if (/^(..?.?)\1{3,}$/.test(v)) return true;
  if (DOCUMENTED_EXAMPLES.has(v)) return true;
  // A format prefix and filler: `ghp_xxxx…`, `sk_live_xxxx…`, `T00000000/B00000000/XXXX…` — every long part one
  // repeated character.
  const long = v.split(/[_./-]/).filter((p) => p.length >= 8);
  if (long.length > 0 && long.every((p) => /^[A-Za-z]?(.)\1*$/.test(p) || (/^[a-z]+$/.test(p) && !isRandomLetters(p))))
    return true;
  // Every word a placeholder word: `your-api-key-here`, `changeme123`, `REPLACE_ME`, `<changeme>` (brackets above).
  const words = lower.split(/[\s_.:/-]+/).filter((w) => w !== '');
  return words.length > 0 && words.every((w) => PLACEHOLDER_VOCAB.has(w.replace(/[0-9!]+$/, '')) || /^x+$/.test(w));
}

/**
 * Lowercase words joined by separators (`kfm-db-credentials`, `DB_PASSWORD`, `api.example.com`,
 * `dbPasswordSecretName`, `v2`): names of things, not secrets.
 */
export function isIdentifierLike(value: string): boolean {
  const segments = value.split(/[-_./:@]+/).filter((s) => s !== '');
  if (segments.length === 0) return true;
  return segments.every(
    (s) =>
      /^[a-z]+$/.test(s) ||
      /^[A-Z]+$/.test(s) ||
      /^[0-9]+$/.test(s) ||
      /^[A-Za-z][a-z]+(?:[A-Z][a-z]+)*$/.test(s) ||
      /^[a-z]+(?:[A-Z][a-z]*)+$/.test(s) ||
      /^[a-zA-Z]{1,3}[0-9]{1,4}$/.test(s) ||
      s.length <= 2,
  );
}

/** Longest value a generic assignment rule reports (longer: a blob, a certificate, ciphertext — not a password). */
const MAX_GENERIC_SECRET = 256;

/**
 * The gate for generic `password|secret|token|apikey = value` assignments: long enough, random enough, not a
 * placeholder, not a name, path, URL, number or duration. The entropy floor scales with length because a short
 * string cannot reach the entropy of a long one (8 distinct characters top out at 3 bits/char).
 */
export function looksLikeGenericSecret(
  value: string,
  extraStopWords: readonly string[] = [],
  shortPasswords = false,
): boolean {
  const v = value.trim();
  if (v.length > MAX_GENERIC_SECRET) return false;
  // Six- and seven-character values only under a key that says password (`POSTGRES_PASSWORD: Xk9#q2`,
  // `MINIO_ROOT_PASSWORD: s3cr3t` passed): short, and still the credential.
  if (v.length < (shortPasswords ? MIN_SHORT_PASSWORD : 8)) return false;
  if (isPlaceholder(v, extraStopWords)) return false;
  if (v.includes('://')) return false; // URLs: the URL rules look for inline credentials
  if (/^(?:\/|\.\.?\/|~\/)/.test(v)) return false; // file paths
  // A call that makes the value at run time: `generatePassword()`, `styled(Chip)`, `rand.String(20)` — names and
  // numbers only (`f(<password>)` still holds a password).
  const call = /^([A-Za-z_$][\w$.]*)\(([\w$.,\s]*)\)$/.exec(v);
  if (call && [call[1], ...call[2].split(',')].every((p) => isIdentifierLike(p.trim()))) return false;
  if (/^[0-9.,:+-]+$/.test(v)) return false; // numbers, versions, times
  if (/^[0-9]+(?:ms|s|m|h|d|Mi|Gi|Ki|Ti|M|G|K)$/.test(v)) return false; // durations, quantities
  if (/^[A-Za-z0-9.-]+\.(?:svc|local|com|org|net|io|dev|internal|cluster)(?::[0-9]+)?$/.test(v)) return false; // host names
  if (isQueryOfNames(v)) return false;
  if (v.length < 8) return isShortPassword(v);
  // A run of random letters of one case reads like a name to isIdentifierLike; its letter pairs tell them apart (and
  // it is judged by them, not the entropy floor: 12 letters drawn from 26 often score under 3 bits per character).
  if (isIdentifierLike(v)) return isRandomLetters(v);
  const floor = Math.min(3.0, Math.log2(v.length) - 0.5);
  if (shannonEntropy(v) >= floor) return true;
  // Under a key that says password, a short value of three or four character classes is one (`aaBB11!!`): a person
  // chose it, and repeated characters keep it under the floor that random strings of its length reach.
  return shortPasswords && v.length <= MAX_SHORT_PASSWORD && characterClasses(v) >= 3 && new Set(v).size >= 4;
}

/** Longest value judged as a short password below the entropy floor (from 12 characters the floor is flat). */
const MAX_SHORT_PASSWORD = 11;
/** Shortest value judged as a password at all. */
const MIN_SHORT_PASSWORD = 6;

/**
 * A six- or seven-character value under a password key: three character classes (`Xk9#q2`), or letters and digits
 * with five different characters (`s3cr3t`, `hunter2`); not a name of an algorithm or an encoding (`sha512`,
 * `base64`, `utf8mb4`: `PASSWORD_HASH: sha512`), nor letters alone (`enabled`) or digits alone (a port, a length).
 */
function isShortPassword(v: string): boolean {
  if (/^(?:sha|md|base|utf|ucs|aes|rsa|des|argon|pbkdf|scrypt|bcrypt|crc|hmac|latin|ascii|ecdsa|ed|x)[0-9]/i.test(v))
    return false;
  if (characterClasses(v) >= 3) return new Set(v).size >= 4;
  return /[A-Za-z]/.test(v) && /[0-9]/.test(v) && new Set(v).size >= 5;
}

/** How many of lowercase, uppercase, digits and other characters `v` holds. */
function characterClasses(v: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(v)).length;
}

/**
 * Settings joined as a URL query (`response_type=code&client_id=my-app&scope=openid%20profile`): every value a name,
 * a number or a URL, once percent-decoded. A value that is neither (`client_secret=<random>`) keeps the whole string a
 * candidate.
 */
function isQueryOfNames(v: string): boolean {
  if (!v.includes('&') || !v.includes('=')) return false;
  return v.split('&').every((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_.[\]-]*$/.test(pair.slice(0, eq))) return false;
    let value = pair.slice(eq + 1);
    try {
      value = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      return false; // broken percent-encoding: not a query of names
    }
    const name = value.replace(/\s+/g, '-');
    return value === '' || value.includes('://') || (isIdentifierLike(name) && !isRandomLetters(name));
  });
}

/**
 * Letter pairs common in English and in the names of things (`th`, `er`, `st`, `gr`…). A word (`postgresql`,
 * `mysecretpassword`, `elasticsearch`) is made mostly of them; a random run of letters mostly is not.
 */
const COMMON_BIGRAMS = new Set(
  (
    'th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ' +
    'ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns ge ly ei os no pe do su pa ec ac ot di ol tr sh us ss em ' +
    'ct wa ai ho nc mi wh ow ad ie ut ee sa rs ul oo ir ts il we ab am ap ay bo ci ck cr da ds ef ew ey fi fo ga gh ' +
    'gr id if im iv ke ld lo mo na nu od oi ov pl po pr qu rd rt sp tt ty ua ue ui um un up va vi wi wo et rn ub ku ' +
    'bl br cl dr fl fr gl pp rr mm nn ff ck lt mp nk rk rm rv sc sk sm sn sw tw gn ly rc'
  ).split(' '),
);

/**
 * One run of letters of one case (`kqzvmtrplxwdhbne`, a password generator's lowercase output) that is not made of
 * words: at least 12 letters, most of whose neighbouring pairs are rare in words. A name (`postgresql`) or a
 * phrase run together (`supersecretpassword`) is mostly common pairs.
 */
export function isRandomLetters(value: string): boolean {
  if (value.length < 12 || !/^(?:[a-z]+|[A-Z]+)$/.test(value)) return false;
  const lower = value.toLowerCase();
  if (new Set(lower).size < 8) return false;
  let rare = 0;
  for (let i = 0; i + 1 < lower.length; i++) if (!COMMON_BIGRAMS.has(lower.slice(i, i + 2))) rare++;
  return rare / (lower.length - 1) >= 0.6;
}

/** Strict base64 (standard alphabet, optional padding, whitespace ignored); undefined when not base64. */
export function decodeBase64(value: string): Buffer | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length === 0) return Buffer.alloc(0);
  if (compact.length % 4 === 1) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

/** base64url without padding (JWT segments). */
export function decodeBase64Url(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url').toString('utf8');
}

/** True when the bytes look like text: no NUL and valid UTF-8 for the part inspected. */
export function isProbablyText(bytes: Uint8Array, inspect = 8000): boolean {
  // The native search, not a loop over bytes: this runs on every file of the tree.
  return bytes.subarray(0, Math.min(bytes.length, inspect)).indexOf(0) === -1;
}
