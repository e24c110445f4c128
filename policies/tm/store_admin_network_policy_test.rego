package kfm.tm.store_admin_network_policy_test

import data.kfm.tm.store_admin_network_policy as rule

postgis := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "postgis", "kfm.dev/tier": "store"}},
		"spec": {"containers": [{"name": "db", "image": "postgis/postgis:16"}]},
	}},
}

ui := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "ui", "namespace": "kfm-prod"},
	"spec": {"template": {"metadata": {"labels": {"app": "ui"}}, "spec": {"containers": [{"name": "ui", "image": "quay.io/kfm/ui:1"}]}}},
}

anp(kind, subject, action, from) := {
	"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": kind,
	"metadata": {"name": "store-access"},
	"spec": {"priority": 10, "subject": subject, "ingress": [{"name": "r", "action": action, "from": from}]},
}

store_pods := {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"kfm.dev/tier": "store"}}}}

governed := {"pods": {
	"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-prod"}},
	"podSelector": {"matchLabels": {"kfm.dev/governed-api": "true"}},
}}

found(resources) := fs if {
	vs := rule.violations with input as {"resources": resources}
	fs := {[v.resource, v.path] | some v in vs}
}

test_allow_all_namespaces_to_store_pods if {
	found([postgis, ui, anp("AdminNetworkPolicy", store_pods, "Allow", [{"namespaces": {}}])]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_pass_from_other_pods if {
	from := [{"pods": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-prod"}}, "podSelector": {}}}]
	found([postgis, anp("AdminNetworkPolicy", store_pods, "Pass", from)]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_baseline_allow_by_namespace_subject if {
	subject := {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-prod"}}}
	found([postgis, anp("BaselineAdminNetworkPolicy", subject, "Allow", [{"namespaces": {"matchLabels": {"team": "x"}}}])]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_governed_api_peer_passes if {
	found([postgis, anp("AdminNetworkPolicy", store_pods, "Allow", [governed])]) == set()
}

test_governed_api_from_every_namespace_but_one if {
	peer := {"pods": {
		"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]},
		"podSelector": {"matchLabels": {"kfm.dev/governed-api": "true"}},
	}}
	count(found([postgis, anp("AdminNetworkPolicy", store_pods, "Allow", [peer])])) == 1
}

test_deny_passes if {
	found([postgis, anp("AdminNetworkPolicy", store_pods, "Deny", [{"namespaces": {}}])]) == set()
}

test_subject_not_selecting_stores_passes if {
	subject := {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "ui"}}}}
	found([postgis, ui, anp("AdminNetworkPolicy", subject, "Allow", [{"namespaces": {}}])]) == set()
}

test_subject_other_namespace_passes if {
	subject := {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-dev"}}}
	found([postgis, anp("AdminNetworkPolicy", subject, "Allow", [{"namespaces": {}}])]) == set()
}

# The policy is context (another overlay's, cluster-scoped): the finding is on the store the env judges.
test_policy_in_shared_context if {
	inp := {
		"env": "prod", "overlays": [{"path": "apps/postgis/overlays/prod", "layer": "apps"}], "owners": [0],
		"resources": [postgis],
		"shared": [anp("AdminNetworkPolicy", store_pods, "Allow", [{"namespaces": {}}])],
	}
	vs := rule.violations with input as inp
	{v.resource | some v in vs} == {0}
}
