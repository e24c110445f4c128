/**
 * Every rule through the compiled WebAssembly in Node (not through opa): a failing case that must report the rule
 * at a given path, and a passing case that must not. This is what catches host-builtin gaps the Rego tests cannot.
 */
import { describe, expect, it } from 'vitest';
import { readBundle } from '../../src/checks/policy/bundle.js';
import { PolicyEngine, type PolicyInput } from '../../src/checks/policy/engine.js';
import { policiesDir } from './helpers.js';
import { join } from 'node:path';

type Obj = Record<string, unknown>;
interface Case {
  rule: string;
  overlay?: Partial<PolicyInput['overlay']>;
  resources: Obj[];
  appProjects?: Obj[];
  params?: Obj;
  /** Expected [resource index, path] of the violation; absent in the passing case. */
  at?: [number | null, (string | number)[]];
}

const DIGEST = 'sha256:' + 'ab'.repeat(32);
const meta = (name: string, namespace = 'kfm-dev', labels?: Obj): Obj => ({
  name,
  namespace,
  ...(labels ? { labels } : {}),
});
const deploy = (name: string, image: string, podLabels: Obj = { app: name }, extra: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(name),
  spec: { template: { metadata: { labels: podLabels }, spec: { containers: [{ name: 'c', image, ...extra }] } } },
});
const svc = (name: string, selector: Obj, type = 'ClusterIP'): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(name),
  spec: { type, selector },
});
const np = (name: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: meta(name),
  spec,
});
const db = deploy('db', 'postgres:16', { app: 'db' }, { envFrom: [{ secretRef: { name: 'db-creds' } }] });
/** A CiliumNetworkPolicy selecting the db's pods with one ingress rule. */
const cilium = (ingress: Obj): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: meta('db-in'),
  spec: { endpointSelector: { matchLabels: { 'k8s:app': 'db' } }, ingress: [ingress] },
});
const withClaim = (w: Obj, claimName: string): Obj => {
  const spec = w.spec as { template: { spec: Obj } };
  return {
    ...w,
    spec: {
      ...spec,
      template: {
        ...spec.template,
        spec: { ...spec.template.spec, volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] },
      },
    },
  };
};
const deny = np('deny', { podSelector: {}, policyTypes: ['Ingress'] });
const role = (kind: string, rules: Obj[]): Obj => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: meta('r'),
  rules,
});
const binding = (kind: string, role: string): Obj => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: meta('b'),
  roleRef: { kind: 'ClusterRole', name: role },
  subjects: [],
});
const anp = (action: string): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'open' },
  spec: {
    priority: 1,
    subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } },
    ingress: [{ action, from: [{ namespaces: {} }] }],
  },
});
const project = (name: string, spec: Obj): Obj => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: meta(name, 'openshift-gitops'),
  spec,
});
const app = (spec: Obj): Obj => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: meta('a', 'openshift-gitops'),
  spec,
});
const okProject = {
  sourceRepos: ['https://git.example/x.git'],
  destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'kfm-*' }],
};

const cases: Case[] = [
  {
    rule: 'KFM-TM-001',
    resources: [
      db,
      svc('db', { app: 'db' }),
      {
        kind: 'Route',
        apiVersion: 'route.openshift.io/v1',
        metadata: meta('pub'),
        spec: { to: { kind: 'Service', name: 'db' } },
      },
    ],
    at: [2, ['spec', 'to', 'name']],
  },
  {
    rule: 'KFM-TM-001',
    resources: [
      db,
      svc('db', { app: 'db' }),
      svc('api', { app: 'api' }),
      {
        kind: 'Route',
        apiVersion: 'route.openshift.io/v1',
        metadata: meta('pub'),
        spec: { to: { kind: 'Service', name: 'api' } },
      },
    ],
  },
  { rule: 'KFM-TM-002', resources: [db, svc('db', { app: 'db' }, 'NodePort')], at: [1, ['spec', 'type']] },
  { rule: 'KFM-TM-002', resources: [db, svc('db', { app: 'db' })] },
  { rule: 'KFM-TM-003', resources: [db], at: [0, ['metadata', 'namespace']] },
  { rule: 'KFM-TM-003', resources: [db, deny] },
  {
    rule: 'KFM-TM-006',
    overlay: { env: 'prod' },
    resources: [svc('api', { app: 'api' })],
    at: [0, ['metadata', 'namespace']],
  },
  { rule: 'KFM-TM-006', overlay: { env: 'prod' }, resources: [svc('api', { app: 'api' }), deny] },
  { rule: 'KFM-TM-007', resources: [svc('api', { app: 'api' })], at: [0, ['metadata', 'namespace']] },
  { rule: 'KFM-TM-007', resources: [svc('api', { app: 'api' }), deny] },
  {
    rule: 'KFM-TM-008',
    resources: [deploy('db', 'postgres:16', { app: 'db' }, { ports: [{ containerPort: 5432, hostPort: 5432 }] })],
    at: [0, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'hostPort']],
  },
  { rule: 'KFM-TM-008', resources: [deploy('db', 'postgres:16', { app: 'db' }, { ports: [{ containerPort: 5432 }] })] },
  {
    rule: 'KFM-TM-009',
    resources: [withClaim(db, 'db-data'), withClaim(deploy('job', 'ghcr.io/kfm/x:1'), 'db-data')],
    at: [1, ['spec', 'template', 'spec', 'volumes', 0, 'persistentVolumeClaim', 'claimName']],
  },
  { rule: 'KFM-TM-009', resources: [withClaim(db, 'db-data'), withClaim(deploy('job', 'ghcr.io/kfm/x:1'), 'scratch')] },
  {
    rule: 'KFM-TM-004',
    resources: [
      db,
      deny,
      np('in', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
      }),
    ],
    at: [2, ['spec', 'ingress', 0, 'from', 0]],
  },
  {
    rule: 'KFM-TM-004',
    resources: [
      db,
      deny,
      np('in', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { 'kfm.dev/governed-api': 'true' } } }] }],
      }),
    ],
  },
  {
    rule: 'KFM-TM-005',
    resources: [
      db,
      deploy('ui', 'ghcr.io/kfm/ui:1', { app: 'ui' }, { envFrom: [{ secretRef: { name: 'db-creds' } }] }),
    ],
    at: [1, ['spec', 'template', 'spec', 'containers', 0, 'envFrom', 0, 'secretRef', 'name']],
  },
  {
    rule: 'KFM-TM-005',
    resources: [
      db,
      deploy(
        'api',
        'ghcr.io/kfm/api:1',
        { 'kfm.dev/governed-api': 'true' },
        { envFrom: [{ secretRef: { name: 'db-creds' } }] },
      ),
    ],
  },
  {
    rule: 'KFM-TM-011',
    overlay: { app: 'kfm-ui' },
    params: { repoApps: ['kfm-api', 'kfm-ui'] },
    resources: [deploy('ui', 'ghcr.io/kfm/ui:1', { app: 'ui', 'kfm.dev/governed-api': 'true' })],
    at: [0, ['spec', 'template', 'metadata', 'labels', 'kfm.dev/governed-api']],
  },
  {
    rule: 'KFM-TM-011',
    overlay: { app: 'kfm-api' },
    params: { repoApps: ['kfm-api', 'kfm-ui'] },
    resources: [deploy('api', 'ghcr.io/kfm/api:1', { app: 'api', 'kfm.dev/governed-api': 'true' })],
  },
  {
    rule: 'KFM-DP-001',
    overlay: { env: 'prod' },
    resources: [deploy('api', 'ghcr.io/kfm/api:1.0.0')],
    at: [0, ['spec', 'template', 'spec', 'containers', 0, 'image']],
  },
  { rule: 'KFM-DP-001', overlay: { env: 'prod' }, resources: [deploy('api', `ghcr.io/kfm/api@${DIGEST}`)] },
  // A custom resource is walked only when its JSON names the key (k8s.spec_has_key): nested, beside quoted text.
  {
    rule: 'KFM-DP-001',
    overlay: { env: 'prod' },
    resources: [
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'Task',
        metadata: { name: 'build', namespace: 'kfm-prod' },
        spec: { description: 'say "hi"', steps: [{ name: 'compile', image: 'ghcr.io/kfm/builder:1' }] },
      },
    ],
    at: [0, ['spec', 'steps', 0, 'image']],
  },
  {
    rule: 'KFM-DP-002',
    resources: [
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'Task',
        metadata: { name: 'doc', namespace: 'kfm-dev' },
        spec: { description: '"image": "nginx:latest"', params: [{ name: 'image', default: 'nginx:latest' }] },
      },
    ],
  },
  {
    rule: 'KFM-DP-002',
    resources: [deploy('api', 'ghcr.io/kfm/api:latest')],
    at: [0, ['spec', 'template', 'spec', 'containers', 0, 'image']],
  },
  { rule: 'KFM-DP-002', resources: [deploy('api', 'ghcr.io/kfm/api:1.0.0')] },
  {
    rule: 'KFM-DP-003',
    overlay: { env: 'stage', kustomization: { images: [{ name: 'x', newTag: '1' }] }, kustomizationFile: 'k.yaml' },
    resources: [deploy('api', `x@${DIGEST}`)],
    at: [null, ['images', 0]],
  },
  {
    rule: 'KFM-DP-003',
    overlay: { env: 'stage', kustomization: { images: [{ name: 'x', digest: DIGEST }] }, kustomizationFile: 'k.yaml' },
    resources: [deploy('api', `x@${DIGEST}`)],
  },
  {
    rule: 'KFM-FK-001',
    resources: [{ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' } }],
    at: [0, ['kind']],
  },
  {
    rule: 'KFM-FK-001',
    resources: [
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.example.com' } },
    ],
    at: [0, ['kind']],
  },
  {
    rule: 'KFM-FK-001',
    overlay: { layer: 'core' },
    resources: [
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.example.com' } },
    ],
  },
  {
    rule: 'KFM-FK-002',
    resources: [svc('api', { app: 'api' })],
    appProjects: [project('kfm-apps', { destinations: [{ namespace: 'kfm-prod' }] })],
    at: [0, ['metadata', 'namespace']],
  },
  {
    rule: 'KFM-FK-002',
    resources: [svc('api', { app: 'api' })],
    appProjects: [project('kfm-apps', { destinations: [{ namespace: 'kfm-*' }] })],
  },
  {
    rule: 'KFM-FK-003',
    overlay: { layer: 'core' },
    resources: [{ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p' } }],
    at: [0, ['kind']],
  },
  {
    rule: 'KFM-FK-003',
    overlay: { layer: 'core' },
    resources: [{ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p' } }],
    params: { forbiddenKinds: [] },
  },
  {
    rule: 'KFM-FK-004',
    resources: [{ apiVersion: 'v1', kind: 'LimitRange', metadata: meta('limits') }],
    at: [0, ['kind']],
  },
  {
    rule: 'KFM-FK-004',
    overlay: { layer: 'core' },
    resources: [{ apiVersion: 'v1', kind: 'LimitRange', metadata: meta('limits') }],
  },
  {
    rule: 'KFM-RBAC-006',
    resources: [
      { ...binding('RoleBinding', 'db-reader'), subjects: [{ kind: 'ServiceAccount', name: 'ui' }] },
      db,
      {
        ...role('ClusterRole', [
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['db-creds'], verbs: ['get'] },
        ]),
        metadata: { name: 'db-reader' },
      },
    ],
    at: [0, ['roleRef', 'name']],
  },
  {
    rule: 'KFM-RBAC-006',
    resources: [
      { ...binding('RoleBinding', 'db-reader'), subjects: [{ kind: 'ServiceAccount', name: 'ui' }] },
      db,
      {
        ...role('ClusterRole', [
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['ui-tls'], verbs: ['get'] },
        ]),
        metadata: { name: 'db-reader' },
      },
    ],
  },
  {
    rule: 'KFM-TM-010',
    resources: [db, anp('Allow')],
    at: [0, ['spec', 'template', 'metadata', 'labels']],
  },
  { rule: 'KFM-TM-010', resources: [db, anp('Deny')] },
  {
    rule: 'KFM-TM-015',
    resources: [db, cilium({ fromEntities: ['world'] })],
    at: [1, ['spec', 'ingress', 0]],
  },
  {
    rule: 'KFM-TM-015',
    resources: [db, cilium({ fromEndpoints: [{ matchLabels: { 'kfm.dev/governed-api': 'true' } }] })],
  },
  { rule: 'KFM-TM-012', resources: [db, kyvernoMutate(['*'])], at: [0, ['metadata', 'name']] },
  { rule: 'KFM-TM-012', resources: [db, kyvernoMutate(['tools'])] },
  {
    rule: 'KFM-TM-013',
    overlay: { layer: 'apps' },
    resources: [agent(true)],
    at: [0, ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'privileged']],
  },
  { rule: 'KFM-TM-013', overlay: { layer: 'apps' }, resources: [agent(false)] },
  {
    rule: 'KFM-TM-014',
    resources: [withAccount(db, 'db'), withAccount(deploy('ui', `quay.io/kfm/ui@sha256:${'b'.repeat(64)}`), 'db')],
    at: [1, ['spec', 'template', 'spec', 'serviceAccountName']],
  },
  {
    rule: 'KFM-TM-014',
    resources: [withAccount(db, 'db'), withAccount(deploy('ui', `quay.io/kfm/ui@sha256:${'b'.repeat(64)}`), 'ui')],
  },
  {
    rule: 'KFM-RBAC-007',
    overlay: { layer: 'core' },
    resources: [aggregatedToView([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }])],
    at: [0, ['rules', 0]],
  },
  {
    rule: 'KFM-RBAC-007',
    overlay: { layer: 'core' },
    resources: [aggregatedToView([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }])],
  },
  { rule: 'KFM-RBAC-001', resources: [binding('RoleBinding', 'cluster-admin')], at: [0, ['roleRef', 'name']] },
  { rule: 'KFM-RBAC-001', resources: [binding('RoleBinding', 'view')] },
  {
    rule: 'KFM-RBAC-002',
    resources: [role('Role', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }])],
    at: [0, ['rules', 0, 'resources', 0]],
  },
  { rule: 'KFM-RBAC-002', resources: [role('Role', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])] },
  {
    rule: 'KFM-RBAC-003',
    overlay: { layer: 'core' },
    resources: [role('ClusterRole', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }])],
    at: [0, ['rules', 0, 'verbs', 0]],
  },
  {
    rule: 'KFM-RBAC-003',
    overlay: { layer: 'core' },
    resources: [role('ClusterRole', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])],
  },
  {
    rule: 'KFM-RBAC-004',
    resources: [role('Role', [{ apiGroups: [''], resources: ['secrets'], verbs: ['watch'] }])],
    at: [0, ['rules', 0]],
  },
  {
    rule: 'KFM-RBAC-004',
    resources: [role('Role', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['one'], verbs: ['get'] }])],
  },
  {
    rule: 'KFM-RBAC-004',
    resources: [role('Role', [{ apiGroups: [''], resources: ['secrets'], resourceNames: [''], verbs: ['list'] }])],
    at: [0, ['rules', 0]],
  },
  { rule: 'KFM-RBAC-005', resources: [{ ...binding('RoleBinding', 'edit') }], at: [0, ['roleRef', 'name']] },
  { rule: 'KFM-RBAC-005', resources: [{ ...binding('RoleBinding', 'view') }] },
  {
    rule: 'KFM-ARGO-001',
    overlay: { layer: 'components' },
    resources: [project('p', { ...okProject, sourceRepos: ['*'] })],
    at: [0, ['spec', 'sourceRepos', 0]],
  },
  { rule: 'KFM-ARGO-001', overlay: { layer: 'components' }, resources: [project('p', okProject)] },
  {
    rule: 'KFM-ARGO-002',
    overlay: { layer: 'components' },
    resources: [project('kfm-apps', { ...okProject, clusterResourceWhitelist: [{ group: '*', kind: '*' }] })],
    at: [0, ['spec', 'clusterResourceWhitelist', 0]],
  },
  {
    rule: 'KFM-ARGO-002',
    overlay: { layer: 'components' },
    resources: [project('kfm-platform', { ...okProject, clusterResourceWhitelist: [{ group: '*', kind: '*' }] })],
    params: { platformProjects: ['kfm-platform'] },
  },
  {
    rule: 'KFM-ARGO-001',
    overlay: { layer: 'components' },
    resources: [project('p', { ...okProject, sourceNamespaces: ['*'] })],
    at: [0, ['spec', 'sourceNamespaces', 0]],
  },
  {
    rule: 'KFM-ARGO-003',
    overlay: { layer: 'bootstrap' },
    resources: [app({ project: 'default' })],
    at: [0, ['spec', 'project']],
  },
  { rule: 'KFM-ARGO-003', overlay: { layer: 'bootstrap' }, resources: [app({ project: 'kfm-apps' })] },
  {
    rule: 'KFM-ARGO-004',
    overlay: { layer: 'bootstrap' },
    resources: [app({ project: 'kfm-apps', destination: { namespace: 'kfm-prod' }, syncPolicy: { automated: {} } })],
    at: [0, ['spec', 'syncPolicy', 'automated']],
  },
  {
    rule: 'KFM-ARGO-004',
    overlay: { layer: 'bootstrap' },
    resources: [app({ project: 'kfm-apps', destination: { namespace: 'kfm-prod' }, syncPolicy: { automated: {} } })],
    params: { allowAutomatedProd: true },
  },
  {
    rule: 'KFM-ARGO-005',
    overlay: { layer: 'bootstrap' },
    resources: [argocd({ defaultPolicy: 'role:admin' })],
    at: [0, ['spec', 'rbac', 'defaultPolicy']],
  },
  {
    rule: 'KFM-ARGO-005',
    overlay: { layer: 'bootstrap' },
    resources: [argocd({ defaultPolicy: '', policy: 'g, kfm-platform-admins, role:admin\n' })],
  },
  {
    rule: 'KFM-ARGO-006',
    overlay: { layer: 'bootstrap' },
    resources: [argocdTerminal('p, role:dev, exec, create, kfm-apps/*, allow\n')],
    at: [0, ['spec', 'extraConfig', 'exec.enabled']],
  },
  {
    rule: 'KFM-ARGO-006',
    overlay: { layer: 'bootstrap' },
    resources: [
      argocdTerminal('g, kfm-platform-admins, role:admin\np, role:dev, applications, get, kfm-apps/*, allow\n'),
    ],
  },
  {
    rule: 'KFM-DP-004',
    overlay: { env: 'prod', placedFrom: 'dev' },
    resources: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'kfm-prod' } }],
    at: [0, ['metadata', 'namespace']],
  },
  {
    rule: 'KFM-DP-004',
    overlay: { env: 'prod' },
    resources: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'kfm-prod' } }],
  },
];

/** A workload whose pods run as this ServiceAccount. */
function withAccount(w: Obj, serviceAccountName: string): Obj {
  const spec = w.spec as { template: { metadata: Obj; spec: Obj } };
  return {
    ...w,
    spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, serviceAccountName } } },
  };
}

/** An app's Deployment whose container runs privileged, or not. */
function agent(privileged: boolean): Obj {
  return deploy(
    'agent',
    `quay.io/kfm/agent@sha256:${'a'.repeat(64)}`,
    { app: 'agent' },
    { securityContext: { privileged } },
  );
}

/** A ClusterRole the API server aggregates into view (and so edit and admin). */
function aggregatedToView(rules: Obj[]): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'view-more', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
    rules,
  };
}

/** A Kyverno ClusterPolicy mutating the Services of these namespaces (globs). */
function kyvernoMutate(namespaces: string[]): Obj {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'expose' },
    spec: {
      rules: [
        {
          name: 'lb',
          match: { any: [{ resources: { kinds: ['Service'], namespaces } }] },
          mutate: { patchStrategicMerge: { spec: { type: 'LoadBalancer' } } },
        },
      ],
    },
  };
}

/** An ArgoCD instance with the web terminal on and this RBAC policy. */
function argocdTerminal(policy: string): Record<string, unknown> {
  return { ...argocd({ policy }), spec: { extraConfig: { 'exec.enabled': 'true' }, rbac: { policy } } };
}

function argocd(rbac: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1beta1',
    kind: 'ArgoCD',
    metadata: { name: 'openshift-gitops', namespace: 'openshift-gitops' },
    spec: { rbac },
  };
}

const bundle = await readBundle(join(policiesDir, 'bundle'));
const engine = await PolicyEngine.load(
  bundle.wasm,
  bundle.manifest.entrypoint,
  bundle.catalogue.rules.map((r) => r.id),
);

function input(c: Case): PolicyInput {
  return {
    overlay: {
      path: 'apps/demo/overlays/x',
      env: 'dev',
      layer: 'apps',
      kustomization: null,
      kustomizationFile: null,
      ...c.overlay,
    },
    resources: c.resources,
    run: { appProjects: c.appProjects ?? [] },
    params: c.params ?? {},
  };
}

describe('each rule through the compiled wasm in Node', () => {
  it('has a failing and a passing case for every rule in the catalogue', () => {
    for (const r of bundle.catalogue.rules) {
      expect(
        cases.some((c) => c.rule === r.id && c.at),
        `${r.id} failing case`,
      ).toBe(true);
      expect(
        cases.some((c) => c.rule === r.id && !c.at),
        `${r.id} passing case`,
      ).toBe(true);
    }
  });

  for (const c of cases) {
    it(`${c.rule} ${c.at ? `reports ${c.at[1].join('.')}` : 'passes a compliant input'}`, async () => {
      const found = (await engine.evaluate(input(c))).filter((v) => v.id === c.rule);
      if (!c.at) {
        expect(found).toEqual([]);
        return;
      }
      expect(found.map((v) => [v.resource ?? null, v.path])).toContainEqual(c.at);
      for (const v of found) expect(v.msg.length).toBeGreaterThan(15);
    });
  }
});
