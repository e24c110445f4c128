# METADATA
# title: Only the governed API may hold a store's credentials
# description: >-
#   A store's credentials are the secrets its own workloads reference (env valueFrom.secretKeyRef, envFrom
#   secretRef, secret and projected volumes), and those a store operator writes them to or reads them from
#   (CloudNativePG <cluster>-app and -superuser, Crunchy <cluster>-pguser-<user>, Zalando
#   <user>.<cluster>.credentials.postgresql.acid.zalan.do, ECK <name>-es-elastic-user, a MinIO Tenant's configuration,
#   a MongoDBCommunity user's passwordSecretRef, Percona <name>-secrets or spec.secretsName/secrets.users and
#   <name>-pguser-<user>, OpenSearch <name>-admin-password, RabbitMQ <name>-default-user, OT Redis redisSecret, Redis
#   Enterprise <cluster> and redb-<database>, MariaDB *PasswordSecretKeyRef, a Strimzi KafkaUser's Secret named as
#   the KafkaUser). Any other workload mounting them could talk to the store directly and
#   bypass the governed API's policy decisions, redaction and audit logging. Workloads whose pods carry the
#   governed-API labels are allowed. A custom resource that runs pods (a Tekton TaskRun, an Argo Workflow, a
#   Knative Service) and names a namespace is read the same way: every env var, envFrom, secret or projected volume
#   reference anywhere in its spec.
# custom:
#   id: KFM-TM-005
#   severity: error
#   remediation: >-
#     Remove the secret reference and call the governed API instead. If this workload is the governed API, give its
#     pods the governed-API labels (default kfm.dev/governed-api: "true").
package kfm.tm.store_credentials

import data.kfm_lib.k8s
import data.kfm_lib.params.params
import data.kfm_lib.stores

violations contains v if {
	some i, w in input.resources
	k8s.is_workload(w)
	not stores.store_workloads[i]
	not stores.governed_api(w)
	some ref in stores.secret_refs(w)
	stores.store_secret_keys[concat("/", [k8s.namespace(w), ref.name])]
	v := {
		"id": "KFM-TM-005",
		"msg": concat("", [w.kind, " ", k8s.namespace(w), "/", k8s.display_name(w), " references secret ", ref.name, ", a store credential; only the governed API may use it"]),
		"resource": i,
		"path": ref.path,
	}
}

violations contains v if {
	some i, r in input.resources
	not k8s.is_workload(r)
	not stores.store_workloads[i] # a store operator's resource may name its own credentials
	not stores.credential_owner(r) # so may a KafkaUser or a MariaDB User (the credentials it defines)
	r.kind != "CustomResourceDefinition"
	is_string(r.metadata.namespace) # joined by the namespace it names (docs/checks/policy.md, partition audit)
	is_object(r.spec)
	not k8s.labels_contain(object.get(r, ["spec", "template", "metadata", "labels"], {}), params.governedApiSelector)
	count(stores.store_secret_keys) > 0 # no credential to find: the spec is not walked
	some ref in stores.own_spec_secret_refs(i, r)
	stores.store_secret_keys[concat("/", [r.metadata.namespace, ref.name])]
	v := {
		"id": "KFM-TM-005",
		"msg": concat("", [r.kind, " ", r.metadata.namespace, "/", k8s.display_name(r), " references secret ", ref.name, ", a store credential; only the governed API may use it"]),
		"resource": i,
		"path": ref.path,
	}
}

# A store's credentials copied out of its namespace by a Secret replication controller or pushed out by
# external-secrets: the copy is held by whatever runs where it lands. Reported on the store credential carrying a
# replication annotation (Reflector, kubed, kubernetes-replicator: on a Secret, a SealedSecret's or an
# ExternalSecret's template), on a Secret elsewhere that mirrors one (replicate-from, reflects), and on a PushSecret
# that pushes one.
violations contains v if {
	some i, r in input.resources
	[p, annotations] := secret_annotations(r)
	stores.store_secret_keys[concat("/", [k8s.namespace(r), secret_name_of(r)])]
	some key, value in annotations
	replicates(key, value)
	v := {
		"id": "KFM-TM-005",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " holds a store's credentials and ", key, " copies them to other namespaces; only the store and the governed API may hold them"]),
		"resource": i,
		"path": array.concat(p, [key]),
	}
}

violations contains v if {
	some i, r in input.resources
	[p, annotations] := secret_annotations(r)
	some key in ["replicator.v1.mittwald.de/replicate-from", "reflector.v1.k8s.emberstack.com/reflects"]
	source := annotations[key]
	is_string(source)
	stores.store_secret_keys[mirrored_key(source, k8s.namespace(r))]
	v := {
		"id": "KFM-TM-005",
		"msg": concat("", [r.kind, " ", k8s.namespace(r), "/", k8s.display_name(r), " mirrors ", source, ", a store's credentials (", key, "); only the store and the governed API may hold them"]),
		"resource": i,
		"path": array.concat(p, [key]),
	}
}

violations contains v if {
	some i, r in input.resources
	r.kind == "PushSecret"
	startswith(object.get(r, "apiVersion", ""), "external-secrets.io/")
	name := r.spec.selector.secret.name
	is_string(name)
	stores.store_secret_keys[concat("/", [k8s.namespace(r), name])]
	v := {
		"id": "KFM-TM-005",
		"msg": concat("", ["PushSecret ", k8s.namespace(r), "/", k8s.display_name(r), " pushes ", name, ", a store's credentials, to a secret store outside the cluster; only the store and the governed API may hold them"]),
		"resource": i,
		"path": ["spec", "selector", "secret", "name"],
	}
}

# [path, annotations] of the Secret an object is or makes.
secret_annotations(r) := [["metadata", "annotations"], k8s.annotations(r)] if r.kind == "Secret"

secret_annotations(r) := [["spec", "template", "metadata", "annotations"], object.get(r, ["spec", "template", "metadata", "annotations"], {})] if {
	r.kind == "SealedSecret"
	startswith(object.get(r, "apiVersion", ""), "bitnami.com/")
}

secret_annotations(r) := [["spec", "target", "template", "metadata", "annotations"], object.get(r, ["spec", "target", "template", "metadata", "annotations"], {})] if {
	r.kind == "ExternalSecret"
	startswith(object.get(r, "apiVersion", ""), "external-secrets.io/")
}

# The name of the Secret an object is or makes.
secret_name_of(r) := object.get(r, ["spec", "target", "name"], k8s.name(r)) if r.kind == "ExternalSecret"

secret_name_of(r) := object.get(r, ["spec", "template", "metadata", "name"], k8s.name(r)) if r.kind == "SealedSecret"

secret_name_of(r) := k8s.name(r) if r.kind == "Secret"

replicates(key, value) if {
	key in {"reflector.v1.k8s.emberstack.com/reflection-allowed", "reflector.v1.k8s.emberstack.com/reflection-auto-enabled", "replicator.v1.mittwald.de/replication-allowed"}
	lower(trim_space(value)) == "true"
}

replicates(key, _) if key in {"replicator.v1.mittwald.de/replicate-to", "replicator.v1.mittwald.de/replicate-to-matching", "kubed.appscode.com/sync"}

# "namespace/name" of a mirror's source (a bare name: the mirror's own namespace).
mirrored_key(source, _) := trim_space(source) if contains(source, "/")

mirrored_key(source, ns) := concat("/", [ns, trim_space(source)]) if not contains(source, "/")
