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
 * env a sibling when it is selected. Objects that name another namespace in their own manifests are not seen here:
 * namespaceJoiners adds those once the selected overlays rendered.
 *
 * Platform overlays (any layer but apps) are every env's context (the baseline default-deny policies a store
 * namespace relies on): a narrowed run checks them all (platformOverlays).
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

/** The platform overlays (any layer but apps) a narrowed run checks beside what it selected: every env's context. */
export function platformOverlays(all: readonly Overlay[]): Overlay[] {
  return all.filter((o) => o.layer !== 'apps');
}

/**
 * The overlays not yet checked that deploy to a namespace the changed overlays' rendered objects name: an object's
 * own namespace, a namespace a field names (a backendRef, a subject) or an ExternalName's DNS labels — what the
 * policy partition joins by (checks/policy/partition.ts namespaceKeys). A platform overlay's NetworkPolicy or Route
 * in kfm-prod, or an app object naming another namespace, joins the stores of overlays the run had not rendered:
 * an allow-all NetworkPolicy core/baseline put in kfm-prod passed a changed-only run. Any env: a platform object
 * joins every env's objects in its namespace.
 */
export function namespaceJoiners(
  named: ReadonlySet<string>,
  all: readonly Overlay[],
  checked: ReadonlySet<string>,
  namespaceOf: (o: Overlay) => string | undefined,
): Overlay[] {
  if (named.size === 0) return [];
  return all.filter((o) => {
    if (checked.has(o.path)) return false;
    const ns = namespaceOf(o);
    return ns !== undefined && named.has(ns);
  });
}
