package kfm.tm.namespace_default_deny_test

import data.kfm.tm.namespace_default_deny as rule
import data.kfm.tm.namespace_default_deny_other_envs as other

svc(ns) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": ns}, "spec": {"selector": {"app": "api"}}}

deny(ns) := {
	"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
	"metadata": {"name": "default-deny-ingress", "namespace": ns},
	"spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}

overlay(app, env) := {"path": concat("/", ["apps", app, "overlays", env]), "env": env, "layer": "apps", "app": app}

# Two apps of prod in one evaluation; ui's namespace has no default deny.
env_input(shared) := {
	"env": "prod",
	"overlays": [overlay("api", "prod"), overlay("ui", "prod")],
	"owners": [0, 0, 1],
	"resources": [svc("kfm-prod"), deny("kfm-prod"), svc("kfm-ui-prod")],
	"shared": shared,
}

platform := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kfm-prod"}}

test_namespace_without_default_deny_in_prod if {
	vs := rule.violations with input as env_input([platform])
	{[v.resource, v.path] | some v in vs} == {[2, ["metadata", "namespace"]]}
	count(other.violations) == 0 with input as env_input([platform])
}

test_default_deny_from_another_overlay_or_the_platform_counts if {
	count(rule.violations) == 0 with input as env_input([deny("kfm-ui-prod")])
}

test_one_finding_per_namespace_on_the_first_object if {
	inp := {"overlay": overlay("api", "prod"), "resources": [deny("x"), svc("kfm-prod"), object.union(svc("kfm-prod"), {"metadata": {"name": "b"}})]}
	vs := rule.violations with input as inp
	{v.resource | some v in vs} == {1}
}

test_platform_layers_are_not_judged if {
	inp := {"overlay": {"env": "prod", "layer": "core"}, "resources": [svc("kfm-prod")]}
	count(rule.violations) == 0 with input as inp
}

test_dev_is_a_warning_not_an_error if {
	inp := {"overlay": overlay("api", "dev"), "resources": [svc("kfm-dev")]}
	count(rule.violations) == 0 with input as inp
	count(other.violations) == 1 with input as inp
}

test_policy_with_ingress_rules_is_not_default_deny if {
	open := object.union(deny("kfm-prod"), {"spec": {"ingress": [{}]}})
	inp := {"overlay": overlay("api", "prod"), "resources": [svc("kfm-prod"), open]}
	count(rule.violations) == 1 with input as inp
}

test_isolated_envs_param if {
	inp := {"overlay": overlay("api", "dev"), "resources": [svc("kfm-dev")], "params": {"isolatedEnvs": ["dev"]}}
	count(rule.violations) == 1 with input as inp
	count(other.violations) == 0 with input as inp
}

# A run limited to app overlays (no platform overlay rendered) cannot see the baseline: nothing to judge.
test_partial_run_without_platform_reports_nothing if {
	count(rule.violations) == 0 with input as object.union(env_input([]), {"shared": []})
	with_core := object.union(env_input([]), {"overlays": [overlay("api", "prod"), overlay("ui", "prod"), {"path": "core/x/overlays/prod", "env": "prod", "layer": "core"}]})
	count(rule.violations) == 1 with input as with_core
}
