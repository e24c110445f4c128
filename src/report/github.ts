/**
 * GitHub Actions (`--format github`): workflow commands (`::error|warning|notice file=…,line=…::message`) that the
 * runner turns into annotations on the pull request's diff. The runner keeps only 10 annotations of each severity per
 * step, so the same base line repeated per overlay would spend the budget on duplicates: one annotation per place
 * to fix (a group, listing the overlays it affects), the most important groups first; every other group is a plain
 * log line. `formatGithubStepSummary` gives the full table as Markdown for `$GITHUB_STEP_SUMMARY`.
 *
 * Messages quote kustomize errors and file content from the pull request, so they are hostile input: an unescaped
 * newline would let a crafted manifest start its own workflow command. Escaping follows the runner's
 * (actions/toolkit `command.ts`): data escapes `%`, CR, LF; property values also `:` and `,`. Other control
 * characters (ANSI escapes, NUL, U+2028, bidi overrides) in file names and messages are shown as visible escapes
 * first (`safeControls`), so CR and LF still round-trip while nothing reaches the log raw. Plain lines go through
 * `safeText`: one line, never starting with `::`, no `##[`.
 */
import type { Finding, Report, RuleDoc, Severity } from '../types.js';
import {
  affectedLabel,
  compareImportance,
  digest,
  groupFindings,
  groupMessage,
  severityRank,
  type FindingGroup,
} from './groups.js';
import { findingContext, repoRelativePath, resourceLabel } from './location.js';
import { summaryLine } from './text.js';
import { safeControls, safeText } from './escape.js';

export interface GithubOptions {
  /** Only errors (the summary line still counts everything). */
  quiet?: boolean;
  /** Path of the checked root inside the repository, e.g. `infra/gitops/`: annotations need repository paths. */
  uriPrefix?: string;
  /** Rule docs (titles and advice in the step summary). */
  rules?: RuleDoc[];
}

/** Annotations the runner shows per severity and step (docs.github.com, "Workflow commands"). */
export const ANNOTATIONS_PER_SEVERITY = 10;

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

/** A group's context: the object, its path and the overlays it affects. */
function groupContext(g: FindingGroup): string {
  if (g.members.length === 1) return findingContext(g.members[0]!);
  const parts: string[] = [];
  if (g.resource) parts.push(resourceLabel(g.resource));
  const affected = affectedLabel(g, 20);
  if (affected) parts.push(`in ${affected}`);
  if (g.path) parts.push(`at ${g.path}`);
  return parts.join(', ');
}

function toGroup(f: Finding): FindingGroup {
  return groupFindings([f])[0]!;
}

/** The workflow command of one finding or group. */
export function annotation(item: Finding | FindingGroup, options: GithubOptions = {}): string {
  const g = 'members' in item ? item : toGroup(item);
  const props: string[] = [];
  const file = g.file !== undefined ? repoRelativePath(g.file, options.uriPrefix) : undefined;
  if (file !== undefined) {
    props.push(`file=${escapeProperty(safeControls(file))}`);
    if (g.line !== undefined && g.line >= 1) {
      props.push(`line=${g.line}`);
      if (g.column !== undefined && g.column >= 1) props.push(`col=${g.column}`);
    }
  }
  props.push(`title=${escapeProperty(g.ruleId)}`);
  const context = groupContext(g);
  // A file the annotation cannot point at (outside the repository) is named in the message instead.
  const where = g.file !== undefined && file === undefined ? `${g.file}${g.line ? `:${g.line}` : ''}: ` : '';
  const message = `${where}${groupMessage(g)}${context ? ` (${context})` : ''}`;
  return `::${COMMAND[g.severity] ?? 'error'} ${props.join(',')}::${escapeData(safeControls(message))}`;
}

/** A log line that the runner cannot read as a command: one line, and it starts with the severity word. */
function plainLine(g: FindingGroup, options: GithubOptions): string {
  const file = g.file !== undefined ? (repoRelativePath(g.file, options.uriPrefix) ?? g.file) : '';
  const where = file ? `${file}${g.line ? `:${g.line}` : ''}${g.line && g.column ? `:${g.column}` : ''}  ` : '';
  const context = groupContext(g);
  return safeText(`${g.severity} ${g.ruleId}  ${where}${groupMessage(g)}${context ? ` (${context})` : ''}`);
}

export function formatGithub(report: Report, options: GithubOptions = {}): string {
  const groups = groupFindings(report.findings, report.overlays).filter(
    (g) => !options.quiet || g.severity === 'error',
  );
  const ranked = [...groups].sort(compareImportance);
  const annotated = new Set<FindingGroup>();
  const used: Record<string, number> = {};
  for (const g of ranked) {
    const cmd = COMMAND[g.severity] ?? 'error';
    if ((used[cmd] ?? 0) >= ANNOTATIONS_PER_SEVERITY) continue;
    used[cmd] = (used[cmd] ?? 0) + 1;
    annotated.add(g);
  }
  const lines = ranked.filter((g) => annotated.has(g)).map((g) => annotation(g, options));
  const rest = groups.filter((g) => !annotated.has(g));
  if (rest.length > 0) {
    lines.push(
      `${rest.length} more finding(s) without an annotation (GitHub shows ${ANNOTATIONS_PER_SEVERITY} per severity and step):`,
    );
    for (const g of rest) lines.push(`  ${plainLine(g, options)}`);
  }
  // Plain text, not a command (it starts with the ✖/⚠/✔ mark); kept on one line so nothing in it can start one.
  lines.push(safeText(summaryLine(report)));
  return `${lines.join('\n')}\n`;
}

/** Markdown cells hold PR content: pipes, backticks, angle brackets and newlines must not change the table. */
function cell(s: string): string {
  return safeText(s)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** The step summary: verdict, counts by rule and file, overlay status, every group, each rule's advice. Pure. */
export function formatGithubStepSummary(report: Report, options: GithubOptions = {}): string {
  const d = digest(report, options.rules);
  const docs = new Map((options.rules ?? []).map((r) => [r.id, r]));
  const out: string[] = ['## kfm-gitops', '', cell(summaryLine(report)), ''];
  const o = d.overlays;
  out.push(
    report.summary.subject === 'files'
      ? `Files: ${o.ok} parsed, ${o.failed} unreadable or not valid YAML; ${o.withErrors} with errors.`
      : `Overlays: ${o.ok} rendered, ${o.failed} failed to render, ${o.skipped} not checked; ${o.withErrors} with errors.`,
    '',
  );
  if (d.groups.length === 0) return `${out.join('\n')}\n`;
  out.push('### By rule', '', '| Rule | Title | Severity | Places | Per overlay |', '|---|---|---|---:|---:|');
  for (const r of d.byRule)
    out.push(`| \`${cell(r.ruleId)}\` | ${cell(r.title ?? '')} | ${r.severity} | ${r.groups} | ${r.findings} |`);
  out.push('', '### By file (top 10)', '', '| File | Places | Per overlay |', '|---|---:|---:|');
  for (const f of d.byFile.slice(0, 10)) {
    const file = repoRelativePath(f.file, options.uriPrefix) ?? f.file;
    out.push(`| ${cell(file)} | ${f.groups} | ${f.findings} |`);
  }
  out.push('', '### Findings', '', '| Severity | Rule | Where | Message | Overlays |', '|---|---|---|---|---|');
  const ranked = [...d.groups].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || compareImportance(a, b),
  );
  for (const g of ranked) {
    const file = g.file !== undefined ? (repoRelativePath(g.file, options.uriPrefix) ?? g.file) : '';
    const where = file ? `${file}${g.line ? `:${g.line}` : ''}` : '';
    const what = [g.resource ? resourceLabel(g.resource) : '', g.path ? `at ${g.path}` : ''].filter(Boolean).join(' ');
    out.push(
      `| ${g.severity} | \`${cell(g.ruleId)}\` | ${cell(where)} | ${cell(groupMessage(g))}${what ? ` (${cell(what)})` : ''} | ${cell(affectedLabel(g, 10))} |`,
    );
  }
  const advice = d.byRule.filter((r) => r.severity !== 'info' && docs.get(r.ruleId)?.remediation);
  if (advice.length > 0) {
    out.push('', '### How to fix', '');
    for (const r of advice) out.push(`- \`${cell(r.ruleId)}\` ${cell(docs.get(r.ruleId)!.remediation)}`);
  }
  return `${out.join('\n')}\n`;
}
