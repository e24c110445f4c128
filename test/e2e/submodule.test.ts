/**
 * A git submodule under the root is content of another repository: Argo CD fetches submodules when it checks out a
 * revision (on by default) and deploys what they hold. A CI checkout without submodules has an empty folder there;
 * an Application (or a git directories generator) deploying it passed with nothing checked. A submodule folder that
 * is not checked out is now a guard finding at its path, like any other file nothing checks.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { addToController, CLUSTER_ADMIN_ROLEBINDING, gitCopy, type Copy } from './infra-copy.js';

const APP = [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata:',
  '  name: vendored',
  '  namespace: openshift-gitops',
  'spec:',
  '  project: kfm-apps',
  '  source:',
  '    repoURL: https://git.example.org/kfm/kfm.git',
  '    targetRevision: main',
  '    path: infra/gitops/apps/vendored',
  '  destination:',
  '    server: https://kubernetes.default.svc',
  '    namespace: kfm-prod',
  '',
].join('\n');

describe('a git submodule that is not checked out (e2e)', () => {
  let copy: Copy;
  beforeAll(() => {
    copy = gitCopy();
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', ...args], { cwd: copy.top, stdio: 'ignore' });
    };
    git('add', '-A');
    git('commit', '-qm', 'base');
    mkdirSync(join(copy.root, 'apps', 'vendored'));
    writeFileSync(
      join(copy.top, '.gitmodules'),
      '[submodule "vendored"]\n\tpath = infra/gitops/apps/vendored\n\turl = https://github.com/example/manifests.git\n',
    );
    git('update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},infra/gitops/apps/vendored`);
    addToController(copy.root, { 'application-vendored.yaml': APP });
    git('add', '-A');
    git('commit', '-qm', 'submodule');
  });
  afterAll(() => copy.cleanup());

  it('fails the run with a guard finding at the submodule folder', async () => {
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as { ruleId: string; file?: string; message: string }[];
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-021',
        file: 'apps/vendored',
        message: expect.stringMatching(/submodule/),
      }),
    );
    // The whole-run result cache answers the same (a warm run is no way around it).
    for (let i = 0; i < 2; i++) {
      const warm = await runCli(['check', '.', '--format', 'json'], { cwd: copy.root });
      expect(warm.code).toBe(1);
      expect(JSON.parse(warm.stdout).findings.map((f: { file?: string }) => f.file)).toContain('apps/vendored');
    }
  });

  it('checks a submodule that is checked out as the files it holds (no finding for the folder)', async () => {
    writeFileSync(join(copy.root, 'apps', 'vendored', 'rolebinding.yaml'), CLUSTER_ADMIN_ROLEBINDING);
    try {
      const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
      const findings = JSON.parse(r.stdout).findings as { ruleId: string; file?: string }[];
      expect(findings.filter((f) => f.file === 'apps/vendored')).toEqual([]);
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'apps/vendored/rolebinding.yaml' }),
      );
    } finally {
      rmSync(join(copy.root, 'apps', 'vendored', 'rolebinding.yaml'));
    }
  });
});
