/** Objects of a folder Argo CD deploys on its own are placed in the destination namespace (src/argo/destination.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { namespacedKindsOf, placeInDestination } from '../../src/argo/destination.js';
import type { RenderedOverlay, Resource } from '../../src/types.js';
import { repoRoot } from '../helpers.js';

const resource = (kind: string, namespace?: string): Resource =>
  ({
    id: { apiVersion: 'v1', kind, name: 'x', ...(namespace ? { namespace } : {}) },
    object: { apiVersion: 'v1', kind, metadata: { name: 'x', ...(namespace ? { namespace } : {}) } },
  }) as unknown as Resource;

const rendered = (...resources: Resource[]): RenderedOverlay => ({ resources }) as unknown as RenderedOverlay;

const ENVS = ['dev', 'stage', 'prod'];

const namespaceOf = (r: Resource): unknown => (r.object.metadata as Record<string, unknown>).namespace;

describe('placeInDestination', () => {
  it('reads the namespaced kinds of the generated scopes document', () => {
    const kinds = namespacedKindsOf(readFileSync(join(repoRoot, 'policies', 'data', 'scopes.rego'), 'utf8'));
    expect(kinds.has('Route')).toBe(true);
    expect(kinds.has('Deployment')).toBe(true);
    expect(kinds.has('ClusterRole')).toBe(false);
    expect(kinds.has('Namespace')).toBe(false);
    expect(() => namespacedKindsOf('package x\n')).toThrow(/no namespaced set/);
  });

  it('places namespaced objects without a namespace, and nothing else', () => {
    const r = rendered(resource('Route'), resource('Service', 'other'), resource('ClusterRole'), resource('Widget'));
    placeInDestination(r, ['kfm-prod', 'kfm-prod'], ENVS);
    expect(r.resources.map(namespaceOf)).toEqual(['kfm-prod', 'other', undefined, undefined]);
  });

  it('takes the namespace of the strictest env when the Applications disagree', () => {
    const r = rendered(resource('Route'));
    placeInDestination(r, ['kfm-dev', 'kfm-prod', 'kfm-stage'], ENVS);
    expect(r.resources.map(namespaceOf)).toEqual(['kfm-prod']);
  });

  it('leaves objects as rendered when the Applications name no namespace, or disagree without an env to choose by', () => {
    const r = rendered(resource('Route'));
    placeInDestination(r, [], ENVS);
    placeInDestination(r, ['team-a', 'team-b'], ENVS);
    placeInDestination(r, ['a-prod', 'b-prod'], ENVS);
    expect(r.resources.map(namespaceOf)).toEqual([undefined]);
  });
});
