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

/**
 * Each rendered overlay's parts, made once per overlay and env: the policy check's early rounds (checks/policy/early.ts)
 * split the overlays they evaluate as the pipeline splits them after the renders, and keep their verdicts under the
 * parts' identities, so both must be the same objects. A split made anew after the renders changed every key: the
 * medium bench repo's platform overlays (their objects name every env's namespaces) were context of every part, and
 * every early verdict was thrown away (node CPU +0.7 s, issue 20).
 */
const splits = new WeakMap<RenderedOverlay, { env: string; order: string; parts: RenderedOverlay[] }>();
/** The overlay a part was split from (a part that is the overlay itself is not listed). */
const sources = new WeakMap<RenderedOverlay, RenderedOverlay>();

/** The overlay `part` was split from (itself when it was not split). */
export function splitFrom(part: RenderedOverlay): RenderedOverlay {
  return sources.get(part) ?? part;
}

/** One overlay's parts by the env its objects' namespaces name (the overlay itself when none moves). */
export function objectEnvParts(r: RenderedOverlay, envOrder: readonly string[]): RenderedOverlay[] {
  const known = splits.get(r);
  const order = envOrder.join('\0');
  if (known && known.env === r.overlay.env && known.order === order) return known.parts;
  const parts = split(r, envOrder);
  for (const part of parts) if (part !== r) sources.set(part, r);
  splits.set(r, { env: r.overlay.env, order, parts });
  return parts;
}

export function byObjectEnv(rendered: readonly RenderedOverlay[], envOrder: readonly string[]): RenderedOverlay[] {
  return rendered.flatMap((r) => objectEnvParts(r, envOrder));
}

function split(r: RenderedOverlay, envOrder: readonly string[]): RenderedOverlay[] {
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
  if (!moved) return [r];
  const out: RenderedOverlay[] = [];
  if (kept.length > 0) out.push({ ...r, resources: kept });
  for (const [env, resources] of moved) out.push({ ...r, overlay: { ...r.overlay, env }, resources });
  return out;
}
