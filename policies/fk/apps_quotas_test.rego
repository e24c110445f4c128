package kfm.fk.apps_quotas_test

import data.kfm.fk.apps_quotas as rule

quota := {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "kfm-ui", "namespace": "kfm-prod"}, "spec": {"hard": {"pods": "100"}}}

limits := {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "kfm-ui", "namespace": "kfm-prod"}, "spec": {"limits": []}}

test_apps_layer_quota_and_limit_range if {
	vs := rule.violations with input as {"overlay": {"layer": "apps"}, "resources": [quota, limits]}
	{[v.id, v.resource, v.path] | some v in vs} == {["KFM-FK-004", 0, ["kind"]], ["KFM-FK-004", 1, ["kind"]]}
}

test_platform_layer_may if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "core"}, "resources": [quota, limits]}
}

test_other_group_same_kind_is_not_the_quota if {
	crd := object.union(quota, {"apiVersion": "example.com/v1"})
	count(rule.violations) == 0 with input as {"overlay": {"layer": "apps"}, "resources": [crd]}
}

test_env_input_judges_each_overlay if {
	inp := {
		"env": "prod",
		"overlays": [{"path": "core/baseline", "layer": "core"}, {"path": "apps/kfm-ui/overlays/prod", "layer": "apps"}],
		"owners": [0, 1],
		"resources": [quota, limits],
		"shared": [],
	}
	{v.resource | some v in rule.violations} == {1} with input as inp
}

project(spec) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "kfm-apps"}, "spec": spec}

blacklist := [{"group": "", "kind": "ResourceQuota"}, {"group": "", "kind": "LimitRange"}]

test_apps_project_blacklisting_both_passes if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "components"}, "resources": [project({"namespaceResourceBlacklist": blacklist})]}
}

test_apps_project_without_blacklist if {
	vs := rule.violations with input as {"overlay": {"layer": "components"}, "resources": [project({"destinations": []})]}
	count(vs) == 2
}

test_apps_project_blacklist_by_glob_passes if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "components"}, "resources": [project({"namespaceResourceBlacklist": [{"group": "", "kind": "*"}]})]}
}

test_apps_project_whitelist_without_quota_passes if {
	count(rule.violations) == 0 with input as {"overlay": {"layer": "components"}, "resources": [project({"namespaceResourceWhitelist": [{"group": "apps", "kind": "Deployment"}]})]}
}

test_apps_project_whitelist_star_allows_limit_range if {
	vs := rule.violations with input as {"overlay": {"layer": "components"}, "resources": [project({
		"namespaceResourceWhitelist": [{"group": "*", "kind": "*"}],
		"namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}],
	})]}
	count(vs) == 1
	some v in vs
	contains(v.msg, "LimitRange")
}

test_other_projects_not_judged if {
	other := object.union(project({}), {"metadata": {"name": "team-x"}})
	count(rule.violations) == 0 with input as {"overlay": {"layer": "components"}, "resources": [other]}
}
