# METADATA
# title: No binding to cluster-admin
# description: >-
#   cluster-admin grants every verb on every resource in every namespace. Binding it, cluster-wide or in a
#   namespace, from the desired-state repo turns any compromise of the bound subject into full control of the
#   cluster, and hides the actual permissions the subject needs. This applies to every layer, the GitOps controller
#   included.
# custom:
#   id: KFM-RBAC-001
#   severity: error
#   remediation: >-
#     Bind a ClusterRole or Role listing the verbs and resources the subject actually needs.
package kfm.rbac.cluster_admin_binding

import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	r.kind in {"RoleBinding", "ClusterRoleBinding"}
	r.roleRef.kind == "ClusterRole"
	r.roleRef.name == "cluster-admin"
	v := {
		"id": "KFM-RBAC-001",
		"msg": concat("", [r.kind, " ", k8s.name(r), " binds cluster-admin"]),
		"resource": i,
		"path": ["roleRef", "name"],
	}
}
