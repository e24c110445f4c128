# METADATA
# title: Applications never use the default project
# description: >-
#   Argo CD's `default` AppProject allows every repository, destination and cluster-scoped kind unless someone
#   tightened it by hand in the cluster. An Application (or an ApplicationSet's template) in `default`, or with no
#   project (which Argo CD treats as `default`), escapes the scoping the KFM projects enforce.
# custom:
#   id: KFM-ARGO-003
#   severity: error
#   remediation: >-
#     Set spec.project (spec.template.spec.project for an ApplicationSet) to the AppProject that owns the app, e.g.
#     kfm-apps or kfm-platform.
package kfm.argo.default_project

import data.kfm_lib.argo
import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	some spec_path in spec_paths(r)
	spec := object.get(r, spec_path, {})
	object.get(spec, "project", "") in {"", "default"}
	v := {
		"id": "KFM-ARGO-003",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " uses the default AppProject"]),
		"resource": i,
		"path": project_path(spec_path, spec),
	}
}

# An ApplicationSet whose template project is a parameter ({{project}}) generates an Application per list
# element: each element's project is judged.
violations contains v if {
	some i, r in input.resources
	r.kind == "ApplicationSet"
	template := r.spec.template.spec.project
	contains(template, "{{")
	some e in argo.list_elements(r)
	project := argo.render(template, e)
	project in {"", "default"}
	v := {
		"id": "KFM-ARGO-003",
		"msg": concat("", ["ApplicationSet ", k8s.display_name(r), " generates an Application in the default AppProject (template project ", template, " with a generator element giving ", project, ")"]),
		"resource": i,
		"path": ["spec", "template", "spec", "project"],
	}
}

spec_paths(r) := [["spec"]] if r.kind == "Application"

spec_paths(r) := [["spec", "template", "spec"]] if r.kind == "ApplicationSet"

project_path(spec_path, spec) := array.concat(spec_path, ["project"]) if spec.project

project_path(spec_path, spec) := spec_path if not spec.project
