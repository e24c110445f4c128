/** argoSpecKey: what tells a rendered Application from the manifest file the view evaluated (argo/rendered.ts). */
import { describe, expect, it } from 'vitest';
import { argoSpecKey } from '../../src/argo/applications.js';
import { bomText } from '../../src/util/safe-read.js';

const app = (spec: unknown, name = 'a'): unknown => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, labels: { x: 'y' } },
  spec,
});

describe('argoSpecKey', () => {
  const spec = { project: 'p', source: { repoURL: 'u', path: 'apps/a', targetRevision: 'main' } };

  it('is the same whatever the key order, labels or namespace (kustomize changes those)', () => {
    const reordered = { source: { targetRevision: 'main', path: 'apps/a', repoURL: 'u' }, project: 'p' };
    const moved = { ...(app(reordered) as object), metadata: { name: 'a', namespace: 'elsewhere' } };
    expect(argoSpecKey(moved)).toBe(argoSpecKey(app(spec)));
  });

  it("counts an Application's name (Helm's release name) but not an ApplicationSet's", () => {
    expect(argoSpecKey(app(spec, 'evil-a'))).not.toBe(argoSpecKey(app(spec)));
    const set = (name: string): unknown => ({ ...(app(spec, name) as object), kind: 'ApplicationSet' });
    expect(argoSpecKey(set('prefix-a'))).toBe(argoSpecKey(set('a')));
  });

  it('differs when anything Argo CD deploys from changes', () => {
    const key = argoSpecKey(app(spec));
    expect(argoSpecKey(app({ ...spec, source: { ...spec.source, path: 'apps/b' } }))).not.toBe(key);
    expect(argoSpecKey(app({ ...spec, source: { ...spec.source, kustomize: { images: ['x:1'] } } }))).not.toBe(key);
    expect(argoSpecKey(app({ ...spec, source: { ...spec.source, directory: { recurse: 'true' } } }))).not.toBe(
      argoSpecKey(app({ ...spec, source: { ...spec.source, directory: { recurse: true } } })),
    );
    expect(argoSpecKey({ ...(app(spec) as object), kind: 'ApplicationSet' })).not.toBe(key);
  });

  it('is undefined for anything but an Argo CD Application or ApplicationSet', () => {
    expect(argoSpecKey({ apiVersion: 'v1', kind: 'Application', spec })).toBeUndefined();
    expect(argoSpecKey({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', spec })).toBeUndefined();
    expect(argoSpecKey('text')).toBeUndefined();
  });
});

describe('bomText', () => {
  it('decodes by the byte order mark and drops it, as Argo CD reads manifests', () => {
    const text = 'kind: RoleBinding\n';
    expect(bomText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toBe(text);
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(bomText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
    expect(bomText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(bomText(Buffer.from(text))).toBeUndefined();
  });
});
