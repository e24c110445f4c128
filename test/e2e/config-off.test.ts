/**
 * `rules: {X: off}` in kfm-gitops.yaml is allowed for rules that are not guards (issue 13), but the config lives in the
 * repository under check: what it switches off is listed as suppressed by the config — at its own file and line, in
 * the text summary and the JSON `suppressed` list — never dropped without a trace. The value stays redacted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { Gen } from '../secrets/vectors.js';

const g = new Gen(2031);

describe('rules switched off by the repository config', () => {
  let root: string;
  const token = `ghp_${g.alnum(36)}`;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kfm-off-'));
    const files: Record<string, string> = {
      'kfm-gitops.yaml': 'rules:\n  KFM-SEC-030: "off"\n',
      'apps/a/overlays/dev/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'apps/a/overlays/dev/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a-dev\ndata:\n  x: "1"\n',
      'docs/creds.txt': `intro\ntoken: ${token}\n`,
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('passes (the rule is off) but lists the finding as suppressed by the config, at its line', async () => {
    const r = await runCli(['check', root, '--format', 'json', '--no-cache']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      findings: { ruleId: string }[];
      suppressed: { ruleId: string; file: string; line: number; suppressed: { by: string; reason: string } }[];
    };
    expect(report.findings.filter((f) => f.ruleId === 'KFM-SEC-030')).toEqual([]);
    expect(report.suppressed.map((f) => [f.ruleId, f.file, f.line, f.suppressed.by])).toEqual([
      ['KFM-SEC-030', 'docs/creds.txt', 2, 'config'],
    ]);
    expect(r.stdout).not.toContain(token);
    const text = await runCli(['check', root, '--no-cache']);
    expect(text.stdout).toMatch(/KFM-SEC-030 docs\/creds\.txt:2 — config: rules\.KFM-SEC-030: off/);
    expect(text.stdout + text.stderr).not.toContain(token);
  });
});
