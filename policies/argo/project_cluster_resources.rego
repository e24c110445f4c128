# METADATA
# title: AppProjects do not whitelist every cluster-scoped resource
# description: >-
#   spec.clusterResourceWhitelist decides which cluster-scoped kinds an AppProject's Applications may create. A `*`
#   group or kind hands whoever can create an Application in the project CRDs, ClusterRoles and webhooks, the
#   cluster-wide sprawl the FK rules forbid; a platform project lists its kinds explicitly too, so adding one is a
#   reviewed change. Globs that match any group or kind (`?*`, `**`, `*.*`...) count as `*`. Projects listed in the
#   policy parameter platformProjects (default none) are exempt.
# custom:
#   id: KFM-ARGO-002
#   severity: error
#   remediation: >-
#     Remove the entry (app projects normally need no cluster-scoped kinds) or list the exact group and kind.
package kfm.argo.project_cluster_resources

import data.kfm_lib.argo
import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	not k8s.name(r) in params.platformProjects
	some j, entry in object.get(r, ["spec", "clusterResourceWhitelist"], [])
	wildcard(entry)
	v := {
		"id": "KFM-ARGO-002",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " whitelists cluster-scoped resources with a wildcard (group ", object.get(entry, "group", ""), ", kind ", object.get(entry, "kind", ""), ")"]),
		"resource": i,
		"path": ["spec", "clusterResourceWhitelist", j],
	}
}

wildcard(entry) if argo.wildcard("group", entry.group)

wildcard(entry) if argo.wildcard("kind", entry.kind)
