/** Objects of a folder Argo CD deploys on its own are placed in the destination namespace (src/argo/destination.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { placeInDestination, scopeSetOf } from '../../src/argo/destination.js';
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
    const rego = readFileSync(join(repoRoot, 'policies', 'data', 'scopes.rego'), 'utf8');
    const kinds = scopeSetOf(rego, 'namespaced');
    expect(kinds.has('Route')).toBe(true);
    expect(kinds.has('Deployment')).toBe(true);
    expect(kinds.has('ClusterRole')).toBe(false);
    expect(scopeSetOf(rego, 'cluster_scoped').has('Namespace')).toBe(true);
    expect(() => scopeSetOf('package x\n', 'cluster_scoped')).toThrow(/no cluster_scoped set/);
  });

  it('places namespaced objects without a namespace, and nothing else', () => {
    const r = rendered(resource('Route'), resource('Service', 'other'), resource('ClusterRole'));
    placeInDestination(r, ['kfm-prod', 'kfm-prod'], ENVS);
    expect(r.resources.map(namespaceOf)).toEqual(['kfm-prod', 'other', undefined]);
  });

  it('custom resources: placed unless a shipped scope index says cluster-scoped (Argo CD places a namespaced CR)', () => {
    const cr = (apiVersion: string, kind: string): Resource =>
      ({
        id: { apiVersion, kind, name: 'x' },
        object: { apiVersion, kind, metadata: { name: 'x' } },
      }) as unknown as Resource;
    const r = rendered(
      cr('gateway.networking.k8s.io/v1', 'HTTPRoute'),
      cr('apps.openshift.io/v1', 'DeploymentConfig'),
      cr('example.com/v1', 'Widget'),
      cr('machineconfiguration.openshift.io/v1', 'MachineConfig'),
      cr('gateway.networking.k8s.io/v1', 'GatewayClass'),
    );
    placeInDestination(r, ['kfm-prod'], ENVS);
    expect(r.resources.map(namespaceOf)).toEqual(['kfm-prod', 'kfm-prod', 'kfm-prod', undefined, undefined]);
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
