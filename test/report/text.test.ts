/** Text output: one line per place to fix, the overlays it affects, a summary by rule and file, advice once. */
import { describe, expect, it } from 'vitest';
import { formatText, summaryLine } from '../../src/report/text.js';
import type { Finding } from '../../src/types.js';
import { sampleReport, sampleRules } from './sample.js';

const text = formatText(sampleReport(), { color: false, rules: sampleRules });
const lines = text.split('\n');

describe('text report', () => {
  it('prints a base line reported by two overlays once, with the overlays and envs it affects', () => {
    const at = lines.filter((l) => l.includes('apps/kfm-api/base/deployment.yaml:9:13'));
    expect(at).toHaveLength(1);
    expect(at[0]).toMatch(
      /^error {3}KFM-SCHEMA-001 {2}apps\/kfm-api\/base\/deployment\.yaml:9:13 {2}spec\.replicas must be integer/,
    );
    const next = lines[lines.indexOf(at[0]!) + 1]!;
    expect(next.trim()).toBe('↳ 2 overlays (dev, prod): apps/kfm-api/overlays/dev, apps/kfm-api/overlays/prod');
  });

  it('summarises by rule with titles and per-overlay counts, by file, and by overlay status', () => {
    expect(text).toMatch(/^ +1 \(2\) +error +KFM-SCHEMA-001 +Schema violation$/m);
    expect(text).toMatch(/^ +1 \(2\) +apps\/kfm-api\/base\/deployment\.yaml$/m);
    expect(text).toContain(
      'overlays: 2 rendered, 1 failed to render, 1 not checked (--verbose lists them); 3 overlays with errors',
    );
    expect(lines.at(-2)).toMatch(/^✖ 4 errors \(5 across overlays\), 1 warning in 3 overlays/);
  });

  it("prints a rule's advice once per run, however many findings it has", () => {
    const many: Finding[] = Array.from({ length: 30 }, (_, i) => ({
      ...sampleReport().findings[0]!,
      line: i + 1,
      fingerprint: `fp-${i}`,
    }));
    const out = formatText({ ...sampleReport(), findings: many }, { color: false, rules: sampleRules });
    expect(out.split('Fix the field named in the message.')).toHaveLength(2);
    expect(out).toMatch(/How to fix/);
  });

  it('shows no terminal control character from a hostile message', () => {
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text).toContain('::set-output name=x::y <script>');
  });

  it('lists skipped overlays only with --verbose', () => {
    expect(text).not.toContain('apps/kfm-ui/overlays/dev: not changed since origin/main');
    expect(formatText(sampleReport(), { color: false, verbose: true })).toContain(
      'apps/kfm-ui/overlays/dev: not changed since origin/main',
    );
  });

  it('--quiet keeps only errors and the verdict', () => {
    const quiet = formatText(sampleReport(), { color: false, quiet: true, rules: sampleRules });
    expect(quiet).not.toMatch(/^warning|^info/m);
    expect(quiet).not.toContain('Summary');
    expect(quiet.trimEnd().split('\n').at(-1)).toBe(summaryLine(sampleReport()));
  });
});
