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

# SP11: cluster-scoped kinds of the OpenShift scope pack, known by group and kind.
test_openshift_machine_config_in_apps if {
	mc := {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "metadata": {"name": "99-x"}}
	vs := data.kfm.fk.apps_cluster_scoped.violations with input as {"overlay": {"layer": "apps"}, "resources": [mc]}
	{[v.resource, v.path] | some v in vs} == {[0, ["kind"]]}
}

test_openshift_cluster_resource_quota_and_anp_in_apps if {
	crq := {"apiVersion": "quota.openshift.io/v1", "kind": "ClusterResourceQuota", "metadata": {"name": "q"}}
	anp := {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "a"}}
	count(data.kfm.fk.apps_cluster_scoped.violations) == 2 with input as {"overlay": {"layer": "apps"}, "resources": [crq, anp]}
}

test_same_kind_of_another_group_is_not_cluster_scoped if {
	mc := {"apiVersion": "example.com/v1", "kind": "MachineConfig", "metadata": {"name": "x", "namespace": "kfm-dev"}}
	count(data.kfm.fk.apps_cluster_scoped.violations) == 0 with input as {"overlay": {"layer": "apps"}, "resources": [mc]}
}

test_machine_config_in_platform_layer if {
	mc := {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "metadata": {"name": "99-x"}}
	count(data.kfm.fk.apps_cluster_scoped.violations) == 0 with input as {"overlay": {"layer": "core"}, "resources": [mc]}
}
