/**
 * Argo CD's parameter override files: before it renders a source, Argo CD's repo server merges `.argocd-source.yaml`
 * and then `.argocd-source-<application name>.yaml` from the source's folder into the Application's source, as JSON
 * merge patches (reposerver/repository/repository.go mergeSourceParameters; Argo CD Image Updater's git write-back
 * writes them). Everything but `repoURL`, `path`, `targetRevision` and `chart` may be set there: `kustomize` overrides
 * (an image tag, a patch), Helm values, `directory` settings, a `plugin`. Unread, such a file committed beside a prod
 * overlay deployed `:latest` or a privileged patch while the check passed (exit 0). Here each deployment of this
 * repository gets its source merged as Argo CD merges it; what cannot be merged exactly is a guard finding.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { join, posix } from 'node:path';
import { RENDER_SOURCE_NOT_EVALUABLE } from '../rules/render.js';
import type { FindingInput } from '../types.js';
import { runFacts } from '../util/file-facts.js';
import { toRepoPath } from '../util/paths.js';
import { readRepoText } from '../util/safe-read.js';
import * as yaml from 'yaml';
import { directoryOf, positioned, type ArgoDeployment, type ArgoView } from './applications.js';
import { resolveSource } from './directory.js';
import { keyLinesOf } from './overrides.js';
import { isThisRepo } from './repo.js';

/** Read for every application deploying the folder. */
export const REPO_SOURCE_FILE = '.argocd-source.yaml';
/** Read for the application of that name (its instance name: `<namespace>_<name>` outside Argo CD's own namespace). */
const appSourceFile = (app: string): string => `.argocd-source-${app}.yaml`;
/** Larger override files are not read (an override file is a few lines). */
const MAX_SOURCE_FILE_BYTES = 1024 * 1024;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The fields of ApplicationSource as Go's encoding/json decodes them: a key matches a field whatever its case (and
 * with Unicode's simple folds: `ſ` is `s`, the Kelvin sign `k`). Leaves are `true`; `[x]` is a list of x; a plain
 * object is a struct. Maps with free keys (labels, values, options) are leaves.
 */
type Shape = true | Shape[] | { [field: string]: Shape };
const TARGET: Shape = {
  group: true,
  version: true,
  kind: true,
  name: true,
  namespace: true,
  labelSelector: true,
  annotationSelector: true,
};
const SOURCE_SHAPE: Shape = {
  repoURL: true,
  path: true,
  targetRevision: true,
  chart: true,
  ref: true,
  name: true,
  helm: {
    valueFiles: true,
    parameters: [{ name: true, value: true, forceString: true }],
    releaseName: true,
    values: true,
    fileParameters: [{ name: true, path: true }],
    version: true,
    passCredentials: true,
    ignoreMissingValueFiles: true,
    skipCrds: true,
    skipSchemaValidation: true,
    skipTests: true,
    valuesObject: true,
    namespace: true,
    kubeVersion: true,
    apiVersions: true,
  },
  kustomize: {
    namePrefix: true,
    nameSuffix: true,
    images: true,
    commonLabels: true,
    version: true,
    commonAnnotations: true,
    forceCommonLabels: true,
    forceCommonAnnotations: true,
    namespace: true,
    commonAnnotationsEnvsubst: true,
    replicas: [{ name: true, count: true }],
    patches: [{ path: true, patch: true, target: TARGET, options: true }],
    components: true,
    labelWithoutSelector: true,
    labelIncludeTemplates: true,
    kubeVersion: true,
    apiVersions: true,
    ignoreMissingComponents: true,
  },
  directory: {
    recurse: true,
    jsonnet: {
      extVars: [{ name: true, value: true, code: true }],
      tlas: [{ name: true, value: true, code: true }],
      libs: true,
    },
    exclude: true,
    include: true,
  },
  plugin: {
    name: true,
    env: [{ name: true, value: true }],
    parameters: true,
  },
};

const fold = (key: string): string =>
  key
    .replace(/\u017f/g, 's')
    .replace(/\u212a/g, 'k')
    .toLowerCase();

/**
 * `patch` with every key that Go would decode into a field spelled as the field is (`Kustomize` → `kustomize`), or
 * the path of a spelling that cannot be merged exactly: Argo CD merges the patch as JSON (case-sensitive) and then
 * decodes keys case-insensitively, so `Kustomize` beside the source's own `kustomize` combines the two in an order
 * of its own. Keys that name no field are kept (Go ignores them; the readers here refuse what they do not know).
 */
function canonical(patch: unknown, base: unknown, shape: Shape, at: string): { value: unknown } | { clash: string } {
  if (shape === true || patch === null || typeof patch !== 'object') return { value: patch };
  if (Array.isArray(shape)) {
    if (!Array.isArray(patch)) return { value: patch };
    const out: unknown[] = [];
    for (const [i, item] of patch.entries()) {
      const c = canonical(item, undefined, shape[0], `${at}[${i}]`);
      if ('clash' in c) return c;
      out.push(c.value);
    }
    return { value: out };
  }
  if (!isObj(patch)) return { value: patch };
  const fields = new Map(Object.keys(shape).map((f) => [fold(f), f]));
  const out: Obj = {};
  const seen = new Map<string, string>();
  for (const k of isObj(base) ? Object.keys(base) : []) seen.set(fold(k), k);
  const own = new Set<string>();
  for (const [key, value] of Object.entries(patch)) {
    const field = fields.get(fold(key));
    const name = field ?? key;
    const where = at === '' ? key : `${at}.${key}`;
    const other = seen.get(fold(key));
    // Two spellings of one field at one level (in the patch, or the patch's beside the source's own).
    if ((other !== undefined && other !== key) || own.has(fold(key))) return { clash: where };
    own.add(fold(key));
    if (field === undefined) {
      out[key] = value;
      continue;
    }
    const c = canonical(value, isObj(base) ? base[field] : undefined, (shape as Record<string, Shape>)[field], where);
    if ('clash' in c) return c;
    out[name] = c.value;
  }
  return { value: out };
}

/** RFC 7396 JSON merge patch (evanphx/json-patch MergePatch, as Argo CD applies the files). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface SourceFilesResult {
  view: ArgoView;
  /** Root-relative override files read: inputs of the Argo CD side (a change to one re-checks every source). */
  files: string[];
  findings: FindingInput[];
}

type Read = { kind: 'none' } | { kind: 'patch'; value: unknown; text: string } | { kind: 'bad'; why: string };

/** One override file of a folder: missing or a folder (Argo CD skips both), its merge patch, or why not. */
function readSourceFile(root: string, file: string): Read {
  const abs = join(root, file);
  let isLink: boolean;
  try {
    const st = lstatSync(abs);
    if (st.isDirectory()) return { kind: 'none' };
    isLink = st.isSymbolicLink();
  } catch {
    return { kind: 'none' };
  }
  let text: string;
  try {
    // Argo CD reads through a link only inside the repository (it refuses a checkout with one leading out).
    if (isLink) {
      const real = realpathSync(abs);
      if (toRepoPath(realpathSync(root), real) === undefined)
        return { kind: 'bad', why: 'it is a link out of the checked root' };
      if (lstatSync(real).isDirectory()) return { kind: 'none' };
    }
    text = readRepoText(abs, MAX_SOURCE_FILE_BYTES);
  } catch (err) {
    return { kind: 'bad', why: `it cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  // Argo CD converts it with sigs.k8s.io/yaml (go-yaml v2: YAML 1.1, `yes` is true, merge keys) and takes its first
  // document; anything this reader cannot take the same way (several documents, a repeated key) is not guessed.
  const { parseAllDocuments } = yaml;
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > 1) return { kind: 'bad', why: 'it holds more than one YAML document' };
  const doc = list[0];
  if (doc && doc.errors.length > 0) return { kind: 'bad', why: 'it is not valid YAML' };
  const value = doc ? (doc.toJS({ maxAliasCount: 20 }) as unknown) : null;
  // No content merges nothing; anything but a mapping replaces the source and fails Argo CD's decoding.
  if (value === null || value === undefined) return { kind: 'none' };
  if (!isObj(value)) return { kind: 'bad', why: 'it is not a mapping of source fields' };
  return { kind: 'patch', value, text };
}

/**
 * The view with each deployment's source merged with the override files of its folder, as Argo CD merges them; the
 * files read, and findings for files that cannot be merged exactly (their deployments are left out: not checked as
 * if the file were not there).
 */
export function applySourceFiles(root: string, view: ArgoView): SourceFilesResult {
  const files = new Set<string>();
  const findings: FindingInput[] = [];
  const reported = new Set<string>();
  const listing = new Map<string, string[]>();
  const reads = new Map<string, Read>();
  const report = (file: string, message: string, line = 1): void => {
    if (reported.has(file)) return;
    reported.add(file);
    findings.push({ ruleId: RENDER_SOURCE_NOT_EVALUABLE, message, file, line });
  };
  const deployments: ArgoDeployment[] = [];
  for (const d of view.deployments) {
    if (
      isThisRepo(view.identity, d.repoURL) === false ||
      d.sourcePath.includes('{{') ||
      typeof d.source?.chart === 'string'
    ) {
      deployments.push(d);
      continue;
    }
    const resolved = resolveSource(root, view.identity, d.sourcePath);
    if (!('dir' in resolved)) {
      deployments.push(d); // reported or listed as not checked by planArgoSources
      continue;
    }
    const dir = resolved.dir;
    let names = listing.get(dir);
    if (names === undefined) {
      // The run's listing of the folder (the walks listed most deployed folders already): no new read per source.
      names = (runFacts().list(join(root, dir)) ?? []).map((e) => e.name).filter((n) => n.startsWith('.argocd-source'));
      listing.set(dir, names);
    }
    if (names.length === 0) {
      deployments.push(d);
      continue;
    }
    const rel = (name: string): string => (dir === '.' ? name : posix.join(dir, name));
    const app = d.appName;
    // A generated Application whose name kfm-gitops does not evaluate (a template function): which of the folder's
    // per-application files Argo CD reads for it is not known.
    const perApp = names.find((n) => n !== REPO_SOURCE_FILE && n.startsWith('.argocd-source-') && n.endsWith('.yaml'));
    if ((app === undefined || app.includes('{{')) && perApp !== undefined) {
      files.add(rel(perApp));
      report(
        rel(perApp),
        `${rel(perApp)} may set the source of an Application ${d.kind} ${d.name} (${d.file}) makes, whose name is a template expression kfm-gitops does not evaluate: what it deploys from ${dir} is not checked`,
      );
      continue;
    }
    // An Application outside Argo CD's own namespace reads `.argocd-source-<namespace>_<name>.yaml` (its instance
    // name); which namespace that is, is Argo CD's installation's to say: such a file is not guessed at.
    const instance = app !== undefined ? names.find((n) => n.endsWith(`_${app}.yaml`)) : undefined;
    if (instance !== undefined) {
      files.add(rel(instance));
      report(
        rel(instance),
        `${rel(instance)} sets the source of Application ${app} (${d.file}) when Argo CD runs it outside its own namespace: which parameters Argo CD merges into it is not known here, so what it deploys from ${dir} is not checked; put the overrides in the Application`,
      );
      continue;
    }
    const own = [REPO_SOURCE_FILE, ...(app !== undefined && !app.includes('/') ? [appSourceFile(app)] : [])].filter(
      (n) => names.includes(n),
    );
    let source: unknown = d.source ?? {};
    let last: { file: string; value: Obj; text: string } | undefined;
    let failed = false;
    for (const name of own) {
      const file = rel(name);
      let got = reads.get(file);
      if (got === undefined) reads.set(file, (got = readSourceFile(root, file)));
      if (got.kind === 'none') continue;
      files.add(file);
      if (got.kind === 'bad') {
        report(
          file,
          `${file}: Argo CD merges this file into the source of what it deploys from ${dir}, but ${got.why}: what it deploys from there is not checked`,
        );
        failed = true;
        break;
      }
      const c = canonical(got.value, source, SOURCE_SHAPE, '');
      if ('clash' in c) {
        report(
          file,
          `${file}: the key ${c.clash} is spelled so that Argo CD combines it with another spelling of the same field in an order kfm-gitops does not reproduce: what it deploys from ${dir} is not checked; spell source fields as Argo CD documents them`,
        );
        failed = true;
        break;
      }
      source = mergePatch(source, c.value);
      last = { file, value: c.value as Obj, text: got.text };
    }
    if (failed) continue;
    if (last === undefined) {
      deployments.push(d);
      continue;
    }
    // Only the tools' settings are taken from the files: Argo CD restores where the source comes from.
    const merged: Obj = isObj(source) ? { ...source } : {};
    for (const key of ['repoURL', 'path', 'targetRevision', 'chart'] as const) {
      if (d.source?.[key] === undefined) delete merged[key];
      else merged[key] = d.source[key];
    }
    const { directory: _old, ...rest } = d;
    void _old;
    const directory = directoryOf(merged);
    deployments.push({
      ...rest,
      source: merged,
      ...(directory ? { directory } : {}),
      keyFile: last.file,
      keyLines: keyLinesIn(last.text, last.value) ?? {},
    });
  }
  return { view: { ...view, deployments }, files: [...files].sort(), findings };
}

/** Lines of the override keys an override file sets, in that file. */
function keyLinesIn(text: string, value: Obj): Record<string, number> | undefined {
  const { LineCounter, parseDocument } = yaml;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', merge: true });
  const lined = positioned(doc, lc, 0);
  // Keys were respelled as Argo CD reads them: a line is looked up by the spelling the file uses.
  const spelled = (path: (string | number)[]): (string | number)[] => {
    const out: (string | number)[] = [];
    let node: unknown = lined.value;
    for (const p of path) {
      const key = isObj(node) ? (Object.keys(node).find((k) => fold(k) === fold(String(p))) ?? p) : p;
      out.push(key);
      node = isObj(node) ? node[key as string] : undefined;
    }
    return out;
  };
  return keyLinesOf(value, (p) => lined.keyLineOf(spelled(p)));
}
