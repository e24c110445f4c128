# METADATA
# title: Images in promoted environments are pinned by digest
# description: >-
#   Promotion moves a tested artifact, not a name: a tag can be re-pushed, a digest cannot. In the environments
#   listed in the policy parameter digestEnvs (default stage and prod), every container, initContainer and
#   ephemeralContainer image, and every image a custom resource's spec names (a Tekton step, an Argo Workflows
#   container, a KubeVirt container disk), must end in `@sha256:` followed by 64 hex digits, so what runs is exactly
#   what passed validation in the environment before.
# custom:
#   id: KFM-DP-001
#   severity: error
#   remediation: >-
#     Set the image digest in the overlay's kustomization (`images: [{name: ..., digest: sha256:...}]`), normally by
#     running `kfm-gitops promote`, which copies the digest from the previous environment.
package kfm.dp.image_digest

import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	k8s.env in params.digestEnvs
	some i, r in input.resources
	some c in k8s.image_containers(r)
	img := object.get(c.container, "image", "")
	not k8s.image_digest_pinned(img)
	v := {
		"id": "KFM-DP-001",
		"msg": concat("", ["image \"", img, "\" of container ", object.get(c.container, "name", "?"), " in ", r.kind, " ", k8s.display_name(r), " is not pinned by digest (@sha256:...), required in env ", k8s.env]),
		"resource": i,
		"path": array.concat(c.path, ["image"]),
	}
}
