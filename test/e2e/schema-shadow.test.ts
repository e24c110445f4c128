/**
 * A CRD in the repository cannot switch schema validation off for a kind the API server serves itself. Before, a
 * platform overlay rendering a permissive CRD named `deployments.apps` let every Deployment through with any field.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string };

const PERMISSIVE_DEPLOYMENT_CRD = [
  'apiVersion: apiextensions.k8s.io/v1',
  'kind: CustomResourceDefinition',
  'metadata:',
  '  name: deployments.apps',
  'spec:',
  '  group: apps',
  '  names: {kind: Deployment, plural: deployments}',
  '  scope: Namespaced',
  '  versions:',
  '    - name: v1',
  '      served: true',
  '      storage: true',
  '      schema:',
  '        openAPIV3Schema:',
  '          type: object',
  '          x-kubernetes-preserve-unknown-fields: true',
  '',
].join('\n');

describe('CRDs that name a served kind (e2e)', () => {
  const copy = freshGitCopy();

  it('a permissive CRD for apps/v1 Deployment leaves the built-in schema in charge, and is reported', async () => {
    const crds = join(copy.root, 'core', 'crds');
    mkdirSync(crds, { recursive: true });
    writeFileSync(join(crds, 'crd.yaml'), PERMISSIVE_DEPLOYMENT_CRD);
    writeFileSync(join(crds, 'kustomization.yaml'), 'resources: [crd.yaml]\n');
    const deployment = join(copy.root, 'apps', 'kfm-api', 'base', 'deployment.yaml');
    writeFileSync(deployment, readFileSync(deployment, 'utf8').replace(/^spec:\n/m, 'spec:\n  bogusField: true\n'));
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const found = (JSON.parse(r.stdout) as { findings: Found[] }).findings.map((f) => [f.ruleId, f.file]);
    expect(found).toContainEqual(['KFM-SCHEMA-002', 'apps/kfm-api/base/deployment.yaml']);
    expect(found).toContainEqual(['KFM-SCHEMA-007', 'core/crds/crd.yaml']);
    expect(r.code).toBe(1);
  }, 120_000);
  it('nor can it add a version to one: `apps/v2 Deployment` has no schema, whatever the CRD says', async () => {
    const crds = join(copy.root, 'core', 'crds');
    mkdirSync(crds, { recursive: true });
    writeFileSync(join(crds, 'crd.yaml'), PERMISSIVE_DEPLOYMENT_CRD.replace('- name: v1', '- name: v2'));
    writeFileSync(join(crds, 'kustomization.yaml'), 'resources: [crd.yaml]\n');
    const deployment = join(copy.root, 'apps', 'kfm-api', 'base', 'deployment.yaml');
    writeFileSync(
      deployment,
      readFileSync(deployment, 'utf8').replace(/^apiVersion: apps\/v1$/m, 'apiVersion: apps/v2'),
    );
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const found = (JSON.parse(r.stdout) as { findings: Found[] }).findings.map((f) => [f.ruleId, f.file]);
    expect(found).toContainEqual(['KFM-SCHEMA-005', 'apps/kfm-api/base/deployment.yaml']);
    expect(found).toContainEqual(['KFM-SCHEMA-007', 'core/crds/crd.yaml']);
    expect(r.code).toBe(1);
  }, 120_000);
});
