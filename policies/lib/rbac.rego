# Effective permissions of RBAC roles: a role's own rules plus, for a ClusterRole with an aggregationRule, the
# rules of every ClusterRole (in what the evaluation sees, or built into Kubernetes: data.kfm_data.rbac) whose
# labels one of its clusterRoleSelectors matches. One level of aggregation among the repo's roles; the built-in
# roles come with their own aggregation already applied.
package kfm_lib.rbac

import data.kfm_data.rbac as rbac_data
import data.kfm_lib.k8s

# name -> {labels, rules} of every ClusterRole, the repo's replacing a built-in of the same name.
cluster_roles := object.union(rbac_data.builtin_cluster_roles, {k8s.name(r): {"labels": k8s.labels(r), "rules": object.get(r, "rules", []), "aggregation": object.get(r, "aggregationRule", null)} |
	some r in k8s.all
	r.kind == "ClusterRole"
})

# Effective rules of ClusterRole name.
cluster_role_rules(name) := array.concat(cluster_roles[name].rules, aggregated_rules(cluster_roles[name]))

aggregated_rules(role) := [rule |
	some sel in object.get(role, ["aggregation", "clusterRoleSelectors"], [])
	some _, other in cluster_roles
	k8s.selector_matches(sel, other.labels)
	some rule in other.rules
] if {
	is_object(object.get(role, "aggregation", null))
}

aggregated_rules(role) := [] if not is_object(object.get(role, "aggregation", null))

# Effective rules a binding grants (a RoleBinding to a Role: the Role of its namespace). Undefined when the role
# is not in the desired state and not built in.
binding_rules(b) := cluster_role_rules(b.roleRef.name) if b.roleRef.kind == "ClusterRole"

binding_rules(b) := object.get(role, "rules", []) if {
	b.kind == "RoleBinding"
	b.roleRef.kind == "Role"
	some role in k8s.all
	role.kind == "Role"
	k8s.name(role) == b.roleRef.name
	k8s.namespace(role) == k8s.namespace(b)
}

# Every verb on every resource of every API group: cluster-admin in all but name.
admin_equivalent(rules) if {
	some rule in rules
	"*" in object.get(rule, "apiGroups", [])
	"*" in object.get(rule, "resources", [])
	"*" in object.get(rule, "verbs", [])
}

read_verbs := {"get", "list", "watch", "*"}

# get/list/watch on Secrets (core group) with no resourceNames. `resourceNames: [""]` names nothing: list and
# watch requests carry the empty name, so such a rule lets them read every Secret.
secret_read_unnamed(rule) if {
	some g in object.get(rule, "apiGroups", [])
	g in {"", "*"}
	some res in object.get(rule, "resources", [])
	res in {"secrets", "*"}
	some verb in object.get(rule, "verbs", [])
	verb in read_verbs
	count([n | some n in object.get(rule, "resourceNames", []); n != ""]) == 0
}
