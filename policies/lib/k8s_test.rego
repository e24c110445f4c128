package kfm_lib.k8s_test

import data.kfm_lib.k8s
import data.kfm_lib.stores

# spec_has_key is a walk's gate (operator spec labels, route fields): it must hold whenever an object at
# any depth has the key, or a walk that would find something is skipped.
test_spec_has_key_nested_object if {
	k8s.spec_has_key({"a": [{"b": {"image": "nginx"}}]}, "image")
}

test_spec_has_key_top_level if {
	k8s.spec_has_key({"image": {"repository": "x"}}, "image")
}

test_spec_has_key_key_with_quote_in_other_values if {
	k8s.spec_has_key({"note": "say \"hi\"", "steps": [{"image": "x"}]}, "image")
}

test_spec_has_key_not_for_a_value if {
	not k8s.spec_has_key({"name": "image", "value": "image:"}, "image")
}

test_spec_has_key_not_for_quoted_text_in_a_value if {
	not k8s.spec_has_key({"note": "\"image\": nginx"}, "image")
}

test_spec_has_key_not_for_a_longer_key if {
	not k8s.spec_has_key({"images": ["nginx"], "imagePullPolicy": "Always"}, "image")
}

# The kind gates (operator_kind, route_to_store's backends, stores' credential kinds) take a group/Kind's Kind as
# everything after its first "/", as group_kind joins them.
test_kind_of_group_kind if {
	k8s.kind_of_group_kind("postgresql.cnpg.io/Cluster") == "Cluster"
	k8s.kind_of_group_kind("/Namespace") == "Namespace"
	k8s.kind_of_group_kind(k8s.group_kind({"apiVersion": "a.b/v1", "kind": "X/Y"})) == "X/Y"
}

test_group_kind_core_and_leading_slash if {
	not k8s.group_kind({"apiVersion": "v1", "kind": "Service"})
	k8s.group_kind({"apiVersion": "/v1", "kind": "Service"}) == "/Service"
	k8s.group_kind({"apiVersion": "a.b/v1/extra", "kind": "K"}) == "a.b/K"
}

# store_access trusts a workload in stores.store_workloads as a store: exact only while no operator kind is also a
# workload kind (store_workloads holds operator resources too).
test_no_operator_kind_is_a_workload_kind if {
	every gk, _ in data.kfm_data.stores.operator_stores {
		not k8s.workload_kinds[k8s.kind_of_group_kind(gk)]
	}
}

# The walks' gates: a spec's JSON text holds `"<key>":` exactly when some object in it has the key.
test_image_key_pattern_is_the_image_keys if {
	every k in k8s.image_keys {
		regex.match(k8s.image_key_pattern, json.marshal({"a": [{k: "x"}]}))
	}
	not regex.match(k8s.image_key_pattern, json.marshal({"images": ["x"], "note": "\"image\": x", "name": "image"}))
}

test_secret_key_pattern_is_the_secret_keys if {
	every k in ["secretKeyRef", "secretRef", "secret"] {
		regex.match(stores.secret_key_pattern, json.marshal({"a": [{k: {"name": "x"}}]}))
	}
	not regex.match(stores.secret_key_pattern, json.marshal({"secretStoreRef": {"name": "x"}, "secretName": "secret"}))
}

# A custom resource with a pod template at a generic place runs pods: its template labels are its pods'.
cloneset := {
	"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet",
	"metadata": {"name": "kdb", "namespace": "data"},
	"spec": {"template": {"metadata": {"labels": {"app": "kdb"}}, "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}},
}

test_generic_pod_template_is_a_workload if {
	k8s.is_workload(cloneset) with input as {"resources": [cloneset]}
	k8s.pod_meta_path(cloneset) == ["spec", "template", "metadata"] with input as {"resources": [cloneset]}
	stores.store_workloads == {0} with input as {"resources": [cloneset]}
}

test_generic_job_target_template if {
	job := {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledJob", "metadata": {"name": "j"}, "spec": {"jobTargetRef": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}}
	k8s.pod_spec_path(job) == ["spec", "jobTargetRef", "template", "spec"] with input as {"resources": [job]}
}

test_template_without_containers_is_no_workload if {
	other := {"apiVersion": "example.com/v1", "kind": "Report", "metadata": {"name": "r"}, "spec": {"template": {"spec": {"title": "x"}}}}
	not k8s.is_workload(other) with input as {"resources": [other]}
}
