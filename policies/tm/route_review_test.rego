# Entry points found by reviewing KFM-TM-001/002 as an attacker; each passed before.
package kfm.tm.route_review_test

import data.kfm.tm.route_to_store
import data.kfm.tm.store_service_exposed

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

vsvc(name, ns, spec) := {
	"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
	"metadata": {"name": name, "namespace": ns},
	"spec": spec,
}

found(resources) := ps if {
	ps := {[v.resource, v.path] | some v in route_to_store.violations} with input as {"resources": resources}
}

# Istio: a match's `gateways` overrides the VirtualService's (absent: mesh only); a route matched on the public
# gateway is public.
test_match_gateways_override if {
	vs := vsvc("db", "kfm-dev", {"hosts": ["db.example.org"], "tcp": [{
		"match": [{"port": 5432, "gateways": ["istio-system/public"]}],
		"route": [{"destination": {"host": "db"}}],
	}]})
	found([postgres, db_service, vs]) == {[2, ["spec", "tcp", 0, "route", 0, "destination", "host"]]}
}

test_match_on_mesh_only_passes if {
	vs := vsvc("db", "kfm-dev", {"hosts": ["db"], "gateways": ["istio-system/public", "mesh"], "tcp": [{
		"match": [{"port": 5432, "gateways": ["mesh"]}],
		"route": [{"destination": {"host": "db"}}],
	}]})
	found([postgres, db_service, vs]) == set()
}

# Istio delegation: a gateway-bound VirtualService hands its http routes to a delegate VirtualService, which has no
# gateways of its own.
test_delegate_of_a_public_virtual_service if {
	root := vsvc("root", "edge", {"hosts": ["app.example.org"], "gateways": ["istio-system/public"], "http": [{"match": [{"uri": {"prefix": "/db"}}], "delegate": {"name": "db-routes", "namespace": "kfm-dev"}}]})
	delegate := vsvc("db-routes", "kfm-dev", {"http": [{"route": [{"destination": {"host": "db"}}]}]})
	found([postgres, db_service, root, delegate]) == {[3, ["spec", "http", 0, "route", 0, "destination", "host"]]}
	unreferenced := vsvc("other", "kfm-dev", {"http": [{"route": [{"destination": {"host": "db"}}]}]})
	found([postgres, db_service, root, unreferenced]) == set()
}

# ingress-nginx's default-backend annotation: the Service answering when the rule's backend has no endpoints.
test_ingress_nginx_default_backend_annotation if {
	ing := {
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": {"name": "web", "namespace": "kfm-dev", "annotations": {"nginx.ingress.kubernetes.io/default-backend": "db"}},
		"spec": {"rules": [{"host": "x.example", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "empty", "port": {"number": 80}}}}]}}]},
	}
	found([postgres, db_service, ing]) == {[2, ["metadata", "annotations", "nginx.ingress.kubernetes.io/default-backend"]]}
}

# Strimzi's KafkaBridge serves the cluster's topics over HTTP from <name>-bridge-service.
test_route_to_kafka_bridge if {
	bridge := {
		"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaBridge",
		"metadata": {"name": "events", "namespace": "kfm-dev"},
		"spec": {"replicas": 1, "bootstrapServers": "events-kafka-bootstrap:9092", "http": {"port": 8080}},
	}
	route := {
		"apiVersion": "route.openshift.io/v1", "kind": "Route",
		"metadata": {"name": "bridge", "namespace": "kfm-dev"},
		"spec": {"to": {"kind": "Service", "name": "events-bridge-service"}},
	}
	found([bridge, route]) == {[1, ["spec", "to", "name"]]}
}

# A Service the repo defines under the name of a Service the operator creates (its selector left to the operator)
# with type LoadBalancer.
test_operator_service_defined_as_load_balancer if {
	rabbit := {"apiVersion": "rabbitmq.com/v1beta1", "kind": "RabbitmqCluster", "metadata": {"name": "events", "namespace": "kfm-dev"}, "spec": {}}
	svc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "events", "namespace": "kfm-dev"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 5672}]}}
	ps := {[v.resource, v.path] | some v in store_service_exposed.violations} with input as {"resources": [rabbit, svc]}
	ps == {[1, ["spec", "type"]]}
	other := object.union(svc, {"metadata": {"name": "events-ui"}})
	qs := {v | some v in store_service_exposed.violations} with input as {"resources": [rabbit, other]}
	qs == set()
}

# Traefik: an IngressRoute naming a TraefikService (weighted or mirroring) reaches the Services the TraefikService names.
test_traefik_service_to_store if {
	ts := {
		"apiVersion": "traefik.io/v1alpha1", "kind": "TraefikService",
		"metadata": {"name": "split", "namespace": "kfm-dev"},
		"spec": {"weighted": {"services": [{"name": "api", "port": 80, "weight": 9}, {"name": "db", "port": 5432, "weight": 1}]}},
	}
	found([postgres, db_service, ts]) == {[2, ["spec", "weighted", "services", 1, "name"]]}
	mirror := {
		"apiVersion": "traefik.io/v1alpha1", "kind": "TraefikService",
		"metadata": {"name": "mirror", "namespace": "kfm-dev"},
		"spec": {"mirroring": {"name": "api", "port": 80, "mirrors": [{"name": "db", "port": 5432, "percent": 100}]}},
	}
	found([postgres, db_service, mirror]) == {[2, ["spec", "mirroring", "mirrors", 0, "name"]]}
	nested := object.union(mirror, {"spec": {"mirroring": {"name": "split", "kind": "TraefikService", "mirrors": []}}})
	found([postgres, db_service, nested]) == set()
}
