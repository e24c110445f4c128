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

pvc(name, source) := {
	"apiVersion": "v1", "kind": "PersistentVolumeClaim",
	"metadata": {"name": name, "namespace": "kfm-prod"},
	"spec": object.union({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}, source),
}

copies(resources) := ps if {
	ps := {[v.resource, v.path] | some v in rule.violations} with input as {"resources": resources}
}

test_copies_of_a_store_claim if {
	copies([db, pvc("copy", {"dataSource": {"kind": "PersistentVolumeClaim", "name": "data-postgis-0"}})]) == {[1, ["spec", "dataSource", "name"]]}
	copies([db, pvc("copy", {"dataSourceRef": {"kind": "PersistentVolumeClaim", "name": "postgis-backup"}})]) == {[1, ["spec", "dataSourceRef", "name"]]}
	snap := {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "metadata": {"name": "s", "namespace": "kfm-prod"}, "spec": {"source": {"persistentVolumeClaimName": "data-postgis-0"}}}
	copies([db, snap]) == {[1, ["spec", "source", "persistentVolumeClaimName"]]}
}

test_other_sources_pass if {
	copies([db, pvc("copy", {"dataSource": {"kind": "PersistentVolumeClaim", "name": "uploads"}})]) == set()
	copies([db, pvc("copy", {"dataSource": {"kind": "VolumeSnapshot", "apiGroup": "snapshot.storage.k8s.io", "name": "seed"}})]) == set()

	# The store's own claim restored from a copy of itself.
	copies([db, pvc("postgis-backup", {"dataSource": {"kind": "PersistentVolumeClaim", "name": "data-postgis-0"}})]) == set()
}
