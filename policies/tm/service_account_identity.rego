# METADATA
# title: Only a store's and the governed API's own workloads run as their ServiceAccounts
# description: >-
#   A ServiceAccount is an identity: RBAC grants a store's and the governed API's ServiceAccounts what the other rules
#   trust them with (KFM-RBAC-006 lets them read a store's credentials and open its pods), and Vault's Kubernetes
#   auth, a cloud's workload identity or a mesh's authorization policies give them the store and its secrets by name.
#   A workload of another app that names either ServiceAccount (spec.serviceAccountName, or the older
#   serviceAccount) in the same namespace runs with that identity, past the governed API. The shared `default`
#   ServiceAccount is no one's identity and is not judged here.
# custom:
#   id: KFM-TM-014
#   severity: error
#   remediation: >-
#     Give the workload a ServiceAccount of its own, and let it reach the data through the governed API.
package kfm.tm.service_account_identity

import data.kfm_lib.k8s
import data.kfm_lib.stores

violations contains v if {
	some i, r in input.resources
	k8s.is_workload(r)
	not stores.store_workloads[i]
	not stores.governed_api(r)
	[field, key] := account(r)
	some whose in owners[key]
	v := {
		"id": "KFM-TM-014",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " runs as ServiceAccount ", key, ", the identity of ", whose, ": it is neither, and gets what that identity is granted"]),
		"resource": i,
		"path": array.concat(k8s.pod_spec_path(r), [field]),
	}
}

# A custom resource that runs pods as a ServiceAccount it names anywhere in its spec (a Tekton TaskRun's or
# PipelineRun's serviceAccountName or taskRunTemplate, an Argo Workflow's, a SparkApplication driver's
# serviceAccount): the pods it makes run as that identity. A TaskRun running as postgis's ServiceAccount passed.
violations contains v if {
	some i, r in input.resources
	not k8s.is_workload(r) # a workload's pods: read above, from its pod template
	k8s.own_spec_has_any_key(i, account_key_pattern)
	r.kind != "CustomResourceDefinition" # runs no pods; a context CRD's schemas are not given (policy/input.ts)
	walk(r.spec, [p, node])
	is_object(node)
	some field in ["serviceAccountName", "serviceAccount"]
	name := node[field]
	is_string(name)
	not name in {"", "default"}
	key := concat("/", [k8s.namespace(r), name])
	some whose in owners[key]
	not own_identity(r)
	v := {
		"id": "KFM-TM-014",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " runs its pods as ServiceAccount ", key, ", the identity of ", whose, ": it is neither, and gets what that identity is granted"]),
		"resource": i,
		"path": array.concat(array.concat(["spec"], p), [field]),
	}
}

account_key_pattern := `"serviceAccount(?:Name)?":`

# A store operator's resource runs the store itself, as whatever ServiceAccount it names.
own_identity(r) if k8s.operator_kind(r)

# [field, "namespace/name"] of the ServiceAccount a workload's pods run as, when named and not `default`.
account(w) := [field, concat("/", [k8s.namespace(w), name])] if {
	spec := k8s.pod_spec(w)
	some field in ["serviceAccountName", "serviceAccount"]
	name := spec[field]
	is_string(name)
	not name in {"", "default"}
	not first_field_set(spec, field)
}

# serviceAccountName wins over serviceAccount when both are set.
first_field_set(spec, "serviceAccount") if is_string(spec.serviceAccountName)

# "namespace/name" -> who runs as it, for the stores' and the governed API's ServiceAccounts: made once per evaluation
# (a handful of entries), so each workload costs a look-up.
owners := {key: {who | some [k, who] in identities; k == key} | some [key, _] in identities}

identities := {[account(w)[1], concat("", ["store ", w.kind, " ", k8s.display_name(w)])] |
	some j in stores.store_workloads
	w := k8s.all[j]
	k8s.is_workload(w)
	account(w)
} | {[account(w)[1], concat("", ["the governed API (", w.kind, " ", k8s.display_name(w), ")"])] |
	some w in k8s.all
	k8s.is_workload(w)
	stores.governed_api(w)
	account(w)
}
