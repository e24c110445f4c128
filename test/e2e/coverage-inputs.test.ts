/**
 * Issue 14, the "Why" situations the other e2e files do not cover, on a temp Git copy of infra/gitops: a changed-only
 * run whose only change is a `replacements` source file; an aggregate overlay (`default` on ../prod and ../stage)
 * whose parts still render alone with their own env; a LoadBalancer in front of the database in a plain folder an
 * Application deploys. The unmodified copy passes (coverage.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { gitCopy, PROD_NAMESPACE, type Copy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number };

describe('issue 14 situations (e2e)', () => {
  let copy: Copy;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: copy.top, encoding: 'utf8' });
  beforeAll(() => {
    copy = gitCopy();
  });
  afterAll(() => copy.cleanup());

  it('selects the overlay in a changed-only run when only its replacements source file changed', async () => {
    const prod = join(copy.root, 'apps', 'kfm-api', 'overlays', 'prod');
    const kfile = join(prod, 'kustomization.yaml');
    const before = readFileSync(kfile, 'utf8');
    mkdirSync(join(prod, 'replacements'), { recursive: true });
    const replacement = join(prod, 'replacements', 'image.yaml');
    const targeting = (fieldPath: string): string =>
      [
        'source:',
        '  kind: ConfigMap',
        '  name: kfm-api-candidate',
        '  fieldPath: data.image',
        'targets:',
        '  - select:',
        '      kind: Deployment',
        '      name: kfm-api',
        '    fieldPaths:',
        `      - ${fieldPath}`,
        '    options:',
        '      create: true',
        '',
      ].join('\n');
    writeFileSync(replacement, targeting('metadata.annotations.[kfm.dev/image-candidate]'));
    writeFileSync(
      kfile,
      `${before.replace(
        'configMapGenerator:\n',
        'configMapGenerator:\n  - name: kfm-api-candidate\n    options:\n      disableNameSuffixHash: true\n    literals:\n      - image=quay.io/kfm/kfm-api-nightly:latest\n',
      )}\nreplacements:\n  - path: replacements/image.yaml\n`,
    );
    git('add', '-A');
    git('commit', '-qm', 'base');
    try {
      const clean = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD'], { cwd: copy.top });
      expect(clean.code).toBe(0);
      // Only the replacements file changes: it now writes the nightly `latest` image into the container.
      writeFileSync(replacement, targeting('spec.template.spec.containers.[name=api].image'));
      const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
        cwd: copy.top,
      });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      // kfm-api's prod overlay, and the unchanged overlays deploying to its namespace (select/siblings.ts).
      expect(report.overlays.map((o: { path: string }) => o.path)).toEqual(PROD_NAMESPACE);
      expect((report.findings as Found[]).map((f) => f.ruleId)).toContain('KFM-DP-001');
    } finally {
      writeFileSync(kfile, before);
      rmSync(join(prod, 'replacements'), { recursive: true });
      git('add', '-A');
      git('commit', '-qm', 'restore');
    }
  });

  it('renders prod and stage alone, each with its own env, when an aggregate default overlay includes both', async () => {
    const overlays = join(copy.root, 'apps', 'kfm-ui', 'overlays');
    const stageFile = join(overlays, 'stage', 'kustomization.yaml');
    const stage = readFileSync(stageFile, 'utf8');
    mkdirSync(join(overlays, 'default'), { recursive: true });
    writeFileSync(
      join(overlays, 'default', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../prod\n  - ../stage\n',
    );
    // A tag in stage: only stage's own render, under env stage, says so (inside `default` it is checked as default).
    writeFileSync(stageFile, stage.replace(/digest: sha256:[0-9a-f]+/, 'newTag: 1.9.0'));
    try {
      const r = await runCli(['check', copy.root, '--overlay', 'apps/kfm-ui/**', '--format', 'json']);
      const report = JSON.parse(r.stdout);
      const envs = Object.fromEntries((report.overlays as { path: string; env: string }[]).map((o) => [o.path, o.env]));
      expect(envs).toMatchObject({ 'apps/kfm-ui/overlays/prod': 'prod', 'apps/kfm-ui/overlays/stage': 'stage' });
      expect(r.code).toBe(1);
      expect(report.findings as Found[]).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-DP-003', file: 'apps/kfm-ui/overlays/stage/kustomization.yaml' }),
      );
    } finally {
      writeFileSync(stageFile, stage);
      rmSync(join(overlays, 'default'), { recursive: true });
    }
  });

  it('checks a plain folder an Application deploys: a LoadBalancer in front of the database fails', async () => {
    const plain = join(copy.root, 'extras', 'db-expose');
    mkdirSync(plain, { recursive: true });
    writeFileSync(
      join(plain, 'service.yaml'),
      readFileSync(join(copy.root, 'apps', 'postgis', 'base', 'service.yaml'), 'utf8')
        .replace('name: postgis\n', 'name: postgis-public\n  namespace: kfm-dev\n')
        .replace('type: ClusterIP', 'type: LoadBalancer'),
    );
    const controller = join(copy.root, 'core', 'gitops-controller');
    const kfile = join(controller, 'kustomization.yaml');
    const before = readFileSync(kfile, 'utf8');
    writeFileSync(
      join(controller, 'application-db-expose.yaml'),
      readFileSync(join(controller, 'application-kfm-bootstrap.yaml'), 'utf8')
        .replace('name: kfm-bootstrap', 'name: db-expose')
        .replace('infra/gitops/bootstrap/overlays/default', 'infra/gitops/extras/db-expose')
        .replace('namespace: openshift-gitops\n  syncPolicy', 'namespace: kfm-dev\n  syncPolicy'),
    );
    writeFileSync(
      kfile,
      before.replace(
        '  - application-kfm-bootstrap.yaml\n',
        '  - application-kfm-bootstrap.yaml\n  - application-db-expose.yaml\n',
      ),
    );
    try {
      const r = await runCli(['check', copy.root, '--format', 'json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).findings as Found[]).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-TM-002', file: 'extras/db-expose/service.yaml' }),
      );
    } finally {
      writeFileSync(kfile, before);
      rmSync(join(copy.root, 'extras'), { recursive: true });
      rmSync(join(controller, 'application-db-expose.yaml'));
    }
  });
});
