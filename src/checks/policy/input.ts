/**
 * Builds the policy input for one overlay and maps violations back to findings: the resource they name (the
 * pipeline resolves its line) or, for the overlay's kustomization, the line of the path in that file.
 */
import { oversizedDocument } from '../../parse/budget.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import {
  KEPT_KUSTOMIZATION_FIELDS,
  keptKustomizationFields,
  readKustomization as parseKustomizationFile,
} from '../../discover/kustomization.js';
import { locateInDocument } from '../../parse/index.js';
import type { FindingInput, RenderedOverlay, Resource, Severity, Span } from '../../types.js';
import type { EnvPolicyInput, JsonInput, PolicyInput, Violation } from './engine.js';
import { joinedByNamespace, namespaceKeys } from './partition.js';
import { splitFrom } from '../../argo/object-env.js';

/** The overlay's own kustomization file, parsed with positions (null when unreadable: the render reports that). */
export interface KustomizationSource {
  file: string;
  /** The parsed object as JSON text: what the engine reads of it, ~20x smaller than the object held (issue 20). */
  json: string;
  /** The object, parsed from `json` on first use (the repo's own policies get objects). */
  readonly object: Record<string, unknown> | null;
  locate: (path: ReadonlyArray<string | number>) => Span | undefined;
}

/** `fields`: only these top-level fields of the object are kept (what the audited built-in rules read). */
export async function readKustomization(
  root: string,
  overlay: RenderedOverlay['overlay'],
  fields?: readonly string[],
): Promise<KustomizationSource | null> {
  if (!overlay.kustomizationFile) return null;
  const file =
    overlay.path === '.' || overlay.path === ''
      ? overlay.kustomizationFile
      : `${overlay.path}/${overlay.kustomizationFile}`;
  const abs = join(root, file);
  // The fields asked for as discovery's parse kept them; else the object from the walk's memoised parse (discovery
  // already read every kustomization, the memo keeps recent ones). Positions only when a violation asks for a line,
  // from a parse of the file with positions.
  const keptJson = sameFields(fields, KEPT_KUSTOMIZATION_FIELDS) ? keptKustomizationFields(abs) : undefined;
  const parsed = keptJson === undefined ? await parseKustomizationFile(abs) : undefined;
  if (parsed?.error) return null;
  let positions: { doc: Document.Parsed; lc: LineCounter } | null | undefined;
  const locate = (path: ReadonlyArray<string | number>): Span | undefined => {
    if (positions === undefined) {
      try {
        const lc = new LineCounter();
        const text = readFileSync(abs, 'utf8');
        // Too costly to parse with positions (parse/budget.ts): the finding goes without a line.
        positions = oversizedDocument(text)
          ? null
          : { doc: parseDocument(text, { lineCounter: lc, uniqueKeys: false }), lc };
      } catch {
        positions = null;
      }
    }
    return positions ? locateInDocument(positions.doc, positions.lc, path, file) : undefined;
  };
  // Kept as text: the policy check reads every overlay's kustomization while the overlays render and holds them
  // until its evaluation (policy/index.ts), where the built-in input is written as JSON anyway.
  const json =
    keptJson ?? JSON.stringify(fields && parsed?.object ? pick(parsed.object, fields) : (parsed?.object ?? null));
  let object: Record<string, unknown> | null | undefined;
  return {
    file,
    json,
    get object() {
      return (object ??= JSON.parse(json) as Record<string, unknown> | null);
    },
    locate,
  };
}

/** Whether `fields` names exactly `kept`, in order (then the kept JSON is what pick() would write). */
function sameFields(fields: readonly string[] | undefined, kept: readonly string[]): boolean {
  return fields !== undefined && fields.length === kept.length && fields.every((f, i) => f === kept[i]);
}

function pick(object: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (Object.prototype.hasOwnProperty.call(object, f)) out[f] = object[f];
  return out;
}

export function isAppProject(r: Resource): boolean {
  return r.id.kind === 'AppProject' && r.id.apiVersion.startsWith('argoproj.io/');
}

/** What an overlay's input says of the overlay itself, before its kustomization. */
function overlayHead(
  rendered: RenderedOverlay,
): Pick<PolicyInput['overlay'], 'path' | 'env' | 'layer' | 'app' | 'placedFrom'> {
  const o = rendered.overlay;
  // A part of an overlay whose objects name another env's namespace (argo/object-env.ts) is judged in that env;
  // `placedFrom` keeps the env the overlay itself deploys to (KFM-DP-004).
  const from = splitFrom(rendered).overlay.env;
  return {
    path: o.path,
    env: o.env,
    layer: o.layer,
    ...(o.app !== undefined ? { app: o.app } : {}),
    ...(from !== o.env ? { placedFrom: from } : {}),
  };
}

function overlayInput(rendered: RenderedOverlay, kustomization: KustomizationSource | null): PolicyInput['overlay'] {
  return {
    ...overlayHead(rendered),
    kustomization: kustomization?.object ?? null,
    kustomizationFile: kustomization?.file ?? null,
  };
}

/**
 * JSON.stringify(overlayInput(rendered, kustomization)), key for key, with the kustomization's own JSON text
 * spliced in rather than its object parsed and written again.
 */
function overlayJson(rendered: RenderedOverlay, kustomization: KustomizationSource | null): string {
  const head = JSON.stringify(overlayHead(rendered));
  const tail = `"kustomization":${kustomization?.json ?? 'null'},"kustomizationFile":${JSON.stringify(kustomization?.file ?? null)}}`;
  return head === '{}' ? `{${tail}` : `${head.slice(0, -1)},${tail}`;
}

/** One overlay's input (a repo's own policies keep this shape). */
export function buildInput(
  rendered: RenderedOverlay,
  kustomization: KustomizationSource | null,
  appProjects: Record<string, unknown>[],
  params: Record<string, unknown>,
): PolicyInput {
  return {
    overlay: overlayInput(rendered, kustomization),
    resources: rendered.resources.map((r) => r.object),
    run: { appProjects },
    params,
  };
}

/** The overlays one env deploys, evaluated together by the built-in policies. */
export interface EnvGroup {
  env: string;
  members: { rendered: RenderedOverlay; kustomization: KustomizationSource | null }[];
}

/**
 * Groups overlays by env (overlays that rendered nothing are left out: nothing to judge). Order follows the run,
 * so inputs, and therefore findings, are stable.
 */
export function groupByEnv(overlays: RenderedOverlay[]): { env: string; overlays: RenderedOverlay[] }[] {
  const groups = new Map<string, RenderedOverlay[]>();
  for (const rendered of overlays) {
    if (rendered.resources.length === 0) continue;
    const list = groups.get(rendered.overlay.env);
    if (list) list.push(rendered);
    else groups.set(rendered.overlay.env, [rendered]);
  }
  return [...groups].map(([env, list]) => ({ env, overlays: list }));
}

/**
 * Platform overlays (any layer but apps) are deployed to the cluster of every env: their objects (namespaces,
 * baseline default-deny policies, cluster roles) are context for another env's evaluation. They are judged in
 * their own env's evaluation only, so a finding is never reported twice.
 */
export function sharedContext(all: RenderedOverlay[], env: string): Record<string, unknown>[] {
  return sharedResources(all, env).map((r) => r.object);
}

/**
 * The same context as resources, in the same order: the check reads only the objects a part relates to.
 *
 * An env with platform overlays also gets the other envs' app objects of the kinds the rules join by
 * namespace (partition.ts joinedByNamespace: workloads, Services, Secrets, NetworkPolicies, routes…) in the
 * namespaces where its objects could open or reach something (namespacesInView). A platform overlay's NetworkPolicy,
 * Route or Service in an app namespace opens that namespace's stores as surely as the app's own: judged against
 * platform context alone, an allow-all NetworkPolicy that core/baseline put in kfm-prod passed (no store in view).
 * They are context, never judged; the partition keeps those sharing a namespace with a part.
 */
export function sharedResources(all: RenderedOverlay[], env: string): Resource[] {
  const out: Resource[] = [];
  // The env's own platform overlays, whether or not the env has app overlays too: an app overlay placed in the
  // platform overlay's env took the other envs' stores out of its view.
  const inView = namespacesInView(all.filter((r) => r.overlay.env === env));
  for (const rendered of all) {
    if (rendered.overlay.env === env) continue;
    if (rendered.overlay.layer !== 'apps') out.push(...rendered.resources);
    else if (inView.size > 0) {
      const { joined, homes } = joinedOf(rendered);
      let inside = 0;
      for (const home of homes) if (inView.has(home)) inside++;
      if (inside === homes.length) out.push(...joined);
      else if (inside > 0) for (const r of joined) if (inView.has(r.id.namespace ?? 'default')) out.push(r);
    }
  }
  return out;
}

/**
 * An app overlay's objects of the kinds the rules join by namespace, in order, and their distinct namespaces: most
 * app overlays sit in one namespace, so sharedResources takes all or none of them without a look at each object.
 * It runs once per env in each early policy round (up to 16) over every overlay rendered so far (issue 20).
 */
const joinedOfOverlay = new WeakMap<
  RenderedOverlay,
  { of: readonly Resource[]; joined: readonly Resource[]; homes: readonly string[] }
>();

function joinedOf(rendered: RenderedOverlay): { joined: readonly Resource[]; homes: readonly string[] } {
  const known = joinedOfOverlay.get(rendered);
  if (known?.of === rendered.resources) return known;
  const joined = rendered.resources.filter((r) => joinedByNamespace(r));
  const homes = [...new Set(joined.map((r) => r.id.namespace ?? 'default'))];
  const entry = { of: rendered.resources, joined, homes };
  joinedOfOverlay.set(rendered, entry);
  return entry;
}

/**
 * The namespaces whose other-env app objects an env's evaluation needs in view, from its objects of a kind the rules
 * join by namespace:
 * - a platform object's namespace and every namespace it names, where it could open an app's stores to someone; but
 *   not a NetworkPolicy that admits nothing (a default-deny: no ingress rule). Most platform overlays put only
 *   Namespaces, quotas and default-deny policies in app namespaces; giving those the app objects as context cost the
 *   medium bench repo ~60 MB of peak memory and 0.4 s of CPU for nothing a rule reads;
 * - for any object, apps included, the namespaces it names besides its own (an ExternalName Service's target, an
 *   FQDN EndpointSlice's addresses, an Istio VirtualService's destination hosts: partition.ts namespaceKeys): a dev
 *   Route to an ExternalName Service for `postgis.kfm-prod.svc` exposes prod's store, but with only dev's objects in
 *   view the chain ended at a name no rule knew as a store (exit 0). An env whose app objects stay in their own
 *   namespaces (the usual case) gets nothing more for them.
 */
function namespacesInView(own: readonly RenderedOverlay[]): Set<string> {
  const out = new Set<string>();
  for (const rendered of own) for (const key of overlayInView(rendered)) out.add(key);
  return out;
}

/**
 * One overlay's share of namespacesInView, made once for its resources: the early policy rounds ask for an env's
 * view each round (up to 16) while the overlays render, and walking every object of the env again each time was
 * ~5% of a cold check's node CPU on the medium bench repo (issue 20). An overlay whose resources were replaced
 * since (the Argo CD view, a split by env) gets it made again.
 */
const inViewOf = new WeakMap<RenderedOverlay, { of: readonly Resource[]; keys: readonly string[] }>();

export function overlayInView(rendered: RenderedOverlay): readonly string[] {
  const known = inViewOf.get(rendered);
  if (known?.of === rendered.resources) return known.keys;
  const out = new Set<string>();
  for (const r of rendered.resources) {
    if (!joinedByNamespace(r)) continue;
    const home = r.id.namespace ?? 'default';
    const opens = rendered.overlay.layer !== 'apps' && !admitsNothing(r);
    if (opens) out.add(home);
    for (const key of namespaceKeys(r.object)) if (opens || key !== home) out.add(key);
  }
  const keys = [...out];
  inViewOf.set(rendered, { of: rendered.resources, keys });
  return keys;
}

/** A NetworkPolicy without an ingress rule (a default-deny). */
function admitsNothing(r: Resource): boolean {
  if (r.id.kind !== 'NetworkPolicy') return false;
  const ingress = (r.object.spec as Record<string, unknown> | undefined)?.ingress;
  return !Array.isArray(ingress) || ingress.length === 0;
}

/**
 * A shared object as the built-in rules get it in context: a CustomResourceDefinition without its schemas
 * (`spec.versions[].schema`, v1beta1's `spec.validation`). The rules read a context CRD's kind, `spec.scope` and
 * `spec.names.kind` only (fk/apps_cluster_scoped.rego), and every rule that reads fields of context objects filters
 * by kind first; the schemas are nearly all of a CRD's bytes. Every part of every env gets the run's CRDs as context,
 * so they were written and parsed by the engine once per part: on redhat-cop/gitops-catalog 15.3 of the 16.4 MB of
 * policy input over 325 parts (issue 20). A CRD among a part's own resources is judged, and is given whole; a
 * bundle that is not the audited one (partition.ts AUDITED_POLICY_SOURCES) gets every context object whole.
 */
export function asContext(object: Record<string, unknown>): Record<string, unknown> {
  const spec = object.spec;
  if (object.kind !== 'CustomResourceDefinition' || !isRecord(spec)) return object;
  if (
    !('validation' in spec) &&
    !(Array.isArray(spec.versions) && spec.versions.some((v) => isRecord(v) && 'schema' in v))
  )
    return object;
  const { validation: _, ...rest } = spec;
  if (Array.isArray(spec.versions))
    rest.versions = spec.versions.map((v: unknown) => {
      if (!isRecord(v) || !('schema' in v)) return v;
      const { schema: __, ...version } = v;
      return version;
    });
  return { ...object, spec: rest };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A resource's JSON: a packed resource gives its bytes without making its object (run/pack.ts). */
function ownJson(r: Resource): Uint8Array {
  return r.json ? r.json() : Buffer.from(JSON.stringify(r.object), 'utf8');
}

/**
 * A context object's JSON (asContext), made once per resource: the same context objects go into many parts (a run's
 * ClusterRoles into every part of every env: 7.2 MB of JSON.stringify over redhat-cop/gitops-catalog's 325 parts).
 * A packed resource gives its pack's bytes instead (run/pack.ts keeps the recent ones): only the objects a run keeps
 * unpacked, its first few thousand resources, are written once and kept.
 */
const contextJsons = new WeakMap<Resource, Uint8Array>();

function contextJson(r: Resource): Uint8Array {
  const crd = r.id.kind === 'CustomResourceDefinition';
  if (!crd && r.json) return r.json();
  let json = contextJsons.get(r);
  if (!json) {
    json = Buffer.from(JSON.stringify(crd ? asContext(r.object) : r.object), 'utf8');
    contextJsons.set(r, json);
  }
  return json;
}

export function buildEnvInput(
  group: EnvGroup,
  shared: Record<string, unknown>[],
  appProjects: Record<string, unknown>[],
  params: Record<string, unknown>,
  /** The audited rules' context (asContext); false for a bundle that is not the audited one: objects whole. */
  audited = true,
): EnvPolicyInput {
  const overlays: PolicyInput['overlay'][] = [];
  const owners: number[] = [];
  const resources: Record<string, unknown>[] = [];
  group.members.forEach((m, k) => {
    overlays.push(overlayInput(m.rendered, m.kustomization));
    for (const r of m.rendered.resources) {
      owners.push(k);
      resources.push(r.object);
    }
  });
  return {
    env: group.env,
    overlays,
    owners,
    resources,
    shared: audited ? shared.map(asContext) : shared,
    run: { appProjects },
    params,
  };
}

/**
 * The same input as buildEnvInput(group, shared objects…), written as JSON from each resource's JSON (a packed
 * resource gives its bytes without making its object, run/pack.ts): key for key what JSON.stringify writes of the
 * EnvPolicyInput, which is what the engine reads of an object input.
 */
export function buildEnvInputJson(
  group: EnvGroup,
  shared: Resource[],
  appProjects: Record<string, unknown>[],
  params: Record<string, unknown>,
  audited = true,
): JsonInput & Pick<EnvPolicyInput, 'owners'> {
  const owners: number[] = [];
  const chunks: Uint8Array[] = [];
  const text = (s: string): void => {
    chunks.push(Buffer.from(s, 'utf8'));
  };
  const list = (resources: Iterable<Resource>, json: (r: Resource) => Uint8Array): void => {
    let first = true;
    for (const r of resources) {
      if (!first) text(',');
      first = false;
      chunks.push(json(r));
    }
  };
  const overlays: string[] = [];
  group.members.forEach((m, k) => {
    overlays.push(overlayJson(m.rendered, m.kustomization));
    for (let i = 0; i < m.rendered.resources.length; i++) owners.push(k);
  });
  text(`{"env":${JSON.stringify(group.env)},"overlays":[${overlays.join(',')}],"owners":${JSON.stringify(owners)}`);
  text(',"resources":[');
  list(
    group.members.flatMap((m) => m.rendered.resources),
    ownJson,
  );
  text('],"shared":[');
  list(shared, audited ? contextJson : ownJson);
  text(`],"run":${JSON.stringify({ appProjects })},"params":${JSON.stringify(params)}}`);
  let size = 0;
  for (const c of chunks) size += c.length;
  const json = new ArrayBuffer(size);
  const into = new Uint8Array(json);
  let at = 0;
  for (const c of chunks) {
    into.set(c, at);
    at += c.length;
  }
  return { json, resourceCount: owners.length, owners };
}

/**
 * Maps a violation of an env evaluation back to its overlay: the owner of the resource it names, or the overlay
 * whose kustomization file it points into. Undefined when it names neither (the engine already refused that).
 */
export function locateInGroup(
  v: Violation,
  group: EnvGroup,
  input: Pick<EnvPolicyInput, 'owners'>,
): { rendered: RenderedOverlay; kustomization: KustomizationSource | null; local: Violation } | undefined {
  if (v.resource !== undefined) {
    const owner = input.owners[v.resource];
    const member = group.members[owner];
    let first = 0;
    for (let k = 0; k < owner; k++) first += group.members[k].rendered.resources.length;
    return { ...member, local: { ...v, resource: v.resource - first } };
  }
  const member = group.members.find((m) => m.kustomization?.file === v.file);
  return member ? { ...member, local: v } : undefined;
}

export function toFinding(
  v: Violation,
  rendered: RenderedOverlay,
  kustomization: KustomizationSource | null,
  severityOf: (id: string) => Severity | undefined,
): FindingInput {
  const finding: FindingInput = { ruleId: v.id, message: v.msg, overlay: rendered.overlay.path, path: v.path };
  const severity = severityOf(v.id);
  if (severity) finding.severity = severity;
  if (v.resource !== undefined) {
    finding.resource = rendered.resources[v.resource];
  } else if (v.file !== undefined) {
    finding.file = v.file;
    const span = kustomization && kustomization.file === v.file ? kustomization.locate(v.path) : undefined;
    if (span) {
      finding.line = span.line;
      finding.column = span.column;
    }
  }
  return finding;
}
