# Kubernetes helpers shared by every rule: where a kind keeps its pod spec, how to walk containers,
# label-selector semantics and image-reference parsing. No rule lives here; rules live in data.kfm.<family>.<rule>.
package kfm_lib.k8s

workload_kinds := {
	"Pod",
	"Deployment",
	"StatefulSet",
	"DaemonSet",
	"ReplicaSet",
	"ReplicationController",
	"Job",
	"CronJob",
}

container_fields := ["initContainers", "containers", "ephemeralContainers"]

# Path of the pod spec inside a workload; kinds that embed a pod template under spec.template share one rule.
pod_spec_path(r) := ["spec"] if r.kind == "Pod"

pod_spec_path(r) := ["spec", "jobTemplate", "spec", "template", "spec"] if r.kind == "CronJob"

pod_spec_path(r) := ["spec", "template", "spec"] if {
	workload_kinds[r.kind]
	not r.kind in {"Pod", "CronJob"}
}

# Path of the metadata that carries the pods' labels (what Services and NetworkPolicies select).
pod_meta_path(r) := ["metadata"] if r.kind == "Pod"

pod_meta_path(r) := ["spec", "jobTemplate", "spec", "template", "metadata"] if r.kind == "CronJob"

pod_meta_path(r) := ["spec", "template", "metadata"] if {
	workload_kinds[r.kind]
	not r.kind in {"Pod", "CronJob"}
}

is_workload(r) if workload_kinds[r.kind]

pod_spec(r) := object.get(r, pod_spec_path(r), {})

pod_labels(r) := object.get(r, array.concat(pod_meta_path(r), ["labels"]), {})

labels(r) := object.get(r, ["metadata", "labels"], {})

# Namespaced objects without metadata.namespace land in the Application's destination namespace; "default" is
# what kubectl would use and keeps comparisons total.
namespace(r) := object.get(r, ["metadata", "namespace"], "default")

name(r) := object.get(r, ["metadata", "name"], "")

# Every container of a workload with its JSON path, init and ephemeral containers included.
containers(r) := [{"path": array.concat(pod_spec_path(r), [f, i]), "container": c} |
	is_workload(r)
	spec := pod_spec(r)
	some f in container_fields
	some i, c in object.get(spec, f, [])
]

# True when `have` carries every key/value pair of `want` (a plain label map).
labels_contain(have, want) if {
	is_object(want)
	every k, v in want {
		have[k] == v
	}
}

# Kubernetes LabelSelector semantics (matchLabels AND matchExpressions); the empty selector matches everything.
selector_matches(sel, lbls) if {
	is_object(sel)
	labels_contain(lbls, object.get(sel, "matchLabels", {}))
	every e in object.get(sel, "matchExpressions", []) {
		expression_matches(e, lbls)
	}
}

expression_matches(e, lbls) if {
	e.operator == "In"
	lbls[e.key] in e.values
}

# Written through a helper: OPA hoists refs out of `not f(x[k])`, which would make a missing key fail to match.
expression_matches(e, lbls) if {
	e.operator == "NotIn"
	not value_in(lbls, e.key, e.values)
}

value_in(lbls, key, values) if lbls[key] in values

expression_matches(e, lbls) if {
	e.operator == "Exists"
	_ = lbls[e.key]
}

expression_matches(e, lbls) if {
	e.operator == "DoesNotExist"
	not has_key(lbls, e.key)
}

has_key(obj, k) if _ = obj[k]

# A selector that selects every pod: absent or {} (no matchLabels entries, no expressions).
selects_all(sel) if not is_object(sel)

selects_all(sel) if {
	is_object(sel)
	count(object.get(sel, "matchLabels", {})) == 0
	count(object.get(sel, "matchExpressions", [])) == 0
}

# Image references: [registry[:port]/]path/name[:tag][@digest].
image_digest_pinned(img) if regex.match(`@sha256:[a-f0-9]{64}$`, img)

image_has_digest(img) if contains(img, "@")

image_without_digest(img) := split(img, "@")[0]

# The tag is whatever follows ':' in the last path segment (a ':' before the last '/' is a registry port).
image_tag(img) := tag if {
	segs := split(image_without_digest(img), "/")
	last := segs[count(segs) - 1]
	parts := split(last, ":")
	count(parts) == 2
	tag := parts[1]
}

# Short name of the image: last path segment without tag or digest (postgres, postgis, redis, minio, ...).
image_name(img) := n if {
	segs := split(image_without_digest(img), "/")
	n := split(segs[count(segs) - 1], ":")[0]
}
