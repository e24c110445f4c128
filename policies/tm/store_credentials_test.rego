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

# Store operators write the credentials to Secrets of their own naming (or read them from one the spec names).
operator_client(secret) := workload("Deployment", {"app": "worker"}, {"name": "app", "image": "ghcr.io/kfm/worker:1", "envFrom": [{"secretRef": {"name": secret}}]}, [])

operator(api, kind, name, spec) := {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "kfm-prod"}, "spec": spec}

test_operator_credentials_are_store_credentials if {
	cnpg := operator("postgresql.cnpg.io/v1", "Cluster", "pg", {"instances": 3})
	count(paths([cnpg, operator_client("pg-app")])) == 1
	count(paths([cnpg, operator_client("pg-superuser")])) == 1
	count(paths([cnpg, operator_client("pg-ca-not-a-credential")])) == 0
	eck := operator("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", "search", {})
	count(paths([eck, operator_client("search-es-elastic-user")])) == 1
	crunchy := operator("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", "hippo", {})
	count(paths([crunchy, operator_client("hippo-pguser-hippo")])) == 1
	crunchy_users := operator("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", "hippo", {"users": [{"name": "rhino"}]})
	count(paths([crunchy_users, operator_client("hippo-pguser-rhino")])) == 1
	count(paths([crunchy_users, operator_client("hippo-pguser-hippo")])) == 0
	zalando := operator("acid.zalan.do/v1", "postgresql", "acid-main", {"users": {"app_owner": ["createdb"]}})
	count(paths([zalando, operator_client("app_owner.acid-main.credentials.postgresql.acid.zalan.do")])) == 1
	count(paths([zalando, operator_client("postgres.acid-main.credentials.postgresql.acid.zalan.do")])) == 1
	minio := operator("minio.min.io/v2", "Tenant", "lake", {"configuration": {"name": "lake-env"}})
	count(paths([minio, operator_client("lake-env")])) == 1
	mongo := operator("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity", "docs", {"users": [{"name": "u", "passwordSecretRef": {"name": "docs-pw"}}]})
	count(paths([mongo, operator_client("docs-pw")])) == 1
}

test_governed_api_may_use_operator_credentials if {
	cnpg := operator("postgresql.cnpg.io/v1", "Cluster", "pg", {"instances": 3})
	api := workload("Deployment", {"kfm.dev/governed-api": "true"}, {"name": "api", "image": "ghcr.io/kfm/api:1", "envFrom": [{"secretRef": {"name": "pg-app"}}]}, [])
	count(paths([cnpg, api])) == 0
}

test_operator_resource_naming_its_own_credentials if {
	minio := operator("minio.min.io/v2", "Tenant", "lake", {
		"configuration": {"name": "lake-env"},
		"env": [{"name": "MINIO_ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "lake-env", "key": "p"}}}],
	})
	count(paths([minio])) == 0
}

sealed(annotations) := {
	"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
	"metadata": {"name": "db-credentials", "namespace": "kfm-prod"},
	"spec": {"encryptedData": {"password": "AgB"}, "template": {"metadata": {"name": "db-credentials", "annotations": annotations}}},
}

secret(name, ns, annotations) := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns, "annotations": annotations}}

test_store_credentials_copied_out if {
	paths([db, sealed({"reflector.v1.k8s.emberstack.com/reflection-allowed": "true", "reflector.v1.k8s.emberstack.com/reflection-auto-enabled": "true"})]) == {
		["spec", "template", "metadata", "annotations", "reflector.v1.k8s.emberstack.com/reflection-allowed"],
		["spec", "template", "metadata", "annotations", "reflector.v1.k8s.emberstack.com/reflection-auto-enabled"],
	}
	paths([db, secret("db-credentials", "kfm-prod", {"replicator.v1.mittwald.de/replicate-to": "tools"})]) == {["metadata", "annotations", "replicator.v1.mittwald.de/replicate-to"]}
	paths([db, secret("db-tls", "kfm-prod", {"kubed.appscode.com/sync": ""})]) == {["metadata", "annotations", "kubed.appscode.com/sync"]}

	# A mirror elsewhere pulling it, and a PushSecret pushing it.
	paths([db, secret("copy", "tools", {"replicator.v1.mittwald.de/replicate-from": "kfm-prod/db-credentials"})]) == {["metadata", "annotations", "replicator.v1.mittwald.de/replicate-from"]}
	push := {"apiVersion": "external-secrets.io/v1alpha1", "kind": "PushSecret", "metadata": {"name": "p", "namespace": "kfm-prod"}, "spec": {"selector": {"secret": {"name": "db-credentials"}}}}
	paths([db, push]) == {["spec", "selector", "secret", "name"]}
}

test_other_secrets_copied_pass if {
	paths([db, secret("tls-wildcard", "kfm-prod", {"replicator.v1.mittwald.de/replicate-to": "tools"})]) == set()
	paths([db, sealed({"reflector.v1.k8s.emberstack.com/reflection-allowed": "false"})]) == set()
	paths([db, secret("copy", "tools", {"replicator.v1.mittwald.de/replicate-from": "kfm-prod/registry-pull"})]) == set()
}
