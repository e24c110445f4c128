# METADATA
# title: AppProjects name their source repositories, destinations, source namespaces and kinds
# description: >-
#   The AppProject is the boundary Argo CD enforces: which repositories may be deployed, where, by Applications of
#   which namespaces, and which kinds. A `*` source repository lets anyone able to create an Application deploy from
#   any repository; a `*` destination server, name or namespace lets it deploy anywhere, kube-system included; a
#   glob in spec.sourceNamespaces lets Applications created in any namespace it matches (one created later
#   included) use the project; a `*` group or kind in spec.namespaceResourceWhitelist allows every namespaced kind
#   instead of the listed ones. Every AppProject, platform ones included, must list them. Patterns are judged as
#   Argo CD matches them (globs where `*` also crosses `/`): `?*`, `**` and `https://*` allow as much as `*`.
# custom:
#   id: KFM-ARGO-001
#   severity: error
#   remediation: >-
#     List the repositories in spec.sourceRepos and the clusters and namespaces (globs such as `kfm-*` are fine) in
#     spec.destinations, the namespaces by name in spec.sourceNamespaces and the group and kind of each entry of
#     spec.namespaceResourceWhitelist.
package kfm.argo.project_wildcards

import data.kfm_lib.argo
import data.kfm_lib.k8s

violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	some j, repo in object.get(r, ["spec", "sourceRepos"], [])
	argo.wildcard("repo", repo)
	v := {
		"id": "KFM-ARGO-001",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " allows every source repository (", repo, ")"]),
		"resource": i,
		"path": ["spec", "sourceRepos", j],
	}
}

violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	some j, d in object.get(r, ["spec", "destinations"], [])
	some field in ["server", "name", "namespace"]
	argo.wildcard(field, d[field])
	v := {
		"id": "KFM-ARGO-001",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " destination ", format_int(j, 10), " allows every ", field, " (", d[field], ")"]),
		"resource": i,
		"path": ["spec", "destinations", j, field],
	}
}

# Applications in these namespaces may use the project: a glob admits namespaces nobody reviewed.
violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	some j, ns in object.get(r, ["spec", "sourceNamespaces"], [])
	is_string(ns)
	regex.match(`[*?\[]`, ns)
	v := {
		"id": "KFM-ARGO-001",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " lets Applications of ", source_namespaces_what(ns), " use it (sourceNamespaces ", ns, ")"]),
		"resource": i,
		"path": ["spec", "sourceNamespaces", j],
	}
}

source_namespaces_what(ns) := "every namespace" if argo.wildcard("namespace", ns)

source_namespaces_what(ns) := "any namespace matching a glob" if not argo.wildcard("namespace", ns)

violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	some j, entry in object.get(r, ["spec", "namespaceResourceWhitelist"], [])
	some field in ["group", "kind"]
	argo.wildcard(field, entry[field])
	v := {
		"id": "KFM-ARGO-001",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " whitelists every namespaced ", field, " (", entry[field], ") instead of listing its kinds"]),
		"resource": i,
		"path": ["spec", "namespaceResourceWhitelist", j, field],
	}
}
