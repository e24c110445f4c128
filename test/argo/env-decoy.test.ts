/**
 * The env an Application gives an overlay comes from the folder it really deploys: in a Git work tree a decoy path
 * that merely ends like an overlay (`decoy/apps/a/overlays/prod-eu`, to kfm-dev) must not turn prod's rules off.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverOverlays } from '../../src/discover/index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const application = (path: string, namespace: string): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Application',
    'metadata:',
    '  name: decoy',
    'spec:',
    '  project: kfm-apps',
    '  source:',
    '    repoURL: https://git.example.org/kfm/kfm.git',
    `    path: ${path}`,
    '  destination:',
    '    server: https://kubernetes.default.svc',
    `    namespace: ${namespace}`,
    '',
  ].join('\n');

function repo(files: Record<string, string>, git: boolean): string {
  dir = mkdtempSync(join(tmpdir(), 'kfm-decoy-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  if (git) execFileSync('git', ['init', '-q', dir]);
  return dir;
}

const layout = (appPath: string): Record<string, string> => ({
  'apps/a/base/kustomization.yaml': 'resources: []\n',
  'apps/a/overlays/prod-eu/kustomization.yaml': 'namespace: kfm-prod\nresources:\n  - ../../base\n',
  'core/argo/app.yaml': application(appPath, 'kfm-dev'),
});

describe('env from the Application that deploys an overlay', () => {
  it('ignores a decoy path that only ends like the overlay when the root is placed in Git', async () => {
    const root = repo(layout('decoy/apps/a/overlays/prod-eu'), true);
    const found = await discoverOverlays(root, {});
    expect(found.all.find((o) => o.path === 'apps/a/overlays/prod-eu')?.env).toBe('prod');
  });

  it('takes the env from the Application whose path is exactly the overlay', async () => {
    const root = repo(layout('apps/a/overlays/prod-eu'), true);
    const found = await discoverOverlays(root, {});
    expect(found.all.find((o) => o.path === 'apps/a/overlays/prod-eu')?.env).toBe('dev');
  });
});
