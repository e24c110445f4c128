package kfm.tm.service_account_identity_test

import data.kfm.tm.service_account_identity as rule

workload(kind, name, labels, sa) := {
	"apiVersion": "apps/v1", "kind": kind,
	"metadata": {"name": name, "namespace": "kfm-dev"},
	"spec": {"template": {"metadata": {"labels": labels}, "spec": object.union({"containers": [{"name": "c", "image": "x"}]}, sa)}},
}

store := workload("StatefulSet", "postgis", {"app": "postgis", "kfm.dev/tier": "store"}, {"serviceAccountName": "postgis"})

api := workload("Deployment", "kfm-api", {"app": "kfm-api", "kfm.dev/governed-api": "true"}, {"serviceAccountName": "kfm-api"})

paths(resources) := ps if {
	ps := {[v.resource, v.path] | some v in rule.violations} with input as {"resources": resources}
}

test_workload_running_as_a_store_or_the_api if {
	paths([store, api, workload("Deployment", "ui", {"app": "ui"}, {"serviceAccountName": "postgis"})]) == {[2, ["spec", "template", "spec", "serviceAccountName"]]}
	paths([store, api, workload("Job", "dump", {"app": "dump"}, {"serviceAccountName": "kfm-api"})]) == {[2, ["spec", "template", "spec", "serviceAccountName"]]}
	paths([store, api, workload("Deployment", "ui", {"app": "ui"}, {"serviceAccount": "kfm-api"})]) == {[2, ["spec", "template", "spec", "serviceAccount"]]}
	ms := {v.msg | some v in rule.violations} with input as {"resources": [store, workload("Deployment", "ui", {"app": "ui"}, {"serviceAccountName": "postgis"})]}
	some m in ms
	contains(m, "runs as ServiceAccount kfm-dev/postgis, the identity of store StatefulSet postgis")
}

test_own_accounts_and_default_pass if {
	paths([store, api, workload("Deployment", "ui", {"app": "ui"}, {"serviceAccountName": "kfm-ui"})]) == set()
	paths([store, api]) == set()

	# The shared default ServiceAccount, even when a store runs as it.
	paths([workload("StatefulSet", "db", {"app": "db", "kfm.dev/tier": "store"}, {}), workload("Deployment", "ui", {"app": "ui"}, {"serviceAccountName": "default"})]) == set()

	# serviceAccountName wins over the older field.
	paths([store, workload("Deployment", "ui", {"app": "ui"}, {"serviceAccountName": "kfm-ui", "serviceAccount": "postgis"})]) == set()
}

taskrun(spec) := {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "run", "namespace": "kfm-dev"}, "spec": spec}

test_custom_resource_running_as_the_store_account if {
	vs := rule.violations with input as {"resources": [store, taskrun({"pipelineRef": {"name": "p"}, "taskRunTemplate": {"serviceAccountName": "postgis"}})]}
	{[v.resource, v.path] | some v in vs} == {[1, ["spec", "taskRunTemplate", "serviceAccountName"]]}
}

test_custom_resource_with_its_own_account_passes if {
	count(rule.violations) == 0 with input as {"resources": [store, taskrun({"serviceAccountName": "pipeline"})]}
}
