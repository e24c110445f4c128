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
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { locateInDocument } from '../../parse/index.js';
import type { Finding, JsonPath, RenderedOverlay, Resource, Severity } from '../../types.js';
import { matchesAny } from '../../util/glob.js';
import { toRepoPath } from '../../util/paths.js';
import type { SecretsSettings } from './config.js';
import { Detector, type Candidate, type DetectorStats } from './detector.js';
import { isKeystoreName, listRepoFiles, readForScan } from './files.js';
import { redactedHint, resolveFingerprintKey, SecretHasher, type FingerprintKey } from './redact.js';
import {
  RULE_ALLOW_NOT_PERMITTED,
  RULE_ALLOW_NO_REASON,
  RULE_BASELINE_INVALID,
  RULE_BASELINE_NO_REASON,
  RULE_BINARY_SKIPPED,
  RULE_KEYSTORE_FILE,
  RULE_PLAINTEXT_SECRET,
  RULE_SCAN_BUDGET,
  RULE_SECRET_GENERATOR,
  RULE_TOO_LARGE,
  RULE_UNREADABLE,
} from '../../rules/secrets.js';
import { STRUCTURAL_PRECEDENCE, ruleTitle } from '../../rules/secret-patterns.js';
import {
  baselineKey,
  InlineAllows,
  loadBaseline,
  parseInlineAllows,
  type BaselineFile,
  type BaselineLoad,
} from './suppress.js';
import { isPlaceholder, LineIndex, lowerSameLength } from './text.js';
import { parseEnvFile, walkDocument, type Visit } from './walk.js';

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
}

export interface SecretsScanResult {
  findings: SecretFinding[];
  stats: ScanStats;
  /** Absolute path of the baseline file (whether or not it exists). */
  baselinePath: string;
  baseline: BaselineLoad;
  key: FingerprintKey;
}

/** Largest text parsed as YAML for the structural walk (the text patterns still run on anything larger). */
const MAX_YAML_PARSE = 16 * 1024 * 1024;

interface Pending extends SecretFinding {
  precedence: number;
  /** Secret offset in the file text (text matches only), to drop matches a parsed scalar already covers. */
  offset?: number;
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

/** Gives the event loop a turn every few milliseconds of scanning, so renders keep being dispatched meanwhile. */
function yielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < 8) return;
    await new Promise<void>((res) => setImmediate(res));
    last = performance.now();
  };
}

export async function scanForSecrets(
  options: SecretsScanOptions,
  repoScan?: Promise<RepoScan>,
): Promise<SecretsScanResult> {
  const repo = await (repoScan ?? scanRepository(options));
  return finishScan(options, repo);
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
  const scanner = new Scanner(options.detector ?? new Detector(), new SecretHasher(key.key), settings);
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
      scans.set(file, scanner.scanText(file, ro.text));
    }
  } else {
    // A root that is not a folder would list nothing and pass: fail instead.
    if (!(await isDirectory(root))) throw new Error('the checked root is not a readable folder');
    const listed = await listRepoFiles(root, { signal: options.signal });
    stats.via = listed.via;
    stats.filesListed = listed.files.length;
    const only = options.only ? new Set(options.only) : undefined;
    const files = listed.files.filter((f) => {
      if (only && !only.has(f)) return false;
      const skip = settings.exclude.length > 0 && matchesAny(f, settings.exclude);
      if (skip) stats.excluded++;
      return !skip;
    });
    const scannedSet = new Set(files);
    for (const file of files) {
      if (options.signal?.aborted) break;
      await pause();
      const outcome = readForScan(resolve(root, file), settings.maxFileBytes);
      switch (outcome.kind) {
        case 'text':
          stats.filesScanned++;
          stats.bytesScanned += outcome.bytes;
          scans.set(file, scanner.scanText(file, outcome.text));
          break;
        case 'binary':
          stats.binarySkipped.push(file);
          if (isKeystoreName(file)) {
            out.push({
              ruleId: RULE_KEYSTORE_FILE,
              message: `${ruleTitle(RULE_KEYSTORE_FILE)}: binary key store (${outcome.bytes} bytes)`,
              file,
              fingerprintParts: ['keystore'],
            });
          }
          break;
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
      if (f.secretHash) repoHashes.add(f.secretHash);
      const reason = scan.allows?.reasonFor(f.ruleId, f.line);
      if (reason !== undefined) f.suppressed = { by: 'inline', reason };
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

function finishScan(options: SecretsScanOptions, repo: RepoScan): SecretsScanResult {
  const { started, baselinePath, baseline, key, scanner, stats, out, repoHashes } = repo;
  const { root } = options;
  // ── rendered overlays ──────────────────────────────────────────────────────────────────────────────────────────
  if (options.mode === 'check') {
    for (const ro of options.overlays) {
      stats.overlaysScanned++;
      const perOverlay = new Map<string, Pending>();
      for (const resource of ro.resources) {
        stats.resourcesScanned++;
        let context: string | undefined;
        const contextOf = (): string => (context ??= lowerSameLength(JSON.stringify(resource.object)));
        for (const visit of walkDocument(resource.object)) {
          for (const p of scanner.judge(visit, contextOf)) {
            if (!p.secretHash) {
              out.push(strip({ ...p, overlay: ro.overlay.path, resource, path: visit.path }));
              continue;
            }
            if (repoHashes.has(p.secretHash)) continue;
            const seen = perOverlay.get(p.secretHash);
            if (seen && seen.precedence >= p.precedence) continue;
            perOverlay.set(p.secretHash, {
              ...p,
              overlay: ro.overlay.path,
              resource,
              path: visit.path,
              message: `${p.message} (only in the rendered output)`,
            });
          }
        }
      }
      for (const p of perOverlay.values()) out.push(strip(p));
    }
  }

  // ── baseline ───────────────────────────────────────────────────────────────────────────────────────────────────
  const baselineFile = toRepoPath(root, baselinePath) ?? baselinePath;
  if (baseline.status === 'invalid') {
    out.push({
      ruleId: RULE_BASELINE_INVALID,
      message: `${ruleTitle(RULE_BASELINE_INVALID)}: ${baseline.reason}`,
      file: baselineFile,
      fingerprintParts: ['baseline'],
    });
  } else if (baseline.status === 'ok') {
    applyBaseline(out, baseline.baseline, baseline.entryLines, baselineFile);
  }

  if (stats.binarySkipped.length > 0) {
    const shown = stats.binarySkipped.slice(0, 5).join(', ');
    const more = stats.binarySkipped.length > 5 ? ` and ${stats.binarySkipped.length - 5} more` : '';
    out.push({
      ruleId: RULE_BINARY_SKIPPED,
      severity: 'info',
      message: `${stats.binarySkipped.length} binary file(s) not scanned for secrets: ${shown}${more}`,
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

const YAML_NAME = /(?:\.ya?ml|\.json)$/i;
const KUSTOMIZATION_NAME = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/;

class Scanner {
  constructor(
    readonly detector: Detector,
    private readonly hasher: SecretHasher,
    private readonly settings: SecretsSettings,
  ) {}

  /** Text patterns and, for YAML/JSON, the structural walk of one file. */
  scanText(file: string, text: string): FileScan {
    const lines = new LineIndex(text);
    let lowered: string | undefined;
    // Lowercased text for rules that need a word elsewhere in the file (`service_account`); built only then.
    const lower = (): string => (lowered ??= lowerSameLength(text));
    const findings: Pending[] = [];
    const generators: GeneratorRef[] = [];
    const detected = this.detector.detect(text, { context: lower, stopWords: this.settings.stopWords });
    for (const c of detected.candidates) {
      const pos = lines.position(c.at);
      findings.push({ ...this.fromCandidate(c, ''), file, line: pos.line, column: pos.column, offset: c.start });
    }
    if (detected.truncated) findings.push(this.budgetFinding(file));

    const isKustomization = KUSTOMIZATION_NAME.test(file);
    const yamlish = YAML_NAME.test(file) || isKustomization;
    const worthParsing = isKustomization || needsStructure(text, detected.candidates.length > 0);
    // A text that exhausted the detector's budget is already a failing finding; walking it would repeat the work.
    if (yamlish && worthParsing && !detected.truncated) {
      if (text.length > MAX_YAML_PARSE) {
        findings.push({
          ...this.budgetFinding(file),
          message: `${ruleTitle(RULE_SCAN_BUDGET)}: too large to parse for Kubernetes shapes (${text.length} characters)`,
        });
      } else {
        const covered = this.walkFile(file, text, lower, isKustomization, findings, generators);
        if (covered.length > 0) dropCovered(findings, covered);
      }
    }
    // One budget finding per file is enough (the walk's scalars may each run out too).
    const firstBudget = findings.findIndex((f) => f.ruleId === RULE_SCAN_BUDGET);
    if (firstBudget !== -1) {
      for (let i = findings.length - 1; i > firstBudget; i--)
        if (findings[i].ruleId === RULE_SCAN_BUDGET) findings.splice(i, 1);
    }
    const allowsFound = text.includes('kfm-gitops:allow') ? parseInlineAllows(text, lines) : [];
    return {
      findings: dedupeFile(findings),
      allows: allowsFound.length > 0 ? new InlineAllows(allowsFound, this.settings.allowRules) : undefined,
      generators,
    };
  }

  /** Walks the parsed documents of a file; returns the offset ranges of every scalar value it judged. */
  private walkFile(
    file: string,
    text: string,
    lower: () => string,
    kustomization: boolean,
    findings: Pending[],
    generators: GeneratorRef[],
  ): [number, number][] {
    const lc = new LineCounter();
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(text, {
        lineCounter: lc,
        uniqueKeys: false,
        prettyErrors: false,
      }) as unknown as Document.Parsed[];
      if (!Array.isArray(docs)) return [];
    } catch {
      return []; // not YAML after all: the text patterns have covered it
    }
    const covered: [number, number][] = [];
    for (const doc of docs) {
      if (doc.errors.length > 0) continue;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch {
        continue;
      }
      if (value === null || typeof value !== 'object') continue;
      collectValueRanges(doc.contents, covered);
      for (const visit of walkDocument(value, { kustomization })) {
        const line = locateInDocument(doc, lc, visit.path, file)?.line;
        if (visit.type === 'generator-source') {
          const target = posix.normalize(posix.join(posix.dirname(file), visit.ref));
          generators.push({ kustomization: file, line, visit, target });
          continue;
        }
        for (const p of this.judge(visit, lower)) findings.push({ ...p, file, line, path: visit.path });
      }
    }
    return covered;
  }

  /** What one walked value means: credential matches, a plaintext Secret value, a generator literal. */
  judge(visit: Visit, context: () => string): Pending[] {
    const stopWords = this.settings.stopWords;
    switch (visit.type) {
      case 'value': {
        const text = `${visit.key}: ${visit.value}`;
        const r = this.detector.detect(text, { skipGeneric: visit.reference, stopWords, context });
        const out = r.candidates.map((c) => this.fromCandidate(c, ''));
        if (r.truncated) out.push(this.budgetFinding(undefined));
        return out;
      }
      case 'secret-data': {
        const where = ` in Secret ${visit.field} \`${visit.key}\`${visit.field === 'data' ? ' (base64-decoded)' : ''}`;
        if (visit.bytes.length === 0) return [];
        if (!visit.binary) {
          if (isPlaceholder(visit.text, stopWords) || isPublicMaterialOnly(visit.text)) return [];
          const r = this.detector.detect(`${visit.key}: ${visit.text}`, { stopWords });
          if (r.candidates.length > 0) return r.candidates.map((c) => this.fromCandidate(c, where));
        }
        const note = visit.invalidBase64 ? ', not valid base64' : visit.binary ? ', binary' : '';
        return [
          {
            ruleId: RULE_PLAINTEXT_SECRET,
            message: `${ruleTitle(RULE_PLAINTEXT_SECRET)}: ${visit.field}.${visit.key} … (${visit.bytes.length} bytes${note})`,
            secretHash: this.hasher.hash(visit.bytes),
            precedence: STRUCTURAL_PRECEDENCE,
          },
        ];
      }
      case 'generator-literal': {
        if (isPlaceholder(visit.value, stopWords)) return [];
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
            if (isPlaceholder(entry.value, this.settings.stopWords)) continue;
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

const KIND_SECRET = /\bkind["']?\s*:\s*["']?Secret\b/;
const CRED_NAME = String.raw`[\w.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_.-]?key|access[_.-]?key|auth[_.-]?key|client[_.-]?key|credential)[\w.-]*`;
/** `- name: DB_PASSWORD` followed by its `value:` (next line, or same flow mapping), in either order. */
const ENV_PAIR = new RegExp(
  String.raw`name["']?\s*:\s*["']?${CRED_NAME}["']?\s*(?:,\s*|\r?\n\s*)["']?value["']?\s*:|value["']?\s*:[^\n]*\r?\n\s*["']?name["']?\s*:\s*["']?${CRED_NAME}`,
  'i',
);
/** `password: |` — a value on the lines below its key, out of reach of single-line patterns. */
const BLOCK_VALUE = new RegExp(
  String.raw`(?:password|passwd|pwd|passphrase|secret|token|key|credential)[\w.-]*["']?\s*:\s*[|>]`,
  'i',
);

/**
 * Whether a YAML/JSON file needs the structural walk, which costs a full YAML parse. The text patterns already ran;
 * the walk adds what they cannot see: Secret data (base64), generator entries, env entries whose name and value sit
 * on two lines, block-scalar values, escapes, and the context that clears a text match (SealedSecret ciphertext,
 * ExternalSecret references) — so it runs whenever the text scan matched anything at all.
 */
function needsStructure(text: string, textMatched: boolean): boolean {
  return (
    textMatched ||
    KIND_SECRET.test(text) ||
    text.includes('secretGenerator') ||
    text.includes('last-applied-configuration') ||
    text.includes('\\u') ||
    text.includes('\\U') ||
    text.includes('\\x') ||
    ENV_PAIR.test(text) ||
    BLOCK_VALUE.test(text)
  );
}

/** Offsets of every scalar value (not keys) of a parsed YAML node tree. */
function collectValueRanges(root: unknown, out: [number, number][]): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isScalar(node)) {
      if (node.range) out.push([node.range[0], node.range[1]]);
    } else if (isMap(node)) {
      for (const pair of node.items) if (isPair(pair)) stack.push(pair.value);
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

/** One finding per (line, secret): the highest precedence wins. Findings without a secret are kept as they are. */
function dedupeFile(findings: Pending[]): Pending[] {
  const best = new Map<string, Pending>();
  const rest: Pending[] = [];
  for (const f of findings) {
    if (!f.secretHash) {
      rest.push(f);
      continue;
    }
    const k = `${f.line ?? ''}|${f.secretHash}`;
    const prev = best.get(k);
    if (!prev || f.precedence > prev.precedence) best.set(k, f);
  }
  return [...best.values(), ...rest];
}

/** Certificates and public keys are not secrets: a Secret's `ca.crt`/`tls.crt` alone is not reported. */
function isPublicMaterialOnly(text: string): boolean {
  if (!text.includes('-----BEGIN ')) return false;
  const rest = text.replace(
    /-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|X509 CRL|TRUSTED CERTIFICATE)-----[\s\S]*?-----END \1-----/g,
    '',
  );
  return rest.trim() === '';
}

/** A SOPS-encrypted file (YAML, JSON, dotenv or INI): values are `ENC[…]` and a MAC is present. */
export function isSopsEncrypted(text: string): boolean {
  return (
    text.includes('ENC[AES256_GCM,') &&
    (/(?:^|\n)sops:\s*\n/.test(text) ||
      text.includes('"sops"') ||
      /(?:^|\n)sops_mac=/.test(text) ||
      text.includes('[sops]'))
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
