/**
 * One redactor in front of every output (issue 15, item 5): values kustomize or a check would quote — a password
 * in a patch kustomize cannot apply, invalid base64 under a Secret's `data`, a numeric `stringData` value — appear
 * in no format, no report file, no stderr and no cache file.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNames } from '../../src/report/index.js';
import { filesUnder, repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
const PASSWORD = 'Plant3d-Passw0rd-Zq';
const BAD_BASE64 = 'Plant3d!!not*base64';
const NUMBER = '860412973315';
const PLANTED = [PASSWORD, BAD_BASE64, NUMBER];

function overlay(dir: string, name: string, kustomization: string, files: Record<string, string> = {}): void {
  const d = join(dir, 'apps/kfm-api/overlays', name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'kustomization.yaml'), kustomization);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
}

const SCENARIOS: [string, (dir: string) => void, string][] = [
  [
    'a patch kustomize cannot apply quotes a password',
    (dir) =>
      overlay(
        dir,
        'leak',
        `resources:\n  - ../../base\npatches:\n  - path: p.yaml\n    patch: |-\n      apiVersion: v1\n      kind: Secret\n      metadata:\n        name: db\n      stringData:\n        password: ${PASSWORD}\n`,
        { 'p.yaml': 'a: b\n' },
      ),
    'KFM-RENDER-001',
  ],
  [
    'schema messages about Secret data (invalid base64, a number under stringData)',
    (dir) =>
      overlay(dir, 'leak', 'resources:\n  - ../../base\n  - secret.yaml\n', {
        'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  key: "${BAD_BASE64}"\nstringData:\n  pin: ${NUMBER}\n`,
      }),
    'KFM-SCHEMA-001',
  ],
];

describe('no planted value in any output or cache', () => {
  it.each(SCENARIOS)('%s', async (_name, plant, ruleId) => {
    const { dir, cleanup } = tempCopy(infra);
    try {
      plant(dir);
      const out = join(dir, '..', `${dir.split('/').pop()}-reports`);
      // Every format written at once (report files) and GitHub's step summary, text on the console; stderr too.
      // Twice: the warm run answers from the caches, which must hold no value either.
      const formats = formatNames();
      mkdirSync(out, { recursive: true });
      const args = [
        'check',
        dir,
        '--overlay',
        'apps/kfm-api/overlays/leak',
        ...formats.flatMap((f) => ['-o', `${f}=${out}/r.${f}`]),
      ];
      const env = { GITHUB_STEP_SUMMARY: join(out, 'step-summary.md') };
      const r = await runCli(args, { env });
      expect(r.code, r.stderr).toBe(1);
      const warm = await runCli(args, { env });
      expect(warm.code, warm.stderr).toBe(1);
      const outputs = [r.stdout, r.stderr, warm.stdout, warm.stderr];
      const report = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'));
      expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toContain(ruleId);
      const caches = filesUnder(join(dir, '.kfm-gitops'));
      // Scenario 2 renders cleanly: its findings are in the whole-run result cache, which must hold no value either.
      if (ruleId === 'KFM-SCHEMA-001') expect(caches.some((f) => f.includes('/results/'))).toBe(true);
      const files = [...filesUnder(out), ...caches];
      expect(files.map((f) => f.split('/').pop())).toEqual(
        expect.arrayContaining([...formats.map((f) => `r.${f}`), 'step-summary.md']),
      );
      const everything = [...outputs, ...files.map((f) => readFileSync(f).toString('latin1'))].join('\n');
      for (const value of PLANTED) expect(everything.includes(value), value).toBe(false);
    } finally {
      cleanup();
      rmSync(join(dir, '..', `${dir.split('/').pop()}-reports`), { recursive: true, force: true });
    }
  });
});
