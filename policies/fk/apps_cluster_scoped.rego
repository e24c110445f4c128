# METADATA
# title: The apps layer may not create cluster-scoped resources
# description: >-
#   App teams own namespaced workloads; cluster-scoped objects (RBAC across namespaces, CRDs, admission webhooks,
#   Namespaces, priority and storage classes, persistent volumes, API services, cluster-wide issuers and secret
#   stores...) change the platform for everyone and belong to the platform-owned core or bootstrap layers. Namespace
#   objects are allowed when the policy parameter allowNamespaces is true; more kinds can be added with
#   extraClusterScopedKinds. Which kinds are cluster-scoped comes from the shipped Kubernetes and CRD schemas
#   (every kind classified, e.g. ServiceCIDR, IPAddress, DeviceClass, ClusterTrustBundle, VolumeAttributesClass)
#   and from the spec.scope of CustomResourceDefinitions rendered in the run; kinds of the OpenShift and ecosystem
#   schema packs are judged by group and kind (their scope.json: machineconfiguration.openshift.io MachineConfig,
#   quota.openshift.io ClusterResourceQuota, policy.networking.k8s.io AdminNetworkPolicy...).
# custom:
#   id: KFM-FK-001
#   severity: error
#   remediation: >-
#     Move the object to the core (or bootstrap) layer, owned by the platform team, or replace it with its
#     namespaced equivalent (Role instead of ClusterRole, RoleBinding instead of ClusterRoleBinding, Issuer instead
#     of ClusterIssuer, SecretStore instead of ClusterSecretStore).
package kfm.fk.apps_cluster_scoped

import data.kfm_data.scopes
import data.kfm_lib.k8s
import data.kfm_lib.params.params

# Cluster-scoped kinds: those of the shipped schemas (data.kfm_data.scopes, generated from schemas/), those the
# CRDs rendered in the env (or the platform context) declare with spec.scope Cluster, and cluster-scoped kinds of
# common operators whose CRDs are not shipped. A CRD in the run declaring a kind Namespaced wins over the last
# list only, never over the schemas.
cluster_scoped_kinds := (scopes.cluster_scoped | crd_cluster_kinds) | (operator_cluster_kinds - crd_namespaced_kinds)

crd_cluster_kinds contains crd.spec.names.kind if {
	some crd in k8s.all
	crd.kind == "CustomResourceDefinition"
	crd.spec.scope == "Cluster"
}

crd_namespaced_kinds contains crd.spec.names.kind if {
	some crd in k8s.all
	crd.kind == "CustomResourceDefinition"
	crd.spec.scope == "Namespaced"
}

operator_cluster_kinds := {
	"ClusterExternalSecret", "ClusterGenerator", "ClusterIssuer", "ClusterPolicy", "ClusterPushSecret",
	"PodSecurityPolicy", "SecurityContextConstraints", "VolumeSnapshotClass", "VolumeSnapshotContent",
	"ClusterServiceVersion", "ClusterImagePolicy", "ClusterLogForwarder",
}

forbidden_in_apps contains k if {
	some k in cluster_scoped_kinds
	k != "Namespace"
}

forbidden_in_apps contains k if some k in params.extraClusterScopedKinds

forbidden_in_apps contains "Namespace" if not params.allowNamespaces

# The API group of an object ("" for the core group).
api_group(r) := g if {
	parts := split(object.get(r, "apiVersion", ""), "/")
	count(parts) == 2
	g := parts[0]
}

api_group(r) := "" if count(split(object.get(r, "apiVersion", ""), "/")) != 2

# Cluster-scoped by group and kind in the OpenShift and ecosystem scope packs (MachineConfig, ClusterResourceQuota,
# AdminNetworkPolicy...), Namespace left to allowNamespaces, and not already reported by kind.
forbidden_group_kind(r) if {
	scopes.cluster_scoped_group_kinds[concat("/", [api_group(r), r.kind])]
	r.kind != "Namespace"
	not forbidden_in_apps[r.kind]
}

violations contains v if {
	some i, r in input.resources
	forbidden_group_kind(r)
	k8s.layer_of(i) == "apps"
	v := {
		"id": "KFM-FK-001",
		"msg": concat("", ["the apps layer creates cluster-scoped ", r.kind, " ", k8s.display_name(r), " (", api_group(r), "); cluster-scoped objects belong to the platform layers"]),
		"resource": i,
		"path": ["kind"],
	}
}

violations contains v if {
	some i, r in input.resources

	# A set lookup (`x in set` walks every element in the Wasm engine: hundreds of kinds, per resource); comparing
	# the value found keeps a `false` kind exactly as `in` judged it.
	forbidden_in_apps[r.kind] == r.kind
	k8s.layer_of(i) == "apps"
	v := {
		"id": "KFM-FK-001",
		"msg": concat("", ["the apps layer creates cluster-scoped ", r.kind, " ", k8s.display_name(r), "; cluster-scoped objects belong to the platform layers"]),
		"resource": i,
		"path": ["kind"],
	}
}
