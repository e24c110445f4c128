# METADATA
# title: Wildcards in ClusterRoles
# description: >-
#   A `*` in a ClusterRole's verbs, resources or apiGroups grants, cluster-wide, permissions nobody reviewed,
#   including those of CRDs installed later. Controllers sometimes need it (the GitOps controller itself), so this
#   is a warning in every layer: the wildcard should be a conscious, reviewed choice.
# custom:
#   id: KFM-RBAC-003
#   severity: warning
#   remediation: >-
#     List the verbs, resources and API groups explicitly, or record the reason with an exception (owner, expiry).
package kfm.rbac.cluster_role_wildcard

import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	r.kind == "ClusterRole"
	some j, rule in object.get(r, "rules", [])
	some field in ["verbs", "resources", "apiGroups"]
	some k, value in object.get(rule, field, [])
	value == "*"
	v := {
		"id": "KFM-RBAC-003",
		"msg": concat("", ["ClusterRole ", k8s.display_name(r), " rule ", format_int(j, 10), " has a wildcard in ", field]),
		"resource": i,
		"path": ["rules", j, field, k],
	}
}
