# METADATA
# title: App-layer bindings do not grant reading every Secret
# description: >-
#   A RoleBinding in the apps layer to a ClusterRole grants that role's effective rules in the namespace. The
#   built-in `edit` and `admin` roles read and write every Secret of the namespace (store credentials included),
#   as does any ClusterRole with get/list/watch on secrets without resourceNames (or with `resourceNames: [""]`),
#   directly or through its aggregationRule. The apps layer may only grant reading the Secrets it names.
# custom:
#   id: KFM-RBAC-005
#   severity: error
#   remediation: >-
#     Bind a Role listing the verbs and resources the workload needs, with `resourceNames` for the Secrets it reads
#     (and only `get`).
package kfm.rbac.app_binding_secrets_read

import data.kfm_lib.k8s
import data.kfm_lib.rbac

violations contains v if {
	some i, r in input.resources
	r.kind in {"RoleBinding", "ClusterRoleBinding"}
	r.roleRef.kind == "ClusterRole"
	k8s.layer_of(i) == "apps"
	rules := rbac.binding_rules(r)

	# cluster-admin equivalents are KFM-RBAC-001's.
	not rbac.admin_equivalent(rules)
	some rule in rules
	rbac.secret_read_unnamed(rule)
	v := {
		"id": "KFM-RBAC-005",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " grants ClusterRole ", r.roleRef.name, ", which reads every Secret of the namespace; the apps layer may read Secrets only by name"]),
		"resource": i,
		"path": ["roleRef", "name"],
	}
}
