# METADATA
# title: No route, ingress, gateway route or VirtualService may reach a store
# description: >-
#   Stores (databases, object storage, search, graph) sit behind the trust membrane: every client goes through the
#   governed API, which applies policy decisions, redaction and audit logging. An OpenShift Route, an Ingress or a
#   Gateway-API HTTPRoute/TLSRoute/GRPCRoute/TCPRoute/UDPRoute, or an Istio VirtualService route bound to a gateway
#   (by the VirtualService's `gateways`, by a match's `gateways`, which override them, or as the delegate of such a
#   route), that sends traffic to a store would let external clients talk to it directly; so would an ingress
#   controller's own
#   route (a Contour HTTPProxy, a Traefik IngressRoute/IngressRouteTCP/IngressRouteUDP, by its `services`, and the
#   Services a TraefikService splits or mirrors to; an
#   Emissary/Ambassador Mapping or TCPMapping by its `service` host; an NGINX Inc VirtualServer, VirtualServerRoute or
#   TransportServer by its upstreams; a Kong TCPIngress/UDPIngress or an APISIX ApisixRoute by its `serviceName`s; a
#   Gloo VirtualService or RouteTable by its kube destinations and the Upstreams it names; an entry of ingress-nginx's
#   tcp-services/udp-services ConfigMap, `<namespace>/<service>:<port>`). Backends are resolved as the cluster
#   would: rule backends, an Ingress's default backend and ingress-nginx default-backend annotation, Route
#   alternateBackends, Gateway-API filters that forward or mirror (RequestMirror),
#   VirtualService http/tcp/tls route destinations and mirrors (host as cluster DNS: `svc`, `svc.ns`,
#   `svc.ns.svc.cluster.local`) and ExternalName Services pointing, directly or through a chain, at a store Service
#   or one of its pods' DNS names. The objects are judged across every overlay of the env (a Route in one app's base
#   reaching another app's store). How a store is recognised (all KFM-TM rules): a workload (Deployment, StatefulSet,
#   DaemonSet, ReplicaSet, Job, CronJob, Pod, PodTemplate, Argo Rollout incl. workloadRef, OpenShift
#   DeploymentConfig) that declares it (label or annotation kfm.dev/store with a value other than "false", or a label
#   set of storeSelectors.labels, default kfm.dev/tier=store), or any of whose containers (init and ephemeral
#   included) runs an image of a store family (policies/data/stores.rego: postgres/postgresql/postgis, mysql/mariadb,
#   mongo/mongodb, redis/valkey, minio, elasticsearch/opensearch, neo4j, cassandra, kafka... matched on the last path
#   segment of the repository with any registry or namespace and a version/distribution suffix, e.g.
#   registry.redhat.io/rhel9/postgresql-15 or bitnami/mongodb; storeSelectors.families replaces the list), an image
#   named after its role (*-db, *-database, e.g. sock-shop's catalogue-db), or one matching storeSelectors.images;
#   and the custom resource of a store operator (CloudNativePG Cluster and Pooler, Zalando postgresql, Crunchy
#   PostgresCluster, MinIO Tenant, Strimzi Kafka, ECK Elasticsearch, MongoDBCommunity, Percona XtraDB Cluster, Server
#   for MongoDB and PostgreSQL, OpenSearchCluster, RabbitmqCluster, OT-Container-Kit Redis/RedisCluster/RedisReplication,
#   Redis Enterprise cluster and database, MariaDB and MaxScale, Strimzi KafkaBridge, PlanetScale VitessCluster),
#   whose Services are the
#   ones the operator creates (`<cluster>-rw`, `-ro`, `-r`, a MinIO `minio`...) and whose pods carry the labels it
#   sets. A Service fronts a store when it is labelled so or its selector matches the store's pods, template labels
#   plus the labels the controller adds (statefulset.kubernetes.io/pod-name, pod-template-hash...). A workload that mounts a
#   store's credentials is a client of the store, judged by KFM-TM-005, not a store.
# custom:
#   id: KFM-TM-001
#   severity: error
#   remediation: >-
#     Point the route at the governed API's Service instead and let the API reach the store. If the backend is
#     not a store, make sure neither the Service nor the pods it selects carry the store label and that its pods
#     do not run a store image.
package kfm.tm.route_to_store

import data.kfm_lib.k8s
import data.kfm_lib.stores

gateway_route_kinds := {"HTTPRoute", "TLSRoute", "GRPCRoute", "TCPRoute", "UDPRoute"}

violations contains v if {
	some i, r in input.resources
	some b in backends(r)
	stores.leads_to_store(b.namespace, b.name)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " exposes store Service ", b.namespace, "/", b.name, "; only the governed API may be exposed"]),
		"resource": i,
		"path": b.path,
	}
}

# Backends as {namespace, name, path}: the Service a route sends traffic to and where the route names it.
backends(r) := route_backends(r) if r.kind == "Route"

backends(r) := ingress_backends(r) if r.kind == "Ingress"

backends(r) := gateway_backends(r) if r.kind in gateway_route_kinds

backends(r) := controller_route_backends(r) if {
	route_crd_kind_names[r.kind]
	controller_route_kinds[k8s.group_kind(r)]
}

backends(r) := traefik_service_backends(r) if {
	route_crd_kind_names[r.kind]
	traefik_service_kinds[k8s.group_kind(r)]
}

backends(r) := mapping_backends(r) if {
	route_crd_kind_names[r.kind]
	mapping_kinds[k8s.group_kind(r)]
}

backends(r) := nginx_backends(r) if {
	route_crd_kind_names[r.kind]
	nginx_route_kinds[k8s.group_kind(r)]
}

backends(r) := service_name_backends(r) if {
	route_crd_kind_names[r.kind]
	service_name_kinds[k8s.group_kind(r)]
}

backends(r) := gloo_backends(r) if {
	route_crd_kind_names[r.kind]
	gloo_route_kinds[k8s.group_kind(r)]
}

backends(r) := stream_config_backends(r) if stream_config_map(r)

backends(r) := virtual_service_backends(r) if istio_virtual_service(r)

# The Kinds of the controller route kinds above, so that backends(r) builds no group/Kind string for an object of any
# other kind (nearly every object: backends is asked of each, issue 20).
route_crd_kind_names := {k8s.kind_of_group_kind(gk) |
	some kinds in [controller_route_kinds, traefik_service_kinds, mapping_kinds, nginx_route_kinds, service_name_kinds, gloo_route_kinds]
	some gk in kinds
}

istio_virtual_service(r) if {
	r.kind == "VirtualService"
	startswith(object.get(r, "apiVersion", ""), "networking.istio.io/")
}

route_backends(r) := to_backend(r) | alternate_backends(r)

to_backend(r) := {{"namespace": k8s.namespace(r), "name": r.spec.to.name, "path": ["spec", "to", "name"]} |
	object.get(r, ["spec", "to", "kind"], "Service") == "Service"
	is_string(r.spec.to.name)
}

alternate_backends(r) := {{"namespace": k8s.namespace(r), "name": b.name, "path": ["spec", "alternateBackends", j, "name"]} |
	some j, b in object.get(r, ["spec", "alternateBackends"], [])
	object.get(b, "kind", "Service") == "Service"
	is_string(b.name)
}

ingress_backends(r) := default_backend(r) | rule_backends(r)

# spec.defaultBackend (networking.k8s.io/v1) and spec.backend (the v1beta1 spelling still found in old charts);
# ingress-nginx's default-backend annotation, the Service that answers when the rule's backend has no endpoints.
default_backend(r) := ({{"namespace": k8s.namespace(r), "name": r.spec.defaultBackend.service.name, "path": ["spec", "defaultBackend", "service", "name"]} |
	is_string(r.spec.defaultBackend.service.name)
} | {{"namespace": k8s.namespace(r), "name": r.spec.backend.serviceName, "path": ["spec", "backend", "serviceName"]} |
	is_string(r.spec.backend.serviceName)
}) | {{"namespace": k8s.namespace(r), "name": svc, "path": ["metadata", "annotations", "nginx.ingress.kubernetes.io/default-backend"]} |
	svc := k8s.annotations(r)["nginx.ingress.kubernetes.io/default-backend"]
	is_string(svc)
}

rule_backends(r) := {b |
	some j, rule in object.get(r, ["spec", "rules"], [])
	some k, hp in object.get(rule, ["http", "paths"], [])
	some b in path_backend(k8s.namespace(r), j, k, hp)
}

path_backend(ns, j, k, hp) := {{"namespace": ns, "name": hp.backend.service.name, "path": ["spec", "rules", j, "http", "paths", k, "backend", "service", "name"]} |
	is_string(hp.backend.service.name)
} | {{"namespace": ns, "name": hp.backend.serviceName, "path": ["spec", "rules", j, "http", "paths", k, "backend", "serviceName"]} |
	is_string(hp.backend.serviceName)
}

# Gateway API: rule backendRefs, and Services that filters send traffic to (RequestMirror mirrors every request,
# so the store receives it), in rule filters and in per-backend filters.
gateway_backends(r) := (rule_refs(r) | rule_filter_refs(r)) | backend_filter_refs(r)

rule_refs(r) := {gateway_backend(r, ref, ["spec", "rules", j, "backendRefs", k]) |
	some j, rule in object.get(r, ["spec", "rules"], [])
	some k, ref in object.get(rule, "backendRefs", [])
	service_ref(ref)
}

rule_filter_refs(r) := {gateway_backend(r, ref, array.concat(["spec", "rules", j, "filters", k], p)) |
	some j, rule in object.get(r, ["spec", "rules"], [])
	some k, f in object.get(rule, "filters", [])
	some p, ref in filter_refs(f)
}

backend_filter_refs(r) := {gateway_backend(r, ref, array.concat(["spec", "rules", j, "backendRefs", k, "filters", m], p)) |
	some j, rule in object.get(r, ["spec", "rules"], [])
	some k, b in object.get(rule, "backendRefs", [])
	some m, f in object.get(b, "filters", [])
	some p, ref in filter_refs(f)
}

# Filter path -> backendRef, for every filter kind that names one (requestMirror today; any future field
# holding a backendRef is caught too).
filter_refs(f) := {p: ref |
	some field, body in f
	is_object(body)
	ref := body.backendRef
	service_ref(ref)
	p := [field, "backendRef"]
}

service_ref(ref) if {
	object.get(ref, "kind", "Service") == "Service"
	object.get(ref, "group", "") == ""
	is_string(ref.name)
}

gateway_backend(r, ref, p) := {"namespace": object.get(ref, "namespace", k8s.namespace(r)), "name": ref.name, "path": array.concat(p, ["name"])}

# Ingress controllers' own route kinds: a Contour HTTPProxy (routes and tcpproxy) and Traefik's IngressRoute,
# IngressRouteTCP and IngressRouteUDP list the Services they send traffic to under `services` (Traefik with an
# optional namespace; a TraefikService entry is no Service). A Traefik IngressRouteTCP to postgis passed.
controller_route_kinds := {
	"projectcontour.io/HTTPProxy", "traefik.io/IngressRoute", "traefik.io/IngressRouteTCP",
	"traefik.io/IngressRouteUDP", "traefik.containo.us/IngressRoute", "traefik.containo.us/IngressRouteTCP",
	"traefik.containo.us/IngressRouteUDP",
}

controller_route_backends(r) := {controller_backend(r, svc, ["spec", "routes", j, "services", k]) |
	some j, route in object.get(r, ["spec", "routes"], [])
	some k, svc in object.get(route, "services", [])
	object.get(svc, "kind", "Service") == "Service"
	is_string(svc.name)
} | {controller_backend(r, svc, ["spec", "tcpproxy", "services", k]) |
	some k, svc in object.get(r, ["spec", "tcpproxy", "services"], [])
	is_string(svc.name)
}

# A Traefik TraefikService (a weighted split or a mirror that IngressRoutes name instead of a Service): the Services
# of its weighted `services`, its mirroring main Service and `mirrors` (a TraefikService entry is judged itself).
traefik_service_backends(r) := {controller_backend(r, svc, p) |
	some [p, svc] in traefik_service_refs(r)
	object.get(svc, "kind", "Service") == "Service"
	is_string(svc.name)
}

traefik_service_kinds := {"traefik.io/TraefikService", "traefik.containo.us/TraefikService"}

traefik_service_refs(r) := ({[["spec", "weighted", "services", k], svc] |
	some k, svc in object.get(r, ["spec", "weighted", "services"], [])
} | {[["spec", "mirroring"], r.spec.mirroring] | is_object(r.spec.mirroring)}) | {[["spec", "mirroring", "mirrors", k], svc] |
	some k, svc in object.get(r, ["spec", "mirroring", "mirrors"], [])
}

controller_backend(r, svc, p) := {"namespace": object.get(svc, "namespace", k8s.namespace(r)), "name": svc.name, "path": array.concat(p, ["name"])}

# Istio (OpenShift Service Mesh) VirtualService bound to a gateway (spec.gateways naming one other than `mesh`; absent
# is `mesh`: sidecars only): the Services its http/tcp/tls routes, http mirrors and mirrors send traffic to, named
# by a host resolved as cluster DNS (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`; a short name is the
# VirtualService's namespace).
gateway_bound(r) if {
	some g in object.get(r, ["spec", "gateways"], [])
	g != "mesh"
}

virtual_service_backends(r) := {vs_backend(r, host, p) |
	some proto in ["http", "tcp", "tls"]
	some j, rt in object.get(r, ["spec", proto], [])
	public_route(r, rt)
	some [q, host] in vs_route_hosts(rt)
	p := array.concat([proto, j], q)
}

# A route serves a gateway's clients when one of its matches names a gateway other than `mesh` (a match's `gateways`
# overrides the VirtualService's), when a match without `gateways` (or no match) inherits a gateway-bound
# VirtualService's, or when the VirtualService is the delegate of a public route (delegates carry no gateways).
public_route(r, rt) if own_public_route(r, rt)

public_route(r, _) if publicly_delegated(r)

own_public_route(_, rt) if {
	some m in object.get(rt, "match", [])
	some g in object.get(m, "gateways", [])
	g != "mesh"
}

own_public_route(r, rt) if {
	gateway_bound(r)
	inherits_gateways(rt)
}

inherits_gateways(rt) if count(object.get(rt, "match", [])) == 0

inherits_gateways(rt) if {
	some m in rt.match
	count(object.get(m, "gateways", [])) == 0
}

publicly_delegated(r) if {
	some root in k8s.all
	istio_virtual_service(root)
	some rt in object.get(root, ["spec", "http"], [])
	rt.delegate.name == k8s.name(r)
	object.get(rt.delegate, "namespace", k8s.namespace(root)) == k8s.namespace(r)
	own_public_route(root, rt) # Istio delegates one level only
}

vs_route_hosts(rt) := {[["route", k, "destination", "host"], d.destination.host] |
	some k, d in object.get(rt, "route", [])
	is_string(d.destination.host)
} | ({[["mirror", "host"], rt.mirror.host] | is_string(rt.mirror.host)} | {[["mirrors", k, "destination", "host"], m.destination.host] |
	some k, m in object.get(rt, "mirrors", [])
	is_string(m.destination.host)
})

vs_backend(r, host, p) := {"namespace": parts[0], "name": parts[1], "path": array.concat(["spec"], p)} if {
	parts := split(stores.cluster_dns_service(host, k8s.namespace(r)), "/")
}

# Emissary-ingress / Ambassador Mapping and TCPMapping: `service` is `[scheme://]host[:port]`, the host a cluster DNS
# name (a bare name is the Mapping's namespace). A Mapping to postgis.kfm-prod:5432 passed.
mapping_kinds := {
	"getambassador.io/Mapping", "getambassador.io/TCPMapping",
	"x.getambassador.io/AmbassadorMapping", "x.getambassador.io/AmbassadorTCPMapping",
}

mapping_backends(r) := {{"namespace": parts[0], "name": parts[1], "path": ["spec", "service"]} |
	is_string(r.spec.service)
	host := mapping_host(r.spec.service)
	host != ""
	parts := split(stores.cluster_dns_service(host, k8s.namespace(r)), "/")
}

# The host of `[scheme://]host[:port][/path]`.
mapping_host(service) := h if {
	parts := split(lower(service), "://")
	authority := split(parts[count(parts) - 1], "/")[0]
	h := regex.split(`:[0-9]*$`, authority)[0]
}

# NGINX Inc's ingress controller (k8s.nginx.org): a VirtualServer's, VirtualServerRoute's or TransportServer's
# upstreams name Services of its own namespace.
nginx_route_kinds := {"k8s.nginx.org/VirtualServer", "k8s.nginx.org/VirtualServerRoute", "k8s.nginx.org/TransportServer"}

nginx_backends(r) := {{"namespace": k8s.namespace(r), "name": u.service, "path": ["spec", "upstreams", k, "service"]} |
	some k, u in object.get(r, ["spec", "upstreams"], [])
	is_string(u.service)
}

# Kong's TCPIngress/UDPIngress (rules[].backend.serviceName) and APISIX's ApisixRoute (http[].backends[],
# stream[].backend, the v1 rules' paths): every `serviceName` in the spec, a Service of the route's namespace.
service_name_kinds := {
	"configuration.konghq.com/TCPIngress", "configuration.konghq.com/UDPIngress",
	"apisix.apache.org/ApisixRoute",
}

service_name_backends(r) := {{"namespace": k8s.namespace(r), "name": node.serviceName, "path": array.concat(["spec"], array.concat(p, ["serviceName"]))} |
	k8s.spec_has_key(r.spec, "serviceName")
	r.kind != "CustomResourceDefinition" # never a route or an operator kind; a context CRD has no schemas
	walk(r.spec, [p, node])
	is_object(node)
	is_string(node.serviceName)
}

# Gloo Edge (gateway.solo.io VirtualService, RouteTable): route destinations `kube: {ref: {name, namespace}}`, and
# `upstream: {name, namespace}` refs to a Gloo Upstream (gloo.solo.io) whose `kube` names a Service.
gloo_route_kinds := {"gateway.solo.io/VirtualService", "gateway.solo.io/RouteTable"}

gloo_backends(r) := {{"namespace": object.get(node.kube.ref, "namespace", k8s.namespace(r)), "name": node.kube.ref.name, "path": array.concat(["spec"], array.concat(p, ["kube", "ref", "name"]))} |
	r.kind != "CustomResourceDefinition" # never a route or an operator kind; a context CRD has no schemas
	walk(r.spec, [p, node])
	is_object(node)
	is_string(node.kube.ref.name)
} | {{"namespace": u.spec.kube.serviceNamespace, "name": u.spec.kube.serviceName, "path": array.concat(["spec"], array.concat(p, ["upstream", "name"]))} |
	k8s.spec_has_key(r.spec, "upstream")
	r.kind != "CustomResourceDefinition" # never a route or an operator kind; a context CRD has no schemas
	walk(r.spec, [p, node])
	is_object(node)
	ref := node.upstream
	is_string(ref.name)
	some u in k8s.all
	k8s.group_kind(u) == "gloo.solo.io/Upstream"
	k8s.name(u) == ref.name
	k8s.namespace(u) == object.get(ref, "namespace", k8s.namespace(r))
	is_string(u.spec.kube.serviceName)
	is_string(u.spec.kube.serviceNamespace)
}

# ingress-nginx's TCP/UDP services ConfigMap (`tcp-services`, or the Helm chart's `<release>-tcp`): each entry opens
# a port on the controller's public Service to `<namespace>/<service>:<port>`.
stream_config_map(r) if {
	r.kind == "ConfigMap"
	object.get(r, "apiVersion", "v1") == "v1"
	stream_config_name(k8s.name(r))
}

stream_config_name(n) if n in {"tcp-services", "udp-services"}

stream_config_name(n) if endswith(n, "-tcp")

stream_config_name(n) if endswith(n, "-udp")

stream_config_backends(r) := {{"namespace": parts[0], "name": parts[1], "path": ["data", k]} |
	some k, v in object.get(r, "data", {})
	is_string(v)
	regex.match(`^[a-z0-9.-]+/[a-z0-9.-]+:[^:]+(:(PROXY)?)*$`, v)
	parts := split(split(v, ":")[0], "/")
}
