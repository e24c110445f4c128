/**
 * Argo CD applies a namespaced object that names no namespace to its Application's destination namespace. An overlay
 * or folder it deploys (an overlay or kustomize base without `namespace:`, a plain directory source) is checked with
 * its objects placed there too: the rules join by namespace (a Route and the store Service it reaches, a store and its
 * default-deny NetworkPolicy), and an object left without one joined nothing. Before, a Route of a directory source
 * deployed to kfm-prod, pointing at kfm-prod's database Service, passed KFM-TM-001.
 *
 * In the namespace of the env the folder is checked under (destinationOf), for every kind not known to be cluster-scoped
 * (the shipped schemas' kinds, classified in policies/data/scopes.rego by scripts/scopes-gen.mjs, and the OpenShift and
 * ecosystem sets' scope indexes). A kind no shipped schema knows (a CRD's) is placed too, as Argo CD places a
 * namespaced custom resource: left without a namespace, an HTTPRoute, DeploymentConfig or Rollout of a folder deployed
 * to kfm-prod joined nothing there, and an HTTPRoute to kfm-prod's database passed KFM-TM-001.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedOverlay } from '../types.js';
import { packageRoot } from '../util/paths.js';
import { envInName } from '../discover/env.js';
import { shippedKindScope } from '../checks/schema/openshift.js';

let scopes:
  { clusterKinds: Set<string>; clusterGroupKinds: Set<string>; namespacedGroupKinds: Set<string> } | undefined;

/** A set of the generated scopes document (a fixed format: one quoted kind per line). */
export function scopeSetOf(
  rego: string,
  set: 'namespaced' | 'cluster_scoped' | 'cluster_scoped_group_kinds' | 'namespaced_group_kinds',
): Set<string> {
  const block = new RegExp(`^${set} := \\{\\n([\\s\\S]*?)\\n\\}`, 'm').exec(rego);
  if (!block) throw new Error(`policies/data/scopes.rego holds no ${set} set`);
  return new Set([...block[1].matchAll(/^\t"([^"]+)",$/gm)].map((m) => m[1]));
}

/**
 * Whether Argo CD would give an object of this kind its destination namespace: any kind not known cluster-scoped,
 * by group and kind first (as KFM-FK-001 judges it: a kind name several groups serve, build.openshift.io's Build or
 * Cluster API's IPAddress, has the scope of its own group), then by the name lists and the scope packs.
 */
function placed(id: { apiVersion: string; kind: string }): boolean {
  if (!scopes) {
    const rego = readFileSync(join(packageRoot(), 'policies', 'data', 'scopes.rego'), 'utf8');
    scopes = {
      clusterKinds: scopeSetOf(rego, 'cluster_scoped'),
      clusterGroupKinds: scopeSetOf(rego, 'cluster_scoped_group_kinds'),
      namespacedGroupKinds: scopeSetOf(rego, 'namespaced_group_kinds'),
    };
  }
  const slash = id.apiVersion.indexOf('/');
  const groupKind = `${slash < 0 ? '' : id.apiVersion.slice(0, slash)}/${id.kind}`;
  if (scopes.namespacedGroupKinds.has(groupKind)) return true;
  if (scopes.clusterGroupKinds.has(groupKind)) return false;
  return !scopes.clusterKinds.has(id.kind) && shippedKindScope(id.apiVersion, id.kind) !== 'Cluster';
}

/** Whether any rendered object of a namespaced kind names no namespace (most overlays set one for all). */
export function lacksNamespace(rendered: RenderedOverlay): boolean {
  return rendered.resources.some((r) => !r.id.namespace && placed(r.id));
}

/**
 * The namespace the objects are checked in: the one namespace the Applications name, or, when they name several, the
 * one of the strictest env (the env the overlay is checked under, discover/env.ts): a second Application deploying
 * the folder to kfm-dev must not keep its kfm-prod copy out of prod's namespace. Undefined when that is not one.
 */
export function destinationOf(namespaces: readonly string[], envOrder: readonly string[]): string | undefined {
  const distinct = [...new Set(namespaces)];
  if (distinct.length <= 1) return distinct[0];
  const rank = (ns: string): number => {
    const env = envInName(ns, envOrder);
    return env === undefined ? -1 : envOrder.indexOf(env);
  };
  const top = Math.max(...distinct.map(rank));
  const strictest = distinct.filter((ns) => rank(ns) === top);
  return top >= 0 && strictest.length === 1 ? strictest[0] : undefined;
}

/**
 * Places the rendered objects without a namespace in the destination namespace (see the module comment); returns how
 * many it placed.
 */
export function placeInDestination(
  rendered: RenderedOverlay,
  namespaces: readonly string[],
  envOrder: readonly string[],
): number {
  const ns = destinationOf(namespaces, envOrder);
  if (ns === undefined) return 0;
  let count = 0;
  for (const r of rendered.resources) {
    if (r.id.namespace || !placed(r.id)) continue;
    const metadata = r.object.metadata;
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) continue;
    // The object only: its id stays as rendered, which is how findings are traced back to their source files.
    (metadata as Record<string, unknown>).namespace = ns;
    count++;
  }
  return count;
}
