/**
 * Policy evaluation benchmark (for `npm run bench`): milliseconds per 1,000 resources for the shipped bundle,
 * evaluated the way the check does it (once per overlay, all rules through one entrypoint) and, for comparison,
 * once per object (which is both slower and blind to cross-object rules such as the trust membrane).
 */
import { readBundle } from '../../src/checks/policy/bundle.js';
import { PolicyEngine, type PolicyInput } from '../../src/checks/policy/engine.js';

export interface PolicyBenchResult {
  resources: number;
  overlays: number;
  resourcesPerOverlay: number;
  /** Whole-overlay evaluation, the strategy the check uses. */
  wholeOverlayMsPer1000: number;
  /** One evaluation per object. */
  perObjectMsPer1000: number;
}

/** A realistic app overlay: a governed API, a store with its policies, a UI with a route, RBAC, config. */
export function overlayResources(n: number, seed: number): Record<string, unknown>[] {
  const ns = `kfm-app${seed}-prod`;
  const digest = `sha256:${seed.toString(16).padStart(64, '0')}`;
  const pod = (name: string, image: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...labels } },
        spec: { containers: [{ name, image: `${image}@${digest}`, ports: [{ containerPort: 8080 }], ...extra }] },
      },
    },
  });
  const out: Record<string, unknown>[] = [
    pod(
      'api',
      'ghcr.io/kfm/api',
      { 'kfm.dev/governed-api': 'true' },
      { envFrom: [{ secretRef: { name: 'db-credentials' } }] },
    ),
    {
      ...pod(
        'db',
        'docker.io/postgis/postgis',
        { 'kfm.dev/tier': 'store' },
        { envFrom: [{ secretRef: { name: 'db-credentials' } }] },
      ),
      kind: 'StatefulSet',
    },
    pod('ui', 'ghcr.io/kfm/ui', {}),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: ns },
      spec: { selector: { app: 'db' }, ports: [{ port: 5432 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ui', namespace: ns },
      spec: { selector: { app: 'ui' }, ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'route.openshift.io/v1',
      kind: 'Route',
      metadata: { name: 'ui', namespace: ns },
      spec: { to: { kind: 'Service', name: 'ui' } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'db-from-api', namespace: ns },
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { 'kfm.dev/governed-api': 'true' } } }] }],
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'api', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    },
  ];
  for (let i = out.length; i < n; i++) {
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cfg-${i}`, namespace: ns },
      data: { key: `value-${i}` },
    });
  }
  return out.slice(0, n);
}

export async function benchPolicy(
  options: { resources?: number; resourcesPerOverlay?: number } = {},
): Promise<PolicyBenchResult> {
  const total = options.resources ?? 2000;
  const perOverlay = options.resourcesPerOverlay ?? 25;
  const bundle = await readBundle();
  const engine = await PolicyEngine.load(
    bundle.wasm,
    bundle.manifest.entrypoint,
    bundle.catalogue.rules.map((r) => r.id),
  );
  const inputs: PolicyInput[] = [];
  for (let seed = 0; inputs.length * perOverlay < total; seed++) {
    inputs.push({
      overlay: {
        path: `apps/app${seed}/overlays/prod`,
        env: 'prod',
        layer: 'apps',
        app: `app${seed}`,
        kustomization: null,
        kustomizationFile: null,
      },
      resources: overlayResources(perOverlay, seed),
      run: { appProjects: [] },
      params: {},
    });
  }
  const resources = inputs.reduce((n, i) => n + i.resources.length, 0);
  await engine.evaluate(inputs[0]); // warm-up: first call compiles lazily in V8

  let started = performance.now();
  for (const input of inputs) await engine.evaluate(input);
  const whole = performance.now() - started;

  started = performance.now();
  for (const input of inputs) for (const r of input.resources) await engine.evaluate({ ...input, resources: [r] });
  const perObject = performance.now() - started;

  const per1000 = (ms: number) => Math.round((ms / resources) * 1000 * 10) / 10;
  return {
    resources,
    overlays: inputs.length,
    resourcesPerOverlay: perOverlay,
    wholeOverlayMsPer1000: per1000(whole),
    perObjectMsPer1000: per1000(perObject),
  };
}
