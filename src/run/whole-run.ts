/**
 * The warm path of `check`: the whole-run (tree key) cache asked before anything else, in a module that imports
 * only what answering from it needs (the result layer, the report assembly). src/pipeline.ts — discovery,
 * rendering, parsing, checks and their libraries — is loaded only on a miss: on a repo like infra/gitops the
 * imports of the cold path cost more CPU than the warm run's own work.
 */
import { assembleReport, type ResolvedFindings } from '../findings/report.js';
import type { CheckRunOptions } from '../pipeline.js';
import type { CachedResults } from '../results-cache.js';
import type { OverlaySummary, Report } from '../types.js';
import { configFileDisplay, toolInfo } from './common.js';
import { ResultLayer } from './result-layer.js';
import { withRunFacts } from '../util/file-facts.js';

export interface RunFacts {
  started: number;
  skipped: { path: string; reason: string }[];
  reportUnusedExceptions: boolean;
  cachedResults?: boolean;
}

/** `--overlay`/`--env` narrow the run: it is then not judged on the rest (coverage, unused exceptions). */
export function filteredByFlags(options: Pick<CheckRunOptions, 'discover'>): boolean {
  return Boolean(options.discover?.overlayGlobs?.length || options.discover?.envs?.length);
}

/** The run's result layer (one per run: the tree stamps are taken once and shared by both keys). */
export function resultLayerFor(options: CheckRunOptions): ResultLayer {
  const checkIds = Array.isArray(options.checks) ? options.checks.map((c) => c.meta.id) : options.checks.ids;
  return new ResultLayer({
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
}

/** The report of a previous run over exactly these files, tool and options; undefined when there is none. */
export async function treeHitReport(options: CheckRunOptions, results: ResultLayer): Promise<Report | undefined> {
  const hit = await results.beforeDiscovery();
  // A stored report that checked nothing is never reused (zero things checked is not a result).
  if (!hit || hit.overlays.length === 0) return undefined;
  const facts = {
    started: results.started,
    // Argo CD sources of other repositories are listed as not checked again (the cached run said so).
    skipped: hit.notChecked ?? [],
    reportUnusedExceptions: !filteredByFlags(options),
    cachedResults: true,
  };
  return finish(options, cachedResolution(hit), hit.overlays, facts);
}

/** `check` for the CLI: the whole-run cache first, the pipeline (and its imports) only when it misses. */
export function checkWarmFirst(options: CheckRunOptions): Promise<Report> {
  // The tree key's stamps and folder listings are the run's file facts: discovery reuses them on a miss.
  return withRunFacts(async () => {
    const results = resultLayerFor(options);
    const report = await treeHitReport(options, results);
    if (report) return report;
    return (await import('../pipeline.js')).runCheck({ ...options, results });
  });
}

export function cachedResolution(hit: CachedResults): ResolvedFindings {
  return { findings: hit.findings, containerOf: (f) => hit.containers[f.fingerprint] };
}

export function finish(
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
