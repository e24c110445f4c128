# METADATA
# title: No wildcards in app-layer Roles
# description: >-
#   A `*` in a Role's verbs, resources or apiGroups grants permissions nobody reviewed, including ones added by
#   future CRDs (pods/exec, secrets, escalate, bind...). App-layer Roles must list what the workload needs.
# custom:
#   id: KFM-RBAC-002
#   severity: error
#   remediation: >-
#     Replace the `*` with the explicit verbs, resources and API groups the workload uses.
package kfm.rbac.app_role_wildcard

import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	r.kind == "Role"
	k8s.layer_of(i) == "apps"
	some j, rule in object.get(r, "rules", [])
	some field in ["verbs", "resources", "apiGroups"]
	some k, value in object.get(rule, field, [])
	value == "*"
	v := {
		"id": "KFM-RBAC-002",
		"msg": concat("", ["Role ", k8s.namespace(r), "/", k8s.display_name(r), " rule ", format_int(j, 10), " has a wildcard in ", field]),
		"resource": i,
		"path": ["rules", j, field, k],
	}
}
