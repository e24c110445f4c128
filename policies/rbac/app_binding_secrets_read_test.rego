package kfm.rbac.app_binding_secrets_read_test

import data.kfm.rbac.app_binding_secrets_read as rule

rb(role) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "kfm-prod"}, "roleRef": {"kind": "ClusterRole", "name": role}, "subjects": []}

apps := {"path": "apps/kfm-ui/overlays/prod", "env": "prod", "layer": "apps"}

test_binding_to_builtin_edit_and_admin if {
	vs := rule.violations with input as {"overlay": apps, "resources": [rb("edit"), rb("admin"), rb("view")]}
	{v.resource | some v in vs} == {0, 1}
}

test_cluster_role_in_the_platform_reading_all_secrets if {
	# The ClusterRole comes from a platform overlay (context), the binding from the apps layer.
	secrets := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "secret-reader"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [""], "verbs": ["list"]}]}
	inp := {"env": "prod", "overlays": [apps], "owners": [0], "resources": [rb("secret-reader")], "shared": [secrets]}
	count(rule.violations) == 1 with input as inp
}

test_other_layers_and_named_reads_pass if {
	count(rule.violations) == 0 with input as {"overlay": object.union(apps, {"layer": "core"}), "resources": [rb("edit")]}
	named := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "token-reader"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["api-token"], "verbs": ["get"]}]}
	count(rule.violations) == 0 with input as {"overlay": apps, "resources": [named, rb("token-reader")]}
}

test_cluster_admin_is_left_to_rbac_001 if {
	count(rule.violations) == 0 with input as {"overlay": apps, "resources": [rb("cluster-admin")]}
}
