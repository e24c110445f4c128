/**
 * Argo CD's parameter override files (`.argocd-source.yaml`, `.argocd-source-<app>.yaml` in a source's folder), which
 * its repo server merges into the Application's source before rendering (src/argo/source-files.ts). Before, a file
 * committed beside the prod overlay that set `kustomize.images` to `:latest` deployed that image while the check
 * passed (exit 0). On a temp Git copy of infra/gitops: apps/kfm-api/overlays/prod is deployed by the ApplicationSet
 * tenants-kfm-prod as the Application kfm-api-prod.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergePatch } from '../../src/argo/source-files.js';
import { runCli } from '../helpers.js';
import { addToController, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };
const copy = freshGitCopy();
const PROD = 'apps/kfm-api/overlays/prod';

async function check(files: Record<string, string>): Promise<{ code: number; findings: Found[] }> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(copy.root, PROD, name), text);
  const r = await runCli(['check', copy.root, '--format', 'json', '--no-cache']);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Found[] }).findings };
}

describe('Argo CD parameter override files (e2e)', () => {
  it('applies .argocd-source.yaml: an image override to :latest fails on the file, at its images: line', async () => {
    const r = await check({ '.argocd-source.yaml': 'kustomize:\n  images:\n    - quay.io/kfm/kfm-api:latest\n' });
    expect(r.code).toBe(1);
    for (const ruleId of ['KFM-DP-001', 'KFM-DP-002'])
      expect(r.findings).toContainEqual(
        expect.objectContaining({ ruleId, file: `${PROD}/.argocd-source.yaml`, line: 2 }),
      );
  });

  it("applies the Application's own file after the shared one, its keys matched in any case as Go decodes them", async () => {
    const r = await check({
      '.argocd-source.yaml': 'kustomize:\n  namePrefix: x-\n',
      '.argocd-source-kfm-api-prod.yaml': 'kustomize:\n  Images:\n    - quay.io/kfm/kfm-api:1.9.0\n',
    });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-DP-001',
        file: `${PROD}/.argocd-source-kfm-api-prod.yaml`,
        line: 2,
        message: expect.stringContaining('Deployment x-kfm-api'),
      }),
    );
  });

  it("leaves another Application's file unread and passes", async () => {
    const r = await check({
      '.argocd-source-kfm-api-dev.yaml': 'kustomize:\n  images:\n    - quay.io/kfm/kfm-api:latest\n',
    });
    expect(r.findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('reports what it cannot merge exactly: a plugin, two spellings of one field, an instance-name file', async () => {
    const plugin = await check({ '.argocd-source.yaml': 'plugin:\n  name: render\n' });
    expect(plugin.code).toBe(1);
    expect(plugin.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RENDER-024', file: `${PROD}/.argocd-source.yaml` }),
    );
    const clash = await check({
      '.argocd-source.yaml': 'kustomize:\n  namePrefix: x-\nKustomize:\n  images: [quay.io/kfm/kfm-api:latest]\n',
    });
    expect(clash.code).toBe(1);
    expect(clash.findings).toEqual([
      expect.objectContaining({
        ruleId: 'KFM-RENDER-024',
        file: `${PROD}/.argocd-source.yaml`,
        message: expect.stringContaining('the key Kustomize'),
      }),
    ]);
    writeFileSync(join(copy.root, PROD, '.argocd-source.yaml'), '');
    const instance = await check({ '.argocd-source-team_kfm-api-prod.yaml': 'kustomize:\n  namePrefix: x-\n' });
    expect(instance.code).toBe(1);
    expect(instance.findings).toEqual([
      expect.objectContaining({ ruleId: 'KFM-RENDER-024', file: `${PROD}/.argocd-source-team_kfm-api-prod.yaml` }),
    ]);
  });
});

describe('Argo CD parameter override files of generated Applications (e2e)', () => {
  it('reports a per-application file when the generated name is a template expression not evaluated', async () => {
    addToController(copy.root, {
      'applicationset-lower.yaml': [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: ApplicationSet',
        'metadata: {name: lower, namespace: openshift-gitops}',
        'spec:',
        '  goTemplate: true',
        '  generators:',
        '    - list: {elements: [{app: KFM-API}]}',
        '  template:',
        "    metadata: {name: '{{ .app | lower }}'}",
        '    spec:',
        '      project: kfm-apps',
        '      source: {repoURL: https://git.example.org/kfm/kfm.git, targetRevision: main, path: infra/gitops/apps/kfm-api/overlays/prod}',
        '      destination: {server: https://kubernetes.default.svc, namespace: kfm-prod}',
        '',
      ].join('\n'),
    });
    // Argo CD names it kfm-api and reads this file; read as `{{ .app | lower }}`, it was passed over (exit 0).
    const r = await check({
      '.argocd-source-kfm-api.yaml': 'kustomize:\n  images:\n    - quay.io/kfm/kfm-api:latest\n',
    });
    expect(r.code).toBe(1);
    expect(r.findings).toEqual([
      expect.objectContaining({ ruleId: 'KFM-RENDER-024', file: `${PROD}/.argocd-source-kfm-api.yaml` }),
    ]);
  });
});

describe('mergePatch (RFC 7396, as Argo CD merges the files)', () => {
  it('merges maps, replaces lists and scalars, and deletes on null', () => {
    expect(
      mergePatch(
        { path: 'a', kustomize: { images: ['x:1'], namePrefix: 'p-' }, helm: { values: 'v' } },
        { kustomize: { images: ['y:2'], namePrefix: null }, helm: null, directory: { recurse: true } },
      ),
    ).toEqual({ path: 'a', kustomize: { images: ['y:2'] }, directory: { recurse: true } });
  });
});
