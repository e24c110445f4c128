package kfm.tm.store_service_exposed_test

import data.kfm.tm.store_service_exposed

redis := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "cache", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "cache"}},
		"spec": {"containers": [{"name": "redis", "image": "redis:7.2"}]},
	}},
}

svc(name, selector, type) := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": name, "namespace": "kfm-prod"},
	"spec": {"type": type, "selector": selector, "ports": [{"port": 6379}]},
}

test_loadbalancer_store_service if {
	vs := store_service_exposed.violations with input as {"resources": [redis, svc("cache", {"app": "cache"}, "LoadBalancer")]}
	count(vs) == 1
	some v in vs
	[v.id, v.resource, v.path] == ["KFM-TM-002", 1, ["spec", "type"]]
}

test_nodeport_store_service if {
	count(store_service_exposed.violations) == 1 with input as {"resources": [redis, svc("cache", {"app": "cache"}, "NodePort")]}
}

test_clusterip_store_service_passes if {
	count(store_service_exposed.violations) == 0 with input as {"resources": [redis, svc("cache", {"app": "cache"}, "ClusterIP")]}
}

test_loadbalancer_for_non_store_passes if {
	count(store_service_exposed.violations) == 0 with input as {"resources": [redis, svc("api", {"app": "api"}, "LoadBalancer")]}
}

test_external_ips_on_store_service if {
	s := object.union(svc("cache", {"app": "cache"}, "ClusterIP"), {"spec": {"externalIPs": ["203.0.113.7"]}})
	vs := store_service_exposed.violations with input as {"resources": [redis, s]}
	{v.path | some v in vs} == {["spec", "externalIPs"]}
}

test_store_in_other_namespace_is_not_selected if {
	other := object.union(redis, {"metadata": {"namespace": "kfm-dev"}})
	count(store_service_exposed.violations) == 0 with input as {"resources": [other, svc("cache", {"app": "cache"}, "LoadBalancer")]}
}

# Store operators' resources: the operator creates the Services their spec describes.
cnpg(managed) := {
	"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
	"metadata": {"name": "records", "namespace": "kfm-prod"},
	"spec": object.union({"instances": 3, "storage": {"size": "10Gi"}}, managed),
}

test_cnpg_loadbalancer_service_template if {
	c := cnpg({"managed": {"services": {"additional": [{"selectorType": "rw", "serviceTemplate": {"metadata": {"name": "records-lb"}, "spec": {"type": "LoadBalancer"}}}]}}})
	vs := store_service_exposed.violations with input as {"resources": [c]}
	{[v.id, v.resource, v.path] | some v in vs} == {["KFM-TM-002", 0, ["spec", "managed", "services", "additional", 0, "serviceTemplate", "spec", "type"]]}
}

test_cnpg_cluster_ip_passes if {
	c := cnpg({"managed": {"services": {"additional": [{"selectorType": "rw", "serviceTemplate": {"metadata": {"name": "records-in"}, "spec": {"type": "ClusterIP"}}}]}}})
	count(store_service_exposed.violations) == 0 with input as {"resources": [c]}
}

test_zalando_master_load_balancer if {
	pg := {
		"apiVersion": "acid.zalan.do/v1", "kind": "postgresql",
		"metadata": {"name": "acid-records", "namespace": "kfm-prod"},
		"spec": {"teamId": "acid", "enableMasterLoadBalancer": true, "enableReplicaLoadBalancer": false},
	}
	vs := store_service_exposed.violations with input as {"resources": [pg]}
	{v.path | some v in vs} == {["spec", "enableMasterLoadBalancer"]}
}

test_strimzi_route_listener_and_minio_expose_services if {
	kafka := {
		"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka",
		"metadata": {"name": "events", "namespace": "kfm-prod"},
		"spec": {"kafka": {"listeners": [
			{"name": "plain", "port": 9092, "type": "internal", "tls": false},
			{"name": "external", "port": 9094, "type": "route", "tls": true},
		]}},
	}
	tenant := {
		"apiVersion": "minio.min.io/v2", "kind": "Tenant",
		"metadata": {"name": "objects", "namespace": "kfm-prod"},
		"spec": {"exposeServices": {"minio": true, "console": false}},
	}
	vs := store_service_exposed.violations with input as {"resources": [kafka, tenant]}
	{[v.resource, v.path] | some v in vs} == {
		[0, ["spec", "kafka", "listeners", 1, "type"]],
		[1, ["spec", "exposeServices", "minio"]],
	}
}

test_operator_kind_of_another_group_is_no_store if {
	c := object.union(cnpg({"service": {"type": "LoadBalancer"}}), {"apiVersion": "example.com/v1"})
	count(store_service_exposed.violations) == 0 with input as {"resources": [c]}
}

test_service_selecting_operator_pods_is_a_store_service if {
	c := cnpg({})
	s := svc("records-public", {"cnpg.io/cluster": "records", "role": "primary"}, "NodePort")
	other := svc("api", {"app.kubernetes.io/name": "kfm-api"}, "LoadBalancer")
	vs := store_service_exposed.violations with input as {"resources": [c, s, other]}
	{[v.resource, v.path] | some v in vs} == {[1, ["spec", "type"]]}
}

test_eck_http_service_load_balancer if {
	es := {
		"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
		"metadata": {"name": "search", "namespace": "kfm-prod"},
		"spec": {"version": "8.15.0", "http": {"service": {"spec": {"type": "LoadBalancer"}}}, "nodeSets": [{"name": "default", "count": 3}]},
	}
	not_eck := {
		"apiVersion": "example.com/v1", "kind": "Elasticsearch",
		"metadata": {"name": "other", "namespace": "kfm-prod"},
		"spec": {"serviceType": "LoadBalancer"},
	}
	vs := store_service_exposed.violations with input as {"resources": [es, not_eck]}
	{[v.resource, v.path] | some v in vs} == {[0, ["spec", "http", "service", "spec", "type"]]}
}

# A Service without a selector exposed outside the cluster, its traffic sent by hand-written endpoints: an FQDN
# EndpointSlice naming the store's cluster DNS name, an Endpoints naming a store pod, or an in-cluster address (cannot
# be told from a store's pod, in this env or not).
manual_lb := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "manual", "namespace": "kfm-prod"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 6379}]}}

manual_slice(type, address) := {
	"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
	"metadata": {"name": "manual-1", "namespace": "kfm-prod", "labels": {"kubernetes.io/service-name": "manual"}},
	"addressType": type, "endpoints": [{"addresses": [address]}], "ports": [{"port": 6379}],
}

manual_endpoints(address) := {
	"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "manual", "namespace": "kfm-prod"},
	"subsets": [{"addresses": [address], "ports": [{"port": 6379}]}],
}

exposed_paths(rs) := ps if {
	ps := {[v.id, v.resource, v.path] | some v in store_service_exposed.violations} with input as {"resources": rs}
}

test_selectorless_service_with_endpoints_to_a_store if {
	store_svc := svc("cache", {"app": "cache"}, "ClusterIP")
	exposed_paths([redis, store_svc, manual_lb, manual_slice("FQDN", "cache.kfm-prod.svc.cluster.local")]) == {["KFM-TM-002", 2, ["spec", "type"]]}
	exposed_paths([redis, store_svc, manual_lb, manual_endpoints({"ip": "203.0.113.9", "targetRef": {"kind": "Pod", "name": "cache-6d8f7c9b4-x2x7q"}})]) == {["KFM-TM-002", 2, ["spec", "type"]]}
	external_ips := json.patch(manual_lb, [{"op": "replace", "path": "/spec/type", "value": "ClusterIP"}, {"op": "add", "path": "/spec/externalIPs", "value": ["203.0.113.7"]}])
	exposed_paths([redis, store_svc, external_ips, manual_endpoints({"ip": "10.244.0.12"})]) == {["KFM-TM-002", 2, ["spec", "externalIPs"]]}
	vs := store_service_exposed.violations with input as {"resources": [manual_lb, manual_slice("IPv4", "10.244.0.12")]}
	{[v.resource, v.path] | some v in vs} == {[0, ["spec", "type"]]}
	some v in vs
	contains(v.msg, "cannot be verified")
}

test_selectorless_service_with_external_endpoints_passes if {
	store_svc := svc("cache", {"app": "cache"}, "ClusterIP")
	exposed_paths([redis, store_svc, manual_lb, manual_slice("FQDN", "cache.example.com")]) == set()
	exposed_paths([redis, store_svc, manual_lb, manual_endpoints({"ip": "203.0.113.9"})]) == set()
	exposed_paths([redis, store_svc, manual_lb]) == set()
}

# The Tailscale operator publishes a Service on the tailnet when it is annotated tailscale.com/expose: "true" (or
# given a tailnet hostname), or is a LoadBalancer of class tailscale (reported by its type), outside the cluster.
test_tailscale_operator_exposes_a_store_service if {
	exposed := object.union(svc("cache", {"app": "cache"}, "ClusterIP"), {"metadata": {"annotations": {"tailscale.com/expose": "true"}}})
	exposed_paths([redis, exposed]) == {["KFM-TM-002", 1, ["metadata", "annotations", "tailscale.com/expose"]]}
	named := object.union(svc("cache", {"app": "cache"}, "ClusterIP"), {"metadata": {"annotations": {"tailscale.com/hostname": "cache"}}})
	exposed_paths([redis, named]) == {["KFM-TM-002", 1, ["metadata", "annotations", "tailscale.com/hostname"]]}
	both := object.union(svc("cache", {"app": "cache"}, "ClusterIP"), {"metadata": {"annotations": {"tailscale.com/expose": "true", "tailscale.com/hostname": "cache"}}})
	exposed_paths([redis, both]) == {["KFM-TM-002", 1, ["metadata", "annotations", "tailscale.com/expose"]]}
	lb := object.union(svc("cache", {"app": "cache"}, "LoadBalancer"), {"spec": {"loadBalancerClass": "tailscale"}})
	exposed_paths([redis, lb]) == {["KFM-TM-002", 1, ["spec", "type"]]}
	some v in store_service_exposed.violations with input as {"resources": [redis, exposed]}
	contains(v.msg, "tailscale.com/expose")
}

test_tailscale_annotation_off_or_on_a_non_store_passes if {
	off := object.union(svc("cache", {"app": "cache"}, "ClusterIP"), {"metadata": {"annotations": {"tailscale.com/expose": "false"}}})
	exposed_paths([redis, off]) == set()
	api := object.union(svc("api", {"app": "api"}, "ClusterIP"), {"metadata": {"annotations": {"tailscale.com/expose": "true"}}})
	exposed_paths([redis, api]) == set()
}

test_cnpg_service_template_exposed_by_tailscale if {
	c := cnpg({"managed": {"services": {"additional": [{"selectorType": "rw", "serviceTemplate": {"metadata": {"name": "records-ts", "annotations": {"tailscale.com/expose": "true"}}, "spec": {"type": "ClusterIP"}}}]}}})
	exposed_paths([c]) == {["KFM-TM-002", 0, ["spec", "managed", "services", "additional", 0, "serviceTemplate", "metadata", "annotations", "tailscale.com/expose"]]}
}

test_store_service_exported_to_other_clusters if {
	cache := svc("cache", {"app": "cache"}, "ClusterIP")
	every pair in [
		[{"labels": {"mirror.linkerd.io/exported": "true"}}, ["metadata", "labels", "mirror.linkerd.io/exported"]],
		[{"labels": {"mirror.linkerd.io/exported": "remote-discovery"}}, ["metadata", "labels", "mirror.linkerd.io/exported"]],
		[{"annotations": {"service.cilium.io/global": "true"}}, ["metadata", "annotations", "service.cilium.io/global"]],
		[{"annotations": {"io.cilium/global-service": "True"}}, ["metadata", "annotations", "io.cilium/global-service"]],
		[{"annotations": {"skupper.io/proxy": "tcp"}}, ["metadata", "annotations", "skupper.io/proxy"]],
	] {
		s := object.union(cache, {"metadata": pair[0]})
		{v.path | some v in store_service_exposed.violations} == {pair[1]} with input as {"resources": [redis, s]}
	}

	# A ServiceExport of the store's Service, reported on the export.
	export := {"apiVersion": "multicluster.x-k8s.io/v1alpha1", "kind": "ServiceExport", "metadata": {"name": "cache", "namespace": "kfm-prod"}}
	{[v.resource, v.path] | some v in store_service_exposed.violations} == {[2, ["metadata", "name"]]} with input as {"resources": [redis, cache, export]}

	# Switched off, or of another Service: nothing leaves the cluster.
	off := object.union(cache, {"metadata": {"labels": {"mirror.linkerd.io/exported": "false"}, "annotations": {"service.cilium.io/global": "false"}}})
	count(store_service_exposed.violations) == 0 with input as {"resources": [redis, off]}
	api_export := json.patch(export, [{"op": "replace", "path": "/metadata/name", "value": "api"}])
	count(store_service_exposed.violations) == 0 with input as {"resources": [redis, cache, svc("api", {"app": "api"}, "ClusterIP"), api_export]}
}

skupper_connector(spec) := {"apiVersion": "skupper.io/v2alpha1", "kind": "Connector", "metadata": {"name": "db", "namespace": "kfm-prod"}, "spec": object.union({"routingKey": "db", "port": 6379}, spec)}

test_skupper_exposure_of_a_store if {
	annotated := object.union(redis, {"metadata": {"annotations": {"skupper.io/proxy": "tcp"}}})
	{v.path | some v in store_service_exposed.violations} == {["metadata", "annotations", "skupper.io/proxy"]} with input as {"resources": [annotated]}

	{v.path | some v in store_service_exposed.violations} == {["spec", "selector"]} with input as {"resources": [redis, skupper_connector({"selector": "app=cache"})]}
	{v.path | some v in store_service_exposed.violations} == {["spec", "host"]} with input as {"resources": [redis, svc("cache", {"app": "cache"}, "ClusterIP"), skupper_connector({"host": "cache.kfm-prod.svc.cluster.local"})]}

	# A Connector to the API, and an annotated non-store workload, pass.
	count(store_service_exposed.violations) == 0 with input as {"resources": [redis, skupper_connector({"selector": "app=api"})]}
}

knative_pg := {
	"apiVersion": "serving.knative.dev/v1", "kind": "Service",
	"metadata": {"name": "pg", "namespace": "kfm-prod"},
	"spec": {"template": {"metadata": {"labels": {"app": "pg"}}, "spec": {"containers": [{"image": "postgres:16"}]}}},
}

test_knative_store_published if {
	vs := store_service_exposed.violations with input as {"resources": [knative_pg]}
	{[v.resource, v.path] | some v in vs} == {[0, ["metadata", "name"]]}
}

test_knative_store_cluster_local_passes if {
	w := json.patch(knative_pg, [{"op": "add", "path": "/metadata/labels", "value": {"networking.knative.dev/visibility": "cluster-local"}}])
	count(store_service_exposed.violations) == 0 with input as {"resources": [w]}
}

test_knative_store_domain_mapping if {
	w := json.patch(knative_pg, [{"op": "add", "path": "/metadata/labels", "value": {"networking.knative.dev/visibility": "cluster-local"}}])
	m := {"apiVersion": "serving.knative.dev/v1beta1", "kind": "DomainMapping", "metadata": {"name": "db.example.com", "namespace": "kfm-prod"}, "spec": {"ref": {"name": "pg", "kind": "Service", "apiVersion": "serving.knative.dev/v1"}}}
	vs := store_service_exposed.violations with input as {"resources": [w, m]}
	{[v.resource, v.path] | some v in vs} == {[1, ["spec", "ref", "name"]]}
}

test_knative_non_store_passes if {
	w := json.patch(knative_pg, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "quay.io/kfm/ui:1"}])
	count(store_service_exposed.violations) == 0 with input as {"resources": [w]}
}

tgb_store := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "pg", "namespace": "kfm-prod"},
	"spec": {"template": {"metadata": {"labels": {"app": "pg"}}, "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}}},
}

tgb_service := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pg", "namespace": "kfm-prod"}, "spec": {"selector": {"app": "pg"}}}

tgb(name) := {"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "TargetGroupBinding", "metadata": {"name": "b", "namespace": "kfm-prod"}, "spec": {"serviceRef": {"name": name, "port": 5432}, "targetGroupARN": "arn:x"}}

test_target_group_binding_of_a_store_service if {
	vs := store_service_exposed.violations with input as {"resources": [tgb_store, tgb_service, tgb("pg")]}
	{[v.resource, v.path] | some v in vs} == {[2, ["spec", "serviceRef", "name"]]}
	count(store_service_exposed.violations) == 0 with input as {"resources": [tgb_store, tgb_service, tgb("ui")]}
}

test_gke_service_attachment_of_a_store_service if {
	sa := {"apiVersion": "networking.gke.io/v1", "kind": "ServiceAttachment", "metadata": {"name": "psc", "namespace": "kfm-prod"}, "spec": {"connectionPreference": "ACCEPT_AUTOMATIC", "natSubnets": ["psc"], "resourceRef": {"kind": "Service", "name": "pg"}}}
	vs := store_service_exposed.violations with input as {"resources": [tgb_store, tgb_service, sa]}
	{[v.resource, v.path] | some v in vs} == {[2, ["spec", "resourceRef", "name"]]}
}
