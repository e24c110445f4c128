/**
 * KFM-ARGO-004 (prod Applications sync manually) for the Applications an ApplicationSet generates, judged on what
 * its generators evaluate to. The policy (policies/argo/prod_automated_sync.rego) only sees the ApplicationSet as
 * written: its template text, list elements and git directory patterns. A git directories generator over every
 * app's overlays (`apps/<any>/overlays/<any>`) with `namespace: "kfm-{{path.basename}}"`, or a git files generator whose parameter files
 * say `namespace: kfm-prod`, generates prod Applications that sync automatically and none of those reads "prod".
 * The generators are evaluated here anyway (applications.ts: the folders they deploy are rendered), so each
 * generated Application is judged by the policy's own tests on its substituted destination, labels and paths.
 * An ApplicationSet the policy already reports is left to it (one finding, not two).
 */
import { ARGO_PROD_AUTOSYNC } from '../rules/policy.js';

type Obj = Record<string, unknown>;

/**
 * The `generator` of the Argo view's entries about generated prod Applications syncing automatically (KFM-ARGO-004,
 * or not judged): a run whose config allows automated prod sync (`policy.allowAutomatedProd`) drops them.
 */
export const PROD_SYNC_GENERATOR = 'syncPolicy';

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `automated: {}` turns automation on; Argo CD 3 can also keep the block with `enabled: false` (as the policy). */
export function syncsAutomatically(syncPolicy: unknown): boolean {
  return isObject(syncPolicy) && isObject(syncPolicy.automated) && syncPolicy.automated.enabled !== false;
}

/** The policy's `prod_value`: `prod`, ending in `-prod`, or with a `prod` path segment. */
function prodValue(s: unknown): boolean {
  return typeof s === 'string' && (s === 'prod' || s.endsWith('-prod') || s.split('/').includes('prod'));
}

/** Where an Application (metadata, spec) says it is prod, as the policy's `prod_app` reads it; undefined if not. */
export function prodReason(meta: unknown, spec: unknown): string | undefined {
  const m = isObject(meta) ? meta : {};
  const s = isObject(spec) ? spec : {};
  const destination = isObject(s.destination) ? s.destination : {};
  if (prodValue(destination.namespace)) return `destination namespace ${String(destination.namespace)}`;
  if (prodValue(destination.name)) return `destination cluster ${String(destination.name)}`;
  const labels = isObject(m.labels) ? m.labels : {};
  if (labels['kfm.dev/env'] === 'prod') return 'label kfm.dev/env=prod';
  const paths = [
    isObject(s.source) ? s.source.path : undefined,
    ...(Array.isArray(s.sources) ? s.sources.map((x) => (isObject(x) ? x.path : undefined)) : []),
  ];
  const path = paths.find(prodValue);
  return path !== undefined ? `source path ${String(path)}` : undefined;
}

/**
 * The fields that say whether a generated Application is prod and are still a template expression after
 * substitution (a Go template function kfm-gitops does not evaluate). Source paths are not among them: a path
 * left a template expression is already KFM-RENDER-024 (directory.ts).
 */
export function unjudgedProdFields(meta: unknown, spec: unknown): string[] {
  const m = isObject(meta) ? meta : {};
  const s = isObject(spec) ? spec : {};
  const destination = isObject(s.destination) ? s.destination : {};
  const labels = isObject(m.labels) ? m.labels : {};
  const open = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');
  return [
    ...(open(destination.namespace) ? ['destination.namespace'] : []),
    ...(open(destination.name) ? ['destination.name'] : []),
    ...(open(labels['kfm.dev/env']) ? ['labels kfm.dev/env'] : []),
  ];
}

/**
 * Whether the policy reports this ApplicationSet itself (`prod_appset` with an automated template): its template as
 * written looks prod, a list element (top level or one level inside matrix/merge) has a prod value, or a git
 * directories entry has a prod segment.
 */
export function policyReportsAppSet(spec: Obj): boolean {
  const template = isObject(spec.template) ? spec.template : {};
  const tspec = isObject(template.spec) ? template.spec : {};
  if (!syncsAutomatically(tspec.syncPolicy)) return false;
  if (prodReason(template.metadata, tspec) !== undefined) return true;
  const top = Array.isArray(spec.generators) ? spec.generators : [];
  const nested = top.flatMap((g) =>
    ['matrix', 'merge'].flatMap((k) =>
      isObject(g) && isObject(g[k]) && Array.isArray(g[k].generators) ? (g[k].generators as unknown[]) : [],
    ),
  );
  return [...top, ...nested].some((g) => {
    if (!isObject(g)) return false;
    const list = isObject(g.list) && Array.isArray(g.list.elements) ? g.list.elements : [];
    if (list.some((e) => isObject(e) && Object.values(e).some(prodValue))) return true;
    const dirs = isObject(g.git) && Array.isArray(g.git.directories) ? g.git.directories : [];
    return dirs.some((d) => isObject(d) && d.exclude !== true && prodValue(d.path));
  });
}

/** Generated prod Applications remembered for the message (an ApplicationSet may make thousands). */
const MAX_PROD = 100;

/** What one ApplicationSet's generated Applications add up to for KFM-ARGO-004. */
export class GeneratedProdSync {
  /** Distinct "name (reason)" of the generated prod Applications that sync automatically. */
  private readonly prod = new Set<string>();
  private readonly unjudged = new Set<string>();

  constructor(private readonly skip: boolean) {}

  /** One generated Application: its name and its metadata/spec with the generator's parameters substituted. */
  add(appName: unknown, meta: unknown, spec: unknown): void {
    if (this.skip) return;
    const s = isObject(spec) ? spec : {};
    if (!syncsAutomatically(s.syncPolicy)) return;
    const reason = prodReason(meta, s);
    if (reason !== undefined) {
      if (this.prod.size < MAX_PROD) this.prod.add(`${typeof appName === 'string' ? appName : '?'} (${reason})`);
      return;
    }
    for (const f of unjudgedProdFields(meta, s)) this.unjudged.add(f);
  }

  /** The finding, when there is one: prod Applications that sync automatically, or fields that could not be judged. */
  result(name: string): { kind: 'prod' | 'unjudged'; message: string } | undefined {
    if (this.prod.size > 0) {
      const named = [...this.prod];
      const shown = named.slice(0, 3).join(', ');
      const more =
        named.length > 3 ? ` and ${named.length - 3 === MAX_PROD - 3 ? 'more' : `${named.length - 3} more`}` : '';
      return {
        kind: 'prod',
        message: `ApplicationSet ${name} generates prod Applications that sync automatically: ${shown}${more}, as its generators evaluate`,
      };
    }
    if (this.unjudged.size > 0)
      return {
        kind: 'unjudged',
        message: `ApplicationSet ${name}: the Applications it makes sync automatically and their ${[...this.unjudged].join(', ')} is a template expression kfm-gitops does not evaluate; whether they are prod (${ARGO_PROD_AUTOSYNC}) is not checked`,
      };
    return undefined;
  }
}
