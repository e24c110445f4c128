# METADATA
# title: A Service fronting a store must not be exposed outside the cluster
# description: >-
#   A Service of type LoadBalancer or NodePort (a LoadBalancer of class tailscale too), one with externalIPs, or one
#   the Tailscale operator publishes on the tailnet (annotated `tailscale.com/expose: "true"` or with a
#   `tailscale.com/hostname`) is reachable from outside the cluster without any route; so is one another cluster
#   reaches: a ServiceExport of it (multicluster.x-k8s.io, net.gke.io), Linkerd's `mirror.linkerd.io/exported` label,
#   Cilium's `service.cilium.io/global: "true"`, Skupper's `skupper.io/proxy` annotation; so is one an AWS
#   TargetGroupBinding registers in a load balancer's target group or a GKE ServiceAttachment publishes. When it fronts a store (labelled as a store, selecting a store's pods, or named as a Service a
#   store operator creates for its resource, or sending its traffic to a store through hand-written endpoints: an
#   Endpoints object or EndpointSlice naming a store's pod, cluster IP or cluster DNS name) it opens a path
#   around the governed API, breaking the trust membrane. Hand-written endpoints at an in-cluster address (private IPv4,
#   any IPv6) that name no store cannot be verified not to be a store's pods, and are reported too. A store operator's resource (a CloudNativePG Cluster or
#   Pooler, a Zalando postgresql, a Crunchy PostgresCluster, a MinIO Tenant, a Strimzi Kafka, an ECK Elasticsearch)
#   is judged by the Services it makes the operator create: a LoadBalancer/NodePort service type or template (or
#   serviceType, a Percona exposeType, any *ServiceType), externalIPs, the Tailscale operator's annotations on a Service
#   template, a loadbalancer/nodeport/route/ingress listener, an
#   enable*LoadBalancer switch or exposeServices, a Redis Enterprise load_balancer databaseServiceType or
#   ingressOrRouteSpec, or hostNetwork/hostPort in a pod template it applies (Percona, OpenSearch, RabbitMQ, Redis and
#   MariaDB operators' resources too). A Knative Service running a store is published on the cluster's external domain
#   unless labelled `networking.knative.dev/visibility: cluster-local`, and on a domain of its own by a DomainMapping.
# custom:
#   id: KFM-TM-002
#   severity: error
#   remediation: >-
#     Make the store's Service type ClusterIP (the default) without externalIPs (for an operator's resource: drop
#     its LoadBalancer/NodePort service templates, external listeners and exposure switches; drop the Tailscale
#     operator's annotations), and expose only the governed API.
package kfm.tm.store_service_exposed

import data.kfm_lib.k8s
import data.kfm_lib.stores

violations contains v if {
	some i in stores.store_services
	k8s.own(i)
	svc := input.resources[i]
	some x in exposure(svc)
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Service ", k8s.namespace(svc), "/", k8s.display_name(svc), " fronts a store and has ", x.what, "; stores are reachable only through the governed API"]),
		"resource": i,
		"path": x.path,
	}
}

# A Knative Service (serving.knative.dev) running a store is its own Service and route: Knative publishes it on the
# cluster's external domain unless it is labelled cluster-local; a DomainMapping naming it publishes it on a domain of
# its own whatever its label says. A PostgreSQL Knative Service passed with only the namespace's default-deny asked.
# An AWS Load Balancer Controller TargetGroupBinding (elbv2.k8s.aws) registers a Service's endpoints in a load
# balancer's target group, outside the cluster and outside every route: a binding for postgis passed.
violations contains v if {
	some i, r in input.resources
	[field, what] := cloud_bindings[r.kind]
	startswith(object.get(r, "apiVersion", ""), cloud_binding_groups[r.kind])
	name := object.get(r, ["spec", field, "name"], "")
	is_string(name)
	object.get(r, ["spec", field, "kind"], "Service") == "Service"
	key := concat("/", [k8s.namespace(r), name])
	stores.store_service_keys[key]
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " puts store Service ", key, " ", what, "; stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["spec", field, "name"],
	}
}

# A GKE ServiceAttachment (networking.gke.io) publishes a Service to other VPC networks through Private Service
# Connect, by its resourceRef.
cloud_bindings := {
	"TargetGroupBinding": ["serviceRef", "in an AWS load balancer's target group"],
	"ServiceAttachment": ["resourceRef", "behind Private Service Connect endpoints of other networks"],
}

cloud_binding_groups := {"TargetGroupBinding": "elbv2.k8s.aws/", "ServiceAttachment": "networking.gke.io/"}

violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	knative_service(w)
	not knative_cluster_local(w)
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Knative Service ", k8s.namespace(w), "/", k8s.display_name(w), " runs a store and is published on the cluster's external domain (no networking.knative.dev/visibility: cluster-local label); stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["metadata", "name"],
	}
}

violations contains v if {
	some i, m in input.resources
	m.kind == "DomainMapping"
	startswith(object.get(m, "apiVersion", ""), "serving.knative.dev/")
	ref := object.get(m, ["spec", "ref"], {})
	object.get(ref, "kind", "Service") == "Service"
	some j in stores.store_workloads_in[object.get(ref, "namespace", k8s.namespace(m))]
	w := k8s.all[j]
	knative_service(w)
	k8s.name(w) == object.get(ref, "name", "")
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["DomainMapping ", k8s.namespace(m), "/", k8s.display_name(m), " publishes Knative Service ", k8s.namespace(w), "/", k8s.display_name(w), ", which runs a store, on a domain of its own; stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["spec", "ref", "name"],
	}
}

knative_service(w) if {
	w.kind == "Service"
	startswith(object.get(w, "apiVersion", ""), "serving.knative.dev/")
}

knative_cluster_local(w) if k8s.labels(w)["networking.knative.dev/visibility"] == "cluster-local"

knative_cluster_local(w) if k8s.labels(w)["serving.knative.dev/visibility"] == "cluster-local"

# A Service that selects no store but sends its traffic to one: hand-written endpoints naming a store's pod, cluster IP
# or cluster DNS name (a selector-less LoadBalancer with an FQDN EndpointSlice for postgis.kfm-prod.svc passed).
violations contains v if {
	some i, svc in input.resources
	svc.kind == "Service"
	some x in exposure(svc)
	not stores.store_services[i]
	stores.store_service_keys[stores.service_key(svc)]
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Service ", k8s.namespace(svc), "/", k8s.display_name(svc), " sends its traffic to a store through hand-written endpoints and has ", x.what, "; stores are reachable only through the governed API"]),
		"resource": i,
		"path": x.path,
	}
}

# Its hand-written endpoints are in-cluster addresses of an env holding a store: nothing says they are not its pods.
violations contains v if {
	count(stores.unverified_endpoints) > 0
	some i, svc in input.resources
	svc.kind == "Service"
	some x in exposure(svc)
	not stores.store_services[i]
	not stores.store_service_keys[stores.service_key(svc)]
	address := stores.unverified_address(k8s.namespace(svc), k8s.name(svc))
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Service ", k8s.namespace(svc), "/", k8s.display_name(svc), " has ", x.what, " and hand-written endpoints (", address, ") that cannot be verified not to be a store's pods; stores are reachable only through the governed API"]),
		"resource": i,
		"path": x.path,
	}
}

# How a Service is reachable from outside the cluster without a route (a LoadBalancer of class tailscale by its type;
# the Tailscale operator's annotations, stores.tailscale_exposure).
exposure(svc) := (({{"path": ["spec", "type"], "what": concat("", ["type ", svc.spec.type])} |
	svc.spec.type in {"LoadBalancer", "NodePort"}
} | {{"path": ["spec", "externalIPs"], "what": "externalIPs"} |
	count(object.get(svc, ["spec", "externalIPs"], [])) > 0
}) | stores.tailscale_exposure(["metadata", "annotations"], k8s.annotations(svc))) | multicluster_exposure(svc)

# Exported to other clusters by a service mesh's or a multicluster network's own switch on the Service: Linkerd's
# mirror.linkerd.io/exported label, Cilium's global-service annotation, Skupper's skupper.io/proxy annotation.
multicluster_exposure(svc) := ({{"path": ["metadata", "labels", "mirror.linkerd.io/exported"], "what": "label mirror.linkerd.io/exported (Linkerd mirrors it into linked clusters)"} |
	value := k8s.labels(svc)["mirror.linkerd.io/exported"]
	lower(value) != "false"
} | {{"path": ["metadata", "annotations", key], "what": concat("", ["annotation ", key, " (Cilium serves it to every cluster of the mesh)"])} |
	some key in ["service.cilium.io/global", "io.cilium/global-service"]
	lower(object.get(k8s.annotations(svc), key, "false")) == "true"
}) | {{"path": ["metadata", "annotations", "skupper.io/proxy"], "what": "annotation skupper.io/proxy (Skupper exposes it on its network of sites)"} |
	is_string(k8s.annotations(svc)["skupper.io/proxy"])
}

# A ServiceExport (Kubernetes multicluster services: Submariner, GKE, ...) of a store's Service exports it to every
# cluster of the ClusterSet.
violations contains v if {
	some i, r in input.resources
	r.kind == "ServiceExport"
	some group in ["multicluster.x-k8s.io/", "net.gke.io/"]
	startswith(object.get(r, "apiVersion", ""), group)
	key := concat("/", [k8s.namespace(r), k8s.name(r)])
	stores.store_service_keys[key]
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["ServiceExport ", key, " exports a store's Service to every cluster of the ClusterSet; stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["metadata", "name"],
	}
}

violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	r := input.resources[i]
	some x in stores.operator_exposure(r)
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " is a store its operator runs, and its ", x.what, " makes the operator expose it outside the cluster; stores are reachable only through the governed API"]),
		"resource": i,
		"path": x.path,
	}
}

# Skupper: a store workload annotated skupper.io/proxy (v1 exposes its pods on the network of sites), and a v2
# Connector binding a store's pods (its selector, `k=v[,k=v]`) or a store's Service (its host) to a routing key that
# any linked site's Listener serves.
violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	is_string(k8s.annotations(w)["skupper.io/proxy"])
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", [w.kind, " ", k8s.namespace(w), "/", k8s.display_name(w), " is a store and has annotation skupper.io/proxy: Skupper exposes its pods on its network of sites; stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["metadata", "annotations", "skupper.io/proxy"],
	}
}

violations contains v if {
	some i, c in input.resources
	c.kind == "Connector"
	startswith(object.get(c, "apiVersion", ""), "skupper.io/")
	some [path, what] in connector_reaches(c)
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Skupper Connector ", k8s.namespace(c), "/", k8s.display_name(c), " binds ", what, " to routing key ", object.get(c, ["spec", "routingKey"], ""), ": every linked site's Listener serves it; stores are reachable only through the governed API"]),
		"resource": i,
		"path": path,
	}
}

connector_reaches(c) := {[["spec", "selector"], concat("", ["the pods of store ", w.kind, " ", k8s.display_name(w)])] |
	selector := c.spec.selector
	is_string(selector)
	labels := {trim_space(kv[0]): trim_space(kv[1]) | some pair in split(selector, ","); kv := split(pair, "="); count(kv) == 2}
	count(labels) > 0
	some j in stores.store_workloads
	w := k8s.all[j]
	k8s.namespace(w) == k8s.namespace(c)
	k8s.map_selects_pods(labels, w)
} | {[["spec", "host"], concat("", ["store Service ", key])] |
	host := c.spec.host
	is_string(host)
	key := stores.cluster_dns_service(host, k8s.namespace(c))
	stores.store_service_keys[key]
}
