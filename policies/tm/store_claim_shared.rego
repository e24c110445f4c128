# METADATA
# title: Only the store mounts the store's volumes
# description: >-
#   The data of a store lives on its PersistentVolumeClaims: the claims its pods mount and the ones its
#   StatefulSet volumeClaimTemplates create (<template>-<statefulset>-<ordinal>). Another workload mounting such a
#   claim (a Job in another app, a debug Pod, the API itself) reads and writes the data directly, bypassing the
#   store's access control and the governed API. Workloads that are themselves stores (a replica, a backup run
#   with the store's image) are not reported.
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
