import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { overlayForSource, readArgoView } from '../../src/argo/applications.js';
import { normalizeOverlayGlob } from '../../src/discover/index.js';
import { envInName, placeEnv } from '../../src/discover/env.js';

describe('env from evidence', () => {
  it('reads an env from a namespace or folder name only when exactly one env is named', () => {
    expect(envInName('kfm-prod', ['dev', 'stage', 'prod'])).toBe('prod');
    expect(envInName('prod-eu', ['dev', 'stage', 'prod'])).toBe('prod');
    expect(envInName('production', ['dev', 'stage', 'prod'])).toBeUndefined();
    expect(envInName('dev-to-prod', ['dev', 'stage', 'prod'])).toBeUndefined();
  });

  it('prefers Argo CD, then config, then the kustomization namespace, then the folder; the strictest Argo env wins', () => {
    const order = ['dev', 'stage', 'prod'];
    expect(placeEnv({ argoNamespaces: ['kfm-dev', 'kfm-prod'], configEnv: 'dev', folder: 'dev' }, order)).toEqual({
      env: 'prod',
      source: 'argo',
    });
    expect(placeEnv({ argoNamespaces: ['openshift-gitops'], configEnv: 'stage', folder: 'x' }, order).env).toBe(
      'stage',
    );
    expect(placeEnv({ argoNamespaces: [], kustomizationNamespace: 'kfm-prod', folder: 'dev' }, order).env).toBe('prod');
    expect(placeEnv({ argoNamespaces: [], folder: 'hotfix' }, order)).toEqual({ env: 'hotfix' });
  });

  it('normalises --overlay paths typed from the repo top or with ./', () => {
    expect(normalizeOverlayGlob('./apps/x/', ['infra/gitops'])).toBe('apps/x');
    expect(normalizeOverlayGlob('infra/gitops/apps/**', ['infra/gitops'])).toBe('apps/**');
    expect(normalizeOverlayGlob('apps/x', ['infra/gitops'])).toBe('apps/x');
  });
});

describe('Argo CD view', () => {
  it('evaluates list, matrix and merge generators and reports the others as not evaluable', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-argo-'));
    try {
      writeFileSync(
        join(root, 'appsets.yaml'),
        `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: matrix}
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - list: {elements: [{app: a}, {app: b}]}
          - list: {elements: [{env: prod, ns: kfm-prod}]}
    - clusters: {}
  template:
    metadata: {name: "{{ .app }}"}
    spec:
      source: {repoURL: x, path: "infra/gitops/apps/{{ .app }}/overlays/{{ .env }}"}
      destination: {namespace: "{{ .ns }}"}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: plain}
spec:
  sources:
    - {repoURL: x, path: guestbook}
  destination: {namespace: guests}
`,
      );
      const view = await readArgoView(root);
      expect(view.deployments.map((d) => [d.sourcePath, d.namespace, d.line])).toEqual([
        ['infra/gitops/apps/a/overlays/prod', 'kfm-prod', 15],
        ['infra/gitops/apps/b/overlays/prod', 'kfm-prod', 15],
        ['guestbook', 'guests', 23],
      ]);
      expect(view.unevaluable).toEqual([expect.objectContaining({ generator: 'clusters', line: 11 })]);
      expect(overlayForSource('infra/gitops/apps/a/overlays/prod', ['apps/a/overlays/prod', 'prod'])).toBe(
        'apps/a/overlays/prod',
      );
      expect(overlayForSource('elsewhere/apps/a/overlays/prod2', ['apps/a/overlays/prod'])).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
