/**
 * Human output: one line per place to fix (a finding in a shared base is listed once, with the overlays it affects),
 * then a summary that answers "what do I fix first" (by rule, by file, by overlay status), each rule's advice once,
 * and the one-line verdict. Pure: returns the text.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Report, RuleDoc, Severity } from '../types.js';
import { affectedLabel, digest, groupFindings, type Digest, type FindingGroup } from './groups.js';
import { resourceLabel } from './location.js';
import { printable, safeLines, safeText } from './escape.js';

export interface TextOptions {
  color: boolean;
  /** Only errors, and no summary tables (the verdict line stays). */
  quiet?: boolean;
  /** Also list the overlays a selective run did not check. */
  verbose?: boolean;
  /** Rule docs: titles in the summary, each rule's advice once under it. */
  rules?: RuleDoc[];
}

const TOP_FILES = 10;

export function formatText(report: Report, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [];
  const d = digest(report, options.rules);
  const shown = options.quiet ? d.groups.filter((g) => g.severity === 'error') : d.groups;
  // Run-level findings (no file) first, then file order.
  for (const g of [...shown.filter((g) => g.file === undefined), ...shown.filter((g) => g.file !== undefined)])
    lines.push(...groupLines(g, c));
  if (shown.length > 0) lines.push('');
  if (!options.quiet && report.suppressed && report.suppressed.length > 0) {
    const groups = groupFindings(report.suppressed, report.overlays);
    lines.push(
      c.dim(`${plural(groups.length, 'finding')} suppressed${perOverlay(report.suppressed.length, groups.length)}:`),
    );
    for (const g of groups) {
      const s = g.members[0]!.suppressed!;
      lines.push(
        c.dim(
          `  ${g.ruleId} ${g.file ?? g.overlays[0] ?? ''}${g.line ? `:${g.line}` : ''} — ${s.by}${s.owner ? ` by ${s.owner}` : ''}${s.expires ? ` until ${s.expires}` : ''}: ${s.reason}`,
        ),
      );
    }
    lines.push('');
  }
  if (!options.quiet && report.skipped && report.skipped.length > 0) {
    if (options.verbose) {
      lines.push(c.dim(`${plural(report.skipped.length, 'overlay')} not checked in this run:`));
      for (const s of report.skipped) lines.push(c.dim(`  ${s.path}: ${s.reason}`));
      lines.push('');
    }
  }
  if (!options.quiet && d.groups.length > 0) lines.push(...summaryLines(report, d, options, c), '');
  lines.push(summaryLine(report, c));
  return `${lines.join('\n')}\n`;
}

function sevLabel(s: Severity, c: ChalkInstance): string {
  return s === 'error' ? c.red('error  ') : s === 'warning' ? c.yellow('warning') : c.blue('info   ');
}

function where(g: { file?: string; line?: number; column?: number }): string {
  return g.file ? `${g.file}${g.line ? `:${g.line}` : ''}${g.line && g.column ? `:${g.column}` : ''}` : '';
}

/** One line per group (plus the affected overlays when there are several, plus any further message lines). */
function groupLines(g: FindingGroup, c: ChalkInstance): string[] {
  const [first = '', ...rest] = safeLines(g.message.replace(/\r\n?/g, '\n')).split('\n');
  const what = [g.resource ? resourceLabel(g.resource) : g.members[0]?.resource?.kind, g.path ? `at ${g.path}` : '']
    .filter(Boolean)
    .join(' ');
  // One overlay whose own folder holds the file says nothing new; one overlay elsewhere (a base) is worth naming.
  const own = (o: string): boolean => g.file === o || (g.file ?? '').startsWith(`${o}/`);
  const single = g.overlays.length === 1 && !own(g.overlays[0]!) ? g.overlays[0] : '';
  const tail = [what, single ? `overlay ${single}` : ''].filter(Boolean).join(', ');
  const out = [
    `${sevLabel(g.severity, c)} ${c.cyan(printable(g.ruleId))}  ${[safeText(where(g)), first].filter(Boolean).join('  ')}${tail ? c.dim(`  (${printable(tail)})`) : ''}`,
  ];
  if (g.overlays.length > 1) out.push(c.dim(`        ↳ ${printable(affectedLabel(g))}`));
  const others = (g.messages ?? []).filter((m) => m !== g.message);
  for (const m of others.slice(0, 3)) out.push(c.dim(`        also: ${printable(m.split('\n')[0]!)}`));
  if (others.length > 3) out.push(c.dim(`        +${others.length - 3} more messages on this line`));
  for (const l of rest) out.push(c.dim(`        ${l}`));
  return out;
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? '' : 's'}`;
}

/** ` (12 across overlays)` when grouping merged anything. */
function perOverlay(findings: number, groups: number): string {
  return findings !== groups ? ` (${findings} across overlays)` : '';
}

function summaryLines(report: Report, d: Digest, options: TextOptions, c: ChalkInstance): string[] {
  const out: string[] = [c.bold('Summary')];
  const width = Math.max(...d.byRule.map((r) => r.ruleId.length));
  const merged = d.byRule.some((r) => r.findings !== r.groups);
  out.push(`  by rule (places to fix${merged ? ', per-overlay count in parentheses' : ''}):`);
  for (const r of d.byRule) {
    const counts = `${String(r.groups).padStart(5)}${r.findings !== r.groups ? ` (${r.findings})` : ''}`;
    out.push(`  ${counts.padEnd(13)} ${sevLabel(r.severity, c)} ${c.cyan(r.ruleId.padEnd(width))}  ${r.title ?? ''}`);
  }
  if (d.byFile.length > 0) {
    out.push(`  by file (top ${Math.min(TOP_FILES, d.byFile.length)} of ${d.byFile.length}):`);
    for (const f of d.byFile.slice(0, TOP_FILES)) {
      const counts = `${String(f.groups).padStart(5)}${f.findings !== f.groups ? ` (${f.findings})` : ''}`;
      out.push(`  ${counts.padEnd(13)} ${safeText(f.file)}`);
    }
  }
  const o = d.overlays;
  const skipped = o.skipped > 0 ? `, ${o.skipped} not checked${options.verbose ? '' : ' (--verbose lists them)'}` : '';
  if (report.summary.subject === 'files')
    out.push(
      `  files: ${o.ok} parsed, ${o.failed} unreadable or not valid YAML; ${plural(o.withErrors, 'file')} with errors`,
    );
  else
    out.push(
      `  overlays: ${o.ok} rendered, ${o.failed} failed to render${skipped}; ${plural(o.withErrors, 'overlay')} with errors`,
    );
  const docs = new Map((options.rules ?? []).map((r) => [r.id, r]));
  const advice = d.byRule.filter((r) => r.severity !== 'info' && docs.get(r.ruleId)?.remediation);
  if (advice.length > 0) {
    out.push('', c.bold('How to fix') + c.dim('  (kfm-gitops explain <rule> for more)'));
    for (const r of advice) out.push(`  ${c.cyan(r.ruleId.padEnd(width))}  ${docs.get(r.ruleId)!.remediation}`);
  }
  return out;
}

/** The verdict line; counts places to fix, with the per-overlay number beside it when they differ. */
export function summaryLine(report: Report, c = new Chalk({ level: 0 })): string {
  const groups = groupFindings(report.findings);
  const count = (list: { severity: Severity }[], s: Severity): number => list.filter((f) => f.severity === s).length;
  const part = (s: Severity, w: string): string =>
    `${plural(count(groups, s), w)}${perOverlay(count(report.findings, s), count(groups, s))}`;
  const error = count(groups, 'error');
  const warning = count(groups, 'warning');
  const mark = error > 0 ? c.red('✖') : warning > 0 ? c.yellow('⚠') : c.green('✔');
  const where =
    report.summary.subject === 'files'
      ? `${plural(report.summary.overlays, 'file')} (${plural(report.summary.resources, 'document')})`
      : `${plural(report.summary.overlays, 'overlay')} (${plural(report.summary.resources, 'resource')})`;
  const cache =
    (report.summary.cachedRenders ? `, ${report.summary.cachedRenders} from render cache` : '') +
    (report.summary.cachedResults ? ', results reused (nothing changed)' : '');
  const tool = report.tool.kustomize
    ? ` — ${report.tool.kustomizeCommand ?? 'kustomize'} ${report.tool.kustomize}`
    : '';
  return `${mark} ${part('error', 'error')}, ${part('warning', 'warning')} in ${where}${cache}${tool}, Kubernetes ${report.tool.kubernetesVersion}, ${report.summary.durationMs} ms`;
}

export { printable };
