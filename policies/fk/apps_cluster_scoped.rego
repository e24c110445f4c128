# METADATA
# title: The apps layer may not create cluster-scoped resources
# description: >-
#   App teams own namespaced workloads; cluster-scoped objects (RBAC across namespaces, CRDs, admission webhooks,
#   Namespaces, priority and storage classes, persistent volumes, API services, cluster-wide issuers and secret
#   stores...) change the platform for everyone and belong to the platform-owned core or bootstrap layers. Namespace
#   objects are allowed when the policy parameter allowNamespaces is true; more kinds can be added with
#   extraClusterScopedKinds. Which kinds are cluster-scoped comes from the shipped Kubernetes and CRD schemas
#   (every kind classified, e.g. ServiceCIDR, IPAddress, DeviceClass, ClusterTrustBundle, VolumeAttributesClass)
#   and from the spec.scope of CustomResourceDefinitions rendered in the run, for their own group and kind; kinds
#   of the OpenShift and ecosystem schema packs are judged by group and kind (their scope.json:
#   machineconfiguration.openshift.io MachineConfig, quota.openshift.io ClusterResourceQuota,
#   policy.networking.k8s.io AdminNetworkPolicy, config.openshift.io Ingress, Project, Node...). A kind name several
#   API groups serve has the scope of the object's group: Cluster API's namespaced IPAddress or build.openshift.io's
#   Build is not judged cluster-scoped for its name; a kind of an unknown group named like a cluster-scoped kind is.
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

# Which kinds are cluster-scoped, by group and kind where that is known, else by kind name:
#  - the scope packs' group/kinds (data.kfm_data.scopes, generated from schemas/: a kind name several groups serve is
#    decided per group there), and the group/kinds the CRDs rendered in the env (or the platform context) declare
#    with spec.scope (never over the packs, nor for a group of the Kubernetes schemas);
#  - by name: the Kubernetes schemas' cluster-scoped kinds (their groups have one scope per name) and those of
#    common operators whose CRDs are not shipped, unless the object's group/kind is known namespaced (Cluster API's
#    IPAddress, build.openshift.io's Build); a kind of an unknown group named like a cluster-scoped one is judged
#    cluster-scoped (fail closed).
name_cluster_kinds := (scopes.cluster_scoped | scopes.operator_cluster_kinds) - {"Namespace"}

# "<group>/<Kind>" the run's CRDs declare cluster-scoped, and namespaced. Both (two overlays disagreeing): cluster-scoped,
# the reading that misses nothing.
crd_cluster_group_kinds contains concat("/", [crd.spec.group, crd.spec.names.kind]) if {
	some crd in k8s.all
	crd.kind == "CustomResourceDefinition"
	crd.spec.scope == "Cluster"
}

crd_namespaced_group_kinds contains concat("/", [crd.spec.group, crd.spec.names.kind]) if {
	some crd in k8s.all
	crd.kind == "CustomResourceDefinition"
	crd.spec.scope == "Namespaced"
}

# The API group of an object ("" for the core group).
api_group(r) := g if {
	parts := split(object.get(r, "apiVersion", ""), "/")
	count(parts) == 2
	g := parts[0]
}

api_group(r) := "" if count(split(object.get(r, "apiVersion", ""), "/")) != 2

group_kind(r) := concat("/", [api_group(r), r.kind])

# A CRD of the run speaks for a group/kind the shipped schemas do not define.
crd_scope(r) := "Cluster" if {
	count(crd_cluster_group_kinds) > 0 # no CRD in view: no group/Kind string is built (issue 20)
	crd_cluster_group_kinds[group_kind(r)]
	crd_may_speak(r)
}

crd_scope(r) := "Namespaced" if {
	count(crd_namespaced_group_kinds) > 0
	crd_namespaced_group_kinds[group_kind(r)]
	not crd_cluster_group_kinds[group_kind(r)]
	crd_may_speak(r)
}

crd_may_speak(r) if {
	not scopes.builtin_groups[api_group(r)]
	not scopes.cluster_scoped_group_kinds[group_kind(r)]
	not scopes.namespaced_group_kinds[group_kind(r)]
}

namespaced_by_group_kind(r) if scopes.namespaced_group_kinds[group_kind(r)]

namespaced_by_group_kind(r) if crd_scope(r) == "Namespaced"

# Judged by name (the message of before): a cluster-scoped kind name not known namespaced in the object's group, a
# CRD of the run declaring the group/kind cluster-scoped, extraClusterScopedKinds, Namespace without allowNamespaces.
forbidden_by_name(r) if {
	# A set lookup (`x in set` walks every element in the Wasm engine: hundreds of kinds, per resource); comparing
	# the value found keeps a `false` kind exactly as `in` judged it.
	name_cluster_kinds[r.kind] == r.kind
	not namespaced_by_group_kind(r)
}

forbidden_by_name(r) if {
	crd_scope(r) == "Cluster"
	r.kind != "Namespace"
}

forbidden_by_name(r) if {
	some k in params.extraClusterScopedKinds
	k == r.kind
}

forbidden_by_name(r) if {
	r.kind == "Namespace"
	not params.allowNamespaces
	not namespaced_by_group_kind(r)
}

# Cluster-scoped by group and kind in the OpenShift and ecosystem scope packs (MachineConfig, ClusterResourceQuota,
# AdminNetworkPolicy, config.openshift.io Ingress...), Namespace left to allowNamespaces, and not already reported
# by name.
forbidden_group_kind(r) if {
	scopes.cluster_scoped_group_kinds[group_kind(r)]
	r.kind != "Namespace"
	not forbidden_by_name(r)
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
	forbidden_by_name(r)
	k8s.layer_of(i) == "apps"
	v := {
		"id": "KFM-FK-001",
		"msg": concat("", ["the apps layer creates cluster-scoped ", r.kind, " ", k8s.display_name(r), "; cluster-scoped objects belong to the platform layers"]),
		"resource": i,
		"path": ["kind"],
	}
}
