/**
 * Fixture repos, one per rule family, through the real pipeline (kustomize render, origin mapping, exceptions):
 * the expected findings with their resources, paths and source lines; the same repos with valid exceptions pass,
 * with expired ones fail. And infra/gitops passes every policy with no exception at all.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPolicyCheck } from '../../src/checks/policy/index.js';
import { loadConfig } from '../../src/config/load.js';
import { fixtures, repoRoot } from '../helpers.js';
import { brief, checkRepo, hasKustomize, NO_KUSTOMIZE } from './helpers.js';

const FAMILIES = ['tm', 'dp', 'fk', 'rbac', 'argo'] as const;
const expected = (family: string) =>
  JSON.parse(readFileSync(join(fixtures, 'policy', `${family}-violation`, 'expected.json'), 'utf8'));

describe.skipIf(!hasKustomize)(
  `policy fixtures through the pipeline (${hasKustomize ? 'pinned kustomize' : NO_KUSTOMIZE})`,
  () => {
    for (const family of FAMILIES) {
      it(`${family}-violation reports exactly the expected findings, with file and line`, async () => {
        const report = await checkRepo(join(fixtures, 'policy', `${family}-violation`), [createPolicyCheck()]);
        expect(report.overlays.every((o) => o.status === 'ok')).toBe(true);
        expect(report.findings.map(brief)).toEqual(expected(family));
        for (const f of report.findings) expect(f.category).toBe('policy');
        // Every family's own rules show up (the fixture exercises the family, not a neighbour).
        expect(new Set(report.findings.map((f) => f.ruleId.split('-')[1]))).toEqual(new Set([family.toUpperCase()]));
      });

      it(`${family}-violation passes with valid exceptions, each listed in the report`, async () => {
        const file = join(fixtures, 'policy', 'exceptions', `${family}-valid`, 'kfm-gitops.yaml');
        const { config } = await loadConfig({ explicitPath: file, searchDirs: [] });
        const report = await checkRepo(resolve(dirname(file), config.root!), [createPolicyCheck()], config);
        expect(report.findings).toEqual([]);
        expect(report.suppressed!.map(brief)).toEqual(expect.arrayContaining(expected(family)));
        expect(report.suppressed).toHaveLength(expected(family).length);
        for (const s of report.suppressed!)
          expect(s.suppressed).toMatchObject({ by: 'exception', owner: expect.any(String), expires: '2099-12-31' });
      });

      it(`${family}-violation fails with expired exceptions, which are reported too`, async () => {
        const file = join(fixtures, 'policy', 'exceptions', `${family}-expired`, 'kfm-gitops.yaml');
        const { config } = await loadConfig({ explicitPath: file, searchDirs: [] });
        const report = await checkRepo(resolve(dirname(file), config.root!), [createPolicyCheck()], config);
        const policy = report.findings.filter((f) => f.category === 'policy');
        expect(policy.map(brief)).toEqual(expect.arrayContaining(expected(family)));
        expect(policy).toHaveLength(expected(family).length);
        const expired = report.findings.filter((f) => f.ruleId === 'KFM-CONFIG-001');
        expect(expired).toHaveLength(config.exceptions!.length);
        expect(expired[0]).toMatchObject({
          severity: 'error',
          file: expect.stringMatching(/kfm-gitops\.yaml$/),
          line: expect.any(Number),
        });
        expect(report.summary.findings.error).toBeGreaterThan(0);
      });
    }

    it('infra/gitops passes every policy without a single exception', async () => {
      const report = await checkRepo(join(repoRoot, 'infra', 'gitops'), [createPolicyCheck()]);
      expect(report.overlays.length).toBeGreaterThanOrEqual(10);
      expect(report.overlays.filter((o) => o.status !== 'ok')).toEqual([]);
      expect(
        report.findings.filter((f) => f.category === 'policy').map((f) => `${f.ruleId} ${f.overlay} ${f.message}`),
      ).toEqual([]);
      expect(report.suppressed).toEqual([]);
    });
  },
);
