/**
 * The secret scan of one run: repository files, then rendered overlays, then suppressions.
 *
 * Scope. `check` mode: every text file under the root that Git tracks or would track (files.ts), plus every
 * resource of every rendered overlay. `validate` mode: only the input files (ctx.overlays' texts).
 *
 * Each YAML/JSON file is read twice over: as text (every line, comments included) and as parsed documents
 * (walk.ts: Secret data decoded, SealedSecret/SOPS ciphertext skipped, env entries paired with their names). A
 * text match inside a scalar the walk already judged is dropped — the walk has the context (a SealedSecret's
 * `encryptedData`, an ExternalSecret's `secretKey`) that the text lacks.
 *
 * Dedupe rule. Findings are keyed by the secret's keyed hash. Within a file, one finding per line and secret
 * (the most specific rule wins). Across the run, a secret found in a repository file is reported there only; a
 * rendered overlay reports a secret only when no repository file holds it (a secretGenerator fed from a git-ignored
 * file, a value assembled by a patch), once per overlay. The generator entries themselves (literals, committed
 * files/envs) are reported at the kustomization line, unless the committed file already reports the same value.
 *
 * Nothing here keeps a secret beyond the detector call that found it: findings carry the keyed hash and a redacted
 * hint only.
 */
import { stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import jsyaml from 'js-yaml';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { locateInDocument } from '../../parse/index.js';
import type { Finding, JsonPath, RenderedOverlay, Resource, Severity } from '../../types.js';
import { matchesAny } from '../../util/glob.js';
import { toRepoPath } from '../../util/paths.js';
import type { SecretsSettings } from './config.js';
import { Detector, type Candidate, type DetectorStats } from './detector.js';
import { asText, binaryStrings, encodedRuns, looksSealed, privateKeyKind, type EncodedRun } from './decode.js';
import { opaqueCompressed, unpack, unpackHeaderless } from './unpack.js';
import { redactPathFormats } from '../../redact/index.js';
import { isKeystoreName, listRepoFiles, readForScan } from './files.js';
import { MARKDOWN_NAME, markdownYaml } from './markdown.js';
import { redactedHint, resolveFingerprintKey, SecretHasher, type FingerprintKey } from './redact.js';
import {
  RULE_ALLOW_NOT_PERMITTED,
  RULE_ALLOW_NO_REASON,
  RULE_BASELINE_INVALID,
  RULE_BASELINE_NO_REASON,
  RULE_BINARY_SKIPPED,
  RULE_EXCLUDED,
  RULE_KEYSTORE_FILE,
  RULE_OPAQUE_COMPRESSED,
  RULE_PLAINTEXT_SECRET,
  RULE_PLAIN_IN_REFERENCE,
  RULE_SCAN_BUDGET,
  RULE_SECRET_GENERATOR,
  RULE_STRUCTURE_UNREADABLE,
  RULE_TOO_LARGE,
  RULE_UNREADABLE,
} from '../../rules/secrets.js';
import { PGPASS_FILE_RULE, STRUCTURAL_PRECEDENCE, ruleTitle } from '../../rules/secret-patterns.js';
import {
  baselineKey,
  InlineAllows,
  loadBaseline,
  parseInlineAllows,
  type BaselineFile,
  type BaselineLoad,
} from './suppress.js';
import { decodeBase64, isPlaceholder, isSopsValue, LineIndex, lowerSameLength, SOPS_VALUE_IN_TEXT } from './text.js';
import { firstKeyLines, kustomizationNeedsWalk, needsStructure } from './structure.js';
import {
  CONTENT_PLACES,
  leafPath,
  parseEnvFile,
  TEMPLATE_PLACES,
  walkDocumentInto,
  WalkBudgetExceeded,
  type Place,
  type Visit,
} from './walk.js';
import { yielder } from '../../util/yielder.js';

/** One finding of the secret check, before the pipeline resolves it. Never holds the secret. */
export interface SecretFinding {
  ruleId: string;
  message: string;
  severity?: Severity;
  file?: string;
  line?: number;
  column?: number;
  overlay?: string;
  resource?: Resource;
  path?: JsonPath;
  /** Keyed hash of the secret: the baseline fingerprint, and the report's fingerprint material. */
  secretHash?: string;
  /** The commit that added the line (a history scan). */
  commit?: string;
  /** Fingerprint material for findings without a secret (stable across edits of the message). */
  fingerprintParts?: string[];
  suppressed?: Finding['suppressed'];
}

export interface ScanStats {
  via: 'git' | 'walk' | 'inputs';
  filesListed: number;
  filesScanned: number;
  bytesScanned: number;
  excluded: number;
  binarySkipped: string[];
  symlinksSkipped: string[];
  tooLarge: string[];
  unreadable: string[];
  overlaysScanned: number;
  resourcesScanned: number;
  keySource: FingerprintKey['source'];
  detector: DetectorStats;
  durationMs: number;
}

export interface SecretsScanOptions {
  root: string;
  /** Root-relative files to scan (a changed-only run); unset: every listed file. */
  only?: readonly string[];
  settings: SecretsSettings;
  mode: 'check' | 'validate';
  overlays: readonly RenderedOverlay[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  detector?: Detector;
  /** Memoise value verdicts (default true); false only to prove the memo changes nothing (test/secrets/memo.test.ts). */
  memo?: boolean;
  /** Parse every kustomization, not only those the pre-pass sends (default false; the differential test's control). */
  walkEveryKustomization?: boolean;
}

export interface SecretsScanResult {
  findings: SecretFinding[];
  stats: ScanStats;
  /** Absolute path of the baseline file (whether or not it exists). */
  baselinePath: string;
  baseline: BaselineLoad;
  key: FingerprintKey;
}

/** Bounds of the value-verdict memo (Scanner.judge): short values and at most ~10 MB, whatever the repo holds. */
const MEMO_MAX_CHARS = 256;
const MEMO_MAX_ENTRIES = 50_000;

/**
 * How many times decoded text is searched for encoded runs again (a base64 `auth` inside a base64 dockerconfigjson;
 * base64 of base64 of hex…): five layers in all. Every layer is smaller than the one it came from, and every
 * layer under the first is charged to the value's or file's decoding budget (DecodeBudget).
 */
const DECODE_DEPTH = 4;
/** Archives opened inside archives (a zip in a gzip, a gzipped file in a zip). */
const UNPACK_NEST = 3;

/** Largest text parsed as YAML for the structural walk (the text patterns still run on anything larger). */
const MAX_YAML_PARSE = 16 * 1024 * 1024;

/**
 * Bytes a value or a file may still unpack or decode under its first layer, all layers and archives together
 * (secrets.maxFileBytes): past it the rest is not read, and that is reported once (fail closed). Each layer is read
 * with its own, fresh budget, a text of a thousand small archives (or runs that each decode to more runs) read
 * gigabytes.
 */
interface DecodeBudget {
  left: number;
  over?: boolean;
}

interface Pending extends SecretFinding {
  precedence: number;
  /** Secret offset in the file text (text matches only), to drop matches a parsed scalar already covers. */
  offset?: number;
}

/** A `value` visit as the walk handed it over: its path is built only if its verdict has findings. */
interface UnbuiltValue {
  key: string;
  value: string;
  reference: boolean;
  parent: Place | undefined;
  seg: string | number;
}

interface GeneratorRef {
  kustomization: string;
  line?: number;
  visit: Extract<Visit, { type: 'generator-source' }>;
  target: string;
}

interface FileScan {
  findings: Pending[];
  allows?: InlineAllows;
  generators: GeneratorRef[];
}

/** The repository part of a scan (files, baseline, key): needs no rendered overlay, so it can run while they render. */
export interface RepoScan {
  started: number;
  baselinePath: string;
  baseline: BaselineLoad;
  key: FingerprintKey;
  scanner: Scanner;
  stats: ScanStats;
  out: SecretFinding[];
  repoHashes: Set<string>;
}

/**
 * A file's scan, kept for what follows (its findings and inline allows, its generators' targets) only when it has
 * any of them: a scan with none adds nothing there, and an entry for each of its 66,000 files was ~10 MB of the
 * 7,500-overlay bench repo's heap while its files were scanned (issue 20), where that run peaked.
 */
function keepScan(scans: Map<string, FileScan>, file: string, scan: FileScan): void {
  if (scan.findings.length > 0 || scan.allows !== undefined || scan.generators.length > 0) scans.set(file, scan);
}

/** `early`: overlays already walked with `repoScan`'s scanner (used only with it). */
export async function scanForSecrets(
  options: SecretsScanOptions,
  repoScan?: Promise<RepoScan>,
  early?: EarlyOverlays,
): Promise<SecretsScanResult> {
  const repo = await (repoScan ?? scanRepository(options));
  return finishScan(options, repo, repoScan ? early : undefined);
}

export async function scanRepository(
  options: Omit<SecretsScanOptions, 'overlays'> & Partial<Pick<SecretsScanOptions, 'overlays'>>,
): Promise<RepoScan> {
  const started = performance.now();
  const pause = yielder();
  const { root, settings } = options;
  const baselinePath = resolve(root, settings.baseline);
  const baseline = await loadBaseline(baselinePath);
  const key = resolveFingerprintKey(
    baseline.status === 'ok' && baseline.baseline.key ? baseline.baseline.key : undefined,
    options.env,
  );
  const scanner = new Scanner(options.detector ?? new Detector(), new SecretHasher(key.key), settings, {
    memo: options.memo,
    walkEveryKustomization: options.walkEveryKustomization,
  });
  const stats: ScanStats = {
    via: options.mode === 'validate' ? 'inputs' : 'git',
    filesListed: 0,
    filesScanned: 0,
    bytesScanned: 0,
    excluded: 0,
    binarySkipped: [],
    symlinksSkipped: [],
    tooLarge: [],
    unreadable: [],
    overlaysScanned: 0,
    resourcesScanned: 0,
    keySource: key.source,
    detector: scanner.detector.stats,
    durationMs: 0,
  };
  const out: SecretFinding[] = [];
  const repoHashes = new Set<string>();

  // ── repository files (or the validate inputs) ──────────────────────────────────────────────────────────────────
  const scans = new Map<string, FileScan>();
  if (options.mode === 'validate') {
    for (const ro of options.overlays ?? []) {
      if (ro.text === '') continue;
      const file = ro.overlay.path;
      stats.filesScanned++;
      stats.bytesScanned += ro.text.length;
      keepScan(scans, file, scanner.scanText(file, ro.text));
    }
  } else {
    // A root that is not a folder would list nothing and pass: fail instead.
    if (!(await isDirectory(root))) throw new Error('the checked root is not a readable folder');
    const listed = await listRepoFiles(root, { signal: options.signal });
    stats.via = listed.via;
    stats.filesListed = listed.files.length;
    const only = options.only ? new Set(options.only) : undefined;
    const excluded: string[] = [];
    const files = listed.files.filter((f) => {
      if (only && !only.has(f)) return false;
      const skip = settings.exclude.length > 0 && matchesAny(f, settings.exclude);
      if (skip) excluded.push(f);
      return !skip;
    });
    stats.excluded = excluded.length;
    // The exclude list is the repository's own config: it quiets the generic rules, never a known credential format.
    for (const file of excluded) {
      if (options.signal?.aborted) break;
      await pause();
      const found = scanner.scanExcluded(file, readForScan(resolve(root, file), settings.maxFileBytes));
      for (const f of found) out.push(f);
    }
    if (excluded.length > 0) {
      const more = excluded.length > 5 ? ` and ${excluded.length - 5} more` : '';
      out.push({
        ruleId: RULE_EXCLUDED,
        severity: 'info',
        message: `${excluded.length} file(s) skipped by secrets.exclude for the generic rules, still searched for known credential formats (${excluded.slice(0, 5).join(', ')}${more})`,
        fingerprintParts: ['excluded', ...excluded],
      });
    }
    // A credential in a path is committed as surely as one in a file (a configMapGenerator makes a file's name a key
    // of the ConfigMap): the names are searched for the known formats, excluded files' too.
    for (const f of scanner.scanNames(only ? listed.files.filter((f) => only.has(f)) : listed.files)) out.push(f);
    const scannedSet = new Set(files);
    for (const file of files) {
      if (options.signal?.aborted) break;
      await pause();
      const outcome = readForScan(resolve(root, file), settings.maxFileBytes);
      switch (outcome.kind) {
        case 'text':
          stats.filesScanned++;
          stats.bytesScanned += outcome.bytes;
          keepScan(scans, file, scanner.scanDecoded(file, outcome));
          break;
        case 'binary': {
          stats.binarySkipped.push(file);
          const keystore = keystoreFinding(file, outcome.head, outcome.bytes);
          if (keystore) {
            out.push(keystore);
            break;
          }
          // The text it holds (UTF-16 without a BOM, strings in a binary): no inline allow counts there, since a
          // reviewer cannot read one in a binary diff.
          for (const f of scanner.scanBinary(file, outcome.data)) {
            if (f.secretHash) repoHashes.add(f.secretHash);
            out.push(f);
          }
          break;
        }
        case 'too-large':
          stats.tooLarge.push(file);
          out.push({
            ruleId: RULE_TOO_LARGE,
            message: `${ruleTitle(RULE_TOO_LARGE)}: ${outcome.bytes} bytes, over secrets.maxFileBytes (${settings.maxFileBytes})`,
            file,
            fingerprintParts: ['too-large'],
          });
          break;
        case 'unreadable':
          stats.unreadable.push(file);
          out.push({
            ruleId: RULE_UNREADABLE,
            message: `${ruleTitle(RULE_UNREADABLE)}: ${outcome.code}`,
            file,
            fingerprintParts: ['unreadable'],
          });
          break;
        case 'symlink':
          stats.symlinksSkipped.push(file);
          break;
        default:
          break;
      }
    }
    if (options.signal?.aborted) throw new Error('interrupted');
    await scanner.resolveGenerators(root, scans, scannedSet);
  }
  for (const [file, scan] of scans) {
    for (const f of scan.findings) {
      const reason = scan.allows?.reasonFor(f.ruleId, f.line);
      if (reason !== undefined) f.suppressed = { by: 'inline', reason };
      // An inline allow covers its own line only: the same value rendered into a Secret elsewhere still reports.
      else if (f.secretHash) repoHashes.add(f.secretHash);
      out.push(strip(f));
    }
    for (const p of scan.allows?.problems ?? []) {
      out.push(
        p.kind === 'no-reason'
          ? {
              ruleId: RULE_ALLOW_NO_REASON,
              message: `${ruleTitle(RULE_ALLOW_NO_REASON)}: write \`kfm-gitops:allow <ruleId> <reason>\``,
              file,
              line: p.line,
              fingerprintParts: ['allow'],
            }
          : {
              ruleId: RULE_ALLOW_NOT_PERMITTED,
              message: `${ruleTitle(RULE_ALLOW_NOT_PERMITTED)}: ${p.rule} is not in secrets.allowRules`,
              file,
              line: p.line,
              fingerprintParts: ['allow', p.rule ?? ''],
            },
      );
    }
  }

  return { started, baselinePath, baseline, key, scanner, stats, out, repoHashes };
}

/** What a scan of texts outside the work tree (the history of a change) needs: the scanner, key and baseline. */
export async function prepareScanner(
  root: string,
  settings: SecretsSettings,
  env?: NodeJS.ProcessEnv,
): Promise<{ scanner: Scanner; baseline: BaselineLoad; baselinePath: string }> {
  const baselinePath = resolve(root, settings.baseline);
  const baseline = await loadBaseline(baselinePath);
  const key = resolveFingerprintKey(
    baseline.status === 'ok' && baseline.baseline.key ? baseline.baseline.key : undefined,
    env,
  );
  return { scanner: new Scanner(new Detector(), new SecretHasher(key.key), settings), baseline, baselinePath };
}

/** Findings of one text, inline allows applied (no cross-file dedupe, no rendered output). */
export function scanOneText(scanner: Scanner, file: string, text: string, raw?: string): SecretFinding[] {
  const scan = scanner.scanDecoded(file, { text, raw });
  return scan.findings.map((f) => {
    const reason = scan.allows?.reasonFor(f.ruleId, f.line);
    return strip(reason !== undefined ? { ...f, suppressed: { by: 'inline', reason } } : f);
  });
}

/** The baseline applied to findings (work tree or history); an invalid baseline is a finding. */
export function applyBaselineTo(
  findings: SecretFinding[],
  root: string,
  baselinePath: string,
  baseline: BaselineLoad,
): void {
  const baselineFile = toRepoPath(root, baselinePath) ?? baselinePath;
  if (baseline.status === 'invalid') {
    findings.push({
      ruleId: RULE_BASELINE_INVALID,
      message: `${ruleTitle(RULE_BASELINE_INVALID)}: ${baseline.reason}`,
      file: baselineFile,
      fingerprintParts: ['baseline'],
    });
  } else if (baseline.status === 'ok') {
    applyBaseline(findings, baseline.baseline, baseline.entryLines, baselineFile);
  }
}

/**
 * The findings of one rendered overlay, in the order finishScan reports them: its walk is a function of the overlay's
 * objects, the scanner (key, settings; its value memo changes no verdict) and the repository's hashes, all fixed once
 * the repository scan is done, so it may run as the overlay renders (index.ts observe) or in finishScan.
 * `objects[i]`, when given, is `resources[i].object` as already read (a packed shell would unpack it again).
 */
export function scanRenderedOverlay(
  repo: Pick<RepoScan, 'scanner' | 'repoHashes'>,
  overlay: string,
  resources: readonly Resource[],
  objects?: readonly Record<string, unknown>[],
): SecretFinding[] {
  const { scanner, repoHashes } = repo;
  const out: SecretFinding[] = [];
  const perOverlay = new Map<string, Pending>();
  resources.forEach((resource, i) => {
    const object = objects?.[i] ?? resource.object;
    let context: string | undefined;
    const contextOf = (): string => (context ??= lowerSameLength(JSON.stringify(object)));
    const place = (judged: readonly Pending[], path: JsonPath): void => {
      // A value a repository file already reports (under any rule) is reported there, not again per overlay.
      const known = judged.some((p) => p.secretHash !== undefined && repoHashes.has(p.secretHash));
      for (const p of judged) {
        if (!p.secretHash) {
          out.push(strip({ ...p, overlay, resource, path }));
          continue;
        }
        if (known) continue;
        // The hard rule stands beside the most specific content rule for the same value.
        const slot = `${p.ruleId === RULE_PLAINTEXT_SECRET ? 'hard' : 'content'}|${p.secretHash}`;
        const seen = perOverlay.get(slot);
        if (seen && seen.precedence >= p.precedence) continue;
        perOverlay.set(slot, {
          ...p,
          overlay,
          resource,
          path,
          message: `${p.message} (only in the rendered output)`,
        });
      }
    };
    // Values are judged as the walk finds them, and a path is built only for a verdict with findings: most
    // scalars of a rendered resource are memo hits without any (issue 20).
    walkDocumentInto(
      object,
      {},
      {
        value: (key, value, reference, parent, seg) => {
          const judged = scanner.judgeValue(key, value, reference, contextOf);
          if (judged.length > 0) place(judged, leafPath(parent, seg));
        },
        visit: (visit) => {
          const judged = scanner.judge(visit, contextOf);
          if (judged.length > 0) place(judged, visit.path);
        },
      },
    );
  });
  for (const p of perOverlay.values()) out.push(strip(p));
  return out;
}

/** Rendered overlays already walked (scanRenderedOverlay) for this repository scan, by overlay. */
export type EarlyOverlays = (rendered: RenderedOverlay) => readonly SecretFinding[] | undefined;

async function finishScan(
  options: SecretsScanOptions,
  repo: RepoScan,
  early?: EarlyOverlays,
): Promise<SecretsScanResult> {
  const { started, baselinePath, baseline, key, stats, out } = repo;
  const { root } = options;
  // ── rendered overlays ──────────────────────────────────────────────────────────────────────────────────────────
  if (options.mode === 'check') {
    const pause = yielder(); // the other checks run beside this one (run/checks.ts)
    for (const ro of options.overlays) {
      await pause();
      stats.overlaysScanned++;
      stats.resourcesScanned += ro.resources.length;
      const found = early?.(ro) ?? scanRenderedOverlay(repo, ro.overlay.path, ro.resources);
      for (const f of found) out.push(f);
    }
  }

  // A path that holds a credential (scanNames) is shown masked wherever a finding names it, the baseline included.
  for (const f of out) if (f.file !== undefined) f.file = redactPathFormats(f.file);

  // ── baseline ───────────────────────────────────────────────────────────────────────────────────────────────────
  applyBaselineTo(out, root, baselinePath, baseline);

  if (stats.binarySkipped.length > 0) {
    const shown = stats.binarySkipped.slice(0, 5).join(', ');
    const more = stats.binarySkipped.length > 5 ? ` and ${stats.binarySkipped.length - 5} more` : '';
    out.push({
      ruleId: RULE_BINARY_SKIPPED,
      severity: 'info',
      // No `secrets:` before the list: the redactor would read the first name as the value of a secret-like key.
      message: `${stats.binarySkipped.length} binary file(s) were searched only for the text they hold, gzip, zip and zlib content unpacked (${shown}${more})`,
      fingerprintParts: ['binary', ...stats.binarySkipped],
    });
  }
  out.sort(compare);
  stats.durationMs = Math.round(performance.now() - started);
  return { findings: out, stats, baselinePath, baseline, key };
}

function applyBaseline(
  findings: SecretFinding[],
  baseline: BaselineFile,
  lines: (number | undefined)[],
  baselineFile: string,
): void {
  const entries = new Map<string, string>();
  baseline.entries.forEach((e, i) => {
    if (e.reason.trim() === '') {
      findings.push({
        ruleId: RULE_BASELINE_NO_REASON,
        message: `${ruleTitle(RULE_BASELINE_NO_REASON)}: entry for ${e.ruleId} in ${e.file}`,
        file: baselineFile,
        line: lines[i],
        fingerprintParts: ['baseline', e.ruleId, e.fingerprint, e.file],
      });
      return;
    }
    entries.set(baselineKey(e.ruleId, e.fingerprint, e.file), e.reason);
  });
  for (const f of findings) {
    if (f.suppressed || !f.secretHash) continue;
    const reason = entries.get(baselineKey(f.ruleId, f.secretHash, baselineLocation(f)));
    if (reason !== undefined) f.suppressed = { by: 'baseline', reason };
  }
}

/** The `file` of a baseline entry: the repo file, or the overlay for a finding only a render reveals. */
export function baselineLocation(f: SecretFinding): string {
  return f.file ?? f.overlay ?? '';
}

/**
 * A binary file that is a key store, by its content first (ASN.1/PKCS#8/PKCS#12/JKS magic in `head`), whatever the
 * name; the name alone still counts. Its keys cannot be scanned as text, so its presence is the finding.
 */
export function keystoreFinding(file: string, head: Uint8Array, bytes: number): SecretFinding | undefined {
  const key = privateKeyKind(head);
  if (key === undefined && !isKeystoreName(file)) return undefined;
  return {
    ruleId: RULE_KEYSTORE_FILE,
    message: `${ruleTitle(RULE_KEYSTORE_FILE)}: ${key ?? 'binary key store'} (${bytes} bytes)`,
    file,
    fingerprintParts: ['keystore'],
  };
}

function strip(p: Pending): SecretFinding {
  const f: SecretFinding = { ...p };
  delete (f as Partial<Pending>).precedence;
  delete (f as Partial<Pending>).offset;
  if (f.secretHash) f.fingerprintParts = [f.secretHash];
  return f;
}

function compare(a: SecretFinding, b: SecretFinding): number {
  const fa = a.file ?? a.overlay ?? '';
  const fb = b.file ?? b.overlay ?? '';
  return fa.localeCompare(fb) || (a.line ?? 0) - (b.line ?? 0) || a.ruleId.localeCompare(b.ruleId);
}

/** Rules about what a manifest deploys (not about a value's content): not applied to examples in documentation. */
const DEPLOYED_RULES: ReadonlySet<string> = new Set([
  RULE_PLAINTEXT_SECRET,
  RULE_PLAIN_IN_REFERENCE,
  RULE_SECRET_GENERATOR,
]);
const YAML_NAME = /(?:\.ya?ml|\.json)$/i;
/** Copies and templates of YAML files keep their structure: `x.yaml.bak`, `x.yml.orig`, `x.yaml.j2`, `x.json~`. */
const BACKUP_SUFFIX =
  /(?:\.(?:bak|orig|old|tmp|tmpl|tpl|template|j2|jinja2?|gotmpl|dist|sample|example|save|swp|rej)|~)+$/i;
/** Content that declares itself a Kubernetes manifest or a JSON document, whatever the file is called. */
const MANIFEST_START = /^\ufeff?(?:---|apiVersion:|kind:|\s*\{|\s*\[[ \t\r\n]*[{["\]])/;
const MANIFEST_LINE = /\n(?:apiVersion|kind):/;
/** Names of files in another language (scripts, pages, logs, code, other config formats). */
const OTHER_LANGUAGE =
  /\.(?:sh|bash|zsh|ksh|fish|ps1|psm1|bat|cmd|html?|xhtml|xml|svg|log|py|rb|go|js|mjs|cjs|jsx|ts|tsx|java|kt|kts|scala|groovy|gradle|c|h|cc|cpp|hpp|cs|rs|php|pl|lua|r|swift|tf|tfvars|hcl|ini|conf|cfg|properties|toml|csv|tsv|sql|css|scss|less|ipynb|rst|adoc|tex|dockerfile|mk)$/i;
/** Largest text whose lines are located through a full `yaml` CST parse (larger: the key-line index). */
const MAX_LOCATE = 256 * 1024;
/** Walk budget per parsed text: nodes visited, aliases included (a billion-laughs document stops here). */
const WALK_NODES_BASE = 100_000;
const KUSTOMIZATION_NAME = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/;

/** A PostgreSQL password file by its name (`.pgpass`, `pgpass.conf`), or a key that holds one. */
const PGPASS_NAME = /(?:^|\/)[^/]*pgpass[^/]*$/i;
const PGPASS_KEY = /pgpass/i;

export class Scanner {
  /** KFM-SEC-079 on any port, for texts that are password files by their name (built at the first one). */
  private pgpassDetectorBuilt: Detector | undefined;
  private get pgpassDetector(): Detector {
    return (this.pgpassDetectorBuilt ??= new Detector([PGPASS_FILE_RULE]));
  }

  /** Whether value verdicts are memoised (judgeValue); off only in the differential test. */
  private readonly memo: boolean;
  /** Every kustomization parsed, whatever the pre-pass says (the differential test's control). */
  private readonly walkEveryKustomization: boolean;

  constructor(
    readonly detector: Detector,
    private readonly hasher: SecretHasher,
    private readonly settings: SecretsSettings,
    options: { memo?: boolean; walkEveryKustomization?: boolean } = {},
  ) {
    this.memo = options.memo ?? true;
    this.walkEveryKustomization = options.walkEveryKustomization ?? false;
  }

  /** Text patterns and, for YAML/JSON, the structural walk of one file. */
  scanText(file: string, text: string): FileScan {
    // Line starts are only needed to place a finding or an allow comment: most files have neither.
    let lineIndex: LineIndex | undefined;
    const lines = (): LineIndex => (lineIndex ??= new LineIndex(text));
    let lowered: string | undefined;
    // Lowercased text for rules that need a word elsewhere in the file (`service_account`); built only then.
    const lower = (): string => (lowered ??= lowerSameLength(text));
    const findings: Pending[] = [];
    const generators: GeneratorRef[] = [];
    const detected = this.detector.detect(text, { context: lower, stopWords: this.settings.stopWords });
    for (const c of detected.candidates) {
      const pos = lines().position(c.at);
      findings.push({ ...this.fromCandidate(c, ''), file, line: pos.line, column: pos.column, offset: c.start });
    }
    if (detected.truncated) findings.push(this.budgetFinding(file));
    // A bzip2 or lz4 stream whose bytes hold no NUL reads as text (its magic is ASCII): what it holds cannot be read.
    const first = text.charCodeAt(0);
    if (first === 0x42 || first === 0x04) {
      const opaque = this.opaqueFinding(Buffer.from(text.slice(0, 12), 'latin1'), '', text.length);
      if (opaque) findings.push({ ...opaque, file, secretHash: this.hasher.hash(text) });
    }
    // A password file by its name: its entries on any port (the content rule knows the usual ports only).
    if (PGPASS_NAME.test(file)) {
      const entries = this.pgpassDetector.detect(text);
      for (const c of entries.candidates) {
        const pos = lines().position(c.at);
        findings.push({ ...this.fromCandidate(c, ''), file, line: pos.line, column: pos.column, offset: c.start });
      }
      if (entries.truncated) findings.push(this.budgetFinding(file));
    }
    // A template's committed defaults (`| default "s3cr3t"`), read as the values they stand for. No offset: a walk
    // of the template with its actions blanked judged a blank there, so it must not drop these.
    const defaults = text.includes('{{') ? templateDefaults(text) : undefined;
    if (defaults !== undefined) {
      const more = this.detector.detect(defaults, { context: lower, stopWords: this.settings.stopWords });
      for (const c of more.candidates) {
        const pos = lines().position(c.at);
        findings.push({ ...this.fromCandidate(c, ''), file, line: pos.line, column: pos.column });
      }
      if (more.truncated) findings.push(this.budgetFinding(file));
    }
    const isKustomization = KUSTOMIZATION_NAME.test(file);
    // Whatever the file is called, YAML/JSON content gets the walk; `strict`: the name or the content says it is
    // YAML/JSON, so a parse failure is a finding (a Markdown file that is not YAML is simply not structured).
    // Asked only when a parse fails (two probes over the text for every file showed in the tree profile).
    // A Markdown file is prose around fenced blocks: only its YAML/JSON blocks are walked (same offsets), and a block
    // that does not parse is documentation, read by the line patterns and the base64 pass like any prose.
    const markdown = MARKDOWN_NAME.test(file);
    const structured = markdown ? markdownYaml(text) : text;
    // A manifest line in the middle of a script, a page or a log (`cat <<EOF | oc apply -f -`, an HTML report) does
    // not make the file YAML; a file of another known language is YAML only when it starts like a manifest.
    const strict = (): boolean =>
      !markdown &&
      (isKustomization ||
        yamlName(file) ||
        MANIFEST_START.test(text) ||
        (!OTHER_LANGUAGE.test(file) && MANIFEST_LINE.test(text)));
    let walked = false;
    let covered: [number, number][] = [];
    const worthParsing =
      structured !== undefined &&
      ((isKustomization && (this.walkEveryKustomization || kustomizationNeedsWalk(structured))) ||
        needsStructure(structured, detected.candidates.length > 0).needed);
    // A text that exhausted the detector's budget is already a failing finding; walking it would repeat the work.
    if (worthParsing && !detected.truncated) {
      if (text.length > MAX_YAML_PARSE) {
        findings.push({
          ...this.budgetFinding(file),
          message: `${ruleTitle(RULE_SCAN_BUDGET)}: too large to parse for Kubernetes shapes (${text.length} characters)`,
        });
      } else {
        const walk = this.walkFile(
          file,
          structured,
          lower,
          { kustomization: isKustomization, markdown },
          strict,
          findings,
          generators,
        );
        // The walk decodes every scalar it read; in a Markdown file the prose around the blocks was not read.
        walked = walk.parsed && !markdown;
        covered = walk.covered;
        if (walk.covered.length > 0) dropCovered(findings, walk.covered);
      }
    }
    // base64 runs anywhere in the text, decoded, unless the walk read the file (it decodes every scalar itself).
    // A run a content rule already matched (kubeconfig `client-key-data`) is not reported twice.
    const matched = detected.candidates.map((c) => [c.start, c.end]).sort((x, y) => x[0] - y[0]);
    // Scalars a Markdown file's walk already decoded (value ranges: sorted, never nested).
    const read = [...covered].sort((x, y) => x[0] - y[0]);
    let m = 0;
    let r = 0;
    const budget = this.budget();
    for (const run of walked ? [] : encodedRuns(text)) {
      while (m < matched.length && matched[m][1] <= run.start) m++;
      if (m < matched.length && matched[m][0] < run.end) continue;
      while (r < read.length && read[r][1] <= run.start) r++;
      if (r < read.length && read[r][0] < run.end) continue;
      const found: Pending[] = [];
      if (!run.inert) this.decoded(run.bytes, DECODE_DEPTH, run.label, found, UNPACK_NEST, budget);
      if (found.length === 0 && run.encoding === 'base64') {
        // A run may go on into the next line's first word (read as a wrapped block): the value is its first line.
        const eol = text.indexOf('\n', run.start);
        const end = eol !== -1 && eol < run.end ? eol - (text[eol - 1] === '\r' ? 1 : 0) : run.end;
        if (isWholeValue(text, run.start, end))
          this.headerless(decodeBase64(text.slice(run.start, end)) ?? new Uint8Array(), found, budget, false);
      }
      if (found.length === 0) continue;
      const pos = lines().position(run.start);
      for (const f of found) findings.push({ ...f, file, line: pos.line, column: pos.column, offset: run.start });
    }

    // One budget finding per file is enough (the walk's scalars may each run out too).
    const firstBudget = findings.findIndex((f) => f.ruleId === RULE_SCAN_BUDGET);
    if (firstBudget !== -1) {
      for (let i = findings.length - 1; i > firstBudget; i--)
        if (findings[i].ruleId === RULE_SCAN_BUDGET) findings.splice(i, 1);
    }
    const allowsFound = text.includes('kfm-gitops:allow') ? parseInlineAllows(text, lines()) : [];
    return {
      findings: dedupeFile(findings),
      allows: allowsFound.length > 0 ? new InlineAllows(allowsFound, this.settings.allowRules) : undefined,
      generators,
    };
  }

  /**
   * scanText of a file's text, and of the bytes behind a byte order mark that does not fit them (files.ts
   * decodeForScan): what Git and a shell show of the file is scanned whatever the mark says. Inline allows are read
   * from that raw text then, the one a reviewer reads.
   */
  scanDecoded(file: string, read: { text: string; raw?: string }): FileScan {
    const scan = this.scanText(file, read.text);
    if (read.raw === undefined) return scan;
    const raw = this.scanText(file, read.raw);
    return {
      findings: dedupeFile([...scan.findings, ...raw.findings]),
      allows: raw.allows ?? scan.allows,
      generators: [...scan.generators, ...raw.generators],
    };
  }

  /** A file `secrets.exclude` skips: only the rules for known credential formats, and key stores by content. */
  scanExcluded(file: string, outcome: ReturnType<typeof readForScan>): SecretFinding[] {
    const where = ' (in a file secrets.exclude skips; known credential formats are still reported)';
    if (outcome.kind === 'binary') {
      const key = privateKeyKind(outcome.head);
      if (key === undefined) return this.scanBinary(file, outcome.data, { skipGeneric: true, where });
      return [
        {
          ruleId: RULE_KEYSTORE_FILE,
          message: `${ruleTitle(RULE_KEYSTORE_FILE)}: ${key} (${outcome.bytes} bytes)${where}`,
          file,
          fingerprintParts: ['keystore'],
        },
      ];
    }
    if (outcome.kind !== 'text') return [];
    // The bytes behind a byte order mark that does not fit them too (files.ts decodeForScan).
    return [outcome.text, ...(outcome.raw === undefined ? [] : [outcome.raw])].flatMap((text) => {
      const lines = new LineIndex(text);
      const detected = this.detector.detect(text, { skipGeneric: true });
      const allows = text.includes('kfm-gitops:allow')
        ? new InlineAllows(parseInlineAllows(text, lines), this.settings.allowRules)
        : undefined;
      return detected.candidates.map((c) => {
        const pos = lines.position(c.at);
        const f = strip({ ...this.fromCandidate(c, where), file, line: pos.line, column: pos.column });
        const reason = allows?.reasonFor(f.ruleId, f.line);
        if (reason !== undefined) f.suppressed = { by: 'inline', reason };
        return f;
      });
    });
  }

  /**
   * Walks the parsed documents of a file; returns whether it parsed and the offset ranges of every scalar it judged.
   * js-yaml parses (linear, nesting capped at 100; `yaml` takes tens of seconds on crafted 5 MB inputs); the
   * `yaml` CST is built only to place findings, and only for texts up to MAX_LOCATE.
   */
  private walkFile(
    file: string,
    text: string,
    lower: () => string,
    kind: { kustomization: boolean; markdown: boolean },
    strict: () => boolean,
    findings: Pending[],
    generators: GeneratorRef[],
  ): { parsed: boolean; covered: [number, number][] } {
    let loaded = loadAll(text);
    // A Helm/Go template that does not parse as it is: its actions are blanked (same offsets) and it is read again.
    if ('errorLine' in loaded && text.includes('{{')) {
      text = blankTemplateActions(text);
      loaded = loadAll(text);
    }
    if ('errorLine' in loaded) {
      // The message of a parser error quotes the input: only its line is kept.
      if (strict()) findings.push(this.structureFinding(file, loaded.errorLine, 'does not parse as YAML/JSON'));
      return { parsed: false, covered: [] };
    }
    const values = loaded.values;
    const walked: { doc: number; visit: Visit; found: readonly Pending[] }[] = [];
    const maxNodes = WALK_NODES_BASE + text.length;
    for (let d = 0; d < values.length; d++) {
      const value = values[d];
      if (value === null || typeof value !== 'object') continue;
      // Collected whole before anything is judged: a walk over its budget (an alias bomb) is a structure finding,
      // never a partial judgement. Values are kept unbuilt; a path is made only for a verdict with findings.
      const visits: (Visit | UnbuiltValue)[] = [];
      try {
        walkDocumentInto(
          value,
          { kustomization: kind.kustomization, maxNodes },
          {
            value: (key, v, reference, parent, seg) => visits.push({ key, value: v, reference, parent, seg }),
            visit: (v) => visits.push(v),
          },
        );
      } catch (err) {
        if (!(err instanceof WalkBudgetExceeded)) throw err;
        findings.push(
          this.structureFinding(
            file,
            undefined,
            `aliases or merge keys expand beyond ${maxNodes} nodes (document ${d + 1})`,
          ),
        );
        continue;
      }
      for (const item of visits) {
        if ('type' in item && item.type === 'generator-source') {
          walked.push({ doc: d, visit: item, found: [] });
          continue;
        }
        let found =
          'type' in item ? this.judge(item, lower) : this.judgeValue(item.key, item.value, item.reference, lower);
        // A manifest quoted in documentation is an example, never applied: what it deploys is not judged (a
        // Secret with `XXXXXX` data), what it holds is (every content rule still reads its decoded values).
        if (kind.markdown) found = found.filter((f) => !DEPLOYED_RULES.has(f.ruleId));
        if (found.length === 0) continue;
        const visit: Visit =
          'type' in item
            ? item
            : {
                type: 'value',
                path: leafPath(item.parent, item.seg),
                key: item.key,
                value: item.value,
                reference: item.reference,
              };
        walked.push({ doc: d, visit, found });
      }
    }
    const needOffsets = findings.some((f) => f.offset !== undefined);
    // Only documents that are collections were walked (a .env file read as YAML is one string: not structure).
    const parsed = values.some((v) => v !== null && typeof v === 'object');
    if (walked.length === 0 && !needOffsets) return { parsed, covered: [] };
    const locate = this.locator(text, values.length, file);
    for (const { doc, visit, found } of walked) {
      const line = locate.line(doc, visit.path);
      if (visit.type === 'generator-source') {
        const target = posix.normalize(posix.join(posix.dirname(file), visit.ref));
        generators.push({ kustomization: file, line, visit, target });
        continue;
      }
      for (const p of found) findings.push({ ...p, file, line, path: visit.path });
    }
    return { parsed, covered: locate.covered };
  }

  /** Lines of walked paths: the `yaml` CST for texts up to MAX_LOCATE, else the first line of the path's key. */
  private locator(
    text: string,
    docCount: number,
    file: string,
  ): { line: (doc: number, path: JsonPath) => number | undefined; covered: [number, number][] } {
    const covered: [number, number][] = [];
    if (text.length <= MAX_LOCATE) {
      const lc = new LineCounter();
      // js-yaml breaks lines at a lone CR, the \`yaml\` library does not: \`\ra: |…\` was a key \`\ra\` to it, so a pair
      // js-yaml dropped as a repeated key kept its range here, and the text findings in it were dropped unjudged.
      // Lone CRs read as LFs (same offsets), both parsers see the same keys.
      const docs = parseAllDocuments(text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text, {
        lineCounter: lc,
        uniqueKeys: false,
        merge: true,
        prettyErrors: false,
      }) as unknown as Document.Parsed[];
      if (Array.isArray(docs)) {
        // Only collections were walked: a document that is one scalar (a .env file read as YAML) covers nothing.
        for (const doc of docs)
          if (doc.errors.length === 0 && (isMap(doc.contents) || isSeq(doc.contents)))
            collectValueRanges(doc.contents, covered);
        const real = docs.filter((doc) => doc.contents !== null || doc.errors.length > 0);
        if (docs.length === docCount || real.length === docCount) {
          const byIndex = docs.length === docCount ? docs : real;
          return { line: (d, path) => locateInDocument(byIndex[d], lc, path, file)?.line, covered };
        }
      }
    }
    let keys: Map<string, number> | undefined;
    return {
      line: (_d, path) => {
        keys ??= firstKeyLines(text);
        for (let i = path.length - 1; i >= 0; i--) {
          const seg = path[i];
          if (typeof seg === 'string' && keys.has(seg)) return keys.get(seg);
        }
        return undefined;
      },
      covered,
    };
  }

  private structureFinding(file: string, line: number | undefined, why: string): Pending {
    return {
      ruleId: RULE_STRUCTURE_UNREADABLE,
      message: `${ruleTitle(RULE_STRUCTURE_UNREADABLE)}: ${why}; every line was still scanned by the credential patterns, but Secret data, base64 values and context were not`,
      file,
      line,
      fingerprintParts: ['structure'],
      precedence: 0,
    };
  }

  /**
   * Verdicts of `value` visits that did not read their context, by reference flag, name and value: rendered
   * overlays repeat the same labels, names and settings in every resource and env (issue 20: most of the rendered
   * scan's cost). Only verdicts that are a function of the visit alone are kept, so a memo hit is the same answer.
   */
  private readonly valueVerdicts = [new Map<string, Map<string, readonly Pending[]>>(), new Map()];
  private memoEntries = 0;

  /** What one walked value means: credential matches, a plaintext Secret value, a generator literal. */
  judge(visit: Visit, context: () => string): readonly Pending[] {
    if (visit.type === 'value') return this.judgeValue(visit.key, visit.value, visit.reference, context);
    return this.judgeVisit(visit, context);
  }

  /**
   * A `value` visit (`key: value`, generic rules off inside references), judged without building the visit. What
   * the verdict reads, measured over the rules (issue 20): the key and the value (the detector sees `key: value`),
   * the reference flag (generic rules off) and the config's stop words (fixed per scanner) — and, for one rule only
   * (a Google service-account key: `requires`), the words of the surrounding document. So a verdict is memoised
   * by (reference flag, key, value) exactly when it did not read the document; the rendered context that changes
   * a verdict otherwise — Secret data, SealedSecret ciphertext, external-secrets literals, generators — makes
   * another kind of visit, never memoised. A value that a repository file's walk already judged under the same
   * key is therefore not scanned again in any rendered resource (test/secrets/memo.test.ts: memo on = memo off).
   */
  judgeValue(key: string, value: string, reference: boolean, context: () => string): readonly Pending[] {
    if (!this.memo || key.length + value.length > MEMO_MAX_CHARS)
      return this.judgeVisit({ type: 'value', path: [], key, value, reference }, context);
    // By reference flag, then key, then value: no key string built per visit (most visits are memo hits, and make
    // nothing: no visit object, no closure).
    const byKey = this.valueVerdicts[reference ? 1 : 0];
    const known = byKey.get(key)?.get(value);
    if (known) return known;
    let readContext = false;
    const verdict = this.judgeVisit({ type: 'value', path: [], key, value, reference }, () => {
      readContext = true;
      return context();
    });
    if (!readContext && this.memoEntries < MEMO_MAX_ENTRIES) {
      let byValue = byKey.get(key);
      if (!byValue) byKey.set(key, (byValue = new Map()));
      byValue.set(value, verdict);
      this.memoEntries++;
    }
    return verdict;
  }

  private judgeVisit(visit: Visit, context: () => string): Pending[] {
    const stopWords = this.settings.stopWords;
    switch (visit.type) {
      case 'value': {
        // NULs between the characters (UTF-16 text a generator copied from a file, or padding) would hide them from
        // every pattern: the value is read without them.
        const value = visit.value.includes('\0') ? visit.value.replaceAll('\0', '') : visit.value;
        const text = `${visit.key}: ${value}`;
        const r = this.detector.detect(text, { skipGeneric: visit.reference, stopWords, context });
        // A password file under its name (`pgpass: |`, `.pgpass`): its entries on any port, each instead of the
        // generic reading of the whole file as one password.
        const entries = PGPASS_KEY.test(visit.key) ? this.pgpassDetector.detect(text).candidates : [];
        const holds = (c: Candidate): boolean =>
          c.rule.generic === true && entries.some((e) => e.start < c.end && c.start < e.end);
        const out = r.candidates.filter((c) => !holds(c)).map((c) => this.fromCandidate(c, ''));
        for (const e of entries)
          if (!r.candidates.some((c) => c.start === e.start && c.end === e.end)) out.push(this.fromCandidate(e, ''));
        if (r.truncated) out.push(this.budgetFinding(undefined));
        // A template's committed default (`'{{ .Values.p | default "s3cr3t" }}'`), read as the value it stands for.
        const defaults = value.includes('{{') ? templateDefaults(text) : undefined;
        if (defaults !== undefined) {
          const seen = new Set(out.map((f) => f.secretHash));
          const more = this.detector.detect(defaults, { skipGeneric: visit.reference, stopWords, context });
          for (const c of more.candidates) {
            const f = this.fromCandidate(c, '');
            if (!seen.has(f.secretHash)) out.push(f);
          }
          if (more.truncated) out.push(this.budgetFinding(undefined));
        }
        // base64 anywhere (a ConfigMap value, an annotation, an env value): decoded and scanned again, unless a
        // content rule already named the value (kubeconfig `client-key-data`).
        if (r.candidates.length === 0) {
          const budget = this.budget();
          const runs = this.decodedRuns(value, DECODE_DEPTH, undefined, out, budget);
          const run = runs.length === 1 ? runs[0] : undefined;
          if (
            out.length === 0 &&
            run?.encoding === 'base64' &&
            value.slice(0, run.start).trim() === '' &&
            value.slice(run.end).trim() === ''
          )
            this.headerless(run.bytes, out, budget, true);
        }
        return out;
      }
      case 'secret-data': {
        const where = ` in Secret ${visit.field} \`${visit.key}\`${visit.field === 'data' ? ' (base64-decoded)' : ''}`;
        if (visit.bytes.length === 0) return [];
        const out: Pending[] = [];
        if (!visit.binary) {
          // A SOPS value is ciphertext only in its exact shape and in a document with SOPS metadata
          // (`ENC[AES256_GCM,` around plaintext hid a whole properties file).
          if (visit.sops && isSopsValue(visit.text)) return [];
          const r = this.detector.detect(`${visit.key}: ${visit.text}`, { stopWords });
          for (const c of r.candidates) out.push(this.fromCandidate(c, where));
          this.decodedRuns(visit.text, DECODE_DEPTH, where, out, this.budget());
          // Public certificates alone are not secret data (no hard rule), but what their blocks hold was read above:
          // a `CERTIFICATE` label around a private key's DER is still a private key.
          if (isPublicMaterialOnly(visit.text)) return out;
        } else {
          this.decoded(visit.bytes, 0, where, out);
        }
        // The hard rule is reported whatever else matched and whatever the value looks like.
        const note = visit.invalidBase64 ? ', not valid base64' : visit.binary ? ', binary' : '';
        out.push({
          ruleId: RULE_PLAINTEXT_SECRET,
          message: `${ruleTitle(RULE_PLAINTEXT_SECRET)}: ${visit.field}.${visit.key} … (${visit.bytes.length} bytes${note})`,
          secretHash: this.hasher.hash(visit.bytes),
          precedence: STRUCTURAL_PRECEDENCE,
        });
        return out;
      }
      case 'generator-literal': {
        if (isPlaceholder(visit.value) && !isWeakDefault(visit.value)) return [];
        const where = ` in secretGenerator \`${visit.generator}\` literal \`${visit.key}\``;
        const r = this.detector.detect(`${visit.key}: ${visit.value}`, { stopWords });
        const specific = r.candidates.filter((c) => !c.rule.generic);
        if (specific.length > 0) return specific.map((c) => this.fromCandidate(c, where));
        return [
          {
            ruleId: RULE_SECRET_GENERATOR,
            message: `${ruleTitle(RULE_SECRET_GENERATOR)}: \`${visit.generator}\` literal \`${visit.key}\` ${redactedHint(visit.value, 0)}`,
            secretHash: this.hasher.hash(visit.value),
            precedence: STRUCTURAL_PRECEDENCE,
          },
        ];
      }
      case 'sealed-data': {
        if (looksSealed(visit.value)) return [];
        return [
          {
            ruleId: RULE_PLAIN_IN_REFERENCE,
            message: `${ruleTitle(RULE_PLAIN_IN_REFERENCE)}: SealedSecret encryptedData \`${visit.key}\` is not sealed ciphertext (${visit.value.length} chars)`,
            secretHash: this.hasher.hash(visit.value),
            precedence: STRUCTURAL_PRECEDENCE,
          },
        ];
      }
      case 'plain-in-reference': {
        // Structural rules ignore the config's stop words (they tune the generic content rules only).
        if (isPlaceholder(visit.value)) return [];
        const where = ` in ${visit.where} \`${visit.key}\``;
        // What a template reads from the store (`{{ .password }}`) is the intended use; the text around it is not.
        const templated = visit.value.includes('{{');
        // Each action becomes x…x (a placeholder to every rule), so `https://{{ .user }}:<literal>@host` keeps its shape.
        const literal = templated ? blankTemplateActions(visit.value, 'x') : visit.value;
        const r = this.detector.detect(`${visit.key}: ${literal}`, { stopWords });
        const out = r.candidates.map((c) => this.fromCandidate(c, where));
        if (r.candidates.length === 0) this.decodedRuns(literal, DECODE_DEPTH, where, out, this.budget(), true);
        // A templated value, a whole document a template writes into the Secret (a config file of several lines,
        // e.g. a product's declarative config) and a webhook's request body are judged by their content; a one-line
        // literal is the secret.
        const document =
          CONTENT_PLACES.includes(visit.where) ||
          (TEMPLATE_PLACES.includes(visit.where) && literal.trim().includes('\n'));
        if (templated || document) return out;
        out.push({
          ruleId: RULE_PLAIN_IN_REFERENCE,
          message: `${ruleTitle(RULE_PLAIN_IN_REFERENCE)}: ${visit.where} \`${visit.key}\` ${redactedHint(visit.value, 0)}`,
          secretHash: this.hasher.hash(visit.value),
          precedence: STRUCTURAL_PRECEDENCE,
        });
        return out;
      }
      default:
        return [];
    }
  }

  /**
   * secretGenerator `files`/`envs`: a committed source file puts its values in plaintext Git. Reported at the
   * kustomization entry, unless the committed file already reports the same value itself.
   */
  async resolveGenerators(root: string, scans: Map<string, FileScan>, scanned: ReadonlySet<string>): Promise<void> {
    for (const [file, scan] of scans) {
      for (const g of scan.generators) {
        if (g.target.startsWith('..') || !scanned.has(g.target)) continue; // outside the root, or not in Git
        const read = readForScan(resolve(root, g.target), this.settings.maxFileBytes);
        const alreadyThere = new Set((scans.get(g.target)?.findings ?? []).map((f) => f.secretHash));
        const base = { file, line: g.line, path: g.visit.path, precedence: STRUCTURAL_PRECEDENCE };
        const title = ruleTitle(RULE_SECRET_GENERATOR);
        if (read.kind === 'binary' || read.kind === 'too-large') {
          scan.findings.push({
            ...base,
            ruleId: RULE_SECRET_GENERATOR,
            message: `${title}: \`${g.visit.generator}\` file \`${g.target}\` (${read.bytes} bytes)`,
            secretHash: this.hasher.hash(`file:${g.target}`),
          });
          continue;
        }
        if (read.kind !== 'text' || isSopsEncrypted(read.text)) continue;
        if (g.visit.source === 'envs') {
          for (const entry of parseEnvFile(read.text)) {
            if (isPlaceholder(entry.value)) continue;
            const hash = this.hasher.hash(entry.value);
            if (alreadyThere.has(hash)) continue;
            scan.findings.push({
              ...base,
              ruleId: RULE_SECRET_GENERATOR,
              message: `${title}: \`${g.visit.generator}\` env file \`${g.target}\` key \`${entry.key}\` ${redactedHint(entry.value, 0)}`,
              secretHash: hash,
            });
          }
        } else {
          if (read.text.trim() === '' || alreadyThere.size > 0) continue;
          scan.findings.push({
            ...base,
            ruleId: RULE_SECRET_GENERATOR,
            message: `${title}: \`${g.visit.generator}\` file \`${g.target}\` ${redactedHint(read.text, 0)}`,
            secretHash: this.hasher.hash(read.text),
          });
        }
      }
      scan.findings = dedupeFile(scan.findings);
    }
  }

  /** A fresh decoding budget for one value or file. */
  private budget(): DecodeBudget {
    return { left: this.settings.maxFileBytes };
  }

  /**
   * The encoded runs of a text (base64, hex, percent: decode.ts encodedRuns) decoded and read (decoded), each said
   * to be `where` or, without one, by its encoding (` (hex-decoded)`). Inert runs are skipped unless `all`.
   */
  private decodedRuns(
    text: string,
    depth: number,
    where: string | undefined,
    out: Pending[],
    budget: DecodeBudget,
    all = false,
    nest = UNPACK_NEST,
  ): EncodedRun[] {
    const runs = encodedRuns(text);
    for (const run of runs)
      if (all || !run.inert) this.decoded(run.bytes, depth, where ?? run.label, out, nest, budget);
    return runs;
  }

  /**
   * Decoded bytes: a private key or key store by its bytes; decoded text through every content rule, and its
   * own encoded runs decoded again while `depth` lasts (a dockerconfigjson `auth`, a base64 PEM in a base64 value),
   * each charged to `budget` before it is decoded.
   */
  decoded(
    bytes: Uint8Array,
    depth: number,
    where: string,
    out: Pending[],
    nest = UNPACK_NEST,
    budget: DecodeBudget = this.budget(),
  ): void {
    const key = privateKeyKind(bytes);
    if (key !== undefined) {
      out.push({
        ruleId: RULE_KEYSTORE_FILE,
        message: `${ruleTitle(RULE_KEYSTORE_FILE)}: ${key} (${bytes.length} bytes)${where}`,
        secretHash: this.hasher.hash(bytes),
        precedence: 3,
      });
      return;
    }
    const text = asText(bytes);
    if (text === undefined) {
      // Binary: compressed content unpacked (unpack.ts), else the text it holds (UTF-16 without a BOM, strings
      // among other bytes), not decoded any further.
      if (nest > 0 && this.unpackedInto(bytes, depth, where, out, nest - 1, budget)) return;
      const opaque = this.opaqueFinding(bytes, where);
      if (opaque) {
        out.push(opaque);
        return;
      }
      const strings = binaryStrings(bytes);
      if (strings === undefined) return;
      const found = this.detector.detect(strings, { stopWords: this.settings.stopWords });
      for (const c of found.candidates) out.push(this.fromCandidate(c, `${where} (in binary content)`));
      return;
    }
    const r = this.detector.detect(text, { stopWords: this.settings.stopWords });
    for (const c of r.candidates) out.push(this.fromCandidate(c, where));
    // Text that matched already names its credential (a PEM key is not reported again as the DER inside it).
    if (depth <= 0 || r.candidates.length > 0) return;
    for (const run of encodedRuns(text)) {
      if (run.inert) continue;
      if (!this.charged(budget, run.size, where, out)) return;
      this.decoded(run.bytes, depth - 1, where, out, nest, budget);
    }
  }

  /**
   * Takes `bytes` from the budget; false, and the budget finding once, when they are not left: the rest of the value
   * or file is not decoded, and the scan says so (fail closed).
   */
  private charged(budget: DecodeBudget, bytes: number, where: string, out: Pending[], format = 'encoded'): boolean {
    if (bytes <= budget.left) {
      budget.left -= bytes;
      return true;
    }
    budget.left = 0;
    if (!budget.over) {
      budget.over = true; // once for the whole value or file
      out.push({
        ruleId: RULE_TOO_LARGE,
        message: `${ruleTitle(RULE_TOO_LARGE)}: ${format} content that unpacks to more than secrets.maxFileBytes (${this.settings.maxFileBytes})${where}`,
        fingerprintParts: ['too-large', format],
        precedence: 0,
      });
    }
    return false;
  }

  /**
   * Gzip or zip content (unpack.ts): each member read like decoded bytes, nested archives while `nest` lasts; false
   * when the bytes are no archive. Unpacking stops at secrets.maxFileBytes, which is reported (fail closed): a
   * decompression bomb is no way around the scan.
   */
  private unpackedInto(
    bytes: Uint8Array,
    depth: number,
    where: string,
    out: Pending[],
    nest: number,
    budget: DecodeBudget = this.budget(),
  ): boolean {
    // One budget for everything a value or file unpacks, nested archives included: with a limit per archive, a zip
    // of a thousand small gzips (each unpacking to the limit) made the scan read gigabytes.
    const got = unpack(bytes, budget.left);
    if (got === undefined) return false;
    for (const part of got.parts) budget.left -= part.length;
    const inner = `${where} (in ${got.format} content)`;
    for (const part of got.parts) this.decoded(part, depth, inner, out, nest, budget);
    if (got.unread)
      out.push({
        ruleId: RULE_BINARY_SKIPPED,
        severity: 'info',
        message: `compressed content not read: ${got.unread}${inner}`,
        fingerprintParts: ['unread', got.format],
        precedence: 0,
      });
    if (got.overLimit) this.charged(budget, Infinity, where, out, got.format);
    return true;
  }

  /** Known credential formats in file paths (one path per line: a match never joins two names). */
  scanNames(files: readonly string[]): SecretFinding[] {
    const paths = files.map((f) => f.replace(/[\r\n]/g, ' '));
    const text = paths.join('\n');
    const detected = this.detector.detect(text, { skipGeneric: true, stopWords: this.settings.stopWords });
    if (detected.candidates.length === 0) return [];
    const lines = new LineIndex(text);
    return detected.candidates.map((c) =>
      strip({ ...this.fromCandidate(c, " (in the file's name)"), file: files[lines.position(c.at).line - 1] }),
    );
  }

  /** Findings in the text a binary file holds (decode.ts binaryStrings), at no line: the file has none. */
  scanBinary(file: string, data: Uint8Array, o: { skipGeneric?: boolean; where?: string } = {}): SecretFinding[] {
    // An archive: its members are read (unpack.ts), every content rule on each (a file secrets.exclude skips too:
    // the exclusion is of a file's noise, and compressed content is no reviewer's text).
    const pending: Pending[] = [];
    if (this.unpackedInto(data, DECODE_DEPTH, o.where ?? '', pending, UNPACK_NEST))
      return dedupeFile(pending).map((p) => strip({ ...p, file }));
    const opaque = this.opaqueFinding(data, o.where ?? '');
    if (opaque) return [strip({ ...opaque, file })];
    const strings = binaryStrings(data);
    if (strings === undefined) return [];
    const where = `${o.where ?? ''} (in the text of a binary file)`;
    const detected = this.detector.detect(strings, { skipGeneric: o.skipGeneric, stopWords: this.settings.stopWords });
    const found = detected.candidates.map((c) => strip({ ...this.fromCandidate(c, where), file }));
    if (detected.truncated) found.push(strip(this.budgetFinding(file)));
    return found;
  }

  /** KFM-SEC-080 for bytes in a compressed format node cannot unpack (unpack.ts opaqueCompressed). */
  private opaqueFinding(bytes: Uint8Array, where: string, size = bytes.length): Pending | undefined {
    const format = opaqueCompressed(bytes);
    if (format === undefined) return undefined;
    return {
      ruleId: RULE_OPAQUE_COMPRESSED,
      message: `${ruleTitle(RULE_OPAQUE_COMPRESSED)}: ${format} (${size} bytes)${where}`,
      secretHash: this.hasher.hash(bytes),
      precedence: 3,
    };
  }

  /**
   * A value that is one base64 blob and nothing else, whose bytes are deflate without a header or brotli (no magic:
   * unpack.ts unpackHeaderless): the text inside read like any decoded text. Only whole values are tried. Brotli has
   * no cheap test before its native try (~0.1 ms), so it is tried on walked values only (`brotli`: their verdicts are
   * memoised), not on every random-looking value of every file's text.
   */
  private headerless(bytes: Uint8Array, out: Pending[], budget: DecodeBudget, brotli: boolean): void {
    // Text was read as text (decoded); only binary can be a compressed stream.
    if (!this.charged(budget, bytes.length, '', out) || asText(bytes) !== undefined) return;
    const got = unpackHeaderless(bytes, budget.left, brotli, asText);
    if (got === undefined) return;
    const text = Buffer.from(got.text);
    if (!this.charged(budget, text.length, '', out, got.format)) return;
    this.decoded(text, DECODE_DEPTH - 1, ` (in ${got.format} content)`, out, UNPACK_NEST - 1, budget);
  }

  private fromCandidate(c: Candidate, where: string): Pending {
    return {
      ruleId: c.rule.id,
      message: `${c.rule.title}: ${redactedHint(c.value, c.rule.hintPrefix)}${where}`,
      secretHash: this.hasher.hash(c.value),
      precedence: c.rule.precedence,
    };
  }

  private budgetFinding(file: string | undefined): Pending {
    return {
      ruleId: RULE_SCAN_BUDGET,
      message: `${ruleTitle(RULE_SCAN_BUDGET)}: too many candidate matches; the rest was not checked`,
      file,
      fingerprintParts: ['budget'],
      precedence: 0,
    };
  }
}

/**
 * Offsets of every scalar value (not keys) of a parsed YAML node tree that the walk read. js-yaml keeps the last of
 * repeated keys and lets explicit keys override merged ones: the values it dropped were never judged, so their
 * ranges stay out and the line patterns' findings on them stand.
 */
function collectValueRanges(root: unknown, out: [number, number][]): void {
  const stack: unknown[] = [root];
  // A merge key parses as a symbol (merge: true); a quoted `"<<"` is a plain key.
  const MERGE = '\0<<';
  const keyOf = (pair: unknown): string | undefined =>
    isPair(pair) && isScalar(pair.key)
      ? typeof pair.key.value === 'symbol'
        ? MERGE
        : String(pair.key.value)
      : undefined;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isScalar(node)) {
      if (node.range) out.push([node.range[0], node.range[1]]);
    } else if (isMap(node)) {
      // A key that is no scalar (`[a]:`, `*alias:`, an empty key) is a string to js-yaml (`a`, the alias's value,
      // `null`) that may repeat another key and drop its pair unjudged: such a map's values are left to the line
      // patterns.
      if (node.items.some((pair) => !isPair(pair) || !isScalar(pair.key))) continue;
      const last = new Map<string, unknown>();
      for (const pair of node.items) {
        const k = keyOf(pair);
        if (k !== undefined && k !== MERGE) last.set(k, pair);
      }
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = keyOf(pair);
        if (k === MERGE) {
          // A merged map's keys count where no explicit key of this map overrides them.
          const sources = isMap(pair.value) ? [pair.value] : isSeq(pair.value) ? pair.value.items : [];
          for (const source of sources)
            if (isMap(source))
              for (const inner of source.items) {
                const ik = keyOf(inner);
                if (isPair(inner) && (ik === undefined || !last.has(ik))) stack.push(inner.value);
              }
        } else if (k === undefined || last.get(k) === pair) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
}

function dropCovered(findings: Pending[], ranges: [number, number][]): void {
  ranges.sort((a, b) => a[0] - b[0]);
  const inside = (offset: number): boolean => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid][0] > offset) hi = mid - 1;
      else if (ranges[mid][1] <= offset) lo = mid + 1;
      else return true;
    }
    return false;
  };
  for (let i = findings.length - 1; i >= 0; i--) {
    const o = findings[i].offset;
    if (o !== undefined && inside(o)) findings.splice(i, 1);
  }
}

/**
 * The run `[start, end)` is a whole value on its line: after `:` or `=` (then blanks and a quote) and before the
 * line's end (a quote, a comma and blanks aside) — `blob: <run>`, `BLOB="<run>"`, `"blob": "<run>",`.
 */
function isWholeValue(text: string, start: number, end: number): boolean {
  let i = start - 1;
  if (text[i] === '"' || text[i] === "'") i--;
  while (text[i] === ' ' || text[i] === '\t') i--;
  if (text[i] !== ':' && text[i] !== '=') return false;
  let j = end;
  if (text[j] === '"' || text[j] === "'") j++;
  if (text[j] === ',') j++;
  while (text[j] === ' ' || text[j] === '\t' || text[j] === '\r') j++;
  return j >= text.length || text[j] === '\n';
}

/** One finding per (line, secret): the highest precedence wins. Findings without a secret are kept as they are. */
function dedupeFile(findings: Pending[]): Pending[] {
  const best = new Map<string, Pending>();
  const rest: Pending[] = [];
  for (const f of findings) {
    if (!f.secretHash) {
      rest.push(f);
      continue;
    }
    const k = `${f.line ?? ''}|${f.secretHash}|${f.ruleId === RULE_PLAINTEXT_SECRET ? 'hard' : 'content'}`;
    const prev = best.get(k);
    if (!prev || f.precedence > prev.precedence) best.set(k, f);
  }
  return [...best.values(), ...rest];
}

/** Well-known default credentials (`minioadmin`, `admin`): placeholders as documentation, real as a literal. */
function isWeakDefault(value: string): boolean {
  return /^[a-z0-9]+$/i.test(value.trim()) && value.trim().length >= 4;
}

/**
 * Certificates and public keys are not secrets: a Secret's `ca.crt`/`tls.crt` alone is not reported. A block's body
 * is base64 only: with any text allowed up to the next `-----END CERTIFICATE-----`, a whole private key block
 * nested inside one passed as a certificate (and Go's pem.Decode reads the nested key out of such a file).
 */
function isPublicMaterialOnly(text: string): boolean {
  if (!text.includes('-----BEGIN ')) return false;
  const rest = text.replace(
    /-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|X509 CRL|TRUSTED CERTIFICATE)-----[A-Za-z0-9+/=\s]*-----END \1-----/g,
    '',
  );
  return rest.trim() === '';
}

/** A SOPS-encrypted file (YAML, JSON, dotenv or INI): values are `ENC[…]` in SOPS's exact shape and a MAC is present. */
export function isSopsEncrypted(text: string): boolean {
  return (
    SOPS_VALUE_IN_TEXT.test(text) &&
    (/(?:^|\n)sops:\s*\n/.test(text) ||
      text.includes('"sops"') ||
      /(?:^|\n)sops_mac=/.test(text) ||
      text.includes('[sops]'))
  );
}

/** An action that starts with a Go string literal (`{{ "s3cr3t" | b64enc }}`), and the literal `default` takes. */
const LEADING_LITERAL = /^\{\{-?\s*("(?:[^"\\\n]|\\.)*"|`[^`]*`)/;
const DEFAULT_LITERAL = /\bdefault\s+("(?:[^"\\\n]|\\.)*"|`[^`]*`)/;

/**
 * The literals a Helm/Go template writes in place of its value — an action's leading literal and the argument of
 * `default` — kept where they stand without their quotes, every other character of every `{{ … }}` action (and the
 * YAML quotes right around one) blanked, newlines kept: `password: {{ .Values.db.password | default "s3cr3t" |
 * b64enc }}` reads as `password:` and `s3cr3t`, an assignment the generic rules judge (the action hid the committed
 * default from them). A `required`/`fail` message is no value and stays blank. undefined when no action keeps one.
 */
export function templateDefaults(text: string): string | undefined {
  const out = text.split('');
  let kept = false;
  for (let open = text.indexOf('{{'); open !== -1;) {
    const close = text.indexOf('}}', open + 2);
    const end = close === -1 ? text.length : close + 2;
    const action = text.slice(open, end);
    for (let k = open; k < end; k++) if (out[k] !== '\n') out[k] = ' ';
    const quote = text[open - 1];
    if ((quote === "'" || quote === '"') && text[end] === quote) out[open - 1] = out[end] = ' ';
    const m = LEADING_LITERAL.exec(action) ?? DEFAULT_LITERAL.exec(action);
    if (m) {
      const at = open + m.index + m[0].length - m[1].length + 1;
      const literal = m[1].slice(1, -1);
      for (let k = 0; k < literal.length; k++) if (literal[k] !== '\n') out[at + k] = literal[k];
      kept = true;
    }
    open = close === -1 ? -1 : text.indexOf('{{', end);
  }
  return kept ? out.join('') : undefined;
}

/** `{{ … }}` actions replaced by spaces (newlines kept), in one pass: offsets and lines stay where they were. */
export function blankTemplateActions(text: string, fill = ' '): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open === -1) break;
    const close = text.indexOf('}}', open + 2);
    const end = close === -1 ? text.length : close + 2;
    out += text.slice(from, open) + text.slice(open, end).replace(/[^\n]/g, fill);
    from = end;
  }
  return out + text.slice(from);
}

function yamlName(file: string): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1).replace(BACKUP_SUFFIX, '');
  return YAML_NAME.test(base);
}

/** Every document of a YAML/JSON text, or the line where it stops parsing. */
function loadAll(text: string): { values: unknown[] } | { errorLine: number | undefined } {
  try {
    return { values: jsyaml.loadAll(text, undefined, { json: true }) as unknown[] };
  } catch (err) {
    return { errorLine: errorLine(err) };
  }
}

function errorLine(err: unknown): number | undefined {
  const mark = (err as { mark?: { line?: unknown } } | undefined)?.mark;
  return typeof mark?.line === 'number' ? mark.line + 1 : undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // the caller refuses a root that is not a readable folder
  }
}
