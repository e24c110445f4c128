# What counts as a store (database, object store, search, graph, queue) in what the evaluation sees, which
# Services front one, and which secrets are its credentials. Shared by the trust-membrane (TM) rules. Indexes are
# into k8s.all (the env's resources, then the platform context); rules report on k8s.own(i) only.
#
# A workload is a store by evidence, any of:
#   1. it declares it: label or annotation kfm.dev/store (value not "false") on the workload or its pod template,
#      or a label set of the policy parameter storeSelectors.labels (default kfm.dev/tier=store);
#   2. it is the custom resource of a store operator (a CloudNativePG Cluster, a MinIO Tenant...: data document
#      operator_stores), whose pods and Services the operator makes;
#   3. one of its containers (init and ephemeral included) runs an image of a store family (data document
#      policies/data/stores.rego: names plus version/distribution suffixes, replaced by storeSelectors.families),
#      an image named after its role (*-db, *-database) or one matching a glob of storeSelectors.images;
# A workload that mounts a store's credentials is a client of the store, not a store: KFM-TM-005 judges it.
package kfm_lib.stores

import data.kfm_data.stores as store_data
import data.kfm_lib.k8s
import data.kfm_lib.params.params

store_workloads contains i if {
	some i, r in k8s.all
	k8s.is_workload(r)
	store_workload(r)
}

store_workloads contains i if {
	some i, r in k8s.all
	k8s.operator_kind(r)
}

# Namespace -> indexes of its store workloads: Services and policies look only at their own namespace (an env
# holds hundreds of Services and stores; scanning every store per Service was quadratic).
store_workloads_in[ns] := {j | some j in store_workloads; k8s.namespace(k8s.all[j]) == ns} if {
	some ns in {k8s.namespace(k8s.all[j]) | some j in store_workloads}
}

store_workload(r) if declared_store(r)

store_workload(r) if {
	some c in k8s.containers(r)
	store_image(c.container.image)
}

# A Rollout with workloadRef runs the referenced workload's pods: a store if that workload is one.
store_workload(r) if {
	j := k8s.workload_ref_target(r)
	declared_or_image_store(k8s.all[j])
}

declared_or_image_store(r) if declared_store(r)

declared_or_image_store(r) if {
	some c in k8s.containers(r)
	store_image(c.container.image)
}

declared_store(r) if {
	some want in params.storeSelectors.labels
	k8s.labels_contain(k8s.labels(r), want)
}

declared_store(r) if {
	some want in params.storeSelectors.labels
	k8s.labels_contain(k8s.template_labels(r), want)
}

declared_store(r) if marked(r, store_data.store_keys)

declared_store(r) if {
	k8s.is_workload(r)
	meta := object.get(r, k8s.pod_meta_path(r), {})
	marked({"metadata": meta}, store_data.store_keys)
}

# A label or annotation from keys on r, with any value but "false".
marked(r, keys) if {
	some k in keys
	some source in ["labels", "annotations"]
	value := object.get(r, ["metadata", source, k], "false")
	lower(value) != "false"
}

families := object.get(params.storeSelectors, "families", store_data.families)

family_names := {n | some f in families; some n in f.names}

store_image(img) if {
	is_string(img)
	n := replace(lower(k8s.image_name(img)), "_", "-")
	segs := split(n, "-")
	some k in numbers.range(1, count(segs))
	product := concat("-", array.slice(segs, 0, k))
	family_names[product] # set lookup: `in` walks the whole set in Wasm
	regex.match(store_data.suffix, substring(n, count(product), -1))
}

store_image(img) if {
	is_string(img)
	segs := split(replace(lower(k8s.image_name(img)), "_", "-"), "-")
	count(segs) >= 2
	segs[count(segs) - 1] in store_data.role_suffixes
}

store_image(img) if {
	is_string(img)
	n := k8s.image_name(img)
	some pattern in params.storeSelectors.images
	glob.match(pattern, null, n)
}

# Indexes of Services that reach a store: labelled as one, or selecting a store's pods in their namespace.
store_services contains i if {
	some i, r in k8s.all
	r.kind == "Service"
	store_service(r)
}

store_service(svc) if declared_store(svc)

# A Service the repo defines under the name of one a store operator creates: the operator adopts it or the two fight
# over it, either way its type and externalIPs are the store's (a LoadBalancer `events` beside a RabbitmqCluster).
store_service(svc) if operator_service_keys[service_key(svc)]

store_service(svc) if operator_service_pattern(k8s.namespace(svc), k8s.name(svc))

operator_service_keys contains concat("/", [k8s.namespace(r), replace(t, "{name}", k8s.name(r))]) if {
	some r in k8s.all
	some t in k8s.operator_kind(r).services
}

store_service(svc) if {
	sel := object.get(svc, ["spec", "selector"], {})
	some j in store_workloads_in[k8s.namespace(svc)]
	k8s.map_selects_pods(sel, k8s.all[j])
}

# "namespace/name" of every Service that leads to a store: a store Service, or an ExternalName Service whose
# DNS name resolves (directly or through a chain of ExternalName Services) to one (or to a pod behind one).
direct_store_service_keys contains key if {
	some i in store_services
	s := k8s.all[i]
	key := service_key(s)
}

# The Services a store operator creates for its resource (no object of the desired state: a Route names them).
direct_store_service_keys contains k if some k in operator_service_keys

# CloudNativePG's extra Services, named by their template (spec.managed.services.additional).
direct_store_service_keys contains concat("/", [k8s.namespace(r), n]) if {
	some r in k8s.all
	k8s.operator_kind(r)
	some a in object.get(r, ["spec", "managed", "services", "additional"], [])
	n := a.serviceTemplate.metadata.name
	is_string(n)
}

# A Service named by an operator's name pattern (Vitess's hashed <cluster>-vtgate-<hash>).
operator_service_pattern(ns, name) if {
	some pattern in service_patterns_in[ns] # per namespace: every Service is looked up
	regex.match(pattern, name)
}

service_patterns_in[ns] := {replace(t, "{name}", k8s.name(r)) |
	some r in k8s.all
	k8s.namespace(r) == ns
	some t in object.get(k8s.operator_kind(r), "service_patterns", [])
} if {
	some ns in {k8s.namespace(r) | some r in k8s.all; object.get(k8s.operator_kind(r), "service_patterns", null)}
}

# An ExternalName (or FQDN EndpointSlice) leading to such a Service leads to the store.
direct_store_service_keys contains target if {
	some [_, target] in external_name_edges
	parts := split(target, "/")
	operator_service_pattern(parts[0], parts[1])
}

# Whether Service ns/name leads to a store (a route's backend, by name).
leads_to_store(ns, name) if store_service_keys[concat("/", [ns, name])] # set lookup, not a walk of the set

leads_to_store(ns, name) if operator_service_pattern(ns, name)

# Services named from the spec: an OpenSearchCluster's spec.general.serviceName (and -<nodepool>, -dashboards,
# -exposed), a PerconaServerMongoDB's <name>-<replset> per spec.replsets.
direct_store_service_keys contains concat("/", [k8s.namespace(r), n]) if {
	some r in k8s.all
	endswith(k8s.group_kind(r), "/OpenSearchCluster")
	k8s.operator_kind(r)
	base := r.spec.general.serviceName
	is_string(base)
	some n in ({base, concat("-", [base, "dashboards"]), concat("-", [base, "exposed"])} | {concat("-", [base, p.component]) |
		some p in object.get(r, ["spec", "nodePools"], [])
		is_string(p.component)
	})
}

direct_store_service_keys contains concat("/", [k8s.namespace(r), concat("-", [k8s.name(r), rs.name])]) if {
	some r in k8s.all
	k8s.group_kind(r) == "psmdb.percona.com/PerconaServerMongoDB"
	some rs in object.get(r, ["spec", "replsets"], [])
	is_string(rs.name)
}

store_service_keys := direct_store_service_keys | {k |
	some k, _ in external_name_graph
	some r in graph.reachable(external_name_nodes, {k})
	direct_store_service_keys[r]
}

# graph.reachable needs every node as a key: targets that are not ExternalName Services get no edges.
external_name_nodes := object.union({t: set() | some ts in external_name_graph; some t in ts}, external_name_graph)

service_key(s) := concat("/", [k8s.namespace(s), k8s.name(s)])

# ExternalName Service key -> {the Service keys its externalName points to} (in-cluster names only). More than one
# when the env defines the Service more than once, differently (every target counts: a map with one entry per
# object stopped the whole evaluation with a key conflict).
external_name_graph[k] := {t | some [k2, t] in external_name_edges; k2 == k} if some [k, _] in external_name_edges

external_name_edges contains [key, target] if {
	some [key, ns, name] in dns_names
	target := cluster_dns_service(name, ns)
}

# ["namespace/service", namespace, DNS name] of every Service that sends its traffic where a DNS name resolves: an
# ExternalName Service, and a Service's hand-written endpoints (an EndpointSlice labelled with its name) with an FQDN
# address, as an ExternalName does: a selector-less Service behind a Route with an FQDN endpoint for
# postgis.kfm-prod.svc reached the store unseen.
dns_names contains [service_key(s), k8s.namespace(s), s.spec.externalName] if {
	some s in k8s.all
	s.kind == "Service"
	s.spec.type == "ExternalName"
	is_string(s.spec.externalName)
}

dns_names contains [concat("/", [k8s.namespace(e), service]), k8s.namespace(e), address] if {
	some e in k8s.all
	e.kind == "EndpointSlice"
	e.addressType == "FQDN"
	service := e.metadata.labels["kubernetes.io/service-name"]
	is_string(service)
	some ep in e.endpoints
	some address in ep.addresses
	is_string(address)
}

# The governing Service of a store StatefulSet (spec.serviceName): its DNS names (<pod>.<service>.<ns>.svc) resolve
# to the store's pods whether or not the Service is in the desired state.
direct_store_service_keys contains concat("/", [k8s.namespace(w), w.spec.serviceName]) if {
	some i in store_workloads
	w := k8s.all[i]
	w.kind == "StatefulSet"
	is_string(w.spec.serviceName)
	w.spec.serviceName != ""
}

# Services whose hand-written endpoints send traffic to a store: a store's pod named by targetRef, or a store
# Service's fixed cluster IP.
direct_store_service_keys contains x.key if {
	some x in manual_endpoints
	endpoint_reaches_store(x)
}

# Hand-written endpoints {key: "namespace/service", address, ref: targetRef}: an Endpoints object named as a Service
# without a selector (for one with a selector, the endpoints controller rewrites it), and every IPv4/IPv6
# EndpointSlice labelled kubernetes.io/service-name (kube-proxy and ingress controllers merge every slice of a
# Service, selector or not; FQDN slices are external_name_edges). A Route to a selector-less Service whose Endpoints
# named postgres-0 passed.
manual_endpoints contains {"key": key, "address": a.ip, "ref": object.get(a, "targetRef", {})} if {
	some e in k8s.all
	e.kind == "Endpoints"
	key := service_key(e)
	unmanaged_endpoints(key)
	some subset in object.get(e, "subsets", [])
	some field in ["addresses", "notReadyAddresses"]
	some a in object.get(subset, field, [])
	is_string(a.ip)
}

manual_endpoints contains {"key": concat("/", [k8s.namespace(e), service]), "address": address, "ref": object.get(ep, "targetRef", {})} if {
	some e in k8s.all
	e.kind == "EndpointSlice"
	e.addressType != "FQDN"
	service := e.metadata.labels["kubernetes.io/service-name"]
	is_string(service)
	some ep in e.endpoints
	some address in ep.addresses
	is_string(address)
}

# The endpoints controller writes the Endpoints of a Service with a selector; a Service the env also defines without
# one (two overlays) may keep hand-written ones.
unmanaged_endpoints(key) if not selector_service_keys[key]

unmanaged_endpoints(key) if selectorless_service_keys[key]

selectorless_service_keys contains service_key(s) if {
	some s in k8s.all
	s.kind == "Service"
	count(object.get(s, ["spec", "selector"], {})) == 0
}

selector_service_keys contains service_key(s) if {
	some s in k8s.all
	s.kind == "Service"
	count(object.get(s, ["spec", "selector"], {})) > 0
}

endpoint_reaches_store(x) if store_cluster_ips[x.address]

endpoint_reaches_store(x) if {
	object.get(x.ref, "kind", "Pod") == "Pod"
	is_string(x.ref.name)
	store_pod(object.get(x.ref, "namespace", split(x.key, "/")[0]), x.ref.name)
}

store_cluster_ips contains ip if {
	some i in store_services
	s := k8s.all[i]
	some ip in array.concat([object.get(s, ["spec", "clusterIP"], "")], object.get(s, ["spec", "clusterIPs"], []))
	is_string(ip)
	not ip in {"", "None"}
}

# A pod a store workload runs: named as a bare Pod, or <workload>-<ordinal or hash> (fail closed on the prefix).
store_pod(ns, pod) if {
	some j in store_workloads_in[ns]
	k8s.name(k8s.all[j]) == pod
}

store_pod(ns, pod) if {
	some j in store_workloads_in[ns]
	startswith(pod, concat("", [k8s.name(k8s.all[j]), "-"]))
}

# Hand-written endpoints at an in-cluster address that do not name a store: a store's pod IP is no part of the desired
# state, so the address cannot be told from one. ["namespace/service", address]. Not only in an env holding a store:
# the cluster may run stores this repo does not deploy, and an env is judged in parts (docs/checks/policy.md) that
# cannot tell whether another part holds one.
unverified_endpoints contains [x.key, x.address] if {
	some x in manual_endpoints
	cluster_address(x.address)
	not endpoint_reaches_store(x)
}

# A pod's own DNS name, <a-b-c-d>.<namespace>.pod[.<cluster domain>], resolves to that pod's address.
unverified_endpoints contains [key, name] if {
	some [key, _, name] in dns_names
	labels := split(lower(trim_suffix(name, ".")), ".")
	count(labels) >= 3
	labels[2] == "pod"
}

# An ExternalName (or an FQDN EndpointSlice address) that is an in-cluster address literal: DNS does not resolve it, but
# a router or ingress controller that takes the name as its backend's address (the OpenShift router, ingress-nginx)
# sends traffic straight to it, a store's pod IP included.
unverified_endpoints contains [key, address] if {
	some [key, _, name] in dns_names
	address := trim_suffix(name, ".")
	cluster_address(address)
}

# Pod and Service networks are private IPv4 (RFC 1918 and the shared address space some CNIs use); IPv6 clusters give
# pods global addresses, so any IPv6 address may be a pod's. A public IPv4 address is outside the cluster.
cluster_address(a) if {
	regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}$`, a)
	some cidr in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]
	net.cidr_contains(cidr, a)
}

cluster_address(a) if contains(a, ":")

# The lowest in-cluster address a Service (or an ExternalName chain from it) is sent to by hand-written endpoints
# that cannot be verified (for the message).
unverified_address(ns, name) := min(addresses) if {
	count(unverified_endpoints) > 0
	key := concat("/", [ns, name])
	keys := {key} | graph.reachable(external_name_nodes, {key})
	addresses := {a | some [k, a] in unverified_endpoints; keys[k]}
	count(addresses) > 0
}

# "namespace/service" named by a cluster DNS name: <svc>.<ns>.svc[.<cluster domain>], <pod>.<svc>.<ns>.svc...,
# <svc>.<ns>, or a bare <svc> (same namespace, through the search path).
cluster_dns_service(name, _) := concat("/", [labels[i - 1], labels[i - 2]]) if {
	labels := split(lower(trim_suffix(name, ".")), ".")
	i := max({j | some j, l in labels; l == "svc"})
	i >= 2
}

cluster_dns_service(name, _) := concat("/", [labels[1], labels[0]]) if {
	labels := split(lower(trim_suffix(name, ".")), ".")
	count(labels) == 2
}

cluster_dns_service(name, ns) := concat("/", [ns, lower(name)]) if {
	not contains(name, ".")
	name != ""
}

# Namespaces holding a store (workload or store-labelled Service).
store_namespaces contains k8s.namespace(k8s.all[i]) if some i in store_workloads

store_namespaces contains k8s.namespace(k8s.all[i]) if some i in store_services

# Store credentials: "namespace/secret" for every secret a store workload references, and every Secret,
# SealedSecret or ExternalSecret (target name) marked kfm.dev/store-credentials.
store_secret_keys contains concat("/", [k8s.namespace(w), ref.name]) if {
	some i in store_workloads
	w := k8s.all[i]
	some ref in secret_refs(w)
}

store_secret_keys contains concat("/", [k8s.namespace(s), secret_name(s)]) if {
	some s in k8s.all
	s.kind in {"Secret", "SealedSecret", "ExternalSecret"}
	marked(s, store_data.credential_keys)
}

# The Secrets a store operator writes a store's credentials to, or reads them from (named in its spec): a workload
# mounting one holds the store's credentials (KFM-TM-005) as surely as one mounting a store workload's own Secret.
store_secret_keys contains concat("/", [k8s.namespace(r), replace(t, "{name}", k8s.name(r))]) if {
	some r in k8s.all
	some t in object.get(k8s.operator_kind(r), "secrets", [])
}

# Crunchy PGO v5 (and Percona's PostgreSQL operator v2, built on it): <cluster>-pguser-<user> per spec.users entry;
# without users, one for a user named as the cluster.
store_secret_keys contains concat("/", [k8s.namespace(r), concat("-pguser-", [k8s.name(r), user])]) if {
	some r in k8s.all
	r.kind in {"PostgresCluster", "PerconaPGCluster"} # what group_kind would end with: most objects stop here
	k8s.group_kind(r) in {"postgres-operator.crunchydata.com/PostgresCluster", "pgv2.percona.com/PerconaPGCluster"}
	some user in crunchy_users(r)
}

# Secrets an operator's spec names for its users' passwords: Percona XtraDB Cluster spec.secretsName, Percona Server
# for MongoDB spec.secrets.users, OT-Container-Kit Redis spec.kubernetesConfig.redisSecret, a Redis Enterprise
# database's spec.databaseSecretName, an OpenSearchCluster's admin credentials.
store_secret_keys contains concat("/", [k8s.namespace(r), n]) if {
	some r in k8s.all
	operator_secret_path_kinds[r.kind]
	some p in operator_secret_paths[k8s.group_kind(r)]
	n := object.get(r, p, null)
	is_string(n)
}

operator_secret_paths := {
	"pxc.percona.com/PerconaXtraDBCluster": [["spec", "secretsName"]],
	"psmdb.percona.com/PerconaServerMongoDB": [["spec", "secrets", "users"]],
	"redis.redis.opstreelabs.in/Redis": [["spec", "kubernetesConfig", "redisSecret", "name"]],
	"redis.redis.opstreelabs.in/RedisCluster": [["spec", "kubernetesConfig", "redisSecret", "name"]],
	"redis.redis.opstreelabs.in/RedisReplication": [["spec", "kubernetesConfig", "redisSecret", "name"]],
	"app.redislabs.com/RedisEnterpriseDatabase": [["spec", "databaseSecretName"]],
	"opensearch.opster.io/OpenSearchCluster": [["spec", "security", "config", "adminCredentialsSecret", "name"]],
	"opensearch.org/OpenSearchCluster": [["spec", "security", "config", "adminCredentialsSecret", "name"]],
}

# The MariaDB operator's password references (rootPasswordSecretKeyRef, passwordSecretKeyRef,
# replPasswordSecretKeyRef...) in a MariaDB, MaxScale or User resource: only keys naming a password (its TLS Secrets
# are no credentials a client may not hold).
store_secret_keys contains concat("/", [k8s.namespace(r), node[k].name]) if {
	some r in k8s.all
	mariadb_kind_names[r.kind]
	k8s.group_kind(r) in mariadb_kinds
	r.kind != "CustomResourceDefinition" # never a route or an operator kind; a context CRD has no schemas
	walk(r.spec, [_, node])
	is_object(node)
	some k, _ in node
	endswith(lower(k), "passwordsecretkeyref")
	is_string(node[k].name)
}

# The Kinds of the sets above (what a group_kind in them ends with): checked first, so that most objects build no
# group/Kind string (issue 20).
mariadb_kind_names := {k8s.kind_of_group_kind(gk) | some gk in mariadb_kinds}

operator_secret_path_kinds := {k8s.kind_of_group_kind(gk) | some gk, _ in operator_secret_paths}

mariadb_kinds := {
	"k8s.mariadb.com/MariaDB", "k8s.mariadb.com/MaxScale", "k8s.mariadb.com/User",
	"mariadb.mmontes.io/MariaDB", "mariadb.mmontes.io/User",
}

# Strimzi's User Operator writes a KafkaUser's credentials (password or client certificate and key) to a Secret named
# as the KafkaUser; a SCRAM password may come from a Secret the spec names.
store_secret_keys contains concat("/", [k8s.namespace(r), k8s.name(r)]) if {
	some r in k8s.all
	r.kind == "KafkaUser"
	k8s.group_kind(r) == "kafka.strimzi.io/KafkaUser"
}

store_secret_keys contains concat("/", [k8s.namespace(r), n]) if {
	some r in k8s.all
	r.kind == "KafkaUser"
	k8s.group_kind(r) == "kafka.strimzi.io/KafkaUser"
	n := r.spec.authentication.password.valueFrom.secretKeyRef.name
	is_string(n)
}

# Resources that define a store's credentials rather than use them (a KafkaUser naming its password Secret, a MariaDB
# User): KFM-TM-005 leaves their own references alone, as it does a store operator's resource.
credential_owner(r) if {
	r.kind == "KafkaUser"
	k8s.group_kind(r) == "kafka.strimzi.io/KafkaUser"
}

credential_owner(r) if {
	mariadb_kind_names[r.kind]
	k8s.group_kind(r) in mariadb_kinds
}

crunchy_users(r) := {u.name | some u in r.spec.users; is_string(u.name)} if count(object.get(r, ["spec", "users"], [])) > 0

crunchy_users(r) := {k8s.name(r)} if count(object.get(r, ["spec", "users"], [])) == 0

# Zalando postgres-operator: <user>.<cluster>.credentials.postgresql.acid.zalan.do for spec.users and its own users.
store_secret_keys contains concat("/", [k8s.namespace(r), concat(".", [user, k8s.name(r), "credentials.postgresql.acid.zalan.do"])]) if {
	some r in k8s.all
	r.kind == "postgresql"
	k8s.group_kind(r) == "acid.zalan.do/postgresql"
	some user in ({u | some u, _ in object.get(r, ["spec", "users"], {})} | {"postgres", "standby"})
}

# A MinIO Tenant's root credentials (spec.configuration), a MongoDBCommunity user's password (passwordSecretRef).
store_secret_keys contains concat("/", [k8s.namespace(r), n]) if {
	some r in k8s.all
	r.kind == "Tenant"
	k8s.group_kind(r) == "minio.min.io/Tenant"
	n := r.spec.configuration.name
	is_string(n)
}

store_secret_keys contains concat("/", [k8s.namespace(r), n]) if {
	some r in k8s.all
	r.kind == "MongoDBCommunity"
	k8s.group_kind(r) == "mongodbcommunity.mongodb.com/MongoDBCommunity"
	some u in r.spec.users
	n := u.passwordSecretRef.name
	is_string(n)
}

secret_name(s) := object.get(s, ["spec", "target", "name"], k8s.name(s)) if s.kind == "ExternalSecret"

secret_name(s) := object.get(s, ["spec", "template", "metadata", "name"], k8s.name(s)) if s.kind == "SealedSecret"

secret_name(s) := k8s.name(s) if s.kind == "Secret"

# Pods that run on the node's network or bind a host port: NetworkPolicies no longer apply to that traffic.
host_exposure(w) := array.concat(
	[{"path": array.concat(k8s.pod_spec_path(w), ["hostNetwork"]), "what": "hostNetwork: true"} |
		k8s.pod_spec(w).hostNetwork == true
	],
	[{"path": array.concat(c.path, ["ports", k, "hostPort"]), "what": concat("", ["hostPort ", format_int(p.hostPort, 10)])} |
		some c in k8s.containers(w)
		some k, p in object.get(c.container, "ports", [])
		is_number(p.hostPort)
		p.hostPort > 0
	],
)

# What in a store operator's resource makes the operator expose the store outside the cluster: a Service type or
# template of type LoadBalancer/NodePort (CloudNativePG serviceTemplate, Crunchy service, an ECK http.service, a
# `serviceType`), externalIPs, a Strimzi
# listener of type loadbalancer/nodeport/route/ingress, a Zalando enable*LoadBalancer switch, a MinIO Tenant's
# exposeServices. The spec is walked: these CRDs nest their Service settings at many places.
operator_exposure(r) := {x |
	k8s.operator_kind(r)
	r.kind != "CustomResourceDefinition" # never an operator kind; a context CRD's schemas are not given (policy/input.ts)
	walk(r.spec, [p, node])
	is_object(node)
	some x in node_exposure(array.concat(["spec"], p), node)
}

exposing_types := {"LoadBalancer", "NodePort", "loadbalancer", "nodeport", "route", "ingress"}

# `type`, and any key naming a Service type: serviceType, a Percona exposeType, replicasServiceType, Redis
# Enterprise's uiServiceType.
type_key(k) if k == "type"

type_key(k) if k == "exposeType"

type_key(k) if endswith(k, "erviceType")

node_exposure(p, node) := ((((((({{"path": array.concat(p, [k]), "what": concat("", [k, " ", t])} |
	some k, t in node
	type_key(k)
	is_string(t)
	exposing_types[t] == t
} | {{"path": array.concat(p, ["externalIPs"]), "what": "externalIPs"} |
	count(node.externalIPs) > 0
}) | {{"path": array.concat(p, [k]), "what": concat("", [k, ": true"])} |
	some k, val in node
	val == true
	regex.match(`^enable[A-Za-z]*LoadBalancer$`, k)
}) | {{"path": array.concat(p, ["exposeServices", k]), "what": concat("", ["exposeServices.", k, ": true"])} |
	some k, val in node.exposeServices
	val == true
}) | {{"path": array.concat(p, ["databaseServiceType"]), "what": concat("", ["databaseServiceType ", node.databaseServiceType])} |
	# Redis Enterprise: a comma-separated list of the Service types the databases get.
	contains(node.databaseServiceType, "load_balancer")
}) | {{"path": array.concat(p, ["ingressOrRouteSpec"]), "what": "ingressOrRouteSpec"} |
	# Redis Enterprise: the operator creates an Ingress or Route to the API and to every database.
	is_object(node.ingressOrRouteSpec)
}) | {{"path": array.concat(p, ["hostNetwork"]), "what": "hostNetwork: true"} |
	# A pod template the operator applies (an override's StatefulSet): on the node's network or ports.
	node.hostNetwork == true
}) | {{"path": array.concat(p, ["hostPort"]), "what": concat("", ["hostPort ", format_int(node.hostPort, 10)])} |
	is_number(node.hostPort)
	node.hostPort > 0
}) | tailscale_exposure(array.concat(p, ["annotations"]), object.get(node, "annotations", {}))

# The Tailscale operator publishes a Service on the tailnet, outside the cluster, when it is annotated
# `tailscale.com/expose: "true"` or given a tailnet name (`tailscale.com/hostname`): [path, what] under `p`, the
# annotations' path (a Service's, or a Service template's in an operator's spec).
tailscale_exposure(p, annotations) := {{"path": array.concat(p, ["tailscale.com/expose"]), "what": "annotation tailscale.com/expose (the Tailscale operator publishes it on the tailnet)"} |
	tailscale_expose(annotations)
} | {{"path": array.concat(p, ["tailscale.com/hostname"]), "what": "annotation tailscale.com/hostname (the Tailscale operator publishes it on the tailnet)"} |
	is_string(annotations["tailscale.com/hostname"])
	not tailscale_expose(annotations)
}

tailscale_expose(annotations) if lower(annotations["tailscale.com/expose"]) == "true"

# Store PersistentVolumeClaims: "namespace/claim" of every claim a store mounts, and of the claims its
# volumeClaimTemplates create (<template>-<statefulset>-<ordinal>).
store_claim_keys contains concat("/", [k8s.namespace(w), ref.name]) if {
	some i in store_workloads
	w := k8s.all[i]
	some ref in claim_refs(w)
}

store_claim_prefixes contains concat("/", [k8s.namespace(w), concat("-", [t.metadata.name, k8s.name(w), ""])]) if {
	some i in store_workloads
	w := k8s.all[i]
	w.kind == "StatefulSet"
	some t in object.get(w, ["spec", "volumeClaimTemplates"], [])
}

claim_refs(w) := [{"name": v.persistentVolumeClaim.claimName, "path": array.concat(k8s.pod_spec_path(w), ["volumes", k, "persistentVolumeClaim", "claimName"])} |
	some k, v in object.get(k8s.pod_spec(w), "volumes", [])
	is_string(v.persistentVolumeClaim.claimName)
]

store_claim(ns, claim) if store_claim_keys[concat("/", [ns, claim])]

store_claim(ns, claim) if {
	some prefix in store_claim_prefixes
	startswith(concat("/", [ns, claim]), prefix)
}

# Every secret a workload references, with the JSON path of the reference (env, envFrom, volumes, projected).
secret_refs(w) := array.concat(container_secret_refs(w), volume_secret_refs(w))

container_secret_refs(w) := [ref |
	some c in k8s.containers(w)
	some ref in env_refs(c)
]

env_refs(c) := array.concat(
	[{"name": e.valueFrom.secretKeyRef.name, "path": array.concat(c.path, ["env", k, "valueFrom", "secretKeyRef", "name"])} |
		some k, e in object.get(c.container, "env", [])
		is_string(e.valueFrom.secretKeyRef.name)
	],
	[{"name": e.secretRef.name, "path": array.concat(c.path, ["envFrom", k, "secretRef", "name"])} |
		some k, e in object.get(c.container, "envFrom", [])
		is_string(e.secretRef.name)
	],
)

volume_secret_refs(w) := array.concat(
	[{"name": v.secret.secretName, "path": array.concat(k8s.pod_spec_path(w), ["volumes", k, "secret", "secretName"])} |
		some k, v in object.get(k8s.pod_spec(w), "volumes", [])
		is_string(v.secret.secretName)
	],
	[{"name": s.secret.name, "path": array.concat(k8s.pod_spec_path(w), ["volumes", k, "projected", "sources", m, "secret", "name"])} |
		some k, v in object.get(k8s.pod_spec(w), "volumes", [])
		some m, s in object.get(v, ["projected", "sources"], [])
		is_string(s.secret.name)
	],
)

# The pod-shaped secret references anywhere in the spec of input object i, a custom resource (a Tekton step's env and
# envFrom, a workflow template's volumes): an env var's valueFrom.secretKeyRef, an envFrom item's secretRef, a volume's
# secret.secretName, a projected source's secret.name. A spec naming none of their keys is not walked
# (k8s.own_spec_texts: not a workload, not a CRD, which runs no pods and whose schemas a context CRD lacks).
own_spec_secret_refs(i, r) := [ref |
	k8s.own_spec_has_any_key(i, secret_key_pattern)
	r.kind != "CustomResourceDefinition" # runs no pods; a context CRD's schemas are not given (policy/input.ts)
	walk(r.spec, [p, node])
	is_object(node)
	some ref in node_secret_refs(array.concat(["spec"], p), node)
]

# The keys node_secret_refs reads a secret's name under.
secret_key_pattern := `"(?:secretKeyRef|secretRef|secret)":`

node_secret_refs(p, node) := array.concat(
	array.concat(
		[{"name": node.valueFrom.secretKeyRef.name, "path": array.concat(p, ["valueFrom", "secretKeyRef", "name"])} |
			is_string(node.valueFrom.secretKeyRef.name)
		],
		[{"name": node.secretRef.name, "path": array.concat(p, ["secretRef", "name"])} |
			count(p) >= 2
			p[count(p) - 2] == "envFrom"
			is_string(node.secretRef.name)
		],
	),
	array.concat(
		[{"name": node.secret.secretName, "path": array.concat(p, ["secret", "secretName"])} |
			is_string(node.secret.secretName)
		],
		[{"name": node.secret.name, "path": array.concat(p, ["secret", "name"])} |
			count(p) >= 2
			p[count(p) - 2] == "sources"
			is_string(node.secret.name)
		],
	),
)

# Namespaces where a workload of the desired state runs governed-API pods: a policy peer naming another namespace
# admits whatever pods carry the governed-API labels there (KFM-TM-004, KFM-TM-015).
governed_namespaces contains k8s.namespace(w) if {
	some w in k8s.all
	k8s.is_workload(w)
	governed_api(w)
}

# Pods that carry the governed-API labels.
governed_api(w) if k8s.labels_contain(k8s.pod_labels(w), params.governedApiSelector)
