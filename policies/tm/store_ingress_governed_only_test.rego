package kfm.tm.store_ingress_governed_only_test

import data.kfm.tm.store_ingress_governed_only as rule

neo4j := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "graph", "namespace": "kfm-data", "labels": {"kfm.dev/tier": "store"}},
	"spec": {"template": {
		"metadata": {"labels": {"app": "graph", "kfm.dev/tier": "store"}},
		"spec": {"containers": [{"name": "neo4j", "image": "neo4j:5"}]},
	}},
}

allow(from) := {
	"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
	"metadata": {"name": "graph-ingress", "namespace": "kfm-data"},
	"spec": {
		"podSelector": {"matchLabels": {"app": "graph"}},
		"policyTypes": ["Ingress"],
		"ingress": [{"from": from, "ports": [{"port": 7687}]}],
	},
}

governed := {"podSelector": {"matchLabels": {"kfm.dev/governed-api": "true"}}}

paths(resources) := ps if {
	vs := rule.violations with input as {"resources": resources}
	ps := {v.path | some v in vs}
}

test_governed_api_only_passes if {
	paths([neo4j, allow([governed])]) == set()
}

# The governed API, deployed in kfm-api.
api := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "api", "namespace": "kfm-api"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "api", "kfm.dev/governed-api": "true"}},
		"spec": {"containers": [{"name": "api", "image": "quay.io/kfm/api@sha256:0"}]},
	}},
}

test_governed_api_from_labelled_namespace_passes if {
	peer := object.union(governed, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-api"}}})
	paths([neo4j, allow([peer]), api]) == set()
}

# A namespace named by the selector where the desired state runs no governed API: whatever pods carry the label
# there get in (a namespace outside the repository, or one whose workloads are not the API). Extra label
# requirements change nothing: a namespace outside the repository has labels the desired state cannot show.
test_governed_api_from_a_namespace_without_it if {
	peer := object.union(governed, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "tenant-x"}}})
	vs := rule.violations with input as {"resources": [neo4j, allow([peer]), api]}
	{v.path | some v in vs} == {["spec", "ingress", 0, "from", 0]}
	some v in vs
	contains(v.msg, "governed-API pods of namespace tenant-x, where the desired state runs no governed API")
	peer2 := object.union(governed, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "tenant-x", "team": "kfm"}}})
	paths([neo4j, allow([peer2]), api]) == {["spec", "ingress", 0, "from", 0]}
	peer3 := object.union(governed, {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["kfm-api", "tenant-x"]}]}})
	paths([neo4j, allow([peer3]), api]) == {["spec", "ingress", 0, "from", 0]}

	# Without the API's Deployment in the desired state, kfm-api is such a namespace too.
	peer4 := object.union(governed, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-api"}}})
	paths([neo4j, allow([peer4])]) == {["spec", "ingress", 0, "from", 0]}
}

test_all_namespaces_peer if {
	peer := object.union(governed, {"namespaceSelector": {}})
	paths([neo4j, allow([peer])]) == {["spec", "ingress", 0, "from", 0]}
}

test_empty_pod_selector_peer if {
	paths([neo4j, allow([governed, {"podSelector": {}}])]) == {["spec", "ingress", 0, "from", 1]}
}

test_other_pods_peer if {
	paths([neo4j, allow([{"podSelector": {"matchLabels": {"app": "ui"}}}])]) == {["spec", "ingress", 0, "from", 0]}
}

test_ip_block_peer if {
	paths([neo4j, allow([{"ipBlock": {"cidr": "10.0.0.0/8"}}])]) == {["spec", "ingress", 0, "from", 0]}
}

test_namespace_selector_without_pod_selector if {
	paths([neo4j, allow([{"namespaceSelector": {"matchLabels": {"team": "kfm"}}}])]) == {["spec", "ingress", 0, "from", 0]}
}

test_rule_without_from_admits_everyone if {
	np := json.remove(allow([]), ["spec/ingress/0/from"])
	paths([neo4j, np]) == {["spec", "ingress", 0]}
}

test_policy_selecting_all_pods_counts if {
	np := object.union(allow([{"podSelector": {}}]), {"spec": {"podSelector": {}}})
	paths([neo4j, np]) == {["spec", "ingress", 0, "from", 0]}
}

test_match_expressions_selecting_store if {
	np := object.union(allow([{"podSelector": {}}]), {"spec": {"podSelector": {
		"matchLabels": {},
		"matchExpressions": [{"key": "kfm.dev/tier", "operator": "In", "values": ["store"]}],
	}}})
	count(paths([neo4j, np])) == 1
}

test_policy_for_other_pods_is_ignored if {
	np := object.union(allow([{"podSelector": {}}]), {"spec": {"podSelector": {"matchLabels": {"app": "ui"}}}})
	paths([neo4j, np]) == set()
}

test_policy_in_other_namespace_is_ignored if {
	np := object.union(allow([{"podSelector": {}}]), {"metadata": {"namespace": "kfm-ui"}})
	paths([neo4j, np]) == set()
}

test_custom_governed_selector if {
	peer := {"podSelector": {"matchLabels": {"role": "gateway"}}}
	count(rule.violations) == 0 with input as {"resources": [neo4j, allow([peer])], "params": {"governedApiSelector": {"role": "gateway"}}}
}

test_one_finding_per_peer_with_every_reason if {
	vs := rule.violations with input as {"resources": [neo4j, allow([{"namespaceSelector": {}}])]}
	count(vs) == 1
	some v in vs
	contains(v.msg, "a peer without a podSelector and every namespace (a namespaceSelector every namespace matches)")
}

test_metadata_name_exists_selects_every_namespace if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]}})
	paths([neo4j, allow([peer])]) == {["spec", "ingress", 0, "from", 0]}
}

test_metadata_name_in_list_is_not_every_namespace if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["kfm-api"]}]}})
	paths([neo4j, allow([peer]), api]) == set()
}

# The policy is in another overlay of the env (kfm-ui's base), the store in its own: judged together.
test_policy_from_another_overlay_admitting_all if {
	inp := {
		"env": "prod",
		"overlays": [{"path": "apps/graph/overlays/prod", "layer": "apps"}, {"path": "apps/ui/overlays/prod", "layer": "apps"}],
		"owners": [0, 1],
		"resources": [neo4j, json.remove(allow([]), ["spec/ingress/0/from"])],
		"shared": [],
	}
	vs := rule.violations with input as inp
	{[v.resource, v.path] | some v in vs} == {[1, ["spec", "ingress", 0]]}
}

# Controller-set labels: a policy selecting the first pod of the StatefulSet selects the store.
test_policy_selecting_statefulset_pod_name if {
	np := object.union(allow([{"podSelector": {}}]), {"spec": {"podSelector": {"matchLabels": {"statefulset.kubernetes.io/pod-name": "graph-0"}}}})
	count(paths([neo4j, np])) == 1
	np2 := object.union(allow([{"podSelector": {}}]), {"spec": {"podSelector": {"matchLabels": {"statefulset.kubernetes.io/pod-name": "graph-3"}}}})
	count(paths([neo4j, np2])) == 0
}

# SP9: selectors that match every namespace but a few (NotIn, DoesNotExist, Exists on another key) do not pin the
# namespaces the governed-API label is trusted in.
unbounded_reason := "every namespace but those it excludes"

test_metadata_name_not_in_is_unbounded if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]}})
	vs := rule.violations with input as {"resources": [neo4j, allow([peer])]}
	{v.path | some v in vs} == {["spec", "ingress", 0, "from", 0]}
	some v in vs
	contains(v.msg, unbounded_reason)
}

test_does_not_exist_is_unbounded if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [{"key": "nobody-sets-this", "operator": "DoesNotExist"}]}})
	paths([neo4j, allow([peer])]) == {["spec", "ingress", 0, "from", 0]}
}

test_exists_on_other_key_is_unbounded if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]}})
	paths([neo4j, allow([peer])]) == {["spec", "ingress", 0, "from", 0]}
}

test_in_with_not_in_is_bounded if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [
		{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["kfm-api", "kfm-ops"]},
		{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kfm-ops"]},
	]}})
	paths([neo4j, allow([peer]), api]) == set()
}

# Namespaces chosen by labels other than their name: whoever can label a namespace (now or later, in or outside the
# repository) adds one, and its pods carrying the governed-API labels get in.
test_namespaces_by_other_labels if {
	every sel in [
		{"matchLabels": {"team": "kfm"}, "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]},
		{"matchLabels": {"team": "api"}},
		{"matchExpressions": [{"key": "team", "operator": "In", "values": ["api"]}]},
	] {
		peer := object.union(governed, {"namespaceSelector": sel})
		paths([neo4j, allow([peer]), api]) == {["spec", "ingress", 0, "from", 0]}
	}
	vs := rule.violations with input as {"resources": [neo4j, allow([object.union(governed, {"namespaceSelector": {"matchLabels": {"team": "api"}}})]), api]}
	some v in vs
	contains(v.msg, "governed-API pods of whatever namespaces carry its labels")
}

# The name pins the namespaces; other labels only narrow them.
test_namespace_by_name_and_labels_passes if {
	peer := object.union(governed, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-api", "team": "api"}}})
	paths([neo4j, allow([peer]), api]) == set()
}

test_in_without_values_is_unbounded_not_bounded if {
	peer := object.union(governed, {"namespaceSelector": {"matchExpressions": [
		{"key": "team", "operator": "In", "values": []},
		{"key": "env", "operator": "NotIn", "values": ["dev"]},
	]}})
	paths([neo4j, allow([peer])]) == {["spec", "ingress", 0, "from", 0]}
}

# Labels a store operator's spec gives the pods (CloudNativePG inheritedMetadata, an OpenSearch node pool's labels):
# a NetworkPolicy selecting the store's pods by them, by matchLabels or by expressions, selects the store.
test_policy_selecting_operator_spec_labels if {
	cnpg := {
		"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
		"metadata": {"name": "records", "namespace": "kfm-data"},
		"spec": {"instances": 3, "inheritedMetadata": {"labels": {"tier": "records-db"}}},
	}
	by_labels := json.patch(allow([{"namespaceSelector": {}}]), [{"op": "replace", "path": "/spec/podSelector", "value": {"matchLabels": {"tier": "records-db"}}}])
	paths([cnpg, by_labels]) == {["spec", "ingress", 0, "from", 0]}
	by_in := json.patch(by_labels, [{"op": "replace", "path": "/spec/podSelector", "value": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["records-db"]}]}}])
	paths([cnpg, by_in]) == {["spec", "ingress", 0, "from", 0]}
	by_exists := json.patch(by_labels, [{"op": "replace", "path": "/spec/podSelector", "value": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}])
	paths([cnpg, by_exists]) == {["spec", "ingress", 0, "from", 0]}
	os := {
		"apiVersion": "opensearch.opster.io/v1", "kind": "OpenSearchCluster",
		"metadata": {"name": "search", "namespace": "kfm-data"},
		"spec": {"general": {"serviceName": "search"}, "nodePools": [{"component": "data", "replicas": 3, "labels": {"tier": "records-db"}}]},
	}
	paths([os, by_labels]) == {["spec", "ingress", 0, "from", 0]}
	other := json.patch(by_labels, [{"op": "replace", "path": "/spec/podSelector", "value": {"matchLabels": {"tier": "web"}}}])
	paths([cnpg, other]) == set()
}

# Calico's and Antrea's NetworkPolicy kinds are KFM-TM-015's: their fields are not these.
test_network_policy_of_a_cni_group_is_left_to_tm_015 if {
	np := object.union(allow([{"ipBlock": {"cidr": "10.0.0.0/8"}}]), {"apiVersion": "projectcalico.org/v3"})
	paths([neo4j, np]) == set()
}
