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

violations contains v if {
	some i in (stores.store_workloads | stores.store_services)
	r := input.resources[i]
	ns := k8s.namespace(r)
	not default_deny_namespaces[ns]
	v := {
		"id": "KFM-TM-003",
		"msg": concat("", [r.kind, " ", ns, "/", k8s.name(r), " is a store but namespace ", ns, " has no default-deny ingress NetworkPolicy in this overlay"]),
		"resource": i,
		"path": namespace_path(r),
	}
}

namespace_path(r) := ["metadata", "namespace"] if r.metadata.namespace

namespace_path(r) := ["metadata"] if not r.metadata.namespace

default_deny_namespaces contains k8s.namespace(np) if {
	some np in input.resources
	np.kind == "NetworkPolicy"
	k8s.selects_all(object.get(np, ["spec", "podSelector"], {}))
	"Ingress" in object.get(np, ["spec", "policyTypes"], ["Ingress"])
	count(object.get(np, ["spec", "ingress"], [])) == 0
}
