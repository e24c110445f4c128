package kfm.rbac.cluster_role_wildcard_test

import data.kfm.rbac.cluster_role_wildcard as rule

cr(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "controller"}, "rules": rules}

test_wildcard_cluster_role_in_any_layer if {
	every layer in ["core", "bootstrap", "apps"] {
		vs := rule.violations with input as {"overlay": {"layer": layer}, "resources": [cr([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}])]}
		{[v.id, v.path] | some v in vs} == {["KFM-RBAC-003", ["rules", 0, "apiGroups", 0]], ["KFM-RBAC-003", ["rules", 0, "resources", 0]]}
	}
}

test_aggregated_cluster_role_without_rules if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "core"}, "resources": [{"kind": "ClusterRole", "metadata": {"name": "agg"}, "aggregationRule": {}}]}
}

test_explicit_cluster_role if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "core"}, "resources": [cr([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])]}
}
