/**
 * Argo CD expands every object it generates for which unstructured's IsList() holds (a top-level `items` array),
 * whatever its kind, and applies the items instead of the object; kubectl decodes such an object as a list too.
 * kustomize expands only `*List` kinds, so a custom resource of a permissive CRD (`x-kubernetes-preserve-unknown-fields`
 * at its root) carrying `items:` reached the checks as one object that no policy looks into: a RoleBinding to
 * cluster-admin inside it passed with exit 0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineOf, PERMISSIVE_DEPLOYMENT_CRD, runCli } from '../helpers.js';
import { CLUSTER_ADMIN_ROLEBINDING, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };

/** A CRD of a kind of its own whose schema lets anything through, as a repository may ship one. */
const CRD = PERMISSIVE_DEPLOYMENT_CRD.replace('deployments.apps', 'bags.tools.kfm.dev')
  .replace('group: apps', 'group: tools.kfm.dev')
  .replace('{kind: Deployment, plural: deployments}', '{kind: Bag, plural: bags}');

const BAG = [
  'apiVersion: tools.kfm.dev/v1',
  'kind: Bag',
  'metadata:',
  '  name: extras',
  '  namespace: kfm-dev',
  'items:',
  ...CLUSTER_ADMIN_ROLEBINDING.trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)),
  '',
].join('\n');

describe('objects with an `items` array are the lists Argo CD applies (e2e)', () => {
  const copy = freshGitCopy();

  it('checks the items of a custom resource that Argo CD would apply in its place', async () => {
    const baseline = join(copy.root, 'core', 'baseline');
    writeFileSync(join(baseline, 'bag-crd.yaml'), CRD);
    writeFileSync(join(baseline, 'bag.yaml'), BAG);
    const kfile = join(baseline, 'kustomization.yaml');
    writeFileSync(
      kfile,
      readFileSync(kfile, 'utf8').replace(
        '  - clustersecretstore-kfm-vault.yaml\n',
        '  - clustersecretstore-kfm-vault.yaml\n  - bag-crd.yaml\n  - bag.yaml\n',
      ),
    );
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Found[];
    // At the item's line in the Bag's file (kustomize annotates the Bag, not its items), not at line 1 of a
    // kustomization the user would search in vain.
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RBAC-001',
        message: expect.stringContaining('cluster-admin'),
        file: 'core/baseline/bag.yaml',
        line: lineOf(BAG, 'name: cluster-admin'),
      }),
    );
  }, 120_000);

  it('points a finding on an item of a `kind: List` at that item in its file', async () => {
    const dev = join(copy.root, 'apps', 'kfm-api', 'overlays', 'dev');
    const list = BAG.replace('apiVersion: tools.kfm.dev/v1\nkind: Bag', 'apiVersion: v1\nkind: List');
    writeFileSync(join(dev, 'extras.yaml'), list);
    const kfile = join(dev, 'kustomization.yaml');
    writeFileSync(kfile, readFileSync(kfile, 'utf8').replace('resources:\n', 'resources:\n  - extras.yaml\n'));
    const r = await runCli(['check', '.', '--overlay', 'apps/kfm-api/overlays/dev', '--format', 'json', '--no-cache'], {
      cwd: copy.root,
    });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Found[];
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RBAC-001',
        file: 'apps/kfm-api/overlays/dev/extras.yaml',
        line: lineOf(list, 'name: cluster-admin'),
      }),
    );
  }, 120_000);
});
