# METADATA
# title: A Service fronting a store must not be exposed outside the cluster
# description: >-
#   A Service of type LoadBalancer or NodePort, or one with externalIPs, is reachable from outside the cluster
#   without any route. When it fronts a store (labelled as a store or selecting a store's pods) it opens a path
#   around the governed API, breaking the trust membrane.
# custom:
#   id: KFM-TM-002
#   severity: error
#   remediation: >-
#     Make the store's Service type ClusterIP (the default) without externalIPs, and expose only the governed API.
package kfm.tm.store_service_exposed

import data.kfm_lib.k8s
import data.kfm_lib.stores

violations contains v if {
	some i in stores.store_services
	k8s.own(i)
	svc := input.resources[i]
	svc.spec.type in {"LoadBalancer", "NodePort"}
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Service ", k8s.namespace(svc), "/", k8s.display_name(svc), " fronts a store and has type ", svc.spec.type, "; stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["spec", "type"],
	}
}

violations contains v if {
	some i in stores.store_services
	k8s.own(i)
	svc := input.resources[i]
	count(object.get(svc, ["spec", "externalIPs"], [])) > 0
	v := {
		"id": "KFM-TM-002",
		"msg": concat("", ["Service ", k8s.namespace(svc), "/", k8s.display_name(svc), " fronts a store and has externalIPs; stores are reachable only through the governed API"]),
		"resource": i,
		"path": ["spec", "externalIPs"],
	}
}
