/** Human output: findings grouped by overlay, then a one-line summary. Pure: returns the text. */
import { Chalk } from 'chalk';
import type { Finding, Report } from '../types.js';
import { safeLines, safeText } from './escape.js';

export interface TextOptions {
  color: boolean;
  /** Only errors, and no per-overlay headers for clean overlays. */
  quiet?: boolean;
}

export function formatText(report: Report, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [];
  const shown = options.quiet ? report.findings.filter((f) => f.severity === 'error') : report.findings;
  const groups = new Map<string, Finding[]>();
  for (const f of shown) {
    const key = f.overlay ?? f.file ?? '(run)';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const overlayInfo = new Map(report.overlays.map((o) => [o.path, o]));
  for (const [key, findings] of groups) {
    const o = overlayInfo.get(key);
    lines.push(
      c.bold.underline(safeText(key)) +
        (o ? c.dim(`  ${safeText(o.env)} · ${safeText(o.layer)} · ${o.resources} resources`) : ''),
    );
    for (const f of findings) {
      const sev =
        f.severity === 'error' ? c.red('error  ') : f.severity === 'warning' ? c.yellow('warning') : c.blue('info   ');
      const where = f.file ? `${safeText(f.file)}${f.line ? `:${f.line}` : ''}${f.column ? `:${f.column}` : ''}` : '';
      const what = f.resource
        ? safeText(`${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}`)
        : '';
      const path = safeText(f.path ?? '');
      lines.push(`  ${sev} ${c.cyan(safeText(f.ruleId))}  ${[where, what, path].filter(Boolean).join('  ')}`);
      for (const [i, msgLine] of safeLines(f.message).split('\n').entries())
        lines.push(`          ${i === 0 ? msgLine : c.dim(msgLine)}`);
    }
    lines.push('');
  }
  if (!options.quiet && report.suppressed && report.suppressed.length > 0) {
    lines.push(c.dim(`${report.suppressed.length} finding(s) suppressed:`));
    for (const f of report.suppressed) {
      const s = f.suppressed!;
      lines.push(
        c.dim(
          safeText(
            `  ${f.ruleId} ${f.file ?? f.overlay ?? ''}${f.line ? `:${f.line}` : ''} — ${s.by}${s.owner ? ` by ${s.owner}` : ''}${s.expires ? ` until ${s.expires}` : ''}: ${s.reason}`,
          ),
        ),
      );
    }
    lines.push('');
  }
  if (!options.quiet && report.skipped && report.skipped.length > 0) {
    lines.push(c.dim(`${report.skipped.length} overlay(s) not checked in this run:`));
    for (const s of report.skipped) lines.push(c.dim(safeText(`  ${s.path}: ${s.reason}`)));
    lines.push('');
  }
  lines.push(summaryLine(report, c));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(report: Report, c = new Chalk({ level: 0 })): string {
  const { error, warning } = report.summary.findings;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const mark = error > 0 ? c.red('✖') : warning > 0 ? c.yellow('⚠') : c.green('✔');
  const where = `${plural(report.summary.overlays, 'overlay')} (${plural(report.summary.resources, 'resource')})`;
  const cache =
    (report.summary.cachedRenders ? `, ${report.summary.cachedRenders} from render cache` : '') +
    (report.summary.cachedResults ? ', results reused (nothing changed)' : '');
  const tool = report.tool.kustomize
    ? ` — ${report.tool.kustomizeCommand ?? 'kustomize'} ${report.tool.kustomize}`
    : '';
  return `${mark} ${plural(error, 'error')}, ${plural(warning, 'warning')} in ${where}${cache}${tool}, Kubernetes ${report.tool.kubernetesVersion}, ${report.summary.durationMs} ms`;
}
