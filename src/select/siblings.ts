/**
 * The unchanged overlays a narrowed (changed-only) run must check too. The built-in policies join objects across the
 * overlays of an env by namespace (a Route of one overlay to the database Service of another, a RoleBinding to a
 * Role, default-deny policies): with only the changed overlays rendered, a Route a pull request adds to its own
 * overlay, pointing at the database Service of an overlay it did not touch, joined nothing and passed. So every
 * overlay of the same env that deploys to a namespace a selected overlay deploys to is checked as well.
 *
 * The namespace an overlay deploys to is its kustomization's `namespace:`, else the one Argo CD puts its objects in
 * (discover/index.ts destinations, the strictest env's as for the render: argo/destination.ts). An overlay with
 * neither (it may deploy anywhere) is a sibling of every selected overlay of its env, and makes every overlay of its
 * env a sibling when it is selected. Objects that name another namespace in their own manifests are not seen here.
 */
import { destinationOf } from '../argo/destination.js';
import type { Overlay } from '../types.js';

export function namespaceSiblings(
  selected: readonly Overlay[],
  all: readonly Overlay[],
  namespaceOf: (o: Overlay) => string | undefined,
): Overlay[] {
  const chosen = new Set(selected.map((o) => o.path));
  const wanted = new Map<string, Set<string | undefined>>(); // env → namespaces (undefined: any)
  for (const o of selected) {
    let set = wanted.get(o.env);
    if (!set) wanted.set(o.env, (set = new Set()));
    set.add(namespaceOf(o));
  }
  return all.filter((o) => {
    if (chosen.has(o.path)) return false;
    const set = wanted.get(o.env);
    if (!set) return false;
    const ns = namespaceOf(o);
    return set.has(undefined) || ns === undefined || set.has(ns);
  });
}

/** An overlay's namespace for namespaceSiblings: its kustomization's, else its Argo CD destination's. */
export function overlayNamespace(
  kustomizationNamespaces: ReadonlyMap<string, string> | undefined,
  destinations: ReadonlyMap<string, readonly string[]>,
  envOrder: readonly string[],
): (o: Overlay) => string | undefined {
  return (o) => kustomizationNamespaces?.get(o.path) ?? destinationOf(destinations.get(o.path) ?? [], envOrder);
}
