/** GitHub Actions workflow commands: one annotation per finding, on the repository path and line, escaped. */
import { describe, expect, it } from 'vitest';
import {
  annotation,
  escapeData,
  escapeProperty,
  formatGithub,
  formatGithubStepSummary,
} from '../../src/report/github.js';
import { FORMATTERS } from '../../src/report/index.js';
import type { Finding } from '../../src/types.js';
import { safeControls } from '../../src/report/escape.js';
import { HOSTILE, sampleReport, sampleRules } from './sample.js';

/** Undoes the runner's escaping (actions/runner ActionCommand.Unescape*), to prove the round trip is lossless. */
function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
function unescapeProperty(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** Parses one command line the way the runner does: `::name k=v,k=v::data`. */
function parseCommand(line: string): { command: string; props: Record<string, string>; data: string } {
  const m = /^::([a-z]+)(?: ([^:]*))?::(.*)$/s.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const props: Record<string, string> = {};
  for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    props[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
  }
  return { command: m[1]!, props, data: unescapeData(m[3]!) };
}

const output = formatGithub(sampleReport(), { uriPrefix: 'infra/gitops/' });
const lines = output.trimEnd().split('\n');
const commandFor = (fp: string): ReturnType<typeof parseCommand> => {
  const f = sampleReport().findings.find((x) => x.fingerprint === fp)!;
  return parseCommand(annotation(f, { uriPrefix: 'infra/gitops/' }));
};

describe('GitHub workflow commands', () => {
  it('prints one command line per place to fix, then the summary line counting places and per-overlay findings', () => {
    // 7 findings, two of them the same base line in dev and prod.
    expect(lines).toHaveLength(6 + 1);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^::(error|warning|notice) /);
    expect(lines.at(-1)).toMatch(/^✖ 4 errors \(5 across overlays\), 1 warning in 3 overlays \(9 resources\)/);
  });

  it('annotates a base line once, on the repository path, line and column, naming the overlays it affects', () => {
    expect(lines[0]).toBe(
      '::error file=infra/gitops/apps/kfm-api/base/deployment.yaml,line=9,col=13,title=KFM-SCHEMA-001::spec.replicas must be integer (Deployment kfm-api, in 2 overlays (dev, prod): apps/kfm-api/overlays/dev, apps/kfm-api/overlays/prod, at spec.replicas)',
    );
    expect(lines.filter((l) => l.includes('spec.replicas must be integer'))).toHaveLength(1);
  });

  it('uses ::warning and ::notice for lower severities', () => {
    expect(commandFor('fp-dp-prod').command).toBe('warning');
    expect(commandFor('fp-sec-dev').command).toBe('notice');
  });

  it('escapes a hostile message so it stays one command and round-trips exactly', () => {
    const line = annotation(
      sampleReport().findings.find((f) => f.fingerprint === 'fp-dp-prod')!,
      {},
    );
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toMatch(/\r/);
    // Data escapes %, CR and LF only; ':' and ',' stay as they are.
    expect(line).toContain('::bad: 100%25, a,b%0D%0A::set-output name=x::y <script>');
    const parsed = parseCommand(line);
    // CR and LF round-trip through the runner's escapes; other control characters arrive as visible escapes.
    expect(parsed.data.startsWith(safeControls(HOSTILE))).toBe(true);
    expect(parsed.data).toContain('\\x00\\e[31m');
    expect(line.includes('\u0000') || line.includes('\u001b')).toBe(false);
    // The injected "::set-output" sits inside the data, after an escaped newline: no second command.
    expect(output.split('\n').filter((l) => l.startsWith('::set-output'))).toEqual([]);
  });

  it('escapes property values (file names with ":" and ",")', () => {
    const f: Finding = {
      ruleId: 'KFM-SEC-001',
      category: 'secret',
      severity: 'error',
      message: 'm',
      file: 'a:b,c%d\ne.yaml',
      line: 1,
      fingerprint: 'x',
    };
    const line = annotation(f, {});
    expect(line).toMatch(/^::error file=a%3Ab%2Cc%25d%0Ae\.yaml,line=1,title=KFM-SEC-001::m$/);
    expect(parseCommand(line).props.file).toBe('a:b,c%d\ne.yaml');
  });

  it('implements the documented escapes', () => {
    expect(escapeData('%\r\n:,')).toBe('%25%0D%0A:,');
    expect(escapeProperty('%\r\n:,')).toBe('%25%0D%0A%3A%2C');
  });

  it('names a file outside the repository in the message instead of annotating a wrong path', () => {
    const c = commandFor('fp-config');
    expect(c.props.file).toBeUndefined();
    expect(c.data).toMatch(/^\/home\/ci\/repo\/kfm-gitops\.yaml:7: exception for KFM-DP-001 expired/);
  });

  it('annotates a finding with no place without file or line', () => {
    const c = commandFor('fp-check-failed');
    expect(c.props).toEqual({ title: 'KFM-POLICY-999' });
    expect(c.command).toBe('error');
  });

  it('--quiet keeps only errors', () => {
    const quiet = FORMATTERS.github(sampleReport(), { color: false, quiet: true }).trimEnd().split('\n');
    expect(quiet.slice(0, -1).every((l) => l.startsWith('::error '))).toBe(true);
    expect(quiet).toHaveLength(4 + 1);
  });

  it('spends the 10-per-severity annotation budget on the groups that affect most overlays, the rest as plain lines', () => {
    const many: Finding[] = [];
    for (let i = 1; i <= 25; i++)
      for (let o = 0; o < (i === 25 ? 3 : 1); o++)
        many.push({
          ruleId: 'KFM-DP-002',
          category: 'policy',
          severity: 'error',
          message: i === 7 ? HOSTILE : `image ${i} uses :latest`,
          overlay: `apps/a/overlays/o${o}`,
          file: `apps/a/base/f${String(i).padStart(2, '0')}.yaml`,
          line: i,
          fingerprint: `fp-${i}-${o}`,
        });
    const out = formatGithub({ ...sampleReport(), findings: many })
      .trimEnd()
      .split('\n');
    const commands = out.filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(10);
    // The base line in 3 overlays comes first; the others in file order.
    expect(commands[0]).toContain('file=apps/a/base/f25.yaml,line=25');
    expect(commands[0]).toContain('in 3 overlays');
    expect(out).toContain('15 more finding(s) without an annotation (GitHub shows 10 per severity and step):');
    const plain = out.filter((l) => l.startsWith('  error KFM-DP-002'));
    expect(plain).toHaveLength(15);
    // Every finding is in the log once; the hostile one cannot start a command.
    for (let i = 1; i <= 25; i++)
      expect(out.filter((l) => l.includes(`f${String(i).padStart(2, '0')}.yaml`))).toHaveLength(1);
    expect(out.some((l) => /^\s*::set-output/.test(l))).toBe(false);
  });

  it('writes a Markdown step summary: verdict, rules with titles, files, every place to fix, advice; cells cannot break the table', () => {
    const md = formatGithubStepSummary(sampleReport(), { uriPrefix: 'infra/gitops/', rules: sampleRules });
    expect(md).toContain('| `KFM-SCHEMA-001` | Schema violation | error | 1 | 2 |');
    expect(md).toContain('| infra/gitops/apps/kfm-api/base/deployment.yaml | 1 | 2 |');
    expect(md).toContain("- `KFM-DP-001` Use 'kfm-gitops promote' to pin the digest.");
    const hostileRow = md.split('\n').find((l) => l.includes('set-output'))!;
    // 6 columns: 7 unescaped pipes.
    expect(hostileRow.replace(/\\\|/g, '').split('|')).toHaveLength(7);
    expect(hostileRow).not.toMatch(/<script>/);
    expect(md.split('\n').every((l) => !l.startsWith('::'))).toBe(true);
  });

  it('grouped annotations and plain lines escape hostile file names, overlay paths and messages (no injected command)', () => {
    const evilFile = 'apps/a\n::error file=x::pwned\u001b[2J\u2028##[group]x.yaml';
    const many: Finding[] = [];
    for (let i = 1; i <= 24; i++)
      for (let o = 0; o < 2; o++)
        many.push({
          ruleId: 'KFM-SEC-001',
          category: 'secret',
          severity: 'error',
          message: `secret\r\n::warning::in ${i}\u001b[31m`,
          overlay: `apps/a/overlays/o${o}\n::notice::ov`,
          file: `${evilFile}${i}`,
          line: 1,
          fingerprint: `fp-${i}-${o}`,
        });
    const out = formatGithub({ ...sampleReport(), findings: many });
    const outLines = out.trimEnd().split('\n');
    // Only our own annotations are commands: 10 errors, each grouping two overlays; 14 plain lines.
    const commands = outLines.filter((l) => /^\s*::/.test(l));
    expect(commands).toHaveLength(10);
    for (const c of commands) {
      expect(c).toMatch(
        /^::error file=apps\/a%0A%3A%3Aerror file=x%3A%3Apwned\\e\[2J\\u2028##\[group\]x\.yaml\d+,line=1,/,
      );
      const parsed = parseCommand(c);
      expect(parsed.props.file).toContain('\n::error file=x::pwned');
      expect(parsed.data).toContain('in 2 overlays');
    }
    expect(outLines.filter((l) => l.startsWith('  error KFM-SEC-001'))).toHaveLength(14);
    // Nothing raw: no ESC, no line separator, no old-style ##[ command outside our own annotations' data.
    for (const ch of ['\u001b', '\u2028', '\r']) expect(out).not.toContain(ch);
    for (const l of outLines.filter((x) => !commands.includes(x))) expect(l).not.toContain('##[');
  });
});
