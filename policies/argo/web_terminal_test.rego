package kfm.argo.web_terminal_test

import data.kfm.argo.web_terminal as rule

instance(extra, rbac) := {
	"apiVersion": "argoproj.io/v1beta1", "kind": "ArgoCD",
	"metadata": {"name": "openshift-gitops", "namespace": "openshift-gitops"},
	"spec": {"extraConfig": extra, "rbac": rbac},
}

cm(name, ns, entries) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": entries}

project(lines) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
	"metadata": {"name": "kfm-apps", "namespace": "argocd"},
	"spec": {"roles": [{"name": "dev", "groups": ["kfm-developers"], "policies": lines}]},
}

admins := "g, system:cluster-admins, role:admin\np, role:admin, exec, create, */*, allow\np, role:kfm-developers, applications, get, kfm-apps/*, allow\n"

paths(input_doc) := ps if {
	ps := {v.path | some v in rule.violations} with input as input_doc
}

test_terminal_for_admins_only_passes if {
	paths({"resources": [instance({"exec.enabled": "true"}, {"policy": admins})]}) == set()
	paths({"resources": [cm("argocd-cm", "argocd", {"exec.enabled": "true"}), cm("argocd-rbac-cm", "argocd", {"policy.csv": admins})]}) == set()

	# The terminal off: any grant is harmless.
	dev := "p, role:dev, exec, create, */*, allow"
	paths({"resources": [instance({"exec.enabled": "false"}, {"policy": dev})]}) == set()
	paths({"resources": [instance({}, {"policy": dev})]}) == set()
	paths({"resources": [cm("argocd-cm", "argocd", {}), cm("argocd-rbac-cm", "argocd", {"policy.csv": dev})]}) == set()

	# A deny, and an argocd-rbac-cm of another namespace (another instance's), grant nothing here.
	paths({"resources": [instance({"exec.enabled": "true"}, {"policy": "p, role:dev, exec, create, */*, deny"})]}) == set()
	paths({"resources": [cm("argocd-cm", "argocd", {"exec.enabled": "true"}), cm("argocd-rbac-cm", "other", {"policy.csv": dev})]}) == set()
}

test_terminal_with_exec_for_others if {
	on := ["spec", "extraConfig", "exec.enabled"]
	every line in [
		"p, role:dev, exec, create, kfm-apps/*, allow",
		"p, kfm-developers, exec, create, */*",
		"p, role:dev, *, *, */*, allow",
		"p, role:dev, e*, c*, */*, allow",
		"p, \"role:dev\", \"exec\", \"create\", \"*/*\", \"allow\"",
		"p, role:dev, .*, cre.*, */*, allow",
	] {
		paths({"resources": [instance({"exec.enabled": "true"}, {"policy": concat("\n", [admins, line])})]}) == {on}
	}

	# argocd-cm and the argocd-rbac-cm of its namespace, the latter in the shared context too.
	dev := {"policy.dev.csv": "p, role:dev, exec, create, */*, allow"}
	paths({"resources": [cm("argocd-cm", "argocd", {"exec.enabled": " TRUE"}), cm("argocd-rbac-cm", "argocd", dev)]}) == {["data", "exec.enabled"]}
	paths({"resources": [cm("argocd-cm", "argocd", {"exec.enabled": "true"})], "shared": [cm("argocd-rbac-cm", "argocd", dev)]}) == {["data", "exec.enabled"]}

	# An AppProject role of the run.
	paths({
		"resources": [instance({"exec.enabled": "true"}, {"policy": admins})],
		"run": {"appProjects": [project(["p, proj:kfm-apps:dev, exec, create, kfm-apps/*, allow"])]},
	}) == {on}
	paths({
		"resources": [instance({"exec.enabled": "true"}, {"policy": admins})],
		"run": {"appProjects": [project(["p, proj:kfm-apps:dev, applications, sync, kfm-apps/*, allow"])]},
	}) == set()

	ms := {v.msg | some v in rule.violations} with input as {"resources": [instance({"exec.enabled": "true"}, {"policy": "p, role:dev, exec, create, */*, allow"})]}
	some m in ms
	contains(m, "lets role:dev exec")
}
