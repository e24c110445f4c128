/**
 * Desired states that passed the policies (exit 0) while breaking an invariant, through the built CLI on a copy of
 * infra/gitops; each case asserts the exit code and the rule, file, line and path a user sees.
 *
 * Stores run by an operator (a CloudNativePG Cluster, a Zalando postgresql, a Strimzi Kafka, a MinIO Tenant): the
 * custom resource is the store, and the Services the operator creates from it are its Services. Before, none of these
 * was a store: a LoadBalancer service template, a Route to `<cluster>-rw`, an allow-all NetworkPolicy on the cluster's
 * pods and a store namespace without default-deny all passed. So did the stores of the Percona, RabbitMQ (and the other
 * operators of policies/data/stores.rego), their credential Secrets and a KafkaUser's, and routes of more ingress
 * controllers (Emissary Mapping, NGINX TransportServer) to a store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineOf, repoRoot, runCli, tempCopy } from '../helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A CRD with an open schema, as an operator's install ships it (the schema check needs one per kind); JSON is YAML. */
const crd = (group: string, kind: string, plural: string, version = 'v1') =>
  `---\n${JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, plural, listKind: `${kind}List`, singular: kind.toLowerCase() },
      scope: 'Namespaced',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  })}\n`;

const CRDS = [
  crd('postgresql.cnpg.io', 'Cluster', 'clusters'),
  crd('acid.zalan.do', 'postgresql', 'postgresqls'),
  crd('kafka.strimzi.io', 'Kafka', 'kafkas'),
  crd('minio.min.io', 'Tenant', 'tenants'),
  crd('traefik.io', 'IngressRouteTCP', 'ingressroutetcps', 'v1alpha1'),
  crd('projectcontour.io', 'HTTPProxy', 'httpproxies'),
  crd('pxc.percona.com', 'PerconaXtraDBCluster', 'perconaxtradbclusters'),
  crd('rabbitmq.com', 'RabbitmqCluster', 'rabbitmqclusters', 'v1beta1'),
  crd('kafka.strimzi.io', 'KafkaUser', 'kafkausers', 'v1beta2'),
  crd('getambassador.io', 'Mapping', 'mappings', 'v3alpha1'),
  crd('k8s.nginx.org', 'TransportServer', 'transportservers'),
  crd('gateway.solo.io', 'VirtualService', 'virtualservices'),
  crd('cilium.io', 'CiliumNetworkPolicy', 'ciliumnetworkpolicies', 'v2'),
  // Any group a repository defines: a kind named NetworkPolicy that is not Kubernetes's.
  crd('acme.example.com', 'NetworkPolicy', 'networkpolicies'),
  crd('apps.kruise.io', 'CloneSet', 'clonesets', 'v1alpha1'),
].join('');

/** A copy of infra/gitops (with the operators' and ingress controllers' CRDs in the platform baseline) and `files` added to app folders. */
function infraWith(files: Record<string, Record<string, string>>): string {
  const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
  cleanups.push(cleanup);
  const add = (folder: string, name: string, text: string) => {
    writeFileSync(join(dir, folder, name), text);
    const k = join(dir, folder, 'kustomization.yaml');
    writeFileSync(k, readFileSync(k, 'utf8').replace(/^resources:\n/m, `resources:\n  - ${name}\n`));
  };
  add('core/baseline', 'crds.yaml', CRDS);
  for (const [folder, texts] of Object.entries(files)) {
    for (const [name, text] of Object.entries(texts)) add(folder, name, text);
  }
  return dir;
}

interface Finding {
  ruleId: string;
  category: string;
  file?: string;
  line?: number;
  path?: string;
  message: string;
}

/** The exit code, "ruleId file:line path" and message of every policy finding of `check <dir>`. */
async function checkPolicy(dir: string): Promise<{ code: number; policy: string[]; messages: string[] }> {
  const run = await runCli(['check', dir, '--format', 'json', '--no-cache']);
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as { findings: Finding[] };
  const policy = report.findings.filter((f) => f.category === 'policy');
  return {
    code: run.code,
    policy: policy.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.path}`),
    messages: policy.map((f) => f.message),
  };
}

const CLUSTER = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: records
spec:
  instances: 3
  storage:
    size: 10Gi
`;

/** A Deployment (not the governed API) whose container reads `secrets` whole (envFrom), the first at line 17. */
const readerOf = (name: string, secrets: string[]) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: reader
          image: quay.io/kfm/reader@sha256:${'a'.repeat(64)}
          envFrom:
${secrets.map((s) => `            - secretRef:\n                name: ${s}\n`).join('')}`;

const ZALANDO = `apiVersion: acid.zalan.do/v1
kind: postgresql
metadata:
  name: acid-records
spec:
  teamId: acid
`;

describe('store operators (e2e)', () => {
  it('a CloudNativePG Cluster beside postgis (default-deny in its overlay) with ClusterIP Services only passes', async () => {
    const dir = infraWith({ 'apps/postgis/overlays/prod': { 'cluster.yaml': CLUSTER } });
    const { code, policy } = await checkPolicy(dir);
    expect(policy).toEqual([]);
    expect(code).toBe(0);
  });

  it('exposure by the operator, a Route to its Service, an allow-all policy on its pods, no default-deny', async () => {
    const dir = infraWith({
      'apps/postgis/overlays/prod': {
        'cluster.yaml': `${CLUSTER}  managed:
    services:
      additional:
        - selectorType: rw
          serviceTemplate:
            metadata:
              name: records-public
            spec:
              type: LoadBalancer
`,
        'route.yaml': `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: records
spec:
  to:
    kind: Service
    name: records-rw
`,
        'zalando.yaml': `${ZALANDO}  numberOfInstances: 2
  enableMasterLoadBalancer: true
`,
        'kafka.yaml': `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata:
  name: events
spec:
  kafka:
    listeners:
      - name: external
        port: 9094
        type: route
        tls: true
`,
        'networkpolicy.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: records-from-anywhere
spec:
  podSelector:
    matchLabels:
      cnpg.io/cluster: records
  ingress:
    - from:
        - namespaceSelector: {}
`,
      },
      // kfm-ui's overlay has no default-deny of its own: a store there must bring one.
      'apps/kfm-ui/overlays/prod': {
        'tenant.yaml': `apiVersion: minio.min.io/v2
kind: Tenant
metadata:
  name: objects
spec:
  pools:
    - servers: 4
      volumesPerServer: 2
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-TM-001 apps/postgis/overlays/prod/route.yaml:8 spec.to.name',
      'KFM-TM-002 apps/postgis/overlays/prod/cluster.yaml:17 spec.managed.services.additional[0].serviceTemplate.spec.type',
      'KFM-TM-002 apps/postgis/overlays/prod/kafka.yaml:10 spec.kafka.listeners[0].type',
      'KFM-TM-002 apps/postgis/overlays/prod/zalando.yaml:8 spec.enableMasterLoadBalancer',
      'KFM-TM-003 apps/kfm-ui/overlays/prod/kustomization.yaml:5 metadata.namespace',
      'KFM-TM-004 apps/postgis/overlays/prod/networkpolicy.yaml:11 spec.ingress[0].from[0]',
    ]);
  });
});

describe("store operators' credentials (e2e)", () => {
  it("kfm-ui reading the Secret CloudNativePG writes the app user's password to is KFM-TM-005", async () => {
    const reader = readerOf('report-reader', ['records-app']);
    const dir = infraWith({
      'apps/postgis/overlays/prod': { 'cluster.yaml': CLUSTER },
      'apps/kfm-ui/overlays/prod': { 'reader.yaml': reader },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.filter((p) => p.startsWith('KFM-TM-005'))).toEqual([
      'KFM-TM-005 apps/kfm-ui/overlays/prod/reader.yaml:17 spec.template.spec.containers[0].envFrom[0].secretRef.name',
    ]);
  });
});

describe('more store operators, their credentials and routes to them (e2e)', () => {
  it('Percona exposure, an Emissary Mapping and an NGINX TransportServer to a store, a RabbitMQ and a KafkaUser Secret mounted by kfm-ui', async () => {
    const dir = infraWith({
      'apps/postgis/overlays/prod': {
        'pxc.yaml': `apiVersion: pxc.percona.com/v1
kind: PerconaXtraDBCluster
metadata:
  name: records
spec:
  crVersion: 1.15.0
  pxc:
    size: 3
  haproxy:
    enabled: true
    size: 3
    exposePrimary:
      type: LoadBalancer
`,
        'rabbitmq.yaml': `apiVersion: rabbitmq.com/v1beta1
kind: RabbitmqCluster
metadata:
  name: events
spec:
  replicas: 3
`,
        'kafkauser.yaml': `apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaUser
metadata:
  name: orders-writer
  labels:
    strimzi.io/cluster: events
spec:
  authentication:
    type: scram-sha-512
`,
      },
      'apps/kfm-ui/overlays/prod': {
        'mapping.yaml': `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: db
spec:
  hostname: "*"
  prefix: /db/
  service: postgis.kfm-prod:5432
`,
        'transportserver.yaml': `apiVersion: k8s.nginx.org/v1
kind: TransportServer
metadata:
  name: mysql
spec:
  listener:
    name: mysql
    protocol: TCP
  upstreams:
    - name: records
      service: records-haproxy
      port: 3306
  action:
    pass: records
`,
        'reader.yaml': readerOf('event-reader', ['events-default-user', 'orders-writer']),
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-TM-001 apps/kfm-ui/overlays/prod/mapping.yaml:8 spec.service',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/transportserver.yaml:11 spec.upstreams[0].service',
      'KFM-TM-002 apps/postgis/overlays/prod/pxc.yaml:13 spec.haproxy.exposePrimary.type',
      'KFM-TM-005 apps/kfm-ui/overlays/prod/reader.yaml:17 spec.template.spec.containers[0].envFrom[0].secretRef.name',
      'KFM-TM-005 apps/kfm-ui/overlays/prod/reader.yaml:19 spec.template.spec.containers[0].envFrom[1].secretRef.name',
    ]);
  });
});

describe('routes found by an attacker review (e2e)', () => {
  it("an Istio route matched on a public gateway and ingress-nginx's default-backend annotation reach postgis", async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/prod': {
        'virtualservice.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: db
spec:
  hosts: [db.kfm.example.org]
  tcp:
    - match:
        - port: 5432
          gateways: [istio-system/public]
      route:
        - destination:
            host: postgis
`,
        'ingress.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: fallback
  annotations:
    nginx.ingress.kubernetes.io/default-backend: postgis
spec:
  rules:
    - host: fallback.kfm.example.org
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: kfm-ui
                port:
                  number: 8080
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-TM-001 apps/kfm-ui/overlays/prod/ingress.yaml:6 metadata.annotations["nginx.ingress.kubernetes.io/default-backend"]',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/virtualservice.yaml:13 spec.tcp[0].route[0].destination.host',
    ]);
  });
});

describe("ingress controllers' own routes (e2e)", () => {
  it('a Traefik IngressRouteTCP in kfm-ui and a Contour HTTPProxy tcpproxy reach postgis', async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/prod': {
        'ingressroutetcp.yaml': `apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata:
  name: db
spec:
  entryPoints: [postgres]
  routes:
    - match: HostSNI(\`*\`)
      services:
        - name: postgis
          port: 5432
`,
        'httpproxy.yaml': `apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata:
  name: db
spec:
  virtualhost:
    fqdn: db.example.com
    tls:
      passthrough: true
  tcpproxy:
    services:
      - name: postgis
        port: 5432
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-TM-001 apps/kfm-ui/overlays/prod/httpproxy.yaml:12 spec.tcpproxy.services[0].name',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/ingressroutetcp.yaml:10 spec.routes[0].services[0].name',
    ]);
  });
});

describe('routes to a store around its Service (e2e)', () => {
  it("hand-written endpoints, a Gloo discovered Upstream and a cloudflared tunnel reach postgis from kfm-ui's overlay", async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/prod': {
        // A selector-less Service whose Endpoints name postgis's pod, routed; a LoadBalancer whose FQDN EndpointSlice
        // names postgis's cluster DNS name; a Route to hand-written endpoints at an in-cluster address.
        'endpoints.yaml': `apiVersion: v1
kind: Service
metadata:
  name: legacy-db
spec:
  ports:
    - port: 5432
---
apiVersion: v1
kind: Endpoints
metadata:
  name: legacy-db
subsets:
  - addresses:
      - ip: 10.128.4.17
        targetRef:
          kind: Pod
          name: postgis-0
    ports:
      - port: 5432
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: legacy-db
spec:
  defaultBackend:
    service:
      name: legacy-db
      port:
        number: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: edge-db
spec:
  type: LoadBalancer
  ports:
    - port: 5432
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: edge-db-1
  labels:
    kubernetes.io/service-name: edge-db
addressType: FQDN
endpoints:
  - addresses:
      - postgis.kfm-prod.svc.cluster.local
ports:
  - port: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: reports
spec:
  ports:
    - port: 8080
---
apiVersion: v1
kind: Endpoints
metadata:
  name: reports
subsets:
  - addresses:
      - ip: 10.128.9.3
    ports:
      - port: 8080
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: reports
spec:
  to:
    kind: Service
    name: reports
`,
        'gloo.yaml': `apiVersion: gateway.solo.io/v1
kind: VirtualService
metadata:
  name: db
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers:
          - prefix: /
        routeAction:
          single:
            upstream:
              name: kfm-prod-postgis-5432
              namespace: gloo-system
`,
        'cloudflared.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: cloudflared
data:
  config.yaml: |
    tunnel: kfm
    credentials-file: /etc/cloudflared/creds/credentials.json
    ingress:
      - hostname: app.kfm.example.org
        service: http://kfm-ui:8080
      - hostname: db.kfm.example.org
        service: tcp://postgis.kfm-prod.svc.cluster.local:5432
      - service: http_status:404
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cloudflared-quick
spec:
  selector:
    matchLabels: {app: cloudflared-quick}
  template:
    metadata:
      labels: {app: cloudflared-quick}
    spec:
      containers:
        - name: cloudflared
          image: docker.io/cloudflare/cloudflared@sha256:${'c'.repeat(64)}
          args: [tunnel, --no-autoupdate, --url, "tcp://postgis:5432"]
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-TM-001 apps/kfm-ui/overlays/prod/cloudflared.yaml:30 spec.template.spec.containers[0].args[3]',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/cloudflared.yaml:6 data["config.yaml"]',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/endpoints.yaml:29 spec.defaultBackend.service.name',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/endpoints.yaml:80 spec.to.name',
      'KFM-TM-001 apps/kfm-ui/overlays/prod/gloo.yaml:14 spec.virtualHost.routes[0].routeAction.single.upstream.name',
      'KFM-TM-002 apps/kfm-ui/overlays/prod/endpoints.yaml:38 spec.type',
    ]);
  });

  it("a CloudNativePG Cluster giving its pods the governed API's labels in its spec is KFM-TM-011", async () => {
    const dir = infraWith({
      'apps/postgis/overlays/prod': {
        'cluster.yaml': `${CLUSTER}  inheritedMetadata:
    labels:
      kfm.dev/governed-api: "true"
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy).toEqual([
      'KFM-TM-011 apps/postgis/overlays/prod/cluster.yaml:11 spec.inheritedMetadata.labels["kfm.dev/governed-api"]',
    ]);
  });
});

describe('images in promoted envs (e2e)', () => {
  it('an OpenShift image trigger following an ImageStreamTag replaces the pinned digest: DeploymentConfig and annotation', async () => {
    const pinned = `quay.io/kfm/worker@sha256:${'a'.repeat(64)}`;
    const dir = infraWith({
      'apps/kfm-api/overlays/prod': {
        'deploymentconfig.yaml': `apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata:
  name: kfm-worker
spec:
  selector:
    app: kfm-worker
  template:
    metadata:
      labels:
        app: kfm-worker
    spec:
      containers:
        - name: worker
          image: ${pinned}
  triggers:
    - type: ImageChange
      imageChangeParams:
        automatic: true
        containerNames: [worker]
        from:
          kind: ImageStreamTag
          name: worker:latest
`,
        'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kfm-indexer
  annotations:
    image.openshift.io/triggers: '[{"from":{"kind":"ImageStreamTag","name":"indexer:latest"},"fieldPath":"spec.template.spec.containers[?(@.name==\\"indexer\\")].image"}]'
spec:
  selector:
    matchLabels:
      app: kfm-indexer
  template:
    metadata:
      labels:
        app: kfm-indexer
    spec:
      containers:
        - name: indexer
          image: ${pinned}
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-DP-001 apps/kfm-api/overlays/prod/deployment.yaml:6 metadata.annotations["image.openshift.io/triggers"]',
      'KFM-DP-001 apps/kfm-api/overlays/prod/deploymentconfig.yaml:21 spec.triggers[0].imageChangeParams.from',
    ]);
  });

  it('a CloudNativePG Cluster names its PostgreSQL image under imageName, a Zalando postgresql under dockerImage', async () => {
    const dir = infraWith({
      'apps/postgis/overlays/prod': {
        'cluster.yaml': `${CLUSTER}  imageName: ghcr.io/cloudnative-pg/postgresql:16.4
`,
        'zalando.yaml': `${ZALANDO}  dockerImage: ghcr.io/zalando/spilo-16:3.2-p2
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-DP-001 apps/postgis/overlays/prod/cluster.yaml:9 spec.imageName',
      'KFM-DP-001 apps/postgis/overlays/prod/zalando.yaml:7 spec.dockerImage',
    ]);
  });
});

describe('RBAC to a store (e2e)', () => {
  it('a RoleBinding in the namespace of postgis lets kfm-ui create pods (mount its credentials, wear the API labels) or escalate', async () => {
    const role = (name: string, rules: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${name}
rules:
${rules}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${name}
subjects:
  - kind: ServiceAccount
    name: kfm-ui
`;
    const dir = infraWith({
      'apps/kfm-ui/overlays/prod': {
        'pod-creator.yaml': role('pod-creator', '  - {apiGroups: [""], resources: [pods], verbs: [create]}\n'),
        'escalator.yaml': role(
          'escalator',
          '  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, create]}\n',
        ),
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect(policy.sort()).toEqual([
      'KFM-RBAC-006 apps/kfm-ui/overlays/prod/escalator.yaml:15 roleRef.name',
      'KFM-RBAC-006 apps/kfm-ui/overlays/prod/pod-creator.yaml:15 roleRef.name',
    ]);
  });

  it('a platform ClusterRoleBinding letting a group impersonate any group (system:masters) is cluster-admin', async () => {
    const dir = infraWith({
      'core/baseline': {
        'impersonator.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: support-impersonator
rules:
  - apiGroups: [""]
    resources: [groups]
    verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: support-impersonator
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: support-impersonator
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: kfm-support
`,
      },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(code).toBe(1);
    expect([...new Set(policy)]).toEqual(['KFM-RBAC-001 core/baseline/impersonator.yaml:17 roleRef.name']);
  });
});

const CHISEL = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: chisel-client
spec:
  selector:
    matchLabels: {app: chisel-client}
  template:
    metadata:
      labels: {app: chisel-client}
    spec:
      containers:
        - name: chisel
          image: docker.io/jpillora/chisel@sha256:${'c'.repeat(64)}
          args:
            - client
            - https://tunnel.example.org
            - 8080:kfm-api:8080
            - R:6432:postgis.kfm-prod.svc.cluster.local:5432
`;

const FRPC = `apiVersion: v1
kind: ConfigMap
metadata:
  name: frpc
data:
  app.toml: |
    [ui]
    localIP = "postgis"
  frpc.toml: |
    serverAddr = "frp.example.org"
    serverPort = 7000

    [[proxies]]
    name = "db"
    type = "tcp"
    localIP = "postgis"
    localPort = 5432
    remotePort = 6000
`;

// Tunnel agents other than cloudflared and ngrok (2d79e64): both passed before, each is reported on its own line.
describe('tunnel agents publishing a store (e2e)', () => {
  it('a chisel reverse remote and an frpc ConfigMap in kfm-ui reach postgis: KFM-TM-001 on the arg and the config key', async () => {
    const dir = infraWith({ 'apps/kfm-ui/overlays/prod': { 'chisel.yaml': CHISEL, 'frpc.yaml': FRPC } });
    const { code, policy, messages } = await checkPolicy(dir);
    expect(policy.sort()).toEqual([
      `KFM-TM-001 apps/kfm-ui/overlays/prod/chisel.yaml:${lineOf(CHISEL, 'R:6432')} spec.template.spec.containers[0].args[3]`,
      `KFM-TM-001 apps/kfm-ui/overlays/prod/frpc.yaml:${lineOf(FRPC, 'frpc.toml')} data["frpc.toml"]`,
    ]);
    for (const m of messages) expect(m).toContain('exposes store Service kfm-prod/postgis');
    expect(code).toBe(1);
  });
});

// An ssh remote forward in a sidecar of the governed API, whose pods the store's NetworkPolicy admits: serveo.net
// gives the forwarded port a public address. It passed with exit 0 before.
const SSH_TUNNEL = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kfm-api
spec:
  template:
    spec:
      containers:
        - name: reverse
          image: docker.io/library/alpine@sha256:${'e'.repeat(64)}
          command:
            - sh
            - -c
            - apk add --no-cache openssh-client && exec ssh -o StrictHostKeyChecking=no -NR 80:postgis:5432 serveo.net
`;

describe('an ssh remote forward publishing a store (e2e)', () => {
  it('a reverse forward patched into kfm-api reaches postgis: KFM-TM-001 on the script', async () => {
    const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
    cleanups.push(cleanup);
    const overlay = join(dir, 'apps/kfm-api/overlays/prod');
    writeFileSync(join(overlay, 'ssh-tunnel.yaml'), SSH_TUNNEL);
    const k = join(overlay, 'kustomization.yaml');
    writeFileSync(k, readFileSync(k, 'utf8').replace(/^patches:\n/m, 'patches:\n  - path: ssh-tunnel.yaml\n'));
    const { code, policy, messages } = await checkPolicy(dir);
    expect(policy).toContain(
      `KFM-TM-001 apps/kfm-api/overlays/prod/ssh-tunnel.yaml:${lineOf(SSH_TUNNEL, 'exec ssh')} spec.template.spec.containers[0].command[2]`,
    );
    expect(messages.some((m) => m.includes('exposes store Service kfm-prod/postgis'))).toBe(true);
    expect(code).toBe(1);
  });
});

// Shapes that passed with exit 0 before this round, each reported on its own line: a socat relay, an ssh client
// configuration's RemoteForward, a gost configuration's remote forward, a store NetworkPolicy admitting the governed
// API's label from a namespace where no governed API runs, and an ExternalName at an in-cluster address.
const SOCAT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: relay
spec:
  selector:
    matchLabels: {app: relay}
  template:
    metadata:
      labels: {app: relay}
    spec:
      containers:
        - name: socat
          image: docker.io/alpine/socat@sha256:${'e'.repeat(64)}
          args: ["TCP-LISTEN:9000,fork", "TCP:postgis:5432"]
`;
const SSH_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ssh-config
data:
  ssh_config: |
    Host tunnel
      HostName serveo.net
      RemoteForward 80 postgis:5432
`;
const GOST_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: gost-config
data:
  gost.yaml: |
    services:
      - name: db
        addr: ":5432"
        handler: {type: rtcp}
        listener: {type: rtcp, chain: relay}
        forwarder:
          nodes:
            - {name: target, addr: "postgis:5432"}
`;
const TENANT_NP = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: postgis-allow-tenant
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: postgis
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: tenant-x
          podSelector:
            matchLabels:
              kfm.dev/governed-api: "true"
`;
const IP_ALIAS = `apiVersion: v1
kind: Service
metadata:
  name: side
spec:
  type: ExternalName
  externalName: 10.128.2.17
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: side
spec:
  to:
    kind: Service
    name: side
`;

describe('relays, tunnel configurations, a foreign namespace and an address alias (e2e)', () => {
  it('each reaches postgis past the governed API: one finding on its own line, exit 1', async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/prod': {
        'socat.yaml': SOCAT,
        'ssh-config.yaml': SSH_CONFIG,
        'gost-config.yaml': GOST_CONFIG,
        'ip-alias.yaml': IP_ALIAS,
      },
      'apps/postgis/overlays/prod': { 'allow-tenant.yaml': TENANT_NP },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(policy.sort()).toEqual([
      `KFM-TM-001 apps/kfm-ui/overlays/prod/gost-config.yaml:${lineOf(GOST_CONFIG, 'gost.yaml')} data["gost.yaml"]`,
      `KFM-TM-001 apps/kfm-ui/overlays/prod/ip-alias.yaml:${lineOf(IP_ALIAS, '    name: side')} spec.to.name`,
      `KFM-TM-001 apps/kfm-ui/overlays/prod/socat.yaml:${lineOf(SOCAT, 'TCP-LISTEN')} spec.template.spec.containers[0].args[1]`,
      `KFM-TM-001 apps/kfm-ui/overlays/prod/ssh-config.yaml:${lineOf(SSH_CONFIG, 'ssh_config')} data.ssh_config`,
      `KFM-TM-004 apps/postgis/overlays/prod/allow-tenant.yaml:${lineOf(TENANT_NP, '- namespaceSelector')} spec.ingress[0].from[0]`,
    ]);
    expect(code).toBe(1);
  });
});

// Shapes that passed with exit 0 before this session: a reverse proxy's configuration, a kubectl port-forward, a
// store NetworkPolicy admitting namespaces by a label anyone can set, Argo CD's default role for every user, and a
// dev overlay's object placed in prod's namespace.
const NGINX = `apiVersion: v1
kind: ConfigMap
metadata:
  name: edge
data:
  default.conf: |
    server {
      listen 8081;
      location /files/ { proxy_pass http://minio:9000/kfm-canonical/; }
    }
`;
const PORT_FORWARD = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: registry.k8s.io/kubectl@sha256:${'f'.repeat(64)}
              command: [sh, -c, "kubectl port-forward pod/postgis-0 15432:5432 & sleep 3; psql -h 127.0.0.1 -p 15432"]
`;
const EXEC = `apiVersion: batch/v1
kind: Job
metadata:
  name: dump
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: dump
          image: registry.k8s.io/kubectl@sha256:${'f'.repeat(64)}
          command: [kubectl, exec, postgis-0, --, pg_dumpall]
`;
const TEAM_NP = TENANT_NP.replace('postgis-allow-tenant', 'postgis-allow-team').replace(
  'kubernetes.io/metadata.name: tenant-x',
  'team: kfm-api',
);
const MOVED = `apiVersion: v1
kind: ConfigMap
metadata:
  name: preview
  namespace: kfm-prod
data:
  KFM_FEATURE_PREVIEW: "true"
`;

describe('a proxy, a port-forward, an exec, a labelled namespace, Argo CD default role, an object of dev in prod (e2e)', () => {
  it('each is reported on its own line, exit 1', async () => {
    const dir = infraWith({
      'apps/kfm-ui/overlays/dev': {
        'edge.yaml': NGINX,
        'report.yaml': PORT_FORWARD,
        'dump.yaml': EXEC,
        'preview.yaml': MOVED,
      },
      'apps/postgis/overlays/dev': { 'allow-team.yaml': TEAM_NP },
    });
    // Without the overlay's `namespace:` (which would move it back), its objects go to the Application's destination,
    // kfm-dev, and the one naming kfm-prod to prod.
    const kustomization = join(dir, 'apps', 'kfm-ui', 'overlays', 'dev', 'kustomization.yaml');
    const overlay = readFileSync(kustomization, 'utf8');
    expect(overlay).toContain('\nnamespace: kfm-dev\n');
    writeFileSync(kustomization, overlay.replace('\nnamespace: kfm-dev\n', '\n'));
    const argocd = join(dir, 'bootstrap', 'base', 'argocd.yaml');
    const text = readFileSync(argocd, 'utf8');
    expect(text).toContain('defaultPolicy: ""');
    writeFileSync(argocd, text.replace('defaultPolicy: ""', 'defaultPolicy: role:admin'));
    const { code, policy, messages } = await checkPolicy(dir);
    expect(policy.sort()).toEqual([
      `KFM-ARGO-005 bootstrap/base/argocd.yaml:${lineOf(text, 'defaultPolicy')} spec.rbac.defaultPolicy`,
      `KFM-DP-004 apps/kfm-ui/overlays/dev/preview.yaml:${lineOf(MOVED, 'namespace: kfm-prod')} metadata.namespace`,
      `KFM-TM-001 apps/kfm-ui/overlays/dev/dump.yaml:${lineOf(EXEC, 'kubectl, exec')} spec.template.spec.containers[0].command[2]`,
      `KFM-TM-001 apps/kfm-ui/overlays/dev/edge.yaml:${lineOf(NGINX, 'default.conf')} data["default.conf"]`,
      `KFM-TM-001 apps/kfm-ui/overlays/dev/report.yaml:${lineOf(PORT_FORWARD, 'kubectl port-forward')} spec.jobTemplate.spec.template.spec.containers[0].command[2]`,
      `KFM-TM-004 apps/postgis/overlays/dev/allow-team.yaml:${lineOf(TEAM_NP, '- namespaceSelector')} spec.ingress[0].from[0]`,
    ]);
    expect(messages.some((m) => m.includes('which deploys to env dev, is placed in namespace kfm-prod'))).toBe(true);
    expect(code).toBe(1);
  });
});

describe("Argo CD's web terminal (e2e)", () => {
  it('turned on with exec granted to developers is KFM-ARGO-006 on the setting; for admins alone it passes', async () => {
    const dir = infraWith({});
    const argocd = join(dir, 'bootstrap', 'base', 'argocd.yaml');
    const text = readFileSync(argocd, 'utf8');
    expect(text).toContain('\n  rbac:\n');
    const terminalOn = text.replace('\n  rbac:\n', '\n  extraConfig:\n    exec.enabled: "true"\n  rbac:\n');
    writeFileSync(argocd, terminalOn);
    const admins = await checkPolicy(dir);
    expect(admins.policy).toEqual([]);
    expect(admins.code).toBe(0);

    const grant = '      p, role:kfm-developers, applications, get, kfm-apps/*, allow\n';
    expect(terminalOn).toContain(grant);
    writeFileSync(
      argocd,
      terminalOn.replace(grant, `${grant}      p, role:kfm-developers, exec, create, kfm-apps/*, allow\n`),
    );
    const { code, policy, messages } = await checkPolicy(dir);
    expect(policy).toEqual([
      `KFM-ARGO-006 bootstrap/base/argocd.yaml:${lineOf(terminalOn, 'exec.enabled')} spec.extraConfig["exec.enabled"]`,
    ]);
    expect(messages.some((m) => m.includes('lets role:kfm-developers exec'))).toBe(true);
    expect(code).toBe(1);
  });
});

const KYVERNO = `${crd('kyverno.io', 'ClusterPolicy', 'clusterpolicies').replace('"Namespaced"', '"Cluster"')}---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: expose-services
spec:
  rules:
    - name: lb
      match:
        any:
          - resources:
              kinds: [Service]
              namespaces: ["kfm-*"]
      mutate:
        patchStrategicMerge:
          spec:
            type: LoadBalancer
`;

describe('an admission mutator reaching the stores (e2e)', () => {
  it('a Kyverno ClusterPolicy patching kfm-* Services is KFM-TM-012 on each store; scoped elsewhere it passes', async () => {
    const { code, policy, messages } = await checkPolicy(infraWith({ 'core/baseline': { 'kyverno.yaml': KYVERNO } }));
    // postgis and minio, in each of the three envs.
    expect(policy.filter((p) => p.startsWith('KFM-TM-012 apps/postgis/base/statefulset.yaml:'))).toHaveLength(3);
    expect(policy.filter((p) => p.startsWith('KFM-TM-012 apps/minio/base/statefulset.yaml:'))).toHaveLength(3);
    expect(policy).toHaveLength(6);
    expect(messages[0]).toContain(
      'ClusterPolicy expose-services (rule lb) mutates objects at admission in namespace kfm-',
    );
    expect(code).toBe(1);

    const scoped = infraWith({ 'core/baseline': { 'kyverno.yaml': KYVERNO.replace('["kfm-*"]', '["tools-*"]') } });
    const elsewhere = await checkPolicy(scoped);
    expect(elsewhere.policy).toEqual([]);
    expect(elsewhere.code).toBe(0);
  });
});

const SNIPPET = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ui-extra
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: |
      location /dump {
        proxy_pass http://postgis.kfm-dev.svc.cluster.local:5432;
      }
spec:
  ingressClassName: nginx
  defaultBackend:
    service:
      name: kfm-ui
      port:
        number: 8080
`;

describe("an Ingress's configuration snippet (e2e)", () => {
  it('an ingress-nginx server-snippet proxying to postgis is KFM-TM-001 on the annotation', async () => {
    const { code, policy } = await checkPolicy(infraWith({ 'apps/kfm-ui/overlays/dev': { 'extra.yaml': SNIPPET } }));
    expect(policy).toEqual([
      `KFM-TM-001 apps/kfm-ui/overlays/dev/extra.yaml:${lineOf(SNIPPET, 'server-snippet')} metadata.annotations["nginx.ingress.kubernetes.io/server-snippet"]`,
    ]);
    expect(code).toBe(1);
  });
});

const VIEW_MORE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: view-more
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list"]
`;

const NODE_READER = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: node-reader
spec:
  selector:
    matchLabels: {app: node-reader}
  template:
    metadata:
      labels: {app: node-reader}
    spec:
      containers:
        - name: r
          image: registry.access.redhat.com/ubi9/ubi-minimal@sha256:${'0'.repeat(64)}
          command: ["sleep", "infinity"]
      volumes:
        - name: kubelet
          hostPath:
            path: /var/lib/kubelet/pods
`;

describe('a role aggregated into view, an app mounting its node (e2e)', () => {
  it('each is reported on its own line, exit 1', async () => {
    const dir = infraWith({
      'core/baseline': { 'view-more.yaml': VIEW_MORE },
      'apps/kfm-ui/overlays/dev': { 'node-reader.yaml': NODE_READER },
    });
    const { code, policy } = await checkPolicy(dir);
    expect(policy.sort()).toEqual([
      `KFM-RBAC-007 core/baseline/view-more.yaml:${lineOf(VIEW_MORE, '- apiGroups')} rules[0]`,
      `KFM-TM-013 apps/kfm-ui/overlays/dev/node-reader.yaml:${lineOf(NODE_READER, 'hostPath:')} spec.template.spec.volumes[0].hostPath`,
    ]);
    expect(code).toBe(1);
  });
});

/** A copy of infra/gitops with one shipped file edited (`from` must be in it); the edited text, to find lines in. */
function infraEdited(rel: string, from: string, to: string): { dir: string; text: string } {
  const dir = infraWith({});
  const file = join(dir, ...rel.split('/'));
  const original = readFileSync(file, 'utf8');
  expect(original).toContain(from);
  const text = original.replace(from, to);
  writeFileSync(file, text);
  return { dir, text };
}

describe("a store's Service exported to other clusters (e2e)", () => {
  it("Cilium's global-service annotation on postgis is KFM-TM-002 in each env", async () => {
    const { dir, text } = infraEdited(
      'apps/postgis/base/service.yaml',
      '\nmetadata:\n',
      '\nmetadata:\n  annotations:\n    service.cilium.io/global: "true"\n',
    );
    const { code, policy } = await checkPolicy(dir);
    const at = `KFM-TM-002 apps/postgis/base/service.yaml:${lineOf(text, 'service.cilium.io/global')} metadata.annotations["service.cilium.io/global"]`;
    expect(policy).toEqual([at, at, at]);
    expect(code).toBe(1);
  });
});

describe('network policies that are not Kubernetes NetworkPolicies (e2e)', () => {
  it('a CiliumNetworkPolicy letting the world in to postgis is KFM-TM-015, whatever its NetworkPolicies say', async () => {
    const cnp = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: postgis-metrics
spec:
  endpointSelector:
    matchLabels:
      app.kubernetes.io/name: postgis
  ingress:
    - fromEntities: [world]
      toPorts:
        - ports: [{port: "5432", protocol: TCP}]
`;
    const { code, policy, messages } = await checkPolicy(
      infraWith({ 'apps/postgis/overlays/prod': { 'cnp.yaml': cnp } }),
    );
    expect(policy).toEqual([
      `KFM-TM-015 apps/postgis/overlays/prod/cnp.yaml:${lineOf(cnp, 'fromEntities')} spec.ingress[0]`,
    ]);
    expect(messages[0]).toContain('`fromEntities` peers');
    expect(code).toBe(1);
  });

  it("postgis's default-deny under another group's NetworkPolicy kind is no default-deny (KFM-TM-003 in each env)", async () => {
    const dir = infraWith({});
    const file = join(dir, 'apps', 'postgis', 'base', 'networkpolicy-default-deny-ingress.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('networking.k8s.io/v1', 'acme.example.com/v1'));
    const { code, policy } = await checkPolicy(dir);
    expect(policy.filter((p) => p.startsWith('KFM-TM-003')).sort()).toEqual(
      ['dev', 'prod', 'stage'].map(
        (env) => `KFM-TM-003 apps/postgis/overlays/${env}/kustomization.yaml:5 metadata.namespace`,
      ),
    );
    expect(code).toBe(1);
  });
});

describe('a store run by a custom resource with a pod template (e2e)', () => {
  it('a PostgreSQL CloneSet (OpenKruise) behind a Route is KFM-TM-001 and needs a default-deny (KFM-TM-003)', async () => {
    const text = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: cache-db
spec:
  selector:
    matchLabels: {app: cache-db}
  template:
    metadata:
      labels: {app: cache-db}
    spec:
      containers:
        - name: db
          image: docker.io/library/postgres@sha256:${'2'.repeat(64)}
---
apiVersion: v1
kind: Service
metadata:
  name: cache-db
spec:
  selector: {app: cache-db}
  ports: [{port: 5432}]
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: cache-db
spec:
  to: {kind: Service, name: cache-db}
  tls: {termination: passthrough}
`;
    const { code, policy } = await checkPolicy(infraWith({ 'apps/kfm-ui/overlays/prod': { 'cache.yaml': text } }));
    expect(policy).toEqual([
      `KFM-TM-001 apps/kfm-ui/overlays/prod/cache.yaml:${lineOf(text, 'to: {kind: Service')} spec.to.name`,
      'KFM-TM-003 apps/kfm-ui/overlays/prod/kustomization.yaml:5 metadata.namespace',
    ]);
    expect(code).toBe(1);
  });
});

describe("an app running as a store's ServiceAccount (e2e)", () => {
  it('kfm-ui with serviceAccountName postgis is KFM-TM-014 in each env', async () => {
    const { dir, text } = infraEdited(
      'apps/kfm-ui/base/deployment.yaml',
      'serviceAccountName: kfm-ui',
      'serviceAccountName: postgis',
    );
    const { code, policy } = await checkPolicy(dir);
    const at = `KFM-TM-014 apps/kfm-ui/base/deployment.yaml:${lineOf(text, 'serviceAccountName: postgis')} spec.template.spec.serviceAccountName`;
    expect(policy).toEqual([at, at, at]);
    expect(code).toBe(1);
  });
});
