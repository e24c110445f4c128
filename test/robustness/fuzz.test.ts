/**
 * Seeded, bounded fuzzing of the stages that read untrusted text: YAML parse, the kustomization walker and the
 * config loader. For every input: no uncaught exception, bounded time, and either resources or a finding/error —
 * never silence on input that could not be fully read. `npm run fuzz` raises the budget (KFM_FUZZ_RUNS).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { readKustomization, walkOverlay } from '../../src/discover/kustomization.js';
import { parseResources } from '../../src/parse/index.js';

const RUNS = Number(process.env.KFM_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.KFM_FUZZ_SEED ?? 20261126);
const PER_INPUT_MS = 2000;

const VALID = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: kfm-dev
  labels: {app: web}
spec:
  replicas: 2
  template:
    metadata:
      labels: &l {app: web}
    spec:
      containers:
        - name: web
          image: quay.io/kfm/web@sha256:${'a'.repeat(64)}
          env: [{name: A, value: "1"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {k: v}
`;

/** Mutations that real broken input shows: truncation, tabs, CRLF, BOM, NUL, bad bytes, dup keys, tags, deep nesting. */
const mutation = fc.oneof(
  fc.nat().map((n) => (s: string) => s.slice(0, n % (s.length + 1))),
  fc.nat().map((n) => (s: string) => {
    const i = n % (s.length + 1);
    return `${s.slice(0, i)}\t${s.slice(i)}`;
  }),
  fc.constant((s: string) => s.replace(/\n/g, '\r\n')),
  fc.constant((s: string) => `\uFEFF${s}`),
  fc.nat().map((n) => (s: string) => {
    const i = n % (s.length + 1);
    return `${s.slice(0, i)}\u0000${s.slice(i)}`;
  }),
  fc.nat().map((n) => (s: string) => {
    const i = n % (s.length + 1);
    return `${s.slice(0, i)}\uFFFD\uD800${s.slice(i)}`;
  }),
  fc.constant((s: string) => s.replace('  name: web\n', '  name: web\n  name: web2\n')),
  fc
    .constantFrom('!!binary', '!!js/function', '!custom', '!!python/object', '!!merge')
    .map((tag) => (s: string) => s.replace('value: "1"', `value: ${tag} "1"`)),
  fc
    .integer({ min: 50, max: 1000 })
    .map(
      (d) => (s: string) =>
        `${s}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(d)}${']'.repeat(d)}\n`,
    ),
  fc.constant((s: string) => s.replace('labels: {app: web}', 'labels: {<<: *l, app: web}')),
  fc.nat().map((n) => (s: string) => {
    const lines = s.split('\n');
    const i = n % lines.length;
    lines[i] = ` ${lines[i]}`;
    return lines.join('\n');
  }),
  fc.string({ maxLength: 40 }).chain((junk) =>
    fc.nat().map((n) => (s: string) => {
      const i = n % (s.length + 1);
      return `${s.slice(0, i)}${junk}${s.slice(i)}`;
    }),
  ),
);

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe('fuzz: YAML parse stage', () => {
  it('never throws, never hangs, and always explains what it did not parse', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const input = mutations.reduce((s, m) => m(s), VALID);
        const { value, ms } = timed(() => parseResources(input, { overlay: 'o', file: 'f.yaml' }));
        expect(ms).toBeLessThan(PER_INPUT_MS);
        // Everything non-empty becomes either a resource or a finding; an input that lost both docs must say so.
        const docsInInput = input.split(/^---/m).filter((d) => d.trim() !== '').length;
        expect(value.resources.length + value.findings.length).toBeGreaterThanOrEqual(Math.min(1, docsInInput));
        for (const f of value.findings) expect(f.ruleId).toMatch(/^KFM-RENDER-0\d\d$/);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('handles arbitrary unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const { ms } = timed(() => parseResources(text, { overlay: 'o', file: 'f.yaml' }));
        expect(ms).toBeLessThan(PER_INPUT_MS);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('a 20 MB single line is refused by size, in bounded time', () => {
    const line = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {k: "${'x'.repeat(20 * 1024 * 1024)}"}\n`;
    const { value, ms } = timed(() => parseResources(line, { overlay: 'o', file: 'f.yaml' }));
    expect(value.findings[0].ruleId).toBe('KFM-RENDER-012');
    expect(ms).toBeLessThan(10_000);
  });
});

describe('fuzz: config loader', () => {
  const keys = [
    'root',
    'concurrency',
    'failOn',
    'kustomize',
    'rules',
    'exceptions',
    'discovery',
    'bogus',
    'kubernetesVersion',
  ];
  it('either returns a config or a ConfigError with a line, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
        fc.array(mutation, { maxLength: 2 }),
        async (obj, mutations) => {
          const text = mutations.reduce((s, m) => m(s), JSON.stringify(obj));
          try {
            await parseConfig(text, 'kfm-gitops.yaml');
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            expect((err as Error).message).toMatch(/^kfm-gitops\.yaml/);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

describe('fuzz: kustomization walker', () => {
  const root = mkdtempSync(join(tmpdir(), 'kfm-fuzz-walk-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const refs = fc.oneof(
    fc.constantFrom(
      '../base',
      'deploy.yaml',
      'https://github.com/a/b//c?ref=v1',
      'github.com/a/b',
      '../../../../../etc',
      '/etc/passwd',
      'git@github.com:a/b.git',
      '.',
      '..',
      '',
    ),
    fc.string({ maxLength: 20 }),
  );
  it('never throws and reports remote and escaping references', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(refs, { maxLength: 5 }),
        fc.array(mutation, { maxLength: 2 }),
        async (resources, mutations) => {
          const dir = join(root, `o${n++}`);
          mkdirSync(join(dir, 'overlay'), { recursive: true });
          mkdirSync(join(dir, 'base'), { recursive: true });
          writeFileSync(join(dir, 'base', 'kustomization.yaml'), 'resources: [../overlay]\n'); // a cycle back
          const text = mutations.reduce(
            (s, m) => m(s),
            `resources:\n${resources.map((r) => `  - ${JSON.stringify(r)}`).join('\n')}\n`,
          );
          writeFileSync(join(dir, 'overlay', 'kustomization.yaml'), text);
          const walk = await walkOverlay(dir, join(dir, 'overlay'), { allowExec: false });
          // Expectations follow what survived the mutation, as the walker's own reader sees it.
          const present = (await readKustomization(join(dir, 'overlay', 'kustomization.yaml'))).refs.map(
            (r) => r.value,
          );
          if (!walk.issues.some((i) => i.kind === 'unreadable')) {
            if (present.some((r) => r.startsWith('https://') || r.startsWith('git@') || r === 'github.com/a/b')) {
              expect(walk.issues.some((i) => i.kind === 'remote')).toBe(true);
            }
            if (present.some((r) => r.startsWith('../../../') || r === '/etc/passwd')) {
              expect(walk.issues.some((i) => i.kind === 'outside-root')).toBe(true);
            }
          }
        },
      ),
      { numRuns: Math.max(50, Math.floor(RUNS / 3)), seed: SEED },
    );
  });
});
