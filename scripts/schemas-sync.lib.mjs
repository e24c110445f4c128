// Pure half of `npm run schemas:sync`: read the kubernetes-validate wheel, pick the newest releases and turn each
// release's openapi2jsonschema `_definitions.json` into the compact, corrected form the validator loads.
// No network and no child processes here, so tests can re-run the conversion and compare byte for byte.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

export const PACKAGE = 'kubernetes-validate';
/** Pinned exact version; bump deliberately and re-run `npm run schemas:sync`. */
export const PINNED_VERSION = '1.37.0';
export const PACKAGE_LICENSE = 'Apache-2.0';
/**
 * Oldest Kubernetes release shipped; every newer one the wheel carries ships too. 1.27 is what OpenShift 4.14 runs,
 * the oldest OpenShift release still supported when this was chosen.
 */
export const OLDEST_RELEASE = { major: 1, minor: 27 };
/** Bumped whenever the conversion below changes, so a stale shipped file is detectable. */
export const FORMAT_VERSION = 2;

/**
 * Kubernetes' resource.Quantity grammar (k8s.io/apimachinery/pkg/api/resource): a signed decimal number followed by
 * a binary-SI suffix (Ki…Ei), a decimal-SI suffix (m, k, M…E) or a decimal exponent (e3, E-2). `500mb` or `1 Gi` are
 * rejected by the API server, so they are rejected here too.
 */
export const QUANTITY_PATTERN = '^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[KMGTPE]i|[mkMGTPE]|[eE][+-]?[0-9]+)?$';

/**
 * List-map key fields the API server defaults before it compares keys (the OpenAPI document does not carry these
 * defaults): `{containerPort: 80}` and `{containerPort: 80, protocol: TCP}` are the same entry.
 */
const LIST_KEY_DEFAULTS = {
  'io.k8s.api.core.v1.Container.ports': { protocol: 'TCP' },
  'io.k8s.api.core.v1.EphemeralContainer.ports': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServiceSpec.ports': { protocol: 'TCP' },
};

/**
 * Uniqueness the API server's validation enforces beyond the list-map keys (pkg/apis/core/validation): port names
 * within one container and within one Service must be unique. Items without the field are not compared.
 */
const EXTRA_UNIQUE_FIELDS = {
  'io.k8s.api.core.v1.Container.ports': [['name']],
  'io.k8s.api.core.v1.EphemeralContainer.ports': [['name']],
  'io.k8s.api.core.v1.ServiceSpec.ports': [['name']],
};

/**
 * Enumerations the API documents in prose ("One of Always, Never, IfNotPresent") and its validation enforces
 * (k8s.io/kubernetes, the validation package of each API group), which the OpenAPI document does not carry as `enum`. The empty string
 * stays accepted: the API server defaults an empty optional value like an absent one. An array field's values
 * apply to its items.
 */
const ENUMS = {
  'io.k8s.api.core.v1.Container.imagePullPolicy': ['Always', 'Never', 'IfNotPresent'],
  'io.k8s.api.core.v1.EphemeralContainer.imagePullPolicy': ['Always', 'Never', 'IfNotPresent'],
  'io.k8s.api.core.v1.Container.terminationMessagePolicy': ['File', 'FallbackToLogsOnError'],
  'io.k8s.api.core.v1.EphemeralContainer.terminationMessagePolicy': ['File', 'FallbackToLogsOnError'],
  'io.k8s.api.core.v1.ContainerPort.protocol': ['TCP', 'UDP', 'SCTP'],
  'io.k8s.api.core.v1.ServicePort.protocol': ['TCP', 'UDP', 'SCTP'],
  'io.k8s.api.networking.v1.NetworkPolicyPort.protocol': ['TCP', 'UDP', 'SCTP'],
  'io.k8s.api.core.v1.PodSpec.restartPolicy': ['Always', 'OnFailure', 'Never'],
  'io.k8s.api.core.v1.PodSpec.dnsPolicy': ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'],
  'io.k8s.api.core.v1.PodSpec.preemptionPolicy': ['Never', 'PreemptLowerPriority'],
  'io.k8s.api.core.v1.PodSecurityContext.fsGroupChangePolicy': ['OnRootMismatch', 'Always'],
  'io.k8s.api.core.v1.SeccompProfile.type': ['RuntimeDefault', 'Unconfined', 'Localhost'],
  'io.k8s.api.core.v1.HTTPGetAction.scheme': ['HTTP', 'HTTPS'],
  'io.k8s.api.core.v1.Toleration.operator': ['Exists', 'Equal'],
  'io.k8s.api.core.v1.Toleration.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'io.k8s.api.core.v1.Taint.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'io.k8s.api.core.v1.NodeSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'],
  'io.k8s.api.core.v1.TopologySpreadConstraint.whenUnsatisfiable': ['DoNotSchedule', 'ScheduleAnyway'],
  'io.k8s.api.core.v1.ServiceSpec.type': ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
  'io.k8s.api.core.v1.ServiceSpec.sessionAffinity': ['ClientIP', 'None'],
  'io.k8s.api.core.v1.ServiceSpec.externalTrafficPolicy': ['Cluster', 'Local'],
  'io.k8s.api.core.v1.ServiceSpec.internalTrafficPolicy': ['Cluster', 'Local'],
  'io.k8s.api.core.v1.ServiceSpec.ipFamilyPolicy': ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
  'io.k8s.api.core.v1.ServiceSpec.ipFamilies': ['IPv4', 'IPv6'],
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec.accessModes': ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
  'io.k8s.api.core.v1.PersistentVolumeSpec.accessModes': ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec.volumeMode': ['Block', 'Filesystem'],
  'io.k8s.api.core.v1.PersistentVolumeSpec.volumeMode': ['Block', 'Filesystem'],
  'io.k8s.api.core.v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy': ['Recycle', 'Delete', 'Retain'],
  'io.k8s.api.apps.v1.DeploymentStrategy.type': ['Recreate', 'RollingUpdate'],
  'io.k8s.api.apps.v1.StatefulSetUpdateStrategy.type': ['RollingUpdate', 'OnDelete'],
  'io.k8s.api.apps.v1.DaemonSetUpdateStrategy.type': ['RollingUpdate', 'OnDelete'],
  'io.k8s.api.apps.v1.StatefulSetSpec.podManagementPolicy': ['OrderedReady', 'Parallel'],
  'io.k8s.api.batch.v1.CronJobSpec.concurrencyPolicy': ['Allow', 'Forbid', 'Replace'],
  'io.k8s.api.batch.v1.JobSpec.completionMode': ['NonIndexed', 'Indexed'],
  'io.k8s.api.networking.v1.HTTPIngressPath.pathType': ['Exact', 'Prefix', 'ImplementationSpecific'],
  'io.k8s.api.networking.v1.NetworkPolicySpec.policyTypes': ['Ingress', 'Egress'],
  'io.k8s.api.storage.v1.StorageClass.reclaimPolicy': ['Delete', 'Retain'],
  'io.k8s.api.storage.v1.StorageClass.volumeBindingMode': ['Immediate', 'WaitForFirstConsumer'],
  'io.k8s.api.scheduling.v1.PriorityClass.preemptionPolicy': ['Never', 'PreemptLowerPriority'],
  'io.k8s.api.admissionregistration.v1.ValidatingWebhook.failurePolicy': ['Ignore', 'Fail'],
  'io.k8s.api.admissionregistration.v1.MutatingWebhook.failurePolicy': ['Ignore', 'Fail'],
  'io.k8s.api.admissionregistration.v1.ValidatingWebhook.sideEffects': ['None', 'NoneOnDryRun'],
  'io.k8s.api.admissionregistration.v1.MutatingWebhook.sideEffects': ['None', 'NoneOnDryRun'],
  'io.k8s.api.admissionregistration.v1.MutatingWebhook.reinvocationPolicy': ['Never', 'IfNeeded'],
  'io.k8s.api.admissionregistration.v1.ValidatingWebhook.matchPolicy': ['Exact', 'Equivalent'],
  'io.k8s.api.admissionregistration.v1.MutatingWebhook.matchPolicy': ['Exact', 'Equivalent'],
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec.scope': ['Cluster', 'Namespaced'],
};

/** The property schema with its documented enumeration (on the items of an array). */
function withEnum(schema, values) {
  if (!schema || typeof schema !== 'object') return schema;
  const allowed = [...values, ''];
  if (typesOf(schema)?.includes('array') && schema.items && typeof schema.items === 'object') {
    return { ...schema, items: { ...schema.items, enum: allowed } };
  }
  if (typesOf(schema)?.includes('string')) return { ...schema, enum: typesOf(schema).includes('null') ? [...allowed, null] : allowed };
  return schema;
}

/** Non-empty lists the API server's validation requires but the OpenAPI document does not say so. */
const MIN_ITEMS = {
  'io.k8s.api.core.v1.PodSpec.containers': 1,
};

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** Keys that only document or drive client-side merging; they never change a verdict. */
const DROPPED_KEYS = new Set([
  'description',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-unions',
  'x-kubernetes-map-type',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

// ---------------------------------------------------------------------------------------------------------------
// Wheel (zip) reading: a wheel is a plain zip; reading the central directory avoids needing `unzip` or python.

/** Returns Map<memberName, () => Buffer> for every member of a zip archive. */
export function readZip(buf) {
  const eocdSig = 0x06054b50;
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === eocdSig) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const members = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    members.set(name, () => {
      const lNameLen = buf.readUInt16LE(localOffset + 26);
      const lExtraLen = buf.readUInt16LE(localOffset + 28);
      const start = localOffset + 30 + lNameLen + lExtraLen;
      const data = buf.subarray(start, start + compSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip member ${name}: unsupported compression method ${method}`);
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

export function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

/** `kubernetes_validate/kubernetes-json-schema/v1.37.0-local-strict/_definitions.json` → releases, newest first. */
export function listReleases(memberNames) {
  const found = [];
  for (const name of memberNames) {
    const m = /^kubernetes_validate\/kubernetes-json-schema\/v(\d+)\.(\d+)\.(\d+)-local-strict\/_definitions\.json$/.exec(
      name,
    );
    if (m) found.push({ release: `${m[1]}.${m[2]}`, major: +m[1], minor: +m[2], patch: +m[3], member: name });
  }
  found.sort((a, b) => b.major - a.major || b.minor - a.minor || b.patch - a.patch);
  // One entry per minor release: the newest patch carried.
  const seen = new Set();
  return found.filter((r) => (seen.has(r.release) ? false : (seen.add(r.release), true)));
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion

function typesOf(schema) {
  if (!schema || typeof schema !== 'object') return undefined;
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type;
  return undefined;
}

function withoutNull(types) {
  const t = types.filter((x) => x !== 'null');
  return t.length === 1 ? t[0] : t;
}

function refName(ref) {
  const m = /#\/\$defs\/(.+)$/.exec(ref);
  return m ? m[1] : undefined;
}

/**
 * A value in a place where null is not acceptable (a required field, a list item). openapi2jsonschema marks every
 * definition nullable, so `spec: null` or a `- ` list item with nothing in it passed; the API server then fails
 * with "Required value" or decodes an empty object. Inline types lose `null`; a `$ref` gets the definition's
 * non-null type beside it.
 */
function nonNull(schema, defs) {
  if (!schema || typeof schema !== 'object') return schema;
  const types = typesOf(schema);
  if (types) return types.includes('null') ? { ...schema, type: withoutNull(types) } : schema;
  if (typeof schema.$ref === 'string') {
    // Look through to the corrected definition: IntOrString and Quantity only get a type list once replaced.
    const name = refName(schema.$ref);
    const target = replacementFor(name) ?? defs[name];
    const targetTypes = typesOf(target);
    if (targetTypes && targetTypes.includes('null')) return { ...schema, type: withoutNull(targetTypes) };
  }
  return schema;
}

function convertNode(node, defs, ownerKey) {
  if (Array.isArray(node)) return node.map((x) => convertNode(x, defs));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === 'properties') {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      const props = {};
      for (const [name, sub] of Object.entries(value)) {
        const key = ownerKey ? `${ownerKey}.${name}` : undefined;
        let converted = convertNode(sub, defs, key);
        if (key && ENUMS[key]) converted = withEnum(converted, ENUMS[key]);
        props[name] = required.has(name) ? nonNull(converted, defs) : converted;
      }
      out.properties = props;
    } else if (key === 'items') {
      out.items = nonNull(convertNode(value, defs), defs);
    } else if (key === 'enum' || key === 'required') {
      out[key] = value;
    } else {
      out[key] = convertNode(value, defs);
    }
  }
  if (ownerKey && MIN_ITEMS[ownerKey] !== undefined) out.minItems = MIN_ITEMS[ownerKey];
  // List-maps: the API server (and server-side apply) reject two entries with the same key.
  if (node['x-kubernetes-list-type'] === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) {
    const unique = [{ keys: node['x-kubernetes-list-map-keys'] }];
    const defaults = ownerKey && LIST_KEY_DEFAULTS[ownerKey];
    if (defaults) unique[0].defaults = defaults;
    for (const extra of (ownerKey && EXTRA_UNIQUE_FIELDS[ownerKey]) || []) unique.push({ keys: extra, optional: true });
    out['x-kfm-unique'] = unique;
  }
  return out;
}

/**
 * Definitions that openapi2jsonschema renders wrongly, replaced outright:
 * - IntOrString was `oneOf: [string|null, integer|null]`: a null matched both branches and failed `oneOf`
 *   (`maxSurge: null` was rejected) and errors read "must match exactly one schema".
 * - Quantity likewise, and accepted any string, though `500mb` never parses on the API server.
 */
function replacementFor(name) {
  if (name === INT_OR_STRING) return { type: ['integer', 'string', 'null'] };
  if (name === QUANTITY) return { type: ['number', 'string', 'null'], pattern: QUANTITY_PATTERN };
  return undefined;
}

/** A copy with object keys sorted at every level: generated files stay byte-stable. */
export function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

/**
 * Definitions (`$defs`) → corrected definitions. Idempotent: feeding its own output back in gives the same output,
 * which the tests use to check that the shipped files are what this converter produces.
 */
export function convertDefinitions(defs) {
  const out = {};
  for (const name of Object.keys(defs).sort()) {
    out[name] = sortKeys(replacementFor(name) ?? convertNode(defs[name], defs, name));
  }
  return out;
}

/** Index apiVersion → kind → definition name, from `x-kubernetes-group-version-kind`. */
export function buildKindIndex(defs) {
  const index = {};
  for (const name of Object.keys(defs).sort()) {
    const gvks = defs[name]['x-kubernetes-group-version-kind'];
    // Definitions listed under many group/versions (DeleteOptions, WatchEvent) are envelopes, not resources.
    if (!Array.isArray(gvks) || gvks.length !== 1) continue;
    const { group, version, kind } = gvks[0];
    const apiVersion = group ? `${group}/${version}` : version;
    (index[apiVersion] ??= {})[kind] = name;
  }
  return sortKeys(index);
}

/**
 * Compact file for one release. One definition per line: loads with a single JSON.parse and diffs readably.
 */
export function buildReleaseFile({ release, sourceMember, definitionsText }) {
  const doc = JSON.parse(definitionsText);
  const defs = doc.$defs ?? doc.definitions;
  if (!defs || typeof defs !== 'object') throw new Error(`${sourceMember}: no $defs/definitions`);
  const kinds = buildKindIndex(defs);
  const converted = convertDefinitions(defs);
  return serializeReleaseFile({
    format: FORMAT_VERSION,
    release,
    source: { package: PACKAGE, version: PINNED_VERSION, member: sourceMember, sha256: sha256(definitionsText) },
    kinds,
    $defs: converted,
  });
}

export function serializeReleaseFile(file) {
  const head = JSON.stringify({ format: file.format, release: file.release, source: file.source, kinds: file.kinds });
  const lines = Object.keys(file.$defs)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${JSON.stringify(file.$defs[name])}`);
  return `${head.slice(0, -1)},\n"$defs":{\n${lines.join(',\n')}\n}}\n`;
}

/** Everything `schemas:sync` writes, as Map<relative path under schemas/kubernetes, content>. */
export function buildFromWheel(wheelBuffer, wheelName) {
  const members = readZip(wheelBuffer);
  const releases = listReleases(members.keys()).filter(
    (r) => r.major > OLDEST_RELEASE.major || (r.major === OLDEST_RELEASE.major && r.minor >= OLDEST_RELEASE.minor),
  );
  if (releases.length === 0) throw new Error(`${wheelName}: no *-local-strict/_definitions.json found`);
  const files = new Map();
  const rows = [];
  for (const r of releases) {
    const text = members.get(r.member)().toString('utf8');
    const content = buildReleaseFile({ release: r.release, sourceMember: r.member, definitionsText: text });
    files.set(`${r.release}.json`, content);
    rows.push({ ...r, sourceSha: sha256(text), outSha: sha256(content) });
  }
  files.set('PROVENANCE.md', provenance({ wheelName, wheelSha: sha256(wheelBuffer), rows }));
  return files;
}

function provenance({ wheelName, wheelSha, rows }) {
  const table = rows
    .map((r) => `| ${r.release} | \`${r.member.replace('kubernetes_validate/', '')}\` | \`${r.sourceSha}\` |`)
    .join('\n');
  return `# Provenance of schemas/kubernetes

Generated by \`npm run schemas:sync\` (scripts/schemas-sync.mjs). Do not edit by hand: re-run the script.

| | |
|---|---|
| package | [${PACKAGE}](https://pypi.org/project/${PACKAGE}/) (PyPI) |
| version | ${PINNED_VERSION} (pinned in scripts/schemas-sync.lib.mjs) |
| wheel | \`${wheelName}\` |
| wheel sha256 | \`${wheelSha}\` |
| licence | ${PACKAGE_LICENSE} (Copyright (C) 2018 Will Thames; schemas generated from the Kubernetes OpenAPI, Apache-2.0) |
| converter format | ${FORMAT_VERSION} |

## Releases shipped (${OLDEST_RELEASE.major}.${OLDEST_RELEASE.minor} to the newest the wheel carries: ${rows.length})

| release | source member | source sha256 |
|---|---|---|
${table}

## Changes made by the converter (each one tested in test/schema/sync.test.ts)

- descriptions and client-side merge hints (\`x-kubernetes-patch-*\`, unions, map-type) are dropped;
  \`x-kubernetes-group-version-kind\` becomes the \`kinds\` index (apiVersion → kind → definition).
- **null means absent**: openapi2jsonschema makes every definition nullable. Null stays accepted for optional
  fields (the API server decodes it as unset; \`creationTimestamp: null\` is normal), but is rejected for required
  fields and list items (\`spec: null\`, an empty \`- \` entry).
- **int-or-string**: \`oneOf [string|null, integer|null]\` rejected \`null\` (it matched both branches) → \`type:
  [integer, string, null]\`.
- **quantities**: same \`oneOf\` flaw, and any string passed → \`type: [number, string, null]\` plus the
  resource.Quantity grammar as a pattern.
- **non-empty lists**: a pod's \`containers\` must have at least one entry (API validation the OpenAPI omits).
- **list-maps**: \`x-kubernetes-list-type: map\` + keys become \`x-kfm-unique\` (duplicate keys are errors), with the
  API server's key defaults (port \`protocol: TCP\`) and unique port names per container / Service.
`;
}
