package kfm.rbac.store_access_test

import data.kfm.rbac.store_access as rule

ns := "kfm-prod"

postgis := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": ns},
	"spec": {"template": {
		"metadata": {"labels": {"app": "postgis", "kfm.dev/tier": "store"}},
		"spec": {"serviceAccountName": "postgis", "containers": [{"name": "db", "image": "postgis/postgis:16", "envFrom": [{"secretRef": {"name": "postgis-credentials"}}]}]},
	}},
}

workload(name, labels) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": name, "namespace": ns},
	"spec": {"template": {"metadata": {"labels": labels}, "spec": {"serviceAccountName": name, "containers": [{"name": "c", "image": "quay.io/kfm/x:1"}]}}},
}

api := workload("kfm-api", {"app": "kfm-api", "kfm.dev/governed-api": "true"})

ui := workload("kfm-ui", {"app": "kfm-ui"})

role(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "helper", "namespace": ns}, "rules": rules}

binding(sa) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
	"metadata": {"name": "helper", "namespace": ns},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "helper"},
	"subjects": [{"kind": "ServiceAccount", "name": sa}],
}

read_named := [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["postgis-credentials", "kfm-ui-tls"], "verbs": ["get"]}]

exec := [{"apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["create", "get"]}]

msgs(resources) := ms if {
	vs := rule.violations with input as {"resources": resources}
	ms := {v.msg | some v in vs}
}

test_ui_reads_store_credential_by_name if {
	ms := msgs([postgis, api, ui, role(read_named), binding("kfm-ui")])
	count(ms) == 1
	some m in ms
	contains(m, "ServiceAccount kfm-prod/kfm-ui read of store credential Secret kfm-prod/postgis-credentials")
}

test_governed_api_may_read_store_credential if {
	msgs([postgis, api, ui, role(read_named), binding("kfm-api")]) == set()
}

test_store_may_read_its_credential if {
	msgs([postgis, api, ui, role(read_named), binding("postgis")]) == set()
}

test_other_secret_by_name_passes if {
	msgs([postgis, ui, role([{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["kfm-ui-tls"], "verbs": ["get"]}]), binding("kfm-ui")]) == set()
}

test_exec_and_portforward_in_store_namespace if {
	ms := msgs([postgis, ui, role(exec), binding("kfm-ui")])
	count(ms) == 2
}

test_attach_via_cluster_role_for_a_group if {
	cr := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "debugger"}, "rules": [{"apiGroups": [""], "resources": ["pods/attach"], "verbs": ["create"]}]}
	b := object.union(binding("x"), {"roleRef": {"kind": "ClusterRole", "name": "debugger"}, "subjects": [{"kind": "Group", "name": "devs"}]})
	ms := msgs([postgis, cr, b])
	ms == {"RoleBinding kfm-prod/helper grants Group devs pods/attach on the pods of kfm-prod, which holds a store; only the store and the governed API may"}
}

test_exec_without_store_in_namespace_passes if {
	msgs([ui, role(exec), binding("kfm-ui")]) == set()
}

test_service_account_of_other_namespace_is_judged_there if {
	b := object.union(binding("x"), {"subjects": [{"kind": "ServiceAccount", "name": "kfm-api", "namespace": "kfm-dev"}]})
	count(msgs([postgis, api, role(read_named), b])) == 1
}

cluster_role(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "helper"}, "rules": rules}

cluster_binding(sa_ns, sa) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
	"metadata": {"name": "helper"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "helper"},
	"subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": sa_ns}],
}

findings(resources, shared) := {[v.resource, v.msg] |
	some v in rule.violations with input as {"resources": resources, "shared": shared}
}

test_cluster_binding_reads_store_credential_by_name if {
	fs := findings([postgis, api, ui, cluster_role(read_named), cluster_binding(ns, "kfm-ui")], [])
	fs == {[0, "ClusterRoleBinding helper grants ServiceAccount kfm-prod/kfm-ui read of store credential Secret kfm-prod/postgis-credentials in every namespace, which reaches StatefulSet kfm-prod/postgis; only the store and the governed API may"]}
}

test_cluster_binding_exec_reaches_every_store_namespace if {
	fs := findings([postgis, cluster_role(exec), cluster_binding("kfm-dev", "kfm-ui")], [])
	count(fs) == 2
	some f in fs
	f[0] == 0
	contains(f[1], "grants ServiceAccount kfm-dev/kfm-ui pods/exec on the pods of every namespace, which reaches StatefulSet kfm-prod/postgis")
}

# The binding is another part's (shared context): the finding is made on the store this part judges.
test_cluster_binding_from_context_reported_on_the_store if {
	fs := findings([postgis], [cluster_role(read_named), cluster_binding(ns, "kfm-ui")])
	count(fs) == 1
	some f in fs
	f[0] == 0
}

test_cluster_binding_to_the_governed_api_of_the_store_namespace_passes if {
	findings([postgis, api, cluster_role(read_named), cluster_binding(ns, "kfm-api")], []) == set()
}

# The governed API of another namespace holds no credential of this one (TM-005 reads them by namespace too).
test_cluster_binding_to_a_governed_api_elsewhere_is_reported if {
	count(findings([postgis, api, cluster_role(read_named), cluster_binding("kfm-dev", "kfm-api")], [])) == 1
}

test_cluster_binding_without_store_grants_passes if {
	findings([postgis, ui, cluster_role([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]), cluster_binding(ns, "kfm-ui")], []) == set()
}

test_cluster_binding_to_a_group_with_exec_is_reported if {
	b := object.union(cluster_binding(ns, "x"), {"subjects": [{"kind": "Group", "name": "devs"}]})
	fs := findings([postgis, cluster_role(exec), b], [])
	count(fs) == 2
}

# Grants that lead to the store indirectly, in a namespace holding one.
test_ui_may_create_pods_or_patch_deployments_in_the_store_namespace if {
	ms := msgs([
		postgis, api, ui, role([
			{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]},
			{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]},
		]),
		binding("kfm-ui"),
	])
	ms == {"RoleBinding kfm-prod/helper grants ServiceAccount kfm-prod/kfm-ui writes of pods or of workloads that run them (create pods, patch deployments) in kfm-prod, which holds a store; only the store and the governed API may"}
}

test_escalate_and_bind_need_their_write_verb if {
	escalate := [
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["escalate"]},
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["create"]},
	]
	count(msgs([postgis, ui, role(escalate), binding("kfm-ui")])) == 1
	count(msgs([postgis, ui, role([escalate[0]]), binding("kfm-ui")])) == 0
	bind := [
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]},
		{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create"]},
	]
	count(msgs([postgis, ui, role(bind), binding("kfm-ui")])) == 1
	named := [object.union(bind[0], {"resourceNames": ["view"]}), bind[1]]
	count(msgs([postgis, ui, role(named), binding("kfm-ui")])) == 0
}

test_pod_writes_outside_a_store_namespace_pass if {
	other := object.union(role([{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]), {"metadata": {"namespace": "kfm-ci"}})
	b := object.union(binding("kfm-ui"), {"metadata": {"namespace": "kfm-ci"}})
	count(msgs([postgis, ui, other, b])) == 0
}

test_governed_api_may_create_pods if {
	count(msgs([postgis, api, role([{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]), binding("kfm-api")])) == 0
}

test_cluster_admin_role_binding_is_rbac_001s if {
	god := [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
	count(msgs([postgis, ui, role(god), binding("kfm-ui")])) == 0
}

# Acting as another identity of the store's namespace, or running a container in the store's pod.
test_token_impersonation_and_ephemeral_containers_in_the_store_namespace if {
	token := [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "resourceNames": ["postgis"], "verbs": ["create"]}]
	count(msgs([postgis, ui, role(token), binding("kfm-ui")])) == 1
	imp := [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}]
	count(msgs([postgis, ui, role(imp), binding("kfm-ui")])) == 1
	eph := [{"apiGroups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["patch"]}]
	count(msgs([postgis, ui, role(eph), binding("kfm-ui")])) == 1
	read := [{"apiGroups": [""], "resources": ["serviceaccounts", "pods/ephemeralcontainers"], "verbs": ["get", "list"]}]
	count(msgs([postgis, ui, role(read), binding("kfm-ui")])) == 0
	count(msgs([ui, role(token), binding("kfm-ui")])) == 0
}
