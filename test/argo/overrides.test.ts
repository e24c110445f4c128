/**
 * source.kustomize overrides as Argo CD applies them (`kustomize edit set image` replaces the folder's own entry),
 * the wrapper kustomization that applies them, and the refusals: remote or escaping patch files and components,
 * fields that are not applied. The wrapper is rendered by the pinned kustomize, from a folder outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageArg, readKustomizeOverride, tagsFromManifests, wrapperImages } from '../../src/argo/overrides.js';
import { renderWithOverrides } from '../../src/render/argo-overrides.js';
import type { Overlay } from '../../src/types.js';
import { kustomizeBin, pinnedRenderer } from '../helpers.js';

describe('source.kustomize overrides', () => {
  it('parses the `kustomize edit set image` argument forms', () => {
    expect(parseImageArg('quay.io/kfm/kfm-api:latest')).toEqual({ name: 'quay.io/kfm/kfm-api', newTag: 'latest' });
    expect(parseImageArg('nginx@sha256:abc')).toEqual({ name: 'nginx', digest: 'sha256:abc' });
    expect(parseImageArg('nginx=ghcr.io/x/nginx:1.2')).toEqual({
      name: 'nginx',
      newName: 'ghcr.io/x/nginx',
      newTag: '1.2',
    });
    expect(parseImageArg('localhost:5000/app:1')).toEqual({ name: 'localhost:5000/app', newTag: '1' });
    expect(parseImageArg('nginx')).toBeUndefined(); // neither tag, digest nor new name: kustomize refuses it too
  });

  it('an image override replaces the folder entry: it matches what that entry produced and drops its digest', () => {
    const own = [{ name: 'kfm-api', newName: 'quay.io/kfm/kfm-api', digest: 'sha256:1' }];
    expect(wrapperImages([{ name: 'kfm-api', newTag: 'latest' }], own)).toEqual([
      { name: 'quay.io/kfm/kfm-api', newName: 'kfm-api', newTag: 'latest' },
    ]);
    // `*` keeps the replaced entry's field.
    expect(wrapperImages([{ name: 'kfm-api', newName: '*', newTag: '2.0' }], own)).toEqual([
      { name: 'quay.io/kfm/kfm-api', newName: 'quay.io/kfm/kfm-api', newTag: '2.0' },
    ]);
    expect(wrapperImages([{ name: 'redis', digest: 'sha256:2' }], own)).toEqual([
      { name: 'redis', newName: 'redis', digest: 'sha256:2' },
    ]);
  });

  it("names the overrides that leave a pinned entry without tag or digest (the manifests' own tag comes back)", () => {
    const own = [
      { name: 'kfm-api', digest: 'sha256:1' },
      { name: 'redis', newTag: '7.2' },
      { name: 'ui', newName: 'quay.io/kfm/ui' },
    ];
    const names = (o: Parameters<typeof tagsFromManifests>[0]): string[] =>
      tagsFromManifests(o, own).map((e) => e.name);
    // `kustomize edit set image kfm-api=evil/kfm-api` leaves {name, newName}: kustomize 5.7.1 drops the digest.
    expect(names([{ name: 'kfm-api', newName: 'evil/kfm-api' }])).toEqual(['kfm-api']);
    expect(names([{ name: 'kfm-api', newTag: '*' }])).toEqual(['kfm-api']); // `*` keeps a tag the entry lacks
    expect(names([{ name: 'redis', newName: 'evil/redis' }])).toEqual(['redis']);
    expect(names([{ name: 'redis', newName: 'evil/redis', newTag: '*' }])).toEqual([]); // keeps 7.2
    expect(names([{ name: 'kfm-api', newName: 'evil/kfm-api', digest: '*' }])).toEqual([]); // keeps the digest
    expect(
      names([
        { name: 'ui', newName: 'evil/ui' },
        { name: 'other', newName: 'x' },
      ]),
    ).toEqual([]); // no pin to lose
  });

  it('reads the overrides and names what it does not apply', () => {
    const r = readKustomizeOverride({
      path: 'x',
      kustomize: {
        images: ['a:1', 42],
        namePrefix: 'p-',
        replicas: [{ name: 'web', count: 'two' }],
        patches: [{ target: { kind: 'Service' } }],
        unknownThing: true,
        commonAnnotationsEnvsubst: true,
      },
    });
    expect(r.override?.images).toEqual([{ name: 'a', newTag: '1' }]);
    expect(r.override?.namePrefix).toBe('p-');
    expect(r.problems.map((p) => p.key).sort()).toEqual([
      'kustomize',
      'kustomize',
      'kustomize',
      'kustomize.images',
      'kustomize.patches',
    ]);
    expect(readKustomizeOverride({ path: 'x' })).toEqual({ problems: [] });
    expect(readKustomizeOverride({ path: 'x', kustomize: { version: 'v5' } })).toEqual({ problems: [] });
  });
});

describe.skipIf(!existsSync(kustomizeBin))('renderWithOverrides (pinned kustomize)', () => {
  let top: string;
  let root: string;
  let tmp: string;
  const overlay = (path: string): Overlay => ({
    path: `${path}@app`,
    absPath: '',
    env: 'prod',
    layer: 'apps',
    kustomizationFile: 'kustomization.yaml',
  });
  const options = () => ({ root, renderer: pinnedRenderer(), timeoutMs: 30_000, allowExec: false, helm: false });

  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'kfm-ovr-unit-'));
    root = join(top, 'repo');
    tmp = join(top, 'outside');
    mkdirSync(join(root, 'app'), { recursive: true });
    mkdirSync(join(root, 'comp'), { recursive: true });
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'secret-patch.yaml'), '- op: add\n  path: /metadata/labels/x\n  value: leaked\n');
    writeFileSync(
      join(root, 'app', 'kustomization.yaml'),
      'resources: [svc.yaml]\nimages:\n  - name: web\n    newName: quay.io/x/web\n    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n',
    );
    writeFileSync(
      join(root, 'app', 'svc.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n',
    );
    writeFileSync(join(root, 'app', 'patch.yaml'), '- op: add\n  path: /metadata/labels\n  value: {patched: "yes"}\n');
    writeFileSync(
      join(root, 'comp', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  from: component\n',
    );
    symlinkSync(join(tmp, 'secret-patch.yaml'), join(root, 'app', 'escape.yaml'));
    execFileSync(kustomizeBin, ['build', join(root, 'app')]); // the fixture itself renders
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('applies images, patch files (inlined), components, prefix and namespace from a folder outside the repo', async () => {
    const r = await renderWithOverrides(
      'app',
      {
        images: [{ name: 'web', newTag: 'latest' }],
        patches: [{ path: 'patch.yaml', target: { kind: 'Deployment' } }],
        components: ['../comp'],
        replicas: [{ name: 'web', count: 4 }],
        namePrefix: 'canary-',
        namespace: 'kfm-prod',
      },
      overlay('app'),
      options(),
    );
    expect(r.ok).toBe(true);
    const text = r.ok ? r.text : '';
    // edit set image replaced the folder's entry, its newName included: what Argo CD deploys is web:latest.
    expect(text).toContain('image: web:latest');
    expect(text).toContain('name: canary-web');
    expect(text).toContain('namespace: kfm-prod');
    expect(text).toContain('patched: "yes"');
    expect(text).toContain('from: component');
    expect(text).toContain('replicas: 4');
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('kfm-override-'))).toEqual([]);
  });

  it('refuses remote and escaping patch files and components (symlinks followed to where they point)', async () => {
    const base = { images: [], patches: [], components: [], replicas: [] };
    const run = (o: object) => renderWithOverrides('app', { ...base, ...o }, overlay('app'), options());
    expect(await run({ patches: [{ path: 'https://example.invalid/p.yaml' }] })).toMatchObject({
      ok: false,
      reason: 'remote',
    });
    expect(await run({ components: ['github.com/org/repo//comp?ref=main'] })).toMatchObject({
      ok: false,
      reason: 'remote',
    });
    expect(await run({ patches: [{ path: '../../outside/secret-patch.yaml' }] })).toMatchObject({
      ok: false,
      reason: 'outside-root',
    });
    expect(await run({ patches: [{ path: 'escape.yaml' }] })).toMatchObject({ ok: false, reason: 'outside-root' });
    expect(await run({ components: ['../../outside'] })).toMatchObject({ ok: false, reason: 'outside-root' });
    // A missing component fails the render, unless Argo CD is told to ignore it.
    expect(await run({ components: ['../nope'] })).toMatchObject({ ok: false, reason: 'render' });
    expect(await run({ components: ['../nope'], ignoreMissingComponents: true })).toMatchObject({ ok: true });
  });
});
