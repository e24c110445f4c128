package kfm.fk.apps_cluster_scoped_test

import data.kfm.fk.apps_cluster_scoped as rule

obj(kind) := {"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}}

violations(layer, kinds, params) := vs if {
	vs := rule.violations with input as {
		"overlay": {"layer": layer, "env": "dev"},
		"resources": [obj(k) | some k in kinds],
		"params": params,
	}
}

test_cluster_role_in_apps if {
	vs := violations("apps", ["ConfigMap", "ClusterRole"], {})
	count(vs) == 1
	some v in vs
	[v.id, v.resource, v.path] == ["KFM-FK-001", 1, ["kind"]]
}

test_many_kinds_in_apps if {
	kinds := ["CustomResourceDefinition", "ValidatingWebhookConfiguration", "PriorityClass", "StorageClass", "PersistentVolume", "ClusterIssuer", "ClusterSecretStore", "APIService"]
	count(violations("apps", kinds, {})) == count(kinds)
}

test_core_layer_may_create_cluster_scoped if {
	count(violations("core", ["ClusterRole", "Namespace"], {})) == 0
}

test_namespace_needs_allow if {
	count(violations("apps", ["Namespace"], {})) == 1
	count(violations("apps", ["Namespace"], {"allowNamespaces": true})) == 0
}

test_extra_kinds if {
	count(violations("apps", ["Tenant"], {"extraClusterScopedKinds": ["Tenant"]})) == 1
}

test_cluster_scoped_kinds_from_the_schemas if {
	kinds := ["ServiceCIDR", "IPAddress", "DeviceClass", "ClusterTrustBundle", "VolumeAttributesClass", "ResourceSlice"]
	count(violations("apps", kinds, {})) == count(kinds)
	count(violations("apps", ["ResourceClaim", "PodGroup", "Lease"], {})) == 0
}

test_cluster_scoped_crd_in_the_run if {
	crd := {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "tenants.acme.io"}, "spec": {"group": "acme.io", "scope": "Cluster", "names": {"kind": "Tenant"}}}
	inp := {"env": "dev", "overlays": [{"layer": "apps"}], "owners": [0], "resources": [obj("Tenant")], "shared": [crd]}
	vs := rule.violations with input as inp
	{v.resource | some v in vs} == {0}
	ns_crd := json.patch(crd, [{"op": "replace", "path": "/spec/scope", "value": "Namespaced"}])
	count(rule.violations) == 0 with input as object.union(inp, {"shared": [ns_crd]})
}
