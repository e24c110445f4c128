package kfm.dp.image_tag_latest_test

import data.kfm.dp.image_tag_latest as rule

job(image) := {
	"apiVersion": "batch/v1", "kind": "Job",
	"metadata": {"name": "index", "namespace": "kfm-dev"},
	"spec": {"template": {"spec": {"containers": [{"name": "indexer", "image": image}]}}},
}

flagged(image) if {
	vs := rule.violations with input as {"overlay": {"env": "dev"}, "resources": [job(image)]}
	some v in vs
	v.id == "KFM-DP-002"
	v.path == ["spec", "template", "spec", "containers", 0, "image"]
}

test_latest_tag if flagged("ghcr.io/kfm/indexer:latest")

test_no_tag if flagged("ghcr.io/kfm/indexer")

test_registry_port_is_not_a_tag if flagged("registry.local:5000/kfm/indexer")

test_version_tag_passes if not flagged("ghcr.io/kfm/indexer:2.0.1")

test_registry_port_with_tag_passes if not flagged("registry.local:5000/kfm/indexer:2.0.1")

test_digest_passes if not flagged("ghcr.io/kfm/indexer@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")

test_latest_with_digest_passes if not flagged("ghcr.io/kfm/indexer:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")

test_every_workload_shape_is_checked if {
	spec := {"containers": [{"name": "c", "image": "ghcr.io/kfm/api:latest"}]}
	shapes := [
		{"kind": "Rollout", "apiVersion": "argoproj.io/v1alpha1", "metadata": {"name": "r"}, "spec": {"template": {"spec": spec}}},
		{"kind": "DeploymentConfig", "apiVersion": "apps.openshift.io/v1", "metadata": {"name": "d"}, "spec": {"template": {"spec": spec}}},
		{"kind": "PodTemplate", "apiVersion": "v1", "metadata": {"name": "t"}, "template": {"spec": spec}},
		{"kind": "ReplicaSet", "apiVersion": "apps/v1", "metadata": {"name": "s"}, "spec": {"template": {"spec": spec}}},
	]
	vs := rule.violations with input as {"resources": shapes}
	{[v.resource, v.path] | some v in vs} == {
		[0, ["spec", "template", "spec", "containers", 0, "image"]],
		[1, ["spec", "template", "spec", "containers", 0, "image"]],
		[2, ["template", "spec", "containers", 0, "image"]],
		[3, ["spec", "template", "spec", "containers", 0, "image"]],
	}
}

test_rollout_with_workload_ref_has_no_containers_of_its_own if {
	r := {"kind": "Rollout", "apiVersion": "argoproj.io/v1alpha1", "metadata": {"name": "r"}, "spec": {"workloadRef": {"kind": "Deployment", "name": "api"}}}
	count(rule.violations) == 0 with input as {"resources": [r]}
}

# A hook Job has metadata.generateName only: the message names it by that, not by an empty string.
test_generated_name_in_message if {
	hook := json.patch(job("alpine:latest"), [
		{"op": "remove", "path": "/metadata/name"},
		{"op": "add", "path": "/metadata/generateName", "value": "upgrade-sql-"},
	])
	vs := rule.violations with input as {"overlay": {"env": "dev"}, "resources": [hook]}
	some v in vs
	contains(v.msg, " in Job upgrade-sql-<generated> uses")
}

test_unnamed_in_message if {
	bare := json.remove(job("alpine:latest"), ["metadata/name"])
	vs := rule.violations with input as {"overlay": {"env": "dev"}, "resources": [bare]}
	some v in vs
	contains(v.msg, " in Job (unnamed) uses")
}
