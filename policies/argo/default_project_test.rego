package kfm.argo.default_project_test

import data.kfm.argo.default_project as rule

app(spec) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "kfm-api-dev"}, "spec": spec}

appset(spec) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "tenants"}, "spec": {"generators": [], "template": {"metadata": {"name": "x"}, "spec": spec}}}

paths(resources) := ps if {
	vs := rule.violations with input as {"resources": resources}
	ps := {[v.resource, v.path] | some v in vs}
}

test_default_project if {
	paths([app({"project": "default"})]) == {[0, ["spec", "project"]]}
}

test_missing_project_is_default if {
	paths([app({"destination": {}})]) == {[0, ["spec"]]}
}

test_appset_template_default if {
	paths([app({"project": "kfm-apps"}), appset({"project": "default"})]) == {[1, ["spec", "template", "spec", "project"]]}
}

test_named_projects_pass if {
	paths([app({"project": "kfm-apps"}), appset({"project": "kfm-platform"})]) == set()
}

test_appset_list_element_project_default if {
	a := json.patch(appset({"project": "{{project}}"}), [{"op": "replace", "path": "/spec/generators", "value": [{"list": {"elements": [{"project": "kfm-apps"}, {"project": "default"}]}}]}])
	paths([a]) == {[0, ["spec", "template", "spec", "project"]]}
}

test_appset_matrix_go_template_elements if {
	gens := [{"matrix": {"generators": [{"list": {"elements": [{"project": "default"}]}}, {"clusters": {}}]}}]
	a := json.patch(appset({"project": "{{ .project }}"}), [{"op": "replace", "path": "/spec/generators", "value": gens}])
	paths([a]) == {[0, ["spec", "template", "spec", "project"]]}
}

test_appset_parameterised_project_with_named_elements_passes if {
	a := json.patch(appset({"project": "{{project}}"}), [{"op": "replace", "path": "/spec/generators", "value": [{"list": {"elements": [{"project": "kfm-apps"}]}}]}])
	paths([a]) == set()
}
