/** promote verify (KFM-DP-101…103) and status, in-process and through the built CLI. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PromoteUsageError } from '../../src/promote/inputs.js';
import { computeStatus, formatStatusTable } from '../../src/promote/status.js';
import { verifyPromotions } from '../../src/promote/verify.js';
import { fixtures, repoRoot, runCli, tempCopy } from '../helpers.js';
import { digestOf, gitIn, infraDir, infraRepo, kustomization } from './helpers.js';

const fixture = join(fixtures, 'promote', 'verify-unpromoted');
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

const verify = (root: string, base?: string) =>
  verifyPromotions({ root, config: {}, base, toolVersion: '0.0.0', kubernetesVersion: '1.37' });

describe('promote verify', () => {
  it('passes on the committed infra/gitops (its git history holds every promoted digest)', async () => {
    const r = await runCli(['promote', 'verify']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ 0 errors, 0 warnings in 8 overlays/);
  });

  it('fails with file and line when prod holds a digest stage never had', async () => {
    const r = await runCli(['promote', 'verify', '--root', fixture, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.findings).toEqual([
      expect.objectContaining({
        ruleId: 'KFM-DP-101',
        category: 'policy',
        severity: 'error',
        overlay: 'apps/web/overlays/prod',
        file: 'apps/web/overlays/prod/kustomization.yaml',
        line: 12,
        message: expect.stringContaining(
          `prod runs quay.io/kfm/web@sha256:${'9'.repeat(64)}, which stage (apps/web/overlays/stage/kustomization.yaml) never had`,
        ),
      }),
    ]);
    const text = await runCli(['promote', 'verify', '--root', fixture]);
    expect(text.stdout).toContain('apps/web/overlays/prod/kustomization.yaml:12');
    expect(text.stdout).toContain('kfm-gitops promote web --from stage --to prod');
  });

  it('without git it compares the current state only, and says so', async () => {
    const copy = tempCopy(fixture);
    cleanups.push(copy.cleanup);
    const report = await verify(copy.dir);
    expect(report.findings.map((f) => [f.ruleId, f.severity, f.line])).toEqual([
      ['KFM-DP-102', 'warning', undefined],
      ['KFM-DP-101', 'error', 12],
    ]);
    expect(report.findings[0].message).toContain('the root is not in a git repository');
  });

  it('accepts a digest stage ran earlier in its git history', async () => {
    const copy = tempCopy(fixture);
    cleanups.push(copy.cleanup);
    const stage = kustomization(copy.dir, 'web', 'stage');
    const now = readFileSync(stage, 'utf8');
    gitIn(copy.dir, ['init', '-q', '-b', 'main']);
    writeFileSync(stage, now.replace(/sha256:1{64}/, `sha256:${'9'.repeat(64)}`));
    gitIn(copy.dir, ['add', '-A']);
    gitIn(copy.dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'stage ran 999']);
    writeFileSync(stage, now);
    gitIn(copy.dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-am', 'stage moved on']);
    expect((await verify(copy.dir)).findings).toEqual([]);
  });

  it('--base reports only what the change under review introduced', async () => {
    const r = infraRepo();
    cleanups.push(r.cleanup);
    const prod = kustomization(r.dir, 'minio', 'prod');
    gitIn(r.dir, ['switch', '-q', '-c', 'pr']);
    writeFileSync(
      prod,
      readFileSync(prod, 'utf8').replace(digestOf(r.dir, 'minio', 'prod'), `sha256:${'f'.repeat(64)}`),
    );
    gitIn(r.dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-am', 'hand-edit prod']);
    const all = await verify(r.dir);
    expect(all.findings.map((f) => [f.ruleId, f.file, f.line])).toEqual([
      ['KFM-DP-101', 'apps/minio/overlays/prod/kustomization.yaml', 38],
    ]);
    // Against the PR's base the violation is new; against the PR head itself nothing changed.
    expect((await verify(r.dir, 'main')).findings).toHaveLength(1);
    expect((await verify(r.dir, 'HEAD')).findings).toEqual([]);
    await expect(verify(r.dir, 'no-such-ref')).rejects.toThrow(PromoteUsageError);
  });

  it('--base: a change moving stage and prod to one new digest has prod run what stage never ran', async () => {
    const r = infraRepo();
    cleanups.push(r.cleanup);
    const stage = kustomization(r.dir, 'minio', 'stage');
    const prod = kustomization(r.dir, 'minio', 'prod');
    const fresh = `sha256:${'f'.repeat(64)}`;
    gitIn(r.dir, ['switch', '-q', '-c', 'pr']);
    // Two commits: stage first, then prod, so that stage's history at the head holds the digest too.
    writeFileSync(stage, readFileSync(stage, 'utf8').replace(digestOf(r.dir, 'minio', 'stage'), fresh));
    gitIn(r.dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-am', 'stage']);
    writeFileSync(prod, readFileSync(prod, 'utf8').replace(digestOf(r.dir, 'minio', 'prod'), fresh));
    gitIn(r.dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-am', 'prod']);
    const found = (await verify(r.dir, 'main')).findings.map((f) => [f.ruleId, f.file, f.line]);
    expect(found).toEqual([
      ['KFM-DP-101', 'apps/minio/overlays/prod/kustomization.yaml', 38],
      ['KFM-DP-101', 'apps/minio/overlays/stage/kustomization.yaml', 29],
    ]);
    // A promotion of what dev held at the base passes.
    gitIn(r.dir, ['switch', '-q', '-c', 'pr2', 'main']);
    writeFileSync(
      stage,
      readFileSync(stage, 'utf8').replace(digestOf(r.dir, 'minio', 'stage'), digestOf(r.dir, 'minio', 'dev')),
    );
    gitIn(r.dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-am', 'promote']);
    expect((await verify(r.dir, 'main')).findings).toEqual([]);
  });

  it('is silenced by a rules override like any finding', async () => {
    const report = await verifyPromotions({
      root: fixture,
      config: { rules: { 'KFM-DP-101': 'warning' } },
      toolVersion: '0',
      kubernetesVersion: '1.37',
    });
    expect(report.findings.map((f) => [f.ruleId, f.severity])).toEqual([['KFM-DP-101', 'warning']]);
  });

  it('documents its rules for explain', async () => {
    const { PROMOTE_RULES } = await import('../../src/rules/promote.js');
    expect(PROMOTE_RULES.map((r) => r.id)).toEqual(['KFM-DP-101', 'KFM-DP-102', 'KFM-DP-103']);
    for (const r of PROMOTE_RULES) expect(r.remediation.length).toBeGreaterThan(20);
  });
});

describe('status', () => {
  it('shows the short digest per env and the sync flags', async () => {
    const status = await computeStatus(infraDir, {});
    const api = status.apps.find((a) => a.app === 'kfm-api')!;
    expect(api.inSync).toEqual([
      { from: 'dev', to: 'stage', inSync: false },
      { from: 'stage', to: 'prod', inSync: true },
    ]);
    const table = formatStatusTable(status).split('\n');
    expect(table[0]).toMatch(/^APP\s+IMAGE\s+DEV\s+STAGE\s+PROD\s+SYNC$/);
    const row = table.find((l) => l.startsWith('kfm-api '))!;
    expect(row.split(/\s+/)).toEqual([
      'kfm-api',
      'quay.io/kfm/kfm-api',
      digestOf(infraDir, 'kfm-api', 'dev').slice(7, 19),
      '82b4679199f1',
      '82b4679199f1',
      'dev≠stage',
      'stage=prod',
    ]);
  });

  it('prints JSON through the CLI', async () => {
    const r = await runCli(['status', '--format', 'json'], { cwd: repoRoot });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.envOrder).toEqual(['dev', 'stage', 'prod']);
    expect(json.apps.map((a: { app: string }) => a.app)).toEqual(['kfm-api', 'kfm-ui', 'minio', 'postgis']);
    expect(json.apps[0].images[0].envs.prod.digest).toMatch(/^sha256:82b4/);
  });
});
