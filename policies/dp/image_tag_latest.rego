# METADATA
# title: No image uses the latest tag or no tag at all
# description: >-
#   `:latest` and untagged images (which mean latest) change under the same manifest, so what is deployed depends on
#   when a node pulled it and a revert in Git does not revert the workload. This applies in every environment,
#   dev included. An image pinned by digest is exempt: the digest decides what runs.
# custom:
#   id: KFM-DP-002
#   severity: error
#   remediation: >-
#     Use an explicit version tag in dev (for example `:1.4.2`) and a digest in promoted environments.
package kfm.dp.image_tag_latest

import data.kfm_lib.k8s

violations contains v if {
	some i, cs in k8s.input_image_containers
	r := input.resources[i]
	some c in cs
	key := object.get(c, "key", "image")
	img := object.get(c.container, key, "")
	is_string(img)
	not k8s.image_has_digest(img)
	some why in floating(img)
	v := {
		"id": "KFM-DP-002",
		"msg": concat("", ["image \"", img, "\" of container ", object.get(c.container, "name", "?"), " in ", r.kind, " ", k8s.display_name(r), " ", why]),
		"resource": i,
		"path": array.concat(c.path, [key]),
	}
}

floating(img) := {"uses the floating tag :latest" | k8s.image_tag(img) == "latest"} | {"has no tag, which means :latest" | not k8s.image_tag(img)}
