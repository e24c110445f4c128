package kfm.tm.store_host_exposed_test

import data.kfm.tm.store_host_exposed as rule

pg(spec) := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "db", "namespace": "kfm-prod"},
	"spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": object.union({"containers": [{"name": "pg", "image": "registry.redhat.io/rhel9/postgresql-15@sha256:00"}]}, spec)}},
}

paths(resources) := ps if {
	vs := rule.violations with input as {"resources": resources}
	ps := {v.path | some v in vs}
}

test_host_network_on_a_store if {
	paths([pg({"hostNetwork": true})]) == {["spec", "template", "spec", "hostNetwork"]}
}

test_host_port_on_a_store if {
	w := pg({"containers": [{"name": "pg", "image": "postgres:16", "ports": [{"containerPort": 5432, "hostPort": 5432}]}]})
	paths([w]) == {["spec", "template", "spec", "containers", 0, "ports", 0, "hostPort"]}
}

test_store_on_the_pod_network_passes if {
	paths([pg({"hostNetwork": false})]) == set()
}

test_other_workloads_are_not_judged_here if {
	api := object.union(pg({"hostNetwork": true}), {"spec": {"template": {"spec": {"containers": [{"name": "api", "image": "ghcr.io/kfm/api:1"}]}}}})
	paths([api]) == set()
}
