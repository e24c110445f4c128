# Data document: the user-facing ClusterRoles every Kubernetes cluster has (rbac-defaults), with their labels (what
# an aggregationRule can select) and the effective rules that matter to the RBAC rules (after the API server's own
# aggregation: admin includes edit, edit includes view). admin and edit read and write every Secret of the
# namespace they are bound in; view reads none. Source: the bootstrap policy of kube-apiserver
# (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), unchanged in substance since 1.9.
package kfm_data.rbac

rbac_defaults := {"kubernetes.io/bootstrapping": "rbac-defaults"}

# Pods and the workloads that run them (edit and admin write them: KFM-RBAC-006 in a store's namespace).
workload_rw := {"apiGroups": ["", "apps", "batch"], "resources": ["pods", "replicationcontrollers", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"], "verbs": ["create", "delete", "deletecollection", "patch", "update"]}

secret_rw := {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}

builtin_cluster_roles := {
	"cluster-admin": {
		"labels": rbac_defaults,
		"rules": [
			{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
			{"nonResourceURLs": ["*"], "verbs": ["*"]},
		],
	},
	"admin": {
		"labels": rbac_defaults,
		"rules": [
			secret_rw,
			workload_rw,
			{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]},
			{"apiGroups": [""], "resources": ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy"], "verbs": ["create", "get"]},
		],
	},
	"edit": {
		"labels": object.union(rbac_defaults, {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}),
		"rules": [
			secret_rw,
			workload_rw,
			{"apiGroups": [""], "resources": ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy"], "verbs": ["create", "get"]},
			{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]},
		],
	},
	"view": {
		"labels": object.union(rbac_defaults, {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}),
		"rules": [{"apiGroups": ["", "apps", "batch"], "resources": ["pods", "services", "configmaps", "deployments", "jobs"], "verbs": ["get", "list", "watch"]}],
	},
}
