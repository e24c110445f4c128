/** Which unchanged overlays a changed-only run checks beside the changed ones (src/select/siblings.ts). */
import { describe, expect, it } from 'vitest';
import { namespaceSiblings, overlayNamespace } from '../../src/select/siblings.js';
import type { Overlay } from '../../src/types.js';

const overlay = (path: string, env: string): Overlay => ({
  path,
  absPath: `/r/${path}`,
  env,
  layer: 'apps',
  kustomizationFile: 'kustomization.yaml',
});

describe('namespaceSiblings', () => {
  const ui = overlay('apps/ui/overlays/prod', 'prod');
  const db = overlay('apps/db/overlays/prod', 'prod');
  const other = overlay('apps/other/overlays/prod', 'prod');
  const devDb = overlay('apps/db/overlays/dev', 'dev');
  const loose = overlay('extras/loose', 'prod');
  const all = [ui, db, other, devDb, loose];
  const kustomization = new Map([
    [ui.path, 'kfm-prod'],
    [db.path, 'kfm-prod'],
    [other.path, 'team-b'],
    [devDb.path, 'kfm-dev'],
  ]);

  it('adds the overlays of the same env deploying to the same namespace, and those that may deploy anywhere', () => {
    const of = overlayNamespace(kustomization, new Map(), ['dev', 'stage', 'prod']);
    expect(namespaceSiblings([ui], all, of).map((o) => o.path)).toEqual([db.path, loose.path]);
  });

  it('takes the Argo CD destination for an overlay whose kustomization sets no namespace', () => {
    const of = overlayNamespace(kustomization, new Map([[loose.path, ['team-b']]]), ['dev', 'stage', 'prod']);
    expect(namespaceSiblings([ui], all, of).map((o) => o.path)).toEqual([db.path]);
    expect(namespaceSiblings([loose], all, of).map((o) => o.path)).toEqual([other.path]);
  });

  it('a selected overlay that may deploy anywhere brings every overlay of its env', () => {
    const of = overlayNamespace(kustomization, new Map(), ['dev', 'stage', 'prod']);
    expect(namespaceSiblings([loose], all, of).map((o) => o.path)).toEqual([ui.path, db.path, other.path]);
  });
});
