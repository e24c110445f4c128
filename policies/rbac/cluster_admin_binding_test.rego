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
	count(rule.violations) == 0 with input as {"overlay": {"layer": "apps"}, "resources": [binding("RoleBinding", "view"), binding("RoleBinding", "edit"), binding("ClusterRoleBinding", "view")]}
}

# edit creates ServiceAccount tokens: bound cluster-wide, that is any ServiceAccount's token, kube-system's included.
test_edit_bound_cluster_wide_is_cluster_admin_in_one_step if {
	vs := rule.violations with input as {"overlay": {"layer": "apps"}, "resources": [binding("ClusterRoleBinding", "edit")]}
	count(vs) == 1
	some v in vs
	contains(v.msg, "binds ClusterRole edit, which grants create of any ServiceAccount's token")
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

role(name, rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}

test_impersonating_groups_is_cluster_admin if {
	imp := role("support", [{"apiGroups": [""], "resources": ["groups"], "verbs": ["impersonate"]}])
	vs := rule.violations with input as {"resources": [imp, crb("support")]}
	{[v.resource, v.path] | some v in vs} == {[1, ["roleRef", "name"]]}
	some v in vs
	contains(v.msg, "impersonate any of groups")
}

test_impersonating_named_users_passes_and_system_masters_does_not if {
	users := role("support", [{"apiGroups": [""], "resources": ["users"], "resourceNames": ["alice"], "verbs": ["impersonate"]}])
	count(rule.violations) == 0 with input as {"resources": [users, crb("support")]}
	masters := role("support", [{"apiGroups": [""], "resources": ["groups"], "resourceNames": ["system:masters"], "verbs": ["impersonate"]}])
	count(rule.violations) == 1 with input as {"resources": [masters, crb("support")]}
}

test_escalate_and_bind_with_their_write_verb_are_cluster_admin if {
	escalate := role("x", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate", "update"]}])
	count(rule.violations) == 1 with input as {"resources": [escalate, crb("x")]}
	escalate_only := role("x", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate", "get"]}])
	count(rule.violations) == 0 with input as {"resources": [escalate_only, crb("x")]}
	bind := role("x", [
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]},
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterrolebindings"], "verbs": ["create"]},
	])
	count(rule.violations) == 1 with input as {"resources": [bind, crb("x")]}
	bind_view := role("x", [
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "resourceNames": ["view"], "verbs": ["bind"]},
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterrolebindings"], "verbs": ["create"]},
	])
	count(rule.violations) == 0 with input as {"resources": [bind_view, crb("x")]}
}

test_impersonation_in_a_role_binding_stays_in_its_namespace if {
	imp := role("support", [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}])
	count(rule.violations) == 0 with input as {"resources": [imp, binding("RoleBinding", "support")]}
}

# A token for any ServiceAccount (kube-system's controllers included) and the kubelet API of every node.
test_token_requests_and_node_proxy_are_cluster_admin if {
	token := role("x", [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}])
	vs := rule.violations with input as {"resources": [token, crb("x")]}
	count(vs) == 1
	some v in vs
	contains(v.msg, "create of any ServiceAccount's token")
	proxy := role("x", [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}])
	count(rule.violations) == 1 with input as {"resources": [proxy, crb("x")]}
	proxy_create := role("x", [{"apiGroups": ["*"], "resources": ["*/proxy"], "verbs": ["create"]}])
	count(rule.violations) == 1 with input as {"resources": [proxy_create, crb("x")]}
}

test_named_tokens_node_reads_and_namespaced_grants_pass if {
	# One named ServiceAccount's token, reading nodes (not their proxy), and the same grants in a namespace.
	named := role("x", [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "resourceNames": ["builder"], "verbs": ["create"]}])
	count(rule.violations) == 0 with input as {"resources": [named, crb("x")]}
	nodes := role("x", [{"apiGroups": [""], "resources": ["nodes", "nodes/status"], "verbs": ["get", "list"]}])
	count(rule.violations) == 0 with input as {"resources": [nodes, crb("x")]}
	token := role("x", [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}])
	count(rule.violations) == 0 with input as {"resources": [token, binding("RoleBinding", "x")]}
}

# Subresource wildcards name the same grants: serviceaccounts/* holds serviceaccounts/token, nodes/* nodes/proxy.
test_subresource_wildcards_are_cluster_admin if {
	token := role("x", [{"apiGroups": [""], "resources": ["serviceaccounts/*"], "verbs": ["create"]}])
	count(rule.violations) == 1 with input as {"resources": [token, crb("x")]}
	proxy := role("x", [{"apiGroups": [""], "resources": ["nodes/*"], "verbs": ["get"]}])
	count(rule.violations) == 1 with input as {"resources": [proxy, crb("x")]}
}
