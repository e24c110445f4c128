package kfm.rbac.app_role_wildcard_test

import data.kfm.rbac.app_role_wildcard as rule

role(kind, rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "r", "namespace": "kfm-dev"}, "rules": rules}

paths(layer, resources) := ps if {
	vs := rule.violations with input as {"overlay": {"layer": layer}, "resources": resources}
	ps := {v.path | some v in vs}
}

test_wildcards_in_app_role if {
	rules := [
		{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
		{"apiGroups": ["*"], "resources": ["pods", "*"], "verbs": ["get", "*"]},
	]
	paths("apps", [role("Role", rules)]) == {["rules", 1, "apiGroups", 0], ["rules", 1, "resources", 1], ["rules", 1, "verbs", 1]}
}

test_explicit_role_passes if {
	paths("apps", [role("Role", [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}])]) == set()
}

test_core_layer_roles_not_checked if {
	paths("core", [role("Role", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])]) == set()
}

test_cluster_roles_are_another_rule if {
	paths("apps", [role("ClusterRole", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])]) == set()
}
