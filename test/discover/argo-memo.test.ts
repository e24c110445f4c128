/**
 * The Argo CD view's memo (src/argo/view-memo.ts): a second read answers the same; an edited manifest is read anew;
 * a memo file a pull request plants or edits (it sits inside the repository) never changes the answer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readArgoView } from '../../src/argo/applications.js';

const root = mkdtempSync(join(tmpdir(), 'kfm-argo-memo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const app = (path: string, namespace: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: a
spec:
  destination:
    namespace: ${namespace}
  source:
    path: ${path}
`;

describe('Argo CD view memo', () => {
  it('reuses its answer, re-reads an edited manifest, and ignores a memo it did not seal', async () => {
    mkdirSync(join(root, 'bootstrap'));
    const manifest = join(root, 'bootstrap', 'app.yaml');
    writeFileSync(manifest, app('apps/a/overlays/prod', 'kfm-prod'));
    writeFileSync(join(root, 'plain.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    const cacheRoot = join(root, '.kfm-gitops', 'cache');
    const read = async () =>
      (await readArgoView(root, undefined, { cacheRoot })).deployments.map((d) => [
        d.sourcePath,
        d.namespace,
        d.file,
        d.line,
      ]);

    const fresh = await readArgoView(root);
    const first = await read();
    expect(first).toEqual(fresh.deployments.map((d) => [d.sourcePath, d.namespace, d.file, d.line]));
    expect(first).toEqual([['apps/a/overlays/prod', 'kfm-prod', 'bootstrap/app.yaml', 9]]);
    const memoFile = join(cacheRoot, 'argo', 'argo-view.sealed');
    // Sealed: the manifest's text is not kept in clear.
    expect(readFileSync(memoFile).includes('kfm-prod')).toBe(false);
    expect(await read()).toEqual(first);

    // Edited: the memo is keyed by the text, so the new destination is read.
    writeFileSync(manifest, app('apps/a/overlays/prod', 'kfm-stage'));
    expect(await read()).toEqual([['apps/a/overlays/prod', 'kfm-stage', 'bootstrap/app.yaml', 9]]);

    // Tampered (one byte flipped) or planted (plain JSON a pull request commits): neither opens.
    const sealed = readFileSync(memoFile);
    sealed[sealed.length - 1] ^= 0xff;
    writeFileSync(memoFile, sealed);
    expect(await read()).toEqual([['apps/a/overlays/prod', 'kfm-stage', 'bootstrap/app.yaml', 9]]);
    writeFileSync(memoFile, JSON.stringify({ code: 'x', entries: [] }));
    expect(await read()).toEqual([['apps/a/overlays/prod', 'kfm-stage', 'bootstrap/app.yaml', 9]]);
  });
});
