/** The checked root's place in the git work tree, which SARIF and GitHub annotation paths are prefixed with. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitUriPrefix } from '../../src/util/git.js';
import { normalizePrefix, repoRelativePath } from '../../src/report/location.js';
import { repoRoot } from '../helpers.js';

describe('uri prefix', () => {
  it('is the root folder inside the git work tree, and empty at the top level', async () => {
    expect(await gitUriPrefix(join(repoRoot, 'infra', 'gitops'))).toBe('infra/gitops/');
    expect(await gitUriPrefix(repoRoot)).toBe('');
  });

  it('is empty outside any git work tree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-nogit-'));
    try {
      expect(await gitUriPrefix(dir)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('joins prefix and report path into a normalised repository path', () => {
    expect(normalizePrefix('./infra/gitops')).toBe('infra/gitops/');
    expect(normalizePrefix('infra\\gitops\\')).toBe('infra/gitops/');
    expect(normalizePrefix('.')).toBe('');
    expect(repoRelativePath('apps/a.yaml', 'infra/gitops')).toBe('infra/gitops/apps/a.yaml');
    expect(repoRelativePath('../kfm-gitops.yaml', 'infra/gitops/')).toBe('infra/kfm-gitops.yaml');
    expect(repoRelativePath('../../../x.yaml', 'infra/gitops/')).toBeUndefined();
    expect(repoRelativePath('/abs/x.yaml', 'infra/gitops/')).toBeUndefined();
  });
});
