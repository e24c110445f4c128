# METADATA
# title: Argo CD's web terminal opens no shell for anyone but Argo CD's admins
# description: >-
#   With the web terminal on (argocd-cm `exec.enabled`, an ArgoCD instance's spec.extraConfig), Argo CD's server
#   opens a shell in any pod of an Application, with its own service account, for whoever Argo CD's RBAC lets
#   `exec, create` it. Kubernetes RBAC never sees that user: the pods/exec grants KFM-RBAC-006 refuses in a store's
#   namespace come back through Argo CD, stores included. Argo CD's admins (role:admin) may already change what it
#   deploys; any other role, group or user granted exec (a resource and an action whose glob or regular expression
#   matches `exec` and `create`) in the instance's policy (spec.rbac.policy, argocd-rbac-cm policy*.csv of the same
#   namespace) or in an AppProject role of the run, while the terminal is on, is reported on the setting that turns
#   it on.
# custom:
#   id: KFM-ARGO-006
#   severity: error
#   remediation: >-
#     Keep the web terminal off (remove `exec.enabled`, or set it to "false"), or grant exec to no role but
#     role:admin; reach the data through the governed API.
package kfm.argo.web_terminal

import data.kfm_lib.argo
import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	some p in terminal_on(r)
	some why in exec_grants(r)
	v := {
		"id": "KFM-ARGO-006",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " turns Argo CD's web terminal on, and ", why, ": a shell in every pod it may open, stores included, with Argo CD's service account"]),
		"resource": i,
		"path": p,
	}
}

# Where the terminal is turned on: the ConfigMap Argo CD reads, or an ArgoCD instance's extra configuration (the
# operator writes it into that ConfigMap).
terminal_on(r) := {p |
	argo.instance(r)
	p := ["spec", "extraConfig", "exec.enabled"]
	argo.enabled(object.get(r, p, "false"))
} | {p |
	argo.config_map(r, "argocd-cm")
	p := ["data", "exec.enabled"]
	argo.enabled(object.get(r, p, "false"))
}

# The exec grants the terminal hands out: the instance's own policy, argocd-rbac-cm beside an argocd-cm, and every
# AppProject role of the run (AppProjects are in every evaluation's input).
exec_grants(r) := ({why |
	argo.instance(r)
	text := r.spec.rbac.policy
	is_string(text)
	some why in line_grants(text, concat("", ["ArgoCD ", k8s.display_name(r)]))
} | {why |
	argo.config_map(r, "argocd-cm")
	some c in k8s.all
	argo.config_map(c, "argocd-rbac-cm")
	k8s.namespace(c) == k8s.namespace(r)
	some key, text in object.get(c, "data", {})
	regex.match(`^policy(\..+)?\.csv$`, key)
	is_string(text)
	some why in line_grants(text, concat("", ["argocd-rbac-cm ", key]))
}) | {why |
	some project in object.get(input, ["run", "appProjects"], [])
	some role in object.get(project, ["spec", "roles"], [])
	some line in object.get(role, "policies", [])
	is_string(line)
	some why in line_grants(line, concat("", ["AppProject ", k8s.display_name(project), " role ", object.get(role, "name", "")]))
}

line_grants(text, where) := {why |
	some line in split(text, "\n")
	fields := argo.policy_fields(line)
	fields[0] == "p"
	count(fields) >= 5
	matches(fields[2], "exec")
	matches(fields[3], "create")
	argo.effect(fields) != "deny"
	fields[1] != "role:admin"
	why := concat("", [where, " lets ", fields[1], " exec (`", trim_space(line), "`)"])
}

# Argo CD matches a policy's resource and action as globs, or as regular expressions (policy.matchMode: regex):
# either reading counts.
matches(pattern, name) if glob.match(pattern, null, name)

matches(pattern, name) if {
	regex.is_valid(pattern)
	regex.match(pattern, name)
}
