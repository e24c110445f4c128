/** The context a policy evaluation gets beside an env's own objects (src/checks/policy/input.ts sharedResources). */
import { describe, expect, it } from 'vitest';
import { sharedResources } from '../../src/checks/policy/input.js';
import type { RenderedOverlay, Resource } from '../../src/types.js';

const res = (kind: string, namespace: string, spec: Record<string, unknown> = {}): Resource =>
  ({
    id: { apiVersion: 'v1', kind, name: kind.toLowerCase(), namespace },
    object: { apiVersion: 'v1', kind, metadata: { name: kind.toLowerCase(), namespace }, spec },
  }) as unknown as Resource;
const overlay = (path: string, env: string, layer: string, ...resources: Resource[]): RenderedOverlay =>
  ({ overlay: { path, env, layer }, resources }) as unknown as RenderedOverlay;

describe('sharedResources', () => {
  const store = res('StatefulSet', 'kfm-prod');
  const prod = overlay('apps/db/overlays/prod', 'prod', 'apps', store);
  const allowAll = res('NetworkPolicy', 'kfm-prod', { podSelector: {}, ingress: [{}] });
  const denyAll = res('NetworkPolicy', 'kfm-prod', { podSelector: {}, policyTypes: ['Ingress'] });

  it("gives a platform overlay's env the app objects of the namespaces its objects could open, not for a default-deny", () => {
    const baseline = overlay('core/baseline', 'baseline', 'core', allowAll);
    expect(sharedResources([baseline, prod], 'baseline')).toEqual([store]);
    const denying = overlay('core/baseline', 'baseline', 'core', denyAll);
    expect(sharedResources([denying, prod], 'baseline')).toEqual([]);
  });

  it("does so when an app overlay shares the platform overlay's env too (no way around by placing one there)", () => {
    const baseline = overlay('core/baseline', 'baseline', 'core', allowAll);
    const decoy = overlay('apps/foo/overlays/baseline', 'baseline', 'apps', res('ConfigMap', 'kfm-foo'));
    expect(sharedResources([baseline, decoy, prod], 'baseline')).toEqual([store]);
  });
});
