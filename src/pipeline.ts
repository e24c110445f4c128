/**
 * discover → render → parse → checks → exceptions → report. Returns data only: the CLI prints and exits.
 * Everything that goes wrong on the way becomes a finding; nothing is skipped silently.
 */
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import type { Config } from './config/types.js';
import type { DiscoverOptions } from './discover/index.js';
import { discoverOverlays } from './discover/index.js';
import { measureCoverage } from './discover/coverage.js';
import { checkArgoSources } from './argo/check.js';
import { walkOverlay, type WalkIssue } from './discover/kustomization.js';
import { applyExceptions, containerNameAt } from './exceptions/index.js';
import { commonKey, ResultCache, runKey, treeKey, type CachedResults } from './results-cache.js';
import { identityKey, parseResources } from './parse/index.js';
import { formatPath } from './parse/path.js';
import { SourceMapper } from './render/sourcemap.js';
import type { Renderer } from './render/types.js';
import type {
  Category,
  Check,
  CheckContext,
  Finding,
  FindingInput,
  Overlay,
  OverlaySummary,
  RenderedOverlay,
  Report,
  Resource,
  Severity,
  StartContext,
} from './types.js';
import { mapPool } from './util/pool.js';
import { toRepoPath } from './util/paths.js';
import { escapeRegExp } from './util/glob.js';
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';

export interface PipelineOptions {
  root: string;
  config: Config;
  /** Absolute path of kfm-gitops.yaml, for findings about exceptions. */
  configFile?: string;
  checks: Check[];
  kubernetesVersion: string;
  toolVersion: string;
  /** For expiry decisions; tests pin it. */
  now?: Date;
  signal?: AbortSignal;
}

/** Checks whose code is loaded only when they run: a whole-run cache hit never pays for ajv, OPA and RE2. */
export interface LazyChecks {
  ids: string[];
  load: () => Promise<Check[]>;
}

export interface CheckRunOptions extends Omit<PipelineOptions, 'checks'> {
  checks: Check[] | LazyChecks;
  renderer: Renderer;
  discover?: DiscoverOptions;
  concurrency: number;
  timeoutMs: number;
  origin: boolean;
  maxRenderBytes?: number;
  /** Folder of the whole-run result cache (unset: no result caching). */
  resultCacheDir?: string;
  /** Narrow the discovered overlays (changed-only runs, shards); returns the kept ones and why others were skipped. */
  select?: (
    overlays: Overlay[],
  ) => Promise<{ keep: Overlay[]; skipped: { path: string; reason: string }[]; files?: string[] }>;
  onProgress?: (event: { done: number; total: number; overlay: string }) => void;
}

const CHECK_CATEGORY: Record<string, Category> = { schema: 'schema', policy: 'policy', secrets: 'secret' };
const FAMILY_CATEGORY: Record<string, Category> = {
  RENDER: 'render',
  SCHEMA: 'schema',
  TM: 'policy',
  DP: 'policy',
  FK: 'policy',
  RBAC: 'policy',
  ARGO: 'policy',
  SEC: 'secret',
  CONFIG: 'config',
};

export function categoryOfRule(ruleId: string): Category {
  return FAMILY_CATEGORY[ruleId.split('-')[1] ?? ''] ?? 'config';
}

const WALK_RULES: Record<WalkIssue['kind'], string> = {
  remote: 'KFM-RENDER-003',
  'outside-root': 'KFM-RENDER-004',
  plugin: 'KFM-RENDER-005',
  helm: 'KFM-RENDER-008',
  unreadable: 'KFM-RENDER-009',
  cycle: 'KFM-RENDER-001',
};

interface Pending {
  input: FindingInput;
  category: Category;
  defaultSeverity: Severity;
}

/** Collects finding inputs from every stage, then resolves paths, lines, severities and fingerprints. */
class FindingCollector {
  private pending: Pending[] = [];
  constructor(
    private readonly options: {
      root: string;
      config: Config;
      mode: 'check' | 'validate';
      overlays: Map<string, Overlay>;
      mapper: SourceMapper;
    },
  ) {}

  add(input: FindingInput, category: Category, defaultSeverity: Severity = 'error'): void {
    this.pending.push({ input, category, defaultSeverity });
  }

  /**
   * @param resolveOrigins fills in `origin`/`transformedBy` of the given resources (grouped by overlay) before
   * lines are resolved: source mapping is paid only for overlays that have findings to place.
   */
  async finish(
    resolveOrigins?: (byOverlay: Map<string, Resource[]>) => Promise<void>,
  ): Promise<{ findings: Finding[]; resources: Map<string, Resource> }> {
    if (resolveOrigins && this.options.mode === 'check') {
      const byOverlay = new Map<string, Resource[]>();
      for (const { input } of this.pending) {
        const r = input.resource;
        if (!r || input.file !== undefined || r.origin || this.options.config.rules?.[input.ruleId] === 'off') continue;
        byOverlay.set(r.overlay, [...(byOverlay.get(r.overlay) ?? []), r]);
      }
      if (byOverlay.size > 0) await resolveOrigins(byOverlay);
    }
    const out: Finding[] = [];
    const resources = new Map<string, Resource>();
    const seen = new Set<string>();
    for (const { input, category, defaultSeverity } of this.pending) {
      const override = this.options.config.rules?.[input.ruleId];
      if (override === 'off') continue;
      const severity: Severity = override ?? input.severity ?? defaultSeverity;
      const overlayPath = input.overlay ?? input.resource?.overlay;
      const overlay = overlayPath !== undefined ? this.options.overlays.get(overlayPath) : undefined;
      const fallbackFile = overlay ? joinPosix(overlay.path, overlay.kustomizationFile) : overlayPath;
      const finding: Finding = { ruleId: input.ruleId, category, severity, message: input.message, fingerprint: '' };
      if (overlayPath !== undefined) finding.overlay = overlayPath;
      if (input.resource) finding.resource = { ...input.resource.id };
      if (input.path && input.path.length > 0) finding.path = formatPath(input.path);
      if (input.file !== undefined) {
        finding.file = input.file;
        if (input.line !== undefined) finding.line = input.line;
        if (input.column !== undefined) finding.column = input.column;
      } else if (input.resource) {
        const r = input.resource;
        const span =
          this.options.mode === 'validate' || !overlay
            ? r.locate(input.path ?? [])
            : await this.options.mapper.locate(r, input.path ?? [], fallbackFile ?? r.rendered.file);
        finding.file = span?.file ?? r.rendered.file;
        finding.line = span?.line ?? r.rendered.line;
        if (span?.column) finding.column = span.column;
      } else if (fallbackFile) {
        finding.file = fallbackFile;
        if (input.line !== undefined) finding.line = input.line;
      }
      if (input.suppressed) finding.suppressed = input.suppressed;
      const material = [
        finding.ruleId,
        finding.overlay ?? '',
        input.resource ? identityKey(input.resource.id) : '',
        finding.path ?? '',
        input.resource ? '' : (finding.file ?? ''),
        input.resource || input.fingerprintParts ? '' : stripNumbers(finding.message),
        ...(input.fingerprintParts ?? []),
      ];
      finding.fingerprint = createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 32);
      const dedupe = `${finding.fingerprint}|${finding.message}|${finding.line ?? ''}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      if (input.resource) resources.set(finding.fingerprint, input.resource);
      out.push(finding);
    }
    return { findings: out, resources };
  }
}

/** Line numbers in messages (e.g. "first at line 12") would make fingerprints shift with unrelated edits. */
function stripNumbers(message: string): string {
  return message.replace(/\bline \d+/g, 'line');
}

function joinPosix(dir: string, file: string): string {
  return dir === '.' || dir === '' ? file : `${dir}/${file}`;
}

async function runChecks(
  checks: Check[],
  base: Omit<CheckContext, 'report'>,
  collector: FindingCollector,
): Promise<void> {
  // Checks run one after another: they are CPU-bound in this process, so running them "in parallel" only interleaves.
  for (const check of checks) {
    const category = CHECK_CATEGORY[check.meta.id];
    const ctx: CheckContext = {
      ...base,
      report: (f) => collector.add(f, category ?? categoryOfRule(f.ruleId), check.meta.defaultSeverity),
    };
    try {
      await check.run(ctx);
    } catch (err) {
      // A broken installation (e.g. an unreadable policy bundle) is not a finding about the repo: exit 2.
      if (err instanceof Error && (err as { fatal?: boolean }).fatal === true) throw err;
      collector.add(
        {
          ruleId: check.meta.errorRuleId,
          message: `the ${check.meta.id} check failed and could not vouch for anything: ${err instanceof Error ? err.message : String(err)}`,
          severity: 'error',
        },
        category ?? categoryOfRule(check.meta.errorRuleId),
      );
    }
  }
}

/** Renders and parses one overlay, reporting every problem as a finding. */
export async function renderOverlay(
  overlay: Overlay,
  options: Pick<CheckRunOptions, 'root' | 'config' | 'renderer' | 'timeoutMs' | 'origin' | 'maxRenderBytes' | 'signal'>,
  report: (f: FindingInput) => void,
): Promise<RenderedOverlay> {
  const started = performance.now();
  const done = (status: RenderedOverlay['status'], text = '', resources: Resource[] = []): RenderedOverlay => ({
    overlay,
    status,
    text,
    resources,
    durationMs: Math.round(performance.now() - started),
  });
  const allowExec = options.config.kustomize?.allowExec === true;
  const walk = await walkOverlay(options.root, overlay.absPath, { allowExec });
  if (walk.issues.length > 0) {
    for (const issue of walk.issues) {
      report({
        ruleId: WALK_RULES[issue.kind],
        message: issue.message,
        overlay: overlay.path,
        file: issue.file,
        line: issue.line,
      });
    }
    return done('render-error');
  }
  const outcome = await options.renderer.render({
    overlay,
    root: options.root,
    timeoutMs: options.timeoutMs,
    // Build metadata is asked for only when a finding needs placing (resolveOrigins): it triples kustomize's cost.
    origin: false,
    allowExec,
    maxOutputBytes: options.maxRenderBytes ?? 256 * 1024 * 1024,
    signal: options.signal,
    inputs: walk.inputs,
  });
  if (!outcome.ok) {
    const ruleId =
      outcome.reason === 'timeout'
        ? 'KFM-RENDER-002'
        : outcome.reason === 'too-large'
          ? 'KFM-RENDER-007'
          : 'KFM-RENDER-001';
    const status =
      outcome.exitCode !== undefined && outcome.exitCode !== null ? ` (exit status ${outcome.exitCode})` : '';
    const kfile = overlay.path === '.' ? overlay.kustomizationFile : `${overlay.path}/${overlay.kustomizationFile}`;
    const line = await pinpointLine(resolve(options.root, kfile), outcome.message);
    report({ ruleId, message: `${outcome.message}${status}`, overlay: overlay.path, file: kfile, line });
    return done('render-error');
  }
  if (outcome.text.trim() === '') {
    report({
      ruleId: 'KFM-RENDER-006',
      message: 'kustomize printed no resources for this overlay',
      overlay: overlay.path,
    });
    return done('render-error');
  }
  const originBase = outcome.originBase;
  const parsed = parseResources(outcome.text, {
    overlay: overlay.path,
    file: overlay.path,
    generated: true,
    originPath: originBase ? (p) => toRepoPath(options.root, resolve(originBase, p)) : undefined,
  });
  for (const f of parsed.findings) report(f);
  if (parsed.resources.length === 0 && parsed.findings.length === 0) {
    report({
      ruleId: 'KFM-RENDER-006',
      message: 'the rendered output holds no Kubernetes objects',
      overlay: overlay.path,
    });
    return done('render-error', outcome.text);
  }
  const result = done(parsed.findings.length > 0 ? 'parse-error' : 'ok', outcome.text, parsed.resources);
  if (outcome.cached) result.cached = true;
  return result;
}

/**
 * Best-effort line for a kustomize error in the overlay's own kustomization: the unknown field it names,
 * or the entry that references the missing file. Undefined when the message names nothing we can find.
 */
async function pinpointLine(kustomizationAbs: string, message: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(kustomizationAbs, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const field = /unknown field "([^"]+)"/.exec(message)?.[1];
  if (field) {
    const key = field.split('.').pop()!;
    const i = lines.findIndex((l) => new RegExp(`^\\s*-?\\s*${escapeRegExp(key)}\\s*:`).test(l));
    if (i >= 0) return i + 1;
  }
  const missing = /(?:lstat|stat|open) ([^\s:']+): no such file/.exec(message)?.[1];
  if (missing) {
    const base = missing.split('/').pop()!;
    const i = lines.findIndex(
      (l) =>
        new RegExp(`^\\s*-\\s*["']?[^#]*${escapeRegExp(base)}["']?\\s*$`).test(l) ||
        new RegExp(`path:\\s*["']?[^#]*${escapeRegExp(base)}`).test(l),
    );
    if (i >= 0) return i + 1;
  }
  return undefined;
}

export async function runCheck(options: CheckRunOptions): Promise<Report> {
  const started = performance.now();
  const checkIds = Array.isArray(options.checks) ? options.checks.map((c) => c.meta.id) : options.checks.ids;
  const allowExec = options.config.kustomize?.allowExec === true;
  const resultCache = options.resultCacheDir ? new ResultCache(options.resultCacheDir) : undefined;
  // Stamped once, at the start, for whichever keys the run needs.
  let common: Promise<string> | undefined;
  const commonPart = (): Promise<string> =>
    (common ??= commonKey({
      root: options.root,
      config: options.config,
      configFile: options.configFile,
      toolVersion: options.toolVersion,
      kubernetesVersion: options.kubernetesVersion,
      checkIds,
      env: process.env,
    }));
  const filteredByFlags = Boolean(options.discover?.overlayGlobs?.length || options.discover?.envs?.length);
  // Nothing under the root changed since a run with the same tool, config and renderer: reuse it whole.
  const tree =
    resultCache && !options.select && !allowExec
      ? treeKey(await commonPart(), {
          renderer: { command: options.renderer.command, version: options.renderer.version },
          discover: {
            overlayGlobs: options.discover?.overlayGlobs ?? [],
            envs: options.discover?.envs ?? [],
            scope: options.discover?.scope ?? '.',
          },
          origin: options.origin,
        })
      : undefined;
  const treeHit = resultCache && tree ? await resultCache.read(tree) : undefined;
  // A stored report that checked nothing is never reused (zero things checked is not a result).
  if (treeHit?.overlays && treeHit.overlays.length > 0) {
    return finishReport(options, cachedResolution(treeHit), treeHit.overlays, {
      started,
      skipped: [],
      reportUnusedExceptions: !filteredByFlags,
      cachedResults: true,
    });
  }
  // Past the tree key something will render: start the render workers now, so their start-up overlaps discovery.
  options.renderer.warmUp?.();
  const discovered = await discoverOverlays(options.root, options.config, options.discover);
  let overlays = discovered.overlays;
  let skipped: { path: string; reason: string }[] = [];
  let files: string[] | undefined;
  if (options.select) {
    const sel = await options.select(overlays);
    overlays = sel.keep;
    skipped = sel.skipped;
    files = sel.files;
  }
  // Coverage (of the changed files only, in a changed-only run) is measured on every overlay the repo defines, beside
  // the renders; a run narrowed by --overlay/--env asked for part of the repo, so it is not judged on the rest.
  const coverage = filteredByFlags
    ? undefined
    : measureCoverage({
        root: options.root,
        config: options.config,
        configFile: options.configFile,
        overlays: discovered.all,
        scope: options.discover?.scope,
        nothingToCheck: discovered.nothingToCheck,
        concurrency: options.concurrency,
        ...(files ? { files } : {}),
      });
  coverage?.catch(() => undefined); // awaited below
  // The checks will run (or a render-key hit makes this a wasted ~0.3 s): load their code while the workers render,
  // when this process waits on them, rather than during discovery, when it does not.
  const checksLoading = Array.isArray(options.checks) ? Promise.resolve(options.checks) : options.checks.load();
  checksLoading.catch(() => undefined); // awaited below; a failure surfaces there
  const head = headStart(checksLoading, {
    root: options.root,
    config: options.config,
    kubernetesVersion: options.kubernetesVersion,
    mode: 'check',
    signal: options.signal,
    ...(files ? { files } : {}),
  });
  const overlayMap = new Map(overlays.map((o) => [o.path, o]));
  const collector = new FindingCollector({
    root: options.root,
    config: options.config,
    mode: 'check',
    overlays: overlayMap,
    mapper: new SourceMapper(options.root),
  });
  const report = (f: FindingInput): void => collector.add(f, categoryOfRule(f.ruleId));
  let done = 0;
  const rendered = await mapPool(overlays, options.renderer.lanes ?? options.concurrency, async (overlay) => {
    const r = await renderOverlay(overlay, options, report);
    head.observe(r);
    done++;
    options.onProgress?.({ done, total: overlays.length, overlay: overlay.path });
    return r;
  });
  if (options.signal?.aborted) throw new Error('interrupted');
  if (coverage)
    rendered.push(...(await checkArgoSources(await coverage, discovered, overlayMap, files, options, report)));
  for (const issue of discovered.envIssues) report({ ruleId: 'KFM-RENDER-022', ...issue, line: 1 });
  const ok = rendered.filter((r) => r.resources.length > 0);
  const summaries = rendered.map(summaryOf);
  const extra = { started, skipped, reportUnusedExceptions: !filteredByFlags && skipped.length === 0 };
  // Result cache: only when every overlay rendered cleanly (a failed render is re-tried and re-reported each run),
  // and not for a selection (changed-only, shard): its key would stamp every file under the root, which measured as
  // a tenth of a changed-only run, to save checking the few overlays it selected.
  const cacheable =
    resultCache && !options.select && rendered.every((r) => r.status === 'ok') ? resultCache : undefined;
  const key = cacheable ? runKey(await commonPart(), rendered) : undefined;
  const hit = cacheable && key ? await cacheable.read(key) : undefined;
  if (hit) {
    if (tree) await cacheable!.write(tree, { ...hit, overlays: summaries.map((o) => ({ ...o, cached: true })) });
    return finishReport(options, cachedResolution(hit), summaries, { ...extra, cachedResults: true });
  }
  const checks = await checksLoading;
  await runChecks(
    checks,
    {
      root: options.root,
      config: options.config,
      overlays: ok,
      resources: ok.flatMap((r) => r.resources),
      kubernetesVersion: options.kubernetesVersion,
      mode: 'check',
      ...(files ? { files } : {}),
    },
    collector,
  );
  const resolved = await resolveFindings(
    collector,
    options.origin ? (byOverlay) => resolveOrigins(byOverlay, overlayMap, options) : undefined,
  );
  if (cacheable && key) {
    const results = { findings: resolved.findings, containers: resolved.containers };
    await cacheable.write(key, results);
    // On a later hit nothing is rendered: every overlay is then served from cache.
    if (tree) await cacheable.write(tree, { ...results, overlays: summaries.map((o) => ({ ...o, cached: true })) });
  }
  return finishReport(options, resolved, summaries, extra);
}

/**
 * Calls the checks' optional `start` once they are loaded and `observe` for every overlay rendered (replaying the
 * ones that rendered before the checks loaded). Both are hints: a throw is ignored, `run` still does everything.
 */
function headStart(loading: Promise<Check[]>, ctx: StartContext): { observe: (r: RenderedOverlay) => void } {
  let loaded: Check[] | undefined;
  const early: RenderedOverlay[] = [];
  const observe = (checks: Check[], r: RenderedOverlay): void => {
    if (r.resources.length === 0) return;
    for (const c of checks) {
      try {
        c.observe?.(r, ctx);
      } catch {
        // run() decides
      }
    }
  };
  loading.then(
    (checks) => {
      for (const c of checks) {
        try {
          c.start?.(ctx);
        } catch {
          // run() decides
        }
      }
      loaded = checks;
      for (const r of early.splice(0)) observe(checks, r);
    },
    () => undefined,
  );
  return {
    observe: (r) => {
      if (loaded) observe(loaded, r);
      else early.push(r);
    },
  };
}

function cachedResolution(hit: CachedResults): ResolvedFindings {
  return { findings: hit.findings, containerOf: (f) => hit.containers[f.fingerprint] };
}

function summaryOf(r: RenderedOverlay): OverlaySummary {
  return {
    path: r.overlay.path,
    env: r.overlay.env,
    layer: r.overlay.layer,
    resources: r.resources.length,
    status: r.status,
    ...(r.cached ? { cached: true } : {}),
  };
}

export interface ValidateInput {
  /** Display name: repo-relative path, or `<stdin>`. */
  name: string;
  text?: string;
  /** Why the input could not be read. */
  error?: string;
}

/** Raw manifests (files or stdin), no kustomize: the same checks, each input as its own pseudo-overlay. */
export async function runValidate(options: PipelineOptions & { inputs: ValidateInput[] }): Promise<Report> {
  const started = performance.now();
  const collector = new FindingCollector({
    root: options.root,
    config: options.config,
    mode: 'validate',
    overlays: new Map(),
    mapper: new SourceMapper(options.root),
  });
  const report = (f: FindingInput): void => collector.add(f, categoryOfRule(f.ruleId));
  const rendered: RenderedOverlay[] = options.inputs.map((input) => {
    const overlay: Overlay = {
      path: input.name,
      absPath: resolve(options.root, input.name),
      env: 'none',
      layer: 'none',
      kustomizationFile: '',
    };
    const base = { overlay, durationMs: 0 };
    if (input.error !== undefined || input.text === undefined) {
      report({
        ruleId: 'KFM-RENDER-015',
        message: `cannot read ${input.name}: ${input.error ?? 'no content'}`,
        file: input.name,
      });
      return { ...base, status: 'parse-error' as const, text: '', resources: [] };
    }
    const parsed = parseResources(input.text, { overlay: input.name, file: input.name });
    for (const f of parsed.findings) report({ ...f, overlay: undefined });
    return {
      ...base,
      status: parsed.findings.length > 0 ? ('parse-error' as const) : ('ok' as const),
      text: input.text,
      resources: parsed.resources,
    };
  });
  await runChecks(
    options.checks,
    {
      root: options.root,
      config: options.config,
      overlays: rendered.filter((r) => r.text !== ''),
      resources: rendered.flatMap((r) => r.resources),
      kubernetesVersion: options.kubernetesVersion,
      mode: 'validate',
    },
    collector,
  );
  return finishReport(options, await resolveFindings(collector), rendered.map(summaryOf), {
    started,
    skipped: [],
    reportUnusedExceptions: false,
    validate: true,
  });
}

/**
 * Renders the overlays that have findings a second time with kustomize's build metadata (origin and transformer
 * annotations) and copies the origins onto the already-checked resources. Measured on the medium benchmark repo,
 * build metadata makes kustomize ~3.5× slower and its output ~4× larger (0.31 s vs 0.086 s per overlay), so a
 * clean repo should never pay it. A failed second render leaves the finding on the overlay's kustomization.
 */
async function resolveOrigins(
  byOverlay: Map<string, Resource[]>,
  overlays: Map<string, Overlay>,
  options: CheckRunOptions,
): Promise<void> {
  await mapPool([...byOverlay], options.concurrency, async ([path, targets]) => {
    const overlay = overlays.get(path);
    if (!overlay) return;
    const walk = await walkOverlay(options.root, overlay.absPath, {
      allowExec: options.config.kustomize?.allowExec === true,
    });
    const outcome = await options.renderer.render({
      overlay,
      root: options.root,
      timeoutMs: options.timeoutMs,
      origin: true,
      allowExec: options.config.kustomize?.allowExec === true,
      maxOutputBytes: options.maxRenderBytes ?? 256 * 1024 * 1024,
      signal: options.signal,
      inputs: walk.inputs,
    });
    if (!outcome.ok || !outcome.originBase) return;
    const originBase = outcome.originBase;
    const mapped = parseResources(outcome.text, {
      overlay: path,
      file: path,
      generated: true,
      originPath: (p) => toRepoPath(options.root, resolve(originBase, p)),
    });
    const byKey = new Map(mapped.resources.map((r) => [identityKey(r.id), r]));
    for (const target of targets) {
      const source = byKey.get(identityKey(target.id));
      if (!source) continue;
      target.origin = source.origin;
      target.transformedBy = source.transformedBy;
    }
  });
}

interface ResolvedFindings {
  findings: Finding[];
  containerOf: (f: Finding) => string | undefined;
}

/** Collector output plus what exceptions need to know about containers (also what the result cache stores). */
async function resolveFindings(
  collector: FindingCollector,
  resolveOriginsFn?: (byOverlay: Map<string, Resource[]>) => Promise<void>,
): Promise<ResolvedFindings & { containers: Record<string, string> }> {
  const { findings, resources } = await collector.finish(resolveOriginsFn);
  const containers: Record<string, string> = {};
  for (const f of findings) {
    const name = containerNameAt(f, resources.get(f.fingerprint));
    if (name !== undefined) containers[f.fingerprint] = name;
  }
  return { findings, containers, containerOf: (f) => containers[f.fingerprint] };
}

async function finishReport(
  options: Omit<PipelineOptions, 'checks'> & { renderer?: Renderer },
  resolved: ResolvedFindings,
  overlays: OverlaySummary[],
  extra: {
    started: number;
    skipped: { path: string; reason: string }[];
    reportUnusedExceptions: boolean;
    validate?: boolean;
    cachedResults?: boolean;
  },
): Promise<Report> {
  const { findings, containerOf } = resolved;
  const today = (options.now ?? new Date()).toISOString().slice(0, 10);
  const outcome = applyExceptions(findings, options.config.exceptions ?? [], {
    today,
    containerOf,
    reportUnused: extra.reportUnusedExceptions,
  });
  const configFile = options.configFile ? displayPath(options.root, options.configFile) : 'kfm-gitops.yaml';
  const all = [...outcome.findings];
  for (const p of outcome.problems) {
    const severity = options.config.rules?.[p.ruleId];
    if (severity === 'off') continue;
    all.push({
      ruleId: p.ruleId,
      category: 'config',
      severity: severity ?? (p.ruleId === 'KFM-CONFIG-001' ? 'error' : 'warning'),
      message: p.message,
      file: configFile,
      line: p.line,
      fingerprint: createHash('sha256')
        .update(JSON.stringify([p.ruleId, configFile, p.message]))
        .digest('hex')
        .slice(0, 32),
    });
  }
  all.sort(compareFindings);
  const count = (s: Severity): number => all.filter((f) => f.severity === s).length;
  const byOverlay = new Map<string, number>();
  for (const f of all)
    if (f.overlay && f.severity === 'error') byOverlay.set(f.overlay, (byOverlay.get(f.overlay) ?? 0) + 1);
  return {
    tool: {
      name: 'kfm-gitops',
      version: options.toolVersion,
      kustomize: options.renderer?.version,
      kustomizeCommand: options.renderer?.command,
      kubernetesVersion: options.kubernetesVersion,
    },
    summary: {
      overlays: overlays.length,
      resources: overlays.reduce((n, o) => n + o.resources, 0),
      findings: { error: count('error'), warning: count('warning'), info: count('info') },
      suppressed: outcome.suppressed.length,
      rendered: extra.validate ? undefined : overlays.filter((o) => !o.cached && o.status !== 'render-error').length,
      cachedRenders: extra.validate ? undefined : overlays.filter((o) => o.cached).length,
      ...(extra.cachedResults ? { cachedResults: true } : {}),
      durationMs: Math.round(performance.now() - extra.started),
    },
    overlays,
    findings: all,
    suppressed: outcome.suppressed,
    skipped: extra.skipped,
  };
}

/** Root-relative POSIX path, `../`-style when the config sits above the root (formatters join it to the repo prefix). */
function displayPath(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.overlay ?? '').localeCompare(b.overlay ?? '') ||
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.message.localeCompare(b.message)
  );
}

/** Whether the report fails at the given threshold. */
export function failsAt(report: Report, failOn: 'error' | 'warning'): boolean {
  return report.findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
}
