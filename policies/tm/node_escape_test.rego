package kfm.tm.node_escape_test

import data.kfm.tm.node_escape as rule

deployment(ns, spec) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "w", "namespace": ns},
	"spec": {"template": {"metadata": {"labels": {"app": "w"}}, "spec": object.union({"containers": [{"name": "c", "image": "registry.example.org/w@sha256:1111111111111111111111111111111111111111111111111111111111111111"}]}, spec)}},
}

store := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "db", "namespace": "kfm-dev", "labels": {"kfm.dev/tier": "store"}},
	"spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}}},
}

# An env input: overlay 0 is an app's, overlay 1 the platform's.
env(resources, owners) := {
	"env": "dev", "owners": owners, "resources": resources,
	"overlays": [{"layer": "apps", "path": "apps/w/overlays/dev"}, {"layer": "core", "path": "core/agents"}],
}

paths(resources, owners) := ps if {
	ps := {v.path | some v in rule.violations} with input as env(resources, owners)
}

privileged := {"containers": [{"name": "c", "image": "x@sha256:1111111111111111111111111111111111111111111111111111111111111111", "securityContext": {"privileged": true}}]}

test_app_workloads_reaching_the_node if {
	paths([deployment("kfm-dev", {"hostNetwork": true})], [0]) == {["spec", "template", "spec", "hostNetwork"]}
	paths([deployment("kfm-dev", {"hostPID": true, "hostIPC": true})], [0]) == {["spec", "template", "spec", "hostPID"], ["spec", "template", "spec", "hostIPC"]}
	paths([deployment("kfm-dev", {"volumes": [{"name": "k", "hostPath": {"path": "/var/lib/kubelet/pods"}}]})], [0]) == {["spec", "template", "spec", "volumes", 0, "hostPath"]}
	paths([deployment("kfm-dev", privileged)], [0]) == {["spec", "template", "spec", "containers", 0, "securityContext", "privileged"]}
	caps := {"containers": [{"name": "c", "image": "x", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "cap_sys_admin"]}}}]}
	paths([deployment("kfm-dev", caps)], [0]) == {["spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add", 1]}

	# An init container too.
	init := {"initContainers": [{"name": "i", "image": "x", "securityContext": {"privileged": true}}]}
	paths([deployment("kfm-dev", init)], [0]) == {["spec", "template", "spec", "initContainers", 0, "securityContext", "privileged"]}
}

test_platform_agents_only_beside_stores if {
	# A platform node agent in its own namespace passes; in the namespace of a store it is judged.
	paths([store, deployment("node-agents", privileged)], [0, 1]) == set()
	paths([store, deployment("kfm-dev", privileged)], [0, 1]) == {["spec", "template", "spec", "containers", 0, "securityContext", "privileged"]}
}

test_unprivileged_apps_pass if {
	paths([deployment("kfm-dev", {"volumes": [{"name": "d", "emptyDir": {}}], "hostNetwork": false})], [0]) == set()
	caps := {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": false, "capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN", "DAC_OVERRIDE", "NET_ADMIN", "SYS_PTRACE"], "drop": ["ALL"]}}}]}
	paths([deployment("kfm-dev", caps)], [0]) == set()
}

namespace(name, level) := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"pod-security.kubernetes.io/enforce": level}}}

test_store_namespace_enforcing_privileged if {
	paths([store, namespace("kfm-dev", "privileged")], [0, 1]) == {["metadata", "namespace"]}
	paths([store, namespace("kfm-dev", "restricted")], [0, 1]) == set()
	paths([store, namespace("tools", "privileged")], [0, 1]) == set()
}

test_store_host_network_is_tm008s if {
	net := json.patch(store, [{"op": "add", "path": "/spec/template/spec/hostNetwork", "value": true}])
	paths([net], [0]) == set()
	pid := json.patch(store, [{"op": "add", "path": "/spec/template/spec/hostPID", "value": true}])
	paths([pid], [0]) == {["spec", "template", "spec", "hostPID"]}
}
