# METADATA
# title: Only the store and the governed API get a store's credentials or its pods through RBAC
# description: >-
#   Only the governed API and the store itself may hold a store's credentials, and only the governed API may reach
#   a store. A RoleBinding whose role (a Role of its namespace or a ClusterRole, effective rules) lets its subjects
#   read a store credential Secret by name (get/list/watch on `secrets` with resourceNames naming it: see KFM-TM-005
#   for what a store credential is) or exec into, attach to or port-forward to the pods of a namespace holding a
#   store (pods/exec, pods/attach, pods/portforward or pods/*) hands them the store all the same. Subjects other than
#   the ServiceAccount of a store workload or of a governed-API workload (same namespace as the ServiceAccount)
#   break the trust membrane: another app's ServiceAccount, a user or a group. A ClusterRoleBinding grants the same
#   in every namespace, which is worse: it is reported on each store workload whose credential (a Secret the store
#   references, by name) or pods it opens, and only the ServiceAccount of a store or governed-API workload of that
#   store's own namespace is trusted. A RoleBinding in a namespace holding a store is also judged by the grants that
#   lead there: create/update/patch of pods or of the workloads that run them (a pod mounts any Secret of its
#   namespace and can carry the governed-API labels), `escalate` on roles with a verb that writes them, `bind` of any
#   role with one that writes role bindings, tokens of its ServiceAccounts (create serviceaccounts/token), impersonation
#   and ephemeral containers in its pods (pods/ephemeralcontainers). (Not a ClusterRoleBinding: the GitOps controller and platform operators
#   write workloads in every namespace by design.) Reading every Secret (no resourceNames) is KFM-RBAC-004/005's.
# custom:
#   id: KFM-RBAC-006
#   severity: error
#   remediation: >-
#     Remove the store credential from the rule's resourceNames and the pods/exec, pods/attach and pods/portforward
#     grants (and pod or workload writes, escalate and bind in the store's namespace: deploy through GitOps); let the
#     workload reach the data through the governed API.
package kfm.rbac.store_access

import data.kfm_lib.k8s
import data.kfm_lib.rbac
import data.kfm_lib.stores

violations contains v if {
	some i, b in input.resources
	b.kind == "RoleBinding"
	rules := rbac.binding_rules(b)
	ns := k8s.namespace(b)
	outsiders := [subject_name(s, ns) | some s in object.get(b, "subjects", []); not trusted_subject(s, ns)]
	count(outsiders) > 0
	some what in grants(rules, ns)
	v := {
		"id": "KFM-RBAC-006",
		"msg": concat("", ["RoleBinding ", ns, "/", k8s.display_name(b), " grants ", concat(", ", outsiders), " ", what, "; only the store and the governed API may"]),
		"resource": i,
		"path": ["roleRef", "name"],
	}
}

# A ClusterRoleBinding grants its role in every namespace: it reaches every store. It is judged on each store
# workload of the evaluation (its own resources), never on the binding, so that a binding elsewhere (another part
# of the env, shared context) is judged against every store once. A ServiceAccount subject is trusted only when it
# is of the store's own namespace and runs a store or the governed API there: no other namespace holds this store's
# credentials (KFM-TM-005 reads them by namespace too).
violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	ns := k8s.namespace(w)
	some b in k8s.all
	b.kind == "ClusterRoleBinding"
	rules := rbac.binding_rules(b)
	outsiders := [subject_name(s, "") | some s in object.get(b, "subjects", []); not trusted_in_namespace(s, ns)]
	count(outsiders) > 0
	some what in cluster_grants(rules, w)
	v := {
		"id": "KFM-RBAC-006",
		"msg": concat("", ["ClusterRoleBinding ", k8s.display_name(b), " grants ", concat(", ", outsiders), " ", what, ", which reaches ", w.kind, " ", ns, "/", k8s.display_name(w), "; only the store and the governed API may"]),
		"resource": i,
		"path": ["metadata", "name"],
	}
}

secret_read_verbs := {"get", "list", "watch", "*"}

pod_access_subresources := {"pods/exec", "pods/attach", "pods/portforward", "pods/*"}

core_group(rule) if {
	some g in object.get(rule, "apiGroups", [])
	g in {"", "*"}
}

# Secret names the rules let one read by name.
named_secret_reads(rules) := {n |
	some rule in rules
	core_group(rule)
	some res in object.get(rule, "resources", [])
	res in {"secrets", "*"}
	some verb in object.get(rule, "verbs", [])
	secret_read_verbs[verb]
	some n in object.get(rule, "resourceNames", [])
}

# The pod subresources the rules open (exec, attach, port-forward).
pod_access(rules) := {res |
	some rule in rules
	core_group(rule)
	some res in object.get(rule, "resources", [])
	pod_access_subresources[res]
	some verb in object.get(rule, "verbs", [])
	verb in {"create", "get", "*"}
}

grants(rules, ns) := ({concat("", ["read of store credential Secret ", key]) |
	some n in named_secret_reads(rules)
	key := concat("/", [ns, n])
	stores.store_secret_keys[key]
} | {concat("", [res, " on the pods of ", ns, ", which holds a store"]) |
	stores.store_namespaces[ns]
	some res in pod_access(rules)
}) | {concat("", [what, " in ", ns, ", which holds a store"]) |
	stores.store_namespaces[ns]
	not rbac.admin_equivalent(rules) # every verb on everything: KFM-RBAC-001's
	some what in indirect_access(rules)
}

# Grants that give the rest indirectly (Kubernetes RBAC good practices): creating or changing pods or the workloads
# that run them (a pod can mount any Secret of its namespace, the store's credentials included, and carry the
# governed-API labels the store's NetworkPolicy admits), and granting oneself any permission: `escalate` on roles
# with a verb that writes them, `bind` on roles with one that writes role bindings (without resourceNames: any role).
indirect_access(rules) := (((({concat("", ["writes of pods or of workloads that run them (", concat(", ", sort(writes)), ")"]) |
	writes := workload_writes(rules)
	count(writes) > 0
} | {"escalate on roles (write any permission into a role)" |
	verb_on(rules, "escalate", role_resources, false)
	some w in {"create", "update", "patch", "*"}
	verb_on(rules, w, role_resources, false)
}) | {"bind of any role (bind any permission to anyone)" |
	verb_on(rules, "bind", role_resources, true)
	some w in {"create", "update", "patch", "*"}
	verb_on(rules, w, {"rolebindings", "clusterrolebindings", "*"}, false)
}) | {"tokens of its ServiceAccounts (create serviceaccounts/token): the store's and the governed API's identities" |
	core_verb_on(rules, {"create", "*"}, {"serviceaccounts/token", "serviceaccounts/*"})
}) | {"impersonation (act as its ServiceAccounts, the store's and the governed API's among them)" |
	core_verb_on(rules, {"impersonate", "*"}, {"serviceaccounts", "users", "groups", "uids"})
}) | {"ephemeral containers in its pods (update/patch pods/ephemeralcontainers: a shell in the store's pod)" |
	core_verb_on(rules, {"update", "patch", "*"}, {"pods/ephemeralcontainers"})
}

# A verb of `verbs` (or `*`) on a resource of `resources` in the core API group (or `*`), whatever its resourceNames:
# the names are of ServiceAccounts, users or pods, the store's among them.
core_verb_on(rules, verbs, resources) if {
	some rule in rules
	core_group(rule)
	some res in object.get(rule, "resources", [])
	resources[res]
	some v in object.get(rule, "verbs", [])
	verbs[v]
}

workload_write_verbs := {"create", "update", "patch", "*"}

workload_writes(rules) := {concat("", [verb, " ", res]) |
	some rule in rules
	some res in object.get(rule, "resources", [])
	groups := workload_groups[res]
	some g in object.get(rule, "apiGroups", [])
	groups[g]
	some verb in object.get(rule, "verbs", [])
	workload_write_verbs[verb]
}

# Resource -> the API groups serving it: pods and the controllers that create pods from a template.
workload_groups := {
	"pods": {"", "*"},
	"replicationcontrollers": {"", "*"},
	"deployments": {"apps", "extensions", "*"},
	"statefulsets": {"apps", "*"},
	"daemonsets": {"apps", "extensions", "*"},
	"replicasets": {"apps", "extensions", "*"},
	"jobs": {"batch", "*"},
	"cronjobs": {"batch", "*"},
	"deploymentconfigs": {"apps.openshift.io", "*"},
	"*": {"", "apps", "batch", "*"},
}

role_resources := {"roles", "clusterroles", "*"}

# Whether some rule (RBAC group) grants `verb` on one of `resources`; `unnamed`: only a rule without resourceNames.
verb_on(rules, verb, resources, unnamed) if {
	some rule in rules
	some g in object.get(rule, "apiGroups", [])
	g in {"rbac.authorization.k8s.io", "*"}
	some res in object.get(rule, "resources", [])
	resources[res]
	some v in object.get(rule, "verbs", [])
	v in {verb, "*"}
	not named_only(rule, unnamed)
}

named_only(rule, true) if count([n | some n in object.get(rule, "resourceNames", []); n != ""]) > 0

# What a ClusterRoleBinding's rules give of store workload w: a credential it references, read by name in every
# namespace, or its pods.
cluster_grants(rules, w) := {concat("", ["read of store credential Secret ", k8s.namespace(w), "/", ref.name, " in every namespace"]) |
	names := named_secret_reads(rules)
	some ref in stores.secret_refs(w)
	names[ref.name]
} | {concat("", [res, " on the pods of every namespace"]) | some res in pod_access(rules)}

trusted_in_namespace(s, ns) if {
	object.get(s, "namespace", "") == ns
	trusted_subject(s, ns)
}

subject_name(s, ns) := concat("", [object.get(s, "kind", ""), " ", object.get(s, "namespace", ns), "/", object.get(s, "name", "")]) if s.kind == "ServiceAccount"

subject_name(s, _) := concat("", [object.get(s, "kind", ""), " ", object.get(s, "name", "")]) if s.kind != "ServiceAccount"

# A ServiceAccount the pods of a store or of the governed API run as (in the ServiceAccount's namespace).
trusted_subject(s, ns) if {
	s.kind == "ServiceAccount"
	trusted_service_accounts[[object.get(s, "namespace", ns), s.name]]
}

# [namespace, service account] of every workload running a store or the governed API: made once per evaluation, not
# once per binding subject over every object (issue 20).
trusted_service_accounts contains [k8s.namespace(w), service_account(w)] if {
	some i, w in k8s.all
	k8s.is_workload(w)
	trusted_workload_at(i, w)
}

# Whether the workload at index i of k8s.all runs a store or the governed API, from the store index the other rules share (for a workload,
# being in stores.store_workloads is being a store_workload: no operator kind is a workload kind).
trusted_workload_at(i, _) if stores.store_workloads[i]

trusted_workload_at(_, w) if stores.governed_api(w)

service_account(w) := object.get(k8s.pod_spec(w), "serviceAccountName", object.get(k8s.pod_spec(w), "serviceAccount", "default"))
