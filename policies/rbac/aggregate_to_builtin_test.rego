package kfm.rbac.aggregate_to_builtin_test

import data.kfm.rbac.aggregate_to_builtin as rule

role(labels, rules) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
	"metadata": {"name": "more", "labels": labels},
	"rules": rules,
}

view := {"rbac.authorization.k8s.io/aggregate-to-view": "true"}

paths(resources) := ps if {
	ps := {v.path | some v in rule.violations} with input as {"resources": resources}
}

test_sensitive_grants_aggregated_into_builtin_roles if {
	every r in [
		{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
		{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
		{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
		{"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["*"]},
		{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]},
		{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]},
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]},
	] {
		paths([role(view, [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}, r])]) == {["rules", 1]}
	}
	every label in [
		"rbac.authorization.k8s.io/aggregate-to-edit",
		"rbac.authorization.k8s.io/aggregate-to-admin",
		"rbac.authorization.k8s.io/aggregate-to-cluster-reader",
	] {
		paths([role({label: "true"}, [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}])]) == {["rules", 0]}
	}
	ms := {v.msg | some v in rule.violations} with input as {"resources": [role(view, [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}])]}
	some m in ms
	contains(m, "is aggregated into view, edit and admin")
	contains(m, "reads Secrets")
}

test_harmless_or_not_aggregated_passes if {
	# An operator's aggregated role for its own kinds, and a view role's own reads.
	paths([role({"rbac.authorization.k8s.io/aggregate-to-edit": "true"}, [{"apiGroups": ["cert-manager.io"], "resources": ["*"], "verbs": ["*"]}])]) == set()
	paths([role(view, [{"apiGroups": [""], "resources": ["pods", "services", "configmaps"], "verbs": ["get", "list", "watch"]}])]) == set()

	# The label off, or absent: a role of its own, judged by its bindings.
	paths([role({"rbac.authorization.k8s.io/aggregate-to-view": "false"}, [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}])]) == set()
	paths([role({}, [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}])]) == set()

	# A namespaced Role with the label aggregates into nothing.
	r := json.patch(role(view, [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]), [{"op": "replace", "path": "/kind", "value": "Role"}])
	paths([r]) == set()
}
