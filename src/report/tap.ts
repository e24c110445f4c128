/**
 * TAP version 13 (`--format tap`), what kubeconform's `-output tap` users pipe into tap reporters: one test point
 * per overlay (or per input file of `validate`), plus one for findings that belong to no overlay (repository files,
 * kfm-gitops.yaml). A point is `not ok` when it holds a finding at or above the failing severity; every finding
 * of the point is listed in its YAML diagnostic block. Pure: returns the text.
 */
import type { FailOn, Finding, Report } from '../types.js';
import { repoRelativePath, resourceLabel } from './location.js';

export interface TapOptions {
  /** Lowest severity that makes a test point `not ok` (default error), as `--fail-on` decides for the run. */
  failOn?: FailOn;
  /** Path of the checked root inside the repository, so listed files are repository paths. */
  uriPrefix?: string;
}

export const TAP_REPOSITORY_POINT = 'repository';

interface Point {
  name: string;
  findings: Finding[];
  skip?: string;
}

/**
 * A description may not hold a line break (it would end the line) or a bare `#` (it would start a directive).
 * Control characters go too: the text comes from file names in the repository under check.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]+/g;

function description(s: string): string {
  return s.replace(CONTROL, ' ').replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

/** A YAML scalar that cannot break the diagnostic block: JSON strings are valid YAML flow scalars. */
function scalar(value: string | number): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function diagnostic(findings: Finding[], uriPrefix: string | undefined): string[] {
  const lines = ['  ---', '  findings:'];
  for (const f of findings) {
    const file = f.file !== undefined ? (repoRelativePath(f.file, uriPrefix) ?? f.file) : undefined;
    const fields: [string, string | number | undefined][] = [
      ['ruleId', f.ruleId],
      ['severity', f.severity],
      ['file', file],
      ['line', f.line],
      ['resource', f.resource ? resourceLabel(f.resource) : undefined],
      ['path', f.path],
      ['message', f.message],
    ];
    let first = true;
    for (const [key, value] of fields) {
      if (value === undefined) continue;
      lines.push(`${first ? '    - ' : '      '}${key}: ${scalar(value)}`);
      first = false;
    }
  }
  lines.push('  ...');
  return lines;
}

export function formatTap(report: Report, options: TapOptions = {}): string {
  const failOn = options.failOn ?? 'error';
  const fails = (f: Finding): boolean => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning');
  const points = new Map<string, Point>();
  for (const o of report.overlays)
    points.set(o.path, {
      name: o.path,
      findings: [],
      skip: o.status === 'skipped' ? (o.reason ?? 'not checked') : undefined,
    });
  for (const s of report.skipped ?? [])
    if (!points.has(s.path)) points.set(s.path, { name: s.path, findings: [], skip: s.reason });
  const repository: Point = { name: TAP_REPOSITORY_POINT, findings: [] };
  for (const f of report.findings) {
    // `validate` reports an input file's findings by file; `check` by overlay.
    const point = points.get(f.overlay ?? '') ?? points.get(f.file ?? '') ?? repository;
    point.findings.push(f);
  }
  const all = [...points.values(), repository];
  const lines = ['TAP version 13', `1..${all.length}`];
  all.forEach((p, i) => {
    const failing = p.findings.filter(fails);
    const ok = failing.length === 0;
    const counts = p.findings.length > 0 ? ` (${p.findings.length} finding${p.findings.length === 1 ? '' : 's'})` : '';
    const skip = ok && p.skip !== undefined && p.findings.length === 0 ? ` # SKIP ${description(p.skip)}` : '';
    lines.push(`${ok ? 'ok' : 'not ok'} ${i + 1} - ${description(p.name)}${counts}${skip}`);
    if (p.findings.length > 0) lines.push(...diagnostic(p.findings, options.uriPrefix));
  });
  return `${lines.join('\n')}\n`;
}
