import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSecretsCheck,
  scanForSecrets,
  secretsSettings,
  writeSecretsBaseline,
} from '../../src/checks/secrets/index.js';
import { FORMATTERS } from '../../src/report/index.js';
import { findKustomize, leakedFragments, plantRepo, removeDir, runSecretsCheck, type PlantedRepo } from './helpers.js';

const kustomize = await findKustomize();

describe('no leak: no 8-character piece of a planted secret appears in any output', () => {
  let planted: PlantedRepo;
  beforeAll(async () => {
    planted = await plantRepo(23);
  });
  afterAll(async () => removeDir(planted.root));

  it('the test itself can see a leak (the secrets are in the repository it scans)', async () => {
    const text = await readFile(`${planted.root}/apps/api/base/deployment.yaml`, 'utf8');
    expect(leakedFragments(text, planted.secrets).length).toBeGreaterThan(0);
    expect(planted.secrets.length).toBeGreaterThan(70);
  });

  it('in the findings of the repository scan (JSON), with messages, paths and fingerprints', async () => {
    const result = await scanForSecrets({
      root: planted.root,
      settings: secretsSettings({}),
      mode: 'check',
      overlays: [],
      env: {},
    });
    expect(result.findings.length).toBeGreaterThan(60);
    const json = JSON.stringify(result.findings);
    expect(leakedFragments(json, planted.secrets)).toEqual([]);
    expect(leakedFragments(JSON.stringify(result.stats), planted.secrets)).toEqual([]);
  });

  it('in the baseline file', async () => {
    const written = await writeSecretsBaseline({ root: planted.root, env: {} });
    expect(written.entries).toBeGreaterThan(60);
    expect(leakedFragments(await readFile(written.path, 'utf8'), planted.secrets)).toEqual([]);
  });

  it.skipIf(!kustomize)(
    'in every report format of a full run, rendered output included (needs kustomize)',
    async () => {
      const { report, check } = await runSecretsCheck(planted.root, kustomize!);
      expect(report.findings.some((f) => f.overlay !== undefined)).toBe(true);
      const outputs = Object.entries(FORMATTERS).map(([name, format]) => [
        name,
        format(report, { color: false, rules: check.rules() }),
      ]);
      expect(outputs.length).toBeGreaterThanOrEqual(5);
      for (const [name, text] of outputs) expect(leakedFragments(text, planted.secrets), name).toEqual([]);
      expect(
        leakedFragments(JSON.stringify(check.lastFindings().map(({ resource: _r, ...f }) => f)), planted.secrets),
      ).toEqual([]);
    },
  );

  it('in the error a failing scan reports', async () => {
    const check = createSecretsCheck({ env: {} });
    const reported: unknown[] = [];
    await check.run({
      root: `${planted.root}/does-not-exist`,
      config: { secrets: { baseline: planted.secrets[0] } },
      overlays: [],
      resources: [],
      kubernetesVersion: '1.33',
      mode: 'check',
      report: (f) => reported.push(f),
    });
    expect(reported.length).toBeGreaterThan(0);
    expect(leakedFragments(JSON.stringify(reported), planted.secrets)).toEqual([]);
  });
});
