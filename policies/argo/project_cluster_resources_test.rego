package kfm.argo.project_cluster_resources_test

import data.kfm.argo.project_cluster_resources as rule

project(name, whitelist) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
	"metadata": {"name": name},
	"spec": {"clusterResourceWhitelist": whitelist},
}

test_app_project_wildcard if {
	vs := rule.violations with input as {"resources": [project("kfm-apps", [{"group": "", "kind": "Namespace"}, {"group": "*", "kind": "*"}])]}
	{[v.id, v.resource, v.path] | some v in vs} == {["KFM-ARGO-002", 0, ["spec", "clusterResourceWhitelist", 1]]}
}

test_wildcard_kind_only if {
	count(rule.violations) == 1 with input as {"resources": [project("kfm-apps", [{"group": "rbac.authorization.k8s.io", "kind": "*"}])]}
}

# SP16: the platform project lists its cluster-scoped kinds too (README: neither project uses `*`).
test_platform_project_flagged_by_default if {
	vs := rule.violations with input as {"resources": [project("kfm-platform", [{"group": "*", "kind": "*"}])]}
	{v.path | some v in vs} == {["spec", "clusterResourceWhitelist", 0]}
}

test_platform_projects_param if {
	count(rule.violations) == 0 with input as {
		"resources": [project("infra", [{"group": "*", "kind": "*"}])],
		"params": {"platformProjects": ["infra"]},
	}
}

test_glob_equivalent_to_star if {
	p := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "kfm-apps"}, "spec": {"clusterResourceWhitelist": [{"group": "?*", "kind": "Namespace"}, {"group": "", "kind": "**"}, {"group": "", "kind": "Namespace"}]}}
	vs := data.kfm.argo.project_cluster_resources.violations with input as {"resources": [p]}
	{v.path | some v in vs} == {["spec", "clusterResourceWhitelist", 0], ["spec", "clusterResourceWhitelist", 1]}
}
