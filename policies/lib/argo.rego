# Argo CD pattern semantics. AppProject sourceRepos, destinations and cluster-resource lists are globs that Argo CD
# matches without path separators (`*` crosses `/` and `.`), so `?*`, `**`, `*/*` or `https://*` allow as much as
# `*`. A pattern is judged by what it matches: it is a wildcard when it matches unrelated values nobody would
# list on purpose (probes below). Patterns starting with `!` deny and are never wildcards.
package kfm_lib.argo

import data.kfm_lib.k8s

probes := {
	"repo": ["https://attacker.invalid/any/repo.git", "https://github.com/someone-else/x.git", "git@attacker.invalid:x/y.git"],
	"server": ["https://attacker.invalid:6443", "https://10.0.0.1"],
	"name": ["attacker-cluster", "in-cluster"],
	"namespace": ["kube-system", "attacker-namespace-x9"],
	"group": ["rbac.authorization.k8s.io", "apiextensions.k8s.io"],
	"kind": ["ClusterRole", "CustomResourceDefinition"],
}

# `*` itself, or a glob matching every probe of its field but at most one of the (ssh) repo probes: `https://*`
# opens every https repository, which is every repository anyone would use.
wildcard(field, pattern) if pattern == "*"

# Only wildcard characters, after an optional URL scheme (https://*, ssh://**, git@*): every value.
wildcard(field, pattern) if {
	is_string(pattern)
	rest := trim_prefix(trim_prefix(trim_prefix(trim_prefix(pattern, "https://"), "http://"), "ssh://"), "git@")
	trim(rest, "*?/.:") == ""
	contains(rest, "*")
}

wildcard(field, pattern) if {
	is_string(pattern)
	not startswith(pattern, "!")
	field != "repo"
	every p in probes[field] {
		glob.match(pattern, [], p)
	}
}

wildcard("repo", pattern) if {
	is_string(pattern)
	not startswith(pattern, "!")
	glob.match(pattern, [], probes.repo[0])
	glob.match(pattern, [], probes.repo[1])
}

# ApplicationSet generator elements (list generators, top level and inside matrix/merge generators).
generators(r) := array.concat(top, nested) if {
	top := object.get(r, ["spec", "generators"], [])
	nested := [n |
		some g in top
		some kind in ["matrix", "merge"]
		some n in object.get(g, [kind, "generators"], [])
	]
}

list_elements(r) := [e |
	some g in generators(r)
	some e in object.get(g, ["list", "elements"], [])
	is_object(e)
]

# A template string with the element's values substituted, in both template syntaxes ({{key}} and, with
# goTemplate, {{.key}}), spaces inside the braces allowed.
render(s, element) := out if {
	pairs := [[concat("", ["{{", sp, dot, k, sp, "}}"]), v] |
		some k, v in element
		is_string(v)
		some dot in ["", "."]
		some sp in ["", " "]
	]

	# One value per placeholder: keys `a` and `.a` both spell {{.a}} (a map built straight from the pairs stopped
	# the evaluation with a key conflict); the first pair wins, as in the key order.
	placeholders := {p[0] | some p in pairs}
	out := strings.replace_n({ph: v | some ph in placeholders; v := [p[1] | some p in pairs; p[0] == ph][0]}, s)
}

# Argo CD's own configuration: an ArgoCD instance (the operator's custom resource), the ConfigMaps Argo CD reads by
# name (argocd-cm, argocd-rbac-cm), a boolean setting as either spells it, and an RBAC policy line's fields
# (`p, <subject>, <resource>, <action>, <object>[, <effect>]`, quotes and blanks trimmed) with its effect.
instance(r) if {
	r.kind == "ArgoCD"
	startswith(object.get(r, "apiVersion", ""), "argoproj.io/")
}

config_map(r, name) if {
	r.kind == "ConfigMap"
	k8s.name(r) == name
}

enabled(true)

enabled(value) if {
	is_string(value)
	lower(trim_space(value)) == "true"
}

policy_fields(line) := [trim(f, " \t\r\"") | some f in split(line, ",")]

effect(fields) := fields[5] if count(fields) > 5

effect(fields) := "allow" if count(fields) <= 5
