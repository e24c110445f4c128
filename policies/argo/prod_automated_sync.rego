# METADATA
# title: Prod Applications sync manually unless the config allows automation
# description: >-
#   Automated sync applies every merged change to production at once, with no human looking at the diff in Argo
#   CD. KFM promotes to prod deliberately, so automated sync on a prod Application is a warning unless the policy
#   parameter allowAutomatedProd is true. An Application is prod when its destination namespace or destination
#   cluster name is `prod` or ends in `-prod`, it carries the label kfm.dev/env=prod, or one of its source paths has
#   a `prod` segment (as in apps/kfm-api/overlays/prod). An ApplicationSet is prod when its template looks prod by
#   the same tests, or one of its list generators (also inside matrix/merge generators) has an element with a value
#   `prod`, ending in `-prod` or with a `prod` path segment, or one of its git directory generators has a `prod` path
#   segment. Otherwise the Applications its generators evaluate to (git directories and files, matrix, merge) are
#   judged one by one by the same tests: a generated prod Application that syncs automatically is reported on the
#   template's syncPolicy.automated, and one whose destination is a template expression kfm-gitops does not
#   evaluate is KFM-RENDER-024.
# custom:
#   id: KFM-ARGO-004
#   severity: warning
#   remediation: >-
#     Remove syncPolicy.automated from the prod Application (sync from the Argo CD UI/CLI after review), or set
#     `policy: {allowAutomatedProd: true}` in kfm-gitops.yaml if automated prod sync is an accepted practice.
package kfm.argo.prod_automated_sync

import data.kfm_lib.k8s
import data.kfm_lib.params.params

violations contains v if {
	not params.allowAutomatedProd
	some i, r in input.resources
	r.kind == "Application"
	automated(r.spec.syncPolicy)
	prod_app(r.metadata, r.spec)
	v := {
		"id": "KFM-ARGO-004",
		"msg": concat("", ["prod Application ", k8s.display_name(r), " syncs automatically"]),
		"resource": i,
		"path": ["spec", "syncPolicy", "automated"],
	}
}

violations contains v if {
	not params.allowAutomatedProd
	some i, r in input.resources
	r.kind == "ApplicationSet"
	automated(r.spec.template.spec.syncPolicy)
	prod_appset(r)
	v := {
		"id": "KFM-ARGO-004",
		"msg": concat("", ["ApplicationSet ", k8s.display_name(r), " generates prod Applications that sync automatically"]),
		"resource": i,
		"path": ["spec", "template", "spec", "syncPolicy", "automated"],
	}
}

# `automated: {}` turns automation on; Argo CD 3 can also keep the block with `enabled: false`.
automated(sync_policy) if {
	is_object(sync_policy.automated)
	object.get(sync_policy.automated, "enabled", true) != false
}

prod_value(s) if {
	is_string(s)
	s == "prod"
}

prod_value(s) if {
	is_string(s)
	endswith(s, "-prod")
}

prod_value(s) if {
	is_string(s)
	"prod" in split(s, "/")
}

prod_app(meta, spec) if prod_value(spec.destination.namespace)

prod_app(meta, spec) if prod_value(spec.destination.name)

prod_app(meta, spec) if object.get(meta, ["labels", "kfm.dev/env"], "") == "prod"

prod_app(meta, spec) if prod_value(spec.source.path)

prod_app(meta, spec) if {
	some s in object.get(spec, "sources", [])
	prod_value(s.path)
}

prod_appset(r) if prod_app(object.get(r, ["spec", "template", "metadata"], {}), r.spec.template.spec)

prod_appset(r) if {
	some g in generators(r)
	some element in object.get(g, ["list", "elements"], [])
	some value in element
	prod_value(value)
}

prod_appset(r) if {
	some g in generators(r)
	some d in object.get(g, ["git", "directories"], [])
	not object.get(d, "exclude", false)
	prod_value(d.path)
}

# Top-level generators and those nested one level inside matrix/merge generators.
generators(r) := array.concat(top, nested) if {
	top := object.get(r, ["spec", "generators"], [])
	nested := [n |
		some g in top
		some kind in ["matrix", "merge"]
		some n in object.get(g, [kind, "generators"], [])
	]
}
