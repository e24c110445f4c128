# Stores run by more operators (Percona, OpenSearch, RabbitMQ, Redis, MariaDB): each passed every KFM-TM rule as
# nothing at all (a Route to `<name>-haproxy`, a LoadBalancer `expose`, a worker mounting `<name>-default-user`).
package kfm.tm.operator_stores_test

import data.kfm.tm.route_to_store
import data.kfm.tm.store_credentials
import data.kfm.tm.store_service_exposed

cr(api, kind, name, spec) := {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "kfm-prod"}, "spec": spec}

route_to(name) := {
	"apiVersion": "route.openshift.io/v1", "kind": "Route",
	"metadata": {"name": concat("-", ["public", name]), "namespace": "kfm-prod"},
	"spec": {"to": {"kind": "Service", "name": name}},
}

routed(resources) := vs if {
	vs := {v.msg | some v in route_to_store.violations} with input as {"resources": resources}
}

exposed(r) := ps if {
	ps := {v.path | some v in store_service_exposed.violations} with input as {"resources": [r]}
}

client(secret) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "worker", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "worker"}},
		"spec": {"containers": [{"name": "w", "image": "ghcr.io/kfm/worker:1", "envFrom": [{"secretRef": {"name": secret}}]}]},
	}},
}

credential(r, secret) if {
	some v in store_credentials.violations with input as {"resources": [r, client(secret)]}
	v.id == "KFM-TM-005"
}

pxc := cr("pxc.percona.com/v1", "PerconaXtraDBCluster", "cluster1", {
	"crVersion": "1.15.0",
	"pxc": {"size": 3, "image": "percona/percona-xtradb-cluster:8.0.36-28.1"},
	"haproxy": {"enabled": true, "size": 3, "image": "percona/percona-xtradb-cluster-operator:1.15.0-haproxy"},
})

psmdb := cr("psmdb.percona.com/v1", "PerconaServerMongoDB", "my-cluster-name", {
	"crVersion": "1.16.0", "image": "percona/percona-server-mongodb:7.0.8-5",
	"replsets": [{"name": "rs0", "size": 3}],
	"sharding": {"enabled": true, "configsvrReplSet": {"size": 3}, "mongos": {"size": 3}},
})

ppg := cr("pgv2.percona.com/v2", "PerconaPGCluster", "cluster1", {
	"crVersion": "2.4.0", "image": "percona/percona-postgresql-operator:2.4.0-ppg16-postgres",
	"instances": [{"name": "instance1", "replicas": 3}],
	"proxy": {"pgBouncer": {"replicas": 3}},
})

opensearch := cr("opensearch.opster.io/v1", "OpenSearchCluster", "my-first-cluster", {
	"general": {"serviceName": "my-first-cluster", "version": "2.11.0"},
	"dashboards": {"enable": true, "version": "2.11.0", "replicas": 1},
	"nodePools": [{"component": "masters", "replicas": 3, "diskSize": "5Gi", "roles": ["data", "cluster_manager"]}],
})

rabbit := cr("rabbitmq.com/v1beta1", "RabbitmqCluster", "events", {"replicas": 3})

redis := cr("redis.redis.opstreelabs.in/v1beta2", "Redis", "cache", {"kubernetesConfig": {"image": "quay.io/opstree/redis:v7.0.12", "redisSecret": {"name": "cache-auth", "key": "password"}}})

redis_cluster := cr("redis.redis.opstreelabs.in/v1beta2", "RedisCluster", "sessions", {
	"clusterSize": 3,
	"kubernetesConfig": {"image": "quay.io/opstree/redis:v7.0.12"},
})

redis_replication := cr("redis.redis.opstreelabs.in/v1beta2", "RedisReplication", "queue", {
	"clusterSize": 3,
	"kubernetesConfig": {"image": "quay.io/opstree/redis:v7.0.12"},
})

rec := cr("app.redislabs.com/v1", "RedisEnterpriseCluster", "rec", {"nodes": 3})

redb := cr("app.redislabs.com/v1alpha1", "RedisEnterpriseDatabase", "smalldb", {"memorySize": "100MB"})

mariadb := cr("k8s.mariadb.com/v1alpha1", "MariaDB", "mariadb", {
	"rootPasswordSecretKeyRef": {"name": "mariadb-root", "key": "password"},
	"username": "app", "passwordSecretKeyRef": {"name": "mariadb-app", "key": "password"},
	"replicas": 3, "replication": {"enabled": true}, "storage": {"size": "1Gi"},
})

maxscale := cr("k8s.mariadb.com/v1alpha1", "MaxScale", "maxscale", {"mariaDbRef": {"name": "mariadb"}})

test_routes_to_operator_services if {
	count(routed([pxc, route_to("cluster1-haproxy")])) == 1
	count(routed([pxc, route_to("cluster1-pxc")])) == 1
	count(routed([pxc, route_to("cluster1-proxysql")])) == 1
	count(routed([psmdb, route_to("my-cluster-name-rs0")])) == 1
	count(routed([psmdb, route_to("my-cluster-name-mongos")])) == 1
	count(routed([ppg, route_to("cluster1-pgbouncer")])) == 1
	count(routed([ppg, route_to("cluster1-primary")])) == 1
	count(routed([opensearch, route_to("my-first-cluster")])) == 1
	count(routed([opensearch, route_to("my-first-cluster-masters")])) == 1
	count(routed([rabbit, route_to("events")])) == 1
	count(routed([rabbit, route_to("events-nodes")])) == 1
	count(routed([redis, route_to("cache")])) == 1
	count(routed([redis_cluster, route_to("sessions-leader")])) == 1
	count(routed([redis_replication, route_to("queue-master")])) == 1
	count(routed([rec, route_to("rec")])) == 1
	count(routed([redb, route_to("smalldb")])) == 1
	count(routed([mariadb, route_to("mariadb-primary")])) == 1
	count(routed([maxscale, route_to("maxscale")])) == 1
}

test_routes_to_other_services_pass if {
	count(routed([pxc, route_to("kfm-api")])) == 0
	count(routed([opensearch, route_to("my-first-cluster-dashboards-ui")])) == 0
	count(routed([rabbit, route_to("events-ui")])) == 0
}

# A hand-written Service selecting the operator's pods by the labels it documents is a store Service.
selecting(sel) := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": "public", "namespace": "kfm-prod"},
	"spec": {"type": "LoadBalancer", "selector": sel, "ports": [{"port": 1}]},
}

lb_paths(resources) := ps if {
	ps := {[v.resource, v.path] | some v in store_service_exposed.violations} with input as {"resources": resources}
}

test_load_balancer_selecting_operator_pods if {
	lb_paths([pxc, selecting({"app.kubernetes.io/instance": "cluster1", "app.kubernetes.io/component": "pxc"})]) == {[1, ["spec", "type"]]}
	lb_paths([psmdb, selecting({"app.kubernetes.io/instance": "my-cluster-name", "app.kubernetes.io/replset": "rs0"})]) == {[1, ["spec", "type"]]}
	lb_paths([opensearch, selecting({"opster.io/opensearch-cluster": "my-first-cluster"})]) == {[1, ["spec", "type"]]}
	lb_paths([rabbit, selecting({"app.kubernetes.io/name": "events"})]) == {[1, ["spec", "type"]]}
	lb_paths([redis_cluster, selecting({"app": "sessions-leader", "role": "leader"})]) == {[1, ["spec", "type"]]}
	lb_paths([redis, selecting({"app": "cache"})]) == {[1, ["spec", "type"]]}
	lb_paths([mariadb, selecting({"app.kubernetes.io/instance": "mariadb", "statefulset.kubernetes.io/pod-name": "mariadb-0"})]) == {[1, ["spec", "type"]]}
	lb_paths([rec, selecting({"redis.io/cluster": "rec"})]) == {[1, ["spec", "type"]]}
}

test_selectors_of_other_pods_pass if {
	lb_paths([pxc, selecting({"app.kubernetes.io/instance": "cluster2"})]) == set()
	lb_paths([rabbit, selecting({"app.kubernetes.io/name": "kfm-api"})]) == set()
	lb_paths([redis_cluster, selecting({"app": "kfm-api"})]) == set()
	lb_paths([mariadb, selecting({"statefulset.kubernetes.io/pod-name": "kafka-0"})]) == set()
}

# Labels the resource's spec gives the pods (a node pool's labels, an override's template): a Service selecting
# them selects the store.
test_spec_labels_are_pod_labels if {
	os := object.union(opensearch, {"spec": {"nodePools": [{"component": "masters", "replicas": 3, "labels": {"tier": "search"}}]}})
	lb_paths([os, selecting({"tier": "search"})]) == {[1, ["spec", "type"]]}
}

test_operator_exposure if {
	exposed(object.union(pxc, {"spec": {"haproxy": {"exposePrimary": {"type": "LoadBalancer"}}}})) == {["spec", "haproxy", "exposePrimary", "type"]}
	exposed(object.union(pxc, {"spec": {"pxc": {"expose": {"enabled": true, "type": "NodePort"}}}})) == {["spec", "pxc", "expose", "type"]}
	exposed(object.union(pxc, {"spec": {"haproxy": {"replicasServiceType": "LoadBalancer"}}})) == {["spec", "haproxy", "replicasServiceType"]}
	exposed(object.union(psmdb, {"spec": {"replsets": [{"name": "rs0", "size": 3, "expose": {"enabled": true, "exposeType": "LoadBalancer"}}]}})) == {["spec", "replsets", 0, "expose", "exposeType"]}
	exposed(object.union(ppg, {"spec": {"expose": {"type": "LoadBalancer"}}})) == {["spec", "expose", "type"]}
	exposed(object.union(opensearch, {"spec": {"dashboards": {"service": {"type": "LoadBalancer"}}}})) == {["spec", "dashboards", "service", "type"]}
	exposed(object.union(rabbit, {"spec": {"service": {"type": "LoadBalancer"}}})) == {["spec", "service", "type"]}
	exposed(object.union(redis, {"spec": {"kubernetesConfig": {"service": {"serviceType": "NodePort"}}}})) == {["spec", "kubernetesConfig", "service", "serviceType"]}
	exposed(object.union(rec, {"spec": {"uiServiceType": "LoadBalancer"}})) == {["spec", "uiServiceType"]}
	exposed(object.union(rec, {"spec": {"servicesRiggerSpec": {"databaseServiceType": "cluster_ip,load_balancer"}}})) == {["spec", "servicesRiggerSpec", "databaseServiceType"]}
	exposed(object.union(rec, {"spec": {"ingressOrRouteSpec": {"method": "openShiftRoute", "apiFqdnUrl": "api.example.com", "dbFqdnSuffix": "-db.example.com"}}})) == {["spec", "ingressOrRouteSpec"]}
	exposed(object.union(mariadb, {"spec": {"primaryService": {"type": "LoadBalancer"}}})) == {["spec", "primaryService", "type"]}
	exposed(object.union(rabbit, {"spec": {"override": {"statefulSet": {"spec": {"template": {"spec": {"hostNetwork": true}}}}}}})) == {["spec", "override", "statefulSet", "spec", "template", "spec", "hostNetwork"]}
}

test_operator_cluster_ip_passes if {
	exposed(object.union(pxc, {"spec": {"haproxy": {"exposePrimary": {"type": "ClusterIP"}}}})) == set()
	exposed(object.union(rec, {"spec": {"servicesRiggerSpec": {"databaseServiceType": "cluster_ip,headless"}}})) == set()
	exposed(rabbit) == set()
	exposed(psmdb) == set()
}

test_operator_credentials if {
	credential(pxc, "cluster1-secrets")
	credential(object.union(pxc, {"spec": {"secretsName": "pxc-users"}}), "pxc-users")
	credential(psmdb, "my-cluster-name-secrets")
	credential(object.union(psmdb, {"spec": {"secrets": {"users": "mongo-users"}}}), "mongo-users")
	credential(ppg, "cluster1-pguser-cluster1")
	credential(opensearch, "my-first-cluster-admin-password")
	credential(rabbit, "events-default-user")
	credential(redis, "cache-auth")
	credential(rec, "rec")
	credential(redb, "redb-smalldb")
	credential(mariadb, "mariadb-root")
	credential(mariadb, "mariadb-app")
}

test_other_secrets_are_no_credentials if {
	not credential(pxc, "cluster1-ssl")
	not credential(rabbit, "events-tls")
	not credential(mariadb, "mariadb-tls")
}

# Strimzi's User Operator writes a KafkaUser's credentials to a Secret named as the KafkaUser.
kafka_user := {
	"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
	"metadata": {"name": "orders-writer", "namespace": "kfm-prod", "labels": {"strimzi.io/cluster": "events"}},
	"spec": {"authentication": {"type": "scram-sha-512", "password": {"valueFrom": {"secretKeyRef": {"name": "orders-writer-password", "key": "password"}}}}},
}

test_kafka_user_secret_is_a_credential if {
	credential(kafka_user, "orders-writer")
	credential(kafka_user, "orders-writer-password")
	not credential(kafka_user, "orders-reader")
	count(store_credentials.violations) == 0 with input as {"resources": [kafka_user]}
}

# Vitess (PlanetScale operator): the vtgate Services are named <cluster>[-<cell>]-vtgate-<hash>.
vitess := cr("planetscale.com/v2", "VitessCluster", "example", {
	"cells": [{"name": "zone1", "gateway": {"replicas": 1}}],
	"keyspaces": [{"name": "commerce", "partitionings": [{"equal": {"parts": 1, "shardTemplate": {"tabletPools": [{"cell": "zone1", "type": "replica", "replicas": 2}]}}}]}],
})

test_vitess if {
	count(routed([vitess, route_to("example-vtgate-ae7df4b6")])) == 1
	count(routed([vitess, route_to("example-zone1-vtgate-bc6cde92")])) == 1
	count(routed([vitess, route_to("example-vtctld-625ee430")])) == 1
	count(routed([vitess, route_to("example-web")])) == 0
	count(routed([vitess, route_to("other-vtgate-ae7df4b6")])) == 0
	lb_paths([vitess, selecting({"planetscale.com/cluster": "example", "planetscale.com/component": "vtgate"})]) == {[1, ["spec", "type"]]}
	exposed(object.union(vitess, {"spec": {"gatewayService": {"type": "LoadBalancer"}}})) == {["spec", "gatewayService", "type"]}
}
