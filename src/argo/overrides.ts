/**
 * Argo CD's sync-time kustomize overrides (`source.kustomize`), read from an Application source and turned into the
 * kustomization that applies them on top of the source folder. Pure: no file access; the render module
 * (render/argo-overrides.ts) reads what a patch file or the folder's own kustomization holds and writes the result.
 *
 * Argo CD applies the overrides by editing a temporary copy of the source folder's kustomization (`kustomize edit set
 * image/nameprefix/namespace/replicas`, `edit add label/annotation/component`, appending `patches`). kfm-gitops never
 * copies or edits the repository: it builds a wrapper kustomization whose only resource is the source folder and that
 * carries the overrides. The result is the same object set for what the checks look at; where the two differ, the
 * wrapper is made to act like the edit:
 * - images: `edit set image X` REPLACES the folder's own `images:` entry named X (a digest there is dropped by a
 *   tag override). The folder's transformer has already renamed X in the wrapper's input, so the wrapper entry
 *   matches the name the folder produced and sets what the replaced entry would have produced.
 * - namePrefix/nameSuffix: the edit replaces the folder's own prefix; the wrapper adds to it (names only; noted).
 * - An image override that leaves the replaced entry without its tag or digest brings back the manifests' own tag,
 *   which the wrapper cannot see: not rendered, reported (tagsFromManifests).
 */
import * as yaml from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Keys of a source whose line a finding may be placed on, as dotted paths under the source. */
export const OVERRIDE_KEYS = ['kustomize', 'kustomize.images', 'kustomize.patches', 'helm'] as const;

/** Lines of the override keys present in `source`, through the manifest's line lookup. */
export function keyLinesOf(
  source: unknown,
  lineOf: (path: (string | number)[]) => number,
): Record<string, number> | undefined {
  if (!isObj(source)) return undefined;
  const out: Record<string, number> = {};
  for (const key of OVERRIDE_KEYS) {
    const path = key.split('.');
    let v: unknown = source;
    for (const p of path) v = isObj(v) ? v[p] : undefined;
    if (v !== undefined && v !== null) out[key] = lineOf(path);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface PatchOverride {
  /** Inline patch text. */
  patch?: string;
  /** A patch file, relative to the source folder (inlined by the render module; remote refused). */
  path?: string;
  target?: Obj;
  options?: Obj;
}

export interface KustomizeOverride {
  images: ImageEntry[];
  patches: PatchOverride[];
  /** Component folders, relative to the source folder. */
  components: string[];
  replicas: { name: string; count: number }[];
  namePrefix?: string;
  nameSuffix?: string;
  namespace?: string;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  /** `labelWithoutSelector`: labels go on metadata only (and templates with labelIncludeTemplates). */
  labelWithoutSelector?: boolean;
  labelIncludeTemplates?: boolean;
  /** A component folder that does not exist is left out (Argo CD's ignoreMissingComponents), not an error. */
  ignoreMissingComponents?: boolean;
}

/** Fields of `source.kustomize` that do not change what is rendered here (or only pick the kustomize binary). */
const NEUTRAL = new Set(['version', 'kubeVersion', 'apiVersions', 'forceCommonLabels', 'forceCommonAnnotations']);
const HANDLED = new Set([
  'images',
  'patches',
  'components',
  'replicas',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'commonAnnotations',
  'labelWithoutSelector',
  'labelIncludeTemplates',
  'ignoreMissingComponents',
  'commonAnnotationsEnvsubst',
]);

/** `kustomize edit set image` argument forms: `name[:tag|@digest]`, `name=newName[:tag|@digest]` (setimage.go). */
export function parseImageArg(arg: string): ImageEntry | undefined {
  const overwrite = (s: string, renaming: boolean): { name: string; tag?: string; digest?: string } | undefined => {
    const at = s.indexOf('@');
    if (at >= 0) return { name: s.slice(0, at), digest: s.slice(at + 1) };
    const m = /^(.*):([a-zA-Z0-9._-]*|\*)$/.exec(s);
    if (m) return { name: m[1], tag: m[2] };
    return renaming && s !== '' ? { name: s } : undefined;
  };
  const eq = arg.split('=');
  if (eq.length === 2) {
    const p = overwrite(eq[1], true);
    if (!p || eq[0] === '') return undefined;
    return clean({ name: eq[0], newName: p.name, newTag: p.tag, digest: p.digest });
  }
  const p = overwrite(arg, false);
  return p && p.name !== '' ? clean({ name: p.name, newTag: p.tag, digest: p.digest }) : undefined;
}

function clean(e: ImageEntry): ImageEntry {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined && v !== '')) as ImageEntry;
}

export interface OverrideProblem {
  /** `remote`: refused without the network; `invalid`: malformed or not supported. */
  kind: 'remote' | 'invalid';
  message: string;
  /** Override key the problem is about (for its line). */
  key: (typeof OVERRIDE_KEYS)[number];
}

/** The overrides of `source.kustomize`, or undefined when it sets none; malformed entries are problems. */
export function readKustomizeOverride(source: unknown): {
  override?: KustomizeOverride;
  problems: OverrideProblem[];
} {
  const problems: OverrideProblem[] = [];
  const k = isObj(source) ? source.kustomize : undefined;
  if (!isObj(k)) return { problems };
  const invalid = (message: string, key: OverrideProblem['key'] = 'kustomize'): void => {
    problems.push({ kind: 'invalid', message, key });
  };
  for (const key of Object.keys(k))
    if (!HANDLED.has(key) && !NEUTRAL.has(key))
      invalid(`source.kustomize.${key} is not applied by kfm-gitops, so what Argo CD renders cannot be checked`);
  if (k.commonAnnotationsEnvsubst === true)
    invalid('source.kustomize.commonAnnotationsEnvsubst substitutes values known only at sync time');
  const o: KustomizeOverride = { images: [], patches: [], components: [], replicas: [] };
  for (const raw of Array.isArray(k.images) ? k.images : []) {
    const e = typeof raw === 'string' ? parseImageArg(raw) : undefined;
    if (!e)
      invalid(`source.kustomize.images entry ${JSON.stringify(raw)} is not a valid image override`, 'kustomize.images');
    else if (/\$\{?[A-Z_]/.test(typeof raw === 'string' ? raw : ''))
      invalid(`source.kustomize.images entry ${JSON.stringify(raw)} uses sync-time variables`, 'kustomize.images');
    else o.images.push(e);
  }
  for (const raw of Array.isArray(k.patches) ? k.patches : []) {
    if (!isObj(raw) || (str(raw.patch) === undefined && str(raw.path) === undefined)) {
      invalid('a source.kustomize.patches entry has neither `patch` nor `path`', 'kustomize.patches');
      continue;
    }
    o.patches.push({
      ...(str(raw.patch) ? { patch: raw.patch as string } : {}),
      ...(str(raw.path) ? { path: raw.path as string } : {}),
      ...(isObj(raw.target) ? { target: raw.target } : {}),
      ...(isObj(raw.options) ? { options: raw.options } : {}),
    });
  }
  for (const raw of Array.isArray(k.components) ? k.components : []) {
    if (str(raw)) o.components.push(raw as string);
    else invalid(`source.kustomize.components entry ${JSON.stringify(raw)} is not a path`);
  }
  for (const raw of Array.isArray(k.replicas) ? k.replicas : []) {
    const count = isObj(raw) ? Number(raw.count) : NaN;
    if (!isObj(raw) || !str(raw.name) || !Number.isInteger(count) || count < 0)
      invalid(`source.kustomize.replicas entry ${JSON.stringify(raw)} needs a name and a whole count`);
    else o.replicas.push({ name: raw.name as string, count });
  }
  for (const key of ['namePrefix', 'nameSuffix', 'namespace'] as const) if (str(k[key])) o[key] = k[key] as string;
  for (const key of ['commonLabels', 'commonAnnotations'] as const) {
    if (k[key] === undefined || k[key] === null) continue;
    if (!isObj(k[key])) invalid(`source.kustomize.${key} is not a map`);
    else o[key] = Object.fromEntries(Object.entries(k[key] as Obj).map(([a, b]) => [a, String(b)]));
  }
  if (k.labelWithoutSelector === true) o.labelWithoutSelector = true;
  if (k.labelIncludeTemplates === true) o.labelIncludeTemplates = true;
  if (k.ignoreMissingComponents === true) o.ignoreMissingComponents = true;
  const sets =
    o.images.length + o.patches.length + o.components.length + o.replicas.length > 0 ||
    ['namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'commonAnnotations'].some(
      (key) => o[key as keyof KustomizeOverride] !== undefined,
    );
  return { ...(sets ? { override: o } : {}), problems };
}

/**
 * The wrapper's `images:` entries: each override replaces the folder's own entry of the same name (edit set image),
 * so it must match the name that entry produced in the folder's output, and produce what the replacing entry would.
 * `*` keeps the replaced entry's field (kustomize's preserve separator).
 */
export function wrapperImages(overrides: ImageEntry[], own: ImageEntry[]): ImageEntry[] {
  return overrides.map((o) => {
    const existing = own.find((e) => e.name === o.name);
    const keep = (field: 'newName' | 'newTag' | 'digest'): string | undefined =>
      o[field] === '*' ? existing?.[field] : o[field];
    const produced = existing?.newName ?? o.name;
    const newName = keep('newName') ?? o.name;
    const digest = keep('digest');
    const newTag = digest ? undefined : keep('newTag');
    return clean({ name: produced, newName, newTag, digest });
  });
}

/**
 * The overrides that leave the folder's own entry of their name without a tag or digest where it had one
 * (`name=newName`, `name:*` over a digest): Argo CD then deploys the tag the manifests carry, which the wrapper
 * cannot see (the folder's own entry already replaced it in the wrapper's input). Rendered with the folder's pin,
 * `kfm-api=evil/kfm-api` over a digest-pinned prod overlay passed as pinned while Argo CD deployed `evil/kfm-api:1.8.0`.
 */
export function tagsFromManifests(overrides: ImageEntry[], own: ImageEntry[]): ImageEntry[] {
  return overrides.filter((o) => {
    const existing = own.find((e) => e.name === o.name);
    if (!existing?.digest && !existing?.newTag) return false;
    const keep = (field: 'newTag' | 'digest'): string | undefined => (o[field] === '*' ? existing[field] : o[field]);
    return !keep('digest') && !keep('newTag');
  });
}

/** The wrapper kustomization's text; `source` and `components` are paths relative to the wrapper's folder. */
export function wrapperKustomization(
  o: KustomizeOverride,
  paths: { source: string; components: string[]; patches: PatchOverride[]; images: ImageEntry[] },
): string {
  const k: Obj = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [paths.source],
  };
  if (paths.components.length > 0) k.components = paths.components;
  if (o.namePrefix) k.namePrefix = o.namePrefix;
  if (o.nameSuffix) k.nameSuffix = o.nameSuffix;
  if (o.namespace) k.namespace = o.namespace;
  if (o.commonLabels) {
    if (o.labelWithoutSelector)
      k.labels = [
        { pairs: o.commonLabels, includeSelectors: false, includeTemplates: o.labelIncludeTemplates === true },
      ];
    else k.commonLabels = o.commonLabels;
  }
  if (o.commonAnnotations) k.commonAnnotations = o.commonAnnotations;
  if (paths.patches.length > 0) k.patches = paths.patches;
  if (paths.images.length > 0) k.images = paths.images;
  if (o.replicas.length > 0) k.replicas = o.replicas;
  return `# generated by kfm-gitops: an Argo CD Application's source.kustomize overrides; not a user file\n${yaml.stringify(k)}`;
}
