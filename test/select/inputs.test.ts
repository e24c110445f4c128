/** Issue 14 item 5: every file kustomize reads is an input of the overlay, wherever the kustomization names it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affects, overlayDeps } from '../../src/select/index.js';
import type { Overlay } from '../../src/types.js';

let root: string;
const write = (rel: string, text: string): void => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kfm-inputs-'));
  write(
    'apps/a/overlays/prod/kustomization.yaml',
    [
      'resources: [deploy.yaml]',
      'replacements:',
      '  - path: sources/replacement.yaml',
      'transformers:',
      '  - config/patch.yaml',
      'generators:',
      '  - config/gen.yaml',
      '',
    ].join('\n'),
  );
  write('apps/a/overlays/prod/deploy.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  write('apps/a/overlays/prod/sources/replacement.yaml', 'source: {kind: ConfigMap, name: a}\ntargets: []\n');
  write(
    'apps/a/overlays/prod/config/patch.yaml',
    'apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: patches/p.yaml\n',
  );
  write(
    'apps/a/overlays/prod/config/gen.yaml',
    'apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: g}\nfiles: [key=data/settings.txt]\nenvs: [data/env.txt]\n',
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('overlay inputs for changed-only runs', () => {
  it('include replacements sources and the files transformer/generator configs name', async () => {
    const overlay: Overlay = {
      path: 'apps/a/overlays/prod',
      absPath: join(root, 'apps/a/overlays/prod'),
      env: 'prod',
      layer: 'apps',
      kustomizationFile: 'kustomization.yaml',
    };
    const deps = await overlayDeps(root, overlay, { allowExec: false });
    for (const file of [
      'apps/a/overlays/prod/sources/replacement.yaml',
      'apps/a/overlays/prod/patches/p.yaml',
      'apps/a/overlays/prod/data/settings.txt',
      'apps/a/overlays/prod/data/env.txt',
    ])
      expect(affects(deps, file), file).toBe(true);
    expect(affects(deps, 'apps/a/overlays/other/x.yaml')).toBe(false);
  });
});
