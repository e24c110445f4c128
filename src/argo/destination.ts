/**
 * Argo CD applies a namespaced object that names no namespace to its Application's destination namespace. An overlay
 * or folder it deploys (an overlay or kustomize base without `namespace:`, a plain directory source) is checked with
 * its objects placed there too: the rules join by namespace (a Route and the store Service it reaches, a store and its
 * default-deny NetworkPolicy), and an object left without one joined nothing. Before, a Route of a directory source
 * deployed to kfm-prod, pointing at kfm-prod's database Service, passed KFM-TM-001.
 *
 * In the namespace of the env the folder is checked under (destinationOf), and only for kinds known to be namespaced: the shipped schemas' kinds, classified in
 * policies/data/scopes.rego (scripts/scopes-gen.mjs). An unknown kind (a CRD's) is left as it is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedOverlay } from '../types.js';
import { packageRoot } from '../util/paths.js';
import { envInName } from '../discover/env.js';

let namespacedKinds: ReadonlySet<string> | undefined;

/** The `namespaced` set of the generated scopes document (a fixed format: one quoted kind per line). */
export function namespacedKindsOf(rego: string): Set<string> {
  const block = /^namespaced := \{\n([\s\S]*?)\n\}/m.exec(rego);
  if (!block) throw new Error('policies/data/scopes.rego holds no namespaced set');
  return new Set([...block[1].matchAll(/^\t"([^"]+)",$/gm)].map((m) => m[1]));
}

function namespaced(): ReadonlySet<string> {
  namespacedKinds ??= namespacedKindsOf(readFileSync(join(packageRoot(), 'policies', 'data', 'scopes.rego'), 'utf8'));
  return namespacedKinds;
}

/** Whether any rendered object of a namespaced kind names no namespace (most overlays set one for all). */
export function lacksNamespace(rendered: RenderedOverlay): boolean {
  if (!rendered.resources.some((r) => !r.id.namespace)) return false;
  const kinds = namespaced();
  return rendered.resources.some((r) => !r.id.namespace && kinds.has(r.id.kind));
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
  const kinds = namespaced();
  let placed = 0;
  for (const r of rendered.resources) {
    if (r.id.namespace || !kinds.has(r.id.kind)) continue;
    const metadata = r.object.metadata;
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) continue;
    // The object only: its id stays as rendered, which is how findings are traced back to their source files.
    (metadata as Record<string, unknown>).namespace = ns;
    placed++;
  }
  return placed;
}
