/**
 * The layer of an overlay is its first folder below the desired-state root, and `root` in kfm-gitops.yaml sets that
 * root, from a file the pull request writes. `root: apps` made `web` the layer of apps/web/overlays/prod, and
 * `root: .` over infra/gitops/{apps,core} made it `infra`, so every apps-layer rule (a cluster-scoped ClusterRole, a
 * Namespace, reading every Secret) passed: exit 0. A config root inside a layer folder, or above the folder holding
 * the layers, is refused (exit 2); `check apps` still narrows a run with the apps-layer rules on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

describe('a config root inside a layer folder', () => {
  let repo: string;
  const files: Record<string, string> = {
    'apps/web/base/kustomization.yaml': 'resources:\n  - role.yaml\n',
    'apps/web/base/role.yaml': [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: web-reader',
      'rules:',
      '  - apiGroups: [""]',
      '    resources: [secrets]',
      '    verbs: [get]',
      '',
    ].join('\n'),
    'apps/web/overlays/dev/kustomization.yaml': 'namespace: kfm-dev\nresources:\n  - ../../base\n',
  };
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'kfm-rootlayer-'));
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, rel)), { recursive: true });
      writeFileSync(join(repo, rel), text);
    }
    execFileSync('git', ['init', '-q', repo]);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const check = (config: string): ReturnType<typeof runCli> => {
    writeFileSync(join(repo, 'kfm-gitops.yaml'), config);
    return runCli(['check', '--no-cache', '--format', 'json'], { cwd: repo });
  };

  it('control: with the root at the top, the ClusterRole of the apps layer fails', async () => {
    const r = await check('root: .\n');
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; file: string; line: number }[] };
    expect(report.findings.map((f) => [f.ruleId, f.file, f.line])).toContainEqual([
      'KFM-FK-001',
      'apps/web/base/role.yaml',
      2,
    ]);
  });

  it.each([['apps'], ['apps/web'], ['./apps/web/overlays']])('`root: %s` is refused (exit 2)', async (root) => {
    const r = await check(`root: ${root}\n`);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('lies inside the layer folder apps/');
    expect(r.stderr).toContain('`root`');
  });

  it('the folder argument still narrows with the apps-layer rules on', async () => {
    writeFileSync(join(repo, 'kfm-gitops.yaml'), 'root: .\n');
    const r = await runCli(['check', 'apps', '--no-cache', '--format', 'json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('KFM-FK-001');
  });
});

describe('a config root above the desired-state root', () => {
  let repo = '';
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('is refused when a folder below holds the layers, and not for a lone nested apps/ folder', async () => {
    repo = mkdtempSync(join(tmpdir(), 'kfm-rootabove-'));
    const files: Record<string, string> = {
      'infra/gitops/apps/web/base/kustomization.yaml': 'resources:\n  - role.yaml\n',
      'infra/gitops/apps/web/base/role.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: web-reader\nrules: []\n',
      'infra/gitops/apps/web/overlays/dev/kustomization.yaml': 'namespace: kfm-dev\nresources:\n  - ../../base\n',
      'infra/gitops/core/quota/kustomization.yaml': 'resources: []\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, rel)), { recursive: true });
      writeFileSync(join(repo, rel), text);
    }
    execFileSync('git', ['init', '-q', repo]);
    const check = (config: string): ReturnType<typeof runCli> => {
      writeFileSync(join(repo, 'kfm-gitops.yaml'), config);
      return runCli(['check', '--no-cache', '--format', 'json'], { cwd: repo });
    };
    const above = await check('root: .\n');
    expect(above.code, above.stdout + above.stderr).toBe(2);
    expect(above.stderr).toContain('is above the desired-state root infra/gitops/ (it holds apps/, core/)');
    const right = await check('root: infra/gitops\n');
    expect(right.code, right.stderr).toBe(1);
    expect(right.stdout).toContain('KFM-FK-001');
    // tenants/a/apps: one layer-named folder deep in a layout of its own is no misplaced root.
    rmSync(join(repo, 'infra'), { recursive: true });
    mkdirSync(join(repo, 'tenants', 'a', 'apps', 'x'), { recursive: true });
    writeFileSync(join(repo, 'tenants', 'a', 'apps', 'x', 'kustomization.yaml'), 'resources: []\n');
    const lone = await check('root: .\n');
    expect(lone.stderr).not.toContain('desired-state root');
  });
});
