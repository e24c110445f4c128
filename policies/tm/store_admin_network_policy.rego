# METADATA
# title: No AdminNetworkPolicy lets anyone but the governed API in to a store
# description: >-
#   An AdminNetworkPolicy (policy.networking.k8s.io, OVN-Kubernetes on OpenShift) is evaluated before every
#   NetworkPolicy and its `Allow` is final; `Pass` hands the traffic to the NetworkPolicies, skipping the admin
#   policies of lower priority that would deny it. A BaselineAdminNetworkPolicy `Allow` admits what no
#   NetworkPolicy denies. So an ingress rule with action Allow or Pass whose subject (subject.namespaces, or
#   subject.pods with its namespaceSelector and podSelector) selects a store's pods may only admit pods peers that
#   require the governed-API labels in namespaces it names (a namespaceSelector with matchLabels or an In
#   expression); a `namespaces` peer, a pods peer selecting other pods or every namespace but a few opens the store
#   whatever its NetworkPolicies say. The admin policies are cluster-scoped and select namespaces by label: the
#   finding is reported on each store workload they open, naming the policy and its rule.
# custom:
#   id: KFM-TM-010
#   severity: error
#   remediation: >-
#     Narrow the rule's subject so that it does not select store pods, or its peers to
#     `pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: <api namespace>}}, podSelector:
#     {matchLabels: {kfm.dev/governed-api: "true"}}}`; leave the stores to their NetworkPolicies.
package kfm.tm.store_admin_network_policy

import data.kfm_lib.k8s
import data.kfm_lib.params.params
import data.kfm_lib.stores

admin_kinds := {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"}

# Admin policies (read from everything the evaluation sees: they are cluster-scoped context in every part).
admin_policies contains p if {
	some p in k8s.all
	admin_kinds[p.kind] == p.kind
	startswith(object.get(p, "apiVersion", ""), "policy.networking.k8s.io/")
}

violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	some p in admin_policies
	subject_selects(object.get(p, ["spec", "subject"], {}), w)
	some j, rule in object.get(p, ["spec", "ingress"], [])
	rule.action in {"Allow", "Pass"}
	whys := {why | some peer in object.get(rule, "from", []); some why in peer_problems(peer)}
	count(whys) > 0
	v := {
		"id": "KFM-TM-010",
		"msg": concat("", [p.kind, " ", k8s.display_name(p), " ingress rule ", format_int(j, 10), " (", rule.action, ") admits ", concat(" and ", sort(whys)), " to store pods of ", w.kind, " ", k8s.namespace(w), "/", k8s.display_name(w), ", over every NetworkPolicy; only the governed API may reach a store"]),
		"resource": i,
		"path": labels_path(w),
	}
}

subject_selects(subject, w) if {
	is_object(subject.namespaces)
	namespace_selected(subject.namespaces, k8s.namespace(w))
}

subject_selects(subject, w) if {
	is_object(subject.pods)
	namespace_selected(object.get(subject.pods, "namespaceSelector", {}), k8s.namespace(w))
	k8s.selector_selects_pods(object.get(subject.pods, "podSelector", {}), w)
}

# A namespace selector matching namespace ns as the API server would: on the labels of a Namespace object of that
# name in what the evaluation sees (any of its definitions), or on the name label every namespace carries.
namespace_selected(sel, ns) if k8s.selector_matches(sel, {"kubernetes.io/metadata.name": ns})

namespace_selected(sel, ns) if {
	some n in k8s.all
	n.kind == "Namespace"
	k8s.name(n) == ns
	k8s.selector_matches(sel, object.union(k8s.labels(n), {"kubernetes.io/metadata.name": ns}))
}

peer_problems(peer) := {"every pod of the namespaces it selects (a namespaces peer)"} if is_object(peer.namespaces)

peer_problems(peer) := {"pods that are not the governed API" |
	not k8s.labels_contain(object.get(peer.pods, ["podSelector", "matchLabels"], {}), params.governedApiSelector)
} | {"every namespace but those it excludes (a namespaceSelector without matchLabels or an In expression)" |
	k8s.namespace_selector_unbounded(object.get(peer.pods, "namespaceSelector", {}))
} if {
	is_object(peer.pods)
}

# Peers of kinds this rule does not know (networks, nodes) are not pods of the cluster's namespaces: judged by
# nobody here, but reported so that an unknown way in does not pass.
peer_problems(peer) := {concat("", ["a ", concat("/", sort(object.keys(peer))), " peer"])} if {
	not is_object(peer.namespaces)
	not is_object(peer.pods)
}

# Where the store's pods get their labels: the pod template, or a store operator's resource itself (its name).
labels_path(w) := array.concat(k8s.pod_meta_path(w), ["labels"]) if k8s.is_workload(w)

labels_path(w) := ["metadata", "name"] if not k8s.is_workload(w)
