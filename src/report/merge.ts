/**
 * Joins the JSON reports of a sharded run (`check --shard i/n` on several CI runners) into one report, as if one
 * runner had checked everything. Pure: the CLI reads the files and formats the result.
 *
 * What cannot be recovered from shards: "exception unused" (KFM-CONFIG-002) needs every finding of a full run, so
 * partial runs never report it, and neither does their merge.
 */
import { countBySeverity, dedupeFindings } from '../findings/order.js';
import { categoryOf } from '../rules/index.js';
import type { Finding, OverlaySummary, Report } from '../types.js';

/** A shard that cannot be merged; the CLI turns it into exit code 2 with this message. */
export class MergeError extends Error {}

export interface NamedReport {
  /** Where it came from (file name), for error messages. */
  name: string;
  report: Report;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and shape-checks one JSON report; anything that is not a kfm-gitops report is a MergeError naming the file. */
export function parseReport(text: string, name: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MergeError(`${name} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(data) || !isObject(data.tool) || data.tool.name !== 'kfm-gitops') {
    throw new MergeError(
      `${name} is not a kfm-gitops JSON report (write one with \`check --format json\` or \`-o json=<file>\`)`,
    );
  }
  const tool = data.tool;
  if (typeof tool.version !== 'string' || typeof tool.kubernetesVersion !== 'string') {
    throw new MergeError(`${name}: tool.version and tool.kubernetesVersion must be strings`);
  }
  if (!isObject(data.summary)) throw new MergeError(`${name}: summary is missing`);
  for (const key of ['overlays', 'findings'] as const) {
    if (!Array.isArray(data[key])) throw new MergeError(`${name}: ${key} must be a list`);
  }
  for (const key of ['suppressed', 'skipped'] as const) {
    if (data[key] !== undefined && !Array.isArray(data[key])) throw new MergeError(`${name}: ${key} must be a list`);
  }
  (data.overlays as unknown[]).forEach((o, i) => {
    if (!isObject(o) || typeof o.path !== 'string' || typeof o.status !== 'string')
      throw new MergeError(`${name}: overlays[${i}] needs a path and a status`);
  });
  const checkFindings = (list: unknown[], key: string): void =>
    list.forEach((f, i) => {
      if (
        !isObject(f) ||
        typeof f.ruleId !== 'string' ||
        typeof f.message !== 'string' ||
        typeof f.severity !== 'string' ||
        typeof f.fingerprint !== 'string'
      ) {
        throw new MergeError(`${name}: ${key}[${i}] is not a finding (ruleId, severity, message, fingerprint)`);
      }
    });
  checkFindings(data.findings as unknown[], 'findings');
  checkFindings((data.suppressed as unknown[] | undefined) ?? [], 'suppressed');
  ((data.skipped as unknown[] | undefined) ?? []).forEach((s, i) => {
    if (!isObject(s) || typeof s.path !== 'string') throw new MergeError(`${name}: skipped[${i}] needs a path`);
  });
  return data as unknown as Report;
}

function sameTool(reports: NamedReport[]): void {
  const [first, ...rest] = reports;
  const fields: [keyof Report['tool'], string][] = [
    ['version', 'kfm-gitops version'],
    ['kubernetesVersion', 'Kubernetes version'],
    ['kustomize', 'kustomize version'],
  ];
  for (const other of rest) {
    for (const [field, label] of fields) {
      const a = first!.report.tool[field];
      const b = other.report.tool[field];
      // kustomize is absent from `validate` reports; only two known, different versions disagree.
      if (field === 'kustomize' && (a === undefined || b === undefined)) continue;
      if (a !== b) {
        throw new MergeError(
          `cannot merge: ${first!.name} was made with ${label} ${String(a)} but ${other.name} with ${String(b)}; run every shard with the same setup`,
        );
      }
    }
  }
}

/** A checked overlay beats a skipped entry; among checked ones the first shard's wins (shards do not overlap). */
function mergeOverlays(reports: NamedReport[]): OverlaySummary[] {
  const byPath = new Map<string, OverlaySummary>();
  for (const { report } of reports) {
    for (const o of report.overlays) {
      const had = byPath.get(o.path);
      if (!had || (had.status === 'skipped' && o.status !== 'skipped')) byPath.set(o.path, o);
    }
  }
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}

export function mergeReports(reports: NamedReport[]): Report {
  if (reports.length === 0) throw new MergeError('no reports to merge');
  sameTool(reports);
  const overlays = mergeOverlays(reports);
  const checkedOverlays = overlays.filter((o) => o.status !== 'skipped');
  const checked = new Set(checkedOverlays.map((o) => o.path));
  // What one shard skipped because another shard checked it is not skipped in the whole run.
  const skipped = new Map<string, { path: string; reason: string }>();
  for (const { report } of reports) {
    for (const s of report.skipped ?? []) if (!checked.has(s.path) && !skipped.has(s.path)) skipped.set(s.path, s);
  }
  // The category of a rule is the registry's, whatever a report file says.
  const recategorise = (f: Finding): Finding => ({ ...f, category: categoryOf(f.ruleId) });
  const findings = dedupeFindings(reports.flatMap((r) => r.report.findings)).map(recategorise);
  const suppressed = dedupeFindings(reports.flatMap((r) => r.report.suppressed ?? [])).map(recategorise);
  const sumOf = (pick: (r: Report) => number | undefined): number | undefined => {
    const values = reports.map((r) => pick(r.report)).filter((v): v is number => typeof v === 'number');
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  const first = reports[0]!.report;
  return {
    tool: { ...first.tool },
    summary: {
      overlays: overlays.length,
      resources: overlays.reduce((n, o) => n + (o.resources ?? 0), 0),
      findings: countBySeverity(findings),
      suppressed: suppressed.length,
      // Counted on the merged overlays: platform overlays render in every shard (context) but count once.
      rendered:
        sumOf((r) => r.summary.rendered) === undefined
          ? undefined
          : checkedOverlays.filter((o) => !o.cached && o.status !== 'render-error').length,
      cachedRenders:
        sumOf((r) => r.summary.cachedRenders) === undefined
          ? undefined
          : checkedOverlays.filter((o) => o.cached).length,
      // Shards run side by side: the merged run took as long as its slowest shard.
      durationMs: Math.max(...reports.map((r) => r.report.summary.durationMs ?? 0)),
    },
    overlays,
    findings,
    suppressed,
    skipped: [...skipped.values()].sort((a, b) => a.path.localeCompare(b.path)),
  };
}
