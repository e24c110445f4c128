# METADATA
# title: An env's app overlays deploy only into that env's namespaces
# description: >-
#   An apps-layer object that names the namespace of a stricter env than the one its overlay deploys to (a dev
#   overlay's patch setting `metadata.namespace: kfm-prod`; the namespace names the env, as kfm-prod names prod) is
#   applied there by the laxer env's Application: it reaches prod without being promoted, past the prod overlay, its
#   digests and its review, and two Applications then manage the same objects. The object is judged by the stricter
#   env's rules as well (it is checked where it runs).
# custom:
#   id: KFM-DP-004
#   severity: error
#   remediation: >-
#     Leave the object in the overlay's own env namespace, and deploy it to the other env from that env's overlay
#     (promote it).
package kfm.dp.env_namespaces

import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	k8s.layer_of(i) == "apps"
	overlay := k8s.overlay_of(i)
	from := object.get(overlay, "placedFrom", k8s.env)
	from != k8s.env
	v := {
		"id": "KFM-DP-004",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " of overlay ", object.get(overlay, "path", ""), ", which deploys to env ", from, ", is placed in namespace ", k8s.namespace(r), " of env ", k8s.env, ": an env's overlays deploy only into that env's namespaces"]),
		"resource": i,
		"path": ["metadata", "namespace"],
	}
}
