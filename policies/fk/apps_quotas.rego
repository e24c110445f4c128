# METADATA
# title: The apps layer does not set its own quotas and limit ranges
# description: >-
#   ResourceQuota and LimitRange bound what a namespace may consume; they belong to the platform (core/baseline),
#   so that an app team cannot raise its own limits, or add a LimitRange whose defaults change every pod of a
#   namespace it shares with others. The apps layer's AppProject blacklists both kinds in Argo CD; this rule keeps
#   the desired state from relying on that alone (an app deployed through another project), and reports that
#   AppProject (policy parameter appProject, default kfm-apps) when it lets its Applications create either kind: no
#   namespaceResourceBlacklist entry covers it, or a namespaceResourceWhitelist entry allows it.
# custom:
#   id: KFM-FK-004
#   severity: error
#   remediation: >-
#     Remove the object from the app's overlays and ask the platform team to change the namespace's quota or limit
#     range in the platform layer.
package kfm.fk.apps_quotas

import data.kfm_lib.k8s
import data.kfm_lib.params.params

platform_kinds := {"ResourceQuota", "LimitRange"}

violations contains v if {
	some i, r in input.resources
	platform_kinds[r.kind] == r.kind
	object.get(r, "apiVersion", "v1") == "v1"
	k8s.layer_of(i) == "apps"
	v := {
		"id": "KFM-FK-004",
		"msg": concat("", ["the apps layer creates ", r.kind, " ", k8s.display_name(r), "; quotas and limit ranges belong to the platform layer"]),
		"resource": i,
		"path": ["kind"],
	}
}

violations contains v if {
	some i, r in input.resources
	r.kind == "AppProject"
	k8s.name(r) == params.appProject
	some kind in platform_kinds
	project_allows(r.spec, kind)
	v := {
		"id": "KFM-FK-004",
		"msg": concat("", ["AppProject ", k8s.display_name(r), " of the apps layer lets its Applications create ", kind, "; blacklist it in spec.namespaceResourceBlacklist"]),
		"resource": i,
		"path": ["spec"],
	}
}

# Argo CD: a kind is allowed when the whitelist (absent: every kind) matches it and the blacklist does not.
project_allows(spec, kind) if {
	not is_array(object.get(spec, "namespaceResourceWhitelist", null))
	not listed(object.get(spec, "namespaceResourceBlacklist", []), kind)
}

project_allows(spec, kind) if {
	listed(spec.namespaceResourceWhitelist, kind)
	not listed(object.get(spec, "namespaceResourceBlacklist", []), kind)
}

listed(entries, kind) if {
	some e in entries
	glob.match(object.get(e, "group", ""), [], "")
	glob.match(object.get(e, "kind", ""), [], kind)
}
