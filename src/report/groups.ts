/**
 * Findings grouped by where they are fixed. A finding in a shared base is reported once per overlay that renders it
 * (15 times for one job file on gitops-catalog), but it is fixed once, on one line: people-facing formats show one
 * entry per (rule, file, line, message) listing the overlays it affects. Machines keep the per-overlay findings
 * (JSON's `findings`, baselines, fingerprints); this module only builds the view. Pure.
 */
import type { Finding, OverlaySummary, Report, ResourceId, RuleDoc, Severity } from '../types.js';

export interface FindingGroup {
  ruleId: string;
  category: Finding['category'];
  /** The most severe of the members (they normally agree: same rule). */
  severity: Severity;
  message: string;
  /**
   * Every distinct message when the members differ (the same line reported with different values per overlay, or
   * two objects a generator places on one kustomization line); absent when they agree.
   */
  messages?: string[];
  file?: string;
  line?: number;
  column?: number;
  /** Set when every member names the same object; `namespace` only when that agrees too. */
  resource?: ResourceId;
  /** Set when every member points at the same path. */
  path?: string;
  /** Overlays the finding appears in, sorted; empty for run-level findings (config, repository scans). */
  overlays: string[];
  /** Envs of those overlays, sorted. */
  envs: string[];
  /** The per-overlay findings, in report order. */
  members: Finding[];
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function severityRank(s: Severity): number {
  return RANK[s] ?? 0;
}

/**
 * One place to fix: the rule, file and line. Findings without a file (run-level) are kept apart by message. Members
 * whose messages differ (a value that renders differently per overlay) stay one entry listing the messages.
 */
function groupKey(f: Finding): string {
  return JSON.stringify(f.file !== undefined ? [f.ruleId, f.file, f.line ?? 0] : [f.ruleId, '', 0, f.message]);
}

/** Groups in file → line → rule order (the order a person walks the repository to fix them). */
export function groupFindings(findings: Finding[], overlays: OverlaySummary[] = []): FindingGroup[] {
  const envOf = new Map(overlays.map((o) => [o.path, o.env]));
  const byKey = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = groupKey(f);
    const list = byKey.get(k);
    if (list) list.push(f);
    else byKey.set(k, [f]);
  }
  const groups = [...byKey.values()].map((members) => toGroup(members, envOf));
  return groups.sort(compareGroups);
}

function toGroup(members: Finding[], envOf: Map<string, string>): FindingGroup {
  const first = members[0]!;
  const overlays = [...new Set(members.flatMap((m) => (m.overlay !== undefined ? [m.overlay] : [])))].sort();
  const envs = [...new Set(overlays.flatMap((o) => (envOf.has(o) ? [envOf.get(o)!] : [])))].sort();
  const severity = members.reduce<Severity>(
    (s, m) => (severityRank(m.severity) < severityRank(s) ? m.severity : s),
    first.severity,
  );
  const group: FindingGroup = {
    ruleId: first.ruleId,
    category: first.category,
    severity,
    message: first.message,
    overlays,
    envs,
    members,
  };
  const messages = [...new Set(members.map((m) => m.message))];
  if (messages.length > 1) group.messages = messages;
  if (first.file !== undefined) group.file = first.file;
  if (first.line !== undefined) group.line = first.line;
  if (first.column !== undefined && members.every((m) => m.column === first.column)) group.column = first.column;
  const resource = commonResource(members);
  if (resource) group.resource = resource;
  if (first.path !== undefined && members.every((m) => m.path === first.path)) group.path = first.path;
  return group;
}

function commonResource(members: Finding[]): ResourceId | undefined {
  const r = members[0]!.resource;
  if (!r) return undefined;
  if (!members.every((m) => m.resource && m.resource.kind === r.kind && m.resource.name === r.name)) return undefined;
  const sameNs = members.every((m) => m.resource!.namespace === r.namespace);
  const out: ResourceId = { apiVersion: r.apiVersion, kind: r.kind, name: r.name };
  if (sameNs && r.namespace !== undefined) out.namespace = r.namespace;
  return out;
}

export function compareGroups(a: FindingGroup, b: FindingGroup): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.message.localeCompare(b.message)
  );
}

/** The group's message, and a note of the others when members differ: `…; also: m2; m3`. */
export function groupMessage(g: FindingGroup, limit = 3): string {
  const others = (g.messages ?? []).filter((m) => m !== g.message);
  if (others.length === 0) return g.message;
  const more = others.length > limit ? `; +${others.length - limit} more` : '';
  return `${g.message}; also: ${others.slice(0, limit).join('; ')}${more}`;
}

/**
 * "What do I fix first": errors before warnings before notices, then the fix that clears the most overlays, then
 * file order. Used to choose the few groups that get a GitHub annotation.
 */
export function compareImportance(a: FindingGroup, b: FindingGroup): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    Math.max(b.members.length, 1) - Math.max(a.members.length, 1) ||
    compareGroups(a, b)
  );
}

/** `3 overlays (dev, prod): a, b, c`; at most `limit` names, then `+N more`. Empty for run-level findings. */
export function affectedLabel(g: FindingGroup, limit = 5): string {
  if (g.overlays.length === 0) return '';
  const names = g.overlays.slice(0, limit).join(', ');
  const more = g.overlays.length > limit ? `, +${g.overlays.length - limit} more` : '';
  if (g.overlays.length === 1) return `overlay ${names}`;
  const envs = g.envs.length > 0 ? ` (${g.envs.join(', ')})` : '';
  return `${g.overlays.length} overlays${envs}: ${names}${more}`;
}

export interface RuleCount {
  ruleId: string;
  title?: string;
  severity: Severity;
  /** Groups (places to fix). */
  groups: number;
  /** Per-overlay findings. */
  findings: number;
}

export interface FileCount {
  file: string;
  groups: number;
  findings: number;
}

export interface Digest {
  groups: FindingGroup[];
  bySeverity: Record<Severity, { groups: number; findings: number }>;
  byRule: RuleCount[];
  byFile: FileCount[];
  /** ok/failed: rendered or not; withErrors: overlays holding at least one error finding. */
  overlays: { ok: number; failed: number; skipped: number; withErrors: number };
}

/** The counts behind every summary (text, GitHub step summary): computed once from the report. */
export function digest(report: Report, rules: RuleDoc[] = []): Digest {
  const groups = groupFindings(report.findings, report.overlays);
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const bySeverity: Digest['bySeverity'] = {
    error: { groups: 0, findings: 0 },
    warning: { groups: 0, findings: 0 },
    info: { groups: 0, findings: 0 },
  };
  const rulesById = new Map<string, RuleCount>();
  const files = new Map<string, FileCount>();
  for (const g of groups) {
    const s = bySeverity[g.severity] ?? bySeverity.error;
    s.groups += 1;
    s.findings += g.members.length;
    const rc = rulesById.get(g.ruleId) ?? {
      ruleId: g.ruleId,
      ...(titles.has(g.ruleId) ? { title: titles.get(g.ruleId) } : {}),
      severity: g.severity,
      groups: 0,
      findings: 0,
    };
    rc.groups += 1;
    rc.findings += g.members.length;
    if (severityRank(g.severity) < severityRank(rc.severity)) rc.severity = g.severity;
    rulesById.set(g.ruleId, rc);
    if (g.file !== undefined) {
      const fc = files.get(g.file) ?? { file: g.file, groups: 0, findings: 0 };
      fc.groups += 1;
      fc.findings += g.members.length;
      files.set(g.file, fc);
    }
  }
  const byRule = [...rulesById.values()].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) || b.groups - a.groups || a.ruleId.localeCompare(b.ruleId),
  );
  const byFile = [...files.values()].sort(
    (a, b) => b.groups - a.groups || b.findings - a.findings || a.file.localeCompare(b.file),
  );
  const skippedCount = (report.skipped ?? []).length + report.overlays.filter((o) => o.status === 'skipped').length;
  const failed = report.overlays.filter((o) => o.status === 'render-error' || o.status === 'parse-error').length;
  const ok = report.overlays.filter((o) => o.status === 'ok').length;
  // validate's parse findings name the file, not a pseudo-overlay.
  const unit = (f: Finding): string | undefined =>
    f.overlay ?? (report.summary.subject === 'files' ? f.file : undefined);
  const withErrors = new Set(report.findings.filter((f) => f.severity === 'error' && unit(f)).map(unit)).size;
  return {
    groups,
    bySeverity,
    byRule,
    byFile,
    overlays: { ok, failed, skipped: skippedCount, withErrors },
  };
}

/** The JSON report's `groups` view: the group without its members, plus their fingerprints. */
export function groupsView(report: Report): Record<string, unknown>[] {
  return groupFindings(report.findings, report.overlays).map(({ members, ...g }) => ({
    ...g,
    count: members.length,
    fingerprints: members.map((m) => m.fingerprint),
  }));
}
