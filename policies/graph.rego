# The reachability the trust-membrane rules judge, as a graph (entrypoint kfm_graph/graph, `kfm-gitops graph`):
# entry points (routes, exposed Services, host-network pods) -> Services (ExternalName chains) -> workloads, and the
# NetworkPolicies that deny or allow ingress to each workload. Built from the same helpers as the rules, so the
# picture and the findings cannot disagree. Node ids: "Kind/namespace/name"; "internet" is outside the cluster.
package kfm_graph

import data.kfm.tm.route_to_store
import data.kfm_lib.k8s
import data.kfm_lib.params.params
import data.kfm_lib.stores

route_kinds := {"Route", "Ingress", "HTTPRoute", "TLSRoute", "GRPCRoute", "TCPRoute", "UDPRoute", "VirtualService"}

id(r) := concat("/", [r.kind, k8s.namespace(r), k8s.name(r)])

service_id(key) := concat("/", ["Service", key])

store_indexes := stores.store_workloads | stores.store_services

nodes contains {"id": id(r), "kind": r.kind, "role": role(i, r)} if {
	some i, r in k8s.all
	interesting(r)
}

nodes contains {"id": "internet", "kind": "Internet", "role": "outside"}

interesting(r) if r.kind in route_kinds

interesting(r) if r.kind == "Service"

interesting(r) if k8s.is_workload(r)

interesting(r) if r.kind == "NetworkPolicy"

role(i, _) := "store" if i in store_indexes

role(i, r) := "governed-api" if {
	not i in store_indexes
	k8s.is_workload(r)
	stores.governed_api(r)
}

role(i, r) := "entry" if {
	not i in store_indexes
	r.kind in route_kinds
}

role(i, r) := "policy" if r.kind == "NetworkPolicy"

role(i, r) := "other" if {
	not i in store_indexes
	not r.kind in route_kinds
	r.kind != "NetworkPolicy"
	not governed_workload(r)
}

governed_workload(r) if {
	k8s.is_workload(r)
	stores.governed_api(r)
}

# internet -> route -> Service it sends traffic to (backends, mirrors, filters).
edges contains {"from": "internet", "to": id(r), "kind": "exposes"} if {
	some r in k8s.all
	r.kind in route_kinds
}

edges contains {"from": id(r), "to": service_id(concat("/", [b.namespace, b.name])), "kind": "routes"} if {
	some r in k8s.all
	r.kind in route_kinds
	some b in route_to_store.backends(r)
}

# Services reachable from outside the cluster without a route.
edges contains {"from": "internet", "to": id(s), "kind": s.spec.type} if {
	some s in k8s.all
	s.kind == "Service"
	s.spec.type in {"LoadBalancer", "NodePort"}
}

edges contains {"from": "internet", "to": id(s), "kind": "externalIPs"} if {
	some s in k8s.all
	s.kind == "Service"
	count(object.get(s, ["spec", "externalIPs"], [])) > 0
}

edges contains {"from": service_id(k), "to": service_id(t), "kind": "alias"} if {
	some k, targets in stores.external_name_graph
	some t in targets
}

# Hand-written endpoints that reach a store: its pod by targetRef (the workload running it), its Service's cluster IP.
edges contains {"from": service_id(x.key), "to": id(w), "kind": "endpoints"} if {
	some x in stores.manual_endpoints
	is_string(x.ref.name)
	ns := object.get(x.ref, "namespace", split(x.key, "/")[0])
	some j in stores.store_workloads_in[ns]
	w := k8s.all[j]
	stores.store_pod(ns, x.ref.name)
	startswith(x.ref.name, k8s.name(w))
}

edges contains {"from": service_id(x.key), "to": id(s), "kind": "endpoints"} if {
	some x in stores.manual_endpoints
	some i in stores.store_services
	s := k8s.all[i]
	x.address in array.concat([object.get(s, ["spec", "clusterIP"], "")], object.get(s, ["spec", "clusterIPs"], []))
}

edges contains {"from": id(s), "to": id(w), "kind": "selects"} if {
	some s in k8s.all
	s.kind == "Service"
	some w in k8s.all
	k8s.is_workload(w)
	k8s.namespace(w) == k8s.namespace(s)
	k8s.map_selects_pods(object.get(s, ["spec", "selector"], {}), w)
}

# Pods on the host network or with host ports: reachable from outside, NetworkPolicies do not apply.
edges contains {"from": "internet", "to": id(w), "kind": x.what} if {
	some w in k8s.all
	k8s.is_workload(w)
	some x in stores.host_exposure(w)
}

# NetworkPolicies and the workloads they govern: "denies" (default deny of the namespace) or "allows <peers>".
edges contains {"from": id(np), "to": id(w), "kind": policy_kind(np)} if {
	some np in k8s.all
	np.kind == "NetworkPolicy"
	"Ingress" in object.get(np, ["spec", "policyTypes"], ["Ingress"])
	some w in k8s.all
	k8s.is_workload(w)
	k8s.namespace(w) == k8s.namespace(np)
	k8s.selector_selects_pods(object.get(np, ["spec", "podSelector"], {}), w)
}

policy_kind(np) := "denies" if k8s.default_deny_ingress(np)

policy_kind(np) := concat("", ["allows ", concat(", ", sort(peers(np)))]) if not k8s.default_deny_ingress(np)

peers(np) := {p |
	some rule in object.get(np, ["spec", "ingress"], [])
	some p in rule_peers(rule)
}

rule_peers(rule) := {"everyone"} if count(object.get(rule, "from", [])) == 0

rule_peers(rule) := {peer_label(peer) | some peer in rule.from} if count(object.get(rule, "from", [])) > 0

peer_label(peer) := "ipBlock" if peer.ipBlock

peer_label(peer) := "governed API" if {
	not peer.ipBlock
	k8s.labels_contain(object.get(peer, ["podSelector", "matchLabels"], {}), params.governedApiSelector)
}

peer_label(peer) := "other pods" if {
	not peer.ipBlock
	not k8s.labels_contain(object.get(peer, ["podSelector", "matchLabels"], {}), params.governedApiSelector)
}

graph := {"nodes": sort(nodes), "edges": sort(edges)}
