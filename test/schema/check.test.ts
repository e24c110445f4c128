/** The check's contract: metadata and rule docs, config handling, release choice, unusable schemas. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createSchemaCheck,
  SchemaConfigError,
  shippedKubernetesVersions,
  UnknownKubernetesVersionError,
} from '../../src/checks/schema/index.js';
import { closestField } from '../../src/checks/schema/messages.js';
import { check, checkText, parse } from './helpers.js';

const crd = (schema: string, extra = ''): string => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true${extra}
      schema:
        openAPIV3Schema:
${schema}
`;

describe('check metadata', () => {
  it('documents every rule id it reports, with what, why and how to fix', () => {
    const c = createSchemaCheck();
    expect(c.meta).toMatchObject({ id: 'schema', errorRuleId: 'KFM-SCHEMA-000', defaultSeverity: 'error' });
    const ids = c.rules().map((r) => r.id);
    expect(ids).toEqual([
      'KFM-SCHEMA-000',
      'KFM-SCHEMA-001',
      'KFM-SCHEMA-002',
      'KFM-SCHEMA-003',
      'KFM-SCHEMA-004',
      'KFM-SCHEMA-005',
      'KFM-SCHEMA-006',
      'KFM-SCHEMA-007',
    ]);
    for (const r of c.rules()) {
      expect(r.category).toBe('schema');
      expect(r.description.length).toBeGreaterThan(40);
      expect(r.remediation.length).toBeGreaterThan(20);
    }
  });
});

describe('Kubernetes release', () => {
  it('validates against the chosen release: a kind added later is unknown in an older one', async () => {
    expect(shippedKubernetesVersions()).toContain('1.35');
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n';
    expect(await checkText(doc, { kubernetesVersion: '1.35' })).toEqual([]);
  });

  it('throws for a release that does not ship (the CLI turns it into a usage error)', async () => {
    await expect(
      checkText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', { kubernetesVersion: '1.20' }),
    ).rejects.toBeInstanceOf(UnknownKubernetesVersionError);
  });
});

describe('config', () => {
  const typo = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndta: {a: b}\n';

  it('strict: false reports unknown fields as warnings', async () => {
    expect(await checkText(typo, { config: { strict: false } })).toMatchObject([
      { ruleId: 'KFM-SCHEMA-002', severity: 'warning', line: 4 },
    ]);
    expect(await checkText(typo)).toMatchObject([{ ruleId: 'KFM-SCHEMA-002', severity: undefined }]);
  });

  it('a missing extraDirs folder is a config error, not a silent pass', async () => {
    await expect(checkText(typo, { config: { extraDirs: ['does-not-exist'] } })).rejects.toBeInstanceOf(
      SchemaConfigError,
    );
  });

  it('allowUnknownKinds needs a reason', async () => {
    await expect(
      checkText(typo, { config: { allowUnknownKinds: [{ apiVersion: 'x/v1', kind: 'Y' }] } }),
    ).rejects.toThrow(/`reason` is required/);
  });
});

describe('unknown kinds name the versions that do exist', () => {
  it('apps/v1beta3 Deployment → known apps/v1', async () => {
    const found = await checkText('apiVersion: apps/v1beta3\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n');
    expect(found).toMatchObject([{ ruleId: 'KFM-SCHEMA-005', path: 'apiVersion', line: 1 }]);
    expect(found[0].message).toContain('Known apiVersions for Deployment: `apps/v1`.');
  });
});

describe('CRDs of the run', () => {
  const widget = (spec: string): string =>
    `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n${spec}`;

  it('patterns use RE2 syntax, with a fallback for what JavaScript cannot compile', async () => {
    const schema = `          type: object
          properties:
            spec:
              type: object
              properties:
                code: {type: string, pattern: '(?i)^[a-z]+$'}`;
    const resources = [
      ...parse(crd(schema), 'crds'),
      ...parse(widget('  code: ABC\n'), 'app'),
      ...parse(widget('  code: "12"\n'), 'app2'),
    ];
    expect(await check(resources)).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-001',
        overlay: 'app2',
        path: 'spec.code',
        message: '`12` does not match the pattern `(?i)^[a-z]+$`',
      },
    ]);
  });

  it('a CRD whose schema cannot be compiled is reported once, and its resources as unusable', async () => {
    const schema = `          type: object
          properties:
            spec:
              type: object
              properties:
                code: {type: string, pattern: '([a-z'}`;
    const found = await check([
      ...parse(crd(schema), 'crds'),
      ...parse(widget('  code: a\n'), 'app'),
      ...parse(widget('  code: b\n'), 'app2'),
    ]);
    expect(found.map((f) => [f.ruleId, f.kind, f.overlay, f.path])).toEqual([
      ['KFM-SCHEMA-007', 'Widget', 'app', 'apiVersion'],
      ['KFM-SCHEMA-007', 'Widget', 'app2', 'apiVersion'],
      ['KFM-SCHEMA-007', 'CustomResourceDefinition', 'crds', 'spec'],
    ]);
    expect(found[2].message).toMatch(/^the schema of CRD widgets\.example\.com \(v1\) cannot be used as a validator: /);
  });

  it('a version the CRD does not serve is no schema; a deprecated one is flagged but still checked', async () => {
    const schema = '          type: object\n          x-kubernetes-preserve-unknown-fields: true';
    const notServed = crd(schema).replace('served: true', 'served: false');
    expect(await check([...parse(notServed, 'crds'), ...parse(widget('  a: 1\n'), 'app')])).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-005',
        path: 'apiVersion',
        message: '`example.com/v1 Widget`: version `v1` is not served by CRD widgets.example.com',
      },
    ]);
    const deprecated = crd(schema, '\n      deprecated: true\n      deprecationWarning: use example.com/v2');
    expect(await check([...parse(deprecated, 'crds'), ...parse(widget('  a: 1\n'), 'app')])).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-006',
        path: 'apiVersion',
        message: '`example.com/v1 Widget` is deprecated by CRD widgets.example.com: use example.com/v2',
      },
    ]);
  });

  it("validates custom resources' metadata as ObjectMeta", async () => {
    const schema = '          type: object\n          x-kubernetes-preserve-unknown-fields: true';
    const found = await check([
      ...parse(crd(schema), 'crds'),
      ...parse('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  label: {a: b}\n', 'app'),
    ]);
    expect(found).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-002',
        path: 'metadata.label',
        line: 5,
        message: 'unknown field `label`; did you mean `labels`?',
      },
    ]);
  });
});

describe('schema files (pack, extraDirs)', () => {
  const app = (source: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: x}
  source: ${source}
`;

  it('an optional $ref property may be null, and errors inside it are reported without union noise', async () => {
    expect(await checkText(app('null'))).toEqual([]);
    expect(await checkText(app('{repoURL: https://git.example.org/x.git, pth: apps}'))).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-002',
        path: 'spec.source.pth',
        line: 7,
        message: 'unknown field `pth`; did you mean `path`?',
      },
    ]);
    expect(await checkText(app('main'))).toMatchObject([
      { ruleId: 'KFM-SCHEMA-001', path: 'spec.source', message: 'expected mapping, got string `"main"`' },
    ]);
  });

  it('draft-04 style boolean exclusive bounds in extraDirs files work', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-extra-'));
    try {
      mkdirSync(join(root, 'schemas', 'example.com'), { recursive: true });
      writeFileSync(
        join(root, 'schemas', 'example.com', 'gauge_v1.json'),
        JSON.stringify({
          $schema: 'http://json-schema.org/draft-04/schema#',
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { level: { type: 'integer', minimum: 0, exclusiveMinimum: true } } },
          },
        }),
      );
      const gauge = (level: number): string =>
        `apiVersion: example.com/v1\nkind: Gauge\nmetadata: {name: g}\nspec: {level: ${level}}\n`;
      expect(await checkText(gauge(1), { root, config: { extraDirs: ['schemas'] } })).toEqual([]);
      expect(await checkText(gauge(0), { root, config: { extraDirs: ['schemas'] } })).toMatchObject([
        { ruleId: 'KFM-SCHEMA-001', path: 'spec.level', message: 'must be > 0, got `0`' },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('did-you-mean', () => {
  it('suggests case slips and small edits, nothing for unrelated names', () => {
    const known = ['containers', 'initContainers', 'selfHeal', 'prune', 'replicas'];
    expect(closestField('contaners', known)).toBe('containers');
    expect(closestField('selfheal', known)).toBe('selfHeal');
    expect(closestField('replica', known)).toBe('replicas');
    expect(closestField('banana', known)).toBeUndefined();
  });
});

describe('schema lookups per overlay (issue 20)', () => {
  // Lookups are memoised per kind, and per overlay only where a CRD of the run defines the kind: each overlay must
  // still be judged by the CRD it renders itself, and a kind no CRD defines the same way in every overlay.
  const schema = (field: string): string => `          type: object
          properties:
            spec:
              type: object
              additionalProperties: false
              properties:
                ${field}: {type: string}`;
  const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n';
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\nbogus: 1\n';

  it("validates each overlay's custom resource against its own overlay's CRD, built-in kinds alike everywhere", async () => {
    const resources = [
      ...parse(`${crd(schema('colour'))}---\n${widget}---\n${cm}`, 'apps/a'),
      ...parse(`${crd(schema('size'))}---\n${widget}---\n${cm}`, 'apps/b'),
      // No CRD of its own: the first one seen (apps/a's), which has no `size`.
      ...parse(`${widget}---\n${cm}`, 'apps/c'),
    ];
    const found = await check(resources);
    const unknown = (overlay: string, kind: string): string[] =>
      found.filter((f) => f.overlay === overlay && f.kind === kind).map((f) => `${f.ruleId} ${f.path}`);
    expect(unknown('apps/a', 'Widget')).toEqual(['KFM-SCHEMA-002 spec.size']);
    expect(unknown('apps/b', 'Widget')).toEqual([]);
    expect(unknown('apps/c', 'Widget')).toEqual(['KFM-SCHEMA-002 spec.size']);
    for (const overlay of ['apps/a', 'apps/b', 'apps/c'])
      expect(unknown(overlay, 'ConfigMap')).toEqual(['KFM-SCHEMA-002 bogus']);
  });
});
