# Namespaces the apps layer deploys into and whether each denies ingress by default (KFM-TM-006/007).
package kfm_lib.isolation

import data.kfm_lib.k8s

# Namespace -> index of the first apps-layer object the env puts there (objects with metadata.namespace only:
# a cluster-scoped object has none).
# Sorted once (n log n) rather than a scan of the resources per namespace.
app_objects := sort([[ns, i] |
	some i, r in input.resources
	ns := r.metadata.namespace
	is_string(ns)
	k8s.layer_of(i) == "apps"
])

app_namespaces[ns] := i if {
	some k, [ns, i] in app_objects
	first_of_namespace(k, ns)
}

first_of_namespace(0, _)

first_of_namespace(k, ns) if {
	k > 0
	app_objects[k - 1][0] != ns
}

# Only when the platform layers are part of what is evaluated: a run limited to some overlays (--changed-since,
# --overlay, a promotion's check) does not render the baseline that usually holds the default-deny policies, and
# this rule then has nothing to compare with (as KFM-FK-002 without its AppProject).
platform_in_view if count(object.get(input, "shared", [])) > 0

platform_in_view if {
	some o in k8s.overlays
	object.get(o, "layer", "apps") != "apps"
}

# A single-overlay input (unit tests, a repo's own policies) stands for itself.
platform_in_view if not k8s.env_input

first_app_object_without_default_deny[ns] := i if {
	platform_in_view
	some ns, i in app_namespaces
	not k8s.default_deny_namespaces[ns]
}

namespace_path(r) := ["metadata", "namespace"]
