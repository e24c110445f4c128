/**
 * Which Argo CD Applications deploy from this repository depends on its name, the `origin` remote (argo/repo.ts):
 * an Application of "another repository" is not this run's to check. The whole-run result cache was keyed on the
 * files under the root only, so after the remote changed a warm run answered with the findings of the old name: a
 * cluster-admin RoleBinding that the Application now deploys from here passed as "another repository's".
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { CLUSTER_ADMIN_ROLEBINDING, application, freshGitCopy } from './infra-copy.js';

type Run = { code: number; ids: string[]; cached: boolean | undefined };

async function check(root: string, ...extra: string[]): Promise<Run> {
  const r = await runCli(['check', root, '--format', 'json', ...extra]);
  const report = JSON.parse(r.stdout) as { findings: { ruleId: string }[]; summary: { cachedResults?: boolean } };
  return { code: r.code, ids: report.findings.map((f) => f.ruleId).sort(), cached: report.summary.cachedResults };
}

describe('whole-run result cache and the repository name (e2e)', () => {
  const copy = freshGitCopy();

  it('runs the checks again when the origin remote changed, and reports what a run without cache reports', async () => {
    const git = (...args: string[]): void => void execFileSync('git', ['-C', copy.top, ...args]);
    mkdirSync(join(copy.root, 'extras', 'wide'), { recursive: true });
    writeFileSync(join(copy.root, 'extras', 'wide', 'rolebinding.yaml'), CLUSTER_ADMIN_ROLEBINDING);
    // An Application of the repository https://git.example.org/kfm/kfm.git deploying the folder.
    const controller = join(copy.root, 'core', 'gitops-controller');
    writeFileSync(join(controller, 'application-wide.yaml'), application('wide', 'infra/gitops/extras/wide'));
    const k = join(controller, 'kustomization.yaml');
    writeFileSync(
      k,
      readFileSync(k, 'utf8').replace(
        '  - application-kfm-bootstrap.yaml\n',
        '  - application-kfm-bootstrap.yaml\n  - application-wide.yaml\n',
      ),
    );

    git('remote', 'add', 'origin', 'https://git.example.org/other/repo.git');
    const other = await check(copy.root);
    expect(other.ids).not.toContain('KFM-RBAC-001'); // another repository's Application: not checked here
    expect((await check(copy.root)).cached).toBe(true);

    git('remote', 'set-url', 'origin', 'git@git.example.org:kfm/kfm.git');
    const ours = await check(copy.root);
    expect(ours.cached).toBeUndefined();
    expect(ours.ids).toContain('KFM-RBAC-001');
    expect(ours).toEqual({ ...(await check(copy.root, '--no-cache')), cached: undefined });
    expect(ours.code).toBe(1);
  }, 120_000);
});
