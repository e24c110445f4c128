package kfm.rbac.cluster_admin_binding_test

import data.kfm.rbac.cluster_admin_binding as rule

binding(kind, role) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
	"metadata": {"name": "b", "namespace": "kfm-dev"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
	"subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "kfm-dev"}],
}

test_cluster_role_binding_to_cluster_admin if {
	vs := rule.violations with input as {"overlay": {"layer": "bootstrap"}, "resources": [binding("ClusterRoleBinding", "cluster-admin")]}
	{[v.id, v.resource, v.path] | some v in vs} == {["KFM-RBAC-001", 0, ["roleRef", "name"]]}
}

test_role_binding_to_cluster_admin if {
	count(rule.violations) == 1 with input as {"overlay": {"layer": "apps"}, "resources": [binding("RoleBinding", "cluster-admin")]}
}

test_other_roles_pass if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "apps"}, "resources": [binding("RoleBinding", "view"), binding("ClusterRoleBinding", "edit")]}
}

crb(role) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": role}, "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "y"}]}

test_aggregating_rbac_defaults_is_cluster_admin if {
	agg := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "helper"}, "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"kubernetes.io/bootstrapping": "rbac-defaults"}}]}, "rules": []}
	vs := rule.violations with input as {"resources": [agg, crb("helper")]}
	{[v.resource, v.path] | some v in vs} == {[1, ["roleRef", "name"]]}
}

test_star_star_star_role_is_cluster_admin if {
	god := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "ops"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]}
	count(rule.violations) == 1 with input as {"resources": [god, crb("ops")]}
}

test_binding_to_a_narrow_role_passes if {
	reader := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}
	count(rule.violations) == 0 with input as {"resources": [reader, crb("reader"), crb("view")]}
}
