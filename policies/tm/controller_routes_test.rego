# Ingress controllers' own route kinds that passed KFM-TM-001 when they sent traffic to a store: Emissary/Ambassador
# Mapping and TCPMapping, NGINX Inc VirtualServer/VirtualServerRoute/TransportServer, Kong TCPIngress/UDPIngress,
# APISIX ApisixRoute, Gloo VirtualService (kube destinations and Upstreams), ingress-nginx's tcp-services ConfigMap.
package kfm.tm.controller_routes_test

import data.kfm.tm.route_to_store

postgis := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "postgis"}},
		"spec": {"containers": [{"name": "pg", "image": "docker.io/postgis/postgis:16-3.4"}]},
	}},
}

postgis_service := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {"selector": {"app": "postgis"}, "ports": [{"port": 5432}]},
}

paths(r) := ps if {
	ps := {v.path | some v in route_to_store.violations; v.resource == 2} with input as {"resources": [postgis, postgis_service, r]}
}

obj(api, kind, ns, spec) := {"apiVersion": api, "kind": kind, "metadata": {"name": "edge", "namespace": ns}, "spec": spec}

test_emissary_mappings if {
	paths(obj("getambassador.io/v3alpha1", "Mapping", "kfm-prod", {"hostname": "*", "prefix": "/db/", "service": "postgis:5432"})) == {["spec", "service"]}
	paths(obj("getambassador.io/v3alpha1", "Mapping", "ambassador", {"hostname": "*", "prefix": "/db/", "service": "http://postgis.kfm-prod:5432"})) == {["spec", "service"]}
	paths(obj("getambassador.io/v2", "TCPMapping", "ambassador", {"port": 5432, "service": "postgis.kfm-prod.svc.cluster.local:5432"})) == {["spec", "service"]}
	paths(obj("getambassador.io/v3alpha1", "Mapping", "kfm-prod", {"prefix": "/", "service": "kfm-api:8080"})) == set()
	paths(obj("getambassador.io/v3alpha1", "Mapping", "ambassador", {"prefix": "/", "service": "postgis:5432"})) == set()
}

test_nginx_inc_routes if {
	vs := obj("k8s.nginx.org/v1", "VirtualServer", "kfm-prod", {
		"host": "db.example.com",
		"upstreams": [{"name": "api", "service": "kfm-api", "port": 8080}, {"name": "db", "service": "postgis", "port": 5432}],
		"routes": [{"path": "/", "action": {"pass": "db"}}],
	})
	paths(vs) == {["spec", "upstreams", 1, "service"]}
	vsr := object.union(vs, {"kind": "VirtualServerRoute"})
	paths(vsr) == {["spec", "upstreams", 1, "service"]}
	ts := obj("k8s.nginx.org/v1", "TransportServer", "kfm-prod", {
		"listener": {"name": "pg", "protocol": "TCP"},
		"upstreams": [{"name": "db", "service": "postgis", "port": 5432}],
		"action": {"pass": "db"},
	})
	paths(ts) == {["spec", "upstreams", 0, "service"]}
}

test_kong_stream_ingresses if {
	tcp := obj("configuration.konghq.com/v1beta1", "TCPIngress", "kfm-prod", {"rules": [{"port": 9000, "backend": {"serviceName": "postgis", "servicePort": 5432}}]})
	paths(tcp) == {["spec", "rules", 0, "backend", "serviceName"]}
	udp := object.union(tcp, {"kind": "UDPIngress"})
	paths(udp) == {["spec", "rules", 0, "backend", "serviceName"]}
}

test_apisix_routes if {
	http := obj("apisix.apache.org/v2", "ApisixRoute", "kfm-prod", {"http": [{
		"name": "db", "match": {"hosts": ["db.example.com"], "paths": ["/*"]},
		"backends": [{"serviceName": "postgis", "servicePort": 5432}],
	}]})
	paths(http) == {["spec", "http", 0, "backends", 0, "serviceName"]}
	stream := obj("apisix.apache.org/v2", "ApisixRoute", "kfm-prod", {"stream": [{
		"name": "pg", "protocol": "TCP", "match": {"ingressPort": 5432},
		"backend": {"serviceName": "postgis", "servicePort": 5432},
	}]})
	paths(stream) == {["spec", "stream", 0, "backend", "serviceName"]}
}

test_gloo_virtual_services if {
	kube := obj("gateway.solo.io/v1", "VirtualService", "gloo-system", {"virtualHost": {"domains": ["*"], "routes": [{
		"matchers": [{"prefix": "/"}],
		"routeAction": {"single": {"kube": {"ref": {"name": "postgis", "namespace": "kfm-prod"}, "port": 5432}}},
	}]}})
	paths(kube) == {["spec", "virtualHost", "routes", 0, "routeAction", "single", "kube", "ref", "name"]}
	upstream := {
		"apiVersion": "gloo.solo.io/v1", "kind": "Upstream",
		"metadata": {"name": "kfm-prod-postgis-5432", "namespace": "gloo-system"},
		"spec": {"kube": {"serviceName": "postgis", "serviceNamespace": "kfm-prod", "servicePort": 5432}},
	}
	via := obj("gateway.solo.io/v1", "VirtualService", "gloo-system", {"virtualHost": {"domains": ["*"], "routes": [{
		"matchers": [{"prefix": "/"}],
		"routeAction": {"single": {"upstream": {"name": "kfm-prod-postgis-5432", "namespace": "gloo-system"}}},
	}]}})
	vs := {v.path | some v in route_to_store.violations} with input as {"resources": [postgis, postgis_service, via, upstream]}
	vs == {["spec", "virtualHost", "routes", 0, "routeAction", "single", "upstream", "name"]}
}

test_ingress_nginx_tcp_services if {
	cm := {
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": {"name": "tcp-services", "namespace": "ingress-nginx"},
		"data": {"9000": "kfm-prod/kfm-api:8080", "5432": "kfm-prod/postgis:5432"},
	}
	paths(cm) == {["data", "5432"]}
	other := object.union(cm, {"metadata": {"name": "app-settings"}})
	paths(other) == set()
}
