package kfm.tm.governed_api_identity_test

import data.kfm.tm.governed_api_identity as rule

deployment(name, labels) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": name, "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": labels},
		"spec": {"containers": [{"name": "c", "image": "ghcr.io/kfm/x@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]},
	}},
}

governed := {"app": "x", "kfm.dev/governed-api": "true"}

env_input(resources, apps) := {
	"env": "prod",
	"params": {"repoApps": ["kfm-api", "kfm-ui"]},
	"overlays": [{"path": concat("", ["apps/", app, "/overlays/prod"]), "env": "prod", "layer": "apps", "app": app} | some app in apps],
	"owners": [i | some i, _ in apps],
	"resources": resources,
}

ids(input_doc) := {[v.resource, v.path] | some v in rule.violations with input as input_doc}

test_governed_api_app_may_carry_the_labels if {
	count(ids(env_input([deployment("kfm-api", governed)], ["kfm-api"]))) == 0
}

test_another_app_claiming_the_labels if {
	ids(env_input([deployment("kfm-api", governed), deployment("ui", governed)], ["kfm-api", "kfm-ui"])) == {[1, ["spec", "template", "metadata", "labels", "kfm.dev/governed-api"]]}
}

test_another_app_without_the_labels if {
	count(ids(env_input([deployment("ui", {"app": "ui"})], ["kfm-ui"]))) == 0
}

test_an_overlay_that_is_no_app if {
	doc := {
		"env": "prod",
		"overlays": [{"path": "core/baseline/overlays/prod", "env": "prod", "layer": "core"}],
		"owners": [0],
		"resources": [deployment("gw", governed)],
		"params": {"repoApps": ["kfm-api"]},
	}
	vs := rule.violations with input as doc
	some v in vs
	contains(v.msg, "overlay core/baseline/overlays/prod is not a governed API")
}

test_a_custom_resource_running_pods if {
	cr := {
		"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
		"metadata": {"name": "t", "namespace": "kfm-prod"},
		"spec": {"template": {"metadata": {"labels": governed}}},
	}
	ids(env_input([cr], ["kfm-ui"])) == {[0, ["spec", "template", "metadata", "labels", "kfm.dev/governed-api"]]}
}

test_the_apps_come_from_the_params if {
	doc := object.union(env_input([deployment("ui", governed)], ["kfm-ui"]), {"params": {"governedApiApps": ["kfm-ui"], "repoApps": ["kfm-ui"]}})
	count(ids(doc)) == 0
}

test_the_selector_comes_from_the_params if {
	doc := object.union(env_input([deployment("ui", {"team/api": "yes"})], ["kfm-ui"]), {"params": {"governedApiSelector": {"team/api": "yes"}, "repoApps": ["kfm-api"]}})
	ids(doc) == {[0, ["spec", "template", "metadata", "labels", "team/api"]]}
}

test_a_repository_without_a_governed_api_app if {
	# Each app runs a governed API of its own (the bench repos): no kfm-api folder, nothing to judge by.
	doc := object.union(env_input([deployment("ui", governed)], ["amber-deeds"]), {"params": {"repoApps": ["amber-deeds"]}})
	count(ids(doc)) == 0
}

# A store operator's resource giving its pods the governed-API labels in its spec (CloudNativePG inheritedMetadata,
# a node pool's labels, an override's pod template): the store's pods would pass for the governed API.
test_operator_spec_labels_claiming_the_governed_api if {
	cnpg := {
		"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
		"metadata": {"name": "records", "namespace": "kfm-prod"},
		"spec": {"instances": 3, "inheritedMetadata": {"labels": governed}},
	}
	ids(env_input([cnpg], ["kfm-ui"])) == {[0, ["spec", "inheritedMetadata", "labels", "kfm.dev/governed-api"]]}
	os := {
		"apiVersion": "opensearch.opster.io/v1", "kind": "OpenSearchCluster",
		"metadata": {"name": "search", "namespace": "kfm-prod"},
		"spec": {"nodePools": [{"component": "data", "replicas": 3, "labels": governed}]},
	}
	ids(env_input([os], ["kfm-ui"])) == {[0, ["spec", "nodePools", 0, "labels", "kfm.dev/governed-api"]]}
	plain := json.patch(cnpg, [{"op": "replace", "path": "/spec/inheritedMetadata/labels", "value": {"app": "records"}}])
	count(ids(env_input([plain], ["kfm-ui"]))) == 0
}
