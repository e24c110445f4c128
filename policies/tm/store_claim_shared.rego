# METADATA
# title: Only the store mounts the store's volumes
# description: >-
#   The data of a store lives on its PersistentVolumeClaims: the claims its pods mount and the ones its
#   StatefulSet volumeClaimTemplates create (<template>-<statefulset>-<ordinal>). Another workload mounting such a
#   claim (a Job in another app, a debug Pod, the API itself) reads and writes the data directly, bypassing the
#   store's access control and the governed API. Workloads that are themselves stores (a replica, a backup run
#   with the store's image) are not reported. A copy of a store's claim holds the data too: a PersistentVolumeClaim
#   cloned from one (dataSource, dataSourceRef) and a VolumeSnapshot of one are reported.
# custom:
#   id: KFM-TM-009
#   severity: error
#   remediation: >-
#     Remove the volume; read the data through the governed API, or run the task as part of the store's own
#     workload (owned and reviewed with it).
package kfm.tm.store_claim_shared

import data.kfm_lib.k8s
import data.kfm_lib.stores

violations contains v if {
	some i, w in input.resources
	k8s.is_workload(w)
	not stores.store_workloads[i]
	some ref in stores.claim_refs(w)
	stores.store_claim(k8s.namespace(w), ref.name)
	v := {
		"id": "KFM-TM-009",
		"msg": concat("", [w.kind, " ", k8s.namespace(w), "/", k8s.display_name(w), " mounts PersistentVolumeClaim ", ref.name, ", which holds a store's data; only the store may mount it"]),
		"resource": i,
		"path": ref.path,
	}
}

# A copy of a store's volume holds its data as well: a PersistentVolumeClaim cloned from a store's claim (spec.dataSource
# or dataSourceRef naming it: CSI volume cloning), and a VolumeSnapshot of one (restorable into any claim, a snapshot
# content outlives its namespace). A store's own claim restored from a copy is the store's.
violations contains v if {
	some i, pvc in input.resources
	pvc.kind == "PersistentVolumeClaim"
	not stores.store_claim(k8s.namespace(pvc), k8s.name(pvc))
	some field in ["dataSource", "dataSourceRef"]
	source := pvc.spec[field]
	object.get(source, "kind", "") == "PersistentVolumeClaim"
	object.get(source, "apiGroup", "") == ""
	ns := object.get(source, "namespace", k8s.namespace(pvc))
	stores.store_claim(ns, source.name)
	v := {
		"id": "KFM-TM-009",
		"msg": concat("", ["PersistentVolumeClaim ", k8s.namespace(pvc), "/", k8s.display_name(pvc), " is cloned from PersistentVolumeClaim ", ns, "/", source.name, ", which holds a store's data: the copy holds it too; only the store may have it"]),
		"resource": i,
		"path": ["spec", field, "name"],
	}
}

violations contains v if {
	some i, snap in input.resources
	snap.kind == "VolumeSnapshot"
	startswith(object.get(snap, "apiVersion", ""), "snapshot.storage.k8s.io/")
	claim := snap.spec.source.persistentVolumeClaimName
	is_string(claim)
	stores.store_claim(k8s.namespace(snap), claim)
	v := {
		"id": "KFM-TM-009",
		"msg": concat("", ["VolumeSnapshot ", k8s.namespace(snap), "/", k8s.display_name(snap), " snapshots PersistentVolumeClaim ", claim, ", which holds a store's data: any claim can be restored from it; only the store may have it"]),
		"resource": i,
		"path": ["spec", "source", "persistentVolumeClaimName"],
	}
}
