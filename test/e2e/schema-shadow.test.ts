/**
 * A CRD in the repository cannot switch schema validation off for a kind the API server serves itself. Before, a
 * platform overlay rendering a permissive CRD named `deployments.apps` let every Deployment through with any field.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERMISSIVE_DEPLOYMENT_CRD, runCli } from '../helpers.js';
import { freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string };

describe('CRDs that name a served kind (e2e)', () => {
  const copy = freshGitCopy();

  /** Renders `crd` from a platform overlay, edits kfm-api's Deployment, checks: the rule ids and files found. */
  async function checkWith(crd: string, edit: (deployment: string) => string): Promise<(string | undefined)[][]> {
    const crds = join(copy.root, 'core', 'crds');
    mkdirSync(crds, { recursive: true });
    writeFileSync(join(crds, 'crd.yaml'), crd);
    writeFileSync(join(crds, 'kustomization.yaml'), 'resources: [crd.yaml]\n');
    const deployment = join(copy.root, 'apps', 'kfm-api', 'base', 'deployment.yaml');
    writeFileSync(deployment, edit(readFileSync(deployment, 'utf8')));
    const r = await runCli(['check', copy.root, '--format', 'json']);
    expect(r.code).toBe(1);
    return (JSON.parse(r.stdout) as { findings: Found[] }).findings.map((f) => [f.ruleId, f.file]);
  }

  it('a permissive CRD for apps/v1 Deployment leaves the built-in schema in charge, and is reported', async () => {
    const found = await checkWith(PERMISSIVE_DEPLOYMENT_CRD, (d) =>
      d.replace(/^spec:\n/m, 'spec:\n  bogusField: true\n'),
    );
    expect(found).toContainEqual(['KFM-SCHEMA-002', 'apps/kfm-api/base/deployment.yaml']);
    expect(found).toContainEqual(['KFM-SCHEMA-007', 'core/crds/crd.yaml']);
  }, 120_000);

  it('nor can it add a version to one: `apps/v2 Deployment` has no schema, whatever the CRD says', async () => {
    const found = await checkWith(PERMISSIVE_DEPLOYMENT_CRD.replace('- name: v1', '- name: v2'), (d) =>
      d.replace(/^apiVersion: apps\/v1$/m, 'apiVersion: apps/v2'),
    );
    expect(found).toContainEqual(['KFM-SCHEMA-005', 'apps/kfm-api/base/deployment.yaml']);
    expect(found).toContainEqual(['KFM-SCHEMA-007', 'core/crds/crd.yaml']);
  }, 120_000);
});
