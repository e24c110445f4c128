# Data document: container image families that are stores (databases, object storage, search, graph, queues
# holding data). Shipped in the bundle; the policy parameter storeSelectors.families replaces `families`.
#
# An image is in a family when the last path segment of its repository (registry and namespace dropped, no tag or
# digest), lower-cased with `_` read as `-`, is one of the family's names followed by nothing or by a version or
# distribution suffix (`suffix`): so registry.redhat.io/rhel9/postgresql-15, quay.io/sclorg/postgresql-16-c9s,
# bitnami/postgresql, docker.io/library/postgres, postgis/postgis, rhel8/mariadb-105, bitnami/mongodb-sharded,
# opensearchproject/opensearch and docker.elastic.co/elasticsearch/elasticsearch are all stores, while
# postgres-exporter or redis-commander are not. Images named after their role (sock-shop's
# weaveworksdemos/catalogue-db and user-db) are stores by `role_suffixes`.
#
# Measured: one regular expression per container and family made the policy evaluation 5x slower (518 vs 100
# ms per 1,000 resources); names are set lookups, the suffix expression runs only after a name matched.
package kfm_data.stores

families := {
	"postgres": {"names": [
		"postgres", "postgresql", "postgis", "timescaledb", "timescaledb-ha", "pgvector", "crunchy-postgres",
		"crunchy-postgres-gis", "spilo", "patroni", "cloudnative-pg", "postgresql-cluster", "edb-postgres",
	]},
	"mysql": {"names": ["mysql", "mysql-server", "mariadb", "percona-server", "percona", "percona-xtradb-cluster", "galera"]},
	"mongodb": {"names": ["mongo", "mongodb", "mongodb-sharded", "percona-server-mongodb", "mongodb-community-server", "mongodb-enterprise-server"]},
	"redis": {"names": ["redis", "redis-stack", "redis-stack-server", "redis-cluster", "valkey", "valkey-cluster", "keydb", "dragonfly"]},
	"minio": {"names": ["minio", "seaweedfs", "ceph", "rook-ceph", "garage"]},
	"search": {"names": ["elasticsearch", "opensearch", "solr", "meilisearch", "typesense"]},
	"graph": {"names": ["neo4j", "arangodb", "janusgraph", "memgraph"]},
	"cassandra": {"names": ["cassandra", "scylla", "scylladb"]},
	"kafka": {"names": ["kafka", "cp-kafka", "cp-server", "redpanda"]},
	"other": {"names": ["couchdb", "clickhouse", "clickhouse-server", "cockroach", "cockroachdb", "influxdb", "etcd", "rethinkdb", "questdb"]},
}

# What may follow a family name: versions (-15, 8.0, -105), distribution builds (-c9s, -el8, -ubi9, -rhel9) and
# variant words, in any order.
suffix := `^(-?[0-9][0-9a-z.]*|-(c[0-9]+s|el[0-9]+|ubi[0-9]*|rhel[0-9]+|alpine|debian|bookworm|bullseye|slim|minimal|oss|community|enterprise|server|cluster|sharded|standalone|ha))*$`

# Last name segment that marks an image named after its role (catalogue-db, user-db, orders-database).
role_suffixes := {"db", "database"}

# Label and annotation keys that declare an object a store (any value but "false"): on a workload, its pod
# template or a Service; on a Secret, SealedSecret or ExternalSecret, `kfm.dev/store-credentials` (or
# `kfm.dev/store`) declares store credentials.
store_keys := ["kfm.dev/store"]

credential_keys := ["kfm.dev/store-credentials", "kfm.dev/store"]

# Store operators: a custom resource of one of these group/kinds is a store (the operator runs its database pods and
# creates its Services from it), so the KFM-TM rules judge it as they judge a store workload. A CloudNativePG
# Cluster with a LoadBalancer service template, or a Route to its `<name>-rw` Service, passed as nothing at all.
# For each: `labels`, the labels the operator puts on the pods, valued from the resource's name (`{name}`);
# fixed values too; `any_labels`, operator label keys whose value the desired state cannot tell (role, instance, pool); `services`,
# the Services the operator creates (`{name}` the resource's name). What the operators document: CloudNativePG
# (cnpg.io/cluster, <name>-rw/-ro/-r; a Pooler's Service is its name), Zalando postgres-operator (cluster-name,
# application=spilo, <name> and <name>-repl), Crunchy PGO v5 (postgres-operator.crunchydata.com/cluster,
# <name>-primary/-replicas/-ha/-pods/-pgbouncer), MinIO operator (v1.min.io/tenant, minio, <name>-hl, <name>-console),
# `secrets`: the Secrets the operator writes credentials to (CloudNativePG <name>-app/-superuser, ECK
# <name>-es-elastic-user; lib/stores.rego derives Crunchy's, Zalando's, MinIO's and MongoDB's from the spec).
# Strimzi (strimzi.io/cluster, <name>-kafka-bootstrap/-brokers; a KafkaBridge, the topics over HTTP, <name>-bridge-service), Elastic ECK (elasticsearch.k8s.elastic.co/cluster-name,
# <name>-es-http/-es-internal-http/-es-transport), MongoDB Community operator (app=<name>-svc).
# `label_values`: labels whose value is one of a few the operator picks per pod (OT Redis cluster leader/follower);
# `statefulset`: the operator runs the pods as StatefulSets named <name>-..., so their pods carry
# statefulset.kubernetes.io/pod-name <name>-...-<ordinal> (a Service pinning the primary by it selects the store).
# Percona XtraDB Cluster (app.kubernetes.io/instance, <name>-pxc/-haproxy/-haproxy-replicas/-proxysql, <name>-secrets
# or spec.secretsName), Percona Server for MongoDB (<name>-<replset>/-mongos/-cfg, <name>-secrets or
# spec.secrets.users), Percona PostgreSQL v2 (Crunchy's labels and Services, <name>-pguser-<user>), OpenSearch operator
# (opster.io/ or opensearch.org/opensearch-cluster, spec.general.serviceName and -<nodepool>/-dashboards, <name>-discovery,
# <name>-admin-password), RabbitMQ cluster operator (app.kubernetes.io/name=<name>, <name> and <name>-nodes,
# <name>-default-user), OT-Container-Kit Redis/RedisCluster/RedisReplication (app=<name>, <name>-leader/-follower,
# -headless/-additional, -master/-replica, spec.kubernetesConfig.redisSecret), Redis Enterprise cluster (redis.io/cluster,
# <name>/-ui/-prom, credentials in the Secret <name>) and database (<name>, redb-<name>), MariaDB operator
# (app.kubernetes.io/instance, <name>/-internal/-primary/-secondary, *PasswordSecretKeyRef) and its MaxScale, the
# PlanetScale Vitess operator (planetscale.com/cluster; `service_patterns`: Services named with a hash,
# <cluster>[-<cell>]-vtgate-<8 hex>, matched as regular expressions with `{name}` the resource's name).
operator_stores := {
	"postgresql.cnpg.io/Cluster": {
		"labels": {"cnpg.io/cluster": "{name}", "postgresql": "{name}"},
		"any_labels": ["role", "cnpg.io/instanceRole", "cnpg.io/instanceName", "cnpg.io/podRole", "cnpg.io/jobRole"],
		"services": ["{name}-rw", "{name}-ro", "{name}-r"],
		"secrets": ["{name}-app", "{name}-superuser"],
	},
	"postgresql.cnpg.io/Pooler": {
		"labels": {"cnpg.io/poolerName": "{name}"},
		"any_labels": ["cnpg.io/podRole"],
		"services": ["{name}"],
	},
	"acid.zalan.do/postgresql": {
		"labels": {"cluster-name": "{name}"},
		"any_labels": ["application", "spilo-role", "team", "connection-pooler"],
		"services": ["{name}", "{name}-repl", "{name}-pooler", "{name}-pooler-repl"],
	},
	"postgres-operator.crunchydata.com/PostgresCluster": {
		"labels": {"postgres-operator.crunchydata.com/cluster": "{name}"},
		"any_labels": [
			"postgres-operator.crunchydata.com/role", "postgres-operator.crunchydata.com/instance-set",
			"postgres-operator.crunchydata.com/instance", "postgres-operator.crunchydata.com/data",
			"postgres-operator.crunchydata.com/patroni",
		],
		"services": ["{name}-primary", "{name}-replicas", "{name}-ha", "{name}-pods", "{name}-pgbouncer"],
	},
	"minio.min.io/Tenant": {
		"labels": {"v1.min.io/tenant": "{name}"},
		"any_labels": ["v1.min.io/pool", "v1.min.io/console"],
		"services": ["minio", "{name}-hl", "{name}-console"],
	},
	"kafka.strimzi.io/Kafka": {
		"labels": {
			"strimzi.io/cluster": "{name}", "app.kubernetes.io/instance": "{name}", "app.kubernetes.io/name": "kafka",
			"app.kubernetes.io/part-of": "strimzi-{name}", "app.kubernetes.io/managed-by": "strimzi-cluster-operator",
		},
		"any_labels": [
			"strimzi.io/kind", "strimzi.io/name", "strimzi.io/pool-name", "strimzi.io/broker-role",
			"strimzi.io/controller-role", "strimzi.io/component-type", "strimzi.io/controller",
			"strimzi.io/controller-name",
		],
		"services": ["{name}-kafka-bootstrap", "{name}-kafka-brokers"],
	},
	"kafka.strimzi.io/KafkaBridge": {
		"labels": {"strimzi.io/cluster": "{name}", "strimzi.io/kind": "KafkaBridge", "strimzi.io/name": "{name}-bridge"},
		"any_labels": [],
		"services": ["{name}-bridge-service"],
	},
	"elasticsearch.k8s.elastic.co/Elasticsearch": {
		"labels": {"elasticsearch.k8s.elastic.co/cluster-name": "{name}", "common.k8s.elastic.co/type": "elasticsearch"},
		"any_labels": [
			"elasticsearch.k8s.elastic.co/statefulset-name", "elasticsearch.k8s.elastic.co/version",
			"elasticsearch.k8s.elastic.co/node-master", "elasticsearch.k8s.elastic.co/node-data",
			"elasticsearch.k8s.elastic.co/node-ingest", "elasticsearch.k8s.elastic.co/node-ml",
			"elasticsearch.k8s.elastic.co/http-scheme",
		],
		"services": ["{name}-es-http", "{name}-es-internal-http", "{name}-es-transport"],
		"secrets": ["{name}-es-elastic-user"],
	},
	"mongodbcommunity.mongodb.com/MongoDBCommunity": {
		"labels": {"app": "{name}-svc"},
		"any_labels": [],
		"services": ["{name}-svc"],
	},
	"pxc.percona.com/PerconaXtraDBCluster": {
		"labels": {
			"app.kubernetes.io/instance": "{name}", "app.kubernetes.io/name": "percona-xtradb-cluster",
			"app.kubernetes.io/managed-by": "percona-xtradb-cluster-operator", "app.kubernetes.io/part-of": "percona-xtradb-cluster",
		},
		"any_labels": ["app.kubernetes.io/component"],
		"statefulset": true,
		"services": ["{name}-pxc", "{name}-pxc-unready", "{name}-haproxy", "{name}-haproxy-replicas", "{name}-proxysql", "{name}-proxysql-unready"],
		"secrets": ["{name}-secrets", "internal-{name}"],
	},
	"psmdb.percona.com/PerconaServerMongoDB": {
		"labels": {
			"app.kubernetes.io/instance": "{name}", "app.kubernetes.io/name": "percona-server-mongodb",
			"app.kubernetes.io/managed-by": "percona-server-mongodb-operator", "app.kubernetes.io/part-of": "percona-server-mongodb",
		},
		"any_labels": ["app.kubernetes.io/component", "app.kubernetes.io/replset"],
		"statefulset": true,
		"services": ["{name}-rs0", "{name}-mongos", "{name}-cfg"],
		"secrets": ["{name}-secrets", "internal-{name}-users"],
	},
	"pgv2.percona.com/PerconaPGCluster": {
		"labels": {"postgres-operator.crunchydata.com/cluster": "{name}"},
		"any_labels": [
			"postgres-operator.crunchydata.com/role", "postgres-operator.crunchydata.com/instance-set",
			"postgres-operator.crunchydata.com/instance", "postgres-operator.crunchydata.com/data",
			"postgres-operator.crunchydata.com/patroni",
		],
		"services": ["{name}-primary", "{name}-replicas", "{name}-ha", "{name}-pods", "{name}-pgbouncer"],
	},
	"opensearch.opster.io/OpenSearchCluster": {
		"labels": {"opster.io/opensearch-cluster": "{name}"},
		"any_labels": ["opster.io/opensearch-nodepool", "opensearch.role"],
		"statefulset": true,
		"services": ["{name}-discovery"],
		"secrets": ["{name}-admin-password"],
	},
	"opensearch.org/OpenSearchCluster": {
		"labels": {"opensearch.org/opensearch-cluster": "{name}"},
		"any_labels": ["opensearch.org/opensearch-nodepool", "opensearch.role"],
		"statefulset": true,
		"services": ["{name}-discovery"],
		"secrets": ["{name}-admin-password"],
	},
	"rabbitmq.com/RabbitmqCluster": {
		"labels": {"app.kubernetes.io/name": "{name}", "app.kubernetes.io/component": "rabbitmq", "app.kubernetes.io/part-of": "rabbitmq"},
		"any_labels": [],
		"statefulset": true,
		"services": ["{name}", "{name}-nodes"],
		"secrets": ["{name}-default-user", "{name}-erlang-cookie"],
	},
	"redis.redis.opstreelabs.in/Redis": {
		"labels": {"app": "{name}", "redis_setup_type": "standalone", "role": "standalone"},
		"any_labels": [],
		"statefulset": true,
		"services": ["{name}", "{name}-headless", "{name}-additional"],
	},
	"redis.redis.opstreelabs.in/RedisCluster": {
		"labels": {"redis_setup_type": "cluster"},
		"label_values": {"app": ["{name}-leader", "{name}-follower"], "role": ["leader", "follower"]},
		"any_labels": [],
		"statefulset": true,
		"services": [
			"{name}-leader", "{name}-leader-headless", "{name}-leader-additional",
			"{name}-follower", "{name}-follower-headless", "{name}-follower-additional",
		],
	},
	"redis.redis.opstreelabs.in/RedisReplication": {
		"labels": {"app": "{name}", "redis_setup_type": "replication", "role": "replication"},
		"any_labels": ["redis-role"],
		"statefulset": true,
		"services": ["{name}", "{name}-headless", "{name}-additional", "{name}-master", "{name}-replica"],
	},
	"app.redislabs.com/RedisEnterpriseCluster": {
		"labels": {"app": "redis-enterprise", "redis.io/cluster": "{name}"},
		"any_labels": ["redis.io/role", "redis.io/role-master", "redis.io/role-slave", "redis.io/bdb-role"],
		"statefulset": true,
		"services": ["{name}", "{name}-ui", "{name}-prom"],
		"secrets": ["{name}"],
	},
	"app.redislabs.com/RedisEnterpriseDatabase": {
		"labels": {},
		"any_labels": [],
		"services": ["{name}", "{name}-headless"],
		"secrets": ["redb-{name}"],
	},
	"k8s.mariadb.com/MariaDB": {
		"labels": {"app.kubernetes.io/name": "mariadb", "app.kubernetes.io/instance": "{name}"},
		"any_labels": [],
		"statefulset": true,
		"services": ["{name}", "{name}-internal", "{name}-primary", "{name}-secondary"],
		"secrets": ["{name}-root", "{name}-password"],
	},
	"mariadb.mmontes.io/MariaDB": {
		"labels": {"app.kubernetes.io/name": "mariadb", "app.kubernetes.io/instance": "{name}"},
		"any_labels": [],
		"statefulset": true,
		"services": ["{name}", "{name}-internal", "{name}-primary", "{name}-secondary"],
		"secrets": ["{name}-root", "{name}-password"],
	},
	"planetscale.com/VitessCluster": {
		"labels": {"planetscale.com/cluster": "{name}"},
		"any_labels": ["planetscale.com/component", "planetscale.com/cell", "planetscale.com/keyspace", "planetscale.com/shard", "planetscale.com/tablet-type", "planetscale.com/tablet-index", "planetscale.com/tablet-uid"],
		"services": [],
		"service_patterns": [`^{name}-([a-z0-9-]+-)?(vtgate|vtctld|vtadmin|vtorc)-[0-9a-f]{8}$`],
	},
	"k8s.mariadb.com/MaxScale": {
		"labels": {"app.kubernetes.io/name": "maxscale", "app.kubernetes.io/instance": "{name}"},
		"any_labels": [],
		"statefulset": true,
		"services": ["{name}", "{name}-internal", "{name}-gui"],
	},
}
