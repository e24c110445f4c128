package kfm.dp.env_namespaces_test

import data.kfm.dp.env_namespaces as rule

deployment(ns) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kfm-ui", "namespace": ns}}

# An env input of two overlays: the dev overlay's part moved to prod (placedFrom dev), and prod's own overlay.
env_input(layer) := {
	"env": "prod",
	"overlays": [
		{"path": "apps/kfm-ui/overlays/dev", "env": "prod", "layer": layer, "placedFrom": "dev"},
		{"path": "apps/kfm-ui/overlays/prod", "env": "prod", "layer": layer},
	],
	"owners": [0, 1],
	"resources": [deployment("kfm-prod"), deployment("kfm-prod")],
}

test_object_of_a_laxer_env_overlay if {
	vs := rule.violations with input as env_input("apps")
	{[v.resource, v.path] | some v in vs} == {[0, ["metadata", "namespace"]]}
	some v in vs
	contains(v.msg, "Deployment kfm-ui of overlay apps/kfm-ui/overlays/dev, which deploys to env dev, is placed in namespace kfm-prod of env prod")
}

test_platform_layer_or_own_env_passes if {
	count(rule.violations) == 0 with input as env_input("core")
	count(rule.violations) == 0 with input as {"overlay": {"env": "dev", "layer": "apps"}, "resources": [deployment("kfm-dev")]}
}
