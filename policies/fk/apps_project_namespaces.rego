# METADATA
# title: The apps layer deploys only into namespaces its AppProject allows
# description: >-
#   Argo CD refuses to sync resources outside an AppProject's destinations, so a manifest that targets another
#   namespace fails at sync time or, if the project is later widened, lands in a namespace the app team does not
#   own. The project of the apps layer is the AppProject named by the policy parameter appProject (default
#   kfm-apps), looked up among every AppProject rendered anywhere in the run; destination namespaces are globs and
#   a leading `!` denies. When no such AppProject is rendered in the run this rule has nothing to compare with and
#   reports nothing.
# custom:
#   id: KFM-FK-002
#   severity: error
#   remediation: >-
#     Deploy into a namespace listed in the AppProject's spec.destinations, or ask the platform team to add the
#     namespace to the project (components/argocdproj).
package kfm.fk.apps_project_namespaces

import data.kfm_lib.k8s
import data.kfm_lib.params.params

# A set: the same AppProject may be rendered by several overlays of the run. A namespace is allowed when any
# rendering of the project allows it.
projects contains p if {
	some p in object.get(input, ["run", "appProjects"], [])
	k8s.name(p) == params.appProject
}

violations contains v if {
	count(projects) > 0
	some i, r in input.resources
	k8s.layer_of(i) == "apps"
	ns := r.metadata.namespace
	denied_namespaces[ns] == ns # a set lookup; comparing the value found keeps `false` as `in` would
	v := {
		"id": "KFM-FK-002",
		"msg": concat("", [r.kind, " ", k8s.display_name(r), " is in namespace ", ns, ", which AppProject ", params.appProject, " does not allow"]),
		"resource": i,
		"path": ["metadata", "namespace"],
	}
}

# Namespaces of apps-layer objects that no project allows, judged once per namespace rather than once per object
# (the globs of every project's destinations were most of this rule's cost).
denied_namespaces contains ns if {
	some ns in {r.metadata.namespace | some i, r in input.resources; k8s.layer_of(i) == "apps"}
	not allowed_by_a_project(ns)
}

allowed_by_a_project(ns) if {
	some p in projects
	allowed(p, ns)
}

allowed(p, ns) if {
	some d in object.get(p, ["spec", "destinations"], [])
	pattern := object.get(d, "namespace", "")
	not startswith(pattern, "!")
	glob.match(pattern, null, ns)
	not denied(p, ns)
}

denied(p, ns) if {
	some d in object.get(p, ["spec", "destinations"], [])
	pattern := object.get(d, "namespace", "")
	startswith(pattern, "!")
	glob.match(trim_prefix(pattern, "!"), null, ns)
}
