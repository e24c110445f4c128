/**
 * The "Why" cases of issue 17 on a copy of infra/gitops, through the built CLI with the real kustomize: each
 * injected object sits in its own file, so a finding on that file proves its case. Each group must exit 1 and
 * report exactly the expected policy errors (rule id + file); infra/gitops itself stays clean (cli.test.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A copy of infra/gitops with `files` added to the kustomization of each folder (key: folder, value: files). */
function infraWith(injections: Record<string, Record<string, string>>): string {
  const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
  cleanups.push(cleanup);
  for (const [folder, files] of Object.entries(injections)) {
    const kfile = join(dir, folder, 'kustomization.yaml');
    mkdirSync(join(dir, folder), { recursive: true });
    if (files['kustomization.yaml']) writeFileSync(kfile, files['kustomization.yaml']);
    const doc = parseDocument(readFileSync(kfile, 'utf8'));
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, folder, name), text);
      if (name !== 'kustomization.yaml') doc.addIn(['resources'], name);
    }
    writeFileSync(kfile, doc.toString());
  }
  return dir;
}

interface Finding {
  ruleId: string;
  category: string;
  severity: string;
  file?: string;
  overlay?: string;
}

async function check(dir: string, args: string[] = []): Promise<{ code: number; findings: Finding[] }> {
  const r = await runCli(['check', dir, '--format', 'json', '--no-cache', ...args]);
  expect(r.stderr).toBe('');
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
}

/** "ruleId file" of every policy error (and warning when asked), deduplicated across envs. */
function policyFindings(findings: Finding[], severities = ['error']): string[] {
  return [
    ...new Set(
      findings
        .filter((f) => f.category === 'policy' && severities.includes(f.severity))
        .map((f) => `${f.ruleId} ${f.file}`),
    ),
  ].sort();
}

const workload = (kind: string, name: string, spec: string, labels = `app: ${name}`) => `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      ${labels}
  template:
    metadata:
      labels:
        ${labels}
    spec:
${spec}`;

describe('issue 17 cases on a copy of infra/gitops (e2e)', () => {
  it('across overlays: Route, LoadBalancer Service and NetworkPolicy in other apps reach postgis; a non-governed Deployment mounts its credentials', async () => {
    const dir = infraWith({
      'apps/kfm-api/base': {
        'route-postgis.yaml': `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: db-console
spec:
  to:
    kind: Service
    name: postgis
`,
        'service-lb.yaml': `apiVersion: v1
kind: Service
metadata:
  name: db-public
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: postgis
  ports:
    - port: 5432
`,
      },
      'apps/kfm-ui/base': {
        'networkpolicy-open-postgis.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-to-db
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: postgis
  ingress:
    - {}
`,
        'deployment-reporter.yaml': workload(
          'Deployment',
          'reporter',
          `      containers:
        - name: reporter
          image: quay.io/kfm/reporter@${DIGEST}
          envFrom:
            - secretRef:
                name: postgis-credentials
`,
        ),
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-TM-001 apps/kfm-api/base/route-postgis.yaml',
      'KFM-TM-002 apps/kfm-api/base/service-lb.yaml',
      'KFM-TM-004 apps/kfm-ui/base/networkpolicy-open-postgis.yaml',
      'KFM-TM-005 apps/kfm-ui/base/deployment-reporter.yaml',
    ]);
    // The Route is reported in kfm-api's overlays (where it is), once per env.
    const route = findings.filter((f) => f.ruleId === 'KFM-TM-001').map((f) => f.overlay);
    expect(route.sort()).toEqual([
      'apps/kfm-api/overlays/dev',
      'apps/kfm-api/overlays/prod',
      'apps/kfm-api/overlays/stage',
    ]);
  });

  it('other ways in: RequestMirror, PVC, ExternalName chain, hostNetwork, controller labels, metadata.name Exists', async () => {
    const dir = infraWith({
      'apps/kfm-api/base': {
        'httproute-mirror.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: api-mirror
spec:
  parentRefs:
    - name: public
  rules:
    - backendRefs:
        - name: kfm-api
          port: 8080
      filters:
        - type: RequestMirror
          requestMirror:
            backendRef:
              name: postgis
              port: 5432
`,
        'ingress-alias.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: reports
spec:
  defaultBackend:
    service:
      name: reports-alias
      port:
        number: 5432
`,
        'service-alias.yaml': `apiVersion: v1
kind: Service
metadata:
  name: reports-alias
spec:
  type: ExternalName
  externalName: reports-db
---
apiVersion: v1
kind: Service
metadata:
  name: reports-db
spec:
  type: ExternalName
  externalName: postgis
`,
        'service-pod-name.yaml': `apiVersion: v1
kind: Service
metadata:
  name: db-first-pod
spec:
  type: NodePort
  selector:
    statefulset.kubernetes.io/pod-name: postgis-0
  ports:
    - port: 5432
`,
        'networkpolicy-all-namespaces.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-from-any-namespace
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: postgis
  ingress:
    - from:
        - namespaceSelector:
            matchExpressions:
              - key: kubernetes.io/metadata.name
                operator: Exists
          podSelector:
            matchLabels:
              kfm.dev/governed-api: "true"
`,
      },
      'apps/kfm-ui/base': {
        'job-export.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: export
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: export
          image: quay.io/kfm/export@${DIGEST}
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: data-postgis-0
`,
      },
      'apps/postgis/overlays/prod': {
        'hostnetwork-patch.yaml': '',
      },
    });
    // hostNetwork through a patch of the prod overlay (not a resource): rewrite its kustomization by hand.
    const kfile = join(dir, 'apps/postgis/overlays/prod/kustomization.yaml');
    const doc = parseDocument(readFileSync(kfile, 'utf8'));
    const resources = doc.get('resources') as { items: { value: string }[] };
    resources.items = resources.items.filter((i) => i.value !== 'hostnetwork-patch.yaml');
    doc.addIn(['patches'], {
      target: { kind: 'StatefulSet', name: 'postgis' },
      patch: '- op: add\n  path: /spec/template/spec/hostNetwork\n  value: true\n',
    });
    writeFileSync(kfile, doc.toString());

    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-TM-001 apps/kfm-api/base/httproute-mirror.yaml',
      'KFM-TM-001 apps/kfm-api/base/ingress-alias.yaml',
      'KFM-TM-002 apps/kfm-api/base/service-pod-name.yaml',
      'KFM-TM-004 apps/kfm-api/base/networkpolicy-all-namespaces.yaml',
      'KFM-TM-008 apps/postgis/base/statefulset.yaml',
      'KFM-TM-009 apps/kfm-ui/base/job-export.yaml',
    ]);
    expect(findings.filter((f) => f.ruleId === 'KFM-TM-008').map((f) => f.overlay)).toEqual([
      'apps/postgis/overlays/prod',
    ]);
  });

  it('stores and workloads recognised: Red Hat and sock-shop store images, Rollout and PodTemplate images', async () => {
    const store = (name: string, image: string) =>
      `${workload(
        'Deployment',
        name,
        `      containers:
        - name: db
          image: ${image}
`,
      )}---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - port: 5432
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: ${name}
spec:
  to:
    kind: Service
    name: ${name}
`;
    const dir = infraWith({
      'apps/kfm-ui/base': {
        'rhel-postgresql.yaml': store('legacy-db', `registry.redhat.io/rhel9/postgresql-15@${DIGEST}`),
        'catalogue-db.yaml': store('catalogue-db', `weaveworksdemos/catalogue-db@${DIGEST}`),
        'rollout.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
spec:
  selector:
    matchLabels:
      app: canary
  template:
    metadata:
      labels:
        app: canary
    spec:
      containers:
        - name: canary
          image: quay.io/kfm/canary:latest
`,
        'podtemplate.yaml': `apiVersion: v1
kind: PodTemplate
metadata:
  name: batch-template
template:
  spec:
    containers:
      - name: batch
        image: quay.io/kfm/batch:latest
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    const errors = policyFindings(findings);
    for (const expected of [
      'KFM-TM-001 apps/kfm-ui/base/rhel-postgresql.yaml',
      'KFM-TM-001 apps/kfm-ui/base/catalogue-db.yaml',
      'KFM-DP-001 apps/kfm-ui/base/rollout.yaml',
      'KFM-DP-001 apps/kfm-ui/base/podtemplate.yaml',
    ])
      expect(errors).toContain(expected);
    const all = policyFindings(findings, ['error', 'warning']);
    expect(all).toContain('KFM-DP-002 apps/kfm-ui/base/rollout.yaml');
    expect(all).toContain('KFM-DP-002 apps/kfm-ui/base/podtemplate.yaml');
  });

  it('RBAC by effective permissions, Argo CD globs and ApplicationSet elements, cluster scope from the schemas', async () => {
    const crb = (name: string, role: string) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ${role}
subjects:
  - kind: ServiceAccount
    name: ops
    namespace: kfm-prod
`;
    const dir = infraWith({
      'core/baseline': {
        'clusterrole-aggregate.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
aggregationRule:
  clusterRoleSelectors:
    - matchLabels:
        kubernetes.io/bootstrapping: rbac-defaults
rules: []
${crb('everything', 'everything')}`,
        'clusterrole-star.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ops-all
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
  - nonResourceURLs: ["*"]
    verbs: ["*"]
${crb('ops-all', 'ops-all')}`,
        'clusterrole-secret-lister.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-lister
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: [""]
    verbs: ["list", "watch"]
`,
      },
      'apps/kfm-api/base': {
        'rolebinding-secret-lister.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: api-secret-lister
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: secret-lister
subjects:
  - kind: ServiceAccount
    name: kfm-api
`,
      },
      'apps/kfm-ui/base': {
        'rolebinding-edit.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ui-edit
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - kind: ServiceAccount
    name: kfm-ui
`,
        'servicecidr.yaml': `apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata:
  name: extra
spec:
  cidrs: ["10.200.0.0/16"]
---
apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata:
  name: gpu
spec: {}
`,
      },
      'components/argocdproj': {
        'appproject-open.yaml': `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: kfm-sandbox
  namespace: openshift-gitops
spec:
  sourceRepos:
    - https://*
  destinations:
    - server: https://kubernetes.default.svc
      namespace: "?*"
  clusterResourceWhitelist:
    - group: "**"
      kind: Namespace
`,
      },
      'components/applicationsets': {
        'appset-default.yaml': `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: sandbox
  namespace: openshift-gitops
spec:
  generators:
    - list:
        elements:
          - name: sandbox
            project: default
  template:
    metadata:
      name: "{{name}}"
    spec:
      project: "{{project}}"
      source:
        repoURL: https://git.example/kfm/infra.git
        path: infra/gitops/apps/kfm-ui/overlays/dev
        targetRevision: main
      destination:
        server: https://kubernetes.default.svc
        namespace: kfm-dev
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-ARGO-001 components/argocdproj/appproject-open.yaml',
      'KFM-ARGO-002 components/argocdproj/appproject-open.yaml',
      'KFM-ARGO-003 components/applicationsets/appset-default.yaml',
      'KFM-FK-001 apps/kfm-ui/base/servicecidr.yaml',
      'KFM-RBAC-001 core/baseline/clusterrole-aggregate.yaml',
      'KFM-RBAC-001 core/baseline/clusterrole-star.yaml',
      'KFM-RBAC-005 apps/kfm-api/base/rolebinding-secret-lister.yaml',
      'KFM-RBAC-005 apps/kfm-ui/base/rolebinding-edit.yaml',
      // `edit` also grants pods/exec, pods/attach and pods/portforward in kfm-ui's namespace, which holds the stores.
      'KFM-RBAC-006 apps/kfm-ui/base/rolebinding-edit.yaml',
      // The ClusterRoleBinding of `everything` (aggregating the built-in admin/edit roles) gives ServiceAccount
      // kfm-prod/ops pods/exec in every namespace: reported on each store it reaches.
      'KFM-RBAC-006 apps/minio/base/statefulset.yaml',
      'KFM-RBAC-006 apps/postgis/base/statefulset.yaml',
    ]);
    const fk = findings.filter((f) => f.ruleId === 'KFM-FK-001' && f.overlay === 'apps/kfm-ui/overlays/prod');
    expect(fk).toHaveLength(2); // ServiceCIDR and DeviceClass
  });

  it('a platform overlay opening an app namespace: allow-all NetworkPolicy, Route and LoadBalancer Service to postgis in kfm-prod', async () => {
    // core/baseline is an env of its own (a platform overlay): its objects were judged with platform context only,
    // where no store is in view, so each of these passed with exit 0.
    const dir = infraWith({
      'core/baseline': {
        'np-allow-all.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
  namespace: kfm-prod
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - {}
`,
        'route-db.yaml': `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: db
  namespace: kfm-prod
spec:
  to:
    kind: Service
    name: postgis
  port:
    targetPort: 5432
`,
        'svc-db-lb.yaml': `apiVersion: v1
kind: Service
metadata:
  name: db-public
  namespace: kfm-prod
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: postgis
  ports:
    - port: 5432
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-TM-001 core/baseline/route-db.yaml',
      'KFM-TM-002 core/baseline/svc-db-lb.yaml',
      'KFM-TM-004 core/baseline/np-allow-all.yaml',
    ]);
  });

  it('custom resources without a namespace go where Argo CD puts them: an HTTPRoute to postgis from an overlay relying on its destination', async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/prod': {
        'httproute.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: kfm-ui-public
spec:
  parentRefs:
    - name: public-gw
      namespace: openshift-ingress
  rules:
    - backendRefs:
        - name: postgis
          port: 5432
`,
      },
    });
    // The overlay names no namespace: the ApplicationSet's destination (kfm-prod) is where Argo CD applies it.
    const kfile = join(dir, 'apps/kfm-ui/overlays/prod/kustomization.yaml');
    writeFileSync(kfile, readFileSync(kfile, 'utf8').replace(/^namespace: kfm-prod\n/m, ''));
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual(['KFM-TM-001 apps/kfm-ui/overlays/prod/httproute.yaml']);
  });

  it('across envs: a dev Route to an ExternalName Service for prod postgis is reported in dev, where prod is not in view', async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/dev': {
        'service-dbproxy.yaml': `apiVersion: v1
kind: Service
metadata:
  name: dbproxy
spec:
  type: ExternalName
  externalName: postgis.kfm-prod.svc.cluster.local
`,
        'route-dbproxy.yaml': `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: dbproxy
spec:
  to:
    kind: Service
    name: dbproxy
  tls:
    termination: passthrough
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual(['KFM-TM-001 apps/kfm-ui/overlays/dev/route-dbproxy.yaml']);
    expect(findings.find((f) => f.ruleId === 'KFM-TM-001')?.overlay).toBe('apps/kfm-ui/overlays/dev');
  });

  it('a Route to a Service without a selector whose hand-written FQDN EndpointSlice names prod postgis, in every env', async () => {
    const dir = infraWith({
      'apps/kfm-ui/base': {
        'service-manual.yaml': `apiVersion: v1
kind: Service
metadata:
  name: dbmanual
spec:
  ports:
    - port: 5432
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: dbmanual-1
  labels:
    kubernetes.io/service-name: dbmanual
addressType: FQDN
endpoints:
  - addresses:
      - postgis.kfm-prod.svc.cluster.local
ports:
  - port: 5432
`,
        'route-manual.yaml': `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: dbmanual
spec:
  to:
    kind: Service
    name: dbmanual
  tls:
    termination: passthrough
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual(['KFM-TM-001 apps/kfm-ui/base/route-manual.yaml']);
    expect(new Set(findings.filter((f) => f.ruleId === 'KFM-TM-001').map((f) => f.overlay))).toEqual(
      new Set(['apps/kfm-ui/overlays/dev', 'apps/kfm-ui/overlays/stage', 'apps/kfm-ui/overlays/prod']),
    );
  });

  it('no lateral movement: a new app namespace without default-deny ingress fails in prod, warns in dev', async () => {
    const app = (env: string) => ({
      [`apps/kfm-tiles/overlays/${env}`]: {
        'kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: kfm-tiles-${env}
resources: []
`,
        'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: tiles
data:
  KFM_ENV: ${env}
`,
      },
    });
    const dir = infraWith({ ...app('prod'), ...app('dev') });
    // The project allows the new namespaces (else KFM-FK-002 would report them too).
    const project = join(dir, 'components/argocdproj/appproject-kfm-apps.yaml');
    writeFileSync(
      project,
      readFileSync(project, 'utf8').replace(
        /^(\s*)destinations:\n/m,
        '$1destinations:\n$1  - server: https://kubernetes.default.svc\n$1    namespace: kfm-tiles-*\n',
      ),
    );
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual(['KFM-TM-006 apps/kfm-tiles/overlays/prod/kustomization.yaml']);
    expect(policyFindings(findings, ['warning'])).toContain(
      'KFM-TM-007 apps/kfm-tiles/overlays/dev/kustomization.yaml',
    );
  });

  it('graph --env prod: routes to kfm-api and kfm-ui, no path to a store; with the cross-overlay Route the path is marked', async () => {
    const clean = await runCli([
      'graph',
      '--root',
      join(repoRoot, 'infra', 'gitops'),
      '--env',
      'prod',
      '--format',
      'json',
    ]);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    const [prod] = (
      JSON.parse(clean.stdout) as {
        graphs: { env: string; edges: { from: string; to: string; kind: string; breach?: boolean }[] }[];
      }
    ).graphs;
    expect(prod.env).toBe('prod');
    const routes = prod.edges.filter((e) => e.kind === 'routes').map((e) => `${e.from} -> ${e.to}`);
    expect(routes.sort()).toEqual([
      'Route/kfm-prod/kfm-api -> Service/kfm-prod/kfm-api',
      'Route/kfm-prod/kfm-ui -> Service/kfm-prod/kfm-ui',
    ]);
    expect(prod.edges.some((e) => e.breach)).toBe(false);

    const dir = infraWith({
      'apps/kfm-api/base': {
        'route-postgis.yaml': `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: db-console
spec:
  to:
    kind: Service
    name: postgis
`,
      },
    });
    const broken = await runCli(['graph', '--root', dir, '--env', 'prod']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/\|BREACH: routes\|/);
    expect(broken.stdout).toContain('Route/kfm-prod/db-console');
    expect(broken.stderr).toContain(
      'env prod: path from outside to a store: Route/kfm-prod/db-console -> Service/kfm-prod/postgis (routes)',
    );
  });

  it('graph --format github appends the Mermaid graph to $GITHUB_STEP_SUMMARY', async () => {
    const { dir, cleanup } = tempCopy(join(repoRoot, 'fixtures', 'policy', 'tm-violation'));
    cleanups.push(cleanup);
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# before\n');
    const r = await runCli(
      ['graph', '--root', join(repoRoot, 'infra', 'gitops'), '--env', 'dev', '--format', 'github'],
      {
        env: { GITHUB_STEP_SUMMARY: summary },
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# before\n')).toBe(true);
    expect(text).toContain('### Trust membrane: env dev');
    expect(text).toContain('```mermaid\nflowchart LR');
  });

  it('a store NetworkPolicy peer whose namespaceSelector excludes a few namespaces (NotIn) admits all the others', async () => {
    const dir = infraWith({
      'apps/postgis/base': {
        'np-not-in.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: postgis-allow-api-anywhere
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: postgis
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              kfm.dev/governed-api: "true"
          namespaceSelector:
            matchExpressions:
              - key: kubernetes.io/metadata.name
                operator: NotIn
                values: [kube-system]
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual(['KFM-TM-004 apps/postgis/base/np-not-in.yaml']);
  });

  it('AppProject guardrails: glob source namespaces, `*` namespaced and cluster kinds on a platform project; app quotas', async () => {
    const dir = infraWith({
      'components/argocdproj': {
        'appproject-platform-open.yaml': `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: kfm-platform-extra
  namespace: openshift-gitops
spec:
  sourceRepos:
    - https://git.example.org/kfm/kfm.git
  sourceNamespaces:
    - "*"
  destinations:
    - server: https://kubernetes.default.svc
      namespace: kfm-prod
  clusterResourceWhitelist:
    - group: "*"
      kind: "*"
  namespaceResourceWhitelist:
    - group: "*"
      kind: "*"
`,
      },
      'apps/kfm-ui/base': {
        'resourcequota.yaml': `apiVersion: v1
kind: ResourceQuota
metadata:
  name: kfm-ui-more
spec:
  hard:
    pods: "1000"
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-ARGO-001 components/argocdproj/appproject-platform-open.yaml',
      'KFM-ARGO-002 components/argocdproj/appproject-platform-open.yaml',
      'KFM-FK-004 apps/kfm-ui/base/resourcequota.yaml',
    ]);
    expect(findings.filter((f) => f.ruleId === 'KFM-ARGO-001')).toHaveLength(3);
  });

  it('RBAC to a store: kfm-ui reads postgis-credentials by name; a group may exec into the pods of kfm-prod', async () => {
    const dir = infraWith({
      'apps/kfm-ui/base': {
        'rbac-store-secret.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: kfm-ui-db
rules:
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: [postgis-credentials]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: kfm-ui-db
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: kfm-ui-db
subjects:
  - kind: ServiceAccount
    name: kfm-ui
`,
      },
      'apps/kfm-ui/overlays/prod': {
        'rbac-exec.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: devs-exec
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kfm-exec
subjects:
  - kind: Group
    name: kfm-devs
`,
      },
      'core/baseline': {
        'clusterrole-exec.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kfm-exec
rules:
  - apiGroups: [""]
    resources: [pods/exec]
    verbs: [create]
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-RBAC-006 apps/kfm-ui/base/rbac-store-secret.yaml',
      'KFM-RBAC-006 apps/kfm-ui/overlays/prod/rbac-exec.yaml',
    ]);
  });

  it('RBAC to a store cluster-wide: a ClusterRoleBinding in the platform gives kfm-ui the store credentials by name and pods/exec', async () => {
    const dir = infraWith({
      'core/baseline': {
        'clusterrolebinding-kfm-ui.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kfm-ui-helper
rules:
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: [postgis-credentials, minio-credentials]
    verbs: [get]
  - apiGroups: [""]
    resources: [pods/exec]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kfm-ui-helper
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kfm-ui-helper
subjects:
  - kind: ServiceAccount
    name: kfm-ui
    namespace: kfm-prod
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    // Reported on each store the binding reaches, in every env (the grant is cluster-wide), naming the binding.
    expect(policyFindings(findings)).toEqual([
      'KFM-RBAC-006 apps/minio/base/statefulset.yaml',
      'KFM-RBAC-006 apps/postgis/base/statefulset.yaml',
    ]);
    const messages = findings
      .filter((f) => f.ruleId === 'KFM-RBAC-006')
      .map((f) => (f as { message?: string }).message);
    expect(messages).toContainEqual(
      expect.stringContaining(
        'ClusterRoleBinding kfm-ui-helper grants ServiceAccount kfm-prod/kfm-ui read of store credential Secret kfm-prod/postgis-credentials in every namespace',
      ),
    );
    expect(messages).toContainEqual(expect.stringContaining('pods/exec on the pods of every namespace'));
  });

  it('an Istio VirtualService bound to an ingress gateway routes to minio; a mesh-only one does not expose it', async () => {
    const dir = infraWith({
      'apps/kfm-api/base': {
        'virtualservice-minio.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: kfm-objects
spec:
  hosts: [objects.kfm.example.org]
  gateways: [istio-system/public-gateway]
  http:
    - route:
        - destination:
            host: minio
`,
        'virtualservice-mesh.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: kfm-objects-mesh
spec:
  hosts: [minio]
  http:
    - route:
        - destination:
            host: minio
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual(['KFM-TM-001 apps/kfm-api/base/virtualservice-minio.yaml']);
  });

  it('an AdminNetworkPolicy in the platform baseline allowing every namespace in to postgis overrides its NetworkPolicies', async () => {
    const dir = infraWith({
      'core/baseline': {
        'anp-postgis.yaml': `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: kfm-postgis-open
spec:
  priority: 10
  subject:
    pods:
      namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kfm-prod
      podSelector:
        matchLabels:
          app.kubernetes.io/name: postgis
  ingress:
    - name: everyone
      action: Allow
      from:
        - namespaces: {}
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    // Reported on the store the policy opens, in the env that deploys it (prod).
    expect(policyFindings(findings)).toEqual(['KFM-TM-010 apps/postgis/base/statefulset.yaml']);
    expect(findings.filter((f) => f.ruleId === 'KFM-TM-010').map((f) => f.overlay)).toEqual([
      'apps/postgis/overlays/prod',
    ]);
  });

  it('OpenShift cluster-scoped kinds in the apps layer: MachineConfig and ClusterResourceQuota (scope pack by group)', async () => {
    const dir = infraWith({
      'apps/kfm-ui/base': {
        'machineconfig.yaml': `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-kfm-ui-tuning
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.2.0
`,
        'clusterresourcequota.yaml': `apiVersion: quota.openshift.io/v1
kind: ClusterResourceQuota
metadata:
  name: kfm-ui
spec:
  quota:
    hard:
      pods: "1000"
  selector:
    labels:
      matchLabels:
        team: kfm
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-FK-001 apps/kfm-ui/base/clusterresourcequota.yaml',
      'KFM-FK-001 apps/kfm-ui/base/machineconfig.yaml',
    ]);
  });

  it('kind names several API groups serve are judged by group: config.openshift.io Ingress and Project in the apps layer, Cluster API IPAddress and an OpenShift Build pass', async () => {
    const dir = infraWith({
      'apps/kfm-ui/base': {
        'ingress-config.yaml': `apiVersion: config.openshift.io/v1
kind: Ingress
metadata:
  name: cluster
spec:
  domain: apps.evil.example.org
`,
        'project.yaml': `apiVersion: config.openshift.io/v1
kind: Project
metadata:
  name: cluster
spec:
  projectRequestTemplate:
    name: kfm-ui-template
`,
        'ipaddress.yaml': `apiVersion: ipam.cluster.x-k8s.io/v1beta1
kind: IPAddress
metadata:
  name: kfm-ui-ip
spec:
  address: 10.0.0.5
  prefix: 24
  claimRef:
    name: kfm-ui-claim
  poolRef:
    apiGroup: ipam.cluster.x-k8s.io
    kind: InClusterIPPool
    name: pool
`,
        'build.yaml': `apiVersion: build.openshift.io/v1
kind: Build
metadata:
  name: kfm-ui-1
spec:
  strategy:
    type: Docker
  source:
    git:
      uri: https://git.example.org/kfm/kfm-ui.git
`,
      },
    });
    const { code, findings } = await check(dir);
    expect(code).toBe(1);
    expect(policyFindings(findings)).toEqual([
      'KFM-FK-001 apps/kfm-ui/base/ingress-config.yaml',
      'KFM-FK-001 apps/kfm-ui/base/project.yaml',
    ]);
    expect(
      findings.filter((f) => f.file === 'apps/kfm-ui/base/ipaddress.yaml' || f.file === 'apps/kfm-ui/base/build.yaml'),
    ).toEqual([]);
  });
});
