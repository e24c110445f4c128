package kfm.argo.project_wildcards_test

import data.kfm.argo.project_wildcards as rule

project(repos, destinations) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
	"metadata": {"name": "kfm-apps", "namespace": "openshift-gitops"},
	"spec": {"sourceRepos": repos, "destinations": destinations},
}

paths(resources) := ps if {
	vs := rule.violations with input as {"overlay": {"layer": "components"}, "resources": resources}
	ps := {v.path | some v in vs}
}

dest := {"server": "https://kubernetes.default.svc", "namespace": "kfm-*"}

test_scoped_project_passes if {
	paths([project(["https://git.example/kfm/infra.git"], [dest])]) == set()
}

test_wildcard_source_repo if {
	paths([project(["https://git.example/kfm/infra.git", "*"], [dest])]) == {["spec", "sourceRepos", 1]}
}

test_wildcard_destinations if {
	ds := [dest, {"server": "*", "namespace": "kfm-dev"}, {"name": "*", "namespace": "*"}]
	paths([project(["https://git.example/kfm/infra.git"], ds)]) == {
		["spec", "destinations", 1, "server"],
		["spec", "destinations", 2, "name"],
		["spec", "destinations", 2, "namespace"],
	}
}

test_globs_equivalent_to_star if {
	ds := [{"server": "https://kubernetes.default.svc", "namespace": "?*"}, {"server": "**", "namespace": "kfm-*"}]
	paths([project(["https://*", "**"], ds)]) == {
		["spec", "sourceRepos", 0],
		["spec", "sourceRepos", 1],
		["spec", "destinations", 0, "namespace"],
		["spec", "destinations", 1, "server"],
	}
}

test_scoped_globs_pass if {
	ds := [{"server": "https://kubernetes.default.svc", "namespace": "kfm-*"}, {"server": "https://kubernetes.default.svc", "namespace": "!kube-*"}]
	paths([project(["https://git.example/kfm/*"], ds)]) == set()
}

# SP16: source namespaces and namespaced kinds are listed too.
open_project(spec) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "kfm-platform"}, "spec": object.union({"sourceRepos": ["https://git.example.org/kfm/kfm.git"]}, spec)}

wildcard_paths(spec) := ps if {
	vs := data.kfm.argo.project_wildcards.violations with input as {"resources": [open_project(spec)]}
	ps := {v.path | some v in vs}
}

test_source_namespaces_star if {
	wildcard_paths({"sourceNamespaces": ["argocd-apps", "*"]}) == {["spec", "sourceNamespaces", 1]}
}

test_source_namespaces_any_glob if {
	wildcard_paths({"sourceNamespaces": ["kfm-*", "team-?"]}) == {["spec", "sourceNamespaces", 0], ["spec", "sourceNamespaces", 1]}
}

test_source_namespaces_named_pass if {
	wildcard_paths({"sourceNamespaces": ["kfm-apps-argocd"]}) == set()
}

test_namespace_resource_whitelist_star if {
	wildcard_paths({"namespaceResourceWhitelist": [{"group": "apps", "kind": "Deployment"}, {"group": "*", "kind": "*"}, {"group": "", "kind": "**"}]}) == {
		["spec", "namespaceResourceWhitelist", 1, "group"],
		["spec", "namespaceResourceWhitelist", 1, "kind"],
		["spec", "namespaceResourceWhitelist", 2, "kind"],
	}
}

test_namespace_resource_whitelist_listed_pass if {
	wildcard_paths({"namespaceResourceWhitelist": [{"group": "", "kind": "ResourceQuota"}, {"group": "argoproj.io", "kind": "Application"}]}) == set()
}
