package kfm.argo.instance_rbac_test

import data.kfm.argo.instance_rbac as rule

instance(rbac) := {
	"apiVersion": "argoproj.io/v1beta1", "kind": "ArgoCD",
	"metadata": {"name": "openshift-gitops", "namespace": "openshift-gitops"},
	"spec": {"rbac": rbac},
}

rbac_cm(entries) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-rbac-cm", "namespace": "argocd"}, "data": entries}

paths(resources) := ps if {
	ps := {v.path | some v in rule.violations} with input as {"resources": resources}
}

# The shipped instance: no default role, roles per group.
shipped_policy := "g, system:cluster-admins, role:admin\ng, kfm-platform-admins, role:admin\np, role:kfm-developers, applications, get, kfm-apps/*, allow\ng, kfm-developers, role:kfm-developers\n"

test_roles_per_group_pass if {
	paths([instance({"defaultPolicy": "", "scopes": "[groups]", "policy": shipped_policy})]) == set()
	paths([instance({"defaultPolicy": "role:readonly"})]) == set()
	paths([rbac_cm({"policy.default": "role:none", "policy.csv": shipped_policy})]) == set()

	# Everyone may read.
	paths([instance({"policy": "g, system:authenticated, role:readonly\np, system:authenticated, applications, get, */*, allow"})]) == set()

	# A ConfigMap of another name is not Argo CD's.
	paths([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, "data": {"policy.default": "role:admin", "users.anonymous.enabled": "true"}}]) == set()
}

test_default_role_for_everyone if {
	every role in ["role:admin", " role:admin", "role:kfm-release-managers"] {
		paths([instance({"defaultPolicy": role})]) == {["spec", "rbac", "defaultPolicy"]}
		paths([rbac_cm({"policy.default": role})]) == {["data", "policy.default"]}
	}
	ms := {v.msg | some v in rule.violations} with input as {"resources": [instance({"defaultPolicy": "role:admin"})]}
	some m in ms
	contains(m, "gives every user Argo CD authenticates role:admin")
}

test_role_bound_to_everyone if {
	every subject in ["system:authenticated", "system:authenticated:oauth"] {
		policy := concat("", [shipped_policy, "g, ", subject, ", role:admin\n"])
		paths([instance({"policy": policy})]) == {["spec", "rbac", "policy"]}
		paths([rbac_cm({"policy.overlay.csv": policy})]) == {["data", "policy.overlay.csv"]}
	}
	paths([instance({"policy": "p,system:authenticated,applications,sync,*/*,allow"})]) == {["spec", "rbac", "policy"]}
	paths([instance({"policy": "g, \"system:authenticated\", \"role:admin\""})]) == {["spec", "rbac", "policy"]}
	paths([instance({"policy": "p, system:authenticated, exec, create, kfm-apps/*, allow"})]) == {["spec", "rbac", "policy"]}

	# A deny takes nothing away from the membrane.
	paths([instance({"policy": "p, system:authenticated, applications, delete, */*, deny"})]) == set()
}

test_anonymous_access if {
	cm := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm", "namespace": "argocd"}, "data": {"users.anonymous.enabled": "true"}}
	paths([cm]) == {["data", "users.anonymous.enabled"]}
	paths([json.patch(cm, [{"op": "replace", "path": "/data/users.anonymous.enabled", "value": "false"}])]) == set()
	on := json.patch(instance({}), [{"op": "add", "path": "/spec/usersAnonymousEnabled", "value": true}])
	paths([on]) == {["spec", "usersAnonymousEnabled"]}
	extra := json.patch(instance({}), [{"op": "add", "path": "/spec/extraConfig", "value": {"users.anonymous.enabled": "True"}}])
	paths([extra]) == {["spec", "extraConfig", "users.anonymous.enabled"]}
}

project_role(groups, policies) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
	"metadata": {"name": "kfm-apps", "namespace": "openshift-gitops"},
	"spec": {"roles": [{"name": "ci", "policies": policies, "groups": groups}]},
}

test_project_role_given_to_everyone if {
	paths([project_role(["kfm-ci", "system:authenticated"], ["p, proj:kfm-apps:ci, applications, sync, kfm-apps/*, allow"])]) == {["spec", "roles", 0, "groups", 1]}
	paths([project_role(["system:authenticated:oauth"], ["p, proj:kfm-apps:ci, applications, get, kfm-apps/*, allow", "p, proj:kfm-apps:ci, exec, create, kfm-apps/*, allow"])]) == {["spec", "roles", 0, "groups", 0]}

	# Read-only, or to a named group: passes.
	paths([project_role(["system:authenticated"], ["p, proj:kfm-apps:ci, applications, get, kfm-apps/*, allow"])]) == set()
	paths([project_role(["kfm-ci"], ["p, proj:kfm-apps:ci, applications, sync, kfm-apps/*, allow"])]) == set()
}
