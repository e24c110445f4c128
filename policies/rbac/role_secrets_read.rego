# METADATA
# title: Roles read secrets only by name
# description: >-
#   get, list or watch on `secrets` without resourceNames reads every secret of the namespace, store credentials
#   and other workloads' tokens included (list and watch return the data too). A Role (and an apps-layer
#   ClusterRole) may read only the secrets it names; `resourceNames: [""]` names nothing (list and watch requests
#   carry the empty name, so they match it).
# custom:
#   id: KFM-RBAC-004
#   severity: error
#   remediation: >-
#     Add `resourceNames:` with the secrets the workload needs and keep only `get` (list and watch cannot be limited
#     by name).
package kfm.rbac.role_secrets_read

import data.kfm_lib.k8s
import data.kfm_lib.rbac

violations contains v if {
	some i, r in input.resources
	judged(i, r)
	some j, rule in object.get(r, "rules", [])
	rbac.secret_read_unnamed(rule)
	v := {
		"id": "KFM-RBAC-004",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " rule ", format_int(j, 10), " reads every secret of the namespace (no resourceNames)"]),
		"resource": i,
		"path": ["rules", j],
	}
}

judged(_, r) if r.kind == "Role"

judged(i, r) if {
	r.kind == "ClusterRole"
	k8s.layer_of(i) == "apps"
}
