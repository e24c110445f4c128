# METADATA
# title: Kustomization image overrides in promoted environments use a digest
# description: >-
#   In the environments listed in digestEnvs, the overlay's kustomization `images:` entries are where promotion
#   writes the artifact. An entry that sets only `newTag` or `newName` lets a tag slip through promotion, even when
#   the rendered image looks pinned through another path.
# custom:
#   id: KFM-DP-003
#   severity: error
#   remediation: >-
#     Give the entry a `digest: sha256:<64 hex>` (and drop `newTag`); `kfm-gitops promote` writes it for you.
package kfm.dp.kustomization_image_digest

import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	k8s.env in params.digestEnvs
	some o in k8s.overlays
	some i, entry in object.get(o, ["kustomization", "images"], [])
	not regex.match(`^sha256:[a-f0-9]{64}$`, object.get(entry, "digest", ""))
	v := {
		"id": "KFM-DP-003",
		"msg": concat("", ["kustomization images entry ", object.get(entry, "name", "?"), " has no sha256 digest, required in env ", k8s.env]),
		"file": o.kustomizationFile,
		"path": ["images", i],
	}
}
