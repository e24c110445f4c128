/**
 * Argo CD applies an object that names its namespace in that namespace, whatever the Application's destination (the
 * destination only places the objects that name none: destination.ts). An overlay or folder is checked under one env
 * (discover/env.ts: its Applications' destination namespaces, the config, its kustomization's `namespace:`, its
 * folder), so an object it puts in another env's namespace was judged by the wrong env's rules: a Deployment with
 * `namespace: kfm-prod` and an unpinned image, in a folder an Application deploys to kfm-dev or in a platform overlay
 * (core/baseline, whose own env is none of envOrder), passed KFM-DP-001 (exit 0) while Argo CD ran it in prod.
 *
 * Such objects are judged in the env their namespace names when it is stricter (later in envOrder) than the
 * overlay's: they are moved, for the checks, into a part of the overlay placed in that env (same path, same files:
 * findings point where they did). Never into a laxer env: an overlay deployed to kfm-prod keeps its kfm-dev objects
 * under prod's rules, as before.
 */
import { envInName } from '../discover/env.js';
import type { RenderedOverlay, Resource } from '../types.js';

export function byObjectEnv(rendered: readonly RenderedOverlay[], envOrder: readonly string[]): RenderedOverlay[] {
  const out: RenderedOverlay[] = [];
  for (const r of rendered) {
    const rank = envOrder.indexOf(r.overlay.env);
    let moved: Map<string, Resource[]> | undefined;
    const kept: Resource[] = [];
    for (const res of r.resources) {
      // The id's namespace is the one the object names (an object placed in its destination keeps none there).
      const env = res.id.namespace ? envInName(res.id.namespace, envOrder) : undefined;
      if (env === undefined || envOrder.indexOf(env) <= rank) {
        kept.push(res);
        continue;
      }
      moved ??= new Map();
      const list = moved.get(env);
      if (list) list.push(res);
      else moved.set(env, [res]);
    }
    if (!moved) {
      out.push(r);
      continue;
    }
    if (kept.length > 0) out.push({ ...r, resources: kept });
    for (const [env, resources] of moved) out.push({ ...r, overlay: { ...r.overlay, env }, resources });
  }
  return out;
}
