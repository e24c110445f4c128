# METADATA
# title: The apps layer may not create cluster-scoped resources
# description: >-
#   App teams own namespaced workloads; cluster-scoped objects (RBAC across namespaces, CRDs, admission webhooks,
#   Namespaces, priority and storage classes, persistent volumes, API services, cluster-wide issuers and secret
#   stores...) change the platform for everyone and belong to the platform-owned core or bootstrap layers. Namespace
#   objects are allowed when the policy parameter allowNamespaces is true; more kinds can be added with
#   extraClusterScopedKinds.
# custom:
#   id: KFM-FK-001
#   severity: error
#   remediation: >-
#     Move the object to the core (or bootstrap) layer, owned by the platform team, or replace it with its
#     namespaced equivalent (Role instead of ClusterRole, RoleBinding instead of ClusterRoleBinding, Issuer instead
#     of ClusterIssuer, SecretStore instead of ClusterSecretStore).
package kfm.fk.apps_cluster_scoped

import data.kfm_lib.k8s
import data.kfm_lib.params.params

cluster_scoped_kinds := {
	"APIService",
	"CSIDriver",
	"CertificateSigningRequest",
	"ClusterExternalSecret",
	"ClusterIssuer",
	"ClusterPolicy",
	"ClusterRole",
	"ClusterRoleBinding",
	"ClusterSecretStore",
	"CustomResourceDefinition",
	"FlowSchema",
	"IngressClass",
	"MutatingAdmissionPolicy",
	"MutatingAdmissionPolicyBinding",
	"MutatingWebhookConfiguration",
	"Node",
	"PersistentVolume",
	"PodSecurityPolicy",
	"PriorityClass",
	"PriorityLevelConfiguration",
	"RuntimeClass",
	"SecurityContextConstraints",
	"StorageClass",
	"ValidatingAdmissionPolicy",
	"ValidatingAdmissionPolicyBinding",
	"ValidatingWebhookConfiguration",
	"VolumeAttachment",
	"VolumeSnapshotClass",
}

forbidden_in_apps contains k if some k in cluster_scoped_kinds

forbidden_in_apps contains k if some k in params.extraClusterScopedKinds

forbidden_in_apps contains "Namespace" if not params.allowNamespaces

violations contains v if {
	some i, r in input.resources
	r.kind in forbidden_in_apps
	k8s.layer_of(i) == "apps"
	v := {
		"id": "KFM-FK-001",
		"msg": concat("", ["the apps layer creates cluster-scoped ", r.kind, " ", k8s.name(r), "; cluster-scoped objects belong to the platform layers"]),
		"resource": i,
		"path": ["kind"],
	}
}
