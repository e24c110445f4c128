# METADATA
# title: Kinds forbidden in every layer
# description: >-
#   Some kinds must never be delivered from this repository, whatever the layer: by default PodSecurityPolicy,
#   removed from Kubernetes and unsafe to resurrect through a CRD. The list is the policy parameter forbiddenKinds.
#   Plaintext Secret objects are reported by the secret scanner, not here.
# custom:
#   id: KFM-FK-003
#   severity: error
#   remediation: >-
#     Remove the object; use the replacement the platform provides (Pod Security Admission labels on the namespace
#     instead of PodSecurityPolicy).
package kfm.fk.forbidden_kinds

import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	some i, r in input.resources
	r.kind in params.forbiddenKinds
	v := {
		"id": "KFM-FK-003",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " is a forbidden kind in this repository"]),
		"resource": i,
		"path": ["kind"],
	}
}
