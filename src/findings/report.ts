/**
 * Report assembly, shared by check, validate and promote verify: exceptions applied (guards are never excepted),
 * findings about the exceptions themselves added, everything ordered and counted.
 */
import type { Config } from '../config/types.js';
import { applyExceptions, containerNameAt } from '../exceptions/index.js';
import { categoryOf } from '../rules/index.js';
import type { Finding, OverlaySummary, Report, Resource, ToolInfo } from '../types.js';
import type { FindingCollector } from './collector.js';
import { fingerprintOf } from './fingerprint.js';
import { compareFindings, countBySeverity } from './order.js';
import { resolveSeverity } from './severity.js';
import { redactPathFormats, redactText } from '../redact/index.js';

/** A finding placed by its reporter (no resource to locate): config problems, promotion verify. Undefined when off. */
export function placedFinding(
  input: { ruleId: string; message: string; overlay?: string; file?: string; line?: number; key: string[] },
  settings: Config['rules'],
): Finding | undefined {
  const severity = resolveSeverity(input.ruleId, settings);
  if (severity === 'off') return undefined;
  const f: Finding = {
    ruleId: input.ruleId,
    category: categoryOf(input.ruleId),
    severity,
    // Config problems quote the repository's kfm-gitops.yaml, promote verify its manifests: the pull request's text.
    message: redactText(input.message),
    fingerprint: fingerprintOf([input.ruleId, ...input.key]),
  };
  if (input.overlay) f.overlay = redactPathFormats(input.overlay);
  if (input.file !== undefined) f.file = redactPathFormats(input.file);
  if (input.line !== undefined) f.line = input.line;
  return f;
}

export interface ResolvedFindings {
  findings: Finding[];
  containerOf: (f: Finding) => string | undefined;
}

/** Collector output plus what exceptions need to know about containers (also what the result cache stores). */
export async function resolveFindings(
  collector: FindingCollector,
  resolveOrigins?: (byOverlay: Map<string, Resource[]>) => Promise<void>,
): Promise<ResolvedFindings & { containers: Record<string, string> }> {
  const { findings, resources } = await collector.finish(resolveOrigins);
  const containers: Record<string, string> = {};
  for (const f of findings) {
    const name = containerNameAt(f, resources.get(f.fingerprint));
    if (name !== undefined) containers[f.fingerprint] = name;
  }
  return { findings, containers, containerOf: (f) => containers[f.fingerprint] };
}

export interface AssembleOptions {
  tool: ToolInfo;
  config: Config;
  /** Root-relative path of kfm-gitops.yaml, where findings about exceptions point. */
  configFile: string;
  now?: Date;
  started: number;
  skipped: { path: string; reason: string }[];
  reportUnusedExceptions: boolean;
  /** validate mode: no render counts. */
  validate?: boolean;
  cachedResults?: boolean;
  /** Counted as checked in the summary (promote verify reports none). */
  resources?: number;
}

export function assembleReport(resolved: ResolvedFindings, overlays: OverlaySummary[], o: AssembleOptions): Report {
  const outcome = applyExceptions(resolved.findings, o.config.exceptions ?? [], {
    today: (o.now ?? new Date()).toISOString().slice(0, 10),
    containerOf: resolved.containerOf,
    reportUnused: o.reportUnusedExceptions,
  });
  const all = [...outcome.findings];
  for (const p of outcome.problems) {
    const f = placedFinding(
      { ruleId: p.ruleId, message: p.message, file: o.configFile, line: p.line, key: [o.configFile, p.message] },
      o.config.rules,
    );
    if (f) all.push(f);
  }
  all.sort(compareFindings);
  return {
    tool: o.tool,
    summary: {
      overlays: overlays.length,
      resources: o.resources ?? overlays.reduce((n, x) => n + x.resources, 0),
      findings: countBySeverity(all),
      suppressed: outcome.suppressed.length,
      rendered: o.validate ? undefined : overlays.filter((x) => !x.cached && x.status !== 'render-error').length,
      cachedRenders: o.validate ? undefined : overlays.filter((x) => x.cached).length,
      ...(o.cachedResults ? { cachedResults: true } : {}),
      durationMs: Math.round(performance.now() - o.started),
    },
    // Both lists name folders of the pull request (their reasons are this tool's, or were masked where made).
    overlays: overlays.map((x) => ({
      ...x,
      path: redactPathFormats(x.path),
      env: redactPathFormats(x.env),
      layer: redactPathFormats(x.layer),
    })),
    findings: all,
    suppressed: outcome.suppressed,
    skipped: o.skipped.map((s) => ({ ...s, path: redactPathFormats(s.path) })),
  };
}
