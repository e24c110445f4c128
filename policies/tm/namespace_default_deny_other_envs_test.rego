package kfm.tm.namespace_default_deny_other_envs_test

import data.kfm.tm.namespace_default_deny_other_envs as rule

cm(ns) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": ns}}

deny(ns) := {
	"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
	"metadata": {"name": "default-deny-ingress", "namespace": ns},
	"spec": {"podSelector": {}},
}

dev := {"path": "apps/api/overlays/dev", "env": "dev", "layer": "apps"}

test_dev_namespace_without_default_deny_warns if {
	vs := rule.violations with input as {"overlay": dev, "resources": [cm("kfm-dev")]}
	{[v.resource, v.path] | some v in vs} == {[0, ["metadata", "namespace"]]}
}

test_default_deny_without_policy_types_counts if {
	count(rule.violations) == 0 with input as {"overlay": dev, "resources": [cm("kfm-dev"), deny("kfm-dev")]}
}

test_prod_is_left_to_tm_006 if {
	count(rule.violations) == 0 with input as {"overlay": object.union(dev, {"env": "prod"}), "resources": [cm("kfm-prod")]}
}
