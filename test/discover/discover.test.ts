import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverOverlays } from '../../src/discover/index.js';
import { isRemoteRef, walkOverlay } from '../../src/discover/kustomization.js';
import { fixtures, repoRoot } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');

describe('discoverOverlays', () => {
  it('finds every overlay of infra/gitops by convention, with env, layer and app', async () => {
    const { overlays, bases } = await discoverOverlays(infra, {});
    const paths = overlays.map((o) => o.path);
    expect(paths.length).toBeGreaterThanOrEqual(10);
    expect(paths).toContain('apps/kfm-api/overlays/prod');
    expect(paths).toContain('bootstrap/overlays/default');
    expect(paths.some((p) => p.startsWith('core/'))).toBe(true);
    // Bases and components are never rendered alone.
    expect(paths).not.toContain('apps/kfm-api/base');
    expect(paths.some((p) => p.startsWith('components/'))).toBe(false);
    expect(bases).toContain('apps/kfm-api/base');
    const prod = overlays.find((o) => o.path === 'apps/kfm-api/overlays/prod')!;
    expect(prod).toMatchObject({ env: 'prod', layer: 'apps', app: 'kfm-api', kustomizationFile: 'kustomization.yaml' });
  });

  it('filters by overlay glob and env list', async () => {
    const byEnv = await discoverOverlays(infra, {}, { envs: ['stage', 'prod'] });
    expect(byEnv.overlays.length).toBeGreaterThan(0);
    expect(byEnv.overlays.every((o) => ['stage', 'prod'].includes(o.env))).toBe(true);
    const byGlob = await discoverOverlays(infra, {}, { overlayGlobs: ['apps/kfm-api/**'] });
    expect(byGlob.overlays.map((o) => o.env).sort()).toEqual(['dev', 'prod', 'stage']);
  });

  it('lets the config include, exclude and reclassify overlays', async () => {
    const { overlays } = await discoverOverlays(infra, {
      discovery: { exclude: ['core/**'], overlays: [{ path: 'bootstrap/overlays/default', env: 'prod' }] },
    });
    expect(overlays.some((o) => o.layer === 'core')).toBe(false);
    expect(overlays.find((o) => o.path === 'bootstrap/overlays/default')?.env).toBe('prod');
  });
});

describe('walkOverlay', () => {
  const mixed = join(fixtures, 'render', 'mixed');

  it('refuses a remote base with the file and line, without touching the network', async () => {
    const walk = await walkOverlay(mixed, join(mixed, 'apps/remote/overlays/dev'), { allowExec: false });
    expect(walk.issues).toEqual([
      expect.objectContaining({ kind: 'remote', file: 'apps/remote/overlays/dev/kustomization.yaml', line: 6 }),
    ]);
  });

  it('collects every input file of an overlay, transitively', async () => {
    const walk = await walkOverlay(mixed, join(mixed, 'apps/good/overlays/dev'), { allowExec: false });
    expect(walk.issues).toEqual([]);
    expect(walk.inputs).toEqual([
      'apps/good/base/configmap.yaml',
      'apps/good/base/kustomization.yaml',
      'apps/good/overlays/dev/kustomization.yaml',
    ]);
  });

  it('recognises the remote reference forms kustomize accepts', () => {
    for (const ref of [
      'https://github.com/org/repo//base?ref=v1',
      'github.com/org/repo/base?ref=main',
      'git@github.com:org/repo.git//base',
      'ssh://git@example.org/repo.git',
      'gitlab.com/group/project//deploy',
      'git::https://example.org/x.git',
      'GIT::HTTPS://example.org/x.git',
      'deploy@host.example:org/repo//path',
      'github.com:org/repo//path',
      'GitHub.com/org/repo',
      'file:///srv/repo.git',
      'https:/host/x.yaml',
      'dev.azure.com/org/project/_git/repo',
      'host.example:2222/org/repo',
    ]) {
      expect(isRemoteRef(ref), ref).toBe(true);
    }
    for (const ref of ['../../base', 'deployment.yaml', './patches/replicas.yaml', 'base', 'config.map.yaml']) {
      expect(isRemoteRef(ref), ref).toBe(false);
    }
  });
});
