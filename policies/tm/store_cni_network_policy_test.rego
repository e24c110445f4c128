package kfm.tm.store_cni_network_policy_test

import data.kfm.tm.store_cni_network_policy as rule

postgis := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app.kubernetes.io/name": "postgis", "kfm.dev/tier": "store"}},
		"spec": {"containers": [{"name": "db", "image": "postgis/postgis:16"}]},
	}},
}

api := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "api", "namespace": "kfm-prod"},
	"spec": {"template": {"metadata": {"labels": {"kfm.dev/governed-api": "true"}}, "spec": {"containers": [{"name": "api", "image": "quay.io/kfm/api:1"}]}}},
}

cnp(ingress) := {
	"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
	"metadata": {"name": "pg", "namespace": "kfm-prod"},
	"spec": {"endpointSelector": {"matchLabels": {"k8s:app.kubernetes.io/name": "postgis"}}, "ingress": ingress},
}

ccnp(selector, ingress) := {
	"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy",
	"metadata": {"name": "all"},
	"spec": {"endpointSelector": selector, "ingress": ingress},
}

calico(kind, selector, ingress) := {
	"apiVersion": "projectcalico.org/v3", "kind": kind,
	"metadata": {"name": "pg", "namespace": "kfm-prod"},
	"spec": {"selector": selector, "types": ["Ingress"], "ingress": ingress},
}

antrea(kind, applied, ingress) := {
	"apiVersion": "crd.antrea.io/v1beta1", "kind": kind,
	"metadata": {"name": "pg", "namespace": "kfm-prod"},
	"spec": {"priority": 5, "appliedTo": applied, "ingress": ingress},
}

governed := {"matchLabels": {"kfm.dev/governed-api": "true"}}

found(resources) := {[v.resource, v.path] | some v in rule.violations with input as {"resources": resources}}

test_cilium_world_entity if {
	found([postgis, cnp([{"fromEntities": ["world"]}])]) == {[1, ["spec", "ingress", 0]]}
}

test_cilium_ports_only_rule_admits_everyone if {
	found([postgis, cnp([{"toPorts": [{"ports": [{"port": "5432"}]}]}])]) == {[1, ["spec", "ingress", 0]]}
}

test_cilium_cidr_in_specs_list if {
	p := json.remove(cnp([]), ["spec"])
	q := object.union(p, {"specs": [{"endpointSelector": {}, "ingress": [{"fromCIDR": ["10.0.0.0/8"]}]}]})
	found([postgis, q]) == {[1, ["specs", 0, "ingress", 0]]}
}

test_cilium_governed_peer_passes if {
	found([postgis, api, cnp([{"fromEndpoints": [governed]}])]) == set()
}

test_cilium_other_pods if {
	found([postgis, cnp([{"fromEndpoints": [{"matchLabels": {"app": "ui"}}]}])]) == {[1, ["spec", "ingress", 0]]}
}

test_cilium_governed_of_foreign_namespace if {
	sel := {"matchLabels": {"kfm.dev/governed-api": "true", "k8s:io.kubernetes.pod.namespace": "attacker"}}
	found([postgis, api, cnp([{"fromEndpoints": [sel]}])]) == {[2, ["spec", "ingress", 0]]}
}

test_cilium_policy_of_other_pods_passes if {
	p := json.patch(cnp([{"fromEntities": ["world"]}]), [{"op": "replace", "path": "/spec/endpointSelector", "value": {"matchLabels": {"app": "ui"}}}])
	found([postgis, p]) == set()
}

test_cilium_ingress_deny_passes if {
	p := json.patch(cnp([]), [{"op": "add", "path": "/spec/ingressDeny", "value": [{"fromEntities": ["world"]}]}])
	found([postgis, p]) == set()
}

test_cilium_clusterwide_reported_on_store if {
	found([postgis, ccnp({}, [{"fromEntities": ["cluster"]}])]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_cilium_clusterwide_governed_any_namespace if {
	found([postgis, api, ccnp({}, [{"fromEndpoints": [governed]}])]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_cilium_clusterwide_other_namespace_passes if {
	sel := {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "monitoring"}}
	found([postgis, ccnp(sel, [{"fromEntities": ["world"]}])]) == set()
}

test_calico_nets if {
	found([postgis, calico("NetworkPolicy", "app.kubernetes.io/name == 'postgis'", [{"action": "Allow", "source": {"nets": ["0.0.0.0/0"]}}])]) == {[1, ["spec", "ingress", 0]]}
}

test_calico_all_sources if {
	found([postgis, calico("NetworkPolicy", "all()", [{"action": "Allow"}])]) == {[1, ["spec", "ingress", 0]]}
}

test_calico_governed_selector_passes if {
	found([postgis, api, calico("NetworkPolicy", "has(kfm.dev/tier)", [{"action": "Allow", "source": {"selector": "kfm.dev/governed-api == 'true'"}}])]) == set()
}

test_calico_or_selector_is_not_governed if {
	src := {"selector": "kfm.dev/governed-api == 'true' || app == 'x'"}
	found([postgis, calico("NetworkPolicy", "all()", [{"action": "Allow", "source": src}])]) == {[1, ["spec", "ingress", 0]]}
}

test_calico_deny_passes if {
	found([postgis, calico("NetworkPolicy", "all()", [{"action": "Deny", "source": {"nets": ["0.0.0.0/0"]}}])]) == set()
}

test_calico_selector_of_other_pods_passes if {
	found([postgis, calico("NetworkPolicy", "app == 'ui'", [{"action": "Allow"}])]) == set()
}

test_calico_global_governed_every_namespace if {
	p := json.remove(calico("GlobalNetworkPolicy", "", [{"action": "Allow", "source": {"selector": "kfm.dev/governed-api == 'true'"}}]), ["metadata", "namespace"])
	found([postgis, api, p]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_calico_crd_group if {
	p := object.union(calico("NetworkPolicy", "", [{"action": "Allow", "source": {"serviceAccounts": {"names": ["x"]}}}]), {"apiVersion": "crd.projectcalico.org/v1"})
	found([postgis, p]) == {[1, ["spec", "ingress", 0]]}
}

test_antrea_ipblock if {
	found([postgis, antrea("NetworkPolicy", [{"podSelector": {}}], [{"action": "Allow", "from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}])]) == {[1, ["spec", "ingress", 0]]}
}

test_antrea_governed_passes if {
	found([postgis, api, antrea("NetworkPolicy", [{"podSelector": {}}], [{"action": "Allow", "from": [{"podSelector": governed}]}])]) == set()
}

test_antrea_cluster_policy_by_namespace_label if {
	applied := [{"namespaceSelector": {"matchLabels": {"team": "data"}}}]
	p := json.remove(antrea("ClusterNetworkPolicy", applied, [{"action": "Allow", "from": []}]), ["metadata", "namespace"])
	found([postgis, p]) == {[0, ["spec", "template", "metadata", "labels"]]}
}

test_antrea_cluster_policy_other_namespace_passes if {
	applied := [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
	p := json.remove(antrea("ClusterNetworkPolicy", applied, [{"action": "Allow", "from": []}]), ["metadata", "namespace"])
	found([postgis, p]) == set()
}

test_kubernetes_network_policy_is_not_judged_here if {
	p := object.union(calico("NetworkPolicy", "", [{"action": "Allow"}]), {"apiVersion": "networking.k8s.io/v1"})
	found([postgis, p]) == set()
}

# A namespaced Calico policy has no namespaceSelector of its own: one written there does not narrow it.
test_calico_namespaced_policy_namespace_selector_is_not_read if {
	p := json.patch(calico("NetworkPolicy", "all()", [{"action": "Allow"}]), [{"op": "add", "path": "/spec/namespaceSelector", "value": "projectcalico.org/name == 'elsewhere'"}])
	found([postgis, p]) == {[1, ["spec", "ingress", 0]]}
}
