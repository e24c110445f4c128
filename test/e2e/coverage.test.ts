/**
 * Issue 14, "nothing checked, green anyway" and "the root decides the layer": each situation on a temp copy of
 * infra/gitops, through the built CLI with the real kustomize. The unmodified copy passes.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { gitCopy, PROD_NAMESPACE, type Copy } from './infra-copy.js';

function findings(stdout: string): { ruleId: string; file?: string; line?: number; message: string }[] {
  return JSON.parse(stdout).findings;
}

describe('coverage is a result (e2e)', () => {
  let copy: Copy;
  beforeAll(() => {
    copy = gitCopy();
  });
  afterAll(() => copy.cleanup());

  it('passes the unmodified copy, from the repo top and from inside the root', async () => {
    const fromTop = await runCli(['check', 'infra/gitops', '--format', 'json'], { cwd: copy.top });
    expect(fromTop.stderr).toBe('');
    expect(fromTop.code).toBe(0);
    expect(JSON.parse(fromTop.stdout).summary.overlays).toBe(15);
  });

  it.each([
    [['--env', 'production'], '--env production matches no overlay'],
    [['--overlay', 'apps/kfm-api/overlay/prod'], 'nearest overlays: apps/kfm-api/overlays/prod'],
  ])('exits 2 when %j selects nothing, naming the filter', async (flags, says) => {
    const r = await runCli(['check', copy.root, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(says);
  });

  it('accepts --overlay paths from the repo top and with ./', async () => {
    const fromTop = await runCli(
      ['check', 'infra/gitops', '--overlay', 'infra/gitops/apps/kfm-api/overlays/prod', '--format', 'json'],
      { cwd: copy.top },
    );
    expect(fromTop.code).toBe(0);
    expect(JSON.parse(fromTop.stdout).overlays.map((o: { path: string }) => o.path)).toEqual([
      'apps/kfm-api/overlays/prod',
    ]);
    const dotted = await runCli(['check', '.', '--overlay', './apps/kfm-ui/overlays/dev/', '--format', 'json'], {
      cwd: copy.root,
    });
    expect(dotted.code).toBe(0);
    expect(JSON.parse(dotted.stdout).summary.overlays).toBe(1);
  });

  it('exits 2 when discovery.exclude leaves nothing, and 1 with a guard when the root holds no overlay', async () => {
    const cfg = join(copy.top, 'exclude-all.yaml');
    writeFileSync(cfg, 'root: infra/gitops\ndiscovery:\n  exclude: ["**"]\n');
    const excluded = await runCli(['check', '-c', cfg], { cwd: copy.top });
    expect(excluded.code).toBe(2);
    expect(excluded.stderr).toContain('discovery.exclude');

    mkdirSync(join(copy.top, 'docs'), { recursive: true });
    writeFileSync(join(copy.top, 'docs', 'notes.md'), '# notes\n');
    const empty = join(copy.top, 'empty-root.yaml');
    writeFileSync(empty, 'root: docs\n');
    const r = await runCli(['check', '-c', empty, '--format', 'json'], { cwd: copy.top });
    expect(r.code).toBe(1);
    expect(findings(r.stdout).map((f) => f.ruleId)).toContain('KFM-RENDER-020');
  });

  it('finds the repo config from a subfolder (searched upward to the Git top)', async () => {
    const cfg = join(copy.top, 'kfm-gitops.yaml');
    writeFileSync(cfg, 'root: infra/gitops\ndiscovery:\n  exclude: ["apps/**", "core/**", "bootstrap/**"]\n');
    try {
      const r = await runCli(['check', '.'], { cwd: join(copy.root, 'apps', 'kfm-api') });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('discovery.exclude');
    } finally {
      rmSync(cfg);
    }
  });

  it('names a manifest no overlay renders (a cluster-admin binding in a stray folder), unless excluded with a reason', async () => {
    const stray = join(copy.root, 'apps', 'kfm-api', 'extra');
    mkdirSync(stray, { recursive: true });
    writeFileSync(
      join(stray, 'admin.yaml'),
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRoleBinding',
        'metadata:',
        '  name: everyone-admin',
        'roleRef:',
        '  apiGroup: rbac.authorization.k8s.io',
        '  kind: ClusterRole',
        '  name: cluster-admin',
        'subjects:',
        '  - kind: Group',
        '    apiGroup: rbac.authorization.k8s.io',
        '    name: system:authenticated',
        '',
      ].join('\n'),
    );
    try {
      const r = await runCli(['check', copy.root, '--format', 'json']);
      expect(r.code).toBe(1);
      expect(findings(r.stdout)).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RENDER-021', file: 'apps/kfm-api/extra/admin.yaml', line: 1 }),
      );
      const cfg = join(copy.root, 'kfm-gitops.yaml');
      writeFileSync(
        cfg,
        'coverage:\n  exclude:\n    - path: apps/*/extra/**\n      reason: scratch files, never synced\n',
      );
      try {
        const excused = await runCli(['check', copy.root]);
        expect(excused.code).toBe(0);
      } finally {
        rmSync(cfg);
      }
    } finally {
      rmSync(stray, { recursive: true });
    }
  });

  it('keeps the apps-layer rules on when checking a subfolder (check apps)', async () => {
    const base = join(copy.root, 'apps', 'kfm-ui', 'base');
    const kfile = join(base, 'kustomization.yaml');
    const before = readFileSync(kfile, 'utf8');
    writeFileSync(
      join(base, 'clusterrole.yaml'),
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: kfm-ui-reader\nrules: []\n',
    );
    writeFileSync(kfile, before.replace(/resources:\n/, 'resources:\n  - clusterrole.yaml\n'));
    try {
      for (const arg of ['apps', 'apps/kfm-ui']) {
        const r = await runCli(['check', arg, '--format', 'json'], { cwd: copy.root });
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout);
        expect(report.overlays.every((o: { layer: string }) => o.layer === 'apps')).toBe(true);
        expect(findings(r.stdout).map((f) => f.ruleId)).toContain('KFM-FK-001');
      }
    } finally {
      writeFileSync(kfile, before);
      rmSync(join(base, 'clusterrole.yaml'));
    }
  });

  it.each(['prod-eu', 'production', 'prd'])(
    'needs digests in an overlay named %s deploying to kfm-prod',
    async (name) => {
      const overlays = join(copy.root, 'apps', 'kfm-api', 'overlays');
      const dir = join(overlays, name);
      cpSync(join(overlays, 'prod'), dir, { recursive: true });
      const kfile = join(dir, 'kustomization.yaml');
      writeFileSync(kfile, readFileSync(kfile, 'utf8').replace(/digest: sha256:[0-9a-f]+/, 'newTag: 1.9.0'));
      try {
        const r = await runCli(['check', copy.root, '--overlay', `apps/kfm-api/overlays/${name}`, '--format', 'json']);
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout);
        expect(report.overlays[0]).toMatchObject({ path: `apps/kfm-api/overlays/${name}`, env: 'prod' });
        expect(findings(r.stdout)).toContainEqual(
          expect.objectContaining({ ruleId: 'KFM-DP-003', file: `apps/kfm-api/overlays/${name}/kustomization.yaml` }),
        );
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
  );

  it('takes the env from the ApplicationSet that deploys the overlay, and names an overlay no evidence places', async () => {
    const overlays = join(copy.root, 'apps', 'kfm-api', 'overlays');
    const dir = join(overlays, 'hotfix');
    cpSync(join(overlays, 'prod'), dir, { recursive: true });
    const kfile = join(dir, 'kustomization.yaml');
    writeFileSync(
      kfile,
      readFileSync(kfile, 'utf8')
        .replace('namespace: kfm-prod', 'namespace: kfm-hotfix')
        .replace(/digest: sha256:[0-9a-f]+/, 'newTag: 1.9.0'),
    );
    const appset = join(copy.root, 'components', 'applicationsets', 'tenants-kfm-prod.yaml');
    const before = readFileSync(appset, 'utf8');
    try {
      const unplaced = await runCli(['check', copy.root, '--format', 'json']);
      expect(unplaced.code).toBe(1);
      expect(findings(unplaced.stdout)).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RENDER-022', file: 'apps/kfm-api/overlays/hotfix/kustomization.yaml' }),
      );
      writeFileSync(
        appset,
        before.replace(
          '        elements:\n',
          '        elements:\n          - app: kfm-api\n            env: hotfix\n            namespace: kfm-prod\n',
        ),
      );
      const placed = await runCli([
        'check',
        copy.root,
        '--overlay',
        'apps/kfm-api/overlays/hotfix',
        '--format',
        'json',
      ]);
      expect(placed.code).toBe(1);
      expect(JSON.parse(placed.stdout).overlays[0].env).toBe('prod');
      expect(findings(placed.stdout).map((f) => f.ruleId)).toContain('KFM-DP-003');
      expect(findings(placed.stdout).map((f) => f.ruleId)).not.toContain('KFM-RENDER-022');
    } finally {
      writeFileSync(appset, before);
      rmSync(dir, { recursive: true });
    }
  });

  it('renders a folder under overlays/ on its own, with its own env, even when another overlay builds on it', async () => {
    const overlays = join(copy.root, 'apps', 'kfm-api', 'overlays');
    const stageFile = join(overlays, 'stage', 'kustomization.yaml');
    const prodFile = join(overlays, 'prod', 'kustomization.yaml');
    const [stage, prod] = [readFileSync(stageFile, 'utf8'), readFileSync(prodFile, 'utf8')];
    const digest = /digest: (sha256:[0-9a-f]+)/.exec(prod)![1];
    writeFileSync(stageFile, stage.replace(/digest: sha256:[0-9a-f]+/, 'newTag: 1.9.0'));
    writeFileSync(
      prodFile,
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: kfm-prod',
        'resources:',
        '  - ../stage',
        'images:',
        '  - name: quay.io/kfm/kfm-api',
        `    digest: ${digest}`,
        '',
      ].join('\n'),
    );
    try {
      const r = await runCli(['check', copy.root, '--overlay', 'apps/kfm-api/**', '--format', 'json']);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.overlays).toContainEqual(
        expect.objectContaining({ path: 'apps/kfm-api/overlays/stage', env: 'stage', status: 'ok' }),
      );
      expect(findings(r.stdout)).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-DP-003', file: 'apps/kfm-api/overlays/stage/kustomization.yaml' }),
      );
    } finally {
      writeFileSync(stageFile, stage);
      writeFileSync(prodFile, prod);
    }
  });

  it('selects the overlay in a changed-only run when only a file a PatchTransformer config names changed', async () => {
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: copy.top, encoding: 'utf8' });
    const prod = join(copy.root, 'apps', 'kfm-api', 'overlays', 'prod');
    mkdirSync(join(prod, 'transformers'), { recursive: true });
    mkdirSync(join(prod, 'patches'), { recursive: true });
    writeFileSync(
      join(prod, 'transformers', 'patch.yaml'),
      'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: api-patch\npath: patches/api.yaml\n',
    );
    const patch = join(prod, 'patches', 'api.yaml');
    writeFileSync(
      patch,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kfm-api\n  annotations:\n    kfm.dev/note: ok\n',
    );
    const kfile = join(prod, 'kustomization.yaml');
    const before = readFileSync(kfile, 'utf8');
    writeFileSync(kfile, `${before}\ntransformers:\n  - transformers/patch.yaml\n`);
    git('add', '-A');
    git('commit', '-qm', 'base');
    try {
      const clean = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD'], { cwd: copy.top });
      expect(clean.code).toBe(0);
      writeFileSync(
        patch,
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kfm-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: kfm-api\n          image: quay.io/kfm/kfm-api:latest\n',
      );
      const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
        cwd: copy.top,
      });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      // kfm-api's prod overlay, and the unchanged overlays deploying to its namespace (select/siblings.ts).
      expect(report.overlays.map((o: { path: string }) => o.path)).toEqual(PROD_NAMESPACE);
      expect(findings(r.stdout).map((f) => f.ruleId)).toContain('KFM-DP-001');
    } finally {
      writeFileSync(kfile, before);
      rmSync(join(prod, 'transformers'), { recursive: true });
      rmSync(join(prod, 'patches'), { recursive: true });
      git('add', '-A');
      git('commit', '-qm', 'restore');
    }
  });
});
