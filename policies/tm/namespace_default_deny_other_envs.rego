# METADATA
# title: Every namespace an app deploys to denies ingress by default (other envs)
# description: >-
#   KFM-TM-006 for the envs not listed in the policy parameter isolatedEnvs (dev and any other env): a namespace
#   an apps-layer overlay deploys into has no default-deny ingress NetworkPolicy anywhere in what the env deploys.
#   A warning, so that dev matches stage and prod before promotion.
# custom:
#   id: KFM-TM-007
#   severity: warning
#   remediation: >-
#     Add a NetworkPolicy `{podSelector: {}, policyTypes: [Ingress]}` for the namespace (platform baseline or app
#     overlay) and allow each app's traffic explicitly.
package kfm.tm.namespace_default_deny_other_envs

import data.kfm_lib.isolation
import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	not k8s.env in params.isolatedEnvs
	some ns, i in isolation.first_app_object_without_default_deny
	r := input.resources[i]
	v := {
		"id": "KFM-TM-007",
		"msg": concat("", ["namespace ", ns, " (env ", k8s.env, ") has no default-deny ingress NetworkPolicy: every pod of the cluster can reach ", r.kind, " ", k8s.display_name(r), " and the rest of the namespace"]),
		"resource": i,
		"path": isolation.namespace_path(r),
	}
}
