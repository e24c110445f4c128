package kfm.fk.apps_project_namespaces_test

import data.kfm.fk.apps_project_namespaces as rule

project(name, namespaces) := {
	"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
	"metadata": {"name": name, "namespace": "openshift-gitops"},
	"spec": {"destinations": [{"server": "https://kubernetes.default.svc", "namespace": ns} | some ns in namespaces]},
}

cm(ns) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": ns}}

run(layer, resources, projects) := vs if {
	vs := rule.violations with input as {
		"overlay": {"layer": layer, "env": "dev"},
		"resources": resources,
		"run": {"appProjects": projects},
	}
}

test_namespace_outside_project if {
	vs := run("apps", [cm("kfm-dev"), cm("kube-system")], [project("kfm-apps", ["kfm-dev"])])
	count(vs) == 1
	some v in vs
	[v.id, v.resource, v.path] == ["KFM-FK-002", 1, ["metadata", "namespace"]]
}

test_glob_destination if {
	count(run("apps", [cm("kfm-dev"), cm("kfm-prod")], [project("kfm-apps", ["kfm-*"])])) == 0
}

test_negated_destination if {
	count(run("apps", [cm("kfm-system")], [project("kfm-apps", ["kfm-*", "!kfm-system"])])) == 1
}

test_other_projects_do_not_count if {
	count(run("apps", [cm("kube-system")], [project("kfm-platform", ["*"]), project("kfm-apps", ["kfm-dev"])])) == 1
}

test_no_project_in_run_skips if {
	count(run("apps", [cm("kube-system")], [project("kfm-platform", ["kfm-dev"])])) == 0
}

test_project_rendered_twice_differently if {
	count(run("apps", [cm("kfm-stage")], [project("kfm-apps", ["kfm-dev"]), project("kfm-apps", ["kfm-dev", "kfm-stage"])])) == 0
}

test_only_apps_layer if {
	count(run("core", [cm("kube-system")], [project("kfm-apps", ["kfm-dev"])])) == 0
}

test_cluster_scoped_objects_are_not_namespaced if {
	ns := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
	count(run("apps", [ns], [project("kfm-apps", ["kfm-dev"])])) == 0
}
