/**
 * JUnit XML (`--format junit`) for CI test tabs (GitLab `artifacts:reports:junit`, Jenkins, Azure, GitHub test
 * reporters): one <testsuite> per overlay, one <testcase> per overlay × check category. A test case fails when it
 * holds a finding at or above the failing severity; findings below it and suppressed ones are listed in its
 * <system-out>, so the test tab shows everything the console did. Findings without an overlay (repository files,
 * kfm-gitops.yaml) go to a `repository` suite. Pure: returns the XML text.
 */
import type { Category, FailOn, Finding, OverlaySummary, Report } from '../types.js';
import { findingContext, repoRelativePath } from './location.js';

export interface JunitOptions {
  /** Lowest severity that fails a test case (default error), as `--fail-on` decides for the run. */
  failOn?: FailOn;
  /** Path of the checked root inside the repository, so listed files are repository paths. */
  uriPrefix?: string;
}

/** Every overlay is tested for these, even when clean: a passing test case is the record that the check ran. */
const OVERLAY_CATEGORIES: Category[] = ['render', 'schema', 'policy', 'secret'];
export const REPOSITORY_SUITE = 'repository';

// XML 1.0 allows TAB, LF, CR and U+0020 and above, except lone surrogates and U+FFFE/U+FFFF. Everything else
// (NUL, ESC from terminal colours, …) cannot even be escaped as a character reference, so it is dropped.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content; CR as a reference, since parsers turn a literal CR LF into LF. */
export function xmlText(s: string): string {
  return s
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Attribute values also escape quotes, and keep tabs and line breaks (which parsers would turn into spaces). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

interface Case {
  name: Category;
  failing: Finding[];
  other: Finding[];
  suppressed: Finding[];
  skipped?: string;
}

interface Suite {
  name: string;
  overlay?: OverlaySummary;
  cases: Case[];
}

function describe(f: Finding, uriPrefix: string | undefined): string {
  const file = f.file !== undefined ? (repoRelativePath(f.file, uriPrefix) ?? f.file) : undefined;
  const where = file ? `${file}${f.line ? `:${f.line}` : ''}${f.line && f.column ? `:${f.column}` : ''}` : '';
  const context = findingContext({ ...f, overlay: undefined });
  const head = [f.severity, f.ruleId, where, context].filter(Boolean).join(' ');
  const why = f.suppressed
    ? `\n    suppressed (${f.suppressed.by}${f.suppressed.owner ? ` by ${f.suppressed.owner}` : ''}${f.suppressed.expires ? ` until ${f.suppressed.expires}` : ''}): ${f.suppressed.reason}`
    : '';
  return `${head}\n    ${f.message.split('\n').join('\n    ')}${why}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function buildSuites(report: Report, failOn: FailOn): Suite[] {
  const fails = (f: Finding): boolean => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning');
  const suites = new Map<string, Suite>();
  const suiteFor = (name: string): Suite => {
    let s = suites.get(name);
    if (!s) {
      s = { name, cases: [] };
      suites.set(name, s);
    }
    return s;
  };
  const caseFor = (suite: Suite, name: Category): Case => {
    let c = suite.cases.find((x) => x.name === name);
    if (!c) {
      c = { name, failing: [], other: [], suppressed: [] };
      suite.cases.push(c);
    }
    return c;
  };
  for (const o of report.overlays) {
    const suite = suiteFor(o.path);
    suite.overlay = o;
    for (const cat of OVERLAY_CATEGORIES) {
      const c = caseFor(suite, cat);
      if (o.status === 'skipped') c.skipped = o.reason ?? 'not checked in this run';
      // An overlay that did not render has nothing to check; its render test case carries the failure.
      else if (o.status === 'render-error' && cat !== 'render') c.skipped = 'not checked: the overlay did not render';
    }
  }
  for (const s of report.skipped ?? []) {
    if (suites.has(s.path)) continue;
    const suite = suiteFor(s.path);
    for (const cat of OVERLAY_CATEGORIES) caseFor(suite, cat).skipped = s.reason;
  }
  const repository = { name: REPOSITORY_SUITE, cases: [] } as Suite;
  caseFor(repository, 'config');
  const place = (f: Finding, kind: 'finding' | 'suppressed'): void => {
    const suite = f.overlay !== undefined ? suiteFor(f.overlay) : repository;
    const c = caseFor(suite, f.category);
    // A finding always counts, even on a case marked skipped (e.g. a render error on an overlay listed as skipped).
    if (kind === 'suppressed') c.suppressed.push(f);
    else if (fails(f)) {
      c.failing.push(f);
      c.skipped = undefined;
    } else c.other.push(f);
  };
  for (const f of report.findings) place(f, 'finding');
  for (const f of report.suppressed ?? []) place(f, 'suppressed');
  return [...suites.values(), repository];
}

function renderCase(suite: Suite, c: Case, uriPrefix: string | undefined): string {
  const open = `    <testcase${attrs({ name: c.name, classname: suite.name })}`;
  const body: string[] = [];
  if (c.failing.length > 0) {
    const errors = c.failing.filter((f) => f.severity === 'error').length;
    const warnings = c.failing.length - errors;
    const counts = [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : '']
      .filter(Boolean)
      .join(', ');
    const rules = [...new Set(c.failing.map((f) => f.ruleId))];
    body.push(
      `      <failure${attrs({ message: `${counts}: ${rules.join(', ')}`, type: rules[0] })}>${xmlText(c.failing.map((f) => describe(f, uriPrefix)).join('\n'))}</failure>`,
    );
  } else if (c.skipped !== undefined) {
    body.push(`      <skipped${attrs({ message: c.skipped })}/>`);
  }
  const out = [...c.other, ...c.suppressed];
  if (out.length > 0)
    body.push(`      <system-out>${xmlText(out.map((f) => describe(f, uriPrefix)).join('\n'))}</system-out>`);
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`;
}

export function formatJunit(report: Report, options: JunitOptions = {}): string {
  const suites = buildSuites(report, options.failOn ?? 'error');
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  const parts: string[] = [];
  for (const suite of suites) {
    const t = suite.cases.length;
    const f = suite.cases.filter((c) => c.failing.length > 0).length;
    const s = suite.cases.filter((c) => c.failing.length === 0 && c.skipped !== undefined).length;
    tests += t;
    failures += f;
    skipped += s;
    const o = suite.overlay;
    const props = o
      ? [
          ['env', o.env],
          ['layer', o.layer],
          ['status', o.status],
          ['resources', String(o.resources)],
          ...(o.cached ? [['cached', 'true']] : []),
        ]
      : [];
    const lines = [`  <testsuite${attrs({ name: suite.name, tests: t, failures: f, errors: 0, skipped: s })}>`];
    if (props.length > 0) {
      lines.push('    <properties>');
      for (const [name, value] of props) lines.push(`      <property${attrs({ name, value })}/>`);
      lines.push('    </properties>');
    }
    for (const c of suite.cases) lines.push(renderCase(suite, c, options.uriPrefix));
    lines.push('  </testsuite>');
    parts.push(lines.join('\n'));
  }
  const head = `<testsuites${attrs({ name: 'kfm-gitops', tests, failures, errors: 0, skipped, time: (report.summary.durationMs / 1000).toFixed(3) })}>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${parts.join('\n')}\n</testsuites>\n`;
}
