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
#   TransportServer by its upstreams; a Kong TCPIngress/UDPIngress or an APISIX ApisixRoute by its `serviceName`s; an
#   HAProxy ingress controller TCP by its frontends' `service`; a
#   Gloo VirtualService or RouteTable by its kube destinations and the Upstreams it names; an entry of ingress-nginx's
#   tcp-services/udp-services ConfigMap, `<namespace>/<service>:<port>`; a Gloo Upstream discovered for a store's
#   Service, named `<namespace>-<service>-<port>`, a static Upstream's hosts, an UpstreamGroup's destinations, a Gloo
#   TCP Gateway's or a Proxy's; a cloudflared tunnel, by the `service` of its `ingress` rules in a ConfigMap's or
#   Secret's config and by a cloudflared container's `--url` or TUNNEL_URL (cloudflared by image, command or `tunnel`
#   subcommand), a tunnel whose clients pick the address (`bastion` service or bastionMode, a SOCKS proxy, WARP
#   routing, `--bastion`); an ngrok AgentEndpoint's `upstream.url`, an ngrok Tunnel's `forwardsTo`, the ngrok agent's
#   `http|tcp|tls <address>`; a chisel client's reverse remotes (`R:[[<interface>:]<port>:]<host>:<port>`; `R:socks`
#   and a chisel server let clients pick the address), bore's `--local-host`, an inlets or inlets-pro client's
#   `--upstream` (`<host>=<url>` mappings too), frp's client by `--local_ip` or by the `localIP`/`local_ip` of an frpc
#   configuration (TOML, INI, YAML, JSON; one naming `serverAddr`/`server_addr`, or an included file of proxies) in a
#   ConfigMap or Secret (its socks5/http_proxy plugins let clients pick the address), a rathole client configuration's
#   `local_addr`, a gost remote port forward's targets (`-L rtcp://:<port>/<host>:<port>`), a zrok share's target, a
#   localtunnel's `--local-host`, tailscale's TS_DEST_IP and a
#   tailscale subnet router advertising in-cluster ranges (TS_ROUTES, `--advertise-routes`); an ssh, autossh or
#   dbclient remote forward (`-R [<bind>:]<port>:<host>:<port>`, or the option `-o RemoteForward=...`, as
#   serveo.net, localhost.run or pinggy.io publish it; `-R <port>` alone lets clients pick the address); a relay in a
#   pod, which whoever reaches the pod passes through (socat with two network addresses, by each host it connects to;
#   a netcat listener running or piped to a netcat connection, by that connection's host); an ssh client
#   configuration's `RemoteForward` in a ConfigMap or Secret (as `-R`), a gost configuration's remote forward services
#   (`rtcp`/`rudp`, the `addr` of their forwarder's nodes), a reverse proxy's configuration in a ConfigMap or Secret
#   by each address it forwards to (nginx `*_pass` and `upstream` servers, HAProxy `server`s, Envoy
#   `socket_address`es, Caddy `reverse_proxy`, Traefik's load balancer servers, Apache `ProxyPass`, Varnish backends;
#   one listening on loopback only forwards for its own pod), a kubectl or oc port-forward to a store's Service, pod or
#   workload, and an exec, attach, debug or cp into a store's pod (through the API server, past every NetworkPolicy), a
#   kubectl proxy listening beyond loopback (it lets its clients pick the address); command lines read also in
#   a shell script (`sh -c "..."`); a
#   tunnel agent (cloudflared, ngrok, frpc, chisel, bore, inlets, tailscale by image or program, an ssh client with a
#   remote forward) running in a store's own pod; and a remotely-managed cloudflared tunnel (a token, no `--url`, no
#   mounted ConfigMap or Secret with its ingress rules) in a namespace holding a store: its routes are at Cloudflare,
#   not in the repository). Backends are resolved as the cluster would: rule backends, an Ingress's default backend and ingress-nginx default-backend annotation, Route
#   alternateBackends, Gateway-API filters that forward or mirror (RequestMirror),
#   VirtualService http/tcp/tls route destinations and mirrors (host as cluster DNS: `svc`, `svc.ns`,
#   `svc.ns.svc.cluster.local`) and ExternalName Services pointing, directly or through a chain, at a store Service
#   or one of its pods' DNS names, and a Service's hand-written endpoints (an Endpoints object or EndpointSlice) naming
#   a store's pod, cluster IP or cluster DNS name, or the governing Service of a store StatefulSet. Hand-written
#   endpoints at an in-cluster address (private IPv4, any IPv6) or a pod's DNS name (`<a-b-c-d>.<ns>.pod`) that name no
#   store, an ExternalName that is such an address (routers take it as the backend's address), and a tunnel, Emissary
#   Mapping or Gloo static Upstream to such an address, are reported too: a store pod's IP is in no desired state, so such a
#   backend cannot be verified. The objects are judged across every overlay of the env (a Route in one app's base
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
#     do not run a store image; name a backend outside the cluster by DNS (an ExternalName Service) rather than by
#     hand-written endpoints at an in-cluster address. Run no tunnel agent in a store's pods; run a cloudflared
#     tunnel beside a store locally-managed, its ingress rules in a ConfigMap or Secret it mounts.
package kfm.tm.route_to_store

import data.kfm_lib.k8s
import data.kfm_lib.stores

gateway_route_kinds := {"HTTPRoute", "TLSRoute", "GRPCRoute", "TCPRoute", "UDPRoute"}

violations contains v if {
	some i, r in input.resources
	some b in own_backends(i, r)
	stores.leads_to_store(b.namespace, b.name)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " exposes store Service ", b.namespace, "/", b.name, "; only the governed API may be exposed"]),
		"resource": i,
		"path": b.path,
	}
}

# A Service whose hand-written endpoints are in-cluster addresses of an env holding a store (directly or at the end of
# an ExternalName chain): the address may be the store's pod, and nothing in the desired state says it is not.
violations contains v if {
	count(stores.unverified_endpoints) > 0
	some i, r in input.resources
	some b in own_backends(i, r)
	not stores.leads_to_store(b.namespace, b.name)
	address := stores.unverified_address(b.namespace, b.name)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " sends traffic to Service ", b.namespace, "/", b.name, ", whose hand-written endpoints (", address, ") cannot be verified not to be a store's pods; only the governed API may be exposed"]),
		"resource": i,
		"path": b.path,
	}
}

# A route or tunnel to an in-cluster address (private IPv4, any IPv6): it may be a store's pod.
violations contains v if {
	some i, r in input.resources
	some [p, address] in address_targets(i, r)
	stores.cluster_address(address)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " sends traffic to ", address, ", an in-cluster address that cannot be verified not to be a store's pod; only the governed API may be exposed"]),
		"resource": i,
		"path": p,
	}
}

# A tunnel whose clients pick the address: cloudflared's `bastion` service or bastionMode, a SOCKS proxy, WARP private
# network routing, `--bastion`; chisel's reverse SOCKS remote and its server; frp's socks5/http_proxy plugins; a
# tailscale subnet router advertising in-cluster ranges.
violations contains v if {
	some i, r in input.resources
	some [p, agent, what] in open_tunnels(i, r)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " runs ", agent, " tunnel (", what, ") that lets its clients reach any in-cluster address, stores included; only the governed API may be exposed"]),
		"resource": i,
		"path": p,
	}
}

# [path, host] of the addresses routes and tunnels name: a tunnel's service URLs, an Emissary Mapping's service, a
# Gloo static Upstream's hosts (an address names no Service: judged by cluster_address).
address_targets(i, r) := ({[p, mapping_host(url)] | some [p, url] in object.get(own_tunnel_targets, i, set())} | {[["spec", "service"], mapping_host(r.spec.service)] |
	route_crd_kind_names[r.kind]
	mapping_kinds[k8s.group_kind(r)]
	is_string(r.spec.service)
}) | {[p, h.addr] |
	route_crd_kind_names[r.kind]
	gloo_route_kinds[k8s.group_kind(r)]
	some [p, u, h] in static_hosts(r)
}

# A tunnel agent (cloudflared, ngrok, frpc, chisel, bore, inlets, tailscale, gost, zrok, localtunnel, ssh -R, a VPN endpoint) in a
# store's own pod reaches the store on localhost, whatever its configuration (remote-managed tunnels keep theirs at Cloudflare or on the tailnet).
violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	r := input.resources[i]
	some c in k8s.containers(r)
	agents := tunnel_agents(c.container)
	count(agents) > 0
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " is a store and runs a tunnel agent (", concat(", ", sort(agents)), ") in its pods, which publishes it; only the governed API may be exposed"]),
		"resource": i,
		"path": array.concat(c.path, ["image"]),
	}
}

# A cloudflared tunnel run with a token (`--token`, `--token-file`, TUNNEL_TOKEN, TUNNEL_TOKEN_FILE) without --url or
# TUNNEL_URL and without a mounted ConfigMap or Secret holding its ingress rules is managed at Cloudflare: its routes
# are not in the repository and cannot be checked. Reported in a namespace that holds a store (the store's own pods:
# the rule above); elsewhere it may publish the governed API of its own namespace.
violations contains v if {
	count(stores.store_namespaces) > 0
	some i, r in input.resources
	k8s.is_workload(r)
	stores.store_namespaces[k8s.namespace(r)]
	not stores.store_workloads[i]
	some c in k8s.containers(r)
	cloudflared(c.container)
	tokens := tunnel_tokens(c)
	count(tokens) > 0
	count(tunnel_urls(c)) == 0
	not mounts_tunnel_ingress(r)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " runs a remotely-managed cloudflared tunnel (a token, no --url, no ingress rules in a ConfigMap or Secret it mounts) in namespace ", k8s.namespace(r), ", which holds a store: its routes are kept at Cloudflare, not in the repository, and cannot be verified not to reach the store; run a locally-managed tunnel whose ingress rules are in the repository"]),
		"resource": i,
		"path": min(tokens),
	}
}

# What each own resource tunnels, made once per evaluation (issue 20): a tunnel's targets are both its backends and
# its addresses, and its configs are read for open tunnels too; reading an object's configs and command lines again
# for each was ~12% of an evaluation. own_configs: a config object's cloudflared and frpc configurations.
own_configs[i] := [tunnel_configs(r), frpc_configs(r), ssh_configs(r), gost_configs(r), proxy_configs(r)] if {
	some i, r in input.resources
	config_object(r)
}

own_tunnel_targets[i] := (((ingress_targets(configs[0]) | frpc_targets(configs[1])) | ssh_config_targets(configs[2])) | gost_config_targets(configs[3])) | proxy_config_targets(configs[4]) if some i, configs in own_configs

own_tunnel_targets[i] := tunnel_targets(r) | relay_targets(i) if {
	some i, r in input.resources
	k8s.is_workload(r)
}

# Each own workload's containers with their command lines (command_words), and what those reach through the API
# server (api_server_refs), made once per evaluation: the relay targets, the rule on API-server paths to a store's pods
# and kubectl proxies read every container's, and making the words per rule was the same work three times.
own_container_words[i] := [[c, command_words(c)] | some c in k8s.containers(r)] if {
	some i, r in input.resources
	k8s.is_workload(r)
}

own_api_server_refs[i] := {ref |
	some [_, words] in own_container_words[i]
	some ref in api_server_refs(words)
} if {
	some i, _ in own_container_words
}

# The backends of own resource i: a config object's (an ingress-nginx stream map, a tunnel's configuration) and a
# workload's (a tunnel agent's command line) from own_tunnel_targets, a route's from backends.
own_backends(i, r) := stream_backends(r) | tunnel_backends(r, own_tunnel_targets[i]) if config_object(r)

own_backends(i, r) := tunnel_backends(r, own_tunnel_targets[i]) if k8s.is_workload(r)

own_backends(i, r) := backends(r)

# Backends as {namespace, name, path}: the Service a route sends traffic to and where the route names it.
backends(r) := route_backends(r) if r.kind == "Route"

backends(r) := ingress_backends(r) | snippet_backends(r) if r.kind == "Ingress"

# An Ingress's configuration snippets (ingress-nginx `nginx.ingress.kubernetes.io/server-snippet`,
# `configuration-snippet`, `stream-snippet`; NGINX Inc `nginx.org/server-snippets`, `location-snippets`; HAProxy's
# `*-config-snippet`): nginx or HAProxy configuration the controller adds to its own, so a `proxy_pass` there
# serves whatever it names behind the Ingress's host, read as a reverse proxy's configuration is (proxy_addresses).
snippet_backends(r) := {{"namespace": parts[0], "name": parts[1], "path": ["metadata", "annotations", k]} |
	some k, text in object.get(r, ["metadata", "annotations"], {})
	is_string(text)
	regex.match(`(?i)snippets?$`, k)
	some address in proxy_addresses(text)
	parts := url_service(address, k8s.namespace(r))
}

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

backends(r) := haproxy_tcp_backends(r) if {
	route_crd_kind_names[r.kind]
	haproxy_tcp_kinds[k8s.group_kind(r)]
}

backends(r) := gloo_backends(r) if {
	route_crd_kind_names[r.kind]
	gloo_route_kinds[k8s.group_kind(r)]
}

backends(r) := ngrok_endpoint_backends(r) if {
	route_crd_kind_names[r.kind]
	ngrok_endpoint_paths[k8s.group_kind(r)]
}

backends(r) := virtual_service_backends(r) if istio_virtual_service(r)

backends(r) := generic_route_backends(r) if generic_route_kind_names[r.kind]

# Any other custom resource whose kind names a route, an ingress or a gateway (Skipper's RouteGroup, Consul's
# IngressGateway, a product this file does not know by name): the Services its spec names, by `serviceName`, by a
# `service` host or `service: {name}`, in a `services` list or as `backendRefs`, each a Service of the namespace
# written beside it or of its own. A RouteGroup and a Consul IngressGateway sending port 5432 to postgis passed.
generic_route_kind_names := {r.kind |
	some r in input.resources
	regex.match(`(?:Route|Routes|RouteGroup|Ingress|Gateway|Mapping|Proxy|VirtualServer|Listener)$`, r.kind)
	not known_route_kind_names[r.kind]
	custom_group(r)
}

known_route_kind_names := ({"Route", "Ingress", "VirtualService"} | gateway_route_kinds) | route_crd_kind_names

# A group that is none of Kubernetes's own (core, apps, `*.k8s.io`: their route kinds are read above).
custom_group(r) if {
	parts := split(object.get(r, "apiVersion", ""), "/")
	count(parts) == 2
	contains(parts[0], ".")
	not endswith(parts[0], ".k8s.io")
}

generic_route_key_pattern := `"(?:serviceName|service|services|backendRefs)":`

generic_route_backends(r) := {b |
	is_object(r.spec)
	regex.match(generic_route_key_pattern, json.marshal(r.spec))
	r.kind != "CustomResourceDefinition" # never a route; a context CRD has no schemas
	walk(r.spec, [p, node])
	is_object(node)
	some b in generic_node_backends(r, p, node)
}

generic_node_backends(r, p, node) := (({{"namespace": object.get(node, "serviceNamespace", object.get(node, "namespace", k8s.namespace(r))), "name": node.serviceName, "path": array.concat(["spec"], array.concat(p, ["serviceName"]))} |
	is_string(node.serviceName)
} | {{"namespace": parts[0], "name": parts[1], "path": array.concat(["spec"], array.concat(p, ["service"]))} |
	is_string(node.service)
	parts := url_service(node.service, object.get(node, "namespace", k8s.namespace(r)))
}) | {{"namespace": object.get(node.service, "namespace", object.get(node, "namespace", k8s.namespace(r))), "name": node.service.name, "path": array.concat(["spec"], array.concat(p, ["service", "name"]))} |
	is_string(node.service.name)
}) | {{"namespace": object.get(s, "namespace", k8s.namespace(r)), "name": s.name, "path": array.concat(["spec"], array.concat(p, [key, j, "name"]))} |
	some key in ["services", "backendRefs"]
	some j, s in object.get(node, key, [])
	is_string(s.name)
	object.get(s, "kind", "Service") == "Service"
}

# The Kinds of the controller route kinds above (and ngrok's), so that backends(r) builds no group/Kind string for an object of any
# other kind (nearly every object: backends is asked of each, issue 20).
route_crd_kind_names := {k8s.kind_of_group_kind(gk) |
	some kinds in [controller_route_kinds, traefik_service_kinds, mapping_kinds, nginx_route_kinds, service_name_kinds, gloo_route_kinds, haproxy_tcp_kinds]
	some gk in kinds
} | {k8s.kind_of_group_kind(gk) | some gk, _ in ngrok_endpoint_paths}

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

# A multi-cluster ServiceImport (multicluster.x-k8s.io, GKE's net.gke.io) is the Service of its name and namespace
# as the ClusterSet serves it: a route to the ServiceImport `postgis` reaches the store's pods (it passed, exit 0).
service_ref(ref) if {
	ref.kind == "ServiceImport"
	object.get(ref, "group", "") in {"multicluster.x-k8s.io", "net.gke.io"}
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

# The HAProxy Kubernetes Ingress Controller's TCP (ingress.v1.haproxy.org, ingress.v3.haproxy.org): a list of
# frontends, each sending its port to `service: {name, port}`, a Service of its own namespace. A TCP frontend on port
# 5432 for postgis passed.
haproxy_tcp_kinds := {"ingress.v1.haproxy.org/TCP", "ingress.v3.haproxy.org/TCP"}

haproxy_tcp_backends(r) := {{"namespace": k8s.namespace(r), "name": e.service.name, "path": ["spec", j, "service", "name"]} |
	is_array(r.spec)
	some j, e in r.spec
	is_string(e.service.name)
}

# Gloo Edge (gateway.solo.io VirtualService, RouteTable): route destinations `kube: {ref: {name, namespace}}`, and
# `upstream: {name, namespace}` refs to a Gloo Upstream (gloo.solo.io) whose `kube` names a Service.
gloo_route_kinds := {
	"gateway.solo.io/VirtualService", "gateway.solo.io/RouteTable", "gloo.solo.io/UpstreamGroup",
	"gateway.solo.io/Gateway", "gateway.solo.io/MatchableTcpGateway", "gloo.solo.io/Proxy",
}

gloo_backends(r) := (({{"namespace": object.get(node.kube.ref, "namespace", k8s.namespace(r)), "name": node.kube.ref.name, "path": array.concat(["spec"], array.concat(p, ["kube", "ref", "name"]))} |
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
	u.kind == "Upstream"
	k8s.group_kind(u) == "gloo.solo.io/Upstream"
	k8s.name(u) == ref.name
	k8s.namespace(u) == object.get(ref, "namespace", k8s.namespace(r))
	is_string(u.spec.kube.serviceName)
	is_string(u.spec.kube.serviceNamespace)
}) | gloo_static_backends(r)) | gloo_discovered_backends(r)

upstream_refs(r) := {[array.concat(["spec"], array.concat(p, ["upstream", "name"])), node.upstream] |
	k8s.spec_has_key(r.spec, "upstream")
	r.kind != "CustomResourceDefinition" # never a route or an operator kind; a context CRD has no schemas
	walk(r.spec, [p, node])
	is_object(node)
	is_string(node.upstream.name)
}

# A static Upstream's hosts (`addr`) named by cluster DNS: a store's Service is reached as by a kube Upstream.
gloo_static_backends(r) := {{"namespace": parts[0], "name": parts[1], "path": p} |
	some [p, u, h] in static_hosts(r)
	parts := split(stores.cluster_dns_service(h.addr, k8s.namespace(u)), "/")
}

# [path of the ref, Upstream, host] of every static host of the Upstreams a Gloo route names.
static_hosts(r) := {[p, u, h] |
	some [p, ref] in upstream_refs(r)
	some u in k8s.all
	u.kind == "Upstream"
	k8s.group_kind(u) == "gloo.solo.io/Upstream"
	k8s.name(u) == ref.name
	k8s.namespace(u) == object.get(ref, "namespace", k8s.namespace(r))
	some h in object.get(u, ["spec", "static", "hosts"], [])
	is_string(h.addr)
}

# Gloo's discovery writes an Upstream for every port of every Service, named <namespace>-<service>-<port> (Gloo's
# Kubernetes Gateway mode: underscores), and when that is longer than 63 characters its first 31, a dash and an MD5
# in hex, cut at 63: an `upstream` ref by that name reaches the Service with no Upstream in the desired state (a
# VirtualService to kfm-prod-postgis-5432 passed). Matched on the name only, whatever the discovery namespace.
gloo_discovered_service_backends(r) := {{"namespace": parts[0], "name": parts[1], "path": p} |
	some [p, ref] in upstream_refs(r)
	some key in stores.store_service_keys
	parts := split(key, "/")
	discovered_upstream(ref.name, parts[0], parts[1])
}

# The discovered Upstream of a Service named by an operator's pattern (Vitess's <cluster>-<cell>-vtgate-<hash>).
gloo_discovered_backends(r) := {{"namespace": ns, "name": m[1], "path": p} |
	some [p, ref] in upstream_refs(r)
	some ns, _ in stores.service_patterns_in
	startswith(ref.name, ns)
	some m in regex.find_all_string_submatch_n(`^[-_](.+)[-_][0-9]{1,5}$`, substring(ref.name, count(ns), -1), 1)
	stores.operator_service_pattern(ns, m[1])
} | gloo_discovered_service_backends(r)

discovered_upstream(upstream, ns, svc) if {
	some sep in ["-", "_"]
	prefix := concat(sep, [ns, svc, ""])
	startswith(upstream, prefix)
	regex.match(`^[0-9]{1,5}$`, substring(upstream, count(prefix), -1))
}

discovered_upstream(upstream, ns, svc) if {
	base := concat("-", [ns, svc])
	count(base) >= 31
	startswith(upstream, concat("", [substring(base, 0, 31), "-"]))
	regex.match(`^[0-9a-f]{31}$`, substring(upstream, 32, -1))
}

# A ConfigMap or Secret: ingress-nginx's TCP/UDP services map, a cloudflared tunnel's configuration.
config_object(r) if {
	r.kind in {"ConfigMap", "Secret"}
	object.get(r, "apiVersion", "v1") == "v1"
}

stream_backends(r) := stream_config_backends(r) if stream_config_map(r)

stream_backends(r) := set() if not stream_config_map(r)

# cloudflared: a tunnel's `ingress` rules publish a `service` URL (http://host:port, tcp://host:port) on a public
# hostname through Cloudflare, with no Service, route or gateway of the cluster's own: config.yaml (any key, YAML or
# JSON) of a ConfigMap, or of a Secret (stringData, base64 data). The host resolves as cluster DNS from the
# cloudflared pod's namespace, the config's. A tunnel to tcp://postgis:5432 passed.
tunnel_backends(r, targets) := {{"namespace": parts[0], "name": parts[1], "path": p} |
	some [p, url] in targets
	parts := url_service(url, k8s.namespace(r))
}

# [path, service URL] of what a workload's tunnel agents publish (a config object's: own_tunnel_targets; relays:
# relay_targets).
tunnel_targets(r) := (tunnel_command_targets(r) | ngrok_command_targets(r)) | agent_command_targets(r)

# ngrok: the operator's AgentEndpoint forwards its public URL to `upstream.url`, the older ingress controller's Tunnel
# to `forwardsTo` (`<svc>.<ns>.svc.cluster.local:<port>`).
ngrok_endpoint_paths := {
	"ngrok.k8s.ngrok.com/AgentEndpoint": ["spec", "upstream", "url"],
	"ingress.k8s.ngrok.com/Tunnel": ["spec", "forwardsTo"],
}

ngrok_endpoint_backends(r) := {{"namespace": parts[0], "name": parts[1], "path": p} |
	p := ngrok_endpoint_paths[k8s.group_kind(r)]
	url := object.get(r, p, null)
	is_string(url)
	parts := url_service(url, k8s.namespace(r))
}

# The ngrok agent (`ngrok http|tcp|tls <address or URL>`) in a container named or started as ngrok.
ngrok_command_targets(r) := {[p, word] |
	some c in k8s.containers(r)
	ngrok(c.container)
	words := command_words(c)
	some k, [_, protocol] in words
	protocol in {"http", "tcp", "tls"}
	[p, word] := words[k + 1]
	not startswith(word, "-")
}

ngrok(container) if contains(lower(k8s.image_name(object.get(container, "image", ""))), "ngrok")

ngrok(container) if {
	some word in program_words(container)
	endswith(word, "ngrok")
}

# The tunnel agents a container runs, by image and by the program it starts.
tunnel_agents(container) := ({"cloudflared" | cloudflared(container)} | {"ngrok" | ngrok(container)}) | other_agents(container)

# Other tunnel agents: frp's client, chisel, bore, inlets (inlets-pro), tailscale (its daemon, and containerboot, the
# entry point of its image), gost, zrok, localtunnel (`lt`), and VPN endpoints (WireGuard, OpenVPN, ZeroTier, Nebula,
# NetBird, Twingate, strongSwan, tinc), by the program a container starts, or by an image whose last path segment has the
# agent's name as a word (snowdreamtech/frpc, jpillora/chisel, ekzhang/bore, ghcr.io/inlets/inlets-pro,
# tailscale/tailscale, gogost/gost). One regular expression per image and one look-up per program word (asked of every container).
other_agents(container) := ({m[2] |
	name := lower(k8s.image_name(object.get(container, "image", "")))
	not contains(name, "exporter") # a metrics exporter named after what it watches (openvpn-exporter)
	some m in regex.find_all_string_submatch_n(`(^|[-_.])(frpc|chisel|bore|inlets|tailscale|gost|zrok|localtunnel|wireguard|wg-easy|boringtun|openvpn|zerotier|netbird|strongswan|tinc)([-_.]|$)`, name, -1)
} | {agent_programs[w] | some w in program_words(container)}) | ({"ssh" | ssh_remote_forwarding(container)} | {"twingate" | contains(lower(object.get(container, "image", "")), "twingate/connector")})

# An ssh client (OpenSSH's ssh, autossh, dropbear's dbclient) with a remote forward (`-R`, `-o RemoteForward`) is a
# tunnel agent:
# `ssh -R 80:postgis:5432 serveo.net` publishes the store on the ssh server, and serveo.net, localhost.run or pinggy.io
# give it a public address. An ssh client without -R publishes nothing; ssh is not recognised by image (an image
# holding ssh may run anything).
ssh_programs := {"ssh", "autossh", "dbclient"}

ssh_remote_forwarding(container) if {
	words := command_words({"path": [], "container": container})

	# An ssh word first (a set look-up per word; in `args` too: `tini -- ssh -R …`): most containers run no ssh,
	# and their words skip the regular expressions.
	some [_, w] in words
	parts := split(w, "/")
	ssh_programs[parts[count(parts) - 1]]
	count(ssh_remote_specs(words)) > 0
}

# [path, spec] of the remote forwards of the ssh commands of a command line: `-R <spec>`, `-R<spec>`, and -R last in a
# group of flags that take no value (`-NR <spec>`, `-fNTR<spec>`), after an ssh program word and before the next `;`, `&&`, `||` or `|`
# (a `chmod -R` elsewhere in a script is no forward).
ssh_remote_specs(words) := ({[p, spec] |
	some k, [_, word] in words
	regex.match(`^-[46AaCfGgKkMNnqsTtVvXxYy]*R$`, word)
	ssh_command_at(words, k)
	[p, spec] := words[k + 1]
} | {[p, m[1]] |
	some k, [p, word] in words
	some m in regex.find_all_string_submatch_n(`^-[46AaCfGgKkMNnqsTtVvXxYy]*R(.+)$`, word, 1)
	ssh_command_at(words, k)
}) | ssh_option_forwards(words)

# [path, spec] of the remote forwards given as ssh options: `-o RemoteForward=<spec>`, `-oRemoteForward=<spec>`, or
# in the configuration's own syntax, `-o "RemoteForward [<bind>:]<port> <host>:<port>"` (the option name in any case;
# its two arguments joined as -R takes them).
ssh_option_forwards(words) := {[p, spec] |
	some [v, text] in ssh_option_values(words)
	some m in regex.find_all_string_submatch_n(`(?i)^RemoteForward(?:=(.*))?$`, text, 1)
	some [p, first, i] in remote_forward_first(words, v, m[1])
	some spec in remote_forward_spec(words, first, i)
}

# [index, text] of the `-o` options of the ssh commands of a command line (`-o <opt>`, `-o<opt>`, -o last in a group
# of flags that take no value).
ssh_option_values(words) := {[k + 1, text] |
	some k, [_, word] in words
	regex.match(`^-[46AaCfGgKkMNnqsTtVvXxYy]*o$`, word)
	ssh_command_at(words, k)
	[_, text] := words[k + 1]
} | {[k, m[1]] |
	some k, [_, word] in words
	some m in regex.find_all_string_submatch_n(`^-[46AaCfGgKkMNnqsTtVvXxYy]*o(.+)$`, word, 1)
	ssh_command_at(words, k)
}

# [path, first argument, index of the word after it] of a RemoteForward option at word v: its text after `=`, or the
# next word (after a lone `=`) when the option's words were split.
remote_forward_first(words, v, rest) := {[words[v][0], rest, v + 1]} if rest != ""

remote_forward_first(words, v, "") := {[p, first, j + 1] |
	some j in [v + 1, v + 2]
	[p, first] := words[j]
	first != "="
	not ssh_option_word_between(words, v, j)
}

ssh_option_word_between(words, v, j) if {
	j == v + 2
	words[v + 1][1] != "="
}

# The spec of a RemoteForward whose first argument is `first`: joined with the next word when that is a
# `<host>:<port>` (the configuration's two-argument form), else `first` alone (a whole spec, or a dynamic forward).
remote_forward_spec(words, first, i) := {concat(":", [first, words[i][1]])} if remote_forward_second(words, i)

remote_forward_spec(words, first, i) := {first} if not remote_forward_second(words, i)

remote_forward_second(words, i) if regex.match(`^[^-=\s][^\s]*:[0-9]+$`, words[i][1])

ssh_command_at(words, k) if {
	some j, [_, w] in words
	j < k
	parts := split(w, "/")
	ssh_programs[parts[count(parts) - 1]]
	not command_separated(words, j, k)
}

command_separated(words, j, k) if {
	some m, [_, w] in words
	j < m
	m < k
	regex.match(`^(;|&&|\|\||\|)$|;$`, w)
}

agent_programs := {
	"frpc": "frpc",
	"chisel": "chisel",
	"bore": "bore",
	"inlets": "inlets",
	"inlets-pro": "inlets",
	"tailscale": "tailscale",
	"gost": "gost",
	"zrok": "zrok",
	"lt": "localtunnel",
	"localtunnel": "localtunnel",
	"tailscaled": "tailscale",
	"containerboot": "tailscale",
	# VPN endpoints: a peer of the VPN is inside the pod's network namespace, so in a store's own pod it reaches the
	# store on localhost, past every NetworkPolicy. (Nebula by its program only: NebulaGraph's images are a store.)
	"wg-quick": "wireguard",
	"wireguard-go": "wireguard",
	"boringtun": "wireguard",
	"openvpn": "openvpn",
	"zerotier-one": "zerotier",
	"nebula": "nebula",
	"netbird": "netbird",
	"charon": "strongswan",
	"ipsec": "strongswan",
	"tincd": "tinc",
}

# The programs a container starts: the last path segment of each word of its `command`, and of each word of a shell
# script among its `args` (an entry with spaces: `sh -c "exec frpc -c /etc/frp/frpc.toml"`).
program_words(container) := {w |
	some field in ["command", "args"]
	some entry in object.get(container, field, [])
	is_string(entry)
	program_entry(field, entry)
	some word in shell_words(entry)
	parts := split(word, "/")
	w := parts[count(parts) - 1]
}

program_entry("command", _) := true

program_entry("args", entry) if regex.match(`\s`, entry)

# [path, word] of a container's command line, `command` then `args`, in order; an entry holding a shell script gives
# each of its words at the entry's path, quotes trimmed.
command_words(c) := [[array.concat(c.path, [field, k]), word] |
	some field in ["command", "args"]
	some k, entry in object.get(c.container, field, [])
	is_string(entry)
	some word in shell_words(entry)
]

shell_words(entry) := [entry] if not regex.match(`\s`, entry)

shell_words(entry) := [trim(w, `"'`) | some w in regex.split(`\s+`, trim_space(entry)); w != ""] if regex.match(`\s`, entry)

# [path, value] of the flags `flags` of a command line: `--flag value` (the value's path) and `--flag=value`.
flag_values(words, flags) := {[p, trim(value, `"'`)] |
	some k, [_, word] in words
	flags[word]
	[p, value] := words[k + 1]
} | {[p, trim(substring(word, count(flag) + 1, -1), `"'`)] |
	some [p, word] in words
	some flag in flags
	startswith(word, concat("", [flag, "="]))
}

# [path, value] of a container's environment variable `name`.
env_values(c, name) := {[array.concat(c.path, ["env", k, "value"]), e.value] |
	some k, e in object.get(c.container, "env", [])
	e.name == name
	is_string(e.value)
}

# [path, address] of what the other tunnel agents publish, from their command lines (resolved by tunnel_backends as a
# cloudflared --url is).
agent_command_targets(r) := {[p, address] |
	some c in k8s.containers(r)
	some name in other_agents(c.container)
	some [p, address] in agent_targets(name, c)
}

# [path, address] of what a relay in a workload's pod forwards to: whoever reaches the pod reaches the address (a
# store behind a relay in the governed API's pod is reached past the API). socat with two network addresses (a
# listener and a connection, or two connections: a reverse relay to a server outside) publishes each host it connects
# to; a netcat listener beside a netcat connection (`nc -l -p 9000 -e "nc postgis 5432"`, --sh-exec, a pipe) publishes
# that connection's host. A socat from stdin or a local socket, and a netcat without a listener (`nc -z postgis 5432`,
# a wait-for loop), relay nothing.
relay_targets(i) := {[p, host] |
	some [c, words] in own_container_words[i]
	some [p, host] in (socat_targets(c.container, words) | netcat_targets(words))
} | port_forward_service_targets(i)

# kubectl or oc port-forward (`kubectl [-n <ns>] port-forward <target> <ports>`) connects through the API server, past
# every NetworkPolicy: the pod running it reaches the target's pods as the governed API would, and so does whoever
# reaches its listener (`--address 0.0.0.0`). A Service target (`svc/<name>`) is a relay target, resolved in the
# namespace its `-n` gives (its own without one); a pod or workload target is judged by name against the store
# workloads (the violation below).
port_forward_service_targets(i) := {[p, host] |
	some [p, "port-forward", "service", name, ns] in own_api_server_refs[i]
	host := port_forward_host(name, ns)
}

port_forward_host(name, "") := name

port_forward_host(name, ns) := concat(".", [name, ns]) if ns != ""

violations contains v if {
	some i, r in input.resources
	some [p, sub, kind, name, given] in own_api_server_refs[i]
	kind != "service"
	ns := port_forward_namespace(given, r)
	some j in stores.store_workloads_in[ns]
	w := k8s.all[j]
	port_forward_reaches(kind, name, w)
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " runs kubectl ", sub, " to ", kind, " ", ns, "/", name, ", a store's pods (", w.kind, " ", k8s.display_name(w), "): it reaches the store through the API server, past every NetworkPolicy; only the governed API may reach a store"]),
		"resource": i,
		"path": p,
	}
}

# A pod chosen when the command runs (`kubectl exec "$POD"`, `$(kubectl get pod -l app=postgis -o name)`) in a namespace
# holding a store cannot be verified not to be the store's.
violations contains v if {
	some i, r in input.resources
	some [p, sub, "unresolved", target, given] in own_api_server_refs[i]
	ns := port_forward_namespace(given, r)
	count(object.get(stores.store_workloads_in, ns, set())) > 0
	v := {
		"id": "KFM-TM-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " runs kubectl ", sub, " to a pod chosen when it runs (", target, ") in namespace ", ns, ", which holds a store: it cannot be verified not to reach the store through the API server, past every NetworkPolicy; only the governed API may reach a store"]),
		"resource": i,
		"path": p,
	}
}

port_forward_namespace("", r) := k8s.namespace(r)

port_forward_namespace(ns, _) := ns if ns != ""

# A workload target names the workload; a pod target a pod of it (`<statefulset>-<ordinal>`,
# `<deployment>-<hash>-<suffix>`) or a bare Pod.
port_forward_reaches("workload", name, w) if lower(w.metadata.name) == name

port_forward_reaches("pod", name, w) if lower(w.metadata.name) == name

port_forward_reaches("pod", name, w) if startswith(name, concat("", [lower(w.metadata.name), "-"]))

# [path, kind (service, pod or workload), name, namespace or ""] of each target of a port-forward command: the words
# after `port-forward` in the same command of a kubectl or oc, but flags, their values and port specs.
# [path, subcommand, kind, name, namespace or ""] of what a kubectl or oc command reaches through the API server: a
# port-forward's targets, the pod an exec or attach runs in or a debug adds an ephemeral container to (its first word
# that is not a flag, before `--`), the pod a cp copies from or to (`[<namespace>/]<pod>:<path>`).
api_server_refs(words) := (port_forward_refs(words) | exec_refs(words)) | cp_refs(words)

exec_refs(words) := {[p, w, kind, name, ns] |
	some f, [_, w] in words
	w in {"exec", "attach", "debug"}
	kubectl_before(words, f)
	positional := {k |
		some k, [_, t] in words
		f < k
		not command_separated(words, f, k)
		not startswith(t, "-")
		not port_forward_flag_value(words, k)
	}
	count(positional) > 0
	k := min(positional)
	not dash_dash_between(words, f, k)
	[p, target] := words[k]
	[kind, name] := port_forward_ref(lower(trim_suffix(target, ";")))
	some ns in port_forward_namespaces(words, f)
}

dash_dash_between(words, f, k) if {
	some m, [_, "--"] in words
	f < m
	m < k
}

cp_refs(words) := {[p, "cp", "pod", m[2], ns] |
	some f, [_, "cp"] in words
	kubectl_before(words, f)
	some k, [p, target] in words
	f < k
	not command_separated(words, f, k)
	m := regex.find_all_string_submatch_n(`^(?:([a-z0-9][a-z0-9.-]*)/)?([a-z0-9][a-z0-9.-]*):`, lower(target), 1)[0]
	some ns in cp_namespaces(m[1], words, f)
}

cp_namespaces("", words, f) := port_forward_namespaces(words, f)

cp_namespaces(ns, _, _) := {ns} if ns != ""

port_forward_refs(words) := {[p, "port-forward", kind, name, ns] |
	some f, [_, w] in words
	w == "port-forward"
	kubectl_before(words, f)
	some k, [p, target] in words
	f < k
	not command_separated(words, f, k)
	not regex.match(`^-|^[0-9:]+;?$`, target)
	not port_forward_flag_value(words, k)
	[kind, name] := port_forward_ref(lower(trim_suffix(target, ";")))
	some ns in port_forward_namespaces(words, f)
}

kubectl_before(words, f) if {
	some k, [_, w] in words
	k < f
	parts := split(w, "/")
	parts[count(parts) - 1] in {"kubectl", "oc"}
	not command_separated(words, k, f)
}

# Flags of kubectl and oc that take a value as the next word.
port_forward_value_flags := {"-n", "--namespace", "--address", "--pod-running-timeout", "--kubeconfig", "--context", "--cluster", "--user", "--server", "-s", "--token", "--as", "--as-group", "--request-timeout", "-c", "--container", "-f", "--filename", "--image", "--target", "--profile", "--copy-to", "--env"}

port_forward_flag_value(words, k) if port_forward_value_flags[words[k - 1][1]]

# The namespaces `-n`, `--namespace` give in the command of the port-forward at word f, or "" (the pod's own).
port_forward_namespaces(words, f) := ns if {
	ns := {trim(value, `"'`) |
		some k, [_, w] in words
		not command_separated(words, min([k, f]), max([k, f]))
		some value in namespace_flag_values(words, k, w)
	}
	count(ns) > 0
} else := {""}

namespace_flag_values(words, k, w) := {words[k + 1][1]} if w in {"-n", "--namespace"}

namespace_flag_values(_, _, w) := {substring(w, 12, -1)} if startswith(w, "--namespace=")

namespace_flag_values(_, _, w) := {substring(w, 2, -1)} if regex.match(`^-n[^-=]`, w)

namespace_flag_values(_, _, w) := {substring(w, 3, -1)} if startswith(w, "-n=")

port_forward_ref(t) := ["service", m[2]] if {
	m := regex.find_all_string_submatch_n(`^(svc|service|services)/([a-z0-9][a-z0-9.-]*)$`, t, 1)[0]
}

port_forward_ref(t) := ["pod", m[2]] if {
	m := regex.find_all_string_submatch_n(`^(po|pod|pods)/([a-z0-9][a-z0-9.-]*)$`, t, 1)[0]
}

port_forward_ref(t) := ["workload", m[3]] if {
	m := regex.find_all_string_submatch_n(`^(deploy|deployment|deployments|sts|statefulset|statefulsets|rs|replicaset|replicasets)(\.apps)?/([a-z0-9][a-z0-9.-]*)$`, t, 1)[0]
}

port_forward_ref(t) := ["pod", t] if regex.match(`^[a-z0-9][a-z0-9.-]*$`, t)

port_forward_ref(t) := ["unresolved", t] if regex.match("^[$`]|^[a-z]+/[$`]", t)

socat_targets(container, words) := {[p, host] |
	socat(container, words)
	count({k | some k, [_, w] in words; regex.match(socat_network_address, w)}) >= 2
	some [p, word] in words
	some host in socat_connect_hosts(word)
}

# socat by image, or as a word of the command line, `args` included (`tini -- socat …`).
socat(container, _) if regex.match(`(^|[-_.])socat([-_.]|$)`, lower(k8s.image_name(object.get(container, "image", ""))))

socat(_, words) if {
	some [_, w] in words
	parts := split(w, "/")
	parts[count(parts) - 1] == "socat"
}

# socat's network address types (any case): TCP, UDP, SCTP, OPENSSL (SSL) and VSOCK, connecting or listening, and the
# SOCKS and HTTP CONNECT proxy clients.
socat_network_address := `(?i)^(tcp[46]?|udp[46]?|sctp[46]?|openssl|ssl|vsock|dccp[46]?)(-[a-z-]+)?:|^(?i)(socks[45]a?|proxy)(-connect)?:`

# The hosts a socat address connects to: `TCP:<host>:<port>` (TCP4, TCP6, TCP-CONNECT, UDP…, SCTP…, OPENSSL, SSL),
# `SOCKS4:<proxy>:<host>:<port>` and `PROXY:<proxy>:<host>:<port>` (the proxy and the target).
socat_connect_hosts(word) := {m[2] |
	some m in regex.find_all_string_submatch_n(`(?i)^(tcp[46]?|tcp[46]?-connect|udp[46]?|udp[46]?-(?:connect|sendto|datagram)|sctp[46]?|sctp[46]?-connect|openssl|openssl-connect|openssl-dtls-client|ssl|dccp[46]?|dccp[46]?-connect):(\[[^\]]*\]|[^:,\[\]]+):`, word, 1)
} | {h |
	some m in regex.find_all_string_submatch_n(`(?i)^(?:socks[45]a?|proxy|proxy-connect):(\[[^\]]*\]|[^:,\[\]]+):(\[[^\]]*\]|[^:,\[\]]+)`, word, 1)
	some h in [m[1], m[2]]
}

netcat_programs := {"nc", "ncat", "netcat", "nc.openbsd", "nc.traditional"}

# [path, host] of the netcat connections (`nc [flags] <host> <port>`) joined to a netcat listener: run by it (-e, -c,
# --sh-exec: the same words) or piped with it, not a separate command of a script (`nc -z postgis 5432; nc -l …`).
netcat_targets(words) := {[p, host] |
	some l, [_, lw] in words
	netcat_program(lw)
	netcat_listener_at(words, l)
	some j, [_, w] in words
	j != l
	netcat_program(w)
	not script_separated(words, min([l, j]), max([l, j]))
	some k, [p, host] in words
	j < k
	not command_separated(words, j, k)
	regex.match(`^([A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]*[A-Za-z.][A-Za-z0-9_-]*$`, host)
	not netcat_program(host)
	regex.match(`^[0-9]+;?$`, words[k + 1][1]) # a port, maybe ending a command of a script
}

netcat_listener_at(words, l) if {
	some k, [_, flag] in words
	l < k
	regex.match(`^(-[A-Za-z0-9]*l[A-Za-z0-9]*|--listen)$`, flag)
	not command_separated(words, l, k)
}

script_separated(words, a, b) if {
	some m, [_, w] in words
	a < m
	m < b
	regex.match(`^(;|&&|\|\|)$|;$`, w)
}

netcat_program(word) if {
	parts := split(word, "/")
	netcat_programs[parts[count(parts) - 1]]
}

# chisel: a client's reverse remote `R:[[<interface>:]<port>:]<host>:<port>[/<protocol>]` publishes host:port on the
# chisel server (a forward remote, without `R:`, publishes nothing; `R:<port>` is the client's own localhost).
agent_targets("chisel", c) := {[p, host] |
	some [p, word] in command_words(c)
	startswith(word, "R:")
	some m in regex.find_all_string_submatch_n(`^R:(?:.*:)?([^:\[\]/]+|\[[0-9A-Fa-f:.]+\]):[0-9]+(?:/[a-z]+)?$`, word, 1)
	host := m[1]
	not regex.match(`^[0-9]+$`, host)
}

# bore: `bore local <port> --local-host <host> --to <server>` (default localhost: the pod itself).
agent_targets("bore", c) := flag_values(command_words(c), {"--local-host", "-l"})

# inlets / inlets-pro: a client's `--upstream`; an http client's may map hosts, `<host>=<url>`, comma-separated.
agent_targets("inlets", c) := {[p, upstream] |
	some [p, value] in flag_values(command_words(c), {"--upstream", "-u"})
	some entry in split(value, ",")
	upstream := inlets_upstream(trim_space(entry))
}

inlets_upstream(entry) := substring(entry, indexof(entry, "=") + 1, -1) if regex.match(`^[^=:/]+=`, entry)

inlets_upstream(entry) := entry if not regex.match(`^[^=:/]+=`, entry)

# frp's client on its command line: `frpc tcp|udp|http... --local_ip <host>` (`-i`).
agent_targets("frpc", c) := flag_values(command_words(c), {"--local_ip", "--local-ip", "-i"})

# tailscale: TS_DEST_IP, the address its proxy forwards all the tailnet's traffic to.
agent_targets("tailscale", c) := env_values(c, "TS_DEST_IP")

# zrok: `zrok share public|private <target>` (and `zrok reserve …`) publishes the target; of the words after the share
# mode, those that name an address (a `:`, `.` or `/` in them: a flag's value such as `tcpTunnel` does not).
agent_targets("zrok", c) := {[p, target] |
	words := command_words(c)
	some k, [_, mode] in words
	mode in {"public", "private"}
	words[k - 1][1] in {"share", "reserve"}
	some j, [p, target] in words
	j > k
	not startswith(target, "-")
	regex.match(`[:./]`, target)
}

# localtunnel: `lt --port <port> --local-host <host>` (default localhost: the pod itself).
agent_targets("localtunnel", c) := flag_values(command_words(c), {"--local-host", "-l"})

# gost: a remote port forward (`-L rtcp://[<bind>]:<port>/<host>:<port>`, `rudp://`; several targets comma-separated)
# publishes host:port on the server it chains to (`-F`).
agent_targets("gost", c) := {[p, m[1]] |
	some [p, word] in command_words(c)
	some forward in regex.find_all_string_submatch_n(`r(?:tcp|udp)://[^/]*/(.+)$`, word, 1)
	some target in split(forward[1], ",")
	some m in regex.find_all_string_submatch_n(`^([^:/?\[\]]+|\[[0-9A-Fa-f:.]+\]):[0-9]+`, trim_space(target), 1)
}

# ssh: a remote forward `[<bind>:]<port>:<host>:<hostport>` (or `<remote socket>:<host>:<hostport>`) publishes
# host:hostport on the ssh server.
agent_targets("ssh", c) := {[p, host] |
	some [p, spec] in ssh_remote_specs(command_words(c))
	some host in ssh_spec_hosts(spec)
}

# The host of a fixed remote forward spec `[<bind>:]<port>:<host>:<hostport>` (none for a dynamic one).
ssh_spec_hosts(spec) := {m[1] |
	some m in regex.find_all_string_submatch_n(`^(?:\[[^\]]*\]:|[^:\[\]]*:)?[^:\[\]]+:([^:\[\]/]+|\[[0-9A-Fa-f:.]+\]):[0-9]+$`, spec, 1)
}

# [path, service URL] of a cloudflared configuration's ingress rules.
ingress_targets(configs) := {[p, rule.service] |
	some [p, config] in configs
	some rule in config.ingress
	is_string(rule.service)
}

# frp's client configuration (frpc.toml, frpc.ini, YAML or JSON) in a ConfigMap or Secret: a text naming the frp
# server (`serverAddr`, `server_addr`), or a file of proxies the configuration includes (`[[proxies]]`, a
# `remotePort`/`remote_port`), whose proxies publish `localIP`/`local_ip` (a plugin's `localAddr`). Read as text: the
# configuration may be TOML or INI. rathole's client configuration is read the same way: its server is `remote_addr`,
# and each of its `[client.services.<name>]` publishes its `local_addr`.
frpc_targets(configs) := {[p, m[1]] |
	some [p, text] in configs
	some m in regex.find_all_string_submatch_n(`(?:localIP|local_ip|localAddr|local_addr)["']?\s*[:=]\s*["']?([^\s"',}\]#;]+)`, text, -1)
}

frpc_configs(r) := {[[field, key], text] |
	some [field, key, text] in config_texts(r)
	frpc_words(text)
	regex.match(`server_?[aA]ddr|\[\[proxies\]\]|remote_?[pP]ort|remote_addr|\[client\.services`, text)
}

# An ssh client configuration (ssh_config, `~/.ssh/config`) in a ConfigMap or Secret whose `RemoteForward
# [<bind>:]<port> <host>:<port>` publishes host:port on the ssh server it names, as `ssh -R` does (the keyword in
# any case, `=` or spaces before its arguments).
ssh_configs(r) := {[[field, key], text] |
	some [field, key, text] in config_texts(r)
	regex.match(`(?i)remoteforward`, text) # no lowered copy of every ConfigMap and Secret value
}

ssh_config_targets(configs) := {[p, host] |
	some [p, text] in configs
	some f in regex.find_all_string_submatch_n(`(?im)^[ \t]*RemoteForward(?:[ \t]*=[ \t]*|[ \t]+)([^ \t\r\n#]+)(?:[ \t]+([^ \t\r\n#]+))?`, text, -1)

	# ssh_config takes its arguments quoted too: `RemoteForward "80" "postgis:5432"`.
	some host in ssh_spec_hosts(ssh_config_spec(trim(f[1], `"`), trim(f[2], `"`)))
}

ssh_config_spec(first, "") := first

ssh_config_spec(first, second) := concat(":", [first, second]) if second != ""

# gost's configuration file (v3, YAML or JSON) in a ConfigMap or Secret: a service whose handler or listener is a
# remote port forward (`rtcp`, `rudp`) publishes the `addr` of each of its forwarder's nodes on the server its chain
# reaches, as `-L rtcp://…/<host>:<port>` does.
gost_configs(r) := {[[field, key], config] |
	some [field, key, text] in config_texts(r)
	regex.match(`r(?:tcp|udp)`, text)
	contains(text, "forwarder")
	yaml.is_valid(text)
	config := yaml.unmarshal(text)
	is_object(config)
}

gost_config_targets(configs) := {[p, m[1]] |
	some [p, config] in configs
	some service in object.get(config, "services", [])
	some part in ["handler", "listener"]
	object.get(service, [part, "type"], "") in {"rtcp", "rudp"}
	some node in object.get(service, ["forwarder", "nodes"], [])
	is_string(node.addr)
	some m in regex.find_all_string_submatch_n(`^([^:/?\[\]]+|\[[0-9A-Fa-f:.]+\]):[0-9]+`, trim_space(node.addr), 1)
}

# A reverse proxy's configuration in a ConfigMap or Secret: whoever reaches the proxy reaches each address it forwards
# to (an nginx sidecar of the governed API with `proxy_pass http://minio:9000` serves the object store past the API).
# nginx: the `*_pass` directives' targets (a `$variable` also as each value a `set` gives it) and the `server` lines
# of an `upstream` block; HAProxy: the address of each `server` (and `server-template`) of a text with a `backend` or
# `listen` section; Envoy: the addresses of its `socket_address`es; Caddy: the upstreams of `reverse_proxy` (and of its
# `to`), a JSON configuration's `dial`; Traefik's file provider: a load balancer's server `url` and `address`; Apache:
# the URL of a `ProxyPass`, `ProxyPassMatch` or `BalancerMember`; Varnish: a backend's `.host`. Read as text, in any
# entry: the file may have any name. An address that names no Service (a loopback, an outside host) relays nothing
# the rules know of; an in-cluster address literal is judged as any tunnel's (stores.cluster_address).
proxy_configs(r) := {[[field, key], text] |
	some [field, key, text] in config_texts(r)
	proxy_words(text)
}

proxy_config_targets(configs) := {[p, address] |
	some [p, text] in configs
	some address in proxy_addresses(text)
}

proxy_addresses(text) := (((((nginx_addresses(text) | haproxy_addresses(text)) | envoy_addresses(text)) | caddy_addresses(text)) | traefik_addresses(text)) | apache_addresses(text)) | varnish_addresses(text)

nginx_addresses(text) := {a |
	contains(text, "_pass")
	not nginx_loopback_only(text)
	some m in regex.find_all_string_submatch_n(`(?:^|[\s;{}])(?:proxy|grpc|uwsgi|scgi|fastcgi|memcached)_pass[ \t]+["']?([^\s;"']+)`, text, -1)
	some a in nginx_values(m[1], text)
} | {m[1] |
	contains(text, "upstream")
	not nginx_loopback_only(text)
	some m in regex.find_all_string_submatch_n(`(?m)^[ \t]*server[ \t]+([^\s;{]+)[^;{\n]*;`, text, -1)
}

# A pass target as written, and with each variable it names replaced by each value a `set` gives it (`set $store
# minio; proxy_pass http://$store:9000;`).
nginx_values(target, text) := {target} | {replace(replace(target, concat("", ["${", m[1], "}"]), m[2]), concat("", ["$", m[1]]), m[2]) |
	contains(target, "$")
	some m in regex.find_all_string_submatch_n(`(?:^|[\s;{}])set[ \t]+\$([A-Za-z0-9_]+)[ \t]+["']?([^\s;"']+)`, text, -1)
	contains(target, m[1])
}

haproxy_addresses(text) := {m[1] |
	contains(text, "server")
	regex.match(`(?m)^[ \t]*(?:backend|listen)[ \t]+[^\s]`, text)
	not haproxy_loopback_only(text)
	some m in regex.find_all_string_submatch_n(`(?m)^[ \t]*server(?:-template[ \t]+[^\s]+[ \t]+[^\s]+|[ \t]+[^\s]+)[ \t]+(?:ipv[46]@)?([^\s]+)`, text, -1)
}

envoy_addresses(text) := {m[1] |
	contains(text, "socket_address")
	not envoy_loopback_only(text)
	some m in regex.find_all_string_submatch_n(`address["']?[ \t]*:[ \t]*["']?([^\s"',{}\]]+)`, text, -1)
}

caddy_addresses(text) := {w |
	contains(text, "reverse_proxy")
	some m in regex.find_all_string_submatch_n(`(?m)(?:^|[{;])[ \t]*(?:reverse_proxy|to)[ \t]+([^{}\n#]+)`, text, -1)
	some w in regex.split(`[ \t]+`, trim_space(m[1]))
	w != ""
	not regex.match(`^[/@*]`, w)
} | {m[1] |
	contains(text, "dial")
	some m in regex.find_all_string_submatch_n(`"dial"[ \t]*:[ \t]*"([^"]+)"`, text, -1)
}

traefik_addresses(text) := {m[1] |
	regex.match(`(?i)loadbalancer`, text)
	some m in regex.find_all_string_submatch_n(`(?:url|address)["']?[ \t]*[:=][ \t]*["']?([^\s"',}\]]+)`, text, -1)
}

apache_addresses(text) := {m[1] |
	regex.match(`ProxyPass|BalancerMember`, text)
	some m in regex.find_all_string_submatch_n(`(?im)^[ \t]*(?:ProxyPass(?:Match)?|BalancerMember)[ \t][^\n]*?([a-z][a-z0-9+.-]*://[^\s"'>]+)`, text, -1)
}

varnish_addresses(text) := {m[1] |
	contains(text, "backend")
	some m in regex.find_all_string_submatch_n(`\.host[ \t]*=[ \t]*"([^"]+)"`, text, -1)
}

# A proxy whose every listener (nginx `listen`, HAProxy `bind`, an Envoy static listener) is on a loopback address or
# a unix socket relays for its own pod only: the governed API's own way out to its store (an Envoy or nginx sidecar
# the API connects to on localhost) publishes nothing.
nginx_loopback_only(text) if {
	listeners := regex.find_all_string_submatch_n(`(?:^|[\s;{])listen[ \t]+([^\s;]+)`, text, -1)
	count(listeners) > 0

	# A server block without a listen directive listens on every address (port 80).
	count(listeners) >= count(regex.find_all_string_submatch_n(`(?:^|[\s;{}])server[ \t\r\n]*\{`, text, -1))
	every m in listeners {
		loopback(m[1])
	}
}

# HAProxy's listeners: `bind` lines, and the address a `listen` or `frontend` line may carry itself (the older syntax).
haproxy_loopback_only(text) if {
	listeners := regex.find_all_string_submatch_n(`(?m)^[ \t]*(?:bind|(?:listen|frontend)[ \t]+[^\s]+)[ \t]+([^\s]+)`, text, -1)
	count(listeners) > 0
	every m in listeners {
		every address in split(m[1], ",") {
			loopback(address)
		}
	}
}

envoy_loopback_only(text) if {
	yaml.is_valid(text)
	config := yaml.unmarshal(text)
	listeners := object.get(config, ["static_resources", "listeners"], [])
	is_array(listeners)
	count(listeners) > 0
	every l in listeners {
		loopback(object.get(l, ["address", "socket_address", "address"], ""))
	}
}

loopback(address) if regex.match(`^(127\.[0-9.]+|localhost|\[::1\]|::1)(:[0-9]+)?$|^unix:`, lower(address))

# What the expressions above need, tested first without a regular expression (every ConfigMap and Secret value).
proxy_words(text) if contains(text, "_pass")

proxy_words(text) if contains(text, "server")

proxy_words(text) if contains(text, "socket_address")

proxy_words(text) if contains(text, "reverse_proxy")

proxy_words(text) if contains(text, "dial")

proxy_words(text) if contains(text, "oadBalancer")

proxy_words(text) if contains(text, "oadbalancer")

proxy_words(text) if contains(text, "ProxyPass")

proxy_words(text) if contains(text, "BalancerMember")

proxy_words(text) if contains(text, ".host")

# What the expression above needs, tested first without a regular expression (every ConfigMap and Secret value).
frpc_words(text) if contains(text, "server")

frpc_words(text) if contains(text, "proxies")

frpc_words(text) if contains(text, "remote")

# [path, parsed config] of every entry that reads as a cloudflared configuration: an object with `ingress` rules or
# `warp-routing` (parsed only when its text names one of them).
tunnel_configs(r) := {[[field, key], config] |
	some [field, key, text] in config_texts(r)
	tunnel_words(text)
	yaml.is_valid(text)
	config := yaml.unmarshal(text)
	is_object(config)
}

tunnel_words(text) if {
	contains(text, "ingress")
	contains(text, "service")
}

tunnel_words(text) if contains(text, "warp-routing")

# [path, "a(n) <agent>", what] of the tunnels whose clients pick the address (own resource i).
open_tunnels(i, r) := ({[p, "a cloudflared", what] |
	some [p, config] in own_configs[i][0]
	some what in open_config(config)
} | {[p, "an frp", concat("", ["plugin ", m[1]])] |
	some [p, text] in own_configs[i][1]
	some m in regex.find_all_string_submatch_n(`(?:type|plugin)["']?\s*[:=]\s*["']?(socks5|http_proxy)\b`, text, -1)
}) | {[p, agent, what] |
	some [c, words] in own_container_words[i]
	some [p, agent, what] in open_agent_tunnels(c, words)
}

# cloudflared's --bastion; a chisel client's reverse SOCKS remote (`R:[[<interface>:]<port>:]socks`) and a chisel
# server (its clients' remotes name any host:port it can reach, and --socks5 lets them pick any); a tailscale subnet
# router advertising in-cluster ranges (TS_ROUTES, --advertise-routes, also in TS_EXTRA_ARGS).
open_agent_tunnels(c, words) := ({[p, "a cloudflared", "--bastion"] |
	cloudflared(c.container)
	some [p, word] in words
	word == "--bastion"
} | {[p, agent, what] |
	some name in other_agents(c.container)
	some [p, agent, what] in open_agent_tunnel(name, c)
}) | kubectl_proxies(words)

# `kubectl proxy` (or `oc proxy`) listening beyond loopback (`--address 0.0.0.0`) serves the API server's proxy to
# whoever reaches the pod: every Service and pod over HTTP (an object store's API included), past every NetworkPolicy.
kubectl_proxies(words) := {[p, "a kubectl", concat("", ["proxy --address ", address])] |
	some f, [_, "proxy"] in words
	kubectl_before(words, f)
	some [p, address] in flag_values(words, {"--address"})
	not loopback(address)
}

open_agent_tunnel("chisel", c) := {[p, "a chisel", what] | some [p, what] in chisel_open(command_words(c))}

# ssh's dynamic remote forward, `-R [<bind>:]<port>`: a SOCKS proxy on the ssh server.
open_agent_tunnel("ssh", c) := {[p, "an ssh", concat("", ["-R ", spec])] |
	some [p, spec] in ssh_remote_specs(command_words(c))
	regex.match(`^(?:\[[^\]]*\]:|[^:\[\]]*:)?[0-9]+$`, spec)
}

open_agent_tunnel("tailscale", c) := {[p, "a tailscale", concat("", ["subnet routes ", routes])] |
	some [p, routes] in tailscale_routes(c)
	some route in split(routes, ",")
	cluster_range(trim_space(route))
}

chisel_open(words) := {[p, word] |
	some [p, word] in words
	regex.match(`^R:(.*:)?socks$`, word)
} | {[p, "server"] |
	some k, [p, word] in words
	word == "server"
	chisel_subcommand(words, k)
}

chisel_subcommand(_, 0) := true

chisel_subcommand(words, k) if endswith(words[k - 1][1], "chisel")

tailscale_routes(c) := (env_values(c, "TS_ROUTES") | flag_values(command_words(c), {"--advertise-routes"})) | {[p, routes] |
	some [p, args] in env_values(c, "TS_EXTRA_ARGS")
	some [_, routes] in flag_values([[p, word] | some word in shell_words(args)], {"--advertise-routes"})
}

# A route that overlaps the in-cluster addresses (private IPv4 ranges as stores.cluster_address reads them; any IPv6).
cluster_range(route) if {
	regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$`, route)
	some cidr in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]
	net.cidr_intersects(cidr, route)
}

cluster_range(route) if contains(route, ":")

# A cloudflared container's token: `--token`, `--token-file` (the value's path), TUNNEL_TOKEN, TUNNEL_TOKEN_FILE.
tunnel_tokens(c) := {p | some [p, _] in flag_values(command_words(c), {"--token", "--token-file"})} | {array.concat(c.path, ["env", k, "name"]) |
	some k, e in object.get(c.container, "env", [])
	e.name in {"TUNNEL_TOKEN", "TUNNEL_TOKEN_FILE"}
}

# The workload mounts a ConfigMap or Secret of its namespace holding a cloudflared configuration with ingress rules:
# a locally-managed tunnel, whose rules are judged in that object.
mounts_tunnel_ingress(r) if {
	some [kind, name] in config_volumes(r)
	some o in k8s.all
	o.kind == kind
	k8s.name(o) == name
	k8s.namespace(o) == k8s.namespace(r)
	some [_, config] in tunnel_configs(o)
	count(object.get(config, "ingress", [])) > 0
}

config_volumes(r) := {[kind, name] |
	some volume in object.get(k8s.pod_spec(r), "volumes", [])
	some source in array.concat([volume], object.get(volume, ["projected", "sources"], []))
	some [kind, name] in [["ConfigMap", object.get(source, ["configMap", "name"], null)], ["Secret", object.get(source, ["secret", "secretName"], object.get(source, ["secret", "name"], null))]]
	is_string(name)
}

open_config(config) := (({"service bastion" |
	some rule in config.ingress
	rule.service == "bastion"
} | {"bastionMode" |
	some origin in origin_requests(config)
	origin.bastionMode == true
}) | {"a SOCKS proxy" |
	some origin in origin_requests(config)
	origin.proxyType == "socks"
}) | {"warp-routing" | config["warp-routing"].enabled == true}

origin_requests(config) := array.concat([object.get(config, "originRequest", {})], [object.get(rule, "originRequest", {}) | some rule in config.ingress])

config_texts(r) := {[field, k, text] |
	some field in ["data", "stringData"]
	some k, text in object.get(r, field, {})
	is_string(text)
	not secret_data(r, field)
} | {["data", k, base64.decode(encoded)] |
	secret_data(r, "data")
	some k, encoded in object.get(r, "data", {})
	is_string(encoded)
	base64.is_valid(encoded)
}

secret_data(r, "data") if r.kind == "Secret"

# ["namespace", "service"] of the in-cluster host of a [scheme://]host[:port][/path] URL.
url_service(url, ns) := parts if {
	host := mapping_host(url)
	host != ""
	parts := split(stores.cluster_dns_service(host, ns), "/")
}

# cloudflared's --url (quick tunnels and `tunnel run --url`: one service, published) on a cloudflared container's
# command line, `--url X` or `--url=X`, and its TUNNEL_URL environment variable.
tunnel_command_targets(r) := {[p, url] |
	some c in k8s.containers(r)
	cloudflared(c.container)
	some [p, url] in tunnel_urls(c)
}

cloudflared(container) if contains(lower(k8s.image_name(object.get(container, "image", ""))), "cloudflared")

cloudflared(container) if {
	some word in program_words(container)
	endswith(word, "cloudflared")
}

# Under any image name: cloudflared's `tunnel` subcommand.
cloudflared(container) if {
	some field in ["command", "args"]
	some word in object.get(container, field, [])
	word == "tunnel"
}

tunnel_urls(c) := flag_values(command_words(c), {"--url", "-url"}) | env_values(c, "TUNNEL_URL")

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
