/**
 * discover → render → parse → checks → findings → report, for `check`. An orchestrator only: each stage lives in
 * its own module (render/overlay.ts, run/checks.ts, run/origins.ts, run/result-layer.ts, findings/). Returns data:
 * the CLI prints and exits. Everything that goes wrong on the way becomes a finding; nothing is skipped silently.
 */
import type { DiscoverOptions } from './discover/index.js';
import { findOverlays } from './discover/index.js';
import {
  forgetParsedKustomizations,
  holdParsedKustomizations,
  KUSTOMIZATION_HOLD_ENTRIES,
  releaseHeldKustomizations,
} from './discover/kustomization.js';
import { measureCoverage } from './discover/coverage.js';
import { checkArgoSources } from './argo/check.js';
import { overridePlacer } from './argo/overrides-check.js';
import { memoWalks } from './discover/walks.js';
import { DiscoverMemo } from './discover/memo.js';
import { FindingCollector, resolveFindings } from './findings/index.js';
import { renderOverlay } from './render/overlay.js';
import { lacksNamespace, placeInDestination } from './argo/destination.js';
import { byObjectEnv } from './argo/object-env.js';
import { DEFAULT_ENV_ORDER } from './discover/env.js';
import { SourceMapper } from './render/sourcemap.js';
import type { Renderer } from './render/types.js';
import { headStart, runChecks } from './run/checks.js';
import { summaryOf, type PipelineOptions } from './run/common.js';
import { releaseRenderedText } from './run/compact.js';
import { onShells, PackStore, UNPACKED_RESOURCES } from './run/pack.js';
import { addRenderedArgoObjects } from './argo/rendered.js';
import { resolveOrigins } from './run/origins.js';
import type { ResultLayer } from './run/result-layer.js';
import {
  cachedResolution,
  filteredByFlags,
  finish,
  resultLayerFor,
  treeHitReport,
  type RunFacts,
} from './run/whole-run.js';
import type { Selector } from './select/types.js';
import { namespaceJoiners, namespaceSiblings, overlayNamespace, platformOverlays } from './select/siblings.js';
import { namespaceKeys } from './checks/policy/partition.js';
import { GATE_WEAKENED } from './rules/config.js';
import { RENDER_ENV_UNPLACED } from './rules/render.js';
import type { ChangeHistory, Check, FindingInput, Overlay, RenderedOverlay, Report } from './types.js';
import { mapPool } from './util/pool.js';
import { redactListed } from './redact/index.js';
import { runFacts, withRunFacts } from './util/file-facts.js';

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
  /** The run's result layer when the caller already asked it (src/run/whole-run.ts); else one is made. */
  results?: ResultLayer;
  /** Narrow the discovered overlays (changed-only runs, shards); returns the kept ones and why others were skipped. */
  select?: Selector;
  onProgress?: (event: { done: number; total: number; overlay: string; failed: number }) => void;
  /** Findings about the change itself (audit notes for gate weakenings, --changed-since); a throw is a guard finding. */
  audit?: () => Promise<FindingInput[]>;
  /** The history of a --changed-since run, for the checks that read it (the secret scan of the change's commits). */
  changeHistory?: ChangeHistory;
  /** Resources kept as parsed objects before overlays are packed (default UNPACKED_RESOURCES; 0: pack every one). */
  unpackedResources?: number;
}

/** One run: every stage shares the run's file facts (util/file-facts.ts: each path stat'ed, each file read once). */
export function runCheck(options: CheckRunOptions): Promise<Report> {
  return withRunFacts(() => checkRun(options));
}

async function checkRun(options: CheckRunOptions): Promise<Report> {
  const filtered = filteredByFlags(options);
  const results = options.results ?? resultLayerFor(options);
  const started = results.started;
  const treeHit = await treeHitReport(options, results);
  if (treeHit) return treeHit;
  // Past the tree key something will render: start the render workers now, so their start-up overlaps discovery.
  // Awaited: discovery runs without a turn of the event loop, and the renderer's modules load in such turns (issue
  // 20: loaded after discovery, beside the checks' code, they held the first render back ~0.5 s on the medium repo).
  await options.renderer.warmUp?.();
  const allowExec = options.config.kustomize?.allowExec === true;
  // What earlier runs' discovery and walks learned, valid while the stamps of what they looked at hold (memo.ts).
  const memo = DiscoverMemo.open(options.root, options.config, allowExec);
  const walk = memoWalks(options.root, { allowExec, memo });
  // Discovery's parses are kept until every overlay was walked (coverage, or the selection of a narrowed run).
  holdParsedKustomizations(KUSTOMIZATION_HOLD_ENTRIES);
  const defined = await findOverlays(options.root, options.config, options.discover, memo);
  // The renders need only the overlay list (discover/index.ts findOverlays): unless a selector or an --overlay/--env
  // filter decides what is rendered, they start before the Argo CD view is read and envs are placed (both finish
  // while the workers render, and before anything reads an overlay's env: the report, the checks, the result key).
  const early = !filtered && !options.select;
  const discovering = defined.complete();
  discovering.catch(() => undefined); // awaited below (early: once the renders were started)
  let overlays = early ? defined.overlays : (await discovering).overlays;
  let skipped: { path: string; reason: string }[] = [];
  let files: string[] | undefined;
  // A changed-only run: what its changed overlays' objects turn out to join is checked once they rendered.
  let joins: { all: Overlay[]; changed: Set<string>; namespaceOf: (o: Overlay) => string | undefined } | undefined;
  if (options.select) {
    const all = overlays;
    const sel = await options.select(overlays, walk);
    ({ keep: overlays, skipped, files } = sel);
    if (files !== undefined) {
      // A changed-only run checks the unchanged overlays its changed ones can join by namespace too, and the platform
      // overlays, every env's context (siblings.ts).
      const placed = await discovering;
      const namespaceOf = overlayNamespace(
        defined.namespaces,
        placed.destinations,
        options.config.envOrder ?? DEFAULT_ENV_ORDER,
      );
      joins = { all, changed: new Set(overlays.map((o) => o.path)), namespaceOf };
      const add = new Set(
        [...namespaceSiblings(overlays, all, namespaceOf), ...(overlays.length > 0 ? platformOverlays(all) : [])].map(
          (o) => o.path,
        ),
      );
      if (add.size > 0) {
        const kept = new Set(overlays.map((o) => o.path));
        overlays = all.filter((o) => kept.has(o.path) || add.has(o.path));
        skipped = skipped.filter((s) => !add.has(s.path));
      }
    }
  }
  // Coverage (of the changed files only, in a changed-only run) is measured on every overlay the repo defines, beside
  // the renders; a run narrowed by --overlay/--env asked for part of the repo, so it is not judged on the rest.
  const coverage = filtered
    ? undefined
    : measureCoverage({
        root: options.root,
        config: options.config,
        configFile: options.configFile,
        overlays: defined.all,
        scope: options.discover?.scope,
        nothingToCheck: defined.nothingToCheck,
        concurrency: options.concurrency,
        walk,
        ...(files ? { files } : {}),
      });
  coverage?.catch(() => undefined); // awaited below
  // The discovery memo is written as soon as discovery and coverage have walked every overlay the repo defines (the
  // renders walk the same overlays: memoWalks keeps those answers), while the workers render, and what it held is
  // dropped there: its paths, stamps and dependency lists (~40 MB on the 7,500-overlay bench repo) no longer sit
  // under the renders' own memory where a large run peaked, and its write leaves the serial tail (issue 20). A walk
  // made after it (an Argo CD source's) is not remembered: the next run walks it again. A run narrowed by
  // --overlay/--env measures no coverage and writes it after the renders, as before.
  let memoSaved: Promise<void> | undefined;
  if (coverage) {
    memoSaved = Promise.all([discovering, coverage]).then(() => memo?.save());
    memoSaved.catch(() => undefined); // awaited below, after discovery's and coverage's own failures surfaced
    // The memo holds the stamps it needed: the renders need none (FileFacts.dropStats).
    void memoSaved.then(() => runFacts().dropStats()).catch(() => undefined);
    void coverage
      .finally(() => {
        releaseHeldKustomizations();
        // Every overlay the repo defines was walked: what the walks shared need not stay shared (file-facts.ts).
        runFacts().settle();
      })
      .catch(() => undefined); // its failure: awaited below
  } else releaseHeldKustomizations();
  // Load the checks' code while the workers render, when this process waits on them: once the first overlay came
  // back (or none is rendered). Loaded earlier, its modules' evaluation held the first renders back (issue 20).
  let firstRendered: () => void = () => undefined;
  const rendering = new Promise<void>((res) => (firstRendered = res));
  const lazyChecks = options.checks;
  const checksLoading = Array.isArray(lazyChecks)
    ? Promise.resolve(lazyChecks)
    : rendering.then(() => lazyChecks.load());
  checksLoading.catch(() => undefined); // awaited below; a failure surfaces there
  const startContext = {
    ...options,
    mode: 'check' as const,
    ...(files ? { files } : {}),
    plan: {
      overlays,
      placed: discovering,
      namespaces: defined.namespaces,
      ...(memoSaved ? { released: memoSaved } : {}),
    },
  };
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
  // Rendered overlays past the first UNPACKED_RESOURCES resources are kept packed (run/pack.ts); the checks read
  // their objects back overlay by overlay.
  const packs = new PackStore();
  const keepUnpacked = options.unpackedResources ?? UNPACKED_RESOURCES;
  let unpacked = 0;
  // Discovery that fails while the renders run (they started early) stops them: no more overlays are sent.
  let failedDiscovery: unknown;
  discovering.catch((err: unknown) => (failedDiscovery = err ?? new Error('discovery failed')));
  let total = overlays.length;
  const renderOne = async (overlay: Overlay): Promise<RenderedOverlay> => {
    if (failedDiscovery !== undefined) throw failedDiscovery;
    const found: FindingInput[] = [];
    const r = await renderOverlay(overlay, { ...options, walk }, (f) => found.push(f));
    // Objects without a namespace go where Argo CD puts them, before any check observes them: this waits for the
    // Argo CD view (read while the workers render), and only for an overlay that has such objects.
    if (lacksNamespace(r)) {
      const placed = await discovering.catch(() => undefined);
      if (placed)
        placeInDestination(
          r,
          placed.destinations.get(overlay.path) ?? [],
          options.config.envOrder ?? DEFAULT_ENV_ORDER,
        );
    }
    firstRendered();
    releaseRenderedText(r);
    const parsed = r.resources;
    if (unpacked + parsed.length > keepUnpacked) packs.pack(r);
    else unpacked += parsed.length;
    for (const f of onShells(found, parsed, r.resources)) collector.add(f);
    // Every Secret value is known to the redactor before any finding is formatted (the objects are still cached).
    collector.redactor.addObjects(r.resources.map((res) => res.object));
    head.observe(r);
    done++;
    if (r.status !== 'ok') failed++;
    options.onProgress?.({ done, total, overlay: overlay.path, failed });
    return r;
  };
  const lanes = options.renderer.lanes ?? options.concurrency;
  const rendered = await mapPool(overlays, lanes, renderOne, renderOrder(overlays, defined.namespaces));
  if (joins) {
    // The namespaces the changed overlays' objects name, and the overlays deploying there that were not rendered.
    const named = new Set<string>();
    for (const r of rendered)
      if (joins.changed.has(r.overlay.path))
        for (const res of r.resources) for (const key of namespaceKeys(res.object)) named.add(key);
    const extra = namespaceJoiners(named, joins.all, new Set(rendered.map((r) => r.overlay.path)), joins.namespaceOf);
    if (extra.length > 0) {
      for (const o of extra) overlayMap.set(o.path, o);
      const added = new Set(extra.map((o) => o.path));
      skipped = skipped.filter((s) => !added.has(s.path));
      total += extra.length;
      rendered.push(...(await mapPool(extra, lanes, renderOne, renderOrder(extra, defined.namespaces))));
    }
  }
  firstRendered(); // no overlay rendered: the checks load now
  if (options.signal?.aborted) throw new Error('interrupted');
  const discovered = await discovering;
  const report = (f: FindingInput): void => collector.add(f);
  // Argo CD sources of other repositories are listed as not checked (reportUnusedExceptions still sees `skipped`).
  const elsewhere: { path: string; reason: string }[] = [];
  if (coverage) {
    // What the overlays render of Argo CD objects is what Argo CD gets: one changed by kustomize is evaluated as rendered.
    await addRenderedArgoObjects(discovered.argo, rendered, options.root);
    const argo = await checkArgoSources(
      await coverage,
      discovered,
      overlayMap,
      files,
      { ...options, walk },
      report,
      (n) => elsewhere.push(redactListed(n)),
    );
    // Override and Helm renders hold Secrets of their own: their values are redacted like the overlays'.
    for (const r of argo) collector.redactor.addObjects(r.resources.map((res) => res.object));
    rendered.push(...argo);
    // Nothing reads the Argo CD view past its own checks: the checks that follow do not carry its deployments
    // (~8 MB on the 7,500-overlay bench repo, issue 20).
    discovered.argo = { ...discovered.argo, deployments: [], unevaluable: [], inputs: [], specs: [] };
  }
  for (const issue of discovered.envIssues) report({ ruleId: RENDER_ENV_UNPLACED, ...issue, line: 1 });
  // Objects that name a namespace of a stricter env than their overlay's are judged in that env (argo/object-env.ts).
  const ok = byObjectEnv(
    rendered.filter((r) => r.resources.length > 0),
    options.config.envOrder ?? DEFAULT_ENV_ORDER,
  );
  const summaries = rendered.map(summaryOf);
  const facts: RunFacts = {
    started,
    skipped: [...skipped, ...elsewhere],
    reportUnusedExceptions: !filtered && skipped.length === 0,
  };
  await auditing;
  // A narrowed run writes the memo now.
  await (memoSaved ?? memo?.save());
  runFacts().trim(); // nothing asks the file system's facts again but the secret scan's reads (util/file-facts.ts)
  forgetParsedKustomizations();
  const hit = await results.afterRender(rendered, summaries, elsewhere);
  if (hit) return finish(options, cachedResolution(hit), summaries, { ...facts, cachedResults: true });
  // Findings of Argo CD override/Helm renders go on the Application's line (argo/overrides-check.ts).
  const placer = overridePlacer(rendered, (f, fallback) => collector.add(f, fallback));
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
    placer.add,
    { budgetMs: options.checkBudgetMs },
  );
  placer.flush();
  const resolved = await resolveFindings(
    collector,
    options.origin ? (byOverlay) => resolveOrigins(byOverlay, overlayMap, { ...options, walk }) : undefined,
  );
  await results.store({ findings: resolved.findings, containers: resolved.containers }, summaries, elsewhere);
  return finish(options, resolved, summaries, facts);
}

/**
 * Platform overlays (any layer but apps) render first: their objects are context of every other env's policy
 * evaluation, which the policy check starts while the apps render (checks/policy/early.ts). Apps follow grouped by
 * the namespace their kustomization sets, so that the overlays sharing a namespace (one part of that evaluation)
 * render together and their part is complete early. Results keep the overlays' own order.
 */
export function renderOrder(overlays: readonly Overlay[], namespaces?: ReadonlyMap<string, string>): number[] {
  const first: number[] = [];
  const then: number[] = [];
  overlays.forEach((o, i) => (o.layer === 'apps' ? then : first).push(i));
  const ns = (i: number): string => namespaces?.get(overlays[i].path) ?? '';
  then.sort((a, b) => (ns(a) < ns(b) ? -1 : ns(a) > ns(b) ? 1 : a - b));
  return [...first, ...then];
}
