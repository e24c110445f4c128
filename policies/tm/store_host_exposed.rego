# METADATA
# title: A store does not run on the host network or bind host ports
# description: >-
#   A store pod with `hostNetwork: true` listens on the node's own addresses, and a `hostPort` publishes a port on
#   the node: either way clients reach the store without passing through any Service or NetworkPolicy (policies do
#   not apply to host-network traffic), around the governed API. Store detection as for the other KFM-TM rules.
# custom:
#   id: KFM-TM-008
#   severity: error
#   remediation: >-
#     Remove hostNetwork and hostPort from the store's pod template; expose the store through a ClusterIP Service
#     that only the governed API may reach.
package kfm.tm.store_host_exposed

import data.kfm_lib.k8s
import data.kfm_lib.stores

violations contains v if {
	some i in stores.store_workloads
	k8s.own(i)
	w := input.resources[i]
	some x in stores.host_exposure(w)
	v := {
		"id": "KFM-TM-008",
		"msg": concat("", ["store ", w.kind, " ", k8s.namespace(w), "/", k8s.display_name(w), " uses ", x.what, ": it is reachable from outside the cluster network, around every NetworkPolicy and the governed API"]),
		"resource": i,
		"path": x.path,
	}
}
