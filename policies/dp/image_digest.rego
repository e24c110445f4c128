# METADATA
# title: Images in promoted environments are pinned by digest
# description: >-
#   Promotion moves a tested artifact, not a name: a tag can be re-pushed, a digest cannot. In the environments
#   listed in the policy parameter digestEnvs (default stage and prod), every container, initContainer and
#   ephemeralContainer image, and every image a custom resource's spec names (a Tekton step, an Argo Workflows
#   container, a KubeVirt container disk, a CloudNativePG `imageName`, a Zalando `dockerImage`), must end in `@sha256:` followed by 64 hex digits, so what runs is exactly
#   what passed validation in the environment before. An OpenShift image trigger that follows an ImageStreamTag (a
#   DeploymentConfig `ImageChange` trigger with `automatic: true`, or the `image.openshift.io/triggers` annotation
#   of a Deployment, StatefulSet, DaemonSet, Job or CronJob, not paused) replaces the pinned image with whatever the
#   tag points to, at any time and outside Git: it is reported too (remove it, or set `automatic: false` or
#   `"paused": true`).
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
	some i, cs in k8s.input_image_containers
	r := input.resources[i]
	some c in cs
	key := object.get(c, "key", "image")
	img := object.get(c.container, key, "")
	not k8s.image_digest_pinned(img)
	v := {
		"id": "KFM-DP-001",
		"msg": concat("", ["image \"", img, "\" of container ", object.get(c.container, "name", "?"), " in ", r.kind, " ", k8s.display_name(r), " is not pinned by digest (@sha256:...), required in env ", k8s.env]),
		"resource": i,
		"path": array.concat(c.path, [key]),
	}
}

# OpenShift image triggers: the cluster rewrites the container image to what an ImageStreamTag points to now.
violations contains v if {
	k8s.env in params.digestEnvs
	some i, r in input.resources
	some t in image_triggers(r)
	v := {
		"id": "KFM-DP-001",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " has an image trigger following ImageStreamTag ", t.tag, ": OpenShift replaces its image with whatever the tag points to, so the image is not pinned by digest, required in env ", k8s.env]),
		"resource": i,
		"path": t.path,
	}
}

# A DeploymentConfig's automatic ImageChange triggers (the DeploymentConfig controller updates the template's image).
image_triggers(r) := [{"tag": object.get(t.imageChangeParams.from, "name", ""), "path": ["spec", "triggers", k, "imageChangeParams", "from"]} |
	some k, t in object.get(r, ["spec", "triggers"], [])
	t.imageChangeParams.automatic == true
	object.get(t.imageChangeParams.from, "kind", "ImageStreamTag") == "ImageStreamTag"
] if {
	r.kind == "DeploymentConfig"
}

# The image trigger annotation (the trigger controller sets the field it names), unless the entry is paused.
image_triggers(r) := [{"tag": object.get(t.from, "name", ""), "path": ["metadata", "annotations", "image.openshift.io/triggers"]} |
	text := k8s.annotations(r)["image.openshift.io/triggers"]
	json.is_valid(text)
	some t in json.unmarshal(text)
	object.get(t.from, "kind", "ImageStreamTag") == "ImageStreamTag"
	not lower(format_value(object.get(t, "paused", false))) == "true"
] if {
	r.kind != "DeploymentConfig"
}

format_value(x) := x if is_string(x)

format_value(x) := json.marshal(x) if not is_string(x)
