# METADATA
# title: Argo CD grants no role to every user and lets no one in anonymously
# description: >-
#   Argo CD's own RBAC decides who may sync, delete or exec into what it deploys; its service account applies
#   whatever it is told. A default policy (an ArgoCD instance's spec.rbac.defaultPolicy, argocd-rbac-cm's
#   `policy.default`) other than none or role:readonly gives that role to every user Argo CD authenticates; a `g`
#   line binding a group every user is in (system:authenticated, system:authenticated:oauth on OpenShift) to a role
#   other than role:readonly does the same, and so does a `p` line granting such a group any action but `get`.
#   Anonymous access (argocd-cm `users.anonymous.enabled`, an ArgoCD instance's spec.usersAnonymousEnabled or its
#   extraConfig) gives the default role to whoever reaches the server, through its public route. An AppProject role
#   given to such a group with a policy granting more than `get` is the same grant within the project. Each ArgoCD
#   instance, AppProject and argocd-rbac-cm or argocd-cm ConfigMap is judged alone.
# custom:
#   id: KFM-ARGO-005
#   severity: error
#   remediation: >-
#     Leave the default policy empty (or role:readonly) and grant roles per group (`g, <group>, role:<name>`), never
#     to system:authenticated; keep anonymous access off.
package kfm.argo.instance_rbac

import data.kfm_lib.argo
import data.kfm_lib.k8s

# Roles a default policy or an everyone group may have: nothing, or read-only.
harmless_roles := {"", "role:none", "role:readonly"}

# Groups every authenticated user belongs to (Kubernetes, OpenShift OAuth).
everyone := {"system:authenticated", "system:authenticated:oauth"}

violations contains v if {
	some i, r in input.resources
	some [p, role] in default_policies(r)
	not trim_space(role) in harmless_roles
	v := {
		"id": "KFM-ARGO-005",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " gives every user Argo CD authenticates ", trim_space(role), " (default policy): grant roles per group instead"]),
		"resource": i,
		"path": p,
	}
}

violations contains v if {
	some i, r in input.resources
	some [p, text] in rbac_policies(r)
	some line in split(text, "\n")
	fields := argo.policy_fields(line)
	why := everyone_grant(fields)
	v := {
		"id": "KFM-ARGO-005",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " ", why, " (`", trim_space(line), "`): every user Argo CD authenticates has it"]),
		"resource": i,
		"path": p,
	}
}

violations contains v if {
	some i, r in input.resources
	some p in anonymous_access(r)
	v := {
		"id": "KFM-ARGO-005",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " enables anonymous access: whoever reaches the Argo CD server gets the default role without logging in"]),
		"resource": i,
		"path": p,
	}
}

# An AppProject role whose groups include everyone, with a policy granting more than `get`.
violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	some k, role in object.get(r, ["spec", "roles"], [])
	some g, group in object.get(role, "groups", [])
	everyone[group]
	some line in object.get(role, "policies", [])
	is_string(line)
	fields := argo.policy_fields(line)
	fields[0] == "p"
	count(fields) >= 5
	fields[3] != "get"
	argo.effect(fields) != "deny"
	v := {
		"id": "KFM-ARGO-005",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " gives its role ", object.get(role, "name", ""), " (", trim_space(line), ") to ", group, ": every user Argo CD authenticates has it"]),
		"resource": i,
		"path": ["spec", "roles", k, "groups", g],
	}
}

# `g, <everyone>, <role>`: the role, unless harmless.
everyone_grant(fields) := concat("", ["binds ", fields[1], " to ", fields[2]]) if {
	fields[0] == "g"
	count(fields) >= 3
	everyone[fields[1]]
	not fields[2] in harmless_roles
}

# `p, <everyone>, <resource>, <action>, <object>[, allow]`: any action but get, allowed.
everyone_grant(fields) := concat("", ["lets ", fields[1], " ", fields[3], " ", fields[2], " ", fields[4]]) if {
	fields[0] == "p"
	count(fields) >= 5
	everyone[fields[1]]
	fields[3] != "get"
	argo.effect(fields) != "deny"
}

default_policies(r) := {[["spec", "rbac", "defaultPolicy"], role] |
	argo.instance(r)
	role := r.spec.rbac.defaultPolicy
	is_string(role)
} | {[["data", "policy.default"], role] |
	argo.config_map(r, "argocd-rbac-cm")
	role := r.data["policy.default"]
	is_string(role)
}

# [path, CSV text] of the RBAC policies: an instance's spec.rbac.policy, argocd-rbac-cm's `policy.csv` and
# `policy.<name>.csv` (Argo CD reads every key so named).
rbac_policies(r) := {[["spec", "rbac", "policy"], text] |
	argo.instance(r)
	text := r.spec.rbac.policy
	is_string(text)
} | {[["data", key], text] |
	argo.config_map(r, "argocd-rbac-cm")
	some key, text in object.get(r, "data", {})
	regex.match(`^policy(\..+)?\.csv$`, key)
	is_string(text)
}

anonymous_access(r) := {p |
	argo.instance(r)
	some [p, value] in [
		[["spec", "usersAnonymousEnabled"], object.get(r, ["spec", "usersAnonymousEnabled"], false)],
		[["spec", "extraConfig", "users.anonymous.enabled"], object.get(r, ["spec", "extraConfig", "users.anonymous.enabled"], "false")],
	]
	argo.enabled(value)
} | {["data", "users.anonymous.enabled"] |
	argo.config_map(r, "argocd-cm")
	argo.enabled(object.get(r, ["data", "users.anonymous.enabled"], "false"))
}
