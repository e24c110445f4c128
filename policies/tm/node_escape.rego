# METADATA
# title: No app workload, and no workload beside a store, reaches the node
# description: >-
#   A pod that reaches its node reaches every store the node runs, past the governed API and every NetworkPolicy:
#   the node's filesystem holds each pod's volumes and mounted Secrets (/var/lib/kubelet/pods), its network and
#   process namespaces hold every connection. So no workload of the apps layer, and no workload of any layer in a
#   namespace that holds a store, may run privileged, add the capabilities that reach the node (ALL, SYS_ADMIN,
#   SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, BPF), mount a hostPath
#   volume, or share the node's network, process or IPC namespace (hostNetwork, hostPID, hostIPC). The platform's
#   node agents belong to its own namespaces. Each reported at the field. A Namespace of the desired state that holds
#   a store and sets `pod-security.kubernetes.io/enforce: privileged` is reported on the store too: the admission guard
#   is off there.
# custom:
#   id: KFM-TM-013
#   severity: error
#   remediation: >-
#     Remove the setting; run the workload unprivileged, with an emptyDir, a PersistentVolumeClaim or a projected
#     volume instead of a hostPath. A node agent the platform needs goes in a platform namespace without stores.
package kfm.tm.node_escape

import data.kfm_lib.k8s
import data.kfm_lib.stores

# Capabilities that reach past the pod's own namespaces to the node's kernel (mounts and cgroups, kernel modules,
# raw devices, open_by_handle_at on the node's filesystem, eBPF). DAC_OVERRIDE, NET_ADMIN or SYS_PTRACE act within
# the pod's own filesystem, network and processes: not the node unless it shares them (reported then).
node_capabilities := {"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF"}

violations contains v if {
	some i, r in input.resources
	k8s.is_workload(r)
	judged(i, r)
	some [path, why] in reaches_node(r)
	not store_host_network(i, path)
	v := {
		"id": "KFM-TM-013",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " ", why, ": it reaches its node, and every store the node runs, past the governed API"]),
		"resource": i,
		"path": path,
	}
}

# A store on the node's network is KFM-TM-008's (it is exposed outside the cluster): not reported twice.
store_host_network(i, path) if {
	stores.store_workloads[i]
	path[count(path) - 1] == "hostNetwork"
}

judged(i, _) if k8s.layer_of(i) == "apps"

judged(_, r) if stores.store_namespaces[k8s.namespace(r)]

reaches_node(r) := (({[array.concat(k8s.pod_spec_path(r), [field]), concat("", ["sets ", field])] |
	spec := k8s.pod_spec(r)
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	spec[field] == true
} | {[array.concat(k8s.pod_spec_path(r), ["volumes", j, "hostPath"]), concat("", ["mounts the node's ", object.get(vol.hostPath, "path", "")])] |
	some j, vol in object.get(k8s.pod_spec(r), "volumes", [])
	is_object(vol.hostPath)
}) | {[array.concat(c.path, ["securityContext", "privileged"]), concat("", ["runs container ", object.get(c.container, "name", ""), " privileged"])] |
	some c in k8s.containers(r)
	object.get(c.container, ["securityContext", "privileged"], false) == true
}) | {[array.concat(c.path, ["securityContext", "capabilities", "add", k]), concat("", ["adds ", cap, " to container ", object.get(c.container, "name", "")])] |
	some c in k8s.containers(r)
	some k, cap in object.get(c.container, ["securityContext", "capabilities", "add"], [])
	is_string(cap)
	node_capabilities[trim_prefix(upper(cap), "CAP_")]
}

# A namespace that holds a store and lets its pods run privileged (Pod Security `enforce: privileged`): the admission
# guard that would refuse a workload reaching the node is off where the store runs, for pods made outside Git too.
# Reported on each store workload of it (the Namespace is platform context of the apps' evaluation), naming it.
violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	name := k8s.namespace(w)
	some ns in k8s.all
	ns.kind == "Namespace"
	k8s.name(ns) == name
	lower(trim_space(object.get(k8s.labels(ns), "pod-security.kubernetes.io/enforce", ""))) == "privileged"
	v := {
		"id": "KFM-TM-013",
		"msg": concat("", ["Namespace ", name, " enforces Pod Security level privileged and holds store ", w.kind, " ", k8s.display_name(w), ": any pod made there may reach its node, and every store the node runs; enforce baseline or restricted"]),
		"resource": i,
		"path": ["metadata", "namespace"],
	}
}
