/** Ordering, thresholds and counts of findings: one definition for check, validate, promote verify and report merge. */
import type { FailOn, Finding, Report, Severity } from '../types.js';

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
export function failsAt(report: Pick<Report, 'findings'>, failOn: FailOn): boolean {
  return report.findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
}

export function countBySeverity(findings: readonly Finding[]): { error: number; warning: number; info: number } {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Two findings (e.g. from two shards) are the same when their fingerprint, message and place agree. */
function sameFindingKey(f: Finding): string {
  return JSON.stringify([f.fingerprint, f.message, f.file ?? '', f.line ?? null]);
}

/** Drops repeated findings and sorts the rest in report order. */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = sameFindingKey(f);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort(compareFindings);
}
