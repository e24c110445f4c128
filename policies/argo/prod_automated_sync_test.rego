package kfm.argo.prod_automated_sync_test

import data.kfm.argo.prod_automated_sync as rule

app(ns, path, sync) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
	"metadata": {"name": "kfm-api"},
	"spec": {
		"project": "kfm-apps",
		"source": {"repoURL": "https://git.example/kfm/infra.git", "path": path},
		"destination": {"server": "https://kubernetes.default.svc", "namespace": ns},
		"syncPolicy": sync,
	},
}

auto := {"automated": {"prune": true, "selfHeal": true}}

manual := {"syncOptions": ["CreateNamespace=false"]}

count_for(resources, params) := n if {
	vs := rule.violations with input as {"resources": resources, "params": params}
	n := count(vs)
}

test_prod_namespace_automated if {
	vs := rule.violations with input as {"resources": [app("kfm-prod", "apps/kfm-api/overlays/prod", auto)]}
	{[v.id, v.path] | some v in vs} == {["KFM-ARGO-004", ["spec", "syncPolicy", "automated"]]}
}

test_prod_path_automated if {
	count_for([app("kfm", "apps/kfm-api/overlays/prod", auto)], {}) == 1
}

test_prod_manual_passes if {
	count_for([app("kfm-prod", "apps/kfm-api/overlays/prod", manual)], {}) == 0
}

test_dev_automated_passes if {
	count_for([app("kfm-dev", "apps/kfm-api/overlays/dev", auto)], {}) == 0
}

test_allowed_by_config if {
	count_for([app("kfm-prod", "apps/kfm-api/overlays/prod", auto)], {"allowAutomatedProd": true}) == 0
}

test_production_word_is_not_prod if {
	count_for([app("kfm-dev", "apps/production-tools/overlays/dev", auto)], {}) == 0
}

appset(generators, sync) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
	"metadata": {"name": "kfm-apps"},
	"spec": {
		"generators": generators,
		"template": {
			"metadata": {"name": "{{app}}-{{env}}"},
			"spec": {
				"project": "kfm-apps",
				"source": {"repoURL": "https://git.example/kfm/infra.git", "path": "apps/{{app}}/overlays/{{env}}"},
				"destination": {"server": "https://kubernetes.default.svc", "namespace": "kfm-{{env}}"},
				"syncPolicy": sync,
			},
		},
	},
}

test_appset_list_with_prod_element if {
	gens := [{"list": {"elements": [{"app": "kfm-api", "env": "dev"}, {"app": "kfm-api", "env": "prod"}]}}]
	vs := rule.violations with input as {"resources": [appset(gens, auto)]}
	{v.path | some v in vs} == {["spec", "template", "spec", "syncPolicy", "automated"]}
}

test_appset_matrix_nested_list if {
	gens := [{"matrix": {"generators": [
		{"list": {"elements": [{"app": "kfm-api"}]}},
		{"list": {"elements": [{"env": "stage"}, {"env": "prod"}]}},
	]}}]
	count_for([appset(gens, auto)], {}) == 1
}

test_appset_git_directories_prod if {
	gens := [{"git": {"repoURL": "https://git.example/kfm/infra.git", "revision": "main", "directories": [{"path": "apps/*/overlays/prod"}]}}]
	count_for([appset(gens, auto)], {}) == 1
}

test_appset_dev_stage_only_passes if {
	gens := [{"list": {"elements": [{"app": "kfm-api", "env": "dev"}, {"app": "kfm-api", "env": "stage"}]}}]
	count_for([appset(gens, auto)], {}) == 0
}

test_appset_prod_manual_passes if {
	gens := [{"list": {"elements": [{"app": "kfm-api", "env": "prod"}]}}]
	count_for([appset(gens, manual)], {}) == 0
}

test_automation_disabled_passes if {
	count_for([app("kfm-prod", "apps/kfm-api/overlays/prod", {"automated": {"enabled": false}})], {}) == 0
}

# The destination cluster named prod (destination.name instead of a server URL) is prod too.
test_prod_cluster_name_automated if {
	a := json.patch(app("kfm-api", "apps/kfm-api/overlays/main", auto), [{"op": "add", "path": "/spec/destination/name", "value": "cluster-prod"}])
	count_for([a], {}) == 1
}
