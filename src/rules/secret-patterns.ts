/**
 * Registry family of the secret scanner's credential rules: each pattern is declared here once, with its id, title,
 * why and fix beside what the detector needs to find it. The credential patterns of the secret scanner, written for this project (other scanners' public rule lists were
 * consulted only for which formats exist). Every pattern is RE2 syntax, compiled with re2js: matching time is
 * linear in the input, whatever a pull request puts in a file.
 *
 * A rule only runs around occurrences of one of its `keywords` (lowercase literals that every match contains), so
 * most files never reach a regex at all. `secretGroups` name the capture group(s) holding the credential itself:
 * that part is hashed for the fingerprint and measured for the hint, and is never printed.
 */
import type { RuleDoc } from '../types.js';
import { META_RULES } from './secrets.js';
import {
  decodeBase64,
  decodeBase64Url,
  isIdentifierLike,
  isPlaceholder,
  looksLikeGenericSecret,
} from '../checks/secrets/text.js';
import type { ShapeGate } from '../checks/secrets/shape-gate.js';

export type CharClass = 'alnum' | 'b64' | 'b64url' | 'azure' | 'crypt';

export interface ContentRule {
  id: string;
  title: string;
  /** What the rule finds (the description adds why it matters). */
  what: string;
  remediation: string;
  /** Lowercase literals; at least one occurs (case-insensitively) in every match. */
  keywords: string[];
  /** RE2 syntax. */
  pattern: string;
  /** Capture groups holding the secret, first non-empty wins (0 = the whole match). */
  secretGroups: number[];
  /** How far before a keyword a match may start, and how far after the keyword start it may end. */
  before: number;
  after: number;
  /** Matches may span lines (PEM blocks); otherwise the search window stops at the keyword's line. */
  multiline?: boolean;
  /** Characters of the secret that are the format's public prefix (`ghp_`, `AKIA`); at most 4 are ever shown. */
  hintPrefix: number;
  /** Token boundaries checked on the full text (windows may cut a token, the full text cannot lie). */
  boundary?: { chars: CharClass; left?: 'match' | 'secret'; right?: boolean };
  /** Placeholder/stop-word check on the secret (default on). */
  placeholderCheck?: boolean;
  /** Extra check on the (normalised) secret and the match's groups. */
  validate?: (secret: string, groups: readonly (string | null)[]) => boolean;
  /** Lowercase words that must also occur in the surrounding document (e.g. `service_account`). */
  requires?: string[];
  /**
   * A fixed native pattern (no nested quantifiers) that must occur in the lowercased surrounding document, like
   * `requires` but for a shape rather than a word (a Twilio Account SID beside its auth token).
   */
  near?: RegExp;
  /** `pem`: the secret group is the start of a PEM body, extended to the whole body and compared without layout. */
  body?: 'pem';
  /** Wins over overlapping matches of lower precedence (specific formats over generic assignments). */
  precedence: number;
  /** A generic `name = value` rule: gated by entropy and placeholders, off inside ExternalSecret references. */
  generic?: boolean;
  /** A generic rule whose keys say password: short values of mixed classes below the entropy floor count (text.ts). */
  shortPasswords?: boolean;
  /**
   * `assignment`: the pattern is `(?i)(KEY_CHARS keyword KEY_CHARS)` + ASSIGN + QUOTED_VALUE, so the detector
   * hands a window to RE2 only when an assignment of a long enough value follows one of its keyword hits
   * (checks/secrets/gate.ts: a necessary condition, read in place, no regex); a specific rule whose key is read the
   * same way and whose value's first 8 characters QUOTED_VALUE would accept may use it too (AWS secret key).
   * The other gates are the shape that must follow a keyword hit for a match to hold it (checks/secrets/shape-gate.ts).
   */
  gate?: 'assignment' | ShapeGate;
}

const REVOKE = (where: string): string =>
  `Treat it as leaked: revoke or rotate it in ${where} now, then keep the new one out of Git — reference it through an ExternalSecret (or commit it only as a SealedSecret/SOPS-encrypted file) and remove the old value from the Git history. An inline \`kfm-gitops:allow <ruleId> <reason>\` or a baseline entry with a reason is only for values that are known not to be live credentials.`;

const KEY_REMEDIATION =
  'Treat the key as compromised: replace the key pair, revoke what trusted it, and deliver the new private key through an ExternalSecret or a SealedSecret (SOPS-encrypted files are allowed too). Remove the old key from the Git history.';

const URL_REMEDIATION =
  'Change the password on the server, then build the URL at run time from a Secret delivered by an ExternalSecret or a SealedSecret (e.g. an env var with valueFrom.secretKeyRef) instead of writing it inline.';

const GENERIC_REMEDIATION =
  'Move the value into a Secret managed outside plaintext Git (ExternalSecret, SealedSecret or a SOPS-encrypted file) and reference it (valueFrom.secretKeyRef, envFrom). If the value is not a credential, rename the key or mark the line with `kfm-gitops:allow <ruleId> <reason>`.';

/**
 * The word for password in other languages, as ASCII keys spell it (`kennwort`, `contrasena` for `contraseña`,
 * `losenord` for `lösenord`). Each starts a word of the key (`DB_SENHA`, `kennwort`), so `licenseHash` holds no
 * `senha`.
 */
export const FOREIGN_PASSWORD_WORDS = ['kennwort', 'contrasena', 'wachtwoord', 'senha', 'salasana', 'losenord'];

/** What `[_.-]?` allows between the words of a key: keyword lists spell out each. */
const SEPARATORS = ['', '_', '.', '-'];

const ASSIGN = String.raw`["']?[ \t]*(?::=|=>|=|:)[ \t]*`;
const KEY_CHARS = String.raw`[A-Za-z0-9_.-]*`;
// Six characters at least: a password rule judges six- and seven-character values (looksLikeGenericSecret
// shortPasswords), every other generic rule eight and more. Unbounded here (a `{6,256}` repeat makes a program too large for re2js's fast backtracking capture engine); the
// search window bounds the match and the entropy gate refuses values over 256 characters. Unquoted values stop at
// YAML/JSON punctuation (`{secretName: x}` is a flow map, not a value).
const QUOTED_VALUE = String.raw`(?:"([^"\r\n]{6,})"|'([^'\r\n]{6,})'|([^\s"'\x60,;{}\[\]]{6,}))`;
/** What follows the key of a generic rule; the assignment gate (checks/secrets/gate.ts) reads exactly this shape. */
export const ASSIGNMENT_TAIL = `${ASSIGN}${QUOTED_VALUE}`;

function pem(id: string, title: string, label: string, keywords: string[], shown = label): ContentRule {
  return {
    id,
    title,
    what: `A PEM-armoured ${title.replace(/^[A-Z][a-z]/, (c) => c.toLowerCase())} (\`-----BEGIN ${shown}-----\` followed by key material), also inside JSON strings with \\n escapes and in base64-decoded Secret data.`,
    remediation: KEY_REMEDIATION,
    keywords,
    pattern: String.raw`-----BEGIN ${label}-----(?:\s|\\[nrt])*(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n\\]*(?:\s|\\[nrt])+)*([A-Za-z0-9+/]{40})`,
    secretGroups: [1],
    // The keyword (`begin rsa private key`) starts after the five dashes.
    before: 8,
    after: 1024,
    multiline: true,
    hintPrefix: 0,
    body: 'pem',
    validate: pemBodyOk,
    precedence: 3,
  };
}

function prefixed(
  id: string,
  title: string,
  what: string,
  where: string,
  keywords: string[],
  pattern: string,
  options: Partial<ContentRule> = {},
): ContentRule {
  return {
    id,
    title,
    what,
    remediation: REVOKE(where),
    keywords,
    pattern,
    secretGroups: [1],
    before: 0,
    after: 160,
    hintPrefix: 4,
    boundary: { chars: 'alnum', left: 'secret', right: true },
    precedence: 3,
    ...options,
  };
}

function dbUrl(id: string, title: string, schemes: string, keywords: string[]): ContentRule {
  return {
    id,
    title,
    what: `A ${title.replace(/ with an inline password$/, '')} that carries its password inline (\`scheme://user:password@host\`).`,
    remediation: URL_REMEDIATION,
    keywords,
    pattern: String.raw`(?i)(?:${schemes})://([^:@/\s"'\x60]*):([^@/\s"'\x60]+)@[^\s/"'\x60@]+`,
    secretGroups: [2],
    before: 16,
    after: 512,
    hintPrefix: 0,
    validate: urlPasswordOk,
    gate: 'url-credentials',
    precedence: 3,
  };
}

function generic(
  id: string,
  title: string,
  noun: string,
  keyPattern: string,
  keywords: string[],
  options: Partial<ContentRule> = {},
): ContentRule {
  return {
    id,
    title,
    what: `A ${noun} assigned in plain text (\`${keywords[0]}: value\`, \`${keywords[0].toUpperCase()}=value\`, JSON, env entries), when the value is long and random enough to be real and is not a placeholder (\`changeme\`, \`\${VAR}\`, \`{{ .Values.x }}\`, \`<redacted>\`, \`ENC[…]\`…).`,
    remediation: GENERIC_REMEDIATION,
    keywords,
    pattern: String.raw`(?i)(${KEY_CHARS}${keyPattern}${KEY_CHARS})${ASSIGNMENT_TAIL}`,
    secretGroups: [2, 3, 4],
    before: 64,
    after: 360,
    hintPrefix: 0,
    generic: true,
    gate: 'assignment',
    precedence: 1,
    ...options,
  };
}

/**
 * One `host:port:database:user:password` entry of a PostgreSQL password file, the password captured: at a line start
 * or after a blank, a quote or `=` (a YAML block or value, a JSON string, `echo … >> ~/.pgpass`, `PGPASS=…`), the
 * fields without blanks or `:`, `port` one of `ports`.
 */
export function PGPASS_LINE(ports: string): string {
  return String.raw`(?m)(?:^|[\s"'=])[^\s:#"'=][^\s:"'=]*:(?:${ports}):[^\s:"']+:[^\s:"']+:([^\s"'\\]+)`;
}

/** A password file's password: not a placeholder, a variable or the user's name (`postgres:postgres`). */
export function pgpassPasswordOk(password: string, groups: readonly (string | null)[]): boolean {
  if (password.length < 4 || isPlaceholder(password)) return false;
  const user = /:([^:]*):[^:]*$/.exec(groups[0] ?? '')?.[1];
  return password !== user;
}

export const CONTENT_RULES: ContentRule[] = [
  // ── private keys ──────────────────────────────────────────────────────────────────────────────────────────────
  pem('KFM-SEC-010', 'RSA private key', 'RSA PRIVATE KEY', ['begin rsa private key']),
  pem('KFM-SEC-011', 'EC private key', 'EC PRIVATE KEY', ['begin ec private key']),
  pem('KFM-SEC-012', 'DSA private key', 'DSA PRIVATE KEY', ['begin dsa private key']),
  pem('KFM-SEC-013', 'OpenSSH private key', 'OPENSSH PRIVATE KEY', ['begin openssh private key']),
  pem('KFM-SEC-014', 'PGP private key block', 'PGP PRIVATE KEY BLOCK', ['begin pgp private key block']),
  pem(
    'KFM-SEC-015',
    'PKCS#8 private key',
    '(?:ENCRYPTED )?PRIVATE KEY',
    ['begin private key', 'begin encrypted private key'],
    'PRIVATE KEY` or `ENCRYPTED PRIVATE KEY',
  ),
  {
    id: 'KFM-SEC-016',
    title: 'PuTTY private key',
    what: 'A PuTTY `.ppk` private key file (`PuTTY-User-Key-File-2/3` with `Private-Lines`).',
    remediation: KEY_REMEDIATION,
    keywords: ['putty-user-key-file-'],
    pattern: String.raw`PuTTY-User-Key-File-[23]:[\s\S]*?Private-Lines:[ \t]*[0-9]+(?:\r?\n|\\r?\\n)([A-Za-z0-9+/]{40})`,
    secretGroups: [1],
    before: 0,
    after: 4096,
    multiline: true,
    hintPrefix: 0,
    body: 'pem',
    validate: pemBodyOk,
    precedence: 3,
  },
  prefixed(
    'KFM-SEC-017',
    'age secret key',
    'An age identity (`AGE-SECRET-KEY-1…`): the key that decrypts SOPS/age-encrypted files, so committing it unlocks every encrypted secret.',
    'every SOPS/age recipient list (re-encrypt the files with a new key)',
    ['age-secret-key-1'],
    String.raw`(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})`,
  ),
  {
    id: 'KFM-SEC-018',
    title: 'Kubeconfig client key',
    what: 'A kubeconfig `client-key-data` field: the base64 of a client certificate private key that authenticates to a cluster.',
    remediation: REVOKE(
      'the cluster (re-issue the client certificate; revoke the old one by rotating the CA if needed)',
    ),
    keywords: ['client-key-data'],
    pattern: String.raw`client-key-data"?[ \t]*:[ \t]*"?([A-Za-z0-9+/]{64,}={0,2})`,
    secretGroups: [1],
    before: 0,
    after: 16384,
    hintPrefix: 0,
    validate: (s) => (decodeBase64(s)?.toString('latin1') ?? '').includes('PRIVATE KEY'),
    precedence: 3,
  },
  {
    id: 'KFM-SEC-019',
    title: 'JSON Web Key with its private part',
    what: 'A JSON Web Key (`"kty": …`, in JSON or YAML) carrying its private part: `d` of an RSA, EC or OKP key, or `k` of a symmetric (`oct`) key, as a JWKS for signing tokens holds it. A public JWKS (`n`/`e`, `x`/`y` only) is not reported.',
    remediation: KEY_REMEDIATION,
    // The key's own members have one-letter names: the window opens at its `kty` (members come in any order).
    keywords: ['kty'],
    pattern: String.raw`(?:\\?["'])?\b([dk])(?:\\?["'])?[ \t]*:[ \t]*(?:\\?["'])?([A-Za-z0-9_-]{22,})`,
    secretGroups: [2],
    before: 4096,
    after: 8192,
    multiline: true,
    hintPrefix: 0,
    boundary: { chars: 'b64url', left: 'secret', right: true },
    // At least 128 bits of key material, and not a word.
    validate: (s) => Buffer.from(s, 'base64url').length >= 16 && !isIdentifierLike(s),
    precedence: 3,
  },
  // ── cloud ─────────────────────────────────────────────────────────────────────────────────────────────────────
  prefixed(
    'KFM-SEC-020',
    'AWS access key ID',
    'An AWS access key ID (`AKIA…` long-term, `ASIA…` temporary): one half of an AWS credential pair; its secret is rarely far away.',
    'AWS IAM (deactivate and delete the access key)',
    ['akia', 'asia', 'abia', 'acca', 'a3t'],
    String.raw`((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})`,
    { after: 24 },
  ),
  {
    id: 'KFM-SEC-021',
    title: 'AWS secret access key',
    what: 'An AWS secret access key (40 base64 characters) assigned to `aws_secret_access_key`, `AWS_SECRET_ACCESS_KEY`, `secretAccessKey` and the like.',
    remediation: REVOKE('AWS IAM (deactivate and delete the access key pair)'),
    // Every spelling the pattern's `[_.-]?` separators allow, mixed ones included (`secret_access.key`).
    keywords: [
      ...SEPARATORS.flatMap((a) => SEPARATORS.map((b) => `secret${a}access${b}key`)),
      ...SEPARATORS.map((sep) => `aws${sep}secret`),
    ],
    pattern: String.raw`(?i)(?:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)[A-Za-z0-9_.-]*${ASSIGN}["']?([A-Za-z0-9/+]{40})`,
    secretGroups: [1],
    before: 32,
    after: 160,
    hintPrefix: 0,
    boundary: { chars: 'b64', right: true },
    validate: (s) => /[0-9+/]/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s),
    gate: 'assignment',
    precedence: 3,
  },
  {
    id: 'KFM-SEC-022',
    title: 'GCP service account key',
    what: 'A Google Cloud service-account JSON key (`"type": "service_account"` with a `private_key`).',
    remediation: REVOKE('Google Cloud IAM (delete the service-account key; prefer Workload Identity)'),
    keywords: ['private_key'],
    requires: ['service_account'],
    pattern: String.raw`"?private_key"?[ \t]*:[ \t]*"?-----BEGIN PRIVATE KEY-----(?:\s|\\[nrt])*([A-Za-z0-9+/]{40})`,
    secretGroups: [1],
    before: 4,
    after: 1024,
    multiline: true,
    hintPrefix: 0,
    body: 'pem',
    validate: pemBodyOk,
    precedence: 4,
  },
  prefixed(
    'KFM-SEC-023',
    'Google API key',
    'A Google API key (`AIza…`, 39 characters).',
    'the Google Cloud console (delete or restrict the key)',
    ['aiza'],
    String.raw`(AIza[0-9A-Za-z_-]{35})`,
    { boundary: { chars: 'b64url', left: 'secret', right: true } },
  ),
  prefixed(
    'KFM-SEC-024',
    'Google OAuth client secret',
    'A Google OAuth 2.0 client secret (`GOCSPX-…`).',
    'the Google Cloud console (reset the client secret)',
    ['gocspx-'],
    String.raw`(GOCSPX-[A-Za-z0-9_-]{28})`,
    { boundary: { chars: 'b64url', left: 'secret', right: true } },
  ),
  {
    id: 'KFM-SEC-025',
    title: 'Azure storage account key',
    what: 'An Azure Storage account key (`AccountKey=` + 88 base64 characters), usually inside a connection string.',
    remediation: REVOKE(
      'the Azure portal (rotate the storage account key; prefer managed identities or SAS from a vault)',
    ),
    keywords: ['accountkey'],
    pattern: String.raw`(?i)AccountKey[ \t]*=[ \t]*([A-Za-z0-9+/]{86}==)`,
    secretGroups: [1],
    before: 0,
    after: 128,
    hintPrefix: 0,
    precedence: 3,
  },
  {
    id: 'KFM-SEC-026',
    title: 'Azure shared access key',
    what: 'An Azure Service Bus / Event Hubs / IoT Hub shared access key (`SharedAccessKey=` + 44 base64 characters) in a connection string.',
    remediation: REVOKE('the Azure portal (regenerate the shared access policy key)'),
    keywords: ['sharedaccesskey'],
    pattern: String.raw`(?i)SharedAccessKey[ \t]*=[ \t]*([A-Za-z0-9+/]{43}=)`,
    secretGroups: [1],
    before: 0,
    after: 96,
    hintPrefix: 0,
    precedence: 3,
  },
  prefixed(
    'KFM-SEC-027',
    'Azure AD client secret',
    'A Microsoft Entra ID (Azure AD) application client secret (`xxx8Q~…`).',
    'Microsoft Entra ID (delete the client secret from the app registration)',
    ['q~'],
    String.raw`([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})`,
    { before: 4, after: 48, hintPrefix: 0, boundary: { chars: 'azure', left: 'secret', right: true } },
  ),
  prefixed(
    'KFM-SEC-028',
    'HashiCorp Vault token',
    'A HashiCorp Vault service or batch token (`hvs.…`, `hvb.…`).',
    'Vault (`vault token revoke`)',
    ['hvs.', 'hvb.'],
    String.raw`(hv[sb]\.[A-Za-z0-9_-]{24,})`,
    { after: 400, boundary: { chars: 'b64url', left: 'secret', right: true } },
  ),
  {
    id: 'KFM-SEC-029',
    title: 'Azure shared access signature',
    what: 'An Azure shared access signature (SAS): a Storage or Service Bus URL or connection string whose `sig=` is the signature (32 bytes, base64, usually URL-encoded). Whoever has it has the access it grants (`sp=rwdl…`) until it expires.',
    remediation: REVOKE(
      'Azure (rotate the account or policy key that signed it, or revoke its stored access policy; prefer managed identities)',
    ),
    keywords: ['sig='],
    pattern: String.raw`[?&;\s"']sig=([A-Za-z0-9+/%]{40,}(?:%3[Dd]|=){0,2})`,
    secretGroups: [1],
    before: 1,
    after: 160,
    hintPrefix: 0,
    boundary: { chars: 'b64', right: true },
    // The signature is an HMAC-SHA256: 32 bytes once URL- and base64-decoded (`sig=<signature>` placeholders are not).
    validate: (s) => decodeBase64(decodeURIComponentSafe(s))?.length === 32,
    precedence: 3,
  },
  // ── VCS and CI ────────────────────────────────────────────────────────────────────────────────────────────────
  prefixed(
    'KFM-SEC-030',
    'GitHub personal access token (classic)',
    'A GitHub classic personal access token (`ghp_` + 36 characters).',
    'GitHub (Settings → Developer settings → revoke the token)',
    ['ghp_'],
    String.raw`(ghp_[A-Za-z0-9]{36})`,
  ),
  prefixed(
    'KFM-SEC-031',
    'GitHub OAuth access token',
    'A GitHub OAuth app access token (`gho_` + 36 characters).',
    'GitHub (revoke the OAuth authorisation)',
    ['gho_'],
    String.raw`(gho_[A-Za-z0-9]{36})`,
  ),
  prefixed(
    'KFM-SEC-032',
    'GitHub user-to-server token',
    'A GitHub App user-to-server token (`ghu_` + 36 characters).',
    'GitHub (revoke the app authorisation)',
    ['ghu_'],
    String.raw`(ghu_[A-Za-z0-9]{36})`,
  ),
  prefixed(
    'KFM-SEC-033',
    'GitHub server-to-server token',
    'A GitHub App installation token (`ghs_` + 36 characters).',
    'GitHub (rotate the app private key and revoke installation tokens)',
    ['ghs_'],
    String.raw`(ghs_[A-Za-z0-9]{36})`,
  ),
  prefixed(
    'KFM-SEC-034',
    'GitHub refresh token',
    'A GitHub App refresh token (`ghr_` + 36+ characters).',
    'GitHub (revoke the app authorisation)',
    ['ghr_'],
    String.raw`(ghr_[A-Za-z0-9]{36,76})`,
  ),
  prefixed(
    'KFM-SEC-035',
    'GitHub fine-grained personal access token',
    'A GitHub fine-grained personal access token (`github_pat_` + 82 characters).',
    'GitHub (Settings → Developer settings → revoke the token)',
    ['github_pat_'],
    String.raw`(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})`,
  ),
  prefixed(
    'KFM-SEC-036',
    'GitLab personal access token',
    'A GitLab personal, project or group access token (`glpat-…`).',
    'GitLab (revoke the access token)',
    ['glpat-'],
    String.raw`(glpat-[A-Za-z0-9_-]{20,})`,
    {
      boundary: { chars: 'b64url', left: 'secret', right: true },
    },
  ),
  prefixed(
    'KFM-SEC-037',
    'GitLab pipeline trigger token',
    'A GitLab pipeline trigger token (`glptt-` + 40 hex).',
    'GitLab (CI/CD settings → revoke the trigger)',
    ['glptt-'],
    String.raw`(glptt-[0-9a-f]{40})`,
  ),
  prefixed(
    'KFM-SEC-038',
    'GitLab runner token',
    'A GitLab runner authentication token (`glrt-…`) or legacy registration token (`GR1348941…`).',
    'GitLab (reset the runner token)',
    ['glrt-', 'gr1348941'],
    String.raw`(glrt-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})`,
    { boundary: { chars: 'b64url', left: 'secret', right: true } },
  ),
  prefixed(
    'KFM-SEC-039',
    'GitLab deploy token',
    'A GitLab deploy token (`gldt-…`).',
    'GitLab (revoke the deploy token)',
    ['gldt-'],
    String.raw`(gldt-[A-Za-z0-9_-]{20,})`,
    {
      boundary: { chars: 'b64url', left: 'secret', right: true },
    },
  ),
  // ── chat ──────────────────────────────────────────────────────────────────────────────────────────────────────
  prefixed(
    'KFM-SEC-040',
    'Slack bot token',
    'A Slack bot token (`xoxb-…`).',
    'Slack (app settings → revoke and reinstall)',
    ['xoxb-'],
    String.raw`(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})`,
  ),
  prefixed(
    'KFM-SEC-041',
    'Slack user token',
    'A Slack user or refresh token (`xoxp-…`, `xoxe-…`).',
    'Slack (revoke the token)',
    ['xoxp-', 'xoxe-'],
    String.raw`(xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{28,64})`,
  ),
  prefixed(
    'KFM-SEC-042',
    'Slack app-level token',
    'A Slack app-level token (`xapp-…`).',
    'Slack (app settings → revoke the token)',
    ['xapp-'],
    String.raw`(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]{64})`,
  ),
  {
    id: 'KFM-SEC-043',
    title: 'Slack webhook URL',
    what: 'A Slack incoming webhook or workflow trigger URL (`https://hooks.slack.com/services/T…/B…/…`): whoever has it can post to the channel.',
    remediation: REVOKE('Slack (remove the webhook / regenerate the URL)'),
    keywords: ['hooks.slack.com'],
    pattern: String.raw`(https://hooks\.slack\.com/(?:services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}|(?:workflows|triggers)/T[A-Z0-9]{8,12}/A[A-Z0-9]{8,12}/[0-9]{15,20}/[A-Za-z0-9]{32}))`,
    secretGroups: [1],
    before: 8,
    after: 200,
    hintPrefix: 0,
    boundary: { chars: 'alnum', right: true },
    precedence: 3,
  },
  {
    id: 'KFM-SEC-044',
    title: 'Discord bot token',
    what: 'A Discord bot token (three base64url parts, the first the bot id) near the word "discord".',
    remediation: REVOKE('the Discord developer portal (reset the bot token)'),
    keywords: ['discord'],
    pattern: String.raw`([MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40})`,
    secretGroups: [1],
    before: 200,
    after: 300,
    hintPrefix: 0,
    boundary: { chars: 'b64url', left: 'secret', right: true },
    precedence: 3,
  },
  {
    id: 'KFM-SEC-045',
    title: 'Discord webhook URL',
    what: 'A Discord webhook URL (`https://discord.com/api/webhooks/<id>/<token>`).',
    remediation: REVOKE('Discord (delete the webhook in the channel settings)'),
    keywords: ['discord.com/api/webhooks', 'discordapp.com/api/webhooks'],
    pattern: String.raw`(https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68})`,
    secretGroups: [1],
    before: 24,
    after: 200,
    hintPrefix: 0,
    boundary: { chars: 'b64url', right: true },
    precedence: 3,
  },
  {
    id: 'KFM-SEC-046',
    title: 'Microsoft Teams webhook URL',
    what: 'A Microsoft Teams incoming webhook URL (`https://<tenant>.webhook.office.com/webhookb2/…/IncomingWebhook/…`).',
    remediation: REVOKE('Microsoft Teams (remove the connector / workflow and create a new one)'),
    keywords: ['webhook.office.com', 'outlook.office.com/webhook', 'outlook.office365.com/webhook'],
    pattern: String.raw`(https://(?:[A-Za-z0-9-]+\.webhook\.office\.com/webhookb2|outlook\.office(?:365)?\.com/webhook)/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f-]{36}(?:/[A-Za-z0-9_-]{10,})?)`,
    secretGroups: [1],
    before: 64,
    after: 400,
    hintPrefix: 0,
    precedence: 3,
  },
  // ── payment and SaaS ──────────────────────────────────────────────────────────────────────────────────────────
  prefixed(
    'KFM-SEC-050',
    'Stripe live secret key',
    'A Stripe live-mode secret key (`sk_live_…`). Test-mode keys (`sk_test_`) are not reported.',
    'the Stripe dashboard (roll the API key)',
    ['sk_live_'],
    String.raw`(sk_live_[A-Za-z0-9]{24,99})`,
  ),
  prefixed(
    'KFM-SEC-051',
    'Stripe live restricted key',
    'A Stripe live-mode restricted key (`rk_live_…`).',
    'the Stripe dashboard (roll the restricted key)',
    ['rk_live_'],
    String.raw`(rk_live_[A-Za-z0-9]{24,99})`,
  ),
  prefixed(
    'KFM-SEC-052',
    'Twilio API key',
    'A Twilio API key SID (`SK` + 32 hex), usually next to its secret.',
    'the Twilio console (delete the API key)',
    ['sk'],
    String.raw`(SK[0-9a-fA-F]{32})`,
    {
      after: 34,
      hintPrefix: 2,
      validate: (s) => /[0-9]/.test(s) && /[a-fA-F]/.test(s.slice(2)),
      gate: 'hex-sid',
    },
  ),
  {
    id: 'KFM-SEC-053',
    title: 'Twilio auth token',
    what: 'A Twilio auth token (32 hex) assigned to an auth, token or secret key (`TWILIO_AUTH_TOKEN`, `auth:`) in a document that names Twilio or holds a Twilio Account SID (`AC` + 32 hex): the SID and the token together are the account login.',
    remediation: REVOKE('the Twilio console (rotate the auth token)'),
    keywords: ['auth', 'token', 'secret'],
    // The key need not say Twilio (`AUTH=` beside `ACCOUNT_SID=AC…`): the document does.
    near: /twilio|\bac[0-9a-f]{32}\b/,
    pattern: String.raw`(?i)(?:auth|token|secret)[A-Za-z0-9_.-]*${ASSIGN}["']?([0-9a-f]{32})`,
    secretGroups: [1],
    before: 0,
    after: 160,
    hintPrefix: 0,
    boundary: { chars: 'alnum', right: true },
    validate: (s) => /[0-9]/.test(s) && /[a-f]/i.test(s),
    precedence: 3,
  },
  prefixed(
    'KFM-SEC-054',
    'SendGrid API key',
    'A SendGrid API key (`SG.<22>.<43>`).',
    'SendGrid (delete the API key)',
    ['sg.'],
    String.raw`(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})`,
    {
      hintPrefix: 3,
      boundary: { chars: 'b64url', left: 'secret', right: true },
    },
  ),
  prefixed(
    'KFM-SEC-055',
    'npm access token',
    'An npm access token (`npm_` + 36 characters).',
    'npm (`npm token revoke`)',
    ['npm_'],
    String.raw`(npm_[A-Za-z0-9]{36})`,
  ),
  {
    id: 'KFM-SEC-056',
    title: 'npm registry credential in .npmrc',
    what: 'An `.npmrc` registry credential (`_authToken=`, `_auth=`, `_password=`) written as a literal rather than `${NPM_TOKEN}`.',
    remediation: REVOKE(
      'the registry (revoke the token) and use `_authToken=${NPM_TOKEN}` with the token from a Secret',
    ),
    keywords: ['_authtoken', '_auth', '_password'],
    pattern: String.raw`(?:_authToken|_auth|_password)[ \t]*=[ \t]*["']?([^\s"']{8,})`,
    secretGroups: [1],
    before: 0,
    after: 400,
    hintPrefix: 0,
    boundary: { chars: 'alnum', left: 'match' },
    gate: 'npmrc',
    precedence: 3,
  },
  prefixed(
    'KFM-SEC-057',
    'PyPI API token',
    'A PyPI upload token (`pypi-AgEIcHlwaS5vcmc…`).',
    'PyPI (account settings → remove the API token)',
    ['pypi-ageichlwas5vcmc'],
    String.raw`(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})`,
    {
      after: 400,
      boundary: { chars: 'b64url', left: 'secret', right: true },
    },
  ),
  {
    id: 'KFM-SEC-058',
    title: 'Docker registry credential',
    what: 'A Docker config `auths.<registry>.auth` entry: base64 of `user:password` for a container registry (`.dockerconfigjson`, `config.json`).',
    remediation: REVOKE('the registry (revoke the password or token)'),
    keywords: ['auth'],
    pattern: String.raw`"?auth"?[ \t]*:[ \t]*"?([A-Za-z0-9+/]{8,}={0,2})`,
    secretGroups: [1],
    before: 1,
    after: 1024,
    hintPrefix: 0,
    boundary: { chars: 'b64url', left: 'match', right: true },
    validate: dockerAuthOk,
    gate: 'docker-auth',
    precedence: 3,
  },
  prefixed(
    'KFM-SEC-059',
    'Docker Hub access token',
    'A Docker Hub personal access token (`dckr_pat_…`).',
    'Docker Hub (account settings → delete the token)',
    ['dckr_pat_'],
    String.raw`(dckr_pat_[A-Za-z0-9_-]{27})`,
    {
      boundary: { chars: 'b64url', left: 'secret', right: true },
    },
  ),
  // ── tokens and URLs ───────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'KFM-SEC-060',
    title: 'JSON Web Token',
    what: 'A signed JSON Web Token (`eyJ….eyJ….<signature>`): a bearer credential until it expires — service-account tokens often never do.',
    remediation: REVOKE('the issuer (revoke the token or rotate the signing key)'),
    keywords: ['eyj'],
    pattern: String.raw`(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})`,
    secretGroups: [1],
    before: 0,
    after: 8192,
    hintPrefix: 3,
    boundary: { chars: 'b64url', left: 'secret', right: true },
    validate: jwtOk,
    precedence: 3,
  },
  dbUrl('KFM-SEC-061', 'PostgreSQL URL with an inline password', String.raw`postgres(?:ql)?(?:\+[a-z0-9]+)?`, [
    'postgres',
  ]),
  dbUrl('KFM-SEC-062', 'MySQL URL with an inline password', String.raw`(?:mysql|mysqlx|mariadb)(?:\+[a-z0-9]+)?`, [
    'mysql',
    'mariadb',
  ]),
  dbUrl('KFM-SEC-063', 'MongoDB URL with an inline password', String.raw`mongodb(?:\+srv)?`, ['mongodb']),
  dbUrl('KFM-SEC-064', 'Redis URL with an inline password', String.raw`rediss?`, ['redis']),
  dbUrl('KFM-SEC-065', 'AMQP URL with an inline password', String.raw`amqps?`, ['amqp']),
  dbUrl('KFM-SEC-066', 'URL with inline credentials', String.raw`https?|ftps?|sftp|ssh|git|ldaps?|smtps?|nats|mqtts?`, [
    '://',
  ]),
  {
    id: 'KFM-SEC-067',
    title: 'Credential in an Authorization header',
    what: 'An HTTP `Authorization` credential written out: `Bearer <token>` (a header in a config file, an nginx `proxy_set_header`, a curl line) when the token is long and random enough to be real, or `Basic <base64 of user:password>` whose password is not a placeholder.',
    remediation: REVOKE('the service the header authenticates to (revoke the token or change the password)'),
    keywords: ['bearer', 'basic'],
    pattern: String.raw`(?i)\b(?:bearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)|basic[ \t]+([A-Za-z0-9+/]{8,}={0,2}))`,
    secretGroups: [1, 2],
    before: 0,
    after: 600,
    hintPrefix: 0,
    boundary: { chars: 'b64url', right: true },
    // `Bearer __TOKEN__`, `Bearer tokenAuthentication`: names and placeholders; a Basic value is base64 of `user:pw`.
    validate: (secret, groups) => (groups[1] ? looksLikeGenericSecret(secret) : dockerAuthOk(secret)),
    // Below the specific formats (`Bearer ghp_…`, `Bearer eyJ…` are reported as the token they are).
    precedence: 2,
  },
  {
    id: 'KFM-SEC-068',
    title: 'Password in a .netrc entry',
    what: 'A `.netrc` entry (`machine <host> login <user> password <password>`, on one line or over several) whose password is long and random enough to be real and is not a placeholder or variable: curl, Git, pip and Go log in to the host with it.',
    remediation: REVOKE('the host the entry logs in to (change the password or revoke the token)'),
    keywords: ['machine'],
    pattern: String.raw`(?:^|[\s"'])machine[ \t]+\S+(?:\s+(?:login|account)[ \t]+\S+)*\s+password[ \t]+([^\s"'\x60]+)`,
    secretGroups: [1],
    before: 1,
    after: 1024,
    multiline: true,
    hintPrefix: 0,
    validate: (s) => looksLikeGenericSecret(s),
    precedence: 3,
  },
  {
    id: 'KFM-SEC-069',
    title: 'Secret in an XML element or setting',
    what: 'A password, secret, token or API key written as an XML element (`<password>…</password>`, Maven `settings.xml`) or an `<add key="…Password" value="…"/>` setting (NuGet.config, .NET app settings), when the value is long and random enough to be real and is not a placeholder or a Maven-encrypted `{…}` value.',
    remediation: GENERIC_REMEDIATION,
    keywords: ['pass', 'secret', 'token', ...SEPARATORS.map((sep) => `api${sep}key`)],
    pattern: String.raw`(?i)(?:<[A-Za-z0-9_.:-]*(?:pass(?:word|wd|phrase)?|secret|token|api[_.-]?key)[A-Za-z0-9_.-]*>[ \t]*([^<>\s]{8,})[ \t]*</|\bkey="[^"<>]*(?:pass(?:word|wd|phrase)?|secret|token|api[_.-]?key)[^"<>]*"\s+value="([^"<>]{8,})")`,
    secretGroups: [1, 2],
    before: 80,
    after: 400,
    hintPrefix: 0,
    // `{COQLCE6DU6GtcS5P=}`: a password Maven encrypted with the master password, not one in clear.
    validate: (s) => !/^\{[A-Za-z0-9+/=]+\}$/.test(s),
    generic: true,
    gate: 'xml-setting',
    precedence: 1,
  },
  // ── command lines, password hashes, one-time-password seeds ─────────────────────────────────────────────────
  {
    id: 'KFM-SEC-074',
    title: 'Credential on a command line',
    what: 'A password or token given to a command as an option, in a script, a Job or CronJob `command`/`args`, a ConfigMap script or a README code block: `curl -u user:password` (`--user`, also as separate list items), `skopeo --src-creds/--dest-creds/--creds user:password`, `--password <value>` (`--token`, `--secret`, `--api-key`, `--http-password`…), `mysql -p<password>`, `sshpass -p`, `docker login -p`, `redis-cli -a`, `kubectl create secret --from-literal=<key>=<value>` whatever the key, when the value is long and random enough to be real and is not a variable or placeholder (`$PASS`, `${TOKEN}`, `<password>`).',
    remediation:
      'Read the credential at run time instead: an env var from a Secret delivered by an ExternalSecret or a SealedSecret (`valueFrom.secretKeyRef`), `--password-stdin`, a mounted file. Rotate the value: it is in the Git history.',
    // The option followed by a blank or a quote (`-u `, `"--password",`): `api-secret-access-key` or
    // `service-account-token` in a manifest is a name, not an option, and costs no regex run.
    keywords: [
      '--user',
      // skopeo's --src-creds/--dest-creds/--creds (and crane/oras style --creds), `user:password` like curl's -u.
      '-creds',
      ...['pass', 'passwd', 'password', 'passphrase', 'token', 'secret', 'api-key', 'apikey', 'u'].flatMap((w) =>
        [' ', '\t', '"', "'"].map((end) => `-${w}${end}`),
      ),
      'mysql',
      'mariadb',
      'sshpass',
      'login',
      'redis-cli',
      'from-literal',
    ],
    pattern: [
      // curl/wget-style `-u user:password`, `--user=user:password`, `"-u", "user:password"` (argument lists); a
      // registry copy's `--src-creds`/`--dest-creds`/`--creds user:password` (skopeo) the same way.
      String.raw`(?:^|[\s"'\[,(])(?:(?:-u|--user|--(?:src-|dest-)?creds)(?:[ \t]+|["'][ \t]*,[ \t]*["'])|--(?:user|(?:src-|dest-)?creds)=)["']?[^\s:"'\x60]*:([^\s"'\x60;|&)]+)`,
      // `--password <value>`, `"--db-password", "<value>"` (the `=` form is an assignment: the generic rules).
      String.raw`(?:^|[\s"'\[,(])--(?:[a-z0-9]+-)*(?i:pass(?:word|wd|phrase)?|token|secret|api-?key)(?:[ \t]+|["'][ \t]*,[ \t]*["'])["']?([^\s"'\x60;|&)-][^\s"'\x60;|&)]*)`,
      // The MySQL clients take the password glued to `-p`.
      String.raw`\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\r\n]*?[ \t"']-p([^\s"'\x60;|&)]+)`,
      String.raw`\bsshpass[ \t]+-p[ \t]*([^\s"'\x60;|&)]+)`,
      String.raw`\blogin\b[^\r\n]*?[ \t"',]-p[ \t]+([^\s"'\x60;|&)]+)`,
      String.raw`\bredis-cli\b[^\r\n]*?[ \t"',]-a[ \t]+([^\s"'\x60;|&)]+)`,
      // A Secret's literal whatever its key (`--from-literal=value=…`): the command builds a Secret from it.
      String.raw`--from-literal[= ]["']?[A-Za-z0-9_.-]+=["']?([^\s"'\x60;|&)]+)`,
    ].join('|'),
    secretGroups: [1, 2, 3, 4, 5, 6, 7],
    before: 48,
    after: 400,
    hintPrefix: 0,
    generic: true,
    validate: commandValueOk,
    // Below the specific formats (`-u x:ghp_…` is the GitHub token), above the generic assignments.
    precedence: 2,
  },
  {
    id: 'KFM-SEC-075',
    title: 'Password hash',
    what: 'A password hash in a format made to be checked offline: an htpasswd entry (`user:$apr1$…`, bcrypt `$2y$…`, `{SHA}…`), a crypt(3) hash (`$1$`, `$5$`, `$6$`) or an LDAP `{SSHA}` value — in a file, a ConfigMap (ingress basic auth), a Dex `staticPasswords` hash. Whoever reads it can guess the password offline at their own pace, and a service that takes the hash file as it is lets them in with any password that matches.',
    remediation:
      'Deliver the hash file like any credential (an ExternalSecret or a SealedSecret), change the passwords whose hashes were committed, and remove the old file from the Git history.',
    keywords: ['$apr1$', '$1$', '$2a$', '$2b$', '$2x$', '$2y$', '$5$', '$6$', '{sha}', '{ssha}'],
    pattern: String.raw`(\$(?:apr1|1)\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\$2[abxy]\$[0-9]{2}\$[./0-9A-Za-z]{53}|\$[56]\$(?:rounds=[0-9]{1,9}\$)?[./0-9A-Za-z]{1,16}\$(?:[./0-9A-Za-z]{86}|[./0-9A-Za-z]{43})|\{SHA\}[A-Za-z0-9+/]{27}=|\{SSHA\}[A-Za-z0-9+/]{32,}={0,2})`,
    secretGroups: [1],
    before: 0,
    after: 160,
    hintPrefix: 0,
    boundary: { chars: 'crypt', left: 'secret', right: true },
    validate: hashOk,
    precedence: 3,
  },
  {
    id: 'KFM-SEC-076',
    title: 'TOTP seed in an otpauth URI',
    what: 'A one-time-password seed in an `otpauth://totp/…?secret=<base32>` (or `hotp`) URI, as an authenticator app scans it from a QR code: whoever has it generates the second factor of the account.',
    remediation: REVOKE('the account the seed belongs to (reset its two-factor enrolment)'),
    keywords: ['otpauth://'],
    pattern: String.raw`(?i)otpauth://[th]otp/[^?\s"'\x60]*\?(?:[^\s"'\x60#]*?&)?secret=([A-Z2-7]{16,}=*)`,
    secretGroups: [1],
    before: 0,
    after: 512,
    hintPrefix: 0,
    boundary: { chars: 'alnum', right: true },
    precedence: 3,
  },
  {
    id: 'KFM-SEC-077',
    title: 'Token as the user of a URL',
    what: 'A URL whose user part is a token (`https://<token>@dev.azure.com/…`, `https://<token>@github.com/…`): Git hosts take a personal access token as the user name with no password, so an Argo CD `repoURL`, a clone command or a Helm repository URL written this way carries the credential. Reported when the user part is long and random enough to be real and is not a name (`x-access-token`) or a variable.',
    remediation: REVOKE('the Git host (revoke the token)'),
    keywords: ['@'],
    pattern: String.raw`[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9_.~%-]{20,})@[A-Za-z0-9]`,
    secretGroups: [1],
    // A token of up to a few hundred characters and the scheme before it.
    before: 320,
    after: 2,
    hintPrefix: 0,
    generic: true,
    // Below the specific formats (`https://ghp_…@github.com` is the GitHub token).
    precedence: 2,
  },
  {
    id: 'KFM-SEC-078',
    title: 'Kubernetes bootstrap token',
    what: "A kubeadm bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) given to a `token` key or option — a kubeadm `InitConfiguration`/`JoinConfiguration`, `kubeadm join --token`, `KUBEADM_TOKEN=` — or the `token-secret` of a bootstrap token Secret: whoever has it joins nodes to the cluster (and reads its cluster-info). Letters-only tokens are tokens too. The kubeadm documentation's example (`abcdef.0123456789abcdef`) is not reported.",
    remediation: REVOKE('the cluster (`kubeadm token delete <id>`, or delete the bootstrap-token Secret)'),
    keywords: ['token'],
    // The key (`token`, `tlsBootstrapToken`, `KUBEADM_TOKEN`) and an operator, or the option `--token` and blanks; the
    // token, and no
    // more of a name after it (`ab12cd.examplehostnames.local` is a host).
    pattern: String.raw`(?:--token[ \t]+|(?i:token)[A-Za-z0-9_.-]*["']?[ \t]*[:=][ \t]*)["']?([a-z0-9]{6}\.[a-z0-9]{16}|[a-z0-9]{16})(?:$|[^A-Za-z0-9_.-])`,
    secretGroups: [1],
    before: 2,
    after: 160,
    hintPrefix: 0,
    boundary: { chars: 'alnum', right: true },
    // Random lowercase letters often read as words to the placeholder check: the rule's own check instead.
    placeholderCheck: false,
    validate: bootstrapTokenOk,
    gate: 'bootstrap-token',
    precedence: 3,
  },
  {
    id: 'KFM-SEC-079',
    title: 'PostgreSQL password file entry',
    what: "A line in the shape of a PostgreSQL password file (`.pgpass`, `PGPASSFILE`): `host:port:database:user:password`, in a file called `.pgpass` or `pgpass` (any port), a value under a `pgpass` key, or any text when the port is PostgreSQL's or PgBouncer's usual one (5432, 5433, 6432) or `*`. libpq and every tool built on it log in with it.",
    remediation: REVOKE('the database (`ALTER ROLE … PASSWORD …`)'),
    keywords: [':5432:', ':5433:', ':6432:', ':*:'],
    pattern: PGPASS_LINE(String.raw`5432|5433|6432|\*`),
    secretGroups: [1],
    before: 320,
    after: 400,
    hintPrefix: 0,
    validate: pgpassPasswordOk,
    precedence: 3,
  },
  {
    id: 'KFM-SEC-081',
    title: 'Password in a server configuration directive',
    what: "A password written as a server configuration directive, a name and its value separated by blanks rather than `=` or `:`: Redis `requirepass`, `masterauth`, Sentinel `sentinel auth-pass <master>` and an ACL user's `>password`, HAProxy `insecure-password` and `stats auth <user>:<password>`, keepalived `auth_pass`, OpenLDAP `rootpw`. Reported when the value is long and random enough to be real and is not a placeholder, a variable or a hash (`{SSHA}…`).",
    remediation: GENERIC_REMEDIATION,
    keywords: ['requirepass', 'masterauth', 'auth-pass', 'insecure-password', 'auth_pass', 'rootpw', 'stats', 'user'],
    pattern: String.raw`(?im)(?:^|[\s;"'])(?:(?:requirepass|masterauth|insecure-password|auth_pass|rootpw)[ \t]+|sentinel[ \t]+auth-pass[ \t]+[^\s]+[ \t]+|stats[ \t]+auth[ \t]+[^\s:]+:|user[ \t]+[^\s>]+[ \t]+(?:[^\n>]*[ \t])?>)(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"';#]+))`,
    secretGroups: [1, 2, 3],
    before: 16,
    after: 400,
    hintPrefix: 0,
    generic: true,
    shortPasswords: true,
    validate: (s) => !s.startsWith('{') && s !== 'foobared',
    precedence: 2,
  },
  // ── generic assignments ───────────────────────────────────────────────────────────────────────────────────────
  // `pw` ending a word, as in LDAP's `bindPW` and `ROOT_PW` (not `ChipWrap`, `upward`). The word for password in
  // other languages written in ASCII (German, Spanish, Dutch, Portuguese, Finnish, Swedish; `passwort` and
  // `mot_de_passe` hold `pass`); spellings outside ASCII (`пароль`, `密码`, `ｐａｓｓｗｏｒｄ`) are folded onto these
  // keys before the rules run (checks/secrets/fold.ts).
  generic(
    'KFM-SEC-070',
    'Password assigned in plain text',
    'password',
    String.raw`(?:pass(?:word|wd|phrase)?|pwd|pw\b|(?:[_.-]|\b)(?:${FOREIGN_PASSWORD_WORDS.join('|')}))`,
    ['password', 'pass', 'pw', ...FOREIGN_PASSWORD_WORDS],
    { shortPasswords: true },
  ),
  generic(
    'KFM-SEC-071',
    'Secret assigned in plain text',
    'secret or credential (client secret, app secret, signing secret, `credentials:`)',
    // `credentials` ending a word (`credentials:`, `registry_credentials`), not `credential_source`, `credentialName`.
    String.raw`(?:secret|credentials?\b)`,
    ['secret', 'credential'],
  ),
  generic('KFM-SEC-072', 'Token assigned in plain text', 'token (access, auth, bearer, refresh token)', 'token', [
    'token',
  ]),
  generic(
    'KFM-SEC-073',
    'API key assigned in plain text',
    'API or access key',
    String.raw`(?:api|access|auth|app|client|master|signing|encryption)[_.-]?key`,
    [
      // Every spelling `[_.-]?` allows: a keyword the list lacks is a match the keyword pass never looks for.
      ...['api', 'access', 'auth', 'app', 'client', 'master', 'signing', 'encryption'].flatMap((w) =>
        SEPARATORS.map((sep) => `${w}${sep}key`),
      ),
    ],
  ),
];

/**
 * KFM-SEC-079 for a text known to be a password file (a file called `.pgpass`/`pgpass`, a value under a `pgpass` key):
 * any port. Not among the content rules: without a keyword of its own (`:` is everywhere) it would run on every line.
 */
export const PGPASS_FILE_RULE: ContentRule = {
  ...CONTENT_RULES.find((r) => r.id === 'KFM-SEC-079')!,
  keywords: [':'],
  pattern: PGPASS_LINE(String.raw`[0-9]{1,5}|\*`),
};

// ── validators ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A bootstrap token (`id.secret`), or its 16-character secret alone under a bootstrap Secret's `token-secret` key;
 * not the documentation's example, nor a filler (`xxxxxx.xxxxxxxxxxxxxxxx`).
 */
function bootstrapTokenOk(token: string, groups: readonly (string | null)[]): boolean {
  if (!token.includes('.') && !/token-secret["']?[ \t]*[:=]/i.test(groups[0] ?? '')) return false;
  if (token === 'abcdef.0123456789abcdef') return false;
  return token.split('.').every((part) => !/^(.)\1*$/.test(part));
}

/** A PEM body worth reporting: ≥ 64 base64 characters of varied content (`AAAA…` or `...` placeholders are not). */
function pemBodyOk(body: string): boolean {
  if (body.length < 64) return false;
  const distinct = new Set(body).size;
  return distinct >= 16;
}

/**
 * A command-line value that is not a list or a pair of names (`--from-literal=scopes=custom,scopes`,
 * `--from-literal="HOST_TYPES=git.example.com=gitlab"`) nor the start of a placeholder cut at its blank
 * (`--from-literal="hmac-key=<hmac-key value>"`).
 */
function commandValueOk(value: string): boolean {
  return !value.startsWith('<') && !isIdentifierLike(value.replace(/[,=]/g, '-'));
}

/** The hash part of a password hash varies (a filler of one character, `$2a$10$xxxx…`, is a placeholder). */
function hashOk(hash: string): boolean {
  const tail = hash.slice(Math.max(hash.lastIndexOf('$'), hash.indexOf('}')) + 1);
  return new Set(tail).size >= 12;
}

function urlPasswordOk(password: string, groups: readonly (string | null)[]): boolean {
  if (password.length < 3) return false;
  const user = groups[1] ?? '';
  if (user !== '' && password === user) return false; // `postgres://postgres:postgres@localhost`: a dev default
  return !isPlaceholder(decodeURIComponentSafe(password));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function dockerAuthOk(value: string): boolean {
  const bytes = decodeBase64(value);
  if (!bytes || bytes.length < 3) return false;
  const text = bytes.toString('utf8');
  if (!/^[\x20-\x7e]+$/.test(text)) return false;
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return false;
  return !isPlaceholder(text.slice(colon + 1));
}

function jwtOk(token: string): boolean {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return false;
  try {
    const h = JSON.parse(decodeBase64Url(header) ?? '') as { alg?: unknown };
    const p = JSON.parse(decodeBase64Url(payload) ?? '') as unknown;
    if (typeof h !== 'object' || h === null || typeof h.alg !== 'string' || h.alg.toLowerCase() === 'none')
      return false;
    return typeof p === 'object' && p !== null;
  } catch {
    return false; // not a decodable JWT: this rule's shape test fails; the other rules still judge the value
  }
}

// ── rules that are not content patterns: declared in src/rules/secrets.ts ─────────────────────────────────────

/** Precedence of the Kubernetes-shape rules: below specific formats, above generic assignments. */
export const STRUCTURAL_PRECEDENCE = 2;

const WHY_CONTENT =
  'A credential committed to Git is readable by everyone with clone access, stays in the history after deletion, and reaches every fork and CI cache; scanning the repository files and every rendered overlay catches it before merge. The finding shows only the public prefix of the format (at most 4 characters) and the length; the fingerprint is a keyed hash.';

/** Docs of the credential patterns, in the registry's shape (the registry lists them with the secret family). */
export function contentRuleDocs(): RuleDoc[] {
  return CONTENT_RULES.map((r) => ({
    id: r.id,
    title: r.title,
    category: 'secret' as const,
    severity: 'error' as const,
    description: `${r.what} ${WHY_CONTENT}`,
    remediation: r.remediation,
  }));
}

export function ruleTitle(id: string): string {
  return CONTENT_RULES.find((r) => r.id === id)?.title ?? META_RULES.find((r) => r.id === id)?.title ?? id;
}
