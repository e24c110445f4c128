# METADATA
# title: A namespace holding a store needs a default-deny ingress NetworkPolicy
# description: >-
#   NetworkPolicies are allow-lists only once some policy selects a pod; without a default-deny policy every pod
#   in the cluster can open connections to a store, bypassing the governed API. The overlay that deploys a store
#   must also deploy, in the store's namespace, a NetworkPolicy with an empty podSelector, Ingress among its
#   policyTypes (absent policyTypes counts as Ingress, as in Kubernetes) and no ingress rules. It has to be in the
#   same overlay so that the store is never synced without it.
# custom:
#   id: KFM-TM-003
#   severity: error
#   remediation: >-
#     Add to the overlay a NetworkPolicy in the store's namespace with `podSelector: {}`,
#     `policyTypes: [Ingress]` and no `ingress:` rules, then allow the governed API explicitly with a second
#     policy.
package kfm.tm.store_namespace_default_deny

import data.kfm_lib.k8s
import data.kfm_lib.stores

# One finding per overlay and namespace, on the overlay's first store workload (else its first store Service) in
# that namespace, naming every store of the overlay in it. Per overlay: the env is evaluated as a whole, but the
# policy must ship with the store (same Argo CD Application, same sync).
violations contains v if {
	some [o, ns] in store_namespaces
	not default_deny[[o, ns]]
	in_ns := array.concat(in_namespace(stores.store_workloads, o, ns), in_namespace(overlay_store_services, o, ns))
	r := input.resources[in_ns[0]]
	names := [concat("", [input.resources[i].kind, " ", k8s.display_name(input.resources[i])]) | some i in in_ns]
	v := {
		"id": "KFM-TM-003",
		"msg": concat("", ["namespace ", ns, " holds stores (", concat(", ", names), ") but this overlay has no default-deny ingress NetworkPolicy for it"]),
		"resource": in_ns[0],
		"path": namespace_path(r),
	}
}

store_namespaces contains [k8s.owner(i), k8s.namespace(input.resources[i])] if {
	some i in stores.store_workloads
	k8s.own(i)
}

# Services count when labelled as stores or selecting a store of their own overlay: a Service that selects a
# store of another overlay is judged by KFM-TM-001/002, not by this overlay's policies.
store_namespaces contains [k8s.owner(i), k8s.namespace(input.resources[i])] if {
	some i in overlay_store_services
}

overlay_store_services contains i if {
	some i in stores.store_services
	k8s.own(i)
	stores.declared_store(input.resources[i])
}

overlay_store_services contains i if {
	some i in stores.store_services
	k8s.own(i)
	svc := input.resources[i]
	some j in stores.store_workloads_in[k8s.namespace(svc)]
	k8s.own(j)
	k8s.owner(j) == k8s.owner(i)
	k8s.map_selects_pods(object.get(svc, ["spec", "selector"], {}), input.resources[j])
}

in_namespace(indexes, o, ns) := sort([i |
	some i in indexes
	k8s.own(i)
	k8s.owner(i) == o
	k8s.namespace(input.resources[i]) == ns
])

namespace_path(r) := ["metadata", "namespace"] if r.metadata.namespace

namespace_path(r) := ["metadata"] if not r.metadata.namespace

default_deny contains [k8s.owner(i), k8s.namespace(np)] if {
	some i, np in input.resources
	k8s.default_deny_ingress(np)
}
