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

# Gloo's discovery writes an Upstream per Service port, named <namespace>-<service>-<port> (dots as dashes, longer
# than 63 characters: the first 31 and a hash): a route naming a store's discovered Upstream reaches the store though
# the Upstream is in no desired state.
gloo_to_upstream(name) := obj("gateway.solo.io/v1", "VirtualService", "gloo-system", {"virtualHost": {"domains": ["*"], "routes": [{
	"matchers": [{"prefix": "/"}],
	"routeAction": {"single": {"upstream": {"name": name, "namespace": "gloo-system"}}},
}]}})

upstream_path := ["spec", "virtualHost", "routes", 0, "routeAction", "single", "upstream", "name"]

test_gloo_discovered_upstreams if {
	paths(gloo_to_upstream("kfm-prod-postgis-5432")) == {upstream_path}
	paths(gloo_to_upstream("kfm-prod-postgis-15432")) == {upstream_path}
	paths(gloo_to_upstream("kfm-prod-kfm-api-8080")) == set()
	paths(gloo_to_upstream("kfm-prod-postgis-exporter-9187")) == set()
	paths(gloo_to_upstream("other-postgis-5432")) == set()
	table := obj("gateway.solo.io/v1", "RouteTable", "kfm-prod", {"routes": [{"routeAction": {"multi": {"destinations": [{"destination": {"upstream": {"name": "kfm-prod-postgis-5432"}}, "weight": 1}]}}}]})
	paths(table) == {["spec", "routes", 0, "routeAction", "multi", "destinations", 0, "destination", "upstream", "name"]}
}

test_gloo_discovered_upstream_of_a_long_name if {
	long := "analytics-warehouse-postgresql-primary-cluster"
	db := object.union(postgis, {"metadata": {"name": long}, "spec": {"template": {"metadata": {"labels": {"app": long}}}}})
	svc := object.union(postgis_service, {"metadata": {"name": long}, "spec": {"selector": {"app": long}}})

	# kfm-prod-analytics-warehouse-postgresql-primary-cluster-5432 is 60 characters: as is. Over 63, Gloo keeps the
	# first 31 and a dash, then an MD5 in hex, 63 in all.
	route := gloo_to_upstream("kfm-prod-analytics-warehouse-postgresql-primary-cluster-5432")
	count(route_to_store.violations) == 1 with input as {"resources": [db, svc, route]}
	truncated := gloo_to_upstream("kfm-prod-analytics-warehouse-po-0f6e35a1a3a45a7bb9b3b8a1b7e0d8c")
	count(route_to_store.violations) == 1 with input as {"resources": [db, svc, truncated]}
}

# A Gloo Upstream with static hosts naming a store by its cluster DNS name; an UpstreamGroup's destinations.
test_gloo_static_upstream_and_group if {
	static := {
		"apiVersion": "gloo.solo.io/v1", "kind": "Upstream",
		"metadata": {"name": "db", "namespace": "gloo-system"},
		"spec": {"static": {"hosts": [{"addr": "postgis.kfm-prod.svc.cluster.local", "port": 5432}]}},
	}
	vs := {v.resource | some v in route_to_store.violations} with input as {"resources": [postgis, postgis_service, gloo_to_upstream("db"), static]}
	vs == {2}
	group := obj("gloo.solo.io/v1", "UpstreamGroup", "gloo-system", {"destinations": [{"destination": {"kube": {"ref": {"name": "postgis", "namespace": "kfm-prod"}, "port": 5432}}, "weight": 9}]})
	paths(group) == {["spec", "destinations", 0, "destination", "kube", "ref", "name"]}
}

# cloudflared: a tunnel's ingress rules (config.yaml in a ConfigMap or Secret, or --url on its command line) publish
# in-cluster services on a public hostname without any Service, route or gateway of the cluster's own.
tunnel_config(service) := concat("\n", [
	"tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef",
	"credentials-file: /etc/cloudflared/creds/credentials.json",
	"ingress:",
	"  - hostname: app.example.com",
	"    service: http://kfm-api:8080",
	"  - hostname: db.example.com",
	concat("", ["    service: ", service]),
	"  - service: http_status:404",
	"",
])

config_map(entries) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cloudflared", "namespace": "kfm-prod"}, "data": entries}

test_cloudflared_tunnel_config if {
	every service in [
		"tcp://postgis:5432", "http://postgis.kfm-prod.svc:5432", "tcp://postgis.kfm-prod.svc.cluster.local:5432",
		"tcp://POSTGIS.kfm-prod", "tcp://postgis", "https://postgis.kfm-prod.svc.cluster.local.:5432/x",
	] {
		paths(config_map({"config.yaml": tunnel_config(service)})) == {["data", "config.yaml"]}
	}
}

test_cloudflared_tunnel_config_variants if {
	paths(config_map({"config.yml": tunnel_config("tcp://postgis:5432")})) == {["data", "config.yml"]}
	paths(config_map({"tunnel.yaml": tunnel_config("tcp://postgis:5432")})) == {["data", "tunnel.yaml"]}
	json_config := json.marshal({"tunnel": "t", "ingress": [{"hostname": "db.example.com", "service": "tcp://postgis:5432"}, {"service": "http_status:404"}]})
	paths(config_map({"config.json": json_config})) == {["data", "config.json"]}
	secret := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cloudflared", "namespace": "kfm-prod"}, "stringData": {"config.yaml": tunnel_config("tcp://postgis:5432")}}
	paths(secret) == {["stringData", "config.yaml"]}
	encoded := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cloudflared", "namespace": "kfm-prod"}, "data": {"config.yaml": base64.encode(tunnel_config("tcp://postgis:5432"))}}
	paths(encoded) == {["data", "config.yaml"]}
	paths(config_map({"config.yaml": tunnel_config("http://kfm-api:8080")})) == set()
	paths(config_map({"config.yaml": tunnel_config("tcp://db.example.com:5432")})) == set()
	paths(config_map({"config.yaml": "ingress: [oops"})) == set()
}

cloudflared(cmd) := {
	"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cloudflared", "namespace": "kfm-prod"},
	"spec": {"template": {"metadata": {"labels": {"app": "cloudflared"}}, "spec": {"containers": [{"name": "cloudflared", "image": "cloudflare/cloudflared:2024.6.1", "args": cmd}]}}},
}

test_cloudflared_url_on_the_command_line if {
	paths(cloudflared(["tunnel", "--no-autoupdate", "--url", "tcp://postgis:5432"])) == {["spec", "template", "spec", "containers", 0, "args", 3]}
	paths(cloudflared(["tunnel", "--url=http://postgis.kfm-prod.svc:5432", "run"])) == {["spec", "template", "spec", "containers", 0, "args", 1]}
	paths(cloudflared(["tunnel", "--url", "http://kfm-api:8080"])) == set()
}

# Gloo's TCP gateways and a hand-written Proxy send traffic to Upstreams and kube destinations too.
test_gloo_tcp_gateways_and_proxies if {
	gw := obj("gateway.solo.io/v1", "Gateway", "gloo-system", {"bindAddress": "::", "bindPort": 5432, "tcpGateway": {"tcpHosts": [{"name": "db", "destination": {"single": {"upstream": {"name": "kfm-prod-postgis-5432", "namespace": "gloo-system"}}}}]}})
	paths(gw) == {["spec", "tcpGateway", "tcpHosts", 0, "destination", "single", "upstream", "name"]}
	matchable := obj("gateway.solo.io/v1", "MatchableTcpGateway", "gloo-system", {"tcpGateway": {"tcpHosts": [{"name": "db", "destination": {"single": {"kube": {"ref": {"name": "postgis", "namespace": "kfm-prod"}, "port": 5432}}}}]}})
	paths(matchable) == {["spec", "tcpGateway", "tcpHosts", 0, "destination", "single", "kube", "ref", "name"]}
	proxy := obj("gloo.solo.io/v1", "Proxy", "gloo-system", {"listeners": [{"name": "tcp", "bindPort": 5432, "tcpListener": {"tcpHosts": [{"name": "db", "destination": {"single": {"upstream": {"name": "kfm-prod-postgis-5432"}}}}]}}]})
	paths(proxy) == {["spec", "listeners", 0, "tcpListener", "tcpHosts", 0, "destination", "single", "upstream", "name"]}
}

# A store Service named by an operator's pattern (Vitess's per-cell vtgate, <cluster>-<cell>-vtgate-<hash>): its
# discovered Upstream, and a tunnel to it.
test_discovered_upstream_and_tunnel_to_a_vitess_gateway if {
	vitess := {
		"apiVersion": "planetscale.com/v2", "kind": "VitessCluster",
		"metadata": {"name": "example", "namespace": "kfm-prod"},
		"spec": {"cells": [{"name": "zone1", "gateway": {"replicas": 1}}]},
	}
	gloo := gloo_to_upstream("kfm-prod-example-zone1-vtgate-bc6cde92-3306")
	{v.resource | some v in route_to_store.violations} == {1} with input as {"resources": [vitess, gloo]}
	tunnel := config_map({"config.yaml": tunnel_config("tcp://example-zone1-vtgate-bc6cde92.kfm-prod:3306")})
	{v.resource | some v in route_to_store.violations} == {1} with input as {"resources": [vitess, tunnel]}
	other := gloo_to_upstream("kfm-prod-example-web-3306")
	count(route_to_store.violations) == 0 with input as {"resources": [vitess, other]}
}

# A tunnel to an in-cluster address cannot be verified; cloudflared in a store's own pod publishes the store.
test_cloudflared_to_an_address_and_beside_a_store if {
	vs := route_to_store.violations with input as {"resources": [postgis, postgis_service, config_map({"config.yaml": tunnel_config("tcp://10.128.4.17:5432")})]}
	{[v.resource, v.path] | some v in vs} == {[2, ["data", "config.yaml"]]}
	some v in vs
	contains(v.msg, "cannot be verified")
	count(route_to_store.violations) == 0 with input as {"resources": [config_map({"config.yaml": tunnel_config("tcp://203.0.113.9:5432")})]}
	sidecar := json.patch(postgis, [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "tunnel", "image": "cloudflare/cloudflared:2024.6.1", "args": ["tunnel", "run", "--token", "x"]}}])
	{[v.resource, v.path] | some v in route_to_store.violations} == {[0, ["spec", "template", "spec", "containers", 1, "image"]]} with input as {"resources": [sidecar]}
}

# A tunnel that lets its clients pick the address (cloudflared's bastion service or mode, a SOCKS proxy, WARP private
# network routing) reaches every in-cluster address, stores included.
test_cloudflared_bastion_socks_and_warp_routing if {
	paths(config_map({"config.yaml": tunnel_config("bastion")})) == {["data", "config.yaml"]}
	bastion_mode := json.marshal({"tunnel": "t", "ingress": [{"hostname": "jump.example.com", "service": "tcp://localhost:1", "originRequest": {"bastionMode": true}}, {"service": "http_status:404"}]})
	paths(config_map({"config.yaml": bastion_mode})) == {["data", "config.yaml"]}
	socks := json.marshal({"tunnel": "t", "originRequest": {"proxyType": "socks"}, "ingress": [{"hostname": "s.example.com", "service": "tcp://localhost:1080"}, {"service": "http_status:404"}]})
	paths(config_map({"config.yaml": socks})) == {["data", "config.yaml"]}
	warp := json.marshal({"tunnel": "t", "warp-routing": {"enabled": true}, "ingress": [{"service": "http_status:404"}]})
	paths(config_map({"config.yaml": warp})) == {["data", "config.yaml"]}
	paths(cloudflared(["tunnel", "--bastion", "run"])) == {["spec", "template", "spec", "containers", 0, "args", 1]}
	quiet := json.marshal({"tunnel": "t", "warp-routing": {"enabled": false}, "ingress": [{"service": "http_status:404"}]})
	paths(config_map({"config.yaml": quiet})) == set()
}

# cloudflared under another image name, started by its `tunnel` subcommand.
test_cloudflared_renamed if {
	renamed := json.patch(cloudflared(["tunnel", "--url", "tcp://postgis:5432"]), [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ghcr.io/acme/edge-agent:1"}])
	paths(renamed) == {["spec", "template", "spec", "containers", 0, "args", 2]}
	other := json.patch(renamed, [{"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": ["serve", "--url", "tcp://postgis:5432"]}])
	paths(other) == set()
}

# Routes naming an in-cluster address: an Emissary Mapping's service, a Gloo static Upstream's host.
test_routes_to_in_cluster_addresses if {
	mapping := obj("getambassador.io/v3alpha1", "TCPMapping", "kfm-prod", {"port": 5432, "service": "10.128.4.17:5432"})
	paths(mapping) == {["spec", "service"]}
	paths(obj("getambassador.io/v3alpha1", "Mapping", "kfm-prod", {"prefix": "/", "service": "https://203.0.113.9"})) == set()
	static := {
		"apiVersion": "gloo.solo.io/v1", "kind": "Upstream",
		"metadata": {"name": "db", "namespace": "gloo-system"},
		"spec": {"static": {"hosts": [{"addr": "10.128.4.17", "port": 5432}]}},
	}
	vs := {[v.resource, v.path] | some v in route_to_store.violations} with input as {"resources": [gloo_to_upstream("db"), static]}
	vs == {[0, upstream_path]}
}

# ngrok: the operator's AgentEndpoint (upstream.url) and the older ingress controller's Tunnel (forwardsTo) publish a
# Service on an ngrok URL; so does the ngrok agent run with `http|tcp|tls <address>`.
test_ngrok_endpoints_and_agent if {
	agent_endpoint := obj("ngrok.k8s.ngrok.com/v1alpha1", "AgentEndpoint", "kfm-prod", {"url": "tcp://1.tcp.ngrok.io:20000", "upstream": {"url": "tcp://postgis.kfm-prod:5432"}})
	paths(agent_endpoint) == {["spec", "upstream", "url"]}
	paths(obj("ngrok.k8s.ngrok.com/v1alpha1", "AgentEndpoint", "kfm-prod", {"url": "https://x.ngrok.app", "upstream": {"url": "http://kfm-api:8080"}})) == set()
	tunnel := obj("ingress.k8s.ngrok.com/v1alpha1", "Tunnel", "kfm-prod", {"forwardsTo": "postgis.kfm-prod.svc.cluster.local:5432"})
	paths(tunnel) == {["spec", "forwardsTo"]}
	ngrok := json.patch(cloudflared(["tcp", "postgis:5432", "--log", "stdout"]), [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ngrok/ngrok:3"}])
	paths(ngrok) == {["spec", "template", "spec", "containers", 0, "args", 1]}
	by_url := json.patch(ngrok, [{"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": ["http", "http://postgis.kfm-prod.svc:5432", "--url", "https://x.ngrok.app"]}])
	paths(by_url) == {["spec", "template", "spec", "containers", 0, "args", 1]}
	api := json.patch(ngrok, [{"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": ["http", "kfm-api:8080"]}])
	paths(api) == set()
}

test_haproxy_tcp if {
	tcp := obj("ingress.v1.haproxy.org/v1", "TCP", "kfm-prod", [
		{"name": "api", "frontend": {"name": "api", "binds": [{"name": "b", "port": 8443}]}, "service": {"name": "kfm-api", "port": 8443}},
		{"name": "pg", "frontend": {"name": "pg", "binds": [{"name": "b", "port": 5432}]}, "service": {"name": "postgis", "port": 5432}},
	])
	paths(tcp) == {["spec", 1, "service", "name"]}
	paths(object.union(tcp, {"apiVersion": "example.com/v1"})) == set()
}

# Route kinds of products the rule does not know by name, read by the Services their spec names.
test_generic_route_kinds if {
	rg := obj("zalando.org/v1", "RouteGroup", "kfm-prod", {
		"hosts": ["db.example.com"],
		"backends": [{"name": "pg", "type": "service", "serviceName": "postgis", "servicePort": 5432}],
	})
	paths(rg) == {["spec", "backends", 0, "serviceName"]}
	consul := obj("consul.hashicorp.com/v1alpha1", "IngressGateway", "consul", {"listeners": [{"port": 5432, "protocol": "tcp", "services": [{"name": "postgis", "namespace": "kfm-prod"}]}]})
	paths(consul) == {["spec", "listeners", 0, "services", 0, "name"]}
	dns := obj("example.com/v1", "TCPProxy", "edge", {"upstream": {"service": "postgis.kfm-prod.svc:5432"}})
	paths(dns) == {["spec", "upstream", "service"]}
	paths(obj("zalando.org/v1", "RouteGroup", "kfm-prod", {"backends": [{"serviceName": "kfm-api"}]})) == set()
	paths(obj("monitoring.example.com/v1", "Probe", "kfm-prod", {"serviceName": "postgis"})) == set()
}
