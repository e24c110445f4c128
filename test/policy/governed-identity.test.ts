/**
 * The governed-API labels are what the trust-membrane rules trust (KFM-TM-004 admits their pods to a store, KFM-TM-005
 * lets them hold its credentials), and a label is a claim any manifest can make. Before KFM-TM-011, a pull request that
 * put `kfm.dev/governed-api: "true"` on the front end's pods passed with exit 0, and the postgis NetworkPolicy that
 * admits the governed API admitted the front end too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

type Found = { ruleId: string; file?: string; line?: number; overlay?: string; message: string };

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A copy of infra/gitops whose kfm-ui pods carry the governed-API label; the line the label is on. */
function uiClaimingTheApi(): { dir: string; line: number } {
  const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
  cleanups.push(cleanup);
  const file = join(dir, 'apps', 'kfm-ui', 'base', 'deployment.yaml');
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes('app.kubernetes.io/component: ui') && l.startsWith('        '));
  lines.splice(at + 1, 0, '        kfm.dev/governed-api: "true"');
  writeFileSync(file, lines.join('\n'));
  return { dir, line: at + 2 };
}

describe('only the governed API carries the governed-API labels (KFM-TM-011)', () => {
  it('reports another app whose pods claim them, at the label, in every env', async () => {
    const { dir, line } = uiClaimingTheApi();
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(1);
    const found = (JSON.parse(r.stdout).findings as Found[]).filter((f) => f.ruleId === 'KFM-TM-011');
    expect(found.map((f) => f.overlay).sort()).toEqual([
      'apps/kfm-ui/overlays/dev',
      'apps/kfm-ui/overlays/prod',
      'apps/kfm-ui/overlays/stage',
    ]);
    for (const f of found) {
      expect(f).toMatchObject({ file: 'apps/kfm-ui/base/deployment.yaml', line });
      expect(f.message).toContain('app kfm-ui is not a governed API (policy.governedApiApps: kfm-api)');
    }
  }, 120_000);

  it('judges a run that selects only the claiming app against the whole repository', async () => {
    // The governed API's folder is there, whatever the run selects (a changed-only run of kfm-ui alone).
    const { dir } = uiClaimingTheApi();
    const r = await runCli(['check', '.', '--overlay', 'apps/kfm-ui/**', '--format', 'json', '--no-cache'], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout).findings as Found[]).some((f) => f.ruleId === 'KFM-TM-011')).toBe(true);
  }, 120_000);

  it("`validate` of the governed API's own file reports nothing: a file is no app's overlay", async () => {
    const r = await runCli(['validate', 'apps/kfm-api/base/deployment.yaml', '--format', 'json'], {
      cwd: join(repoRoot, 'infra', 'gitops'),
    });
    expect(JSON.parse(r.stdout).findings.filter((f: Found) => f.ruleId === 'KFM-TM-011')).toEqual([]);
    expect(r.code).toBe(0);
  }, 120_000);

  it('accepts an app the config names as a governed API', async () => {
    const { dir } = uiClaimingTheApi();
    writeFileSync(join(dir, 'kfm-gitops.yaml'), 'policy:\n  governedApiApps: [kfm-api, kfm-ui]\n');
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    expect(JSON.parse(r.stdout).findings.filter((f: Found) => f.ruleId === 'KFM-TM-011')).toEqual([]);
    expect(r.code).toBe(0);
  }, 120_000);
});
