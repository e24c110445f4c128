# METADATA
# title: Every namespace an app deploys to denies ingress by default (stage and prod)
# description: >-
#   No lateral movement: without a default-deny ingress NetworkPolicy every pod of the cluster can open
#   connections to every pod of the namespace, so a compromised UI pod reaches the API's internals, another app's
#   admin port or a store. In the envs listed in the policy parameter isolatedEnvs (default stage and prod), each
#   namespace an apps-layer overlay deploys namespaced objects into must have, somewhere in what that env deploys
#   (any overlay of the env or a platform overlay such as core/baseline), a NetworkPolicy with an empty
#   podSelector, Ingress among its policyTypes and no ingress rules. Apps then allow what they need explicitly. One
#   finding per namespace, on the first object the env puts there. KFM-TM-007 is the same check, as a warning, for
#   the other envs. A run limited to some overlays that renders no platform overlay (--changed-since, --overlay,
#   a promotion's check) has nothing to compare with, and this rule reports nothing there (as KFM-FK-002).
# custom:
#   id: KFM-TM-006
#   severity: error
#   remediation: >-
#     Add a NetworkPolicy `{podSelector: {}, policyTypes: [Ingress]}` for the namespace (in the platform baseline,
#     e.g. core/baseline, or in the app's overlay), then allow the traffic each app needs with its own policies.
package kfm.tm.namespace_default_deny

import data.kfm_lib.isolation
import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	k8s.env in params.isolatedEnvs
	some ns, i in isolation.first_app_object_without_default_deny
	r := input.resources[i]
	v := {
		"id": "KFM-TM-006",
		"msg": concat("", ["namespace ", ns, " (env ", k8s.env, ") has no default-deny ingress NetworkPolicy: every pod of the cluster can reach ", r.kind, " ", k8s.display_name(r), " and the rest of the namespace"]),
		"resource": i,
		"path": isolation.namespace_path(r),
	}
}
