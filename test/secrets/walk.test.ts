/**
 * The walk visits the scalars that lead a map or a sequence without a frame each (src/checks/secrets/walk.ts
 * `inlineLeaves`): a fast path that must hand over the same visits, in the same order, with the same paths, and stop
 * at the same node when the budget runs out. Compared with the walk that puts every node on its stack, on generated
 * documents (Kubernetes shapes, deep nesting past the depth cap, shared subtrees, annotations holding JSON), on every
 * YAML document of the fixtures and, when present, of the shared corpus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { leafPath, pathOf, walkDocumentInto, WalkBudgetExceeded } from '../../src/checks/secrets/walk.js';
import { filesUnder, fixtures, hasShared, sharedDir } from '../helpers.js';
import { rng } from './vectors.js';

/** Every visit of a walk as a string (values, paths, other visits), and how it ended. */
function visits(doc: unknown, inlineLeaves: boolean, maxNodes?: number, kustomization = false): string[] {
  const out: string[] = [];
  try {
    walkDocumentInto(
      doc,
      { inlineLeaves, maxNodes, kustomization },
      {
        value: (key, value, reference, parent, seg) =>
          out.push(`value ${key}=${value} ${reference} ${JSON.stringify(leafPath(parent, seg))}`),
        visit: (v) => out.push(JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? [...x] : x))),
      },
    );
    out.push('done');
  } catch (err) {
    if (!(err instanceof WalkBudgetExceeded)) throw err;
    out.push('budget');
  }
  return out;
}

function generatedDocs(seed: number, count: number): unknown[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const keys = ['name', 'value', 'kind', 'apiVersion', 'data', 'stringData', 'spec', 'env', 'password', 'x', 'items'];
  const scalars = (): unknown => pick(['v', 'DB_PASSWORD', 12, 0, 'Secret', 'v1', 'hunter2hunter2', '', -1.5]);
  const shared = { name: 'shared', value: 'ZGF0YQ==', list: [1, 2, { a: 'b' }] };
  const node = (depth: number): unknown => {
    const r = next();
    if (depth > 6 || r < 0.35) return scalars();
    if (r < 0.4) return shared;
    if (r < 0.45) return null;
    if (r < 0.6) return Array.from({ length: Math.floor(next() * 5) }, () => node(depth + 1));
    const m: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 6); i > 0; i--) m[pick(keys)] = node(depth + 1);
    if (next() < 0.1) m['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify({ a: [1, { b: 'c' }] });
    if (next() < 0.1) m['kubectl.kubernetes.io/last-applied-configuration'] = '{not json';
    return m;
  };
  const docs: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const doc = node(0);
    if (next() < 0.2 && doc !== null && typeof doc === 'object' && !Array.isArray(doc))
      Object.assign(
        doc,
        pick([
          { apiVersion: 'v1', kind: 'Secret', data: { a: 'aGVsbG8=', b: 'not base64!' }, stringData: { c: 'x' } },
          { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', spec: { encryptedData: { k: 'AgB' }, x: 'y' } },
          {
            apiVersion: 'external-secrets.io/v1beta1',
            kind: 'ExternalSecret',
            spec: { target: { template: { data: { k: 'v' } } } },
          },
          {
            secretGenerator: [{ name: 'g', literals: ['a=b'], files: ['f.txt'] }],
            patches: [{ patch: 'a: b\nc: [1]\n' }],
          },
        ]),
      );
    docs.push(doc);
  }
  // Past the depth cap: scalars of the deepest maps and sequences are not visited, either way.
  for (const levels of [105, 106]) {
    let deep: unknown = { leaf: 'bottom', list: ['a', 'b'] };
    for (let d = 0; d < levels; d++) deep = d % 2 === 0 ? { k: 'v', n: deep, z: 'w' } : ['s', deep, 't'];
    docs.push(deep);
  }
  return docs;
}

describe('walk: leading scalars visited without a frame', () => {
  it('hands over the same visits in the same order as the walk with a frame per node', () => {
    const docs = generatedDocs(42, 3000);
    for (const root of [fixtures, ...(hasShared ? [join(sharedDir, 'corpus')] : [])])
      for (const file of filesUnder(root).filter((f) => /\.(ya?ml|json)$/.test(f))) {
        try {
          for (const d of jsyaml.loadAll(readFileSync(file, 'utf8'), undefined, { json: true })) docs.push(d);
        } catch {
          // a fixture that is meant not to parse
        }
      }
    let values = 0;
    for (const doc of docs) {
      const expected = visits(doc, false);
      expect(visits(doc, true)).toEqual(expected);
      expect(visits(doc, true, undefined, true)).toEqual(visits(doc, false, undefined, true));
      values += expected.length;
    }
    expect(values).toBeGreaterThan(20_000);
  });

  it('stops at the same node when the budget runs out', () => {
    let stopped = 0;
    for (const doc of generatedDocs(7, 400))
      for (const maxNodes of [0, 1, 2, 3, 5, 8, 13, 40]) {
        const expected = visits(doc, false, maxNodes);
        expect(visits(doc, true, maxNodes)).toEqual(expected);
        if (expected.at(-1) === 'budget') stopped++;
      }
    expect(stopped).toBeGreaterThan(500);
  });

  it('a leaf path is its parent path and its own key or index', () => {
    const out: string[] = [];
    walkDocumentInto(
      { a: [{ b: 'x' }, 'y'], c: 'z' },
      {},
      {
        value: (_k, v, _r, parent, seg) => out.push(`${v}@${leafPath(parent, seg).join('.')}`),
        visit: () => undefined,
      },
    );
    expect(out).toEqual(['x@a.0.b', 'y@a.1', 'z@c']);
    expect(leafPath(undefined, '')).toEqual([]);
    expect(pathOf(undefined)).toEqual([]);
  });
});
