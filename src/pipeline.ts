/**
 * discover → render → parse → checks → findings → report, for `check`. An orchestrator only: each stage lives in
 * its own module (render/overlay.ts, run/checks.ts, run/origins.ts, run/result-layer.ts, findings/). Returns data:
 * the CLI prints and exits. Everything that goes wrong on the way becomes a finding; nothing is skipped silently.
 */
import type { DiscoverOptions } from './discover/index.js';
import { discoverOverlays } from './discover/index.js';
import { measureCoverage } from './discover/coverage.js';
import { checkArgoSources } from './argo/check.js';
import { memoWalks } from './discover/walks.js';
import { assembleReport, FindingCollector, resolveFindings, type ResolvedFindings } from './findings/index.js';
import { renderOverlay } from './render/overlay.js';
import { SourceMapper } from './render/sourcemap.js';
import type { Renderer } from './render/types.js';
import type { CachedResults } from './results-cache.js';
import { headStart, runChecks } from './run/checks.js';
import { configFileDisplay, summaryOf, toolInfo, type PipelineOptions } from './run/common.js';
import { resolveOrigins } from './run/origins.js';
import { ResultLayer } from './run/result-layer.js';
import type { Selector } from './select/types.js';
import { GATE_WEAKENED } from './rules/config.js';
import { RENDER_ENV_UNPLACED } from './rules/render.js';
import type { ChangeHistory, Check, FindingInput, OverlaySummary, Report } from './types.js';
import { mapPool } from './util/pool.js';

export type { PipelineOptions } from './run/common.js';
export { runValidate, type ValidateInput } from './run/validate.js';
export { compareFindings, failsAt } from './findings/index.js';

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
  select?: Selector;
  onProgress?: (event: { done: number; total: number; overlay: string; failed: number }) => void;
  /** Findings about the change itself (audit notes for gate weakenings, --changed-since); a throw is a guard finding. */
  audit?: () => Promise<FindingInput[]>;
  /** The history of a --changed-since run, for the checks that read it (the secret scan of the change's commits). */
  changeHistory?: ChangeHistory;
}

interface RunFacts {
  started: number;
  skipped: { path: string; reason: string }[];
  reportUnusedExceptions: boolean;
  cachedResults?: boolean;
}

export async function runCheck(options: CheckRunOptions): Promise<Report> {
  const started = performance.now();
  const checkIds = Array.isArray(options.checks) ? options.checks.map((c) => c.meta.id) : options.checks.ids;
  const filteredByFlags = Boolean(options.discover?.overlayGlobs?.length || options.discover?.envs?.length);
  const results = new ResultLayer({
    ...options,
    dir: options.resultCacheDir,
    checkIds,
    discover: {
      overlayGlobs: options.discover?.overlayGlobs ?? [],
      envs: options.discover?.envs ?? [],
      scope: options.discover?.scope ?? '.',
    },
    selecting: Boolean(options.select),
  });
  const treeHit = await results.beforeDiscovery();
  // A stored report that checked nothing is never reused (zero things checked is not a result).
  if (treeHit && treeHit.overlays.length > 0) {
    const facts = { started, skipped: [], reportUnusedExceptions: !filteredByFlags, cachedResults: true };
    return finish(options, cachedResolution(treeHit), treeHit.overlays, facts);
  }
  // Past the tree key something will render: start the render workers now, so their start-up overlaps discovery.
  options.renderer.warmUp?.();
  const walk = memoWalks(options.root, { allowExec: options.config.kustomize?.allowExec === true });
  const discovered = await discoverOverlays(options.root, options.config, options.discover);
  let overlays = discovered.overlays;
  let skipped: { path: string; reason: string }[] = [];
  let files: string[] | undefined;
  if (options.select) {
    const sel = await options.select(overlays, walk);
    ({ keep: overlays, skipped, files } = sel);
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
        walk,
        ...(files ? { files } : {}),
      });
  coverage?.catch(() => undefined); // awaited below
  // Load the checks' code while the workers render, when this process waits on them, not during discovery.
  const checksLoading = Array.isArray(options.checks) ? Promise.resolve(options.checks) : options.checks.load();
  checksLoading.catch(() => undefined); // awaited below; a failure surfaces there
  const startContext = { ...options, mode: 'check' as const, ...(files ? { files } : {}) };
  const head = headStart(checksLoading, startContext);
  const overlayMap = new Map(overlays.map((o) => [o.path, o]));
  const collector = new FindingCollector({
    config: options.config,
    mode: 'check',
    overlays: overlayMap,
    mapper: new SourceMapper(options.root),
  });
  const auditing = options.audit?.().then(
    (found) => found.forEach((f) => collector.add(f)),
    (err: unknown) =>
      collector.add({ ruleId: GATE_WEAKENED, message: `the change could not be audited: ${(err as Error).message}` }),
  );
  let done = 0;
  let failed = 0;
  const rendered = await mapPool(overlays, options.renderer.lanes ?? options.concurrency, async (overlay) => {
    const r = await renderOverlay(overlay, { ...options, walk }, (f) => collector.add(f));
    head.observe(r);
    done++;
    if (r.status !== 'ok') failed++;
    options.onProgress?.({ done, total: overlays.length, overlay: overlay.path, failed });
    return r;
  });
  if (options.signal?.aborted) throw new Error('interrupted');
  const report = (f: FindingInput): void => collector.add(f);
  for (const r of rendered) collector.redactor.addObjects(r.resources.map((res) => res.object));
  if (coverage)
    rendered.push(
      ...(await checkArgoSources(await coverage, discovered, overlayMap, files, { ...options, walk }, report)),
    );
  for (const issue of discovered.envIssues) report({ ruleId: RENDER_ENV_UNPLACED, ...issue, line: 1 });
  const ok = rendered.filter((r) => r.resources.length > 0);
  const summaries = rendered.map(summaryOf);
  const facts: RunFacts = { started, skipped, reportUnusedExceptions: !filteredByFlags && skipped.length === 0 };
  await auditing;
  const hit = await results.afterRender(rendered, summaries);
  if (hit) return finish(options, cachedResolution(hit), summaries, { ...facts, cachedResults: true });
  await runChecks(
    await checksLoading,
    {
      root: options.root,
      config: options.config,
      overlays: ok,
      resources: ok.flatMap((r) => r.resources),
      kubernetesVersion: options.kubernetesVersion,
      mode: 'check',
      ...(files ? { files } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.changeHistory ? { changeHistory: options.changeHistory } : {}),
    },
    (f, fallback) => collector.add(f, fallback),
    { budgetMs: options.checkBudgetMs },
  );
  const resolved = await resolveFindings(
    collector,
    options.origin ? (byOverlay) => resolveOrigins(byOverlay, overlayMap, { ...options, walk }) : undefined,
  );
  await results.store({ findings: resolved.findings, containers: resolved.containers }, summaries);
  return finish(options, resolved, summaries, facts);
}

function cachedResolution(hit: CachedResults): ResolvedFindings {
  return { findings: hit.findings, containerOf: (f) => hit.containers[f.fingerprint] };
}

function finish(
  options: CheckRunOptions,
  resolved: ResolvedFindings,
  overlays: OverlaySummary[],
  facts: RunFacts,
): Report {
  return assembleReport(resolved, overlays, {
    tool: toolInfo(options, options.renderer),
    config: options.config,
    configFile: configFileDisplay(options),
    now: options.now,
    ...facts,
  });
}
