# An env's evaluation sees every overlay of the env (and shared context), so the same object can come twice with
# different content: two overlays rendering one ClusterRole, Role or Service differently. The library must read
# every definition (the union: what a binding could grant, where a name could lead), never stop on a key
# conflict: a stopped evaluation leaves every rule of the env unchecked (KFM-CONFIG-900; seen on
# christianh814/gitops-examples, whose envs each rendered a ClusterRole defined more than once).
package kfm_lib.duplicates_test

import data.kfm.argo.default_project
import data.kfm.rbac.app_binding_secrets_read
import data.kfm.rbac.cluster_admin_binding
import data.kfm.tm.route_to_store

cluster_role(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"}, "rules": rules}

role(rules) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "kfm-prod"}, "rules": rules}

binding(kind, name) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
	"metadata": {"name": concat("-", ["b", name]), "namespace": "kfm-prod"},
	"roleRef": {"kind": kind, "name": name},
	"subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "kfm-prod"}],
}

configmaps := [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]

everything := [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]

secrets := [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]

apps := {"path": "apps/a/overlays/prod", "env": "prod", "layer": "apps"}

second := {"path": "apps/b/overlays/prod", "env": "prod", "layer": "apps"}

# Resources alternate between the two overlays of the env.
env_input(resources) := {"env": "prod", "overlays": [apps, second], "owners": owners(resources), "resources": resources}

owners(resources) := [o | some i, _ in resources; o := i % 2]

test_a_cluster_role_defined_twice_grants_what_either_definition_grants if {
	rs := [cluster_role(configmaps), cluster_role(everything), binding("ClusterRole", "reader")]
	vs := cluster_admin_binding.violations with input as env_input(rs)
	{[v.id, v.resource] | some v in vs} == {["KFM-RBAC-001", 2]}

	# ...in either order, and also when one definition is shared context.
	count(cluster_admin_binding.violations) == 1 with input as env_input([cluster_role(everything), cluster_role(configmaps), binding("ClusterRole", "reader")])
	shared := object.union(env_input([cluster_role(configmaps), binding("ClusterRole", "reader")]), {"shared": [cluster_role(everything)]})
	count(cluster_admin_binding.violations) == 1 with input as shared
}

test_a_role_defined_twice_grants_what_either_definition_grants if {
	vs := cluster_admin_binding.violations with input as env_input([role(configmaps), role(everything), binding("Role", "r")])
	{[v.id, v.resource] | some v in vs} == {["KFM-RBAC-001", 2]}
	count(cluster_admin_binding.violations) == 0 with input as env_input([role(configmaps), role(configmaps), binding("Role", "r")])
}

test_aggregation_reads_every_label_set_of_a_duplicated_role if {
	agg := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}, "rules": []}
	plain := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "part"}, "rules": secrets}
	labelled := object.union(plain, {"metadata": {"name": "part", "labels": {"x": "y"}}, "rules": configmaps})
	vs := app_binding_secrets_read.violations with input as env_input([agg, plain, labelled, binding("ClusterRole", "agg")])
	{[v.id, v.resource] | some v in vs} == {["KFM-RBAC-005", 3]}
}

postgres := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "db", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "db"}},
		"spec": {"containers": [{"name": "pg", "image": "docker.io/library/postgres:16"}]},
	}},
}

db_service := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "kfm-prod"}, "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]}}

alias(target) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "front", "namespace": "kfm-prod"}, "spec": {"type": "ExternalName", "externalName": target}}

route := {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "public", "namespace": "kfm-prod"}, "spec": {"to": {"kind": "Service", "name": "front"}}}

test_an_external_name_service_defined_twice_leads_wherever_either_points if {
	rs := [postgres, db_service, alias("api.kfm-prod.svc.cluster.local"), alias("db.kfm-prod.svc.cluster.local"), route]
	vs := route_to_store.violations with input as env_input(rs)
	{[v.id, v.resource] | some v in vs} == {["KFM-TM-001", 4]}
	count(route_to_store.violations) == 0 with input as env_input([postgres, db_service, alias("api.kfm-prod.svc.cluster.local"), alias("web.kfm-prod.svc.cluster.local"), route])
}

test_list_elements_spelling_one_placeholder_twice if {
	appset := {
		"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
		"metadata": {"name": "s", "namespace": "openshift-gitops"},
		"spec": {
			"generators": [{"list": {"elements": [{"p": "kfm", ".p": "default"}]}}],
			"template": {"spec": {"project": "{{.p}}", "destination": {"namespace": "kfm-prod"}}},
		},
	}

	# `.p` and `p` both spell {{.p}}: one value is taken (the first key, `.p`), the evaluation goes on.
	vs := default_project.violations with input as env_input([appset])
	{v.id | some v in vs} == {"KFM-ARGO-003"}
}
