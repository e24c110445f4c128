/** Secret-scanner rules that are not content patterns: Kubernetes shapes, scan failures, suppression hygiene. */
import type { RuleDoc } from '../types.js';

export const RULE_SCAN_FAILED = 'KFM-SEC-000';
export const RULE_PLAINTEXT_SECRET = 'KFM-SEC-001';
export const RULE_SECRET_GENERATOR = 'KFM-SEC-002';
export const RULE_TOO_LARGE = 'KFM-SEC-003';
export const RULE_UNREADABLE = 'KFM-SEC-004';
export const RULE_BINARY_SKIPPED = 'KFM-SEC-005';
export const RULE_KEYSTORE_FILE = 'KFM-SEC-006';
export const RULE_SCAN_BUDGET = 'KFM-SEC-007';
export const RULE_STRUCTURE_UNREADABLE = 'KFM-SEC-008';
export const RULE_PLAIN_IN_REFERENCE = 'KFM-SEC-009';
export const RULE_OPAQUE_COMPRESSED = 'KFM-SEC-080';
export const RULE_ALLOW_NO_REASON = 'KFM-SEC-901';
export const RULE_BASELINE_NO_REASON = 'KFM-SEC-902';
export const RULE_ALLOW_NOT_PERMITTED = 'KFM-SEC-903';
export const RULE_BASELINE_INVALID = 'KFM-SEC-904';
export const RULE_HISTORY_NOT_SCANNED = 'KFM-SEC-905';
export const RULE_EXCLUDED = 'KFM-SEC-906';

const GUARDS: ReadonlySet<string> = new Set([
  RULE_SCAN_FAILED,
  RULE_TOO_LARGE,
  RULE_UNREADABLE,
  RULE_SCAN_BUDGET,
  RULE_STRUCTURE_UNREADABLE,
]);

/** The secret scanner's own rules (its credential patterns are declared with their detection in the check). */
export const META_RULES: RuleDoc[] = [
  {
    id: RULE_SCAN_FAILED,
    category: 'secret',
    title: 'Secret scan failed',
    severity: 'error',
    description:
      'The secret scanner itself could not run (an unexpected error listing or reading the repository). Nothing it would have checked can be vouched for, so the run fails rather than passing silently.',
    remediation:
      'Read the message, fix the cause (permissions, a broken git work tree) and run again; report a bug if it persists.',
  },
  {
    id: RULE_PLAINTEXT_SECRET,
    category: 'secret',
    title: 'Kubernetes Secret with plaintext data',
    severity: 'error',
    description:
      "A `kind: Secret` object carries non-empty `data` (base64 is an encoding, not encryption) or `stringData`, in a repository file or in an overlay's rendered output. This repo's hard rule: no Kubernetes Secret in clear text in Git. Encrypted forms are allowed: SealedSecret `spec.encryptedData`, SOPS-encrypted files (values exactly as SOPS writes them, `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, in a document with `sops:` metadata), and ExternalSecret references. Decoded values are also checked against the credential patterns, which then report the more specific rule.",
    remediation:
      'Replace the Secret with an ExternalSecret (value kept in the secret store) or a SealedSecret (`kubeseal`), or encrypt the file with SOPS. Rotate any value that was committed: it stays in the Git history.',
  },
  {
    id: RULE_SECRET_GENERATOR,
    category: 'secret',
    title: 'kustomize secretGenerator with plaintext values in Git',
    severity: 'error',
    description:
      'A kustomization `secretGenerator` builds a Secret from `literals`, or from `files`/`envs` that are committed: the values sit in plaintext in the repository and land in the rendered Secret.',
    remediation:
      'Generate the Secret outside Git: an ExternalSecret, a SealedSecret, or a SOPS-encrypted generator (e.g. ksops). If the source file must exist locally, keep it git-ignored. Rotate the committed values.',
  },
  {
    id: RULE_TOO_LARGE,
    category: 'secret',
    title: 'File too large to scan for secrets',
    severity: 'error',
    description:
      'A tracked file is larger than `secrets.maxFileBytes` (default 5 MiB) and was not scanned, or a file or value unpacks and decodes to more than that: gzip, zip and zlib content, and encoded text inside decoded text (base64, hex and URL percent-encoding, read up to five layers deep), share one budget of `secrets.maxFileBytes` per file or value. The size cap keeps a crafted file (a decompression or decoding bomb) from stalling CI, but an unscanned file could hold anything, so this fails closed.',
    remediation:
      'Keep large generated files out of the desired-state repo, or raise `secrets.maxFileBytes`, or list the file in `secrets.exclude` (a reviewed decision in kfm-gitops.yaml).',
  },
  {
    id: RULE_UNREADABLE,
    category: 'secret',
    title: 'File could not be read for the secret scan',
    severity: 'error',
    description:
      'A tracked file could not be opened or read (permissions, a race with a checkout), so it was not scanned.',
    remediation: 'Fix the file permissions or re-run on a stable checkout.',
  },
  {
    id: RULE_BINARY_SKIPPED,
    category: 'secret',
    title: 'Binary files scanned only for the text they hold',
    severity: 'info',
    description:
      'Binary files (NUL bytes in the first 8 KB, as Git decides) are searched only for the text they hold: runs of printable characters, NULs dropped first so UTF-16 text without a BOM is read as text. Gzip, zip and zlib content (a gzipped chart, an archive, the binaryData of a gzipped file, a `zlib.compress` output) is unpacked and read like any other content, up to `secrets.maxFileBytes` (KFM-SEC-003 past it); other compressed, encrypted or damaged content is not, and is named here. They are counted and listed here so nothing is skipped silently.',
    remediation:
      'Nothing to do when the files are images or archives you expect; unpack an archive that holds manifests or configuration into the repository. Key stores are reported separately (KFM-SEC-006).',
  },
  {
    id: RULE_KEYSTORE_FILE,
    category: 'secret',
    title: 'Key store file committed',
    severity: 'error',
    description:
      'A binary key store (`.p12`, `.pfx`, `.jks`, `.keystore`, `.kdbx`, `.der` key) is tracked: its private keys cannot be scanned as text and are usually protected only by a weak or committed password.',
    remediation:
      'Remove the file from Git, rotate the keys it holds, and deliver it through an ExternalSecret or SealedSecret.',
  },
  {
    id: RULE_SCAN_BUDGET,
    category: 'secret',
    title: 'Secret scan of a file stopped early',
    severity: 'error',
    description:
      'A file produced so many candidate matches that the scanner stopped after its work budget (linear in the file size) to keep the run bounded. The rest of the file was not checked, so this fails closed.',
    remediation:
      'Look at the file: it is either generated noise (exclude it in `secrets.exclude`) or stuffed with credentials.',
  },
  {
    id: RULE_STRUCTURE_UNREADABLE,
    category: 'secret',
    title: 'YAML structure could not be read for the secret scan',
    severity: 'error',
    description:
      'A file that is YAML or JSON by its name (also `.bak`, `.orig`, `.j2` copies) or by its content (`apiVersion:`, `kind:`) does not parse, or its aliases and merge keys expand beyond the walk budget. Every line was still scanned by the credential patterns, but what only the structure shows (Secret data, base64-encoded values, env entries, SealedSecret context) was not checked, so this fails closed. kustomize and kubectl may still read parts of such a file.',
    remediation:
      'Fix the YAML (the line is given), or remove the alias chains; if the file is not meant to be YAML, rename it or list it in `secrets.exclude`.',
  },
  {
    id: RULE_PLAIN_IN_REFERENCE,
    category: 'secret',
    title: 'Secret value in clear text where ciphertext or a reference belongs',
    severity: 'error',
    description:
      'A SealedSecret `encryptedData` value that is not sealed ciphertext (too short, not base64, readable text or low entropy: e.g. the base64 of a password), an ExternalSecret `target.template.data` literal, a SealedSecret `spec.template.data` literal (the controller copies it into the Secret as it is), a SecretStore `fake` provider value or a `Fake` generator value (generators.external-secrets.io), or a static credential in a SecretStore `webhook` header. These objects look encrypted or referenced, but this value sits in plaintext Git.',
    remediation:
      'Seal the value with `kubeseal`, or keep it in the secret store and reference it (`{{ .key }}` in templates, `secretRef` in providers). Rotate the value: it is in the Git history.',
  },
  {
    id: RULE_OPAQUE_COMPRESSED,
    category: 'secret',
    title: 'Compressed content the secret scan cannot read',
    severity: 'error',
    description:
      'A value (base64 in a ConfigMap, an annotation, Secret data) or a committed file is bzip2, xz, zstd, lz4 or 7-Zip compressed: node has no decoder for these formats and the scanner adds no dependency for them, so what they hold cannot be checked, and their bytes show nothing of it. Gzip, zip and zlib content, and deflate or brotli without a header when the value is one base64 blob, are unpacked and read instead. A compressed blob in the desired-state repository is how a credential is hidden from review, so this fails closed.',
    remediation:
      'Commit the content uncompressed (or gzip it), so that it can be reviewed and scanned. If the blob is expected and holds no credential, record a baseline entry or an inline `kfm-gitops:allow KFM-SEC-080 <reason>`.',
  },
  {
    id: RULE_ALLOW_NO_REASON,
    category: 'secret',
    title: 'Inline secret allow without a reason',
    severity: 'error',
    description:
      'A `kfm-gitops:allow <ruleId>` comment has no reason (or no rule id). Suppressions need accountability: the reason is what a reviewer approves. The finding it meant to suppress is reported as usual.',
    remediation:
      'Write why the value is not a live credential: `# kfm-gitops:allow KFM-SEC-030 fake token used by the docs example`.',
  },
  {
    id: RULE_BASELINE_NO_REASON,
    category: 'secret',
    title: 'Secrets baseline entry without a reason',
    severity: 'error',
    description:
      'An entry of the secrets baseline file has an empty `reason`. `kfm-gitops secrets baseline` writes new entries without one on purpose: each accepted value needs a reviewed explanation before it stops failing the run.',
    remediation:
      'Fill in `reason` for the entry (why this value is not a live credential), or remove the value from the repository.',
  },
  {
    id: RULE_ALLOW_NOT_PERMITTED,
    category: 'secret',
    title: 'Inline allow for a rule that may not be allowed inline',
    severity: 'error',
    description:
      "A `kfm-gitops:allow` comment names a rule outside `secrets.allowRules` (by default every credential and Kubernetes-shape rule may be allowed; the scanner's own rules may not).",
    remediation:
      'Remove the comment, or use the baseline file, or widen `secrets.allowRules` in kfm-gitops.yaml if the team agrees.',
  },
  {
    id: RULE_BASELINE_INVALID,
    category: 'secret',
    title: 'Secrets baseline file is invalid',
    severity: 'error',
    description:
      'The secrets baseline file exists but is not valid JSON of the expected shape, so none of its entries are applied.',
    remediation:
      'Fix the file or regenerate it with `kfm-gitops secrets baseline` (reasons of matching entries are kept).',
  },
  {
    id: RULE_HISTORY_NOT_SCANNED,
    category: 'secret',
    title: 'Commits of the change not scanned for secrets',
    severity: 'info',
    description:
      "`check --changed-since <ref>` scans every line added by the commits `<ref>..HEAD` when the ref is an ancestor of HEAD. When it is not (the branch is behind the ref's newest commits, or was rebased), the change's commits cannot be told apart from the ref's, so only the files changed since the merge-base are scanned: a credential added in one commit and deleted in a later one would not be seen.",
    remediation:
      'Rebase the branch on the ref (or merge it in) so the ref is an ancestor, or run `kfm-gitops secrets scan --history <merge-base>`. In CI, check out with `fetch-depth: 0`.',
  },
  {
    id: RULE_EXCLUDED,
    category: 'secret',
    title: 'Files excluded from the secret scan by the config',
    severity: 'info',
    description:
      '`secrets.exclude` in kfm-gitops.yaml (written by the repository under check) skipped these files for the generic rules (password/secret/token assignments) and the Kubernetes shapes. Known credential formats (GitHub, AWS, Slack… tokens, private keys and key stores) are still looked for in them: an exclude cannot hide a real credential. Listed so that nothing is skipped silently.',
    remediation:
      'Nothing to do when the files are test fixtures or documentation you expect to skip. A credential reported in one of them is real: rotate it, or record a reviewed baseline entry or inline allow when it is a known test value.',
  },
];

for (const r of META_RULES) if (GUARDS.has(r.id)) r.guard = true;

/** Rules an inline allow may name by default: every credential and Kubernetes-shape rule; not the scanner's own. */
export const DEFAULT_ALLOW_RULES = [
  RULE_PLAINTEXT_SECRET,
  RULE_SECRET_GENERATOR,
  RULE_KEYSTORE_FILE,
  RULE_PLAIN_IN_REFERENCE,
  RULE_OPAQUE_COMPRESSED,
  'KFM-SEC-01?',
  'KFM-SEC-02?',
  'KFM-SEC-03?',
  'KFM-SEC-04?',
  'KFM-SEC-05?',
  'KFM-SEC-06?',
  'KFM-SEC-07?',
];
