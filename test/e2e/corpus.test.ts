/** Smoke test on a repository nobody here wrote: ../shared/corpus (Argo CD example apps). */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, sharedDir } from '../helpers.js';

const corpus = join(sharedDir, 'corpus', 'argocd-example-apps');

describe.skipIf(!existsSync(corpus))('argocd-example-apps corpus (skipped: ../shared/corpus is absent)', () => {
  it('discovers and renders the kustomize apps and maps findings to their source files', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kfm-corpus-cache-'));
    const r = await runCli(['check', corpus, '--format', 'json', '--cache-dir', cacheDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    // kustomize-guestbook is used as a base by pre-post-sync, so it is rendered through it, not alone.
    // The plain folders (no Application in the repo says how they are deployed) are validated as the directory
    // sources Argo CD would make of them; sync-waves' generateName hook is accepted as the API server accepts it.
    expect(report.overlays.map((o: { path: string; status: string }) => [o.path, o.status])).toEqual([
      ['pre-post-sync', 'ok'],
      ['sock-shop', 'ok'],
      ['guestbook', 'ok'],
      ['sync-waves', 'ok'],
    ]);
    expect(report.summary.resources).toBeGreaterThan(30);
    // `alpine:latest` in a hook Job: reported at the line of the file that has it.
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-DP-002',
        file: 'pre-post-sync/post-sync-job.yaml',
        line: 13,
        path: 'spec.template.spec.containers[0].image',
      }),
    );
    // Every finding points into a file of the corpus, never at nothing.
    for (const f of report.findings) expect(existsSync(join(corpus, f.file)), f.file).toBe(true);
  });
});
