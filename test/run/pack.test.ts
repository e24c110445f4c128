/**
 * Issue 20: a check run keeps each rendered overlay packed (run/pack.ts) and reads its objects back on demand. What
 * comes back must be what was parsed — also for values JSON has no text for, multi-byte text and hostile keys — and
 * the policy input written from the packed JSON must be the input the engine would have read from the objects.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEnvInput, buildEnvInputJson, readKustomization, type EnvGroup } from '../../src/checks/policy/input.js';
import { onShells, PackStore } from '../../src/run/pack.js';
import { SCHEMA_RULES } from '../../src/checks/schema/index.js';
import type { Check, FindingInput, RenderedOverlay, Resource } from '../../src/types.js';
import { fixtures, runCli } from '../helpers.js';
import { checkRepo, hasKustomize, overlayFromYaml } from '../policy/helpers.js';

const APP = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-a}
data: {greeting: "grüße 👋", path: "C:\\\\x"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: team-a}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: api, image: "quay.io/kfm/api@sha256:${'a'.repeat(64)}"}]
`;

/** Read by js-yaml (no JSON documents): `.inf` and `.nan` are numbers JSON cannot write. */
const ODD = `apiVersion: example.kfm.dev/v1
kind: Gauge
metadata: {name: g, namespace: team-a, annotations: {note: null}}
spec: {max: .inf, min: -.inf, ratio: .nan, list: [1, null, 2]}
`;

const HOSTILE = `apiVersion: v1
kind: ConfigMap
metadata: {name: proto, namespace: team-b}
data:
  __proto__: {polluted: "yes"}
  constructor: x
`;

function overlay(yaml: string, path: string): RenderedOverlay {
  return overlayFromYaml(yaml, { path, app: path.split('/')[1] });
}

/** Packs every overlay and then enough others that the first ones leave the store's cache. */
function packAndEvict(store: PackStore, overlays: RenderedOverlay[]): void {
  for (const o of overlays) store.pack(o);
  for (let i = 0; i < 20; i++) store.pack(overlay(APP, `apps/filler-${i}/overlays/dev`));
}

describe('packed overlays (issue 20)', () => {
  it('gives back the parsed objects and the shell of each resource after they left the cache', () => {
    const originals = [overlay(APP, 'apps/a/overlays/dev'), overlay(ODD, 'apps/b/overlays/dev')];
    originals[0].resources[1].origin = { file: 'apps/a/base/deployment.yaml', line: 1, column: 1 };
    const before = originals.map((o) =>
      o.resources.map((r) => ({
        id: { ...r.id },
        overlay: r.overlay,
        rendered: { ...r.rendered },
        docIndex: r.docIndex,
        origin: r.origin,
        object: structuredClone(r.object),
      })),
    );
    const store = new PackStore();
    packAndEvict(store, originals);
    const unpacked = store.stats.unpacked;
    originals.forEach((o, k) => {
      o.resources.forEach((r, i) => {
        const b = before[k][i];
        expect(r.id).toEqual(b.id);
        expect(r.overlay).toBe(b.overlay);
        expect(r.rendered).toEqual(b.rendered);
        expect(r.docIndex).toBe(b.docIndex);
        expect(r.origin).toEqual(b.origin);
        // toEqual treats NaN as equal to NaN and tells -Infinity from Infinity.
        expect(r.object).toEqual(b.object);
      });
    });
    const gauge = originals[1].resources[0].object.spec as Record<string, unknown>;
    expect(gauge.max).toBe(Infinity);
    expect(gauge.min).toBe(-Infinity);
    expect(Number.isNaN(gauge.ratio)).toBe(true);
    // Both overlays were unpacked again, once each, although their resources were read one by one.
    expect(store.stats.unpacked - unpacked).toBe(2);
  });

  it('keeps no object on a shell: only the pack does', () => {
    const o = overlay(APP, 'apps/a/overlays/dev');
    const store = new PackStore();
    store.pack(o);
    for (const r of o.resources) {
      expect(Object.getOwnPropertyNames(r)).not.toContain('object');
      for (const value of Object.values(r))
        if (value && typeof value === 'object') expect(value).not.toHaveProperty('metadata');
    }
  });

  it('holds each pack in memory of its own size, not in a shared pool slab or a zlib chunk', () => {
    // Issue 20: a pack copied with Buffer.from stayed a view of Node's 8 KB pool (zlib's 16 KB chunk before): on the
    // xlarge bench repo 3,993 slabs (32.7 MB) were pinned for ~13 MB of packs.
    const store = new PackStore();
    const o = overlay(APP, 'apps/a/overlays/dev');
    store.pack(o);
    const pack = (o.resources[0] as unknown as { pack: { bytes: Buffer } }).pack;
    expect(pack.bytes.length).toBeLessThan(4096);
    expect(pack.bytes.buffer.byteLength).toBe(pack.bytes.length);
    expect(pack.bytes.byteOffset).toBe(0);
  });

  it('keeps nothing per resource on the shell but its index; an origin set later goes to that resource alone', () => {
    const o = overlay(APP, 'apps/a/overlays/dev');
    const store = new PackStore();
    store.pack(o);
    // Issue 20: the shell is two fields (pack, index); id, line, docIndex, spans and origins are the pack's.
    for (const r of o.resources) expect(Object.getOwnPropertyNames(r).sort()).toEqual(['index', 'pack']);
    const [first, second] = o.resources;
    second.origin = { file: 'apps/a/base/deployment.yaml', line: 3, column: 1 };
    second.transformedBy = [{ file: 'apps/a/overlays/dev/kustomization.yaml', kind: 'patches' }];
    expect(first.origin).toBeUndefined();
    expect(first.transformedBy).toBeUndefined();
    expect(second.origin).toEqual({ file: 'apps/a/base/deployment.yaml', line: 3, column: 1 });
    expect(second.transformedBy).toEqual([{ file: 'apps/a/overlays/dev/kustomization.yaml', kind: 'patches' }]);
    expect(o.resources.map((r) => [r.overlay, r.docIndex, r.rendered.line])).toEqual([
      ['apps/a/overlays/dev', 0, 1],
      ['apps/a/overlays/dev', 1, 6],
    ]);
  });

  it("deflates later overlays against the first large one's text, and reads every one back exactly", () => {
    // Issue 20: a repo's overlays share most of their text; the first overlay of 4 KB or more is zlib's dictionary.
    const big = (n: number, ns: string): string =>
      Array.from({ length: n }, (_, i) =>
        APP.replaceAll('team-a', ns)
          .replace('name: api', `name: api-${i}`)
          .replace('name: settings', `name: settings-${i}`),
      ).join('---\n');
    const first = overlay(big(12, 'team-a'), 'apps/a/overlays/dev');
    const later = [overlay(big(12, 'team-b'), 'apps/b/overlays/dev'), overlay(ODD, 'apps/c/overlays/dev')];
    const expected = [first, ...later].map((o) => o.resources.map((r) => structuredClone(r.object)));
    const alone = new PackStore();
    alone.pack(overlay(big(12, 'team-b'), 'apps/b/overlays/dev'));
    const store = new PackStore();
    store.pack(first);
    const before = store.stats.bytes;
    store.pack(later[0]);
    // Deflated against the dictionary, the second overlay costs less than half of what it costs alone.
    expect(store.stats.bytes - before).toBeLessThan(alone.stats.bytes / 2);
    packAndEvict(store, [later[1]]);
    [first, ...later].forEach((o, k) => o.resources.forEach((r, i) => expect(r.object).toEqual(expected[k][i])));
    expect(Buffer.from(later[0].resources[3].json!()).toString('utf8')).toBe(JSON.stringify(expected[1][3]));
  });

  it("keeps a hostile key as the object's own data, never as its prototype", () => {
    const o = overlay(HOSTILE, 'apps/h/overlays/dev');
    const store = new PackStore();
    packAndEvict(store, [o]);
    const data = o.resources[0].object.data as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(data)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("gives each resource's JSON as JSON.stringify writes its object, multi-byte text included", () => {
    const overlays = [overlay(APP, 'apps/a/overlays/dev'), overlay(ODD, 'apps/b/overlays/dev')];
    const texts = overlays.map((o) => o.resources.map((r) => JSON.stringify(r.object)));
    const store = new PackStore();
    packAndEvict(store, overlays);
    overlays.forEach((o, k) =>
      o.resources.forEach((r, i) => expect(Buffer.from(r.json!()).toString('utf8')).toBe(texts[k][i])),
    );
  });

  it('points findings reported during the render at the shells', () => {
    const o = overlay(APP, 'apps/a/overlays/dev');
    const parsed = o.resources;
    const found: FindingInput[] = [
      { ruleId: 'X', message: 'on a resource', resource: parsed[1] },
      { ruleId: 'X', message: 'on the overlay' },
    ];
    new PackStore().pack(o);
    const moved = onShells(found, parsed, o.resources);
    expect(moved[0].resource).toBe(o.resources[1]);
    expect(moved[1]).toBe(found[1]);
  });

  it('writes the policy input the engine would read from the objects, packed or not', async () => {
    const app = overlay(APP, 'apps/a/overlays/dev');
    const odd = overlay(ODD, 'apps/b/overlays/dev');
    const platform = overlayFromYaml(HOSTILE, { path: 'core/base', env: 'base', layer: 'core', app: undefined });
    // The app overlay's kustomization is spliced in as its own JSON text (policy/input.ts overlayJson).
    const root = mkdtempSync(join(tmpdir(), 'kfm-pack-k-'));
    mkdirSync(join(root, 'apps/a/overlays/dev'), { recursive: true });
    writeFileSync(
      join(root, 'apps/a/overlays/dev/kustomization.yaml'),
      'resources: [../../base]\nimages:\n- {name: api, newTag: "1.0"}\ncommonAnnotations: {note: "grüße \\"q\\""}\n',
    );
    app.overlay.kustomizationFile = 'kustomization.yaml';
    const source = await readKustomization(root, app.overlay);
    // What the audited built-in rules are given of it: `images` only (policy/partition.ts).
    expect((await readKustomization(root, app.overlay, ['images']))?.json).toBe(
      '{"images":[{"name":"api","newTag":"1.0"}]}',
    );
    rmSync(root, { recursive: true, force: true });
    expect(source?.object).toMatchObject({ images: [{ name: 'api', newTag: '1.0' }] });
    const group = (): EnvGroup => ({
      env: 'dev',
      members: [app, odd].map((rendered) => ({ rendered, kustomization: rendered === app ? source : null })),
    });
    const projects = [{ kind: 'AppProject', metadata: { name: 'p' } }];
    const params = { registries: ['quay.io/kfm'] };
    const expected = JSON.parse(
      JSON.stringify(
        buildEnvInput(
          group(),
          platform.resources.map((r) => r.object),
          projects,
          params,
        ),
      ),
    ) as unknown;
    const read = (bytes: ArrayBuffer): unknown => JSON.parse(Buffer.from(bytes).toString('utf8'));
    const plain = buildEnvInputJson(group(), platform.resources, projects, params);
    expect(read(plain.json)).toEqual(expected);
    expect(plain.resourceCount).toBe(3);
    const store = new PackStore();
    packAndEvict(store, [app, odd, platform]);
    const packed = buildEnvInputJson(group(), platform.resources, projects, params);
    expect(read(packed.json)).toEqual(expected);
    expect(packed.owners).toEqual([0, 0, 1]);
  });
});

describe('a check run over packed overlays (issue 20)', () => {
  it.skipIf(!hasKustomize)(
    'gives the checks shells whose objects read back, and places their findings through them',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kfm-pack-'));
      try {
        cpSync(join(fixtures, 'policy', 'dp-violation'), dir, { recursive: true });
        rmSync(join(dir, '.kfm-gitops'), { recursive: true, force: true });
        const seen: Resource[] = [];
        const probe: Check = {
          meta: {
            id: 'probe',
            description: 'records what it is given',
            docsUrl: 'https://example.invalid',
            defaultSeverity: 'error',
            errorRuleId: SCHEMA_RULES.checkFailed,
          },
          rules: () => [],
          run: async (ctx) => {
            seen.push(...ctx.resources);
            const deployment = ctx.resources.find((r) => r.id.kind === 'Deployment')!;
            ctx.report({
              ruleId: SCHEMA_RULES.invalidValue,
              message: 'probe',
              resource: deployment,
              path: ['spec', 'template', 'spec', 'containers', 0, 'image'],
            });
          },
        };
        const report = await checkRepo(dir, [probe]);
        expect(seen.length).toBeGreaterThan(0);
        for (const r of seen) {
          expect(Object.prototype.hasOwnProperty.call(r, 'object')).toBe(false);
          expect(r.object.kind).toBe(r.id.kind);
          expect((r.object.metadata as { name?: string }).name).toBe(r.id.name);
        }
        const found = report.findings.filter((f) => f.message === 'probe');
        expect(found.length).toBeGreaterThan(0);
        // The image comes from the overlay's `images:` entry, found by reading the rendered image from the object.
        for (const f of found) expect([f.file, f.line]).toEqual([`${f.overlay}/kustomization.yaml`, 7]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('KFM_UNPACKED_RESOURCES', () => {
  it('is refused unless a whole number (one line, exit 2), and packing or not changes no finding', async () => {
    const repo = join(fixtures, 'policy', 'dp-violation');
    const bad = await runCli(['check', repo, '--format', 'json', '--no-cache'], {
      env: { KFM_UNPACKED_RESOURCES: 'lots' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('KFM_UNPACKED_RESOURCES must be a whole number');
    const findings = async (value: string): Promise<unknown> => {
      const r = await runCli(['check', repo, '--format', 'json', '--no-cache'], {
        env: { KFM_UNPACKED_RESOURCES: value },
      });
      expect(r.code, r.stderr).toBe(1);
      return (JSON.parse(r.stdout) as { findings: unknown[] }).findings;
    };
    expect(await findings('0')).toEqual(await findings('100000'));
  }, 120_000);
});
