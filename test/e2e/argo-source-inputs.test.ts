/**
 * Files an Argo CD source reads from outside its folder: Helm `valueFiles` and `source.kustomize.patches[].path`. They
 * are inputs of the source's render: a full run counts them as checked (they were KFM-RENDER-021, "nothing checks
 * it", whose fix invites an exclusion), and a changed-only run that changes only one of them renders the source again
 * (it was skipped: a value naming cluster-admin, or a patch making the database a LoadBalancer, passed with exit 0).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { addToController, application, CLUSTER_ADMIN_ROLEBINDING, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };
const copy = freshGitCopy();

function write(rel: string, text: string): void {
  mkdirSync(dirname(join(copy.root, rel)), { recursive: true });
  writeFileSync(join(copy.root, rel), text);
}

function commit(message: string): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '-A'], { cwd: copy.top });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', message], { cwd: copy.top });
}

async function check(...extra: string[]): Promise<{ code: number; findings: Found[] }> {
  const r = await runCli(['check', copy.root, '--format', 'json', '--no-cache', ...extra]);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Found[] }).findings };
}

/** A RoleBinding whose ClusterRole is the chart's `role` value. */
const ROLEBINDING = CLUSTER_ADMIN_ROLEBINDING.replace('name: cluster-admin', 'name: {{ .Values.role }}');

describe('files an Argo CD source reads from outside its folder (e2e)', () => {
  it('a Helm value file outside the chart is checked through the chart, in a changed-only run too', async () => {
    write('charts/reader/Chart.yaml', 'apiVersion: v2\nname: reader\nversion: 0.1.0\n');
    write('charts/reader/templates/rolebinding.yaml', ROLEBINDING);
    write('values/reader.yaml', 'role: view\n');
    addToController(copy.root, {
      'application-reader.yaml': application(
        'reader',
        'infra/gitops/charts/reader',
        ['    helm:', '      valueFiles:', '        - ../../values/reader.yaml'].join('\n'),
      ),
    });
    const before = await check();
    expect(before.findings).toEqual([]);
    expect(before.code).toBe(0);
    commit('base');
    write('values/reader.yaml', 'role: cluster-admin\n');
    commit('admin');
    const after = await check('--changed-since', 'HEAD~1');
    expect(after.code).toBe(1);
    expect(after.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'core/gitops-controller/application-reader.yaml' }),
    );
  });

  it('an override patch file outside the folder is checked through the override, in a changed-only run too', async () => {
    const patch = (type: string): string =>
      ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: postgis', 'spec:', `  type: ${type}`, ''].join('\n');
    write('patches/postgis.yaml', patch('ClusterIP'));
    addToController(copy.root, {
      'application-postgis.yaml': application(
        'postgis-patched',
        'infra/gitops/apps/postgis/overlays/prod',
        ['    kustomize:', '      patches:', '        - path: ../../../../patches/postgis.yaml'].join('\n'),
        { namespace: 'kfm-prod', project: 'kfm-apps' },
      ),
    });
    const before = await check();
    expect(before.findings).toEqual([]);
    expect(before.code).toBe(0);
    commit('base');
    write('patches/postgis.yaml', patch('LoadBalancer'));
    commit('exposed');
    const after = await check('--changed-since', 'HEAD~1');
    expect(after.code).toBe(1);
    expect(after.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-TM-002', file: 'core/gitops-controller/application-postgis.yaml' }),
    );
  });
});
