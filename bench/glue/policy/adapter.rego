# The glue baseline's conftest entrypoint: runs the project's own KFM rules (policies/**, copied beside this file
# at bench time, tests left out) under conftest, so the glue applies exactly the same rule families as
# `kfm-gitops check` — TM, DP, FK, RBAC, ARGO — with the same defaults.
#
# conftest is called once per overlay with `--combine` and these files:
#   <work>/rendered/<overlay with / replaced by __>.yaml   the overlay's `kustomize build` output
#   <root>/<overlay>/kustomization.yaml                     the overlay's kustomization (for KFM-DP-003)
#   <root>/components/argocdproj/appproject-*.yaml          the AppProjects (KFM-FK-002 compares with them)
# and `--data rules.json` (policies/bundle/rules.json) for each rule's severity: error → deny, warning → warn.
#
# With --combine, input is [{path, contents}]: conftest (v0.71) gives every document of a multi-document file its own
# entry with the file's path (older versions gave one entry whose contents is the array), so documents are
# grouped by path here, in input order. The rules read input.overlay / input.resources / input.run / input.params
# (the shape src/checks/policy/input.ts builds), so this adapter rebuilds that input per overlay and evaluates the
# rules `with input as` it.
package main

docs(f) := [d | some d in f.contents; is_object(d)] if is_array(f.contents)

docs(f) := [f.contents] if is_object(f.contents)

docs(f) := [] if {
	not is_array(f.contents)
	not is_object(f.contents)
}

basename(p) := parts[count(parts) - 1] if parts := split(p, "/")

rendered_paths contains f.path if {
	some f in input
	contains(f.path, "/rendered/")
}

# Every document of one file, in input order.
documents(path) := [d |
	some f in input
	f.path == path
	some d in docs(f)
]

# Overlay classification as discovery does it: env = folder name, layer = first segment, app for apps/<app>/…
overlay_of(path) := {"path": p, "env": segs[count(segs) - 1], "layer": segs[0]} if {
	p := replace(trim_suffix(basename(path), ".yaml"), "__", "/")
	segs := split(p, "/")
}

with_app(o) := object.union(o, {"app": segs[1]}) if {
	segs := split(o.path, "/")
	segs[0] == "apps"
	count(segs) > 2
}

with_app(o) := o if {
	segs := split(o.path, "/")
	not apps_overlay(segs)
}

apps_overlay(segs) if {
	segs[0] == "apps"
	count(segs) > 2
}

# The overlay's kustomization as parsed by conftest, null when it was not passed (as the tool does when unreadable).
kustomization(o) := k if {
	some f in input
	endswith(f.path, concat("/", [o.path, "kustomization.yaml"]))
	is_object(f.contents)
	k := f.contents
}

kustomization(o) := null if not has_kustomization(o)

has_kustomization(o) if {
	some f in input
	endswith(f.path, concat("/", [o.path, "kustomization.yaml"]))
	is_object(f.contents)
}

app_projects := [d |
	some f in input
	some d in docs(f)
	d.kind == "AppProject"
	startswith(object.get(d, "apiVersion", ""), "argoproj.io/")
]

policy_input(path) := {
	"overlay": object.union(with_app(overlay_of(path)), {
		"kustomization": kustomization(overlay_of(path)),
		"kustomizationFile": concat("/", [overlay_of(path).path, "kustomization.yaml"]),
	}),
	"resources": documents(path),
	"run": {"appProjects": app_projects},
	# conftest sees one overlay at a time, never the env's platform overlays: the lateral-movement rule (a namespace
	# needs a default-deny policy, usually from core/) cannot be judged here, so it is switched off for the glue.
	"params": {"isolatedEnvs": []},
}

severity(id) := s if {
	some r in data.rules
	r.id == id
	s := r.severity
}

severity(id) := "error" if not known_rule(id)

known_rule(id) if {
	some r in data.rules
	r.id == id
}

violations contains [o.path, v] if {
	some path in rendered_paths
	o := overlay_of(path)
	some v in data.kfm_main.violations with input as policy_input(path)
}

message(o, v) := sprintf("%s %s: %s", [v.id, o, v.msg])

deny contains message(o, v) if {
	some [o, v] in violations
	severity(v.id) == "error"
}

warn contains message(o, v) if {
	some [o, v] in violations
	severity(v.id) != "error"
}
