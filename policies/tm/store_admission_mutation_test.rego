package kfm.tm.store_admission_mutation_test

import data.kfm.tm.store_admission_mutation as rule

store(ns) := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": ns, "labels": {"kfm.dev/tier": "store"}},
	"spec": {"template": {"metadata": {"labels": {"app": "postgis"}}, "spec": {"containers": [{"name": "db", "image": "postgis/postgis:16@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]}}},
}

kyverno(kind, ns, rules) := {
	"apiVersion": "kyverno.io/v1", "kind": kind,
	"metadata": object.union({"name": "p"}, {"namespace": ns | ns != ""}),
	"spec": {"rules": rules},
}

to_lb := {"name": "lb", "match": {"any": [{"resources": {"kinds": ["Service"], "namespaces": ["kfm-*"]}}]}, "mutate": {"patchStrategicMerge": {"spec": {"type": "LoadBalancer"}}}}

reported(resources) := n if {
	n := count(rule.violations) with input as {"resources": resources}
}

test_mutators_reaching_a_store if {
	every m in [
		kyverno("ClusterPolicy", "", [to_lb]),
		kyverno("ClusterPolicy", "", [{"name": "all", "match": {"resources": {"kinds": ["*"]}}, "mutate": {"patchesJson6902": "[]"}}]),
		kyverno("ClusterPolicy", "", [{"name": "sel", "match": {"all": [{"resources": {"kinds": ["Pod"], "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kfm-dev"}}}}]}, "mutate": {"foreach": []}}]),
		kyverno("ClusterPolicy", "", [{"name": "gen", "match": {"any": [{"resources": {"kinds": ["Namespace"]}}]}, "generate": {"kind": "NetworkPolicy", "namespace": "{{request.object.metadata.name}}", "data": {}}}]),
		kyverno("ClusterPolicy", "", [{"name": "existing", "match": {"any": [{"resources": {"kinds": ["ConfigMap"], "namespaces": ["tools"]}}]}, "mutate": {"targets": [{"apiVersion": "v1", "kind": "Service", "namespace": "kfm-dev"}]}}]),
		kyverno("Policy", "kfm-dev", [{"name": "own", "match": {"any": [{"resources": {"kinds": ["Service"]}}]}, "mutate": {}}]),
		{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "inject"}, "webhooks": [{"name": "inject.example.org", "rules": [{"resources": ["pods"]}]}]},
		{"apiVersion": "admissionregistration.k8s.io/v1beta1", "kind": "MutatingAdmissionPolicy", "metadata": {"name": "sidecar"}, "spec": {"matchConstraints": {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["tools"]}]}}}},
		{"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "Assign", "metadata": {"name": "lb"}, "spec": {"applyTo": [{"groups": [""], "kinds": ["Service"], "versions": ["v1"]}], "match": {"namespaces": ["kfm-*"]}, "location": "spec.type"}},
		{"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "AssignMetadata", "metadata": {"name": "label"}, "spec": {"match": {"scope": "Namespaced"}, "location": "metadata.labels.kfm\\.dev/governed-api"}},
		{"apiVersion": "policies.kubewarden.io/v1", "kind": "ClusterAdmissionPolicy", "metadata": {"name": "m"}, "spec": {"mutating": true, "module": "registry://x"}},
		{"apiVersion": "policies.kubewarden.io/v1", "kind": "AdmissionPolicy", "metadata": {"name": "m", "namespace": "kfm-dev"}, "spec": {"mutating": true}},
		{"apiVersion": "policy.jspolicy.com/v1beta1", "kind": "JsPolicy", "metadata": {"name": "c.example.org"}, "spec": {"type": "Controller"}},
	] {
		reported([store("kfm-dev"), m]) == 1
	}
	ms := {v.msg | some v in rule.violations} with input as {"resources": [store("kfm-dev"), kyverno("ClusterPolicy", "", [to_lb])]}
	some msg in ms
	contains(msg, "ClusterPolicy p (rule lb) mutates objects at admission in namespace kfm-dev")
}

test_mutators_elsewhere_pass if {
	every m in [
		# Validation only: it can refuse, never change.
		kyverno("ClusterPolicy", "", [{"name": "v", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"pattern": {}}}]),
		kyverno("ClusterPolicy", "", [{"name": "tools", "match": {"any": [{"resources": {"kinds": ["Job"], "namespaces": ["volsync-*"]}}]}, "mutate": {}}]),
		kyverno("ClusterPolicy", "", [{"name": "gen", "match": {"any": [{"resources": {"kinds": ["Namespace"]}}]}, "generate": {"kind": "ConfigMap", "namespace": "tools", "data": {}}}]),
		kyverno("Policy", "tools", [{"name": "own", "match": {"any": [{"resources": {"kinds": ["Service"]}}]}, "mutate": {}}]),
		# Another API group's kinds of the same names.
		{"apiVersion": "example.org/v1", "kind": "Policy", "metadata": {"name": "p", "namespace": "kfm-dev"}, "spec": {"rules": [to_lb]}},
		{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "inject"}, "webhooks": [{"name": "w", "namespaceSelector": {"matchLabels": {"sidecar-injection": "enabled"}}, "rules": [{"resources": ["pods"]}]}]},
		{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingAdmissionPolicy", "metadata": {"name": "jitter"}, "spec": {"matchConstraints": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "volsync-system"}}}}},
		{"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "Assign", "metadata": {"name": "a"}, "spec": {"match": {"namespaces": ["tools"]}}},
		{"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "Assign", "metadata": {"name": "a"}, "spec": {"match": {"excludedNamespaces": ["kfm-*"]}}},
		{"apiVersion": "policies.kubewarden.io/v1", "kind": "ClusterAdmissionPolicy", "metadata": {"name": "v"}, "spec": {"mutating": false}},
		{"apiVersion": "policies.kubewarden.io/v1", "kind": "AdmissionPolicy", "metadata": {"name": "m", "namespace": "tools"}, "spec": {"mutating": true}},
		{"apiVersion": "policy.jspolicy.com/v1beta1", "kind": "JsPolicy", "metadata": {"name": "v.example.org"}, "spec": {"type": "Validating"}},
	] {
		reported([store("kfm-dev"), m]) == 0
	}

	# No store in the namespace: nothing to reach.
	reported([kyverno("ClusterPolicy", "", [to_lb])]) == 0
}
