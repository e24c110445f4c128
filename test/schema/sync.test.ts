/**
 * schemas:sync: the shipped files are what the converter produces, and each correction of openapi2jsonschema's
 * output changes a verdict the way the API server would decide.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PINNED_VERSION,
  QUANTITY_PATTERN as LIB_QUANTITY_PATTERN,
  buildFromWheel,
  convertDefinitions,
  listReleases,
  serializeReleaseFile,
} from '../../scripts/schemas-sync.lib.mjs';
import { shippedKubernetesVersions } from '../../src/checks/schema/index.js';
import { QUANTITY_PATTERN } from '../../src/checks/schema/messages.js';
import { checkText, projectRoot } from './helpers.js';

const kubernetesDir = join(projectRoot, 'schemas', 'kubernetes');
const RELEASES = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36', '1.37'];
const wheelDir = join(projectRoot, '.kfm-gitops', 'cache', 'schemas-sync');
const wheel = existsSync(wheelDir)
  ? readdirSync(wheelDir).find((f) => f.startsWith(`kubernetes_validate-${PINNED_VERSION}-`))
  : undefined;

interface ShippedFile {
  format: number;
  release: string;
  source: Record<string, unknown>;
  kinds: Record<string, Record<string, string>>;
  $defs: Record<string, Record<string, unknown>>;
}

const load = (release: string): ShippedFile =>
  JSON.parse(readFileSync(join(kubernetesDir, `${release}.json`), 'utf8')) as ShippedFile;

describe('shipped Kubernetes schemas', () => {
  it('ship every release from 1.27 (OpenShift 4.14) to the newest of the pinned package, newest last', () => {
    const versions = shippedKubernetesVersions();
    expect(versions).toEqual(RELEASES);
    const provenance = readFileSync(join(kubernetesDir, 'PROVENANCE.md'), 'utf8');
    expect(provenance).toContain(`| version | ${PINNED_VERSION}`);
    expect(provenance).toMatch(/\| wheel sha256 \| `[0-9a-f]{64}` \|/);
    expect(provenance).toContain('Apache-2.0');
  });

  it('stay within their size budget (4 MiB for all releases)', () => {
    const total = RELEASES.reduce((n, r) => n + readFileSync(join(kubernetesDir, `${r}.json`)).length, 0);
    expect(total).toBeLessThan(4 * 1024 * 1024);
  });

  it.each(RELEASES)('%s is a fixed point of the converter and serialises byte for byte', (release) => {
    const file = load(release);
    expect(file.release).toBe(release);
    // Re-running the conversion on its own output changes nothing: the committed file is converter output.
    expect(convertDefinitions(file.$defs)).toEqual(file.$defs);
    expect(serializeReleaseFile(file)).toBe(readFileSync(join(kubernetesDir, `${release}.json`), 'utf8'));
  });

  it('indexes kinds by apiVersion', () => {
    const file = load('1.37');
    expect(file.kinds['apps/v1'].Deployment).toBe('io.k8s.api.apps.v1.Deployment');
    expect(file.kinds.v1.ConfigMap).toBe('io.k8s.api.core.v1.ConfigMap');
    expect(file.kinds['policy/v1beta1']).toBeUndefined();
  });

  it('keeps the quantity grammar in one place (the converter and the messages agree)', () => {
    expect(QUANTITY_PATTERN).toBe(LIB_QUANTITY_PATTERN);
  });

  describe.skipIf(!wheel)(
    `regeneration from the cached wheel${wheel ? '' : ' (skipped: no wheel under .kfm-gitops/cache/schemas-sync; `npm run schemas:sync` fetches it)'}`,
    () => {
      it(`reproduces every shipped file from ${wheel ?? 'the wheel'} (run \`npm run schemas:sync\` once to cache it)`, () => {
        const buf = readFileSync(join(wheelDir, wheel!));
        const files = buildFromWheel(buf, wheel!);
        expect([...files.keys()].sort()).toEqual([...RELEASES.map((r) => `${r}.json`), 'PROVENANCE.md'].sort());
        for (const [name, content] of files)
          expect(content, name).toBe(readFileSync(join(kubernetesDir, name), 'utf8'));
      });
    },
  );
});

describe('converter', () => {
  const defs = {
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
      oneOf: [{ type: ['string', 'null'] }, { type: ['integer', 'null'] }],
    },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': {
      oneOf: [{ type: ['string', 'null'] }, { type: ['number', 'null'] }],
    },
    'x.Thing': { type: ['object', 'null'], description: 'dropped', properties: { a: { type: ['string', 'null'] } } },
    'x.Owner': {
      type: ['object', 'null'],
      required: ['thing', 'name'],
      'x-kubernetes-group-version-kind': [{ group: 'x', version: 'v1', kind: 'Owner' }],
      properties: {
        name: { type: ['string', 'null'] },
        thing: { $ref: '#/$defs/x.Thing', description: 'dropped' },
        optional: { $ref: '#/$defs/x.Thing' },
        list: {
          type: ['array', 'null'],
          items: { $ref: '#/$defs/x.Thing' },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['a'],
          'x-kubernetes-patch-merge-key': 'a',
        },
      },
    },
  };
  const out = convertDefinitions(defs);

  it('replaces the int-or-string and quantity oneOfs by type lists (null passes, errors read well)', () => {
    expect(out['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({ type: ['integer', 'string', 'null'] });
    expect(out['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({
      type: ['number', 'string', 'null'],
      pattern: LIB_QUANTITY_PATTERN,
    });
  });

  it('makes required fields and list items non-null, leaves optional fields nullable', () => {
    const owner = out['x.Owner'] as { properties: Record<string, Record<string, unknown>> };
    expect(owner.properties.name).toEqual({ type: 'string' });
    expect(owner.properties.thing).toEqual({ $ref: '#/$defs/x.Thing', type: 'object' });
    expect(owner.properties.optional).toEqual({ $ref: '#/$defs/x.Thing' });
    expect(owner.properties.list.items).toEqual({ $ref: '#/$defs/x.Thing', type: 'object' });
  });

  it('turns list-maps into uniqueness rules and drops documentation and merge hints', () => {
    const owner = out['x.Owner'] as { properties: Record<string, Record<string, unknown>> };
    expect(owner.properties.list['x-kfm-unique']).toEqual([{ keys: ['a'] }]);
    expect(JSON.stringify(out)).not.toMatch(/description|x-kubernetes-patch|x-kubernetes-group-version-kind/);
  });

  it('lists releases newest first, one per minor', () => {
    const names = [
      'kubernetes_validate/kubernetes-json-schema/v1.9.0-local-strict/_definitions.json',
      'kubernetes_validate/kubernetes-json-schema/v1.10.0-local-strict/_definitions.json',
      'kubernetes_validate/kubernetes-json-schema/v1.10.2-local-strict/_definitions.json',
      'kubernetes_validate/kubernetes-json-schema/v1.10.2-local/_definitions.json',
    ];
    expect(listReleases(names).map((r) => `${r.release}@${r.patch}`)).toEqual(['1.10@2', '1.9@0']);
  });
});

const deployment = (spec: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  creationTimestamp: null
spec:
${spec}`;

const podSpec = (containerExtra: string, specExtra = ''): string =>
  deployment(`  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:${specExtra}
      containers:
        - name: app
          image: nginx${containerExtra}
`);

describe('each conversion fix decides like the API server', () => {
  it('null in optional fields passes (creationTimestamp: null, volumes: null, affinity: null)', async () => {
    expect(await checkText(podSpec('', '\n      volumes: null\n      affinity: null'))).toEqual([]);
  });

  it('null in a required field is a missing field', async () => {
    const found = await checkText(deployment('  selector: null\n  template: {}\n'));
    expect(found.map((f) => [f.ruleId, f.path, f.line])).toContainEqual(['KFM-SCHEMA-003', 'spec.selector', 7]);
    expect(found.find((f) => f.path === 'spec.selector')?.message).toMatch(/expected mapping, got an empty value/);
  });

  it('an empty list item is an error', async () => {
    const found = await checkText(podSpec('\n        -'));
    expect(found).toMatchObject([{ ruleId: 'KFM-SCHEMA-001', path: 'spec.template.spec.containers[1]', line: 16 }]);
  });

  it('int-or-string accepts integers, strings and null, nothing else', async () => {
    const svc = (port: string): string => `apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports:
    - port: 80
      targetPort: ${port}
`;
    expect(await checkText(svc('8080'))).toEqual([]);
    expect(await checkText(svc('http'))).toEqual([]);
    expect(await checkText(svc('null'))).toEqual([]);
    expect(await checkText(svc('true'))).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-001',
        path: 'spec.ports[0].targetPort',
        line: 7,
        message: 'expected integer or string, got boolean `true`',
      },
    ]);
  });

  it('quantities accept numbers and suffixed strings, and reject what the API server cannot parse', async () => {
    const withResources = (cpu: string, memory: string): string =>
      podSpec(`\n          resources:\n            limits: {cpu: ${cpu}, memory: ${memory}}`);
    expect(await checkText(withResources('0.5', '1Gi'))).toEqual([]);
    expect(await checkText(withResources('"500m"', '1e9'))).toEqual([]);
    expect(await checkText(withResources('2', '128974848'))).toEqual([]);
    const found = await checkText(withResources('500 m', '1GB'));
    expect(found.map((f) => [f.ruleId, f.path, f.line])).toEqual([
      ['KFM-SCHEMA-001', 'spec.template.spec.containers[0].resources.limits.cpu', 17],
      ['KFM-SCHEMA-001', 'spec.template.spec.containers[0].resources.limits.memory', 17],
    ]);
    expect(found[0].message).toMatch(/`500 m` is not a valid quantity/);
  });

  it('ports keyed by containerPort+protocol compare with protocol defaulted to TCP', async () => {
    const found = await checkText(
      podSpec(
        '\n          ports:\n            - containerPort: 80\n            - containerPort: 80\n              protocol: TCP\n            - containerPort: 80\n              protocol: UDP',
      ),
    );
    expect(found).toMatchObject([
      {
        ruleId: 'KFM-SCHEMA-004',
        path: 'spec.template.spec.containers[0].ports[1].containerPort',
        line: 18,
        message: 'duplicate entry containerPort=`80`, protocol=`TCP` in `ports` (first at index 0)',
      },
    ]);
  });
});
