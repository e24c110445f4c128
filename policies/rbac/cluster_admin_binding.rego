# METADATA
# title: No binding to cluster-admin or its equivalent
# description: >-
#   cluster-admin grants every verb on every resource in every namespace. Binding it, cluster-wide or in a
#   namespace, from the desired-state repo turns any compromise of the bound subject into full control of the
#   cluster, and hides the actual permissions the subject needs. The rule judges what a binding grants, not the
#   role's name: a ClusterRole or Role with a rule `apiGroups: ["*"], resources: ["*"], verbs: ["*"]`, or a
#   ClusterRole whose aggregationRule selects cluster-admin (e.g. `kubernetes.io/bootstrapping: rbac-defaults`),
#   is cluster-admin under another name. So is a ClusterRoleBinding to a role that lets its subjects become
#   cluster-admin in one step: impersonate any user, group (`system:masters`) or ServiceAccount, `escalate` on
#   ClusterRoles with a verb that writes them, `bind` of any ClusterRole (or cluster-admin) with a verb that writes
#   ClusterRoleBindings, create tokens for any ServiceAccount (`serviceaccounts/token`), or reach the kubelet API of
#   every node (`nodes/proxy`). This applies to every layer, the GitOps controller included.
# custom:
#   id: KFM-RBAC-001
#   severity: error
#   remediation: >-
#     Bind a ClusterRole or Role listing the verbs and resources the subject actually needs.
package kfm.rbac.cluster_admin_binding

import data.kfm_lib.k8s
import data.kfm_lib.rbac

violations contains v if {
	some i, r in input.resources
	r.kind in {"RoleBinding", "ClusterRoleBinding"}
	rbac.admin_equivalent(rbac.binding_rules(r))
	v := {
		"id": "KFM-RBAC-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " binds ", r.roleRef.kind, " ", r.roleRef.name, why(r.roleRef.name)]),
		"resource": i,
		"path": ["roleRef", "name"],
	}
}

why("cluster-admin") := ""

why(name) := ", which grants every verb on every resource (cluster-admin in all but name)" if name != "cluster-admin"

violations contains v if {
	some i, r in input.resources
	r.kind == "ClusterRoleBinding"
	rules := rbac.binding_rules(r)
	not rbac.admin_equivalent(rules)
	reasons := rbac.cluster_escalations(rules)
	count(reasons) > 0
	v := {
		"id": "KFM-RBAC-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " binds ", r.roleRef.kind, " ", r.roleRef.name, ", which grants ", concat(" and ", sort(reasons)), " in every namespace: cluster-admin in one step"]),
		"resource": i,
		"path": ["roleRef", "name"],
	}
}
