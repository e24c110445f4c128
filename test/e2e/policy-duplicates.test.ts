/**
 * An env's policy evaluation sees all its overlays, so one object can come twice with different content. On
 * christianh814/gitops-examples every env whose overlays rendered a ClusterRole defined more than once stopped with
 * "object insert conflict" (KFM-CONFIG-900): every rule of that env went unchecked. A pull request can do the same on
 * purpose: a harmless ClusterRole in one overlay, a cluster-admin one of the same name in another, and a binding.
 * The evaluation must go on and judge the binding by what either definition grants.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; message: string };

const clusterRole = (rules: string): string =>
  [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    'metadata:',
    '  name: kfm-reader',
    'rules:',
    rules,
    '',
  ].join('\n');

const BINDING = [
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: RoleBinding',
  'metadata:',
  '  name: kfm-reader',
  'roleRef:',
  '  apiGroup: rbac.authorization.k8s.io',
  '  kind: ClusterRole',
  '  name: kfm-reader',
  'subjects:',
  '  - kind: ServiceAccount',
  '    name: default',
  '',
].join('\n');

/** Writes files into an overlay and lists them under its resources, after its base. */
function addTo(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const k = join(dir, 'kustomization.yaml');
  const listed = Object.keys(files)
    .map((f) => `  - ${f}\n`)
    .join('');
  writeFileSync(k, readFileSync(k, 'utf8').replace('  - ../../base\n', `  - ../../base\n${listed}`));
}

describe('one object defined twice in an env (e2e)', () => {
  const copy = freshGitCopy();

  it('judges a binding by every definition of its ClusterRole instead of stopping the env', async () => {
    const overlay = (app: string): string => join(copy.root, 'apps', app, 'overlays', 'dev');
    // kfm-ui and kfm-api are two overlays of env dev: one env evaluation sees both definitions.
    addTo(overlay('kfm-ui'), {
      'reader.yaml': clusterRole('  - {apiGroups: [""], resources: [configmaps], verbs: [get]}'),
      'binding.yaml': BINDING,
    });
    addTo(overlay('kfm-api'), { 'reader.yaml': clusterRole('  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}') });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const findings = (JSON.parse(r.stdout) as { findings: Found[] }).findings;
    expect(findings.filter((f) => f.ruleId === 'KFM-CONFIG-900')).toEqual([]);
    expect(findings.filter((f) => f.ruleId === 'KFM-RBAC-001').map((f) => f.file)).toEqual([
      'apps/kfm-ui/overlays/dev/binding.yaml',
    ]);
    expect(r.code).toBe(1);
  });
});
