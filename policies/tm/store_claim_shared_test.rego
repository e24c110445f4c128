package kfm.tm.store_claim_shared_test

import data.kfm.tm.store_claim_shared as rule

db := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {
		"replicas": 1,
		"template": {"spec": {
			"containers": [{"name": "pg", "image": "postgis/postgis:16-3.4"}],
			"volumes": [{"name": "backup", "persistentVolumeClaim": {"claimName": "postgis-backup"}}],
		}},
		"volumeClaimTemplates": [{"metadata": {"name": "data"}}],
	},
}

job(claim) := {
	"apiVersion": "batch/v1", "kind": "Job",
	"metadata": {"name": "export", "namespace": "kfm-prod"},
	"spec": {"template": {"spec": {
		"containers": [{"name": "x", "image": "ghcr.io/kfm/export:1"}],
		"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}],
	}}},
}

# The Job is in another app's overlay of the env.
env_input(resources) := {"env": "prod", "overlays": [{"layer": "apps"}, {"layer": "apps"}], "owners": [0, 1], "resources": resources, "shared": []}

test_job_mounting_the_volume_claim_template if {
	vs := rule.violations with input as env_input([db, job("data-postgis-0")])
	{[v.resource, v.path] | some v in vs} == {[1, ["spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"]]}
}

test_job_mounting_a_claim_the_store_mounts if {
	count(rule.violations) == 1 with input as env_input([db, job("postgis-backup")])
}

test_other_claims_and_namespaces_pass if {
	count(rule.violations) == 0 with input as env_input([db, job("export-scratch")])
	other_ns := object.union(job("data-postgis-0"), {"metadata": {"namespace": "kfm-dev"}})
	count(rule.violations) == 0 with input as env_input([db, other_ns])
}
