# Data document: container image families that are stores (databases, object storage, search, graph, queues
# holding data). Shipped in the bundle; the policy parameter storeSelectors.families replaces it.
#
# An image matches a family when the last path segment of its repository (no registry, no tag or digest),
# lower-cased, matches one of the family's regular expressions. The expressions allow the version and
# distribution suffixes registries use: Red Hat (registry.redhat.io/rhel9/postgresql-15, rhel8/mariadb-105,
# rhel9/redis-7), Software Collections (quay.io/sclorg/postgresql-16-c9s), Bitnami (bitnami/postgresql,
# bitnami/mongodb-sharded), Docker Official Images (postgres, mongo), vendors (postgis/postgis,
# opensearchproject/opensearch, docker.elastic.co/elasticsearch/elasticsearch, confluentinc/cp-kafka).
package kfm_data.stores

# Version/distribution suffix after the product name: -15, -15-c9s, -105-el8, :tag already stripped.
suffix := `([-_.]?[0-9][0-9a-z.]*)?([-_](el|c|ubi|rhel)[0-9]+s?)?([-_](alpine|debian|bookworm|bullseye|slim|ubi|minimal|sharded|cluster|server|stack-server|oss|community|enterprise))*`

families := {
	"postgres": {"patterns": [concat("", [`^(postgres|postgresql|postgis|timescaledb|timescaledb-ha|pgvector|crunchy-postgres|crunchy-postgres-gis|spilo|cloudnative-pg|pgbouncer|patroni)`, suffix, `$`])]},
	"mysql": {"patterns": [concat("", [`^(mysql|mariadb|percona-server|percona|mysql-server|galera)`, suffix, `$`])]},
	"mongodb": {"patterns": [concat("", [`^(mongo|mongodb|percona-server-mongodb)`, suffix, `$`])]},
	"redis": {"patterns": [concat("", [`^(redis|valkey|keydb|dragonfly|redis-stack)`, suffix, `$`])]},
	"minio": {"patterns": [concat("", [`^(minio|seaweedfs|ceph|rook-ceph)`, suffix, `$`])]},
	"search": {"patterns": [concat("", [`^(elasticsearch|opensearch|solr|meilisearch|typesense)`, suffix, `$`])]},
	"neo4j": {"patterns": [concat("", [`^(neo4j|arangodb|janusgraph|memgraph)`, suffix, `$`])]},
	"cassandra": {"patterns": [concat("", [`^(cassandra|scylla|scylladb)`, suffix, `$`])]},
	"kafka": {"patterns": [concat("", [`^(kafka|cp-kafka|cp-server|redpanda)`, suffix, `$`])]},
	"other": {"patterns": [concat("", [`^(couchdb|clickhouse|clickhouse-server|cockroach|cockroachdb|influxdb|etcd|rethinkdb|questdb)`, suffix, `$`])]},
	# Images named after their role (sock-shop's weaveworksdemos/catalogue-db and user-db).
	"named-db": {"patterns": [`^[a-z0-9]+([-_][a-z0-9]+)*[-_](db|database)$`]},
}

# Label and annotation keys that declare an object a store (any value but "false"): on a workload, its pod
# template, or a Service; on a Secret (or SealedSecret/ExternalSecret), `kfm.dev/store-credentials` declares
# store credentials.
store_keys := ["kfm.dev/store"]

credential_keys := ["kfm.dev/store-credentials", "kfm.dev/store"]
