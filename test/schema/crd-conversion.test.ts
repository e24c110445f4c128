/**
 * CRD → JSON schema conversion. The peer vectors (kubeconform's openapi2jsonschema output, in
 * ../shared/oracles/crd-conversion) must come out the same up to the deliberate differences, which the
 * canonical form below spells out one by one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { convertCrd, convertOpenApiSchema } from '../../src/checks/schema/crd.js';
import { check, parse, sharedDir } from './helpers.js';

const vectors = join(sharedDir, 'oracles', 'crd-conversion');
const ENFORCED_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'date-time'];

/**
 * Brings both converters' output to one form. Each line is a documented, deliberate difference:
 * - `null` in types/enums: ours accepts null for optional fields (the API server prunes it), the peer never does;
 * - int-or-string: ours `type: [integer, string]`, the peer keeps the `anyOf` + extension;
 * - list-maps: ours `x-kfm-unique` (duplicate keys are errors), the peer keeps the inert extensions;
 * - formats the API server does not check, descriptions, defaults, CEL rules: dropped by ours.
 */
function canon(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(canon);
  if (!s || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (
      [
        'description',
        'x-kubernetes-group-version-kind',
        '$schema',
        'default',
        'x-kubernetes-validations',
        'x-kubernetes-map-type',
      ].includes(k)
    )
      continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as object).map(([n, x]) => [n, canon(x)]));
    else if (k === 'enum' || k === 'required') out[k] = (v as unknown[]).filter((x) => x !== null);
    else out[k] = canon(v);
  }
  if (out['x-kubernetes-int-or-string']) {
    out.type = ['integer', 'string'];
    delete out['x-kubernetes-int-or-string'];
    delete out.anyOf;
  }
  if (out.type !== undefined) {
    const t = (Array.isArray(out.type) ? out.type : [out.type]).filter((x) => x !== 'null').sort();
    out.type = t.length === 1 ? t[0] : t;
  }
  if (out['x-kubernetes-list-type'] === 'map') out['x-kfm-unique'] = [{ keys: out['x-kubernetes-list-map-keys'] }];
  if (out['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  delete out['x-kubernetes-list-type'];
  delete out['x-kubernetes-list-map-keys'];
  if (Array.isArray(out['x-kfm-unique']))
    out['x-kfm-unique'] = (out['x-kfm-unique'] as { keys: string[] }[]).map((r) => ({ keys: r.keys }));
  if (typeof out.format === 'string' && !ENFORCED_FORMATS.includes(out.format)) delete out.format;
  return out;
}

const loadCrd = (file: string): Record<string, unknown> =>
  parseYaml(readFileSync(join(vectors, file), 'utf8')) as Record<string, unknown>;
const loadJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(vectors, file), 'utf8')) as Record<string, unknown>;

describe.skipIf(!existsSync(vectors))(
  'peer vectors (../shared/oracles/crd-conversion; skipped when ../shared is absent)',
  () => {
    it('prometheus CRD: same schema as the peer with DENY_ROOT_ADDITIONAL_PROPERTIES, up to the documented differences', () => {
      const conv = convertCrd(loadCrd('prometheus-operator-0prometheusCustomResourceDefinition.yaml'));
      expect(conv.issues).toEqual([]);
      expect(conv.versions.map((v) => v.apiVersion)).toEqual(['monitoring.coreos.com/v1']);
      expect(canon(conv.versions[0].schema)).toEqual(
        canon(loadJson('prometheus_v1-denyRootAdditionalProperties.json')),
      );
    });

    it('prometheus CRD: the peer default differs only by leaving the root open (ours is strict there)', () => {
      const ours = canon(
        convertCrd(loadCrd('prometheus-operator-0prometheusCustomResourceDefinition.yaml')).versions[0].schema,
      ) as Record<string, unknown>;
      const peer = canon(loadJson('prometheus_v1-expected.json')) as Record<string, unknown>;
      expect(peer.additionalProperties).toBeUndefined();
      expect(ours.additionalProperties).toBe(false);
      delete ours.additionalProperties;
      expect(ours).toEqual(peer);
    });

    it('legacy v1beta1 sagemaker CRD (top-level validation): same as the peer, root strict', () => {
      const conv = convertCrd(loadCrd('sagemaker.aws.amazon.com_trainingjobs.yaml'));
      expect(conv.issues).toEqual([]);
      expect(conv.versions.map((v) => v.apiVersion)).toEqual(['sagemaker.aws.amazon.com/v1']);
      const ours = canon(conv.versions[0].schema) as Record<string, unknown>;
      expect(ours.additionalProperties).toBe(false);
      delete ours.additionalProperties;
      expect(ours).toEqual(canon(loadJson('trainingjob-sagemaker-v1.json')));
    });

    it('the sample TrainingJob passes when its CRD is in the run, and a typo in it is caught on its line', async () => {
      const crdText = readFileSync(join(vectors, 'sagemaker.aws.amazon.com_trainingjobs.yaml'), 'utf8');
      const sample = readFileSync(join(vectors, 'test_crd.yaml'), 'utf8');
      const crd = parse(crdText, 'crds', 'crds.yaml');
      // The legacy CRD itself is flagged (apiextensions.k8s.io/v1beta1 is gone); its schema is still used.
      expect(await check([...crd, ...parse(sample, 'jobs', 'job.yaml')])).toMatchObject([
        { ruleId: 'KFM-SCHEMA-006', kind: 'CustomResourceDefinition', path: 'apiVersion', line: 3 },
      ]);
      const typo = sample.replace('    instanceCount: 1', '    instanceCont: 1');
      const found = await check([...crd, ...parse(typo, 'jobs', 'job.yaml')]);
      // A required field misspelt: reported as missing (at its parent's line) and as unknown (at its own line).
      expect(found.filter((f) => f.kind === 'TrainingJob')).toMatchObject([
        {
          ruleId: 'KFM-SCHEMA-003',
          path: 'spec.resourceConfig.instanceCount',
          line: 30,
          message: 'missing required field `instanceCount`',
        },
        {
          ruleId: 'KFM-SCHEMA-002',
          path: 'spec.resourceConfig.instanceCont',
          line: 31,
          message: 'unknown field `instanceCont`; did you mean `instanceCount`?',
        },
      ]);
    });
  },
);

describe('conversion rules', () => {
  const convert = (schema: unknown): Record<string, unknown> => convertOpenApiSchema(schema).schema;

  it('nullable: true allows null; optional fields accept null, required ones do not', () => {
    const out = convert({
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'string' }, b: { type: 'string', enum: ['x'] }, c: { type: 'integer', nullable: true } },
    }) as { properties: Record<string, unknown> };
    expect(out.properties.a).toEqual({ type: 'string' });
    expect(out.properties.b).toEqual({ type: ['string', 'null'], enum: ['x', null] });
    expect(out.properties.c).toEqual({ type: ['integer', 'null'] });
  });

  it('int-or-string becomes a type list and drops the trivial anyOf', () => {
    const out = convert({
      type: 'object',
      properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } },
    }) as {
      properties: Record<string, unknown>;
    };
    expect(out.properties.p).toEqual({ type: ['integer', 'string', 'null'] });
  });

  it('objects are strict unless preserve-unknown-fields or an additionalProperties map; bare objects too', () => {
    const out = convert({
      type: 'object',
      properties: {
        open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        bare: { type: 'object' },
        closed: { type: 'object', properties: { x: { type: 'string' } } },
      },
    }) as { properties: Record<string, Record<string, unknown>>; additionalProperties: unknown };
    expect(out.additionalProperties).toBe(false);
    expect(out.properties.open.additionalProperties).toBeUndefined();
    expect(out.properties.map.additionalProperties).toEqual({ type: 'string' });
    expect(out.properties.bare.additionalProperties).toBe(false);
    expect(out.properties.closed.additionalProperties).toBe(false);
  });

  it('schemas inside anyOf/oneOf/allOf/not only add value checks: no strictness, no null changes', () => {
    const out = convert({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      oneOf: [{ required: ['a'] }, { required: ['b'], properties: { b: { minLength: 1 } } }],
    }) as { oneOf: Record<string, unknown>[] };
    expect(out.oneOf).toEqual([{ required: ['a'] }, { required: ['b'], properties: { b: { minLength: 1 } } }]);
  });

  it('embedded resources know apiVersion, kind and metadata', () => {
    const out = convert({
      type: 'object',
      properties: {
        tpl: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      },
    }) as {
      properties: Record<string, { properties: Record<string, unknown>; additionalProperties: unknown }>;
    };
    expect(Object.keys(out.properties.tpl.properties).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(out.properties.tpl.additionalProperties).toBe(false);
  });

  it('list-maps take key defaults from the item schema; sets become uniqueItems', () => {
    const out = convert({
      type: 'object',
      properties: {
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: {
            type: 'object',
            required: ['port'],
            properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } },
          },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      },
    }) as { properties: Record<string, Record<string, unknown>> };
    expect(out.properties.ports['x-kfm-unique']).toEqual([
      { keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } },
    ]);
    expect(out.properties.tags.uniqueItems).toBe(true);
  });

  it('OpenAPI boolean exclusive bounds become numeric ones; unknown formats, CEL and defaults are dropped', () => {
    const out = convert({
      type: 'object',
      properties: {
        n: {
          type: 'integer',
          minimum: 0,
          exclusiveMinimum: true,
          format: 'int32',
          default: 1,
          'x-kubernetes-validations': [{ rule: 'self > 0' }],
        },
        u: { type: 'string', format: 'uri' },
      },
    }) as { properties: Record<string, unknown> };
    expect(out.properties.n).toEqual({ type: ['integer', 'null'], exclusiveMinimum: 0, format: 'int32' });
    expect(out.properties.u).toEqual({ type: ['string', 'null'] });
  });

  it('reports what it cannot convert with the path inside the CRD', () => {
    const conv = convertCrd({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Thing', plural: 'things' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: 'object', properties: { spec: { type: 'array', items: [{ type: 'string' }] } } },
            },
          },
        ],
      },
    });
    expect(conv.issues).toEqual([
      {
        message: '`items` must be a single schema (tuples are not structural)',
        path: ['spec', 'versions', 0, 'schema', 'openAPIV3Schema', 'properties', 'spec', 'items'],
      },
    ]);
  });
});

describe('an apiextensions.k8s.io/v1 CRD version without a schema', () => {
  // The API server refuses such a CRD; taken for "anything goes", it passed every object of its kind (exit 0) where a
  // kind with no schema fails closed.
  it('gives its kind no schema: the CRD is KFM-SCHEMA-007 and its objects KFM-SCHEMA-005', async () => {
    const crd = parse(
      [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata:',
        '  name: things.example.com',
        'spec:',
        '  group: example.com',
        '  scope: Namespaced',
        '  names: {kind: Thing, plural: things, singular: thing, listKind: ThingList}',
        '  versions:',
        '    - name: v1',
        '      served: true',
        '      storage: true',
        '',
      ].join('\n'),
      'crds',
      'crds.yaml',
    );
    const thing = parse('apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  anything: 1\n', 'app');
    const found = await check([...crd, ...thing]);
    expect(found.map((f) => [f.ruleId, f.kind, f.path])).toEqual([
      ['KFM-SCHEMA-005', 'Thing', 'apiVersion'],
      ['KFM-SCHEMA-007', 'CustomResourceDefinition', 'spec.versions[0]'],
    ]);
    expect(found[1]!.message).toContain('requires');
  });
});
