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
