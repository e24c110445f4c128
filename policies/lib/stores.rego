# What counts as a store (database, object store, search, graph) in the overlay being checked, which Services
# front one, and which secrets are its credentials. Shared by the trust-membrane (TM) rules.
package kfm_lib.stores

import data.kfm_lib.k8s
import data.kfm_lib.params.params

# Indexes (into input.resources) of store workloads.
store_workloads contains i if {
	some i, r in input.resources
	k8s.is_workload(r)
	store_workload(r)
}

store_workload(r) if {
	some want in params.storeSelectors.labels
	k8s.labels_contain(k8s.labels(r), want)
}

store_workload(r) if {
	some want in params.storeSelectors.labels
	k8s.labels_contain(k8s.pod_labels(r), want)
}

store_workload(r) if {
	some c in k8s.containers(r)
	store_image(c.container.image)
}

store_image(img) if {
	is_string(img)
	n := k8s.image_name(img)
	some pattern in params.storeSelectors.images
	glob.match(pattern, null, n)
}

# Indexes of Services that reach a store: labelled as one, or selecting a store's pods in their namespace.
store_services contains i if {
	some i, r in input.resources
	r.kind == "Service"
	store_service(r)
}

store_service(svc) if {
	some want in params.storeSelectors.labels
	k8s.labels_contain(k8s.labels(svc), want)
}

store_service(svc) if {
	sel := object.get(svc, ["spec", "selector"], {})
	count(sel) > 0
	some j in store_workloads
	w := input.resources[j]
	k8s.namespace(w) == k8s.namespace(svc)
	k8s.labels_contain(k8s.pod_labels(w), sel)
}

# "namespace/name" of every store Service, for routes that name their backend.
store_service_keys contains key if {
	some i in store_services
	s := input.resources[i]
	key := concat("/", [k8s.namespace(s), k8s.name(s)])
}

# Namespaces holding a store (workload or store-labelled Service).
store_namespaces contains k8s.namespace(input.resources[i]) if some i in store_workloads

store_namespaces contains k8s.namespace(input.resources[i]) if some i in store_services

# Store credentials: "namespace/secret" for every secret a store workload references.
store_secret_keys contains concat("/", [k8s.namespace(w), ref.name]) if {
	some i in store_workloads
	w := input.resources[i]
	some ref in secret_refs(w)
}

# Every secret a workload references, with the JSON path of the reference (env, envFrom, volumes, projected).
secret_refs(w) := array.concat(container_secret_refs(w), volume_secret_refs(w))

container_secret_refs(w) := [ref |
	some c in k8s.containers(w)
	some ref in env_refs(c)
]

env_refs(c) := array.concat(
	[{"name": e.valueFrom.secretKeyRef.name, "path": array.concat(c.path, ["env", k, "valueFrom", "secretKeyRef", "name"])} |
		some k, e in object.get(c.container, "env", [])
		is_string(e.valueFrom.secretKeyRef.name)
	],
	[{"name": e.secretRef.name, "path": array.concat(c.path, ["envFrom", k, "secretRef", "name"])} |
		some k, e in object.get(c.container, "envFrom", [])
		is_string(e.secretRef.name)
	],
)

volume_secret_refs(w) := array.concat(
	[{"name": v.secret.secretName, "path": array.concat(k8s.pod_spec_path(w), ["volumes", k, "secret", "secretName"])} |
		some k, v in object.get(k8s.pod_spec(w), "volumes", [])
		is_string(v.secret.secretName)
	],
	[{"name": s.secret.name, "path": array.concat(k8s.pod_spec_path(w), ["volumes", k, "projected", "sources", m, "secret", "name"])} |
		some k, v in object.get(k8s.pod_spec(w), "volumes", [])
		some m, s in object.get(v, ["projected", "sources"], [])
		is_string(s.secret.name)
	],
)

# Pods that carry the governed-API labels.
governed_api(w) if k8s.labels_contain(k8s.pod_labels(w), params.governedApiSelector)
