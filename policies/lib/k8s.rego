# Kubernetes helpers shared by every rule: where a kind keeps its pod spec, how to walk containers,
# label-selector semantics and image-reference parsing. No rule lives here; rules live in data.kfm.<family>.<rule>.
package kfm_lib.k8s

import data.kfm_data.stores as store_data

# What the evaluation sees. The tool evaluates everything one env deploys at once (input.overlays, input.owners
# per resource); platform overlays of other envs come as read-only context in input.shared. Rules report only on
# input.resources (own(i)); lookups (stores, Services, NetworkPolicies, roles) use all, whose first
# count(input.resources) entries are input.resources. A single-overlay input ({overlay, resources}) works too.
all := array.concat(input.resources, object.get(input, "shared", []))

own(i) if i < count(input.resources)

# The overlay that rendered resource i.
overlay_of(i) := input.overlays[input.owners[i]] if env_input

overlay_of(i) := object.get(input, "overlay", {}) if not env_input

# An env input (the tool's) rather than a single overlay (unit tests, a repo's own policies).
env_input if is_array(object.get(input, "owners", null))

# The env being evaluated.
env := input.env if env_input

env := object.get(input, ["overlay", "env"], "") if not env_input

layer_of(i) := object.get(overlay_of(i), "layer", "")

# Index in input.overlays of the overlay that rendered resource i (0 for a single-overlay input).
owner(i) := input.owners[i] if env_input

owner(i) := 0 if not env_input

# The overlays being evaluated (with their parsed kustomization).
overlays := input.overlays if env_input

overlays := [input.overlay] if {
	not env_input
	is_object(input.overlay)
}

# Kinds that run pods, and where each keeps its pod template: [path of the template metadata, path of the pod spec].
# Argo Rollouts and OpenShift DeploymentConfigs run pods like a Deployment; a PodTemplate is a template other
# controllers instantiate. A Rollout with spec.workloadRef runs the referenced workload's template (see
# workload_ref_target).
template_paths := {
	"Deployment": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"StatefulSet": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"DaemonSet": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"ReplicaSet": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"ReplicationController": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"Job": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"CronJob": [["spec", "jobTemplate", "spec", "template", "metadata"], ["spec", "jobTemplate", "spec", "template", "spec"]],
	"Pod": [["metadata"], ["spec"]],
	"PodTemplate": [["template", "metadata"], ["template", "spec"]],
	"Rollout": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
	"DeploymentConfig": [["spec", "template", "metadata"], ["spec", "template", "spec"]],
}

workload_kinds := {k | some k, _ in template_paths}

container_fields := ["initContainers", "containers", "ephemeralContainers"]

# Where a kind of no known name keeps a pod template (a PodTemplateSpec: metadata and a spec with containers), in
# order: OpenKruise's CloneSet and Advanced StatefulSet/DaemonSet, Knative's Service and Configuration, and any CRD
# shaped like a Deployment (`spec.template`); a CronJob-like one (`spec.jobTemplate`, Kruise's AdvancedCronJob); KEDA's
# ScaledJob (`spec.jobTargetRef`). A store run by such a kind, with a public Route to its Service, passed: the
# rules knew the pods of the built-in kinds only.
generic_templates := [
	["spec", "template"],
	["spec", "jobTemplate", "spec", "template"],
	["spec", "template", "jobTemplate", "spec", "template"],
	["spec", "template", "broadcastJobTemplate", "spec", "template"],
	["spec", "jobTargetRef", "template"],
]

generic_template_at(r) := found[0] if {
	not template_paths[r.kind]
	r.kind != "CustomResourceDefinition"
	found := [p | some p in generic_templates; is_array(object.get(r, array.concat(p, ["spec", "containers"]), null))]
	count(found) > 0
}

# Kinds of which some object in view has a pod template at a generic place: a cheap first test for every other
# object of every other kind (is_workload is asked of each object by many rules).
generic_workload_kinds contains r.kind if {
	some r in all
	generic_template_at(r)
}

workload_paths(r) := template_paths[r.kind]

workload_paths(r) := [array.concat(p, ["metadata"]), array.concat(p, ["spec"])] if {
	generic_workload_kinds[r.kind]
	p := generic_template_at(r)
}

is_workload(r) if workload_paths(r)

# Path of the pod spec inside a workload.
pod_spec_path(r) := workload_paths(r)[1]

# Path of the metadata that carries the pods' labels (what Services and NetworkPolicies select).
pod_meta_path(r) := workload_paths(r)[0]

pod_spec(r) := object.get(r, pod_spec_path(r), {})

# A Rollout with workloadRef (and no template of its own) runs the pods of the referenced Deployment/ReplicaSet:
# index into all of that workload, same namespace.
workload_ref_target(r) := j if {
	r.kind == "Rollout"
	ref := r.spec.workloadRef
	some j, t in all
	t.kind == object.get(ref, "kind", "Deployment")
	name(t) == ref.name
	namespace(t) == namespace(r)
}

template_labels(r) := object.get(r, array.concat(pod_meta_path(r), ["labels"]), {}) if not r.spec.workloadRef

template_labels(r) := object.get(all[workload_ref_target(r)], array.concat(["spec", "template", "metadata"], ["labels"]), {}) if r.spec.workloadRef

template_labels(r) := {} if {
	r.spec.workloadRef
	not workload_ref_target(r)
}

template_labels(r) := operator_labels(r) if operator_kind(r)

pod_labels(r) := template_labels(r)

# A store operator's custom resource (data.kfm_data.stores.operator_stores): the operator runs its pods, with the
# labels it documents; `{name}` is the resource's name.
operator_kind(r) := store_data.operator_stores[group_kind(r)] if operator_kind_names[r.kind]

# The kinds of operator_stores, so that operator_kind(r) builds no group/Kind string for the objects of other kinds
# (nearly all of them): asked of every object by several rules, group_kind was ~20% of an evaluation (issue 20).
operator_kind_names := {kind_of_group_kind(gk) | some gk, _ in store_data.operator_stores}

# The Kind of a "group/Kind" string: everything after the first "/", as group_kind joins them.
kind_of_group_kind(gk) := substring(gk, indexof(gk, "/") + 1, -1)

# "group/Kind" of an object of a named API group (core objects, `apiVersion: v1`, have none).
group_kind(r) := concat("/", [substring(r.apiVersion, 0, n), r.kind]) if {
	is_string(r.apiVersion)
	n := indexof(r.apiVersion, "/") # the group: what precedes the first "/" (split would make every part)
	n >= 0
}

operator_labels(r) := {k: replace(v, "{name}", name(r)) | some k, v in operator_kind(r).labels}

# Labels a controller adds to the pods it creates, beyond the template's. Values that are hashes or uids cannot
# be known from the desired state: a selector naming such a key with any value is taken to match (fail closed).
hashed_pod_labels := {
	"Deployment": {"pod-template-hash"},
	"ReplicaSet": {"pod-template-hash"},
	"StatefulSet": {"controller-revision-hash"},
	"DaemonSet": {"controller-revision-hash", "pod-template-generation"},
	"Job": {"controller-uid", "batch.kubernetes.io/controller-uid"},
	"CronJob": {"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"},
	"Rollout": {"rollouts-pod-template-hash"},
	"DeploymentConfig": {"deployment", "deploymentconfig"},
}

# Whether the pods of workload r may carry label k with value v.
pod_may_have(r, k, v) if template_labels(r)[k] == v

pod_may_have(r, k, v) if {
	k in hashed_pod_labels[r.kind]
	not has_key(template_labels(r), k)
	is_string(v)
}

# Operator labels whose value the desired state cannot tell (role, instance, pool): any value may match.
pod_may_have(r, k, v) if {
	k in operator_kind(r).any_labels
	is_string(v)
}

# Operator labels valued one of a few ways per pod (data document `label_values`, `{name}` the resource's name).
pod_may_have(r, k, v) if {
	some t in operator_kind(r).label_values[k]
	replace(t, "{name}", name(r)) == v
}

# An operator that runs its pods as StatefulSets named after the resource: pod names <name>-...-<ordinal>.
pod_may_have(r, k, v) if {
	operator_kind(r).statefulset == true
	k == "statefulset.kubernetes.io/pod-name"
	startswith(v, concat("", [name(r), "-"]))
}

pod_may_have(r, k, v) if {
	operator_kind(r).statefulset == true
	k == "apps.kubernetes.io/pod-index"
	is_string(v)
}

# Labels an operator's resource gives its pods in its spec (a node pool's `labels`, CloudNativePG
# inheritedMetadata, an override's pod template): any `labels` map in the spec counts (fail closed: a map that
# labels only a Service makes pods that carry it no less likely).
pod_may_have(r, k, v) if {
	some labels in operator_spec_labels(r)
	labels[k] == v
}

operator_spec_labels(r) := [node | some [_, node] in operator_spec_label_maps(r)]

# [path from the resource, map] of every such `labels` map (KFM-TM-011 reports where one claims the governed API).
operator_spec_label_maps(r) := [[array.concat(["spec"], p), node] |
	operator_kind(r)
	r.kind != "CustomResourceDefinition"
	spec_has_key(r.spec, "labels")
	walk(r.spec, [p, node])
	count(p) > 0
	p[count(p) - 1] == "labels"
	is_object(node)
]

pod_may_have(r, k, v) if {
	r.kind == "StatefulSet"
	k == "statefulset.kubernetes.io/pod-name"
	ordinal := trim_prefix(v, concat("", [name(r), "-"]))
	ordinal != v
	statefulset_ordinal(r, ordinal)
}

pod_may_have(r, k, v) if {
	r.kind == "StatefulSet"
	k == "apps.kubernetes.io/pod-index"
	statefulset_ordinal(r, v)
}

pod_may_have(r, k, v) if {
	r.kind == "Job"
	k in {"job-name", "batch.kubernetes.io/job-name"}
	v == name(r)
}

pod_may_have(r, k, v) if {
	r.kind == "DeploymentConfig"
	k == "deploymentconfig"
	v == name(r)
}

statefulset_ordinal(r, s) if {
	regex.match(`^(0|[1-9][0-9]{0,5})$`, s)
	start := object.get(r, ["spec", "ordinals", "start"], 0)
	to_number(s) >= start
	to_number(s) < start + object.get(r, ["spec", "replicas"], 1)
}

pod_may_have_key(r, k) if has_key(template_labels(r), k)

pod_may_have_key(r, k) if k in hashed_pod_labels[r.kind]

pod_may_have_key(r, k) if k in operator_kind(r).any_labels

pod_may_have_key(r, k) if operator_kind(r).label_values[k]

pod_may_have_key(r, k) if {
	operator_kind(r).statefulset == true
	k in {"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"}
}

pod_may_have_key(r, k) if {
	some labels in operator_spec_labels(r)
	has_key(labels, k)
}

pod_may_have_key(r, k) if {
	r.kind == "StatefulSet"
	k in {"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"}
}

pod_may_have_key(r, k) if {
	r.kind == "Job"
	k in {"job-name", "batch.kubernetes.io/job-name"}
}

pod_may_have_key(r, k) if {
	r.kind == "DeploymentConfig"
	k == "deploymentconfig"
}

# A Service-style selector (plain label map) selecting the pods of workload r; an empty map selects nothing.
map_selects_pods(sel, r) if {
	is_object(sel)
	count(sel) > 0
	every k, v in sel {
		pod_may_have(r, k, v)
	}
}

# A LabelSelector (matchLabels AND matchExpressions) matching the pods of workload r; {} selects every pod.
selector_selects_pods(sel, r) if {
	is_object(sel)
	every k, v in object.get(sel, "matchLabels", {}) {
		pod_may_have(r, k, v)
	}
	every e in object.get(sel, "matchExpressions", []) {
		pod_expression_matches(e, r)
	}
}

pod_expression_matches(e, r) if {
	e.operator == "In"
	some v in e.values
	pod_may_have(r, e.key, v)
}

# NotIn/DoesNotExist: a controller label whose value is unknown may satisfy either way; template labels decide.
pod_expression_matches(e, r) if {
	e.operator == "NotIn"
	not template_value_in(r, e.key, e.values)
}

template_value_in(r, key, values) if template_labels(r)[key] in values

pod_expression_matches(e, r) if {
	e.operator == "Exists"
	pod_may_have_key(r, e.key)
}

pod_expression_matches(e, r) if {
	e.operator == "DoesNotExist"
	not has_key(template_labels(r), e.key)
}

labels(r) := object.get(r, ["metadata", "labels"], {})

annotations(r) := object.get(r, ["metadata", "annotations"], {})

# Namespaced objects without metadata.namespace land in the Application's destination namespace; "default" is
# what kubectl would use and keeps comparisons total.
namespace(r) := object.get(r, ["metadata", "namespace"], "default")

name(r) := object.get(r, ["metadata", "name"], "")

# The name as messages show it: an object created with metadata.generateName (a hook Job) has no name yet.
display_name(r) := name(r) if name(r) != ""

display_name(r) := concat("", [object.get(r, ["metadata", "generateName"], ""), "<generated>"]) if {
	name(r) == ""
	object.get(r, ["metadata", "generateName"], "") != ""
}

display_name(r) := "(unnamed)" if {
	name(r) == ""
	object.get(r, ["metadata", "generateName"], "") == ""
}

# Every container of a workload with its JSON path, init and ephemeral containers included.
containers(r) := [{"path": array.concat(pod_spec_path(r), [f, i]), "container": c} |
	is_workload(r)
	spec := pod_spec(r)
	some f in container_fields
	some i, c in object.get(spec, f, [])
]

# The containers the image rules (KFM-DP-001/002) read: a workload's, and for any other kind with a spec every
# object anywhere in its spec that names an image: a Knative Service's or a KServe InferenceService's containers, a
# Tekton Task's `steps`/`sidecars`/`stepTemplate`, an Argo Workflows template's `container`/`script`, a KubeVirt
# `containerDisk`, a CloudNativePG Cluster's `imageName` — any CRD that runs pods (`key`: the field naming the image). An unpinned image in such a CRD passed digest pinning in prod (first for
# Knative; a Tekton step or an Argo Workflows container still passed when only lists named like a pod's containers
# were read). The other rules keep `containers`: they join a workload's pods by its template labels, which only
# known workloads have. Made once per evaluation, by index of the input object, and shared by the rules (a function
# is not memoised: each rule asking marshalled and walked a custom resource's spec, issue 20).
input_image_containers := {i: cs |
	some i, r in input.resources
	cs := own_image_containers(i, r)
	count(cs) > 0
}

own_image_containers(_, r) := containers(r) if template_paths[r.kind]

# A custom resource running pods (generic_templates) too: its other image fields are read with its containers.
own_image_containers(i, r) := spec_image_containers(r) if own_spec_has_any_key(i, image_key_pattern)

# The containers of a kind that is no known workload: every object in its spec naming an image under image_keys.
spec_image_containers(r) := [{"path": array.concat(["spec"], p), "container": c, "key": key} |
	r.kind != "CustomResourceDefinition" # runs no pods; a context CRD's schemas are not given (policy/input.ts)
	walk(r.spec, [p, c])
	is_object(c)
	some key in image_keys
	image_field(key, object.get(c, key, ""))
]

# json.marshal of the spec of each input object that is walked for images or secret references (a custom resource:
# not a workload, not a CRD), by index: marshalled once per evaluation for every gate asking (issue 20).
own_spec_texts := {i: json.marshal(r.spec) |
	some i, r in input.resources
	is_object(r.spec)
	not template_paths[r.kind]
	r.kind != "CustomResourceDefinition"
}

# Whether the spec of input object i has a key of `needles` (key_needle) anywhere, from own_spec_texts: the gate of a
# walk (walk() makes a path array per node, and a Wasm evaluation's memory never shrinks).
own_spec_has_any_key(i, pattern) if regex.match(pattern, own_spec_texts[i])

# Keys a custom resource names the image it runs under: `image`, and the store operators' `imageName` (CloudNativePG
# Cluster, the image of every PostgreSQL instance) and `dockerImage` (Zalando postgresql, the Spilo image). A
# Cluster with `imageName: ghcr.io/cloudnative-pg/postgresql:16.4` passed digest pinning in prod.
image_keys := ["image", "imageName", "dockerImage"]

image_key_pattern := `"(?:image|imageName|dockerImage)":`

image_field("image", img) if plain_image_reference(img)

# Under the other names only a reference with a repository path, tag or digest (some kinds use them for a bare name).
image_field(key, img) if {
	key != "image"
	plain_image_reference(img)
	regex.match(`[/:@]`, img)
}

# Whether an object anywhere in `spec` has the key `key`: json.marshal writes every key as `"key":` and escapes every
# quote inside a string, so the text holds `"key":` exactly when some object has that key. A necessary condition
# checked before a walk: walk() makes a path array for every node, and the Wasm memory of one evaluation never
# shrinks (the bootstrap overlay of the 7,500-overlay bench repo, 600 ApplicationSets, took 131 MB of it and 5 s,
# issue 20); a spec without the key is not walked at all.
spec_has_key(spec, key) if contains(json.marshal(spec), key_needle(key))

key_needle(key) := concat("", ["\"", key, "\":"])

# An image a container of an unknown kind names for real: not empty, not a pattern or a template. A Kyverno policy's
# `pattern: {spec: {containers: [{image: "!*:latest"}]}}` is no container (redhat-cop/gitops-catalog's
# kyverno/overlays/sample-policies); no pullable reference holds any of these characters.
plain_image_reference(img) if {
	is_string(img)
	img != ""
	not regex.match(`[*?!|(){}<>$\s]`, img)
}

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

# A Kubernetes NetworkPolicy (networking.k8s.io): a custom resource of the same kind name (Calico's, Antrea's, or one
# of any group a repository defines a CRD for) does not have its semantics, and may do nothing at all.
is_network_policy(np) if {
	np.kind == "NetworkPolicy"
	startswith(object.get(np, "apiVersion", ""), "networking.k8s.io/")
}

# A NetworkPolicy denying all ingress to every pod of its namespace: empty podSelector, Ingress among its
# policyTypes (absent policyTypes counts, as in Kubernetes) and no ingress rules.
default_deny_ingress(np) if {
	is_network_policy(np)
	selects_all(object.get(np, ["spec", "podSelector"], {}))
	"Ingress" in object.get(np, ["spec", "policyTypes"], ["Ingress"])
	count(object.get(np, ["spec", "ingress"], [])) == 0
}

# Namespaces with a default-deny ingress policy anywhere in what the evaluation sees (env and platform context).
default_deny_namespaces contains namespace(np) if {
	some np in all
	default_deny_ingress(np)
}

# What a namespaceSelector selects, judged as the API server would on the namespace's labels: every namespace
# carries kubernetes.io/metadata.name, so `Exists` on it (or on nothing) selects every namespace.
namespace_selector_selects_all(sel) if selects_all(sel)

namespace_selector_selects_all(sel) if {
	is_object(sel)
	count(object.get(sel, "matchLabels", {})) == 0
	every e in object.get(sel, "matchExpressions", []) {
		e.operator == "Exists"
		e.key == "kubernetes.io/metadata.name"
	}
}

# A namespaceSelector that does not pin the namespaces it matches: no matchLabels entry and no `In` expression with
# values. NotIn, DoesNotExist and Exists match every namespace but those they exclude (or every namespace that has
# some label), which includes namespaces created later by anyone; matchLabels and In name what they match.
namespace_selector_unbounded(sel) if {
	is_object(sel)
	count(object.get(sel, "matchLabels", {})) == 0
	not namespace_selector_has_in(sel)
}

namespace_selector_has_in(sel) if {
	some e in object.get(sel, "matchExpressions", [])
	e.operator == "In"
	count(object.get(e, "values", [])) > 0
}

# The labels a namespace carries: its manifest's labels, if it is in the desired state, plus the name label the
# API server sets on every namespace.
namespace_labels(ns) := object.union(declared, {"kubernetes.io/metadata.name": ns}) if {
	declared := object.union_n([labels(n) | some n in all; n.kind == "Namespace"; name(n) == ns])
}

namespace_selected(sel, ns) if selector_matches(sel, namespace_labels(ns))

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
