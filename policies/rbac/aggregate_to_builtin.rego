# METADATA
# title: No ClusterRole adds Secret reads, pod exec or escalation to the built-in user-facing roles
# description: >-
#   The API server copies the rules of every ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view`,
#   `-edit`, `-admin` (or OpenShift's `-cluster-reader`) "true" into view, edit, admin (cluster-reader), and admin
#   holds edit, edit holds view. So such a ClusterRole extends every binding of those roles in the cluster, the ones
#   no repository holds included (a team's view of a store's namespace, OpenShift's admin of every project its
#   requester gets): a rule reading Secrets, opening pods/exec, pods/attach, pods/portforward, pods/proxy or
#   services/proxy, creating ServiceAccount tokens, or granting impersonate, escalate or bind hands that to each holder,
#   in every store's namespace they are bound in. (view itself reads no Secret; operators' aggregated roles for their
#   own kinds pass.)
# custom:
#   id: KFM-RBAC-007
#   severity: error
#   remediation: >-
#     Remove the aggregation label, and grant what the rule holds to the subjects that need it with a Role and a
#     RoleBinding of their own namespace.
package kfm.rbac.aggregate_to_builtin

import data.kfm_lib.k8s
import data.kfm_lib.rbac

# Aggregation label -> the built-in roles it reaches (admin holds edit, edit holds view).
reaches := {
	"rbac.authorization.k8s.io/aggregate-to-view": "view, edit and admin",
	"rbac.authorization.k8s.io/aggregate-to-edit": "edit and admin",
	"rbac.authorization.k8s.io/aggregate-to-admin": "admin",
	"rbac.authorization.k8s.io/aggregate-to-cluster-reader": "cluster-reader",
}

violations contains v if {
	some i, r in input.resources
	r.kind == "ClusterRole"
	some label, value in k8s.labels(r)
	roles := reaches[label]
	is_string(value)
	lower(trim_space(value)) == "true"
	some j, rule in object.get(r, "rules", [])
	some what in grants(rule)
	v := {
		"id": "KFM-RBAC-007",
		"msg": concat("", ["ClusterRole ", k8s.display_name(r), " is aggregated into ", roles, " (", label, ") and ", what, ": every holder of those roles gets it, in every namespace they are bound in, stores' included"]),
		"resource": i,
		"path": ["rules", j],
	}
}

core := {"", "*"}

pod_subresources := {"pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy", "pods/*", "*"}

grants(rule) := ((({"reads Secrets" |
	some verb in ["get", "list", "watch"]
	rbac.rbac_rule_on(rule, core, verb)
	rbac.resource_in(rule, {"secrets", "*"})
} | {concat("", ["opens ", res]) |
	some verb in ["create", "get"]
	rbac.rbac_rule_on(rule, core, verb)
	some res in object.get(rule, "resources", [])
	pod_subresources[res]
}) | {"creates ServiceAccount tokens" |
	rbac.rbac_rule_on(rule, core, "create")
	rbac.resource_in(rule, {"serviceaccounts/token", "serviceaccounts/*", "*"})
}) | {"grants impersonate" |
	some g in object.get(rule, "apiGroups", [])
	g in core
	some v in object.get(rule, "verbs", [])
	v in {"impersonate", "*"}
	rbac.resource_in(rule, {"users", "groups", "serviceaccounts", "uids", "userextras/*", "*"})
}) | {concat("", ["grants ", verb]) |
	some verb in ["escalate", "bind"]
	rbac.rbac_rule_on(rule, {"rbac.authorization.k8s.io", "*"}, verb)
	rbac.resource_in(rule, {"roles", "clusterroles", "*"})
}
