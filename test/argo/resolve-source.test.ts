/** Where an Argo CD source path of this repository lies (src/argo/directory.ts resolveSource). */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSource } from '../../src/argo/directory.js';

const top = mkdtempSync(join(tmpdir(), 'kfm-resolve-'));
const root = join(top, 'infra', 'gitops');
mkdirSync(join(root, 'apps', 'ui', 'base'), { recursive: true });
mkdirSync(join(root, 'apps', 'ui', 'overlays', 'prod'), { recursive: true });
afterAll(() => rmSync(top, { recursive: true, force: true }));

describe('resolveSource', () => {
  it('cleans `..` as Argo CD does: a path that stays in the repository names the folder it reaches', () => {
    const known = { keys: new Set<string>(), prefix: 'infra/gitops', top };
    const unknown = { keys: new Set<string>() };
    for (const identity of [known, unknown])
      expect(resolveSource(root, identity, 'infra/gitops/apps/ui/overlays/prod/../../base')).toEqual({
        dir: 'apps/ui/base',
      });
    expect(resolveSource(root, known, './infra/gitops/apps/ui/./base/')).toEqual({ dir: 'apps/ui/base' });
    // Leaving the repository: Argo CD refuses it.
    expect(resolveSource(root, known, '../elsewhere')).toEqual({ missing: true });
    expect(resolveSource(root, known, 'infra/../../x')).toEqual({ missing: true });
  });
});
