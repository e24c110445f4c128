package kfm.tm.store_namespace_default_deny_test

import data.kfm.tm.store_namespace_default_deny as rule

minio := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "objects", "namespace": "kfm-data"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "objects"}},
		"spec": {"containers": [{"name": "minio", "image": "quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z"}]},
	}},
}

deny(ns) := {
	"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
	"metadata": {"name": "default-deny", "namespace": ns},
	"spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}

test_store_without_default_deny if {
	vs := rule.violations with input as {"resources": [minio]}
	count(vs) == 1
	some v in vs
	[v.id, v.resource, v.path] == ["KFM-TM-003", 0, ["metadata", "namespace"]]
}

test_store_with_default_deny_passes if {
	count(rule.violations) == 0 with input as {"resources": [minio, deny("kfm-data")]}
}

test_default_deny_in_other_namespace_does_not_count if {
	count(rule.violations) == 1 with input as {"resources": [minio, deny("kfm-other")]}
}

test_policy_with_ingress_rules_is_not_default_deny if {
	np := object.union(deny("kfm-data"), {"spec": {"ingress": [{}]}})
	count(rule.violations) == 1 with input as {"resources": [minio, np]}
}

test_egress_only_policy_is_not_default_deny if {
	np := object.union(deny("kfm-data"), {"spec": {"policyTypes": ["Egress"]}})
	count(rule.violations) == 1 with input as {"resources": [minio, np]}
}

test_policy_types_absent_means_ingress if {
	np := json.remove(deny("kfm-data"), ["spec/policyTypes"])
	count(rule.violations) == 0 with input as {"resources": [minio, np]}
}

test_selecting_some_pods_is_not_default_deny if {
	np := object.union(deny("kfm-data"), {"spec": {"podSelector": {"matchLabels": {"app": "objects"}}}})
	count(rule.violations) == 1 with input as {"resources": [minio, np]}
}

test_non_store_needs_nothing if {
	api := object.union(minio, {"spec": {"template": {"spec": {"containers": [{"name": "api", "image": "ghcr.io/kfm/api:1"}]}}}})
	count(rule.violations) == 0 with input as {"resources": [api]}
}

test_one_finding_per_namespace if {
	svc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "objects", "namespace": "kfm-data"}, "spec": {"selector": {"app": "objects"}}}
	vs := rule.violations with input as {"resources": [svc, minio]}
	count(vs) == 1
	some v in vs
	v.resource == 1
	v.msg == "namespace kfm-data holds stores (Deployment objects, Service objects) but this overlay has no default-deny ingress NetworkPolicy for it"
}

# A custom resource named NetworkPolicy (any group a repository writes a CRD for) has none of its semantics.
test_network_policy_of_another_group_is_not_default_deny if {
	np := object.union(deny("kfm-data"), {"apiVersion": "acme.example.com/v1"})
	count(rule.violations) == 1 with input as {"resources": [minio, np]}
}
