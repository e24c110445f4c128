# METADATA
# title: No admission mutator or generator reaches a store's namespace
# description: >-
#   The checks judge the objects the repository renders; an admission mutator or generator changes them, or adds
#   others, after Argo CD applies them, where no check looks: a Kyverno rule patching the store's Service to type
#   LoadBalancer, generating a Route or an allow-all NetworkPolicy, a webhook or a MutatingAdmissionPolicy adding a
#   container to the store's pods. So none may reach a namespace holding a store: a MutatingWebhookConfiguration
#   webhook or a MutatingAdmissionPolicy (admissionregistration.k8s.io) whose namespaceSelector selects it (no
#   selector selects every namespace); a Kyverno ClusterPolicy or Policy (kyverno.io) rule that mutates or generates
#   there (match namespaces, their globs or namespaceSelector, mutate targets, the generate namespace; a template
#   variable may name any namespace, a Policy reaches its own); a Gatekeeper mutator (mutations.gatekeeper.sh Assign,
#   AssignMetadata, ModifySet, AssignImage) whose match names it, a glob of it, or no namespace and does not exclude
#   it; a mutating Kubewarden ClusterAdmissionPolicy (its namespaceSelector) or AdmissionPolicy (its namespace); a
#   jsPolicy JsPolicy of type Mutating or Controller (its namespaceSelector). Object selectors and kinds are not read: any object of the namespace can open the store (a label a
#   NetworkPolicy selects, a container, a Service). Reported on each store workload a mutator reaches, naming it.
# custom:
#   id: KFM-TM-012
#   severity: error
#   remediation: >-
#     Commit the change the mutator makes as part of the desired state instead (a patch in the overlay, the
#     generated object itself), and scope the mutator away from namespaces that hold stores (a namespaceSelector or
#     a namespaces list that does not include them).
package kfm.tm.store_admission_mutation

import data.kfm_lib.k8s
import data.kfm_lib.stores

violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	ns := k8s.namespace(w)
	some m in mutators
	some why in reaches(m, ns)
	v := {
		"id": "KFM-TM-012",
		"msg": concat("", [m.kind, " ", k8s.display_name(m), " ", why, " in namespace ", ns, ", which holds store ", w.kind, " ", k8s.display_name(w), ": what runs there would not be what was checked"]),
		"resource": i,
		"path": ["metadata", "name"],
	}
}

mutator_kinds := {
	"MutatingWebhookConfiguration", "MutatingAdmissionPolicy", "ClusterPolicy", "Policy",
	"Assign", "AssignMetadata", "ModifySet", "AssignImage",
	"ClusterAdmissionPolicy", "AdmissionPolicy", "JsPolicy",
}

# The mutators the evaluation sees (cluster-scoped ones are context of every part), found once.
mutators contains m if {
	some m in k8s.all
	mutator_kinds[m.kind]
}

admission_group(m) if startswith(object.get(m, "apiVersion", ""), "admissionregistration.k8s.io/")

reaches(m, ns) := (((({why |
	m.kind == "MutatingWebhookConfiguration"
	admission_group(m)
	some hook in object.get(m, "webhooks", [])
	k8s.namespace_selected(object.get(hook, "namespaceSelector", {}), ns)
	why := concat("", ["(webhook ", object.get(hook, "name", ""), ") changes objects at admission"])
} | {why |
	m.kind == "MutatingAdmissionPolicy"
	admission_group(m)
	k8s.namespace_selected(object.get(m, ["spec", "matchConstraints", "namespaceSelector"], {}), ns)
	why := "changes objects at admission"
}) | {why |
	m.kind in {"ClusterPolicy", "Policy"}
	startswith(object.get(m, "apiVersion", ""), "kyverno.io/")
	some rule in object.get(m, ["spec", "rules"], [])
	some what in kyverno_reaches(m, rule, ns)
	why := concat("", ["(rule ", object.get(rule, "name", ""), ") ", what, " at admission"])
}) | {why |
	m.kind in {"Assign", "AssignMetadata", "ModifySet", "AssignImage"}
	startswith(object.get(m, "apiVersion", ""), "mutations.gatekeeper.sh/")
	gatekeeper_reaches(object.get(m, ["spec", "match"], {}), ns)
	why := "changes objects at admission"
}) | {why |
	# Kubewarden: a mutating policy, cluster-wide by its namespaceSelector or in its own namespace.
	startswith(object.get(m, "apiVersion", ""), "policies.kubewarden.io/")
	object.get(m, ["spec", "mutating"], false) == true
	kubewarden_scope(m, ns)
	why := "changes objects at admission"
}) | {why |
	# jsPolicy: a mutating policy, or a controller policy (it writes any object, wherever it runs).
	m.kind == "JsPolicy"
	startswith(object.get(m, "apiVersion", ""), "policy.jspolicy.com/")
	object.get(m, ["spec", "type"], "Validating") in {"Mutating", "Controller"}
	k8s.namespace_selected(object.get(m, ["spec", "namespaceSelector"], {}), ns)
	why := concat("", ["(", m.spec.type, ") changes objects"])
}

kubewarden_scope(m, ns) if {
	m.kind == "ClusterAdmissionPolicy"
	k8s.namespace_selected(object.get(m, ["spec", "namespaceSelector"], {}), ns)
}

kubewarden_scope(m, ns) if {
	m.kind == "AdmissionPolicy"
	k8s.namespace(m) == ns
}

# A namespaced Kyverno Policy acts in its own namespace only.
kyverno_scope(m, ns) if m.kind == "ClusterPolicy"

kyverno_scope(m, ns) if {
	m.kind == "Policy"
	k8s.namespace(m) == ns
}

kyverno_reaches(m, rule, ns) := ({"mutates objects" |
	kyverno_scope(m, ns)
	is_object(rule.mutate)
	some filter in kyverno_filters(object.get(rule, "match", {}))
	kyverno_namespaces(object.get(filter, "resources", {}), ns)
} | {"mutates objects" |
	kyverno_scope(m, ns)
	some target in object.get(rule, ["mutate", "targets"], [])
	named_or_any(object.get(target, "namespace", ""), ns)
}) | {"generates objects" |
	kyverno_scope(m, ns)
	is_object(rule.generate)
	named_or_any(object.get(rule, ["generate", "namespace"], ""), ns)
}

# The resource filters of a match: `any` and `all` lists, or the legacy `resources` directly under it.
kyverno_filters(match) := array.concat(
	array.concat(object.get(match, "any", []), object.get(match, "all", [])),
	[match | is_object(match.resources)],
)

# A filter reaches the namespace unless it names others: by name or glob, or by a selector that does not select it.
kyverno_namespaces(resources, ns) if {
	not resources.namespaces
	not resources.namespaceSelector
}

kyverno_namespaces(resources, ns) if {
	some pattern in object.get(resources, "namespaces", [])
	glob.match(pattern, null, ns)
}

kyverno_namespaces(resources, ns) if {
	is_object(resources.namespaceSelector)
	k8s.namespace_selected(resources.namespaceSelector, ns)
}

# A target or generated object's namespace: this one, a glob of it, none (the policy's own, or cluster-scoped:
# read as any) or a template variable, which may name any namespace.
named_or_any(name, ns) if not is_string(name)

named_or_any(name, ns) if name == ""

named_or_any(name, ns) if contains(name, "{{")

named_or_any(name, ns) if {
	is_string(name)
	glob.match(name, null, ns)
}

gatekeeper_reaches(match, ns) if {
	gatekeeper_named(match, ns)
	not gatekeeper_excluded(match, ns)
	k8s.namespace_selected(object.get(match, "namespaceSelector", {}), ns)
}

gatekeeper_named(match, ns) if not match.namespaces

gatekeeper_named(match, ns) if {
	some pattern in match.namespaces
	glob.match(pattern, null, ns)
}

gatekeeper_excluded(match, ns) if {
	some pattern in object.get(match, "excludedNamespaces", [])
	glob.match(pattern, null, ns)
}
