/**
 * Splits one env's evaluation of the built-in policies into groups that cannot relate to each other, so that the
 * OPA Wasm instance holds one group at a time instead of everything an env deploys (issue 20: the instance's memory
 * grows to the largest input and never shrinks), and each group carries only the shared context it can relate to
 * (with every platform overlay's objects in every env's input, the work grew with envs × platform objects). The
 * audit that makes this equivalent to one evaluation per env is docs/checks/policy.md ("Partitioning an env"); in
 * short, every built-in rule joins objects only
 *  - by namespace (`k8s.namespace`: `metadata.namespace`, "default" when absent) between objects of the kinds in
 *    NAMESPACE_JOINED: stores, their Services, Secrets, claims and NetworkPolicies, Roles of a RoleBinding, a Rollout's
 *    workloadRef, default-deny policies, routes and their backends; and the first app object (with a namespace) of
 *    a namespace;
 *  - across namespaces only through a namespace named inside an object (an HTTPRoute backendRef's `namespace`), an
 *    ExternalName Service's DNS name, an Istio VirtualService's destination hosts or the hosts a route or tunnel
 *    names (namespaceKeys);
 *  - globally through ClusterRoles (by name, aggregation labels), CustomResourceDefinitions (scope of a kind),
 *    (Baseline)AdminNetworkPolicies (subjects selecting namespaces by label), ClusterRoleBindings (a grant in every
 *    namespace), the run's AppProjects and params
 *    (already in every input), and whether platform objects are in view.
 * So overlays are joined (union-find) when they share a namespace key, where every string under a `namespace` key and
 * every label of an ExternalName or of a VirtualService `host` counts as one, over-approximating; ClusterRoles, CRDs,
 * admin network policies and ClusterRoleBindings are copied into every group as read-only context. Rules report only on a group's own resources, each of which is in exactly one group, so
 * nothing is reported twice. A bundle whose rules were not audited (its sources digest differs from
 * AUDITED_POLICY_SOURCES) is evaluated as one group per env with all its context, as before: fail closed.
 */
import type { RenderedOverlay, Resource } from '../../types.js';
import type { EnvGroup } from './input.js';

/**
 * sourcesSha256 of the policy bundle whose rules docs/checks/policy.md audits for partitioning. Any change to the
 * Rego (a rule may join objects a new way) switches partitioning off until the audit is redone and this is updated;
 * test/checks/policy/partition.test.ts says so.
 */
export const AUDITED_POLICY_SOURCES = 'afe19ee4aa6ae05b85507c734baccc3e86fac3f5821a0b2f2f834b492ed14367';

/**
 * What the audited rules read of an overlay's kustomization (docs/checks/policy.md: DP-003 reads `images`, nothing
 * else does): with the audited bundle the built-in input carries only these fields of it, so that a run does not hold
 * every overlay's kustomization whole until the evaluation (~1.8 KB of JSON each on the bench repos; issue 20).
 */
export const AUDITED_KUSTOMIZATION_FIELDS: readonly string[] = ['images'];

/** Kinds the rules look up across every namespace (by name or by a property of the kind): context of every group. */
const GLOBAL_KINDS: ReadonlySet<string> = new Set([
  'ClusterRole',
  'CustomResourceDefinition',
  // Cluster-scoped, select namespaces by label: KFM-TM-010 judges every store they open.
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  // Cluster-wide CNI policies (Cilium, Calico, Antrea) select pods of any namespace: KFM-TM-015 judges every store
  // they open.
  'CiliumClusterwideNetworkPolicy',
  'GlobalNetworkPolicy',
  'ClusterNetworkPolicy',
  // Grants its ClusterRole in every namespace: KFM-RBAC-006 judges it against every store.
  'ClusterRoleBinding',
  // Admission mutators and generators that select namespaces by name, glob or label: KFM-TM-012 judges every store
  // namespace they reach (a namespaced Kyverno Policy or Kubewarden AdmissionPolicy acts in its own namespace, and
  // joins by it).
  'MutatingWebhookConfiguration',
  'MutatingAdmissionPolicy',
  'ClusterPolicy',
  'Assign',
  'AssignMetadata',
  'ModifySet',
  'AssignImage',
  'ClusterAdmissionPolicy',
  'JsPolicy',
]);

/** Kinds that run pods (k8s.template_paths): route_to_store.rego reads cloudflared's command line in their containers. */
const POD_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
  'Pod',
  'PodTemplate',
  'Rollout',
  'DeploymentConfig',
]);

/**
 * Kinds the rules join by namespace, also when the object has no `metadata.namespace` (then `k8s.namespace` says
 * "default"): pod-running kinds (`k8s.template_paths`), Services, NetworkPolicies, Secrets and their stand-ins,
 * Roles and RoleBindings, routes. Any other object joins by namespace only through a namespace it names.
 */
const NAMESPACE_JOINED: ReadonlySet<string> = new Set([
  ...POD_KINDS,
  'Service',
  'NetworkPolicy',
  // Cilium's namespaced policy (Calico's and Antrea's are kind NetworkPolicy): KFM-TM-015.
  'CiliumNetworkPolicy',
  'Secret',
  'SealedSecret',
  'ExternalSecret',
  'Role',
  'RoleBinding',
  'Route',
  'Ingress',
  'HTTPRoute',
  'TLSRoute',
  'GRPCRoute',
  'TCPRoute',
  'UDPRoute',
  'VirtualService',
  // Ingress controllers' own routes (Contour, Traefik): route_to_store.rego reads their `services`.
  'HTTPProxy',
  'IngressRoute',
  'IngressRouteTCP',
  'IngressRouteUDP',
  'TraefikService',
  // The HAProxy ingress controller's TCP frontends (KFM-TM-001).
  'TCP',
  // A ServiceExport exports the Service of its own name and namespace to other clusters (KFM-TM-002).
  'ServiceExport',
  // A Skupper Connector binds pods of its namespace (or the host it names) to a routing key (KFM-TM-002).
  'Connector',
  // A copy of a store's claim: a claim cloned from it, a snapshot of it (KFM-TM-009).
  'PersistentVolumeClaim',
  'VolumeSnapshot',
  // Hand-written endpoints of a Service: an FQDN address names the Service it leads to, an Endpoints object (named as
  // its Service) or an IP slice a store pod or cluster IP (stores.rego manual_endpoints).
  'EndpointSlice',
  'Endpoints',
  // Store operators' resources (data/stores.rego operator_stores): stores, joined like a store workload.
  'Cluster',
  'Pooler',
  'postgresql',
  'PostgresCluster',
  'Tenant',
  'Kafka',
  'MongoDBCommunity',
  'Elasticsearch',
  'PerconaXtraDBCluster',
  'PerconaServerMongoDB',
  'PerconaPGCluster',
  'OpenSearchCluster',
  'RabbitmqCluster',
  'Redis',
  'RedisCluster',
  'RedisReplication',
  'RedisEnterpriseCluster',
  'RedisEnterpriseDatabase',
  'MariaDB',
  'MaxScale',
  'KafkaBridge',
  'VitessCluster',
  // Resources that define store credentials (stores.rego: a KafkaUser's Secret, a MariaDB User's password).
  'KafkaUser',
  'User',
  // More ingress controllers' routes (route_to_store.rego): Emissary, NGINX Inc, Kong, APISIX, Gloo, and
  // ingress-nginx's tcp/udp-services ConfigMap (its entries name their namespace, see namespaceKeys).
  'Mapping',
  'TCPMapping',
  'AmbassadorMapping',
  'AmbassadorTCPMapping',
  'VirtualServer',
  'VirtualServerRoute',
  'TransportServer',
  'TCPIngress',
  'UDPIngress',
  'ApisixRoute',
  'RouteTable',
  'Upstream',
  'UpstreamGroup',
  // Gloo's TCP gateways and a hand-written Proxy (route_to_store.rego gloo_route_kinds); Gateway API's Gateway too.
  'Gateway',
  'MatchableTcpGateway',
  'Proxy',
  // ngrok's AgentEndpoint and Tunnel: a bare upstream host is a Service of their namespace.
  'AgentEndpoint',
  'Tunnel',
  // A tunnel's configuration (cloudflared, frpc): a bare host is a Service of its namespace; a cloudflared container
  // mounting one by name (route_to_store.rego mounts_tunnel_ingress).
  'ConfigMap',
]);

/**
 * One part of an env's evaluation: its own overlays (judged) and the shared platform context it may look up, as
 * resources: their objects are read only when the part is evaluated (a packed overlay is unpacked then, run/pack.ts).
 */
export interface EnvPart {
  group: EnvGroup;
  shared: Resource[];
}

type Obj = Record<string, unknown>;

/**
 * Where a custom resource may keep a pod template (k8s.rego generic_templates: OpenKruise, Knative, KEDA, any CRD
 * shaped like a Deployment or a CronJob): the rules take such an object for a workload, like the POD_KINDS.
 */
const GENERIC_TEMPLATES: readonly (readonly string[])[] = [
  ['spec', 'template'],
  ['spec', 'jobTemplate', 'spec', 'template'],
  ['spec', 'template', 'jobTemplate', 'spec', 'template'],
  ['spec', 'template', 'broadcastJobTemplate', 'spec', 'template'],
  ['spec', 'jobTargetRef', 'template'],
];

/** Whether an object runs pods as the rules read it: a POD_KINDS kind, or a pod template at a generic place. */
export function runsPods(object: Obj): boolean {
  if (typeof object.kind === 'string' && POD_KINDS.has(object.kind)) return true;
  return GENERIC_TEMPLATES.some((path) => {
    let node: unknown = object;
    for (const key of [...path, 'spec', 'containers']) {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
      node = (node as Obj)[key];
    }
    return Array.isArray(node);
  });
}

/**
 * Whether the rules join this resource by namespace: NAMESPACE_JOINED kinds, and a custom resource that runs pods.
 * The object is only read for a kind of an API group outside Kubernetes's own (a packed overlay's object costs an
 * unpack: run/pack.ts).
 */
export function joinedByNamespace(resource: { id: { kind: string; apiVersion: string }; object: Obj }): boolean {
  if (NAMESPACE_JOINED.has(resource.id.kind)) return true;
  return customGroup(resource.id.apiVersion) && runsPods(resource.object);
}

/** Kind names route_to_store.rego reads as a route of a product it does not know by name (generic_route_kind_names). */
const GENERIC_ROUTE_KIND = /(?:Route|Routes|RouteGroup|Ingress|Gateway|Mapping|Proxy|VirtualServer|Listener)$/;

/** An apiVersion's group is none of Kubernetes's own (core `v1`, `apps`, `batch`, `*.k8s.io`). */
function customGroup(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return false;
  const group = apiVersion.slice(0, slash);
  return group.includes('.') && !group.endsWith('.k8s.io');
}

/** Whether the rules look this object up from every namespace (then every group sees it). */
export function isGlobal(object: Obj): boolean {
  return typeof object.kind === 'string' && GLOBAL_KINDS.has(object.kind);
}

/** What the partition needs of a resource: whether every part sees it, else the namespaces it can join. */
export interface PartitionFacts {
  global: boolean;
  keys: readonly string[];
}

/**
 * Facts per resource of the shared context (partitionEnv's `shared`: platform overlays' objects), computed once per
 * run: a shared platform object is looked at once per env, envs can be many, and the object of a packed overlay
 * (run/pack.ts) costs an unpack. Keyed by the Resource, which lives as long as the run; recorded with a platform
 * overlay's own facts (overlayPartition), while its objects are at hand (the policy check's `observe`).
 */
const factCache = new WeakMap<Resource, PartitionFacts>();

/**
 * Equal facts shared: most resources of a namespace have the same keys, and an object, an array and the namespace's
 * string per resource were ~140 bytes of each rendered resource held for the whole run (~20 MB of heap on the xlarge
 * bench repo, issue 20). Keyed by the keys' JSON, which no two different lists share (a join on a separator would:
 * a hostile namespace may hold any character). Bounded: past it, the table starts again (sharing is only a saving).
 */
const sharedFacts = new Map<string, PartitionFacts>();
const SHARED_FACTS_MAX = 4096;
const SHARED_KEY_CHARS = 1024;
const GLOBAL_FACTS: PartitionFacts = Object.freeze({ global: true, keys: Object.freeze([]) });

function shared(keys: readonly string[]): PartitionFacts {
  const key = JSON.stringify(keys);
  const known = sharedFacts.get(key);
  if (known) return known;
  const facts: PartitionFacts = Object.freeze({ global: false, keys: Object.freeze(keys) });
  // A long list (an object naming many namespaces) is not shared: the table outlives the run, and stays small.
  if (key.length <= SHARED_KEY_CHARS) {
    if (sharedFacts.size >= SHARED_FACTS_MAX) sharedFacts.clear();
    sharedFacts.set(key, facts);
  }
  return facts;
}

export function partitionFacts(resource: Resource): PartitionFacts {
  let facts = factCache.get(resource);
  if (!facts) {
    facts = factsOf(resource);
    factCache.set(resource, facts);
  }
  return facts;
}

function factsOf(resource: Resource): PartitionFacts {
  const object = resource.object;
  return isGlobal(object) ? GLOBAL_FACTS : shared(namespaceKeys(object));
}

/**
 * What partitionEnv needs of an overlay: its distinct namespace keys (first seen first) and its global objects, in
 * resource order. The union-find joins an overlay by the keys it holds, not by which of its resources holds them, so
 * the parts are the same as from a walk over every resource; that walk ran once per env in each early policy round
 * (up to 16) over every overlay rendered so far: 2.1 s of the 7,500-overlay bench repo's profile (issue 20), where an
 * overlay has ~20 resources and 1-3 keys. One entry per overlay, not per resource (a WeakMap entry per rendered
 * resource was ~30-60 bytes of each of the xlarge bench repo's 152k resources for the whole run); kept for the array
 * of resources it was made from, so an overlay whose resources were replaced since gets it made again.
 */
export interface OverlayPartition {
  of: readonly Resource[];
  keys: readonly string[];
  globals: readonly Resource[];
}

const overlayPartitions = new WeakMap<RenderedOverlay, OverlayPartition>();
const NO_GLOBALS: readonly Resource[] = Object.freeze([]);

export function overlayPartition(rendered: RenderedOverlay): OverlayPartition {
  const known = overlayPartitions.get(rendered);
  if (known?.of === rendered.resources) return known;
  const keys = new Set<string>();
  const globals: Resource[] = [];
  const platform = rendered.overlay.layer !== 'apps';
  for (const r of rendered.resources) {
    const facts = factCache.get(r) ?? factsOf(r);
    // A platform overlay's objects are other envs' shared context, looked up one by one.
    if (platform) factCache.set(r, facts);
    if (facts.global) globals.push(r);
    else for (const key of facts.keys) keys.add(key);
  }
  // Most overlays have no global object: one empty list for all of them.
  const entry = { of: rendered.resources, keys: [...keys], globals: globals.length > 0 ? globals : NO_GLOBALS };
  overlayPartitions.set(rendered, entry);
  return entry;
}

/**
 * The namespaces an object can join: its own (as the rules read it, for a namespaced object or a NAMESPACE_JOINED
 * kind), a Namespace's own name, every string under a `namespace` key anywhere in it, the namespaces a
 * NetworkPolicy's selectors name by kubernetes.io/metadata.name and, for an ExternalName
 * Service, every DNS label of the name, for a VirtualService every DNS label of every `host` in its spec. Over-approximating only merges more groups, never fewer.
 */
export function namespaceKeys(object: Obj): readonly string[] {
  const keys = new Set<string>();
  const meta = object.metadata as Obj | undefined;
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (meta && typeof meta.namespace === 'string') keys.add(meta.namespace);
  else if (NAMESPACE_JOINED.has(kind) || runsPods(object)) keys.add('default');
  if (kind === 'Namespace' && meta && typeof meta.name === 'string') keys.add(meta.name);
  collectFields(object, 'namespace', (v) => keys.add(v), 0);
  const spec = object.spec as Obj | undefined;
  if (kind === 'Service' && spec && typeof spec.externalName === 'string') addDnsLabels(spec.externalName, keys);
  // A VirtualService's destinations (`<svc>.<ns>.svc.cluster.local`, `<svc>.<ns>`) name the Service's namespace.
  if (kind === 'VirtualService' && spec) collectFields(spec, 'host', (v) => addDnsLabels(v, keys), 0);
  // An Emissary Mapping's `service` (`[scheme://]<svc>.<ns>[:port]`) names the Service's namespace.
  if (spec && typeof spec.service === 'string' && /Mapping$/.test(kind)) addDnsLabels(mappingHost(spec.service), keys);
  // A custom route kind of a product the rules do not know by name (route_to_store.rego generic_route_backends): the
  // namespaces beside its Service names (`namespace` fields are read above) and the cluster DNS names of `service`.
  if (
    spec &&
    GENERIC_ROUTE_KIND.test(kind) &&
    typeof object.apiVersion === 'string' &&
    customGroup(object.apiVersion)
  ) {
    collectFields(spec, 'serviceNamespace', (v) => keys.add(v), 0);
    collectFields(spec, 'service', (v) => addDnsLabels(mappingHost(v), keys), 0);
  }
  // A Gloo Upstream's `kube.serviceNamespace` is the namespace of the Service it sends traffic to.
  const kube = kind === 'Upstream' && spec ? (spec.kube as Obj | undefined) : undefined;
  if (kube && typeof kube.serviceNamespace === 'string') keys.add(kube.serviceNamespace);
  // ingress-nginx's tcp/udp-services ConfigMap: every `<namespace>/<service>:<port>` entry names a namespace.
  if (kind === 'ConfigMap' && meta && typeof meta.name === 'string' && STREAM_CONFIG_NAME.test(meta.name))
    if (object.data && typeof object.data === 'object')
      for (const v of Object.values(object.data as Obj)) if (typeof v === 'string') keys.add(v.split('/')[0]);
  // An FQDN EndpointSlice's addresses (`<svc>.<ns>.svc…`) name the namespace of the Service its own Service leads to.
  if (kind === 'EndpointSlice' && object.addressType === 'FQDN' && Array.isArray(object.endpoints))
    for (const e of object.endpoints)
      if (e && typeof e === 'object' && Array.isArray((e as Obj).addresses))
        for (const a of (e as Obj).addresses as unknown[]) if (typeof a === 'string') addDnsLabels(a, keys);
  // A Gloo static Upstream's hosts (`<svc>.<ns>.svc…`); a Gloo route's `upstream` ref by a discovered Upstream's
  // name, `<ns>-<svc>-<port>`: every prefix of the name up to a dash or underscore may be the namespace.
  if (kind === 'Upstream' && spec) collectFields(spec, 'addr', (v) => addDnsLabels(v, keys), 0);
  if (spec && GLOO_ROUTE_KINDS.has(kind)) collectUpstreamNames(spec, (v) => addNamePrefixes(v, keys));
  // A tunnel's configuration (cloudflared, frpc: ConfigMap or Secret) and a tunnel agent's command line name the
  // hosts it publishes.
  if (kind === 'ConfigMap' || kind === 'Secret')
    for (const text of configTexts(object)) {
      addTunnelHosts(text, keys);
      addFrpcHosts(text, keys);
      addSshConfigHosts(text, keys);
      addGostConfigHosts(text, keys);
      addProxyConfigHosts(text, keys);
    }
  if (spec && runsPods(object)) collectTunnelUrls(spec, (v) => addDnsLabels(mappingHost(v), keys), 0);
  // A Secret mirroring another namespace's Secret (kubernetes-replicator `replicate-from`, Reflector `reflects`:
  // `<namespace>/<name>`) names that namespace (KFM-TM-005).
  const secretAnnotations = kind === 'Secret' && meta ? (meta.annotations as Obj | undefined) : undefined;
  if (secretAnnotations && typeof secretAnnotations === 'object')
    for (const key of MIRROR_ANNOTATIONS) {
      const source = secretAnnotations[key];
      if (typeof source === 'string' && source.includes('/')) keys.add(source.trim().split('/')[0]);
    }
  // An Ingress's configuration snippet annotations: nginx or HAProxy configuration read as a reverse proxy's.
  const annotations = kind === 'Ingress' && meta ? (meta.annotations as Obj | undefined) : undefined;
  if (annotations && typeof annotations === 'object')
    for (const [k, v] of Object.entries(annotations))
      if (typeof v === 'string' && /snippets?$/i.test(k)) addProxyConfigHosts(v, keys);
  // A NetworkPolicy peer's namespaceSelector naming namespaces (kubernetes.io/metadata.name, matchLabels or an In
  // expression's values): KFM-TM-004 asks whether the governed API runs there.
  if (kind === 'NetworkPolicy' && spec) collectNamespaceNames(spec, (v) => keys.add(v));
  // A CNI policy's peers naming namespaces (KFM-TM-015): Cilium's `[k8s:]io.kubernetes.pod.namespace` label, Calico's
  // `projectcalico.org/name == '<ns>'` in a selector expression (Antrea's namespaceSelector is read above).
  if ((kind === 'NetworkPolicy' || kind === 'CiliumNetworkPolicy') && object.spec !== undefined)
    collectCniNamespaceNames(object, (v) => keys.add(v));
  // ngrok's AgentEndpoint `upstream.url`, Tunnel `forwardsTo`.
  const upstream = kind === 'AgentEndpoint' && spec ? (spec.upstream as Obj | undefined) : undefined;
  if (upstream && typeof upstream.url === 'string') addDnsLabels(mappingHost(upstream.url), keys);
  if (kind === 'Tunnel' && spec && typeof spec.forwardsTo === 'string')
    addDnsLabels(mappingHost(spec.forwardsTo), keys);
  // A Skupper Connector's `host`: the Service it binds, by cluster DNS name.
  if (kind === 'Connector' && spec && typeof spec.host === 'string') addDnsLabels(spec.host, keys);
  return [...keys];
}

/** Annotations of a Secret that mirrors `<namespace>/<name>` (store_credentials.rego). */
const MIRROR_ANNOTATIONS = ['replicator.v1.mittwald.de/replicate-from', 'reflector.v1.k8s.emberstack.com/reflects'];

/** Kinds whose `upstream` refs route_to_store.rego reads (gloo_route_kinds); VirtualService is Istio's name too. */
const GLOO_ROUTE_KINDS: ReadonlySet<string> = new Set([
  'VirtualService',
  'RouteTable',
  'UpstreamGroup',
  'Gateway',
  'MatchableTcpGateway',
  'Proxy',
  // ngrok's AgentEndpoint and Tunnel: a bare upstream host is a Service of their namespace.
  'AgentEndpoint',
  'Tunnel',
]);

function addNamePrefixes(name: string, into: Set<string>): void {
  const lower = name.toLowerCase();
  for (let i = 0; i < lower.length; i++) if (lower[i] === '-' || lower[i] === '_') into.add(lower.slice(0, i));
}

/** Calls `found` with the `name` of every object under an `upstream` key in `value`. */
function collectUpstreamNames(value: unknown, found: (v: string) => void): void {
  eachObject(value, (obj) => {
    const u = obj.upstream;
    if (u !== null && typeof u === 'object' && typeof (u as Obj).name === 'string') found((u as Obj).name as string);
  });
}

/** Calls `visit` with every object (not array) in `value`, itself included, depth first. */
function eachObject(value: unknown, visit: (obj: Obj) => void, depth = 0): void {
  // Rendered objects are at most 64 levels deep (parse limits); the bound keeps a hostile shape from recursing far.
  if (depth > 100 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) eachObject(v, visit, depth + 1);
    return;
  }
  const obj = value as Obj;
  visit(obj);
  for (const k in obj) {
    const v = obj[k];
    if (v !== null && typeof v === 'object') eachObject(v, visit, depth + 1);
  }
}

/** The text of a ConfigMap's or Secret's entries as route_to_store.rego reads them (a Secret's `data` decoded). */
function configTexts(object: Obj): string[] {
  const texts: string[] = [];
  for (const field of ['data', 'stringData']) {
    const entries = object[field];
    if (entries === null || typeof entries !== 'object') continue;
    for (const v of Object.values(entries as Obj)) {
      if (typeof v !== 'string') continue;
      texts.push(object.kind === 'Secret' && field === 'data' ? Buffer.from(v, 'base64').toString('utf8') : v);
    }
  }
  return texts;
}

/** The hosts of every `service` value of a text that may be a cloudflared configuration (YAML or JSON). */
function addTunnelHosts(text: string, into: Set<string>): void {
  if (!text.includes('ingress') || !text.includes('service')) return;
  for (const m of text.matchAll(/service["']?\s*:\s*["']?([^\s"',{}[\]]+)/g)) addDnsLabels(mappingHost(m[1]), into);
}

/**
 * The host keys of an frpc configuration, or of a file of proxies it includes, or of a rathole client configuration
 * (route_to_store.rego frpc_configs, frpc_config_targets): `localIP`, `local_ip`, `localAddr`, `local_addr`.
 */
function addFrpcHosts(text: string, into: Set<string>): void {
  if (!/server_?[aA]ddr|\[\[proxies\]\]|remote_?[pP]ort|remote_addr|\[client\.services/.test(text)) return;
  for (const m of text.matchAll(/(?:localIP|local_ip|localAddr|local_addr)["']?\s*[:=]\s*["']?([^\s"',}\]#;]+)/g))
    addDnsLabels(mappingHost(m[1]), into);
}

/**
 * The hosts a reverse proxy's configuration forwards to (route_to_store.rego proxy_addresses): nginx `*_pass` targets,
 * every value an nginx `set` gives a variable and an `upstream`'s `server` lines, HAProxy `server` addresses, Envoy
 * `address`es, Caddy `reverse_proxy`/`to` upstreams and `dial`s, Traefik `url`/`address`, Apache `ProxyPass` and
 * `BalancerMember` URLs, Varnish `.host`. The rule's loopback-only exception is not mirrored: a key too many only joins
 * more overlays.
 */
function addProxyConfigHosts(text: string, into: Set<string>): void {
  const add = (address: string): void => addDnsLabels(mappingHost(address.replace(/^ipv[46]@/, '')), into);
  if (text.includes('_pass')) {
    for (const m of text.matchAll(
      /(?:^|[\s;{}])(?:proxy|grpc|uwsgi|scgi|fastcgi|memcached)_pass[ \t]+["']?([^\s;"']+)/g,
    ))
      add(m[1]);
    for (const m of text.matchAll(/(?:^|[\s;{}])set[ \t]+\$[A-Za-z0-9_]+[ \t]+["']?([^\s;"']+)/g)) add(m[1]);
  }
  if (text.includes('server')) {
    if (text.includes('upstream')) for (const m of text.matchAll(/^[ \t]*server[ \t]+([^\s;{]+)[^;{\n]*;/gm)) add(m[1]);
    for (const m of text.matchAll(/^[ \t]*server(?:-template[ \t]+\S+[ \t]+\S+|[ \t]+\S+)[ \t]+(\S+)/gm)) add(m[1]);
  }
  if (text.includes('socket_address'))
    for (const m of text.matchAll(/address["']?[ \t]*:[ \t]*["']?([^\s"',{}\]]+)/g)) add(m[1]);
  if (text.includes('reverse_proxy'))
    for (const m of text.matchAll(/(?:^|[{;])[ \t]*(?:reverse_proxy|to)[ \t]+([^{}\n#]+)/gm))
      for (const w of m[1].trim().split(/[ \t]+/)) if (w !== '' && !/^[/@*]/.test(w)) add(w);
  if (text.includes('dial')) for (const m of text.matchAll(/"dial"[ \t]*:[ \t]*"([^"]+)"/g)) add(m[1]);
  if (/loadbalancer/i.test(text))
    for (const m of text.matchAll(/(?:url|address)["']?[ \t]*[:=][ \t]*["']?([^\s"',}\]]+)/g)) add(m[1]);
  if (/ProxyPass|BalancerMember/.test(text))
    for (const m of text.matchAll(
      /^[ \t]*(?:ProxyPass(?:Match)?|BalancerMember)[ \t][^\n]*?([a-z][a-z0-9+.-]*:\/\/[^\s"'>]+)/gim,
    ))
      add(m[1]);
  if (text.includes('backend')) for (const m of text.matchAll(/\.host[ \t]*=[ \t]*"([^"]+)"/g)) add(m[1]);
}

/**
 * An ssh client configuration's `RemoteForward [<bind>:]<port> <host>:<port>` (route_to_store.rego
 * ssh_config_targets): the DNS labels of every dotted part of its arguments.
 */
function addSshConfigHosts(text: string, into: Set<string>): void {
  if (!/remoteforward/i.test(text)) return;
  for (const m of text.matchAll(/remoteforward[ \t=]+([^ \t\r\n#]+)(?:[ \t]+([^ \t\r\n#]+))?/gi))
    for (const arg of [m[1], m[2] ?? ''])
      for (const part of arg.split(':')) if (part.includes('.')) addDnsLabels(part, into);
}

/**
 * A gost configuration with a remote forward service (route_to_store.rego gost_config_targets): the DNS labels of the
 * host of every `addr` in it (its forwarder's nodes among them).
 */
function addGostConfigHosts(text: string, into: Set<string>): void {
  if (!/r(?:tcp|udp)/.test(text) || !text.includes('forwarder')) return;
  for (const m of text.matchAll(/addr["']?\s*:\s*["']?([^\s"',}\]#]+)/g)) addDnsLabels(mappingHost(m[1]), into);
}

/** Flags whose value is the address a tunnel agent publishes (route_to_store.rego: bore, inlets, frpc; and --url). */
const TUNNEL_FLAGS: ReadonlySet<string> = new Set([
  '--local-host',
  '-l',
  '--upstream',
  '-u',
  '--local_ip',
  '--local-ip',
  '-i',
]);

/** A gost remote port forward's listener and targets (route_to_store.rego agent_targets("gost")). */
const GOST_REMOTE_FORWARD = /r(?:tcp|udp):\/\/[^/]*\/(.+)$/;

/** A socat network address (route_to_store.rego socat_network_address): its hosts are relay targets. */
const SOCAT_ADDRESS = /^(?:tcp|udp|sctp|openssl|ssl|vsock|dccp|socks|proxy)[a-z0-9-]*:/i;

/** netcat programs (route_to_store.rego netcat_programs): a netcat relay's connection names a host. */
const NETCAT_PROGRAMS = new Set(['nc', 'ncat', 'netcat', 'nc.openbsd', 'nc.traditional']);

/** ssh's remote forward flag, alone or last in a group of flags without values, and the spec joined to it. */
const SSH_REMOTE_FORWARD = /^-[46AaCfGgKkMNnqsTtVvXxYy]*R(.*)$/;

/**
 * Calls `found` with the addresses a tunnel agent's command line may publish, as route_to_store.rego reads them
 * (`command_words`: a container's `command` then `args`, an entry with spaces split into words, quotes trimmed): the
 * value of every flag of TUNNEL_FLAGS (`--flag value`, `--flag=value`; an inlets `<host>=<url>` mapping's url, each
 * of a comma-separated list), the word after `http`, `tcp` or `tls` (the ngrok agent's address), every part of a
 * chisel reverse remote `R:...` and of an ssh remote forward (`-R <spec>`, `-o RemoteForward=<spec>`), every host of a gost remote port forward
 * (`rtcp://…/<host>:<port>`), the address-like words after a zrok share mode, the parts of a socat address and the
 * words of a netcat command line (relays), and the TUNNEL_URL `env` value. Read of every container, whatever it runs: more
 * keys only merge parts.
 */
function collectTunnelUrls(value: unknown, found: (v: string) => void, depth: number): void {
  if (depth > 100 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectTunnelUrls(v, found, depth + 1);
    return;
  }
  const obj = value as Obj;
  if (obj.name === 'TUNNEL_URL' && typeof obj.value === 'string') found(obj.value);
  if (Array.isArray(obj.command) || Array.isArray(obj.args)) tunnelWordTargets(commandWords(obj), found);
  for (const k in obj) {
    const v = obj[k];
    if (v !== null && typeof v === 'object' && !((k === 'command' || k === 'args') && Array.isArray(v)))
      collectTunnelUrls(v, found, depth + 1);
  }
}

/** A word without the quotes around it (route_to_store.rego trims them the same way). */
const unquoted = (w: string): string => w.replace(/^["']+|["']+$/g, '');

/** A container's command line as route_to_store.rego's command_words reads it (words only). */
function commandWords(container: Obj): string[] {
  const words: string[] = [];
  for (const field of ['command', 'args']) {
    const entries = container[field];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (typeof entry !== 'string') continue;
      if (!/\s/.test(entry)) words.push(entry);
      else for (const w of entry.trim().split(/\s+/)) if (w !== '') words.push(unquoted(w));
    }
  }
  return words;
}

const API_SERVER_SUBCOMMANDS: ReadonlySet<string> = new Set(['port-forward', 'exec', 'attach', 'debug', 'cp']);
const KUBECTL_PROGRAMS: ReadonlySet<string> = new Set(['kubectl', 'oc']);

/**
 * A host without a dot is a Service of the object's own namespace (stores.cluster_dns_service), already a key: of
 * the flag values and `R:` parts only dotted ones are keys (a port, `-l 5432`, or a log level, `-l debug`, would
 * merge parts for nothing). `--url` and the ngrok address keep every label, as before.
 */
function tunnelWordTargets(words: string[], found: (v: string) => void): void {
  const dotted = (v: string) => {
    if (v.includes('.')) found(v);
  };
  const value = (v: string) => {
    for (const entry of unquoted(v).split(',')) {
      const e = entry.trim();
      dotted(/^[^=:/]+=/.test(e) ? e.slice(e.indexOf('=') + 1) : e);
    }
  };
  // A netcat relay's target is a word after a netcat program: with one in the command line, every dotted word.
  const netcat = words.some((w) => NETCAT_PROGRAMS.has(w.slice(w.lastIndexOf('/') + 1)));
  // kubectl/oc port-forward, exec, attach, debug, cp (route_to_store.rego api_server_refs: only after a kubectl or oc
  // word): the namespace a `-n` names, a dotted target name, the namespace of a cp's `<namespace>/<pod>:<path>`.
  // A shell's own `exec` is no such command: its words would join parts by file-name labels for nothing.
  const portForward =
    words.some((w) => API_SERVER_SUBCOMMANDS.has(w)) &&
    words.some((w) => KUBECTL_PROGRAMS.has(w.slice(w.lastIndexOf('/') + 1)));
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (portForward) {
      if ((word === '-n' || word === '--namespace') && next !== undefined) found(unquoted(next));
      else if (word.startsWith('--namespace=')) found(unquoted(word.slice('--namespace='.length)));
      else if (/^-n[^-=]/.test(word)) found(unquoted(word.slice(2)));
      else if (word.startsWith('-n=')) found(unquoted(word.slice(3)));
      dotted(word.slice(word.indexOf('/') + 1));
      const cp = /^([a-z0-9][a-z0-9.-]*)\/[a-z0-9][a-z0-9.-]*:/.exec(word.toLowerCase());
      if (cp) found(cp[1]);
    }
    if (netcat) dotted(word);
    // A socat address (`TCP:<host>:<port>`, `SOCKS4A:<proxy>:<host>:<port>`…): every dotted part.
    if (SOCAT_ADDRESS.test(word)) for (const part of word.split(/[:,]/)) dotted(part);
    if ((word === 'http' || word === 'tcp' || word === 'tls') && next !== undefined && !next.startsWith('-'))
      found(next);
    if ((word === '--url' || word === '-url') && next !== undefined) found(next);
    else if (TUNNEL_FLAGS.has(word) && next !== undefined) value(next);
    const eq = word.indexOf('=');
    if (eq > 0 && (word.startsWith('--url=') || word.startsWith('-url='))) found(word.slice(eq + 1));
    else if (eq > 0 && TUNNEL_FLAGS.has(word.slice(0, eq))) value(word.slice(eq + 1));
    if (word.startsWith('R:')) for (const part of word.slice(2).split(/[:/]/)) dotted(part);
    // A zrok share's target (`zrok share|reserve public|private … <target>`): every address-like word after the mode.
    if ((word === 'public' || word === 'private') && (words[i - 1] === 'share' || words[i - 1] === 'reserve'))
      for (const target of words.slice(i + 1)) if (!target.startsWith('-') && /[:./]/.test(target)) dotted(target);
    // A gost remote port forward (`rtcp://[bind]:port/host:port`, `rudp://`, comma-separated targets): each host.
    const gost = GOST_REMOTE_FORWARD.exec(word);
    if (gost) for (const target of gost[1].split(',')) dotted(target.trim().split(/[:/?]/)[0]);
    // An ssh remote forward (`-R <spec>`, `-R<spec>`, `-NR <spec>`): every part of the spec, of any command.
    const ssh = SSH_REMOTE_FORWARD.exec(word);
    const spec = ssh ? (ssh[1] === '' ? next : ssh[1]) : undefined;
    if (spec !== undefined) for (const part of spec.split(':')) dotted(part);
    // The same as an option (`-o RemoteForward=<spec>`, `-oRemoteForward=…`, `RemoteForward [=] <port> <host>:<port>`
    // split into words): every part of the option's word and of the three words after it (a lone `=` among them).
    if (/remoteforward/i.test(word))
      for (const w of words.slice(i, i + 4)) for (const part of w.split(/[:=]/)) dotted(part);
  });
}

/** ingress-nginx's tcp/udp-services ConfigMap names (route_to_store.rego stream_config_name). */
const STREAM_CONFIG_NAME = /^(tcp-services|udp-services)$|-(tcp|udp)$/;

/** The host of an Emissary Mapping's `[scheme://]host[:port][/path]` service (as route_to_store.rego reads it). */
function mappingHost(service: string): string {
  return service
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .split('/')[0]
    .replace(/:[0-9]*$/, '');
}

function addDnsLabels(name: string, into: Set<string>): void {
  for (const label of name.toLowerCase().split('.')) if (label !== '') into.add(label);
}

/**
 * Calls `found` with every string under a key named `field` anywhere in `value` (`namespace` fields; a
 * VirtualService's `host`s).
 */
function collectFields(value: unknown, field: string, found: (v: string) => void, depth: number): void {
  // Rendered objects are at most 64 levels deep (parse limits); the bound keeps a hostile shape from recursing far.
  if (depth > 100 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectFields(v, field, found, depth + 1);
    return;
  }
  // for…in: no entry arrays per object on a walk of every value of every rendered resource. It also visits
  // inherited enumerable keys, a superset of the own keys the engine reads: more keys only merge more parts.
  const obj = value as Obj;
  for (const k in obj) {
    const v = obj[k];
    if (k === field && typeof v === 'string') found(v);
    else if (v !== null && typeof v === 'object') collectFields(v, field, found, depth + 1);
  }
}

const NAME_LABEL = 'kubernetes.io/metadata.name';

const CILIUM_NAMESPACE_LABEL = /^(?:[^:]*:)?io\.kubernetes\.pod\.namespace$/;
const CALICO_NAMESPACE_TERM = /(?:projectcalico\.org\/name|kubernetes\.io\/metadata\.name)\s*==\s*['"]([^'"]*)['"]/g;

function collectCniNamespaceNames(value: unknown, found: (v: string) => void): void {
  eachObject(value, (obj) => {
    const labels = obj.matchLabels as Obj | undefined;
    if (labels && typeof labels === 'object')
      for (const [k, v] of Object.entries(labels))
        if (typeof v === 'string' && CILIUM_NAMESPACE_LABEL.test(k)) found(v);
    for (const v of Object.values(obj))
      if (typeof v === 'string' && v.includes('==')) for (const m of v.matchAll(CALICO_NAMESPACE_TERM)) found(m[1]);
  });
}

/** Calls `found` with every namespace a selector anywhere in `value` names by NAME_LABEL (matchLabels, In values). */
function collectNamespaceNames(value: unknown, found: (v: string) => void): void {
  eachObject(value, (obj) => {
    const labels = obj.matchLabels as Obj | undefined;
    if (labels && typeof labels === 'object' && typeof labels[NAME_LABEL] === 'string') found(labels[NAME_LABEL]);
    if (obj.key === NAME_LABEL && Array.isArray(obj.values))
      for (const v of obj.values) if (typeof v === 'string') found(v);
  });
}

/**
 * The parts of one env's evaluation. `platformInView` is whether the whole env's input had platform objects in view
 * (a non-apps overlay or any shared context), which the lateral-movement rules (KFM-TM-006/007) depend on: a part
 * that would lose it gets one object of the env's input back. `partition: false` gives the single part of before.
 */
export function partitionEnv(group: EnvGroup, shared: Resource[], options: { partition: boolean }): EnvPart[] {
  if (!options.partition) return [{ group, shared }];
  const parent = group.members.map((_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) {
      parent[k] = parent[parent[k]];
      k = parent[k];
    }
    return k;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    // The lower index stays the root: parts keep the env's overlay order.
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  };
  const ownerOfKey = new Map<string, number>();
  const globals: { resource: Resource; owner: number }[] = [];
  group.members.forEach((m, k) => {
    const { keys, globals: own } = overlayPartition(m.rendered);
    for (const resource of own) globals.push({ resource, owner: k });
    for (const key of keys) {
      const other = ownerOfKey.get(key);
      if (other === undefined) ownerOfKey.set(key, k);
      else union(other, k);
    }
  });
  const roots = new Map<number, number[]>();
  group.members.forEach((_, k) => {
    const root = find(k);
    const list = roots.get(root);
    if (list) list.push(k);
    else roots.set(root, [k]);
  });

  // Shared context by the part it can relate to (a shared object joining two parts goes to both: it is never judged).
  const partOfKey = new Map<string, number>();
  for (const [key, k] of ownerOfKey) partOfKey.set(key, find(k));
  const sharedOf = new Map<number, Resource[]>();
  const sharedGlobals: Resource[] = [];
  for (const resource of shared) {
    const facts = partitionFacts(resource);
    if (facts.global) {
      sharedGlobals.push(resource);
      continue;
    }
    const parts = new Set<number>();
    for (const key of facts.keys) {
      const part = partOfKey.get(key);
      if (part !== undefined) parts.add(part);
    }
    for (const part of parts) {
      const list = sharedOf.get(part);
      if (list) list.push(resource);
      else sharedOf.set(part, [resource]);
    }
  }
  const platformMember = group.members.some((m) => m.rendered.overlay.layer !== 'apps');
  const platformInView = shared.length > 0 || platformMember;
  const parts: EnvPart[] = [];
  for (const [root, ks] of roots) {
    const members = ks.map((k) => group.members[k]);
    // Another part's global objects are context here (a RoleBinding granting a ClusterRole another overlay declares).
    const otherGlobals = globals.filter((g) => find(g.owner) !== root).map((g) => g.resource);
    const partShared = [...(sharedOf.get(root) ?? []), ...sharedGlobals, ...otherGlobals];
    const hasPlatform = partShared.length > 0 || members.some((m) => m.rendered.overlay.layer !== 'apps');
    if (platformInView && !hasPlatform) {
      // Any object of the env's own input is safe context (it joins nothing here, or it would be here already).
      partShared.push(shared[0] ?? firstPlatformResource(group));
    }
    parts.push({ group: { env: group.env, members }, shared: partShared });
  }
  return parts;
}

function firstPlatformResource(group: EnvGroup): Resource {
  for (const m of group.members)
    if (m.rendered.overlay.layer !== 'apps' && m.rendered.resources.length > 0) return m.rendered.resources[0];
  throw new Error('platform in view without a platform object');
}
