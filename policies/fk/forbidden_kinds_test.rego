package kfm.fk.forbidden_kinds_test

import data.kfm.fk.forbidden_kinds as rule

psp := {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "privileged"}}

cm := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "kfm-dev"}}

test_psp_forbidden_in_every_layer if {
	every layer in ["apps", "core", "bootstrap"] {
		vs := rule.violations with input as {"overlay": {"layer": layer}, "resources": [cm, psp]}
		{[v.id, v.resource, v.path] | some v in vs} == {["KFM-FK-003", 1, ["kind"]]}
	}
}

test_configured_kinds if {
	vs := rule.violations with input as {"overlay": {"layer": "core"}, "resources": [cm, psp], "params": {"forbiddenKinds": ["ConfigMap"]}}
	{v.resource | some v in vs} == {0}
}
