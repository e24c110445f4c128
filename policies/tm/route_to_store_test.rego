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
