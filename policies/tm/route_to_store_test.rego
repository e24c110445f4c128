package kfm.tm.route_to_store_test

import data.kfm.tm.route_to_store

postgres := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "db", "namespace": "kfm-dev"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "db"}},
		"spec": {"containers": [{"name": "pg", "image": "docker.io/library/postgres:16"}]},
	}},
}

db_service := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": "db", "namespace": "kfm-dev"},
	"spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]},
}

api_service := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": "api", "namespace": "kfm-dev"},
	"spec": {"selector": {"app": "api"}, "ports": [{"port": 8080}]},
}

route_to(name) := {
	"apiVersion": "route.openshift.io/v1", "kind": "Route",
	"metadata": {"name": "public", "namespace": "kfm-dev"},
	"spec": {"to": {"kind": "Service", "name": name}},
}

test_route_to_store_service_is_a_violation if {
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, route_to("db")]}
	count(vs) == 1
	some v in vs
	v.id == "KFM-TM-001"
	v.resource == 2
	v.path == ["spec", "to", "name"]
}

test_route_to_api_passes if {
	count(route_to_store.violations) == 0 with input as {"resources": [postgres, db_service, api_service, route_to("api")]}
}

test_route_alternate_backend_to_store if {
	r := object.union(route_to("api"), {"spec": {"alternateBackends": [{"kind": "Service", "name": "db", "weight": 10}]}})
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, api_service, r]}
	{v.path | some v in vs} == {["spec", "alternateBackends", 0, "name"]}
}

test_ingress_rule_backend_to_store if {
	ing := {
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"rules": [{"host": "x.example", "http": {"paths": [
			{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 8080}}}},
			{"path": "/db", "pathType": "Prefix", "backend": {"service": {"name": "db", "port": {"number": 5432}}}},
		]}}]},
	}
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, api_service, ing]}
	{v.path | some v in vs} == {["spec", "rules", 0, "http", "paths", 1, "backend", "service", "name"]}
}

test_ingress_default_backend_to_store if {
	ing := {
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"defaultBackend": {"service": {"name": "db", "port": {"number": 5432}}}},
	}
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, ing]}
	{v.path | some v in vs} == {["spec", "defaultBackend", "service", "name"]}
}

test_httproute_backend_ref_to_store if {
	hr := {
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"rules": [{"backendRefs": [{"name": "api", "port": 8080}, {"name": "db", "port": 5432}]}]},
	}
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, api_service, hr]}
	{v.path | some v in vs} == {["spec", "rules", 0, "backendRefs", 1, "name"]}
}

test_httproute_backend_ref_to_a_store_service_import if {
	hr := {
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"rules": [{"backendRefs": [
			{"group": "multicluster.x-k8s.io", "kind": "ServiceImport", "name": "db", "port": 5432},
			{"group": "example.com", "kind": "ServiceImport", "name": "db", "port": 5432},
		]}]},
	}
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, hr]}
	{v.path | some v in vs} == {["spec", "rules", 0, "backendRefs", 0, "name"]}
}

test_route_in_other_namespace_does_not_match if {
	r := object.union(route_to("db"), {"metadata": {"namespace": "kfm-stage"}})
	count(route_to_store.violations) == 0 with input as {"resources": [postgres, db_service, r]}
}

test_labelled_store_service_without_selector_match if {
	svc := object.union(api_service, {"metadata": {"labels": {"kfm.dev/tier": "store"}}})
	vs := route_to_store.violations with input as {"resources": [svc, route_to("api")]}
	count(vs) == 1
}

test_custom_store_image_selector if {
	cache := object.union(postgres, {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "ghcr.io/acme/kv:1"}]}}}})
	count(route_to_store.violations) == 0 with input as {"resources": [cache, db_service, route_to("db")]}
	count(route_to_store.violations) == 1 with input as {
		"resources": [cache, db_service, route_to("db")],
		"params": {"storeSelectors": {"images": ["kv"]}},
	}
}

# Ingress -> ExternalName Service -> ExternalName Service -> the store's cluster DNS name.
alias(name, target) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "kfm-dev"}, "spec": {"type": "ExternalName", "externalName": target}}

test_ingress_through_external_name_chain if {
	ing := {
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"defaultBackend": {"service": {"name": "front", "port": {"number": 5432}}}},
	}
	rs := [postgres, db_service, alias("front", "middle"), alias("middle", "db.kfm-dev.svc.cluster.local"), ing]
	vs := route_to_store.violations with input as {"resources": rs}
	{[v.resource, v.path] | some v in vs} == {[4, ["spec", "defaultBackend", "service", "name"]]}
	external := [postgres, db_service, alias("front", "db.example.com"), ing]
	count(route_to_store.violations) == 0 with input as {"resources": external}
}

# Ingress -> selector-less Service -> its hand-written FQDN EndpointSlice -> the store's cluster DNS name.
fqdn_slice(service, address, type) := {
	"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
	"metadata": {"name": concat("-", [service, "1"]), "namespace": "kfm-dev", "labels": {"kubernetes.io/service-name": service}},
	"addressType": type, "endpoints": [{"addresses": [address]}], "ports": [{"port": 5432}],
}

test_ingress_through_fqdn_endpoint_slice if {
	ing := {
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"defaultBackend": {"service": {"name": "manual", "port": {"number": 5432}}}},
	}
	manual := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "manual", "namespace": "kfm-dev"}, "spec": {"ports": [{"port": 5432}]}}
	rs := [postgres, db_service, manual, fqdn_slice("manual", "db.kfm-dev.svc.cluster.local", "FQDN"), ing]
	vs := route_to_store.violations with input as {"resources": rs}
	{[v.resource, v.path] | some v in vs} == {[4, ["spec", "defaultBackend", "service", "name"]]}
	elsewhere := [postgres, db_service, manual, fqdn_slice("manual", "db.example.com", "FQDN"), ing]
	count(route_to_store.violations) == 0 with input as {"resources": elsewhere}
	public := [postgres, db_service, manual, fqdn_slice("manual", "203.0.113.9", "IPv4"), ing]
	count(route_to_store.violations) == 0 with input as {"resources": public}
	every name in ["db.kfm-dev.svc", "DB.kfm-dev.svc.cluster.local.", "db.kfm-dev", "db-0.db.kfm-dev.svc.cluster.local"] {
		variant := [postgres, db_service, manual, fqdn_slice("manual", name, "FQDN"), ing]
		count(route_to_store.violations) == 1 with input as {"resources": variant}
	}
}

# A selector-less Service's hand-written endpoints, the other ways: an Endpoints object named as the Service, an IP
# EndpointSlice. A store pod named by targetRef, or a store Service's fixed cluster IP, is the store; any other
# in-cluster (private IPv4, any IPv6) address cannot be told from a store's pod, and is reported as such (also where
# the env holds no store: the cluster may run stores this repo does not deploy).
manual_service(name, spec) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "kfm-dev"}, "spec": object.union({"ports": [{"port": 5432}]}, spec)}

endpoints(name, addresses) := {
	"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "kfm-dev"},
	"subsets": [{"addresses": addresses, "ports": [{"port": 5432}]}],
}

ingress_to(name) := {
	"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
	"metadata": {"name": "web", "namespace": "kfm-dev"},
	"spec": {"rules": [{"host": "x.example", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": name, "port": {"number": 5432}}}}]}}]},
}

endpoint_findings(rs) := ps if {
	ps := {[v.resource, v.path] | some v in route_to_store.violations} with input as {"resources": rs}
}

ingress_path := ["spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"]

test_endpoints_naming_a_store_pod if {
	ep := endpoints("manual", [{"ip": "203.0.113.9", "targetRef": {"kind": "Pod", "name": "db-0", "namespace": "kfm-dev"}}])
	endpoint_findings([postgres, db_service, manual_service("manual", {}), ep, ingress_to("manual")]) == {[4, ingress_path]}
	slice := object.union(fqdn_slice("manual", "203.0.113.9", "IPv4"), {"endpoints": [{"addresses": ["203.0.113.9"], "targetRef": {"kind": "Pod", "name": "db-0"}}]})
	endpoint_findings([postgres, db_service, manual_service("manual", {}), slice, ingress_to("manual")]) == {[4, ingress_path]}
}

test_endpoints_to_a_store_cluster_ip if {
	fixed := object.union(db_service, {"spec": {"clusterIP": "198.51.100.20"}})
	ep := endpoints("manual", [{"ip": "198.51.100.20"}])
	endpoint_findings([postgres, fixed, manual_service("manual", {}), ep, ingress_to("manual")]) == {[4, ingress_path]}
}

test_endpoints_private_address_cannot_be_verified if {
	every ip in ["10.244.1.17", "172.16.0.4", "192.168.3.3", "100.64.0.9", "fd00::17", "2001:db8::17"] {
		rs := [postgres, db_service, manual_service("manual", {}), endpoints("manual", [{"ip": ip}]), ingress_to("manual")]
		vs := route_to_store.violations with input as {"resources": rs}
		{[v.id, v.resource, v.path] | some v in vs} == {["KFM-TM-001", 4, ingress_path]}
		some v in vs
		contains(v.msg, "cannot be verified")
		contains(v.msg, ip)
		count(route_to_store.violations) == 1 with input as {"resources": array.slice(rs, 2, 5)}
	}
}

test_endpoints_through_an_external_name if {
	rs := [postgres, db_service, manual_service("manual", {}), endpoints("manual", [{"ip": "10.244.1.17"}]), alias("front", "manual.kfm-dev.svc.cluster.local"), ingress_to("front")]
	endpoint_findings(rs) == {[5, ingress_path]}
}

# An ExternalName that is an in-cluster address literal: routers that take it as their backend's address reach it.
test_external_name_at_an_in_cluster_address_cannot_be_verified if {
	every ip in ["10.128.2.17", "172.30.0.10.", "fd00::17"] {
		rs := [postgres, db_service, alias("front", ip), ingress_to("front")]
		vs := route_to_store.violations with input as {"resources": rs}
		{[v.resource, v.path] | some v in vs} == {[3, ingress_path]}
		some v in vs
		contains(v.msg, "cannot be verified")
		endpoint_findings([postgres, db_service, alias("front", "203.0.113.9"), ingress_to("front")]) == set()
	}
}

test_endpoints_that_cannot_reach_a_store_pass if {
	# a public address; the endpoints controller's own Endpoints of a Service with a selector; a selector-less Service
	# with no endpoints at all.
	public := endpoints("manual", [{"ip": "203.0.113.9"}])
	endpoint_findings([postgres, db_service, manual_service("manual", {}), public, ingress_to("manual")]) == set()
	endpoint_findings([postgres, db_service, api_service, endpoints("api", [{"ip": "10.244.1.17"}]), ingress_to("api")]) == set()
	endpoint_findings([postgres, db_service, manual_service("manual", {}), ingress_to("manual")]) == set()
}

# The governing Service of a store StatefulSet (spec.serviceName) resolves to its pods, in the desired state or not.
test_statefulset_governing_service if {
	sts := object.union(postgres, {"spec": {"serviceName": "db-hl"}})
	endpoint_findings([sts, alias("front", "db-0.db-hl.kfm-dev.svc.cluster.local"), ingress_to("front")]) == {[2, ingress_path]}
}

test_httproute_request_mirror_to_store if {
	hr := {
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
		"metadata": {"name": "web", "namespace": "kfm-dev"},
		"spec": {"rules": [{
			"filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "db", "port": 5432}}}],
			"backendRefs": [{"name": "api", "port": 8080, "filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "db", "port": 5432}}}]}],
		}]},
	}
	vs := route_to_store.violations with input as {"resources": [postgres, db_service, api_service, hr]}
	{v.path | some v in vs} == {
		["spec", "rules", 0, "filters", 0, "requestMirror", "backendRef", "name"],
		["spec", "rules", 0, "backendRefs", 0, "filters", 0, "requestMirror", "backendRef", "name"],
	}
}

# The Route is in kfm-api's base, the store and its Service in the postgis overlay: one env, judged together.
test_route_in_another_overlay_of_the_env if {
	inp := {
		"env": "prod",
		"overlays": [{"path": "apps/postgis/overlays/prod", "layer": "apps"}, {"path": "apps/kfm-api/overlays/prod", "layer": "apps"}],
		"owners": [0, 0, 1],
		"resources": [postgres, db_service, route_to("db")],
		"shared": [],
	}
	vs := route_to_store.violations with input as inp
	{v.resource | some v in vs} == {2}
}

# A Service selecting the store through the label the StatefulSet controller sets on its first pod.
test_service_selecting_controller_label if {
	svc := json.patch(api_service, [{"op": "replace", "path": "/spec/selector", "value": {"statefulset.kubernetes.io/pod-name": "db-0"}}])
	count(route_to_store.violations) == 1 with input as {"resources": [postgres, svc, route_to("api")]}
}

test_red_hat_and_bitnami_images_are_stores if {
	every img in ["registry.redhat.io/rhel9/postgresql-15:1-50", "docker.io/bitnami/mongodb:7.0", "quay.io/sclorg/mariadb-105-c9s", "weaveworksdemos/catalogue-db:0.3.0", "docker.elastic.co/elasticsearch/elasticsearch:8.13.0", "valkey/valkey:8"] {
		store := object.union(postgres, {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": img}]}}}})
		count(route_to_store.violations) == 1 with input as {"resources": [store, db_service, route_to("db")]}
	}
}

test_kfm_store_annotation_and_shapes if {
	rollout := {
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
		"metadata": {"name": "db", "namespace": "kfm-dev", "annotations": {"kfm.dev/store": "cache"}},
		"spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "ghcr.io/acme/kv:1"}]}}},
	}
	count(route_to_store.violations) == 1 with input as {"resources": [rollout, db_service, route_to("db")]}
	dc := object.union(rollout, {"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "metadata": {"annotations": {"kfm.dev/store": "false"}}})
	count(route_to_store.violations) == 0 with input as {"resources": [dc, db_service, route_to("db")]}
}

test_rollout_workload_ref_runs_the_store if {
	base := object.union(postgres, {"kind": "Deployment", "spec": {"replicas": 0}})
	rollout := {
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
		"metadata": {"name": "db-rollout", "namespace": "kfm-dev"},
		"spec": {"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "db"}},
	}
	svc := object.union(db_service, {"spec": {"selector": {"app": "db", "rollouts-pod-template-hash": "abc"}}})
	count(route_to_store.violations) == 1 with input as {"resources": [base, rollout, svc, route_to("db")]}
}

test_tools_named_after_a_store_are_not_stores if {
	every img in ["quay.io/prometheuscommunity/postgres-exporter:v0.15.0", "rediscommander/redis-commander:latest", "ghcr.io/kfm/kfm-api:1"] {
		w := object.union(postgres, {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": img}]}}}})
		count(route_to_store.violations) == 0 with input as {"resources": [w, db_service, route_to("db")]}
	}
}

test_families_param_replaces_the_data_document if {
	inp := {"resources": [postgres, db_service, route_to("db")], "params": {"storeSelectors": {"families": {"kv": {"names": ["kv"]}}}}}
	count(route_to_store.violations) == 0 with input as inp
}

# SP13: an Istio VirtualService bound to an ingress gateway is an entry point too.
virtual_service(ns, gateways, spec) := {
	"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
	"metadata": {"name": "public-db", "namespace": ns},
	"spec": object.union({"hosts": ["db.example.org"], "gateways": gateways}, spec),
}

vs_paths(resources) := ps if {
	vs := route_to_store.violations with input as {"resources": resources}
	ps := {[v.resource, v.path] | some v in vs}
}

test_virtual_service_tcp_route_to_store if {
	vsvc := virtual_service("kfm-dev", ["istio-system/public-gateway"], {"tcp": [{"route": [{"destination": {"host": "db", "port": {"number": 5432}}}]}]})
	vs_paths([postgres, db_service, vsvc]) == {[2, ["spec", "tcp", 0, "route", 0, "destination", "host"]]}
}

test_virtual_service_fqdn_from_other_namespace if {
	vsvc := virtual_service("edge", ["public-gateway"], {"http": [
		{"route": [{"destination": {"host": "api.kfm-dev.svc.cluster.local"}}]},
		{"route": [{"destination": {"host": "db.kfm-dev.svc.cluster.local"}}]},
	]})
	vs_paths([postgres, db_service, api_service, vsvc]) == {[3, ["spec", "http", 1, "route", 0, "destination", "host"]]}
}

test_virtual_service_mirror_and_tls if {
	vsvc := virtual_service("kfm-dev", ["gw"], {
		"http": [{"route": [{"destination": {"host": "api"}}], "mirror": {"host": "db.kfm-dev"}, "mirrors": [{"destination": {"host": "db"}}]}],
		"tls": [{"route": [{"destination": {"host": "db"}}]}],
	})
	vs_paths([postgres, db_service, api_service, vsvc]) == {
		[3, ["spec", "http", 0, "mirror", "host"]],
		[3, ["spec", "http", 0, "mirrors", 0, "destination", "host"]],
		[3, ["spec", "tls", 0, "route", 0, "destination", "host"]],
	}
}

test_mesh_only_virtual_service_is_not_an_entry_point if {
	no_gw := json.remove(virtual_service("kfm-dev", [], {"tcp": [{"route": [{"destination": {"host": "db"}}]}]}), ["spec/gateways"])
	mesh := virtual_service("kfm-dev", ["mesh"], {"tcp": [{"route": [{"destination": {"host": "db"}}]}]})
	vs_paths([postgres, db_service, no_gw, mesh]) == set()
}

test_virtual_service_to_external_host_passes if {
	vsvc := virtual_service("kfm-dev", ["gw"], {"http": [{"route": [{"destination": {"host": "db.example.org"}}]}]})
	vs_paths([postgres, db_service, vsvc]) == set()
}

# A Route to a Service a store operator creates for its resource (CloudNativePG `<cluster>-rw`, MinIO `minio`).
operator_route(name, to) := {
	"apiVersion": "route.openshift.io/v1", "kind": "Route",
	"metadata": {"name": name, "namespace": "kfm-prod"},
	"spec": {"to": {"kind": "Service", "name": to}},
}

test_route_to_operator_store_service if {
	cluster := {
		"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
		"metadata": {"name": "records", "namespace": "kfm-prod"},
		"spec": {"instances": 1},
	}
	tenant := {"apiVersion": "minio.min.io/v2", "kind": "Tenant", "metadata": {"name": "objects", "namespace": "kfm-prod"}, "spec": {}}
	routes := [operator_route("a", "records-rw"), operator_route("b", "minio"), operator_route("c", "records-api")]
	vs := route_to_store.violations with input as {"resources": array.concat([cluster, tenant], routes)}
	{v.resource | some v in vs} == {2, 3}
}

# Ingress controllers' own routes: Traefik IngressRouteTCP (across namespaces), Contour HTTPProxy tcpproxy.
test_traefik_and_contour_routes_to_a_store if {
	db := {
		"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "postgis", "namespace": "kfm-prod"},
		"spec": {"template": {"metadata": {"labels": {"app": "postgis"}}, "spec": {"containers": [{"name": "db", "image": "postgis/postgis:16"}]}}},
	}
	svc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "postgis", "namespace": "kfm-prod"}, "spec": {"selector": {"app": "postgis"}}}
	tcp := {
		"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRouteTCP", "metadata": {"name": "db", "namespace": "edge"},
		"spec": {"routes": [{"match": "HostSNI(`*`)", "services": [{"name": "postgis", "namespace": "kfm-prod", "port": 5432}]}]},
	}
	proxy := {
		"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy", "metadata": {"name": "db", "namespace": "kfm-prod"},
		"spec": {"virtualhost": {"fqdn": "db.example.com"}, "tcpproxy": {"services": [{"name": "postgis", "port": 5432}]}},
	}
	weighted := {
		"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": "w", "namespace": "kfm-prod"},
		"spec": {"routes": [{"match": "Host(`x`)", "services": [{"name": "postgis", "kind": "TraefikService"}]}]},
	}
	vs := route_to_store.violations with input as {"resources": [db, svc, tcp, proxy, weighted]}
	{[v.resource, v.path] | some v in vs} == {
		[2, ["spec", "routes", 0, "services", 0, "name"]],
		[3, ["spec", "tcpproxy", "services", 0, "name"]],
	}
}

# A pod's own DNS name (<a-b-c-d>.<ns>.pod[.cluster.local]) names an in-cluster address: an ExternalName or an FQDN
# EndpointSlice naming one cannot be verified not to lead to a store's pod.
test_pod_dns_names_cannot_be_verified if {
	every name in ["10-128-4-17.kfm-dev.pod.cluster.local", "10-128-4-17.kfm-dev.pod", "fd00--17.kfm-dev.pod.cluster.local."] {
		via_alias := [alias("front", name), ingress_to("front")]
		vs := route_to_store.violations with input as {"resources": via_alias}
		{[v.resource, v.path] | some v in vs} == {[1, ingress_path]}
		some v in vs
		contains(v.msg, "cannot be verified")
		via_slice := [manual_service("manual", {}), fqdn_slice("manual", name, "FQDN"), ingress_to("manual")]
		endpoint_findings(via_slice) == {[2, ingress_path]}
	}
}

# A Service defined twice (two overlays), once with a selector: its hand-written Endpoints still count.
test_endpoints_of_a_service_also_defined_without_selector if {
	selector_less := manual_service("api", {})
	rs := [postgres, db_service, api_service, selector_less, endpoints("api", [{"ip": "10.244.1.17"}]), ingress_to("api")]
	endpoint_findings(rs) == {[5, ingress_path]}
}

snippet_ingress(annotations) := {
	"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
	"metadata": {"name": "web", "namespace": "kfm-ui", "annotations": annotations},
	"spec": {"defaultBackend": {"service": {"name": "api", "port": {"number": 8080}}}},
}

test_ingress_configuration_snippets_to_store if {
	every pair in [
		["nginx.ingress.kubernetes.io/server-snippet", "location /dump {\n  proxy_pass http://db.kfm-dev.svc.cluster.local:5432;\n}\n"],
		["nginx.ingress.kubernetes.io/configuration-snippet", "set $t db.kfm-dev.svc; proxy_pass http://$t:5432;"],
		["nginx.ingress.kubernetes.io/stream-snippet", "server {\n  listen 15432;\n  proxy_pass db.kfm-dev:5432;\n}\n"],
		["nginx.org/location-snippets", "proxy_pass http://db.kfm-dev.svc:5432;"],
		["haproxy.org/backend-config-snippet", "backend dump\n  server s1 db.kfm-dev.svc.cluster.local:5432\n"],
	] {
		key := pair[0]
		vs := route_to_store.violations with input as {"resources": [postgres, db_service, snippet_ingress({key: pair[1]})]}
		{v.path | some v in vs} == {["metadata", "annotations", key]}
	}

	# A snippet that only sets headers, or proxies to the API or a loopback, reaches no store.
	every text in ["more_set_headers \"X-Frame-Options: DENY\";", "proxy_pass http://api.kfm-dev.svc:8080;", "proxy_pass http://127.0.0.1:8081;"] {
		count(route_to_store.violations) == 0 with input as {"resources": [postgres, db_service, api_service, snippet_ingress({"nginx.ingress.kubernetes.io/server-snippet": text})]}
	}
}
