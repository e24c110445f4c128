# METADATA
# title: AppProjects name their source repositories and destinations
# description: >-
#   The AppProject is the boundary Argo CD enforces: which repositories may be deployed and where. A `*` source
#   repository lets anyone able to create an Application deploy from any repository; a `*` destination server,
#   name or namespace lets it deploy anywhere, kube-system included. Every AppProject, platform ones included, must
#   list them. Patterns are judged as Argo CD matches them (globs where `*` also crosses `/`): `?*`, `**` and
#   `https://*` allow as much as `*`.
# custom:
#   id: KFM-ARGO-001
#   severity: error
#   remediation: >-
#     List the repositories in spec.sourceRepos and the clusters and namespaces (globs such as `kfm-*` are fine) in
#     spec.destinations.
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
