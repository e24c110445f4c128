/** Spawns the built CLI with the real kustomize, as a user or CI job would. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, repoRoot, runCli } from '../helpers.js';

describe('kfm-gitops check (e2e)', () => {
  it('renders every overlay of infra/gitops by default and exits 0', async () => {
    const r = await runCli(['check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ 0 errors, \d+ warnings? in \d+ overlays/);
    const overlays = Number(/in (\d+) overlays/.exec(r.stdout)![1]);
    expect(overlays).toBeGreaterThanOrEqual(10);
  });

  it('follows the JSON report contract', async () => {
    const r = await runCli(['check', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.tool).toMatchObject({
      name: 'kfm-gitops',
      version: expect.any(String),
      kustomize: expect.stringMatching(/^v5\./),
      kubernetesVersion: expect.stringMatching(/^1\.\d+$/),
    });
    expect(report.summary).toMatchObject({
      overlays: expect.any(Number),
      resources: expect.any(Number),
      findings: { error: 0, warning: expect.any(Number) },
      durationMs: expect.any(Number),
    });
    expect(report.summary.overlays).toBeGreaterThanOrEqual(10);
    const prod = report.overlays.find((o: { path: string }) => o.path === 'apps/kfm-api/overlays/prod');
    expect(prod).toMatchObject({ env: 'prod', layer: 'apps', status: 'ok', resources: expect.any(Number) });
    expect(Array.isArray(report.findings)).toBe(true);
  });

  it('fails closed on a remote base, a kustomization typo and a missing file, still rendering the rest', async () => {
    const r = await runCli(['check', join(fixtures, 'render', 'mixed'), '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const byOverlay = Object.fromEntries(report.findings.map((f: { overlay: string }) => [f.overlay, f]));
    expect(byOverlay['apps/remote/overlays/dev']).toMatchObject({
      ruleId: 'KFM-RENDER-003',
      category: 'render',
      file: 'apps/remote/overlays/dev/kustomization.yaml',
      line: 6,
    });
    expect(byOverlay['apps/typo/overlays/dev']).toMatchObject({
      ruleId: 'KFM-RENDER-001',
      file: 'apps/typo/overlays/dev/kustomization.yaml',
      line: 4,
    });
    expect(byOverlay['apps/typo/overlays/dev'].message).toContain('unknown field "resorces"');
    expect(byOverlay['apps/missing/overlays/dev']).toMatchObject({ ruleId: 'KFM-RENDER-001', line: 6 });
    expect(byOverlay['apps/missing/overlays/dev'].message).toContain('service.yaml');
    const good = report.overlays.find((o: { path: string }) => o.path === 'apps/good/overlays/dev');
    expect(good).toMatchObject({ status: 'ok', resources: 1 });
  });

  it('exits 2 with an install hint when no kustomize can be found', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kfm-nokustomize-'));
    const r = await runCli(['check'], { env: { PATH: empty, KFM_TOOLS_DIR: empty, KFM_KUSTOMIZE: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kustomize not found: run `npm run tools`/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on an unknown flag and on a bad config, naming the problem', async () => {
    const flag = await runCli(['check', '--no-such-flag']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--no-such-flag'/);

    const dir = mkdtempSync(join(tmpdir(), 'kfm-config-'));
    writeFileSync(join(dir, 'kfm-gitops.yaml'), `root: ${join(repoRoot, 'infra', 'gitops')}\nconcurency: 2\n`);
    const config = await runCli(['check'], { cwd: dir });
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(
      /kfm-gitops.yaml:2: unknown key `concurency` in the top level \(did you mean `concurrency`\?\)/,
    );
  });

  it('exits 2 when a check section of the config is unusable (a schema folder that does not exist)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-config-'));
    writeFileSync(join(dir, 'kfm-gitops.yaml'), 'schema:\n  extraDirs: [does-not-exist]\n');
    // The root on the command line: a config outside the repository may not point its `root` into it.
    const r = await runCli(['check', join(repoRoot, 'infra', 'gitops'), '--overlay', 'apps/kfm-ui/overlays/dev'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does-not-exist');
  });

  it('uses a kustomize named by KFM_KUSTOMIZE and says so', async () => {
    const r = await runCli(['check', '--overlay', 'apps/kfm-ui/**', '--format', 'json'], {
      env: { KFM_KUSTOMIZE: 'kubectl kustomize' },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tool.kustomizeCommand).toBe('kubectl kustomize');
  });

  it('prints --help and --version with exit 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('check');
    expect(help.stdout).toContain('Exit codes');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('kfm-gitops render / validate / explain (e2e)', () => {
  it('render prints the resources of one overlay without build annotations', async () => {
    const r = await runCli(['render', 'apps/kfm-api/overlays/dev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: Deployment');
    expect(r.stdout).not.toContain('config.kubernetes.io/origin');
  });

  it('validate reads stdin and points at the line', async () => {
    const r = await runCli(['validate', '-', '--format', 'json'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n',
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-011', file: '<stdin>', line: 5 });
  });

  it('explain documents a rule and suggests a near miss', async () => {
    const ok = await runCli(['explain', 'KFM-RENDER-003']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Remote reference refused[\s\S]*How to fix/);
    const miss = await runCli(['explain', 'KFM-RENDR-003']);
    expect(miss.code).toBe(2);
    expect(miss.stderr).toContain('did you mean KFM-RENDER-003');
  });
});
