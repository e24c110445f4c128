package kfm.tm.store_credentials_test

import data.kfm.tm.store_credentials as rule

db := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "db", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "db"}},
		"spec": {
			"containers": [{"name": "pg", "image": "postgis/postgis:16-3.4", "envFrom": [{"secretRef": {"name": "db-credentials"}}]}],
			"volumes": [{"name": "tls", "secret": {"secretName": "db-tls"}}],
		},
	}},
}

workload(kind, labels, container, volumes) := {
	"apiVersion": "apps/v1", "kind": kind,
	"metadata": {"name": "worker", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": labels},
		"spec": {"containers": [container], "volumes": volumes},
	}},
}

env_ref := {"name": "app", "image": "ghcr.io/kfm/worker:1", "env": [
	{"name": "X", "value": "1"},
	{"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}},
]}

paths(resources) := ps if {
	vs := rule.violations with input as {"resources": resources}
	ps := {v.path | some v in vs}
}

test_worker_with_secret_key_ref if {
	paths([db, workload("Deployment", {"app": "worker"}, env_ref, [])]) == {["spec", "template", "spec", "containers", 0, "env", 1, "valueFrom", "secretKeyRef", "name"]}
}

test_governed_api_may_reference if {
	paths([db, workload("Deployment", {"kfm.dev/governed-api": "true"}, env_ref, [])]) == set()
}

test_env_from_secret_ref if {
	c := {"name": "app", "image": "ghcr.io/kfm/worker:1", "envFrom": [{"configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "db-credentials"}}]}
	paths([db, workload("Deployment", {}, c, [])]) == {["spec", "template", "spec", "containers", 0, "envFrom", 1, "secretRef", "name"]}
}

test_secret_volume if {
	c := {"name": "app", "image": "ghcr.io/kfm/worker:1"}
	paths([db, workload("Deployment", {}, c, [{"name": "t", "secret": {"secretName": "db-tls"}}])]) == {["spec", "template", "spec", "volumes", 0, "secret", "secretName"]}
}

test_projected_volume if {
	c := {"name": "app", "image": "ghcr.io/kfm/worker:1"}
	vol := {"name": "p", "projected": {"sources": [{"configMap": {"name": "cfg"}}, {"secret": {"name": "db-credentials"}}]}}
	paths([db, workload("Deployment", {}, c, [vol])]) == {["spec", "template", "spec", "volumes", 0, "projected", "sources", 1, "secret", "name"]}
}

test_cronjob_paths if {
	cj := {
		"apiVersion": "batch/v1", "kind": "CronJob",
		"metadata": {"name": "backup", "namespace": "kfm-prod"},
		"spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": {"initContainers": [env_ref], "containers": [{"name": "c", "image": "busybox:1"}]}}}}},
	}
	paths([db, cj]) == {["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "env", 1, "valueFrom", "secretKeyRef", "name"]}
}

test_other_secrets_pass if {
	c := {"name": "app", "image": "ghcr.io/kfm/worker:1", "envFrom": [{"secretRef": {"name": "worker-token"}}]}
	paths([db, workload("Deployment", {}, c, [])]) == set()
}

test_same_secret_name_other_namespace_passes if {
	w := object.union(workload("Deployment", {}, env_ref, []), {"metadata": {"namespace": "kfm-dev"}})
	paths([db, w]) == set()
}

# A custom resource that runs pods: a Tekton TaskRun step's envFrom and env, a workflow's secret volume.
test_custom_resource_pods if {
	run := {
		"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
		"metadata": {"name": "dump", "namespace": "kfm-prod"},
		"spec": {"taskSpec": {
			"steps": [{"name": "s", "image": "x", "envFrom": [{"secretRef": {"name": "db-credentials"}}], "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "k"}}}]}],
			"volumes": [{"name": "v", "secret": {"secretName": "db-tls"}}],
		}},
	}
	paths([db, run]) == {
		["spec", "taskSpec", "steps", 0, "envFrom", 0, "secretRef", "name"],
		["spec", "taskSpec", "steps", 0, "env", 0, "valueFrom", "secretKeyRef", "name"],
		["spec", "taskSpec", "volumes", 0, "secret", "secretName"],
	}
}

# Another namespace's secret of the same name, a governed-API pod template, or no namespace named: not reported.
cr_run(ns, labels) := {
	"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
	"metadata": {"name": "dump", "namespace": ns},
	"spec": {"template": {"metadata": {"labels": labels}}, "steps": [{"name": "s", "image": "x", "envFrom": [{"secretRef": {"name": "db-credentials"}}]}]},
}

test_custom_resource_other_namespace_or_governed_passes if {
	paths([db, cr_run("kfm-dev", {})]) == set()
	paths([db, cr_run("kfm-prod", {"kfm.dev/governed-api": "true"})]) == set()
	count(paths([db, cr_run("kfm-prod", {})])) == 1
}
