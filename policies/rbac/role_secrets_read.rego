# METADATA
# title: Roles read secrets only by name
# description: >-
#   get, list or watch on `secrets` without resourceNames reads every secret of the namespace, store credentials
#   and other workloads' tokens included (list and watch return the data too). A Role may read only the secrets it
#   names.
# custom:
#   id: KFM-RBAC-004
#   severity: error
#   remediation: >-
#     Add `resourceNames:` with the secrets the workload needs and keep only `get` (list and watch cannot be limited
#     by name).
package kfm.rbac.role_secrets_read

import data.kfm_lib.k8s

read_verbs := {"get", "list", "watch", "*"}

violations contains v if {
	some i, r in input.resources
	r.kind == "Role"
	some j, rule in object.get(r, "rules", [])
	some g in object.get(rule, "apiGroups", [])
	g in {"", "*"}
	some res in object.get(rule, "resources", [])
	res in {"secrets", "*"}
	some verb in object.get(rule, "verbs", [])
	verb in read_verbs
	count(object.get(rule, "resourceNames", [])) == 0
	v := {
		"id": "KFM-RBAC-004",
		"msg": concat("", ["Role ", k8s.namespace(r), "/", k8s.name(r), " rule ", format_int(j, 10), " reads every secret of the namespace (no resourceNames)"]),
		"resource": i,
		"path": ["rules", j],
	}
}
