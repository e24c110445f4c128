# METADATA
# title: No CNI network policy lets anyone but the governed API in to a store
# description: >-
#   Cilium, Calico and Antrea enforce policies of their own beside the Kubernetes NetworkPolicies, and their allow
#   rules add up with them: a CiliumNetworkPolicy with `fromEntities: [world]`, a Calico policy allowing
#   `nets: [0.0.0.0/0]` or an Antrea policy allowing an ipBlock opens a store however tight its NetworkPolicies are.
#   A policy of these (CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, cilium.io; NetworkPolicy and
#   GlobalNetworkPolicy, projectcalico.org and crd.projectcalico.org; NetworkPolicy and ClusterNetworkPolicy,
#   crd.antrea.io) that may select a store's pods may allow ingress only from pods that require the governed-API
#   labels, in its own namespace or in a namespace it names in which the desired state runs the governed API.
#   Every other source is reported: a rule without sources (everyone), CIDRs, entities, nodes, groups, service
#   accounts, services, negated selectors, an Antrea Pass into the NetworkPolicies or a selector that may match
#   other pods or namespaces. Selectors are read the way the CNI reads them (Cilium's `k8s:`/`any:` label sources,
#   Calico's selector expressions); a part of a selector this rule cannot read is taken to match (a Calico `has()`
#   or `||`), so a policy is never thought narrower than it is.
# custom:
#   id: KFM-TM-015
#   severity: error
#   remediation: >-
#     Allow only the governed API: Cilium `fromEndpoints: [{matchLabels: {kfm.dev/governed-api: "true"}}]`, Calico
#     `source: {selector: "kfm.dev/governed-api == 'true'"}`, Antrea `from: [{podSelector: {matchLabels:
#     {kfm.dev/governed-api: "true"}}}]`; or narrow the policy's selector so that it does not select store pods.
package kfm.tm.store_cni_network_policy

import data.kfm_lib.k8s
import data.kfm_lib.params.params
import data.kfm_lib.stores

ns_key := "io.kubernetes.pod.namespace"

# The policy kinds of each CNI, by API group.
flavor(p) := "cilium" if {
	p.kind in {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}
	startswith(object.get(p, "apiVersion", ""), "cilium.io/")
}

flavor(p) := "calico" if {
	p.kind in {"NetworkPolicy", "GlobalNetworkPolicy"}
	some g in {"projectcalico.org/", "crd.projectcalico.org/"}
	startswith(object.get(p, "apiVersion", ""), g)
}

flavor(p) := "antrea" if {
	p.kind in {"NetworkPolicy", "ClusterNetworkPolicy"}
	startswith(object.get(p, "apiVersion", ""), "crd.antrea.io/")
}

cluster_wide(p) if p.kind in {"CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy", "ClusterNetworkPolicy"}

# A namespaced policy: reported on the policy's rule (it joins its namespace's stores). A cluster-wide one is context
# in every part (partition.ts GLOBAL_KINDS): reported on each store it opens, as KFM-TM-010 does.
violations contains v if {
	some i, p in input.resources
	not cluster_wide(p)
	fl := flavor(p)
	some j in stores.store_workloads_in[k8s.namespace(p)]
	w := k8s.all[j]
	some [path, why] in opened(fl, p, w)
	v := {
		"id": "KFM-TM-015",
		"msg": concat("", [p.kind, " ", k8s.namespace(p), "/", k8s.display_name(p), " (", p.apiVersion, ") selects store pods and admits ", why, "; only the governed API may reach a store"]),
		"resource": i,
		"path": path,
	}
}

violations contains v if {
	some [fl, p] in cluster_policies
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	some [path, why] in opened(fl, p, w)
	v := {
		"id": "KFM-TM-015",
		"msg": concat("", [p.kind, " ", k8s.display_name(p), " (", p.apiVersion, ") at ", concat(".", [format_path(x) | some x in path]), " admits ", why, " to store pods of ", w.kind, " ", k8s.namespace(w), "/", k8s.display_name(w), "; only the governed API may reach a store"]),
		"resource": i,
		"path": array.concat(k8s.pod_meta_path(w), ["labels"]),
	}
}

# [flavor, policy] of the cluster-wide CNI policies in view, found once per evaluation (not once per store).
cluster_policies contains [flavor(p), p] if {
	some p in k8s.all
	cluster_wide(p)
}

format_path(x) := x if is_string(x)

format_path(x) := format_int(x, 10) if is_number(x)

# ---- Cilium: spec or specs[]; endpointSelector; ingress[] (ingressDeny only denies).

opened("cilium", p, w) := {[array.concat(base, ["ingress", j]), why] |
	some [base, spec] in cilium_specs(p)
	cilium_selects(p, object.get(spec, "endpointSelector", null), w)
	some j, rule in object.get(spec, "ingress", [])
	some why in cilium_rule_problems(p, rule)
}

cilium_specs(p) := {[["spec"], p.spec] | is_object(p.spec)} | {[["specs", k], s] | some k, s in object.get(p, "specs", []); is_object(s)}

# A label key without its Cilium source prefix (`k8s:app` is `app`).
bare(k) := substring(k, indexof(k, ":") + 1, -1) if contains(k, ":")

bare(k) := k if not contains(k, ":")

label_pairs(sel) := {[bare(k), v] | some k, v in object.get(sel, "matchLabels", {})}

cilium_selects(p, sel, w) if {
	is_object(sel)
	every pair in label_pairs(sel) {
		cilium_label_may_match(pair[0], pair[1], w)
	}
	every e in object.get(sel, "matchExpressions", []) {
		cilium_expression_may_match(e, w)
	}
	in_scope(p, w)
}

# A cluster-wide policy may select pods of any namespace, a namespaced one those of its own namespace only.
in_scope(p, _) if cluster_wide(p)

in_scope(p, w) if {
	not cluster_wide(p)
	k8s.namespace(p) == k8s.namespace(w)
}

cilium_label_may_match(k, v, w) if {
	k == ns_key
	v == k8s.namespace(w)
}

# Labels of the namespace (`io.cilium.k8s.namespace.labels.*`) and Cilium's own (`io.cilium.*`) are not judged here.
cilium_label_may_match(k, _, _) if {
	k != ns_key
	startswith(k, "io.cilium.")
}

cilium_label_may_match(k, v, w) if {
	k != ns_key
	not startswith(k, "io.cilium.")
	k8s.pod_may_have(w, k, v)
}

cilium_expression_may_match(e, _) if startswith(bare(e.key), "io.")

cilium_expression_may_match(e, w) if {
	not startswith(bare(e.key), "io.")
	k8s.pod_expression_matches(object.union(e, {"key": bare(e.key)}), w)
}

cilium_sources := {"fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromGroups", "fromNodes"}

cilium_rule_problems(_, rule) := {"every source (an ingress rule without from… peers)"} if {
	every k in cilium_sources {
		not k8s.has_key(rule, k)
	}
}

cilium_rule_problems(p, rule) := {concat("", ["`", k, "` peers"]) |
	some k in cilium_sources
	k != "fromEndpoints"
	k8s.has_key(rule, k)
} | {why |
	some sel in object.get(rule, "fromEndpoints", [])
	some why in cilium_peer_problems(p, sel)
} if {
	some k in cilium_sources
	k8s.has_key(rule, k)
}

cilium_peer_problems(p, sel) := (({"pods that are not the governed API" |
	not requires_governed(label_pairs(sel))
} | {"governed-API pods of other namespaces (a namespace expression)" |
	some e in object.get(sel, "matchExpressions", [])
	bare(e.key) == ns_key
}) | {"governed-API pods of every namespace (no io.kubernetes.pod.namespace)" |
	cluster_wide(p)
	count(pinned(sel)) == 0
}) | {concat("", ["governed-API pods of namespace ", ns, ", where the desired state runs no governed API"]) |
	some ns in pinned(sel)
	not stores.governed_namespaces[ns]
}

pinned(sel) := {v | some [k, v] in label_pairs(sel); k == ns_key}

requires_governed(pairs) if {
	every k, v in params.governedApiSelector {
		[k, v] in pairs
	}
}

# ---- Calico: spec.selector (an expression), ingress[] with action Allow and a source.

opened("calico", p, w) := {[["spec", "ingress", j], why] |
	calico_selects(p, w)
	some j, rule in object.get(p, ["spec", "ingress"], [])
	rule.action == "Allow"
	some why in calico_source_problems(p, object.get(rule, "source", {}))
}

calico_selects(p, w) if {
	every pair in equalities(object.get(p, ["spec", "selector"], "")) {
		k8s.pod_may_have(w, pair[0], pair[1])
	}
	in_scope(p, w)
	calico_namespaces_may_match(p, w)
}

# A global policy's namespaceSelector (a namespaced policy has none: one written there is not Calico's to read).
calico_namespaces_may_match(p, _) if not cluster_wide(p)

calico_namespaces_may_match(p, w) if {
	cluster_wide(p)
	every pair in equalities(object.get(p, ["spec", "namespaceSelector"], "")) {
		calico_namespace_may_match(pair[0], pair[1], k8s.namespace(w))
	}
}

calico_namespace_may_match(k, v, ns) if {
	k in {"projectcalico.org/name", "kubernetes.io/metadata.name"}
	v == ns
}

calico_namespace_may_match(k, _, _) if not k in {"projectcalico.org/name", "kubernetes.io/metadata.name"}

# The `key == 'value'` terms a selector requires: none when it has an `||` (or is not a string), so that a part this
# rule cannot read widens the selector instead of narrowing it.
equalities(sel) := {[m[1], m[2]] |
	is_string(sel)
	not contains(sel, "||")
	some term in split(sel, "&&")
	some m in regex.find_all_string_submatch_n(`^\s*\(?\s*([A-Za-z0-9_./-]+)\s*==\s*['"]([^'"]*)['"]\s*\)?\s*$`, term, 1)
}

calico_source_problems(_, src) := {"every source (an Allow rule without a source selector)"} if {
	not k8s.has_key(src, "selector")
	not k8s.has_key(src, "nets")
	not k8s.has_key(src, "serviceAccounts")
	not k8s.has_key(src, "services")
}

calico_source_problems(p, src) := ((({concat("", ["`", k, "` sources"]) |
	some k in {"nets", "notNets", "notSelector", "serviceAccounts", "services"}
	k8s.has_key(src, k)
} | {"pods that are not the governed API" |
	k8s.has_key(src, "selector")
	not requires_governed(equalities(src.selector))
}) | {"governed-API pods of every namespace (a global policy without a namespaceSelector naming one)" |
	k8s.has_key(src, "selector")
	cluster_wide(p)
	count(calico_named(src)) == 0
}) | {"governed-API pods of other namespaces (a namespaceSelector naming none)" |
	k8s.has_key(src, "namespaceSelector")
	count(calico_named(src)) == 0
}) | {concat("", ["governed-API pods of namespace ", ns, ", where the desired state runs no governed API"]) |
	some ns in calico_named(src)
	not stores.governed_namespaces[ns]
} if {
	some k in {"selector", "nets", "serviceAccounts", "services"}
	k8s.has_key(src, k)
}

calico_named(src) := {v |
	some [k, v] in equalities(object.get(src, "namespaceSelector", ""))
	k in {"projectcalico.org/name", "kubernetes.io/metadata.name"}
}

# ---- Antrea: appliedTo (policy or rule), ingress[] with action Allow or Pass, from[] peers.

opened("antrea", p, w) := {[["spec", "ingress", j], why] |
	some j, rule in object.get(p, ["spec", "ingress"], [])
	object.get(rule, "action", "Allow") in {"Allow", "Pass"}
	some target in array.concat(object.get(rule, "appliedTo", []), object.get(p, ["spec", "appliedTo"], []))
	antrea_applies(p, target, w)
	some why in antrea_rule_problems(p, rule)
}

antrea_applies(p, target, w) if {
	not cluster_wide(p)
	k8s.namespace(p) == k8s.namespace(w)
	k8s.selector_selects_pods(object.get(target, "podSelector", {}), w)
}

antrea_applies(p, target, w) if {
	cluster_wide(p)
	k8s.selector_matches(object.get(target, "namespaceSelector", {}), {"kubernetes.io/metadata.name": k8s.namespace(w)})
	k8s.selector_selects_pods(object.get(target, "podSelector", {}), w)
}

# A namespaceSelector on other labels (which a namespace outside the desired state may carry) is taken to select the
# store's namespace unless it names another one.
antrea_applies(p, target, w) if {
	cluster_wide(p)
	sel := object.get(target, "namespaceSelector", {})
	some k in array.concat([k | some k, _ in object.get(sel, "matchLabels", {})], [e.key | some e in object.get(sel, "matchExpressions", [])])
	k != "kubernetes.io/metadata.name"
	object.get(sel, ["matchLabels", "kubernetes.io/metadata.name"], k8s.namespace(w)) == k8s.namespace(w)
	k8s.selector_selects_pods(object.get(target, "podSelector", {}), w)
}

antrea_rule_problems(_, rule) := {"whatever the NetworkPolicies allow, past the cluster policies after it (a Pass rule)"} if rule.action == "Pass"

antrea_rule_problems(_, rule) := {"every source (an ingress rule without from)"} if {
	object.get(rule, "action", "Allow") == "Allow"
	count(object.get(rule, "from", [])) == 0
}

antrea_rule_problems(p, rule) := {why |
	some peer in rule.from
	some why in antrea_peer_problems(p, peer)
} if {
	object.get(rule, "action", "Allow") == "Allow"
	count(object.get(rule, "from", [])) > 0
}

antrea_peer_problems(p, peer) := ((({concat("", ["`", k, "` peers"]) |
	some k, _ in peer
	not k in {"podSelector", "namespaceSelector", "namespaces"}
} | {"pods that are not the governed API" |
	not requires_governed(label_pairs(object.get(peer, "podSelector", {})))
}) | {"governed-API pods of other namespaces (a namespaceSelector naming none)" |
	k8s.has_key(peer, "namespaceSelector")
	count(antrea_named(peer.namespaceSelector)) == 0
}) | {"governed-API pods of every namespace (a cluster policy peer without a namespace)" |
	cluster_wide(p)
	not k8s.has_key(peer, "namespaceSelector")
	object.get(peer, ["namespaces", "match"], "") != "Self"
}) | {concat("", ["governed-API pods of namespace ", ns, ", where the desired state runs no governed API"]) |
	some ns in antrea_named(object.get(peer, "namespaceSelector", {}))
	not stores.governed_namespaces[ns]
}

antrea_named(sel) := {v |
	v := object.get(sel, ["matchLabels", "kubernetes.io/metadata.name"], null)
	is_string(v)
}
