# METADATA
# title: Only the governed API may be allowed in to a store
# description: >-
#   NetworkPolicies add up: any policy that selects a store's pods and allows a peer opens the store to it. A
#   NetworkPolicy selecting store pods (same namespace) may allow ingress only from pods carrying the governed-API
#   labels (policy parameter governedApiSelector, default kfm.dev/governed-api=true). An ingress rule without
#   `from` (everyone), a peer with `namespaceSelector: {}` or one every namespace matches
#   (`kubernetes.io/metadata.name` Exists, as the API server sets that label on every namespace), a
#   namespaceSelector that does not pin its namespaces (no matchLabels and no In expression: NotIn, DoesNotExist or
#   Exists match every namespace but those they exclude, new ones included), a peer without a podSelector, an
#   ipBlock peer or a podSelector that does not require the governed-API labels each break the trust membrane; so
#   does a namespaceSelector naming a namespace (kubernetes.io/metadata.name) where no workload of the desired state
#   runs the governed API: whatever pods carry the governed-API labels there get in. A namespaceSelector choosing
#   namespaces by other labels only (`team: api`) is reported too: whoever can label a namespace, now or later, adds
#   it, and a namespace outside the repository has labels the desired state cannot show; name the API's namespace by
#   kubernetes.io/metadata.name, which the API server sets and nobody can change.
# custom:
#   id: KFM-TM-004
#   severity: error
#   remediation: >-
#     Restrict the rule to `from: [{podSelector: {matchLabels: {kfm.dev/governed-api: "true"}}}]` (if the API runs in
#     another namespace, add `namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: <its namespace>}}`);
#     remove ipBlock and catch-all peers.
package kfm.tm.store_ingress_governed_only

import data.kfm_lib.k8s
import data.kfm_lib.params.params
import data.kfm_lib.stores

violations contains v if {
	some i in store_policies
	np := input.resources[i]
	some j, rule in object.get(np, ["spec", "ingress"], [])
	count(object.get(rule, "from", [])) == 0
	v := {
		"id": "KFM-TM-004",
		"msg": concat("", ["NetworkPolicy ", k8s.namespace(np), "/", k8s.display_name(np), " selects store pods and its ingress rule ", format_int(j, 10), " has no `from`, so it admits every source"]),
		"resource": i,
		"path": ["spec", "ingress", j],
	}
}

violations contains v if {
	some i in store_policies
	np := input.resources[i]
	some j, rule in object.get(np, ["spec", "ingress"], [])
	some k, peer in object.get(rule, "from", [])
	whys := peer_problems(peer)
	count(whys) > 0
	v := {
		"id": "KFM-TM-004",
		"msg": concat("", ["NetworkPolicy ", k8s.namespace(np), "/", k8s.display_name(np), " selects store pods and admits ", concat(" and ", sort(whys)), "; only the governed API may reach a store"]),
		"resource": i,
		"path": ["spec", "ingress", j, "from", k],
	}
}

# NetworkPolicies that select at least one store workload's pods in their own namespace and govern ingress.
store_policies contains i if {
	some i, np in input.resources
	k8s.is_network_policy(np)
	"Ingress" in object.get(np, ["spec", "policyTypes"], ["Ingress"])
	some j in stores.store_workloads_in[k8s.namespace(np)]
	w := k8s.all[j]

	# An absent podSelector is the empty selector (the API field is not optional in Go), i.e. all pods.
	k8s.selector_selects_pods(object.get(np, ["spec", "podSelector"], {}), w)
}

peer_problems(peer) := ((((({"an ipBlock peer" |
	peer.ipBlock
} | {"every namespace (a namespaceSelector every namespace matches)" |
	is_object(peer.namespaceSelector)
	k8s.namespace_selector_selects_all(peer.namespaceSelector)
}) | {"every namespace but those it excludes (a namespaceSelector without matchLabels or an In expression)" |
	is_object(peer.namespaceSelector)
	not k8s.namespace_selector_selects_all(peer.namespaceSelector)
	k8s.namespace_selector_unbounded(peer.namespaceSelector)
}) | {"a peer without a podSelector" |
	not peer.ipBlock
	not peer.podSelector
}) | {"pods that are not the governed API" |
	is_object(peer.podSelector)
	not governed_selector(peer.podSelector)
}) | {"governed-API pods of whatever namespaces carry its labels (a namespaceSelector that names no namespace by kubernetes.io/metadata.name: whoever can label a namespace adds one)" |
	is_object(peer.namespaceSelector)
	not k8s.namespace_selector_selects_all(peer.namespaceSelector)
	not k8s.namespace_selector_unbounded(peer.namespaceSelector)
	count(named_namespaces(peer.namespaceSelector)) == 0
}) | {concat("", ["governed-API pods of namespace ", ns, ", where the desired state runs no governed API"]) |
	is_object(peer.namespaceSelector)
	some ns in pinned_namespaces(peer.namespaceSelector)
	not stores.governed_namespaces[ns]
}

# The namespaces a namespaceSelector names by the label the API server sets on every namespace,
# kubernetes.io/metadata.name (matchLabels, or an In expression's values): a selector naming one where no workload of
# the desired state carries the governed-API labels admits whatever pods carry them there (a namespace outside the
# repository, or one whose pods the repository does not run), past the label rule that guards the repository's own
# (KFM-TM-011).
# Only the name requirements are read (NotIn may take a name back out): a namespace outside the repository has no
# other label the desired state could show.
pinned_namespaces(sel) := {ns |
	some ns in named_namespaces(sel)
	k8s.selector_matches(name_requirements(sel), {"kubernetes.io/metadata.name": ns})
}

named_namespaces(sel) := {v |
	v := object.get(sel, ["matchLabels", "kubernetes.io/metadata.name"], null)
	is_string(v)
} | {v |
	some e in object.get(sel, "matchExpressions", [])
	e.key == "kubernetes.io/metadata.name"
	e.operator == "In"
	some v in object.get(e, "values", [])
	is_string(v)
}

name_requirements(sel) := {
	"matchLabels": {k: v | some k, v in object.get(sel, "matchLabels", {}); k == "kubernetes.io/metadata.name"},
	"matchExpressions": [e | some e in object.get(sel, "matchExpressions", []); e.key == "kubernetes.io/metadata.name"],
}

# The peer's podSelector must require every governed-API label, so only governed-API pods can match it.
governed_selector(sel) if k8s.labels_contain(object.get(sel, "matchLabels", {}), params.governedApiSelector)
