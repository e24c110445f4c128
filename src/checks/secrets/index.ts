/**
 * The secret check (issue 5): Kubernetes-aware, linear-time, never prints what it finds.
 * See scan.ts for scope and the dedupe rule, rules.ts for the patterns, redact.ts for what a finding may show,
 * suppress.ts for inline allows and the baseline file.
 */
import { resolve } from 'node:path';
import type {
  Check,
  CheckContext,
  FindingInput,
  RenderedOverlay,
  Resource,
  RuleDoc,
  StartContext,
} from '../../types.js';
import { yielder } from '../../util/yielder.js';
import { scanHistory, type HistoryScanResult } from './history.js';
import { secretsSettings, type SecretsSettings } from './config.js';
import { Detector } from './detector.js';
import { FINGERPRINT_KEY_ENV, newFingerprintKey } from './redact.js';
import {
  RULE_HISTORY_NOT_SCANNED,
  RULE_KEYSTORE_FILE,
  RULE_PLAIN_IN_REFERENCE,
  RULE_PLAINTEXT_SECRET,
  RULE_SCAN_FAILED,
  RULE_SECRET_GENERATOR,
} from '../../rules/secrets.js';
import { rulesOf } from '../../rules/index.js';
import { CONTENT_RULES } from '../../rules/secret-patterns.js';
import { baselineKey, formatBaseline, loadBaseline, type BaselineEntry, type BaselineFile } from './suppress.js';
import {
  baselineLocation,
  scanForSecrets,
  scanRenderedOverlay,
  scanRepository,
  type RepoScan,
  type ScanStats,
  type SecretFinding,
  type SecretsScanResult,
} from './scan.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

export { secretsSettings, type SecretsSettings } from './config.js';
export { Detector } from './detector.js';
export { scanForSecrets, type SecretFinding, type ScanStats, type SecretsScanResult } from './scan.js';
export { CONTENT_RULES } from '../../rules/secret-patterns.js';
export { META_RULES } from '../../rules/secrets.js';

export interface SecretsCheckOptions {
  /** Environment for the fingerprint key variable (tests pin it). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A shared detector (its counters are read by tests and the bench). */
  detector?: Detector;
}

export interface SecretsCheck extends Check {
  /** Counters of the last run (files, bytes, binary/symlink skips, regex work), for `--verbose` and the bench. */
  lastStats(): ScanStats | undefined;
  /** Findings of the last run as the check produced them (with secret hashes): what `secrets baseline` writes. */
  lastFindings(): readonly SecretFinding[];
}

export function createSecretsCheck(opts: SecretsCheckOptions = {}): SecretsCheck {
  let last: SecretsScanResult | undefined;
  /** The repository files, scanned while overlays render (start); run() takes it once. */
  let started: Started | undefined;
  /** The change's commits (`check --changed-since` with an ancestor ref), scanned beside the files. */
  let history: { root: string; base: string; scan: Promise<HistoryScanResult> } | undefined;
  const startHistory = (ctx: StartContext, settings: SecretsSettings): void => {
    const h = ctx.changeHistory;
    if (ctx.mode !== 'check' || !h?.ancestor) return;
    if (history?.root === ctx.root && history.base === h.base) return;
    const scan = scanHistory({
      root: ctx.root,
      base: h.base,
      settings,
      env: opts.env,
      signal: ctx.signal,
      ...(h.git ? { git: h.git } : {}),
    });
    scan.catch(() => undefined); // run() awaits it and reports a failure
    history = { root: ctx.root, base: h.base, scan };
  };
  /**
   * Findings of the change's commits that the files do not already report (a value still in the tree is reported
   * there); a ref that is not an ancestor of HEAD is said, as info: only the files changed since the merge-base were
   * read.
   */
  const reportHistory = async (ctx: CheckContext, tree: readonly SecretFinding[]): Promise<void> => {
    const h = ctx.changeHistory;
    if (ctx.mode !== 'check' || !h) return;
    if (!h.ancestor) {
      ctx.report({
        ruleId: RULE_HISTORY_NOT_SCANNED,
        severity: 'info',
        message: `${h.ref} is not an ancestor of HEAD: the commits of the change were not scanned, only the files changed since the merge-base ${h.base.slice(0, 12)}`,
        fingerprintParts: ['history', h.base],
      });
      return;
    }
    startHistory(ctx, secretsSettings(ctx.config.secrets));
    const scan = history?.scan;
    history = undefined;
    if (!scan) return;
    try {
      const found = await scan;
      const inTree = new Set(tree.map((f) => `${f.ruleId}|${f.file ?? ''}|${f.secretHash ?? ''}`));
      for (const f of found.findings)
        if (!f.secretHash || !inTree.has(`${f.ruleId}|${f.file ?? ''}|${f.secretHash}`)) ctx.report(toFindingInput(f));
    } catch (err) {
      ctx.report({
        ruleId: RULE_SCAN_FAILED,
        severity: 'error',
        message: `the secret scan of the commits since ${h.base.slice(0, 12)} could not run: ${safeReason(err)}`,
      });
    }
  };
  return {
    meta: {
      id: 'secrets',
      description:
        'Scans every tracked file and every rendered overlay for plaintext Kubernetes Secrets, secretGenerator values and credentials (private keys, cloud, VCS, chat, SaaS tokens, database URLs, generic assignments); SealedSecrets, SOPS and ExternalSecrets are allowed.',
      docsUrl: 'https://github.com/kfm/kfm-gitops/blob/main/docs/checks/secrets.md',
      defaultSeverity: 'error',
      errorRuleId: RULE_SCAN_FAILED,
    },
    rules(): RuleDoc[] {
      return rulesOf('secret');
    },
    start(ctx: StartContext): void {
      if (ctx.mode !== 'check') return;
      let settings: SecretsSettings;
      try {
        settings = secretsSettings(ctx.config.secrets);
      } catch {
        return; // run() reports the bad config
      }
      const scan = scanRepository({
        root: ctx.root,
        settings,
        mode: ctx.mode,
        env: opts.env,
        detector: opts.detector,
        signal: ctx.signal,
        only: ctx.files,
      });
      scan.catch(() => undefined); // run() awaits it and reports a failure
      const s: Started = { root: ctx.root, only: ctx.files, scan, early: new WeakMap(), waiting: [], held: 0 };
      started = s;
      scan.then(
        (repo) => {
          s.repo = repo;
          void walkWaiting(s, ctx.signal);
        },
        () => {
          // run() reports the failure; nothing is walked early for a scan that has no scanner
          s.closed = true;
          s.waiting.length = 0;
          s.held = 0;
        },
      );
      startHistory(ctx, settings);
    },
    observe(rendered: RenderedOverlay, ctx: StartContext): void {
      // The overlay's walk (finishScan's, the same function) while its objects are at hand and this process waits
      // on the renders: run() then only reports it (issue 20: ~0.5 s of the serial tail after the last render on
      // the large bench repo). It needs the repository scan's scanner and hashes: an overlay rendered before that
      // scan is done waits for it (a bounded number of resources; past it, run() walks the overlay).
      const s = started;
      if (!s || s.closed || s.root !== ctx.root || s.only !== ctx.files || ctx.mode !== 'check') return;
      if (ctx.signal?.aborted || rendered.resources.length === 0) return;
      const resources = rendered.resources;
      if (s.repo && s.waiting.length === 0) {
        walkEarly(s, rendered, resources);
        return;
      }
      if (s.held + resources.length > MAX_WAITING) return;
      s.held += resources.length;
      s.waiting.push({ rendered, resources, objects: resources.map((r) => r.object) });
    },
    async run(ctx: CheckContext): Promise<void> {
      last = undefined;
      const own = started?.root === ctx.root && started.only === ctx.files ? started : undefined;
      const head = own?.scan;
      if (started) started.closed = true; // the overlays still waiting are walked by finishScan
      started = undefined;
      let result: SecretsScanResult;
      try {
        result = await scanForSecrets(
          {
            root: ctx.root,
            settings: secretsSettings(ctx.config.secrets),
            mode: ctx.mode,
            overlays: ctx.overlays,
            env: opts.env,
            detector: opts.detector,
            only: ctx.files,
          },
          head,
          own ? (ro) => earlyOf(own, ro) : undefined,
        );
      } catch (err) {
        // Only a code or our own wording: an error object could quote input text.
        const code = (err as NodeJS.ErrnoException | undefined)?.code;
        ctx.report({
          ruleId: RULE_SCAN_FAILED,
          severity: 'error',
          message: `the secret scan could not run${code ? ` (${code})` : ''}: ${safeReason(err)}`,
        });
        return;
      }
      last = result;
      for (const f of result.findings) ctx.report(toFindingInput(f));
      await reportHistory(ctx, result.findings);
    },
    lastStats: () => last?.stats,
    lastFindings: () => last?.findings ?? [],
  };
}

/** A repository scan started while the overlays render, and the overlays already walked with its scanner. */
interface Started {
  root: string;
  only?: readonly string[];
  scan: Promise<RepoScan>;
  repo?: RepoScan;
  /** Each walked overlay's findings, for the resources it had when walked (run/pack.ts replaces them in place). */
  early: WeakMap<RenderedOverlay, { resources: readonly Resource[]; found: readonly SecretFinding[] }>;
  /** Overlays rendered before the repository scan was done, with their objects as read then. */
  waiting: { rendered: RenderedOverlay; resources: readonly Resource[]; objects: Record<string, unknown>[] }[];
  /** Resources in `waiting`. */
  held: number;
  /** run() began: nothing more is walked early. */
  closed?: boolean;
}

/** Resources whose objects an early walk holds while the repository scan runs (a few overlays' worth). */
const MAX_WAITING = 2_000;

/** The overlay's walk; a throw leaves it to finishScan, which reports it. */
function walkEarly(
  s: Started,
  rendered: RenderedOverlay,
  resources: readonly Resource[],
  objects?: readonly Record<string, unknown>[],
): void {
  try {
    s.early.set(rendered, {
      resources,
      found: scanRenderedOverlay(s.repo!, rendered.overlay.path, resources, objects),
    });
  } catch {
    // finishScan walks it again and fails the scan the same way
  }
}

/** The overlays that waited for the repository scan, a turn of the event loop apart (renders are dispatched). */
async function walkWaiting(s: Started, signal: AbortSignal | undefined): Promise<void> {
  const pause = yielder();
  while (s.waiting.length > 0) {
    await pause();
    const next = s.waiting.shift()!;
    s.held -= next.resources.length;
    if (s.closed || signal?.aborted) {
      s.waiting.length = 0;
      s.held = 0;
      return;
    }
    walkEarly(s, next.rendered, next.resources, next.objects);
  }
}

/** An early walk of this overlay, if it saw the resources the run sees. */
function earlyOf(s: Started, rendered: RenderedOverlay): readonly SecretFinding[] | undefined {
  const found = s.early.get(rendered);
  return found && found.resources === rendered.resources ? found.found : undefined;
}

export function toFindingInput(f: SecretFinding): FindingInput {
  const input: FindingInput = { ruleId: f.ruleId, message: f.message };
  if (f.severity) input.severity = f.severity;
  if (f.overlay !== undefined) input.overlay = f.overlay;
  if (f.resource) input.resource = f.resource;
  if (f.path && f.path.length > 0) input.path = f.path;
  if (f.file !== undefined) input.file = f.file;
  if (f.line !== undefined) input.line = f.line;
  if (f.column !== undefined) input.column = f.column;
  if (f.fingerprintParts) input.fingerprintParts = f.fingerprintParts;
  if (f.suppressed) input.suppressed = f.suppressed;
  return input;
}

/** Our own messages pass; anything else is reduced to its class name (parser errors may quote the input). */
function safeReason(err: unknown): string {
  if (
    err instanceof Error &&
    /^(?:git ls-files failed in a Git work tree|interrupted|the checked root is not a readable folder)$/.test(
      err.message,
    )
  )
    return err.message;
  return err instanceof Error ? err.name : 'unknown error';
}

// ── baseline writing (`kfm-gitops secrets baseline`) ─────────────────────────────────────────────────────────────

export interface WriteBaselineOptions {
  root: string;
  /** The `secrets:` section of the config. */
  config?: Record<string, unknown>;
  /** Reason written into new entries (default empty: each entry then fails until someone writes one). */
  reason?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Produces the findings to record, given the environment carrying the fingerprint key. Default: the repository
   * files only. The CLI's `--render` passes a full run, so secrets only a render reveals are included.
   */
  scan?: (env: NodeJS.ProcessEnv) => Promise<readonly SecretFinding[]>;
}

export interface WriteBaselineResult {
  path: string;
  entries: number;
  added: number;
  kept: number;
  withoutReason: number;
}

/** Rules a baseline may hold: findings about a value. Coverage and suppression problems are not baselined. */
const BASELINABLE = new Set([
  ...CONTENT_RULES.map((r) => r.id),
  RULE_PLAINTEXT_SECRET,
  RULE_SECRET_GENERATOR,
  RULE_PLAIN_IN_REFERENCE,
  RULE_KEYSTORE_FILE,
]);

export function buildBaseline(
  findings: readonly SecretFinding[],
  previous: BaselineFile | undefined,
  key: string,
  reason = '',
): BaselineFile {
  const old = new Map<string, BaselineEntry>();
  for (const e of previous?.entries ?? []) old.set(baselineKey(e.ruleId, e.fingerprint, e.file), e);
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if (!f.secretHash || !BASELINABLE.has(f.ruleId) || f.suppressed?.by === 'inline') continue;
    const file = baselineLocation(f);
    const k = baselineKey(f.ruleId, f.secretHash, file);
    if (entries.has(k)) continue;
    const prev = old.get(k);
    entries.set(k, {
      fingerprint: f.secretHash,
      ruleId: f.ruleId,
      file,
      ...(f.line !== undefined ? { line: f.line } : {}),
      // An entry written without a reason takes the one given now (`secrets baseline --reason`); one written is kept.
      reason: prev?.reason && prev.reason.trim() !== '' ? prev.reason : reason,
    });
  }
  return { version: 1, key, entries: [...entries.values()] };
}

/**
 * Scans and writes the baseline file: every current finding with its keyed fingerprint, reasons of entries that
 * still match kept, stale entries dropped. The key of an existing baseline is kept (so fingerprints stay valid);
 * a new baseline gets a random per-repository key, and the scan runs with it. Never writes a secret.
 */
export async function writeSecretsBaseline(options: WriteBaselineOptions): Promise<WriteBaselineResult> {
  const settings: SecretsSettings = secretsSettings(options.config);
  const path = resolve(options.root, settings.baseline);
  const loaded = await loadBaseline(path);
  if (loaded.status === 'invalid')
    throw new Error(`the secrets baseline ${settings.baseline} ${loaded.reason}; fix or delete it first`);
  const previous = loaded.status === 'ok' ? loaded.baseline : undefined;
  const key = previous?.key || newFingerprintKey();
  // The baseline's own key wins inside the scan; a new key travels through the environment variable.
  const env = { ...(options.env ?? process.env), [FINGERPRINT_KEY_ENV]: key };
  const scan =
    options.scan ??
    (async (e: NodeJS.ProcessEnv) =>
      (await scanForSecrets({ root: options.root, settings, mode: 'check', overlays: [], env: e })).findings);
  const findings = await scan(env);
  const baseline = buildBaseline(findings, previous, key, options.reason ?? '');
  await writeFileAtomic(path, formatBaseline(baseline));
  const before = new Set((previous?.entries ?? []).map((p) => baselineKey(p.ruleId, p.fingerprint, p.file)));
  const kept = baseline.entries.filter((e) => before.has(baselineKey(e.ruleId, e.fingerprint, e.file))).length;
  return {
    path,
    entries: baseline.entries.length,
    added: baseline.entries.length - kept,
    kept,
    withoutReason: baseline.entries.filter((e) => e.reason.trim() === '').length,
  };
}
