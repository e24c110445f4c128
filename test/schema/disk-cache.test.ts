/** Compiled validators cached on disk: same verdicts from the cached module, and no code runs without our MAC. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSchemaConfig } from '../../src/checks/schema/config.js';
import { scriptOf, shippedSchemaCacheDir, ValidatorDiskCache } from '../../src/checks/schema/disk-cache.js';
import { resetEngines } from '../../src/checks/schema/engine.js';
import { ResourceValidator } from '../../src/checks/schema/validate.js';
import type { Resource } from '../../src/types.js';
import { parse } from './helpers.js';

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 99999999999
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      contaners: []
      containers:
        - name: app
          image: nginx
          resources: {limits: {memory: 1 GB}}
        - name: app
          image: nginx
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc}
  syncPolicy: {automated: {selfheal: true}}
`;

/** A CRD of group example.com serving v1 whose root `properties` are `properties` (YAML at 12 spaces). */
function crdOf(kind: string, plural: string, properties: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.example.com}
spec:
  group: example.com
  names: {kind: ${kind}, plural: ${plural}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            ${properties}`;
}

let tmp: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kfm-schema-cache-'));
  env = { XDG_CACHE_HOME: join(tmp, 'home-cache') };
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

async function prepared(
  resources: Resource[],
  cache: ValidatorDiskCache | undefined,
  shipped?: ValidatorDiskCache,
): Promise<ResourceValidator> {
  resetEngines();
  const validator = new ResourceValidator({
    release: '1.37',
    config: readSchemaConfig(undefined),
    root: tmp,
    resources,
  });
  await validator.prepare(resources, cache, shipped);
  return validator;
}

async function run(
  resources: Resource[],
  cache: ValidatorDiskCache | undefined,
  shipped?: ValidatorDiskCache,
): Promise<string[]> {
  const validator = await prepared(resources, cache, shipped);
  return resources.flatMap((r) =>
    validator.validate(r).map((v) => `${v.ruleId} ${JSON.stringify(v.path)} ${v.message}`),
  );
}

describe('validator disk cache', () => {
  it('writes one module per schema, then serves identical verdicts from it', async () => {
    const resources = parse(manifest);
    const inMemory = await run(resources, undefined);
    expect(inMemory.length).toBe(5);

    const first = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, first)).toEqual(inMemory);
    expect(first.stats).toEqual({ hits: 0, writes: 2, rejected: 0 });

    const second = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, second)).toEqual(inMemory);
    expect(second.stats).toEqual({ hits: 2, writes: 0, rejected: 0 });
  });

  it('keeps no generated code in memory once a validator is written, and validators written later in the run that share its definitions are whole', async () => {
    // Workloads sharing the PodSpec/ObjectMeta definitions: each written after the previous one dropped its code.
    const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];
    const text = kinds
      .map(
        (kind) =>
          `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: w}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: i, bogus: 1, resources: {limits: {cpu: lots}}}]\n`,
      )
      .join('---\n');
    const resources = parse(text);
    const inMemory = await run(resources, undefined);
    expect(inMemory.filter((v) => v.includes('bogus'))).toHaveLength(4);
    const first = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    const validator = await prepared(resources, first);
    expect(first.stats.writes).toBe(4);
    for (const r of resources) {
      const fn = validator.engine.get(validator.engine.kubernetesTarget(r.id.apiVersion, r.id.kind)!);
      expect((fn as { source?: unknown }).source).toBeUndefined();
    }
    const second = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, second)).toEqual(inMemory);
    expect(second.stats).toEqual({ hits: 4, writes: 0, rejected: 0 });
  });

  it('serves validators whose generated code needs ajv runtime helpers (string lengths, deep equality) from the cache', async () => {
    // ajv's standalone code calls require() for these helpers even in an ES module: such entries never loaded, so
    // every run compiled them again (23 of redhat-cop/gitops-catalog's shipped schemas, ~3 s of CPU per run).
    const crd = `${crdOf(
      'Gadget',
      'gadgets',
      `spec:
              type: object
              properties:
                name: {type: string, maxLength: 3}
                tags: {type: array, uniqueItems: true, items: {type: object}}`,
    )}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
spec: {name: toolong, tags: [{a: 1}, {a: 1}]}
`;
    const resources = parse(crd);
    const inMemory = await run(resources, undefined);
    expect(inMemory.join('\n')).toContain('["spec","name"]');
    const first = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, first)).toEqual(inMemory);
    const written = readdirSync(join(tmp, 'cache')).filter((f) => f.endsWith('.js'));
    const texts = written.map((f) => readFileSync(join(tmp, 'cache', f), 'utf8'));
    expect(texts.some((t) => t.includes('require('))).toBe(true);
    // The root validator is written as an expression V8 compiles in one pass (disk-cache.ts eagerModule).
    expect(texts.some((t) => /var validate\d+ = \(function validate\d+\(/.test(t))).toBe(true);
    const second = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, second)).toEqual(inMemory);
    expect(second.stats).toEqual({ hits: first.stats.writes, writes: 0, rejected: 0 });
  });

  it('never imports a module whose MAC does not verify (e.g. one committed in a pull request)', async () => {
    const resources = parse(manifest);
    const cache = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    const verdicts = await run(resources, cache);
    for (const f of readdirSync(join(tmp, 'cache'))) {
      const text = readFileSync(join(tmp, 'cache', f), 'utf8');
      const header = text.slice(0, text.indexOf('\n'));
      writeFileSync(
        join(tmp, 'cache', f),
        `${header}\n(function () { globalThis.kfmPlanted = true; return () => true; })`,
      );
    }
    const again = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, again)).toEqual(verdicts);
    expect(again.stats).toEqual({ hits: 0, writes: 2, rejected: 2 });
    expect((globalThis as { kfmPlanted?: boolean }).kfmPlanted).toBeUndefined();
  });

  it("schemas shipped with the tool go to the per-user cache (outside the repository), a CRD of the run to the repository's", async () => {
    // A Deployment (the release's definitions), an Application (the shipped CRD pack), a CRD of the run and its object.
    const crd = `---
${crdOf('Widget', 'widgets', 'spec: {type: object, properties: {size: {type: integer}}}')}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {size: many}
`;
    const resources = parse(manifest + crd);
    const inMemory = await run(resources, undefined);
    expect(inMemory.join('\n')).toContain('size');
    expect(shippedSchemaCacheDir(env)).toBe(join(tmp, 'home-cache', 'kfm-gitops', 'schema'));
    const repo = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    const shipped = ValidatorDiskCache.openShipped(env)!;
    expect(await run(resources, repo, shipped)).toEqual(inMemory);
    // The CRD object itself and the Deployment: the release's definitions; the Application: the shipped pack.
    expect([repo.stats.writes, shipped.stats.writes]).toEqual([1, 3]);
    const modules = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(modules(shippedSchemaCacheDir(env))).toHaveLength(3);
    // Another repository (its own cache empty) loads the shipped validators instead of compiling them.
    const otherRepo = ValidatorDiskCache.open(join(tmp, 'other-cache'), env)!;
    const again = ValidatorDiskCache.openShipped(env)!;
    expect(await run(resources, otherRepo, again)).toEqual(inMemory);
    expect(again.stats).toEqual({ hits: 3, writes: 0, rejected: 0 });
    expect(otherRepo.stats).toEqual({ hits: 0, writes: 1, rejected: 0 });
    // Authenticated like the repository's: an edited module is never imported, the validator is compiled again.
    const dir = shippedSchemaCacheDir(env);
    for (const f of modules(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      writeFileSync(
        join(dir, f),
        `${text.slice(0, text.indexOf('\n'))}\n(function () { globalThis.kfmPlanted = 1; return () => true; })`,
      );
    }
    const planted = ValidatorDiskCache.openShipped(env)!;
    expect(await run(resources, otherRepo, planted)).toEqual(inMemory);
    expect(planted.stats).toMatchObject({ hits: 0, rejected: 3 });
    expect((globalThis as { kfmPlanted?: number }).kfmPlanted).toBeUndefined();
  });

  it("writes V8's code cache once the validators have run, and the next run compiles from it with the same verdicts", async () => {
    const resources = parse(manifest);
    const inMemory = await run(resources, undefined);
    const first = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, first)).toEqual(inMemory);
    first.writeCodeCaches();
    // Compiled in memory this run: nothing loaded from disk, so no code cache yet.
    expect(first.code).toEqual({ used: 0, written: 0 });
    const second = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, second)).toEqual(inMemory);
    second.writeCodeCaches();
    expect(second.code).toEqual({ used: 0, written: 2 });
    const caches = readdirSync(join(tmp, 'cache')).filter((f) => f.endsWith('.v8'));
    expect(caches).toHaveLength(2);
    const third = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, third)).toEqual(inMemory);
    third.writeCodeCaches();
    expect(third.code).toEqual({ used: 2, written: 0 });
    expect(third.stats).toEqual({ hits: 2, writes: 0, rejected: 0 });
  });

  it('never hands V8 a code cache whose MAC does not verify (bytecode from a pull request is never run)', async () => {
    const resources = parse(manifest);
    const inMemory = await run(resources, undefined);
    await run(resources, ValidatorDiskCache.open(join(tmp, 'cache'), env)!);
    const filler = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    await run(resources, filler);
    filler.writeCodeCaches();
    const dir = join(tmp, 'cache');
    const files = readdirSync(dir).filter((f) => f.endsWith('.v8'));
    expect(files).toHaveLength(2);
    // One cache with its bytes changed under the old MAC, one whose MAC is another user's.
    const [edited, foreign] = files.map((f) => join(dir, f));
    const bytes = readFileSync(edited);
    bytes[bytes.length - 9] ^= 0xff;
    writeFileSync(edited, bytes);
    const text = readFileSync(foreign);
    const newline = text.indexOf(10);
    writeFileSync(
      foreign,
      Buffer.concat([Buffer.from(`kfm-gitops v8 code cache; mac=${'0'.repeat(64)}`), text.subarray(newline)]),
    );
    const again = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, again)).toEqual(inMemory);
    // Neither was used: both scripts compiled from their (authentic) source, and their caches are written anew.
    expect(again.code.used).toBe(0);
    again.writeCodeCaches();
    expect(again.code.written).toBe(2);
    const healed = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(await run(resources, healed)).toEqual(inMemory);
    expect(healed.code.used).toBe(2);
  });

  it('writes an entry only for the shape ajv writes: one export statement, no other import or export', () => {
    const code = 'const schema1 = {};function validate1(data){return true;}';
    const exports = 'export const validate = validate1;export default validate1;';
    expect(scriptOf(`${code}\n${exports}\n`)).toMatch(/return validate1;\n\}\)$/);
    expect(scriptOf(code)).toBeUndefined();
    expect(scriptOf(`${code}\n${exports}\n${exports}\n`)).toBeUndefined();
    expect(scriptOf(`import x from 'y';\n${code}\n${exports}\n`)).toBeUndefined();
    expect(scriptOf(`${code}\nexport const other = 1;\n${exports}\n`)).toBeUndefined();
  });

  it('keys depend on the schema: a changed CRD gets its own module', () => {
    const cache = ValidatorDiskCache.open(join(tmp, 'cache'), env)!;
    expect(cache.keyFor('r', { type: 'object' })).not.toBe(cache.keyFor('r', { type: 'object', required: ['spec'] }));
    expect(cache.keyFor('r1', { type: 'object' })).not.toBe(cache.keyFor('r2', { type: 'object' }));
  });
});
