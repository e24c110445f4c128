# Effective permissions of RBAC roles: a role's own rules plus, for a ClusterRole with an aggregationRule, the
# rules of every ClusterRole (in what the evaluation sees, or built into Kubernetes: data.kfm_data.rbac) whose
# labels one of its clusterRoleSelectors matches. One level of aggregation among the repo's roles; the built-in
# roles come with their own aggregation already applied.
package kfm_lib.rbac

import data.kfm_data.rbac as rbac_data
import data.kfm_lib.k8s

# name -> {label_sets, rules, selectors} of every ClusterRole, the repo's replacing a built-in of the same name.
cluster_roles := object.union({name: builtin_role(role) | some name, role in rbac_data.builtin_cluster_roles}, repo_cluster_roles)

builtin_role(role) := {"label_sets": [role.labels], "rules": role.rules, "selectors": []}

repo_cluster_role_list := [r | some r in k8s.all; r.kind == "ClusterRole"]

# A name the evaluation sees more than once (two overlays of an env rendering the same ClusterRole differently, or
# a cluster-scoped object shared as context with another definition) counts with everything its definitions hold:
# every rule, every label set, every aggregation selector. The rules ask what a binding could grant, so the union
# is the reading that misses nothing. (A map built with one entry per object stopped the whole evaluation on such a
# repo with a key conflict: the env's rules all went unchecked, seen on christianh814/gitops-examples.)
repo_cluster_roles[name] := {
	"label_sets": [k8s.labels(r) | some r in defs],
	"rules": [rule | some r in defs; some rule in object.get(r, "rules", [])],
	"selectors": [sel | some r in defs; some sel in object.get(r, ["aggregationRule", "clusterRoleSelectors"], [])],
} if {
	some name in {k8s.name(r) | some r in repo_cluster_role_list}
	defs := [r | some r in repo_cluster_role_list; k8s.name(r) == name]
}

# Effective rules of ClusterRole name: its own, and those of every ClusterRole one of its selectors matches (one
# level: the built-in roles come with their aggregation applied).
cluster_role_rules(name) := array.concat(cluster_roles[name].rules, [rule |
	some sel in cluster_roles[name].selectors
	some _, other in cluster_roles
	some lbls in other.label_sets
	k8s.selector_matches(sel, lbls)
	some rule in other.rules
])

# Effective rules a binding grants (a RoleBinding to a Role: the Role of its namespace). Undefined when the role
# is not in the desired state and not built in.
binding_rules(b) := cluster_role_rules(b.roleRef.name) if b.roleRef.kind == "ClusterRole"

binding_rules(b) := [rule | some role in roles; some rule in object.get(role, "rules", [])] if {
	b.kind == "RoleBinding"
	b.roleRef.kind == "Role"

	# Every Role of that name in the binding's namespace (more than one: an env rendering it twice, differently).
	roles := [role |
		some role in k8s.all
		role.kind == "Role"
		k8s.name(role) == b.roleRef.name
		k8s.namespace(role) == k8s.namespace(b)
	]
	count(roles) > 0
}

# Every verb on every resource of every API group: cluster-admin in all but name.
admin_equivalent(rules) if {
	some rule in rules
	"*" in object.get(rule, "apiGroups", [])
	"*" in object.get(rule, "resources", [])
	"*" in object.get(rule, "verbs", [])
}

# Cluster-wide grants that make their holder cluster-admin in one step (Kubernetes RBAC good practices: the
# impersonate, escalate and bind verbs), as reasons: impersonating any user or group (`--as-group system:masters`)
# or any ServiceAccount (kube-system's controllers included); `escalate` on ClusterRoles with a verb that writes them
# (write `*` into a role); `bind` of any ClusterRole, or of cluster-admin, with a verb that writes
# ClusterRoleBindings; creating a token for any ServiceAccount (`serviceaccounts/token`: a controller's token is its
# power); the kubelet API of every node (`nodes/proxy`, get or create: exec in any pod on the node). Only a
# ClusterRoleBinding grants them cluster-wide (a RoleBinding stays in its namespace).
cluster_escalations(rules) := ((({concat("", ["impersonate any of ", res]) |
	some rule in rules
	rbac_rule_on(rule, {"", "*"}, "impersonate")
	some res in object.get(rule, "resources", [])
	res in {"users", "groups", "serviceaccounts", "*"}
	impersonates_anyone(rule, res)
} | {"escalate on ClusterRoles with a verb that writes them" |
	some rule in rules
	rbac_rule_on(rule, {"rbac.authorization.k8s.io", "*"}, "escalate")
	resource_in(rule, {"clusterroles", "*"})
	unnamed(rule)
	some w in rules
	some verb in {"create", "update", "patch"}
	rbac_rule_on(w, {"rbac.authorization.k8s.io", "*"}, verb)
	resource_in(w, {"clusterroles", "*"})
}) | {"bind of any ClusterRole with a verb that writes ClusterRoleBindings" |
	some rule in rules
	rbac_rule_on(rule, {"rbac.authorization.k8s.io", "*"}, "bind")
	resource_in(rule, {"clusterroles", "*"})
	binds_admin(rule)
	some w in rules
	some verb in {"create", "update", "patch"}
	rbac_rule_on(w, {"rbac.authorization.k8s.io", "*"}, verb)
	resource_in(w, {"clusterrolebindings", "*"})
}) | {"create of any ServiceAccount's token (serviceaccounts/token: kube-system's controllers included)" |
	some rule in rules
	rbac_rule_on(rule, {"", "*"}, "create")
	resource_in(rule, {"serviceaccounts/token", "serviceaccounts/*", "*/token", "*/*", "*"})
	unnamed(rule)
}) | {"the kubelet API of every node (nodes/proxy: exec in any pod)" |
	some rule in rules
	some verb in {"get", "create"}
	rbac_rule_on(rule, {"", "*"}, verb)
	resource_in(rule, {"nodes/proxy", "nodes/*", "*/proxy", "*/*", "*"})
	unnamed(rule)
}

# A rule of one of `groups` granting `verb` (or `*`).
rbac_rule_on(rule, groups, verb) if {
	some g in object.get(rule, "apiGroups", [])
	groups[g]
	some v in object.get(rule, "verbs", [])
	v in {verb, "*"}
}

resource_in(rule, resources) if {
	some res in object.get(rule, "resources", [])
	resources[res]
}

named(rule) := [n | some n in object.get(rule, "resourceNames", []); n != ""]

unnamed(rule) if count(named(rule)) == 0

impersonates_anyone(rule, _) if unnamed(rule)

impersonates_anyone(rule, res) if {
	res in {"groups", "*"}
	"system:masters" in named(rule)
}

binds_admin(rule) if unnamed(rule)

binds_admin(rule) if "cluster-admin" in named(rule)

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
