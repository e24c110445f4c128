/**
 * GitHub Actions workflow commands (`--format github`): one `::error|warning|notice file=…,line=…::message` line per
 * finding, which the runner turns into annotations on the pull request's diff, then the usual summary line.
 *
 * Messages quote kustomize errors and file content from the pull request, so they are hostile input: an unescaped
 * newline would let a crafted manifest start its own workflow command. Escaping follows the runner's
 * (actions/toolkit `command.ts`): data escapes `%`, CR, LF; property values also `:` and `,`.
 */
import type { Finding, Report, Severity } from '../types.js';
import { safeControls, safeText } from './escape.js';
import { findingContext, repoRelativePath } from './location.js';
import { summaryLine } from './text.js';

export interface GithubOptions {
  /** Only errors (the summary line still counts everything). */
  quiet?: boolean;
  /** Path of the checked root inside the repository, e.g. `infra/gitops/`: annotations need repository paths. */
  uriPrefix?: string;
}

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = {
  error: 'error',
  warning: 'warning',
  info: 'notice',
};

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(f: Finding, options: GithubOptions = {}): string {
  const props: string[] = [];
  const file = f.file !== undefined ? repoRelativePath(f.file, options.uriPrefix) : undefined;
  if (file !== undefined) {
    // Exact (escapeProperty carries every character), so the annotation lands on the file; controls made visible.
    props.push(`file=${escapeProperty(safeControls(file))}`);
    if (f.line !== undefined && f.line >= 1) {
      props.push(`line=${f.line}`);
      if (f.column !== undefined && f.column >= 1) props.push(`col=${f.column}`);
    }
  }
  props.push(`title=${escapeProperty(f.ruleId)}`);
  const context = findingContext(f);
  // A file the annotation cannot point at (outside the repository) is named in the message instead.
  const where = f.file !== undefined && file === undefined ? `${safeText(f.file)}${f.line ? `:${f.line}` : ''}: ` : '';
  // Control characters are escaped visibly; line breaks stay (escapeData encodes them, so nothing starts a line).
  const message = `${where}${safeControls(f.message)}${context ? ` (${safeControls(context)})` : ''}`;
  return `::${COMMAND[f.severity] ?? 'error'} ${props.join(',')}::${escapeData(message)}`;
}

export function formatGithub(report: Report, options: GithubOptions = {}): string {
  const shown = options.quiet ? report.findings.filter((f) => f.severity === 'error') : report.findings;
  const lines = shown.map((f) => annotation(f, options));
  // Plain text, not a command (it starts with the ✖/⚠/✔ mark); kept on one line so nothing in it can start one.
  lines.push(summaryLine(report).replace(/[\r\n]+/g, ' '));
  return `${lines.join('\n')}\n`;
}
