package kfm.rbac.role_secrets_read_test

import data.kfm.rbac.role_secrets_read as rule

role(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader", "namespace": "kfm-dev"}, "rules": rules}

paths(resources) := ps if {
	vs := rule.violations with input as {"overlay": {"layer": "apps"}, "resources": resources}
	ps := {v.path | some v in vs}
}

test_list_all_secrets if {
	paths([role([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}, {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}])]) == {["rules", 1]}
}

test_wildcard_resources_read if {
	paths([role([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}])]) == {["rules", 0]}
}

test_named_secret_passes if {
	paths([role([{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["api-token"], "verbs": ["get"]}])]) == set()
}

test_write_only_passes if {
	paths([role([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]}])]) == set()
}

test_other_api_group_passes if {
	paths([role([{"apiGroups": ["bitnami.com"], "resources": ["secrets"], "verbs": ["get"]}])]) == set()
}

test_core_layer_roles_checked_too if {
	vs := rule.violations with input as {"overlay": {"layer": "core"}, "resources": [role([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["watch"]}])]}
	count(vs) == 1
}

test_empty_resource_name_names_nothing if {
	r := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "kfm-dev"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [""], "verbs": ["list", "watch"]}]}
	count(rule.violations) == 1 with input as {"resources": [r]}
	named := json.patch(r, [{"op": "replace", "path": "/rules/0/resourceNames", "value": ["api-token"]}])
	count(rule.violations) == 0 with input as {"resources": [named]}
}

test_apps_layer_cluster_role if {
	r := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}
	count(rule.violations) == 1 with input as {"overlay": {"layer": "apps"}, "resources": [r]}
	count(rule.violations) == 0 with input as {"overlay": {"layer": "core"}, "resources": [r]}
}
