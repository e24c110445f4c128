# METADATA
# title: Only the governed API's workloads carry the governed-API labels
# description: >-
#   The governed-API labels (policy parameter governedApiSelector, default kfm.dev/governed-api=true) are what every
#   other trust-membrane rule trusts: NetworkPolicies in front of a store admit pods carrying them (KFM-TM-004), and
#   workloads carrying them may hold a store's credentials (KFM-TM-005). A label is a claim any manifest can make, so
#   a workload of another app (a front end, a batch job, a new app of the pull request) that puts them on its pods
#   reaches the store past the governed API's policy decisions, redaction and audit logging, and every rule agrees.
#   The apps whose workloads may carry them are named by the policy parameter governedApiApps (default kfm-api: the
#   app folder under apps/, as the overlay path gives it); a workload of any other overlay, or of an overlay that is no
#   app (core, bootstrap, an Argo CD directory source), carrying them is reported. A custom resource that runs pods
#   (its spec.template labels) is read the same way, and so is a store operator's resource, by every `labels` map of
#   its spec (CloudNativePG inheritedMetadata, a node pool's labels: the labels its database pods get). The rule applies to a repository that holds one of those apps
#   (a folder apps/<app> under the root, whatever the run selects): a repository whose apps each run a governed API
#   of their own names them in governedApiApps to have it apply.
# custom:
#   id: KFM-TM-011
#   severity: error
#   remediation: >-
#     Take the governed-API labels off this workload's pods and let it call the governed API. If this app is a governed
#     API, add it to policy.governedApiApps in kfm-gitops.yaml (a change the gate audits: it needs an ADR).
package kfm.tm.governed_api_identity

import data.kfm_lib.k8s
import data.kfm_lib.params.params
import data.kfm_lib.stores

violations contains v if {
	applies
	some i, w in input.resources
	k8s.is_workload(w)
	stores.governed_api(w)
	not governed_app(i)
	v := violation(i, w, array.concat(meta_path(w), ["labels"]))
}

violations contains v if {
	applies
	some i, r in input.resources
	not k8s.is_workload(r)
	is_object(r.spec)
	k8s.labels_contain(object.get(r, ["spec", "template", "metadata", "labels"], {}), params.governedApiSelector)
	not governed_app(i)
	v := violation(i, r, ["spec", "template", "metadata", "labels"])
}

# The repository holds a governed-API app (params.repoApps: the folders under <root>/apps, set by the tool).
# A store operator's resource whose spec gives its pods the governed-API labels (CloudNativePG inheritedMetadata, a
# node pool's labels, an override's pod template): a Cluster in kfm-ui with inheritedMetadata labels
# kfm.dev/governed-api passed, and its database pods would be admitted wherever the governed API is.
violations contains v if {
	applies
	some i, r in input.resources
	some [path, labels] in k8s.operator_spec_label_maps(r)
	k8s.labels_contain(labels, params.governedApiSelector)
	not governed_app(i)
	v := violation(i, r, path)
}

applies if {
	some app in params.governedApiApps
	app in object.get(params, "repoApps", [])
}

governed_app(i) if {
	app := object.get(k8s.overlay_of(i), "app", "")
	app != ""
	app in params.governedApiApps
}

violation(i, r, path) := {
	"id": "KFM-TM-011",
	"msg": concat("", [
		r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " carries the governed-API labels but ",
		app_text(i), " is not a governed API (policy.governedApiApps: ", concat(", ", params.governedApiApps), ")",
	]),
	"resource": i,
	"path": label_path(path),
}

app_text(i) := concat("", ["app ", app]) if {
	app := object.get(k8s.overlay_of(i), "app", "")
	app != ""
}

app_text(i) := concat("", ["overlay ", object.get(k8s.overlay_of(i), "path", "?")]) if {
	object.get(k8s.overlay_of(i), "app", "") == ""
}

# The selector's first label, where the pod template (or a bare Pod) sets it.
label_path(prefix) := array.concat(prefix, [min(object.keys(params.governedApiSelector))])

meta_path(w) := k8s.pod_meta_path(w)

meta_path(w) := ["metadata"] if not k8s.pod_meta_path(w)
