/**
 * What Argo CD deploys, read from the Application and ApplicationSet manifests under the root: each source path with
 * its repository, destination namespace and the manifest line that says so. ApplicationSet generators are evaluated
 * where their output is in this repository (generators.ts: list, git over this repository, matrix/merge); the others
 * (cluster, SCM provider, pull request, another repository's git) depend on the world outside and are returned as not
 * evaluable, never guessed.
 */
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { KUSTOMIZATION_NAMES } from '../discover/names.js';
import { KUSTOMIZATION_READERS } from '../discover/kustomization.js';
import { listRepo } from '../discover/listing.js';
import { runFacts } from '../util/file-facts.js';
import jsyaml from 'js-yaml';
import type { Document, LineCounter, Node } from 'yaml';
import * as yaml from 'yaml';
import { evaluateGenerator, substitute, type RepoTree } from './generators.js';
import type { RepoIdentity } from './repo.js';
import { keyLinesOf } from './overrides.js';
import { ArgoViewMemo } from './view-memo.js';
import { documentBounds, oversizedDocument } from '../parse/budget.js';
import { readBlockDocument, type LinedDocument } from './block-lines.js';
import { bomText, readRepoText, REPO_FILE_MAX } from '../util/safe-read.js';
import { RENDER_SOURCE_NOT_EVALUABLE } from '../rules/render.js';
import { ARGO_DEFAULT_PROJECT, ARGO_PROD_AUTOSYNC } from '../rules/policy.js';
import { GeneratedProdSync, policyReportsAppSet, PROD_SYNC_GENERATOR } from './prod-sync.js';

export interface ArgoDeployment {
  /** `spec.source.path` as written (relative to the Git repository top), parameters substituted. */
  sourcePath: string;
  /** `repoURL` of the source, parameters substituted, when set. */
  repoURL?: string;
  /** Destination namespace, when set. */
  namespace?: string;
  /** `source.directory` (how Argo CD applies a plain folder), when set. */
  directory?: { recurse?: boolean; include?: string; exclude?: string; jsonnet?: boolean };
  kind: 'Application' | 'ApplicationSet';
  name: string;
  /** Root-relative manifest file and the line of the source path. */
  file: string;
  line: number;
  /** The source object as Argo CD reads it (parameters substituted): its `kustomize`/`helm` overrides (argo/overrides.ts). */
  source?: Record<string, unknown>;
  /** Lines of the override keys present in the source (`kustomize`, `kustomize.images`, `helm`…; see OVERRIDE_KEYS). */
  keyLines?: Record<string, number>;
  /**
   * The root-relative file `keyLines` are lines of when it is not `file`: an `.argocd-source*.yaml` override file
   * Argo CD merged into the source (argo/source-files.ts). Findings the overrides cause are placed there.
   */
  keyFile?: string;
  /** The Application's name (an ApplicationSet's: its template's, parameters substituted); Helm's default release. */
  appName?: string;
  /**
   * Read from an overlay rendered in this run, not from a manifest file (argo/rendered.ts): what it deploys may have
   * changed with any input of that overlay, so a changed-only run checks it whenever the overlay rendered.
   */
  fromRender?: true;
}

export interface ArgoUnevaluable {
  /** An ApplicationSet whose generator cannot be evaluated, or a manifest file that cannot be read safely. */
  kind: 'ApplicationSet' | 'Manifest';
  name: string;
  /** The generator (an ApplicationSet), or why the manifest was not read. */
  generator: string;
  /** A finding of its own instead of "not evaluable" (directory.ts): the rule and what it says. */
  ruleId?: string;
  message?: string;
  file: string;
  line: number;
}

export interface ArgoView {
  deployments: ArgoDeployment[];
  unevaluable: ArgoUnevaluable[];
  /** How this repository is named (repo.ts): which deployments are ours to check. */
  identity: RepoIdentity;
  /** Root-relative parameter files git `files` generators read: generator inputs, not manifests to cover. */
  inputs: string[];
  /**
   * argoSpecKey of every Application and ApplicationSet read from a manifest file: what the deployments above were
   * evaluated from. A rendered one whose key is not here was changed or made by kustomize (argo/rendered.ts).
   */
  specs: string[];
}

const BACKSLASH = 0x5c;
const KUSTOMIZATION = new Set(KUSTOMIZATION_NAMES);
/** Readers of a text file's bytes in a run: this view and the secret scan (checks/secrets/files.ts). */
const VIEW_READERS = 2;
/**
 * Left out of the git generators' listing. Not `node_modules`: Argo CD's directories generator lists every folder but
 * hidden ones and its files generator every tracked file, so a folder of that name a generator selects is deployed
 * (it was left out here: what it deployed was never checked). Not `.kfm-gitops` either: a parameter file committed
 * there is one Argo CD's files generator reads (a `**` pattern over JSON files); only the run's own cache folder, which its own
 * .gitignore keeps out of Git, is left out.
 */
const IGNORE = ['**/.git/**', '**/.kfm-gitops/cache/**'];

/**
 * Files that may hold an Application or ApplicationSet: every text file, whatever its name. kustomize reads a
 * resource by any name (`app.YAML`, `app.json`, `app.txt`) and Argo CD applies what it renders, so a name filter
 * is a way around the view. `**` alone leaves out names with a line break; the YAML/JSON globs keep those.
 */
export const ARGO_MANIFEST_GLOBS = ['**', '**/*.yaml', '**/*.yml', '**/*.json'];
/** Bytes sniffed for a NUL: a binary file (an image) is no manifest, and the YAML parser is not given it. */
const SNIFF_BYTES = 8000;

/** The root's folders and files for the git generators, listed on first use (most repositories have none). */
export function lazyTree(root: string): () => Promise<RepoTree> {
  let listing: Promise<RepoTree> | undefined;
  return () =>
    (listing ??= (async () => {
      const fg = (await import('fast-glob')).default; // loaded when a git generator needs it: not before renders
      const entries = await fg('**', {
        cwd: root,
        ignore: IGNORE,
        dot: true,
        onlyFiles: false,
        markDirectories: true,
        followSymbolicLinks: false,
      });
      const hidden = (p: string): boolean => p.split('/').some((s) => s.startsWith('.'));
      const dirs = entries
        .filter((e) => e.endsWith('/'))
        .map((e) => e.slice(0, -1))
        .filter((d) => !hidden(d));
      const files = entries.filter((e) => !e.endsWith('/'));
      return {
        dirs: dirs.sort(),
        files: files.sort(),
        read: async (file) => {
          try {
            return readRepoText(join(root, file), REPO_FILE_MAX); // never a FIFO or a device: it would hang
          } catch {
            return undefined; // the git files generator refuses the set (not evaluable, a guard finding)
          }
        },
      };
    })());
}

/**
 * Every Application/ApplicationSet under the root (raw manifests, the files kustomize reads them from). With a
 * cache root, what a manifest file contributes on its own text alone is remembered between runs
 * (src/argo/view-memo.ts); a file whose ApplicationSets read the repository (git generators) is always evaluated.
 */
export async function readArgoView(
  root: string,
  identity: RepoIdentity = { keys: new Set() },
  options: {
    cacheRoot?: string;
    /**
     * The YAML files to read, from the caller's own listing (discover/memo.ts: the glob below less the files whose
     * stamp says they still cannot hold a manifest); `seen` is told, per file read, whether it may (the test below).
     */
    files?: string[];
    seen?: (file: string, mayHold: boolean) => void;
  } = {},
): Promise<ArgoView> {
  const facts = runFacts();
  const files = options.files ?? listRepo(root).files;
  const view: ArgoView = { deployments: [], unevaluable: [], identity, inputs: [], specs: [] };
  const tree = lazyTree(root);
  const inputs = new Set<string>();
  const memo = options.cacheRoot
    ? ArgoViewMemo.open<ArgoDeployment, ArgoUnevaluable>(options.cacheRoot, import.meta.url)
    : undefined;
  let lastTurn = performance.now();
  for (const file of files.sort()) {
    // The event loop gets a turn every few milliseconds of synchronous reading, so renders keep being dispatched.
    if (performance.now() - lastTurn > 8) {
      await new Promise<void>((res) => setImmediate(res));
      lastTurn = performance.now();
    }
    // Synchronous, and tested as bytes before decoding: most YAML files are no Argo CD manifest, and one promise
    // per file cost 0.4-0.9 s CPU on the medium bench repo's 2,700 files (0.06 s this way). Through the run's file
    // facts: the read's digest serves the render cache key, and the bytes are kept for the secret scan (and a
    // kustomization's for discovery's parse, or taken from it), so none of them reads the file again. A link is not read (the listing holds regular files only;
    // one swapped in since is refused by the no-follow open).
    const got = facts.read(join(root, file), {
      readers: KUSTOMIZATION.has(basename(file)) ? KUSTOMIZATION_READERS : VIEW_READERS,
      digest: true, // most files under the root are some overlay's input: the render cache key needs their digest
    });
    if (got.kind !== 'file') continue; // unreadable files are reported by the renders and the coverage guard
    const bytes = got.bytes;
    // Without those bytes a file can still spell the group with a double-quoted escape (`"\x61rgoproj.io/…"`, an
    // escaped line break), which Argo CD reads like any other: a file with a backslash is parsed too (rare in
    // manifests: none in infra/gitops or the bench repos). Only an Application or an ApplicationSet contributes, and
    // either kind spells `Application` in the text (an alias or a merge key copies text written elsewhere in the
    // same file; folding a plain scalar over lines inserts a space): files that carry the group only in an
    // annotation (`argocd.argoproj.io/sync-wave`, a third of the medium bench repo's and half of infra/gitops')
    // are not parsed (issue 20: the full YAML parse of these files was ~0.3 s CPU of a cold check).
    // A file with a byte order mark (UTF-16 holds NULs) is read as Argo CD reads it: decoded by its mark.
    const marked = bomText(bytes);
    const sniffed = marked === undefined ? bytes : Buffer.from(marked);
    const mayHold =
      ((sniffed.includes('argoproj.io') && sniffed.includes('Application')) ||
        (sniffed.includes(BACKSLASH) && namesArgoEscaped(marked ?? bytes.toString('utf8')))) &&
      !sniffed.subarray(0, SNIFF_BYTES).includes(0);
    options.seen?.(file, mayHold);
    if (!mayHold) continue;
    const text = marked ?? bytes.toString('utf8');
    const remembered = memo?.get(file, text);
    if (remembered) {
      view.deployments.push(...remembered.deployments);
      view.unevaluable.push(...remembered.unevaluable);
      view.specs.push(...(remembered.specs ?? []));
      continue;
    }
    const before = { deployments: view.deployments.length, unevaluable: view.unevaluable.length };
    const specs: string[] = [];
    // A git generator's output depends on the repository's folders and files and on its URL, not on this text alone.
    let readsRepo = false;
    const tooLarge = (line: number, bytes: number): void => {
      view.unevaluable.push({
        kind: 'Manifest',
        name: file,
        generator: `a document of ${bytes} bytes that may be an Argo CD manifest is over the limit for reading one`,
        file,
        line,
      });
    };
    for (const { value: obj, lineOf, keyLineOf } of argoDocuments(text, tooLarge)) {
      const spec = argoSpecKey(obj);
      if (spec === undefined) continue;
      specs.push(spec);
      if (await addArgoObject(view, obj as Record<string, unknown>, { file, lineOf, keyLineOf, tree, inputs }))
        readsRepo = true;
    }
    if (!readsRepo)
      memo?.set(file, text, {
        deployments: view.deployments.slice(before.deployments),
        unevaluable: view.unevaluable.slice(before.unevaluable),
        specs,
      });
    view.specs.push(...specs);
  }
  view.inputs = [...inputs].sort();
  await memo?.save();
  return view;
}

/**
 * Largest document parsed with positions as a possible Argo CD manifest. The positional parser (`yaml`) takes seconds
 * and hundreds of MB per MB of hostile text (measured: 0.4 MB of flow sequences 3.4 s, a 23 MB file ran node out of
 * memory after 165 s); an Application or ApplicationSet is a few KB. A larger one is reported, never skipped.
 */
export const MAX_ARGO_DOCUMENT_BYTES = 1024 * 1024;
/** Stretches up to this size are parsed with positions without sniffing. */
const SNIFF_FROM_BYTES = 64 * 1024;
/** Largest stretch between document markers that js-yaml reads to tell whether it holds an Argo CD manifest. */
export const MAX_SNIFF_BYTES = 16 * 1024 * 1024;
const DIRECTIVE = /^%/m;

/**
 * The documents of a manifest file that may be Argo CD manifests, parsed with positions. Each stretch between document
 * markers that can name the group (`argoproj.io`, or a backslash that may spell it escaped) is read by js-yaml first
 * (fast, no positions) when over 64 KiB: a stretch it reads as anything but an `argoproj.io/` object (a CRD bundle, a dashboard
 * with escapes) is not parsed again; one it cannot read, or reads as an Argo CD object, goes to the positional parser,
 * which decides as before. A text with directives (`%TAG`) is one stretch: they apply across markers.
 */
function* argoDocuments(text: string, tooLarge: (line: number, bytes: number) => void): Generator<LinedDocument> {
  const bounds = DIRECTIVE.test(text) ? [text.length] : documentBounds(text);
  let start = 0;
  let line = 0; // lines before `start`
  for (const end of bounds) {
    const chunk = text.slice(start, end);
    const lineBase = line;
    line += countNewlines(chunk);
    start = end;
    // As for the file (readArgoView): only an Application or ApplicationSet contributes, and a stretch of one spells
    // the kind (anchors, aliases and merge keys do not reach across documents).
    if (!namesArgo(chunk)) continue;
    // Past the sniff limit js-yaml alone takes seconds (0.23 µs a byte on hostile flow collections): refused unread.
    // A small stretch goes straight to the positional parser (sniffing first would only add js-yaml's time).
    const argo = chunk.length <= SNIFF_FROM_BYTES || (chunk.length <= MAX_SNIFF_BYTES && mayBeArgo(chunk));
    if (chunk.length > MAX_SNIFF_BYTES || (argo && chunk.length > MAX_ARGO_DOCUMENT_BYTES)) {
      tooLarge(lineBase + 1, chunk.length);
      continue;
    }
    if (!argo) continue;
    // Plain block YAML (every manifest of the bench repos and infra/gitops) needs no positional parse (block-lines.ts).
    const fast = readBlockDocument(chunk, lineBase);
    if (fast) {
      yield fast;
      continue;
    }
    if (oversizedDocument(chunk)) {
      tooLarge(lineBase + 1, chunk.length); // dense flow lists under the byte limit: too many values to parse
      continue;
    }
    const { LineCounter, parseAllDocuments } = yaml;
    const lc = new LineCounter();
    // Merge keys (`<<: *base`) are read as Argo CD's YAML reader (go-yaml) reads them: without, a source merged from
    // an anchor had no path here.
    for (const doc of parseAllDocuments(chunk, { lineCounter: lc, uniqueKeys: false, merge: true })) {
      if (!('contents' in doc) || doc.errors.length > 0) continue;
      yield positioned(doc, lc, lineBase);
    }
  }
}

/** A document of the positional parser, with the lookups readBlockDocument answers from indentation. */
export function positioned(doc: Document.Parsed, lc: LineCounter, lineBase: number): LinedDocument {
  const { isMap, isScalar, isSeq } = yaml;
  const lineOf = (path: readonly (string | number)[]): number => {
    const n = doc.getIn(path, true) as Node | undefined;
    const offset = n && (isScalar(n) || isMap(n) || isSeq(n)) ? n.range?.[0] : undefined;
    return offset !== undefined ? lineBase + lc.linePos(offset).line : lineBase + 1;
  };
  return {
    value: doc.toJS({ maxAliasCount: 20 }) as unknown,
    lineOf,
    // The line of a key itself (`images:`), where a finding about its value is read.
    keyLineOf(path) {
      const parent = doc.getIn(path.slice(0, -1), true);
      const pair = isMap(parent)
        ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1])
        : undefined;
      const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      return offset !== undefined ? lineBase + lc.linePos(offset).line : lineOf(path);
    },
  };
}

/**
 * Whether a text can hold an Argo CD object: an Application or ApplicationSet names the group and spells the kind,
 * literally or through double-quoted escapes (`"\x61rgoproj.io/v1alpha1"`, an escaped line break inside a word). Every
 * escape in the text is decoded, wherever it stands: a superset of what the YAML reader decodes (a plain or
 * single-quoted scalar keeps its backslashes), so no text that reads as an Argo CD object is passed over. Before,
 * any backslash sent the text to the positional parser: on redhat-appstudio/infra-deployments 281 stretches (5.7 MB:
 * vendored Helm templates and CRDs, whose regex patterns hold backslashes) took 4.1 s of a 23 s check there.
 */
export function namesArgo(text: string): boolean {
  if (text.includes('argoproj.io') && text.includes('Application')) return true;
  return text.includes('\\') && namesArgoEscaped(text);
}

const ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|\r?\n[ \t]*|([\s\S]))/g;
/** YAML's one-character escapes (yaml.org 1.2, 5.7); any other character stands for itself. */
const SINGLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

function namesArgoEscaped(text: string): boolean {
  const decoded = text.replace(ESCAPE, (_all, x?: string, u?: string, U?: string, single?: string) => {
    const hex = x ?? u ?? U;
    if (hex !== undefined) {
      const code = parseInt(hex, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    // An escaped line break joins the lines without a space (the next line's indentation is dropped).
    if (single === undefined) return '';
    return SINGLE_ESCAPES[single] ?? single;
  });
  return decoded.includes('argoproj.io') && decoded.includes('Application');
}

/** False only when js-yaml reads the text and none of its documents is an `argoproj.io/` object. */
function mayBeArgo(chunk: string): boolean {
  let values: unknown[];
  try {
    values = [];
    jsyaml.loadAll(chunk, (v) => values.push(v), { schema: jsyaml.CORE_SCHEMA, json: true });
  } catch {
    return true; // js-yaml cannot say: the positional parser reads it, as it always did
  }
  // Not a mapping, or no string apiVersion: the positional parser skips it too. A non-string apiVersion is parsed
  // anyway, so that a scalar the two parsers could resolve differently is decided as it always was.
  return values.some(
    (v) => isObject(v) && (typeof v.apiVersion !== 'string' || v.apiVersion.startsWith('argoproj.io/')),
  );
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The source paths of an Application spec (single `source` or `sources`), with where they stand in the spec. */
type Source = Pick<ArgoDeployment, 'sourcePath' | 'repoURL' | 'namespace' | 'directory' | 'source'> & {
  at: (string | number)[];
};

function sourcesOf(spec: unknown): Source[] {
  if (!isObject(spec)) return [];
  const destination = isObject(spec.destination) ? spec.destination : {};
  const namespace =
    typeof destination.namespace === 'string' && destination.namespace !== '' ? destination.namespace : undefined;
  const out: Source[] = [];
  const add = (source: unknown, at: (string | number)[]): void => {
    if (!isObject(source)) return;
    // A chart from a Helm repository deploys no folder here: kept, with an empty path, so it is named as remote
    // (argo/overrides-check.ts), never passed silently. Argo CD takes any source with a `chart` as a Helm repository's
    // (ApplicationSource.IsHelm: Chart != "") and ignores its `path`: `chart: postgresql` from a chart repository with
    // `path: infra/gitops/apps/kfm-api/overlays/prod` deployed the remote chart while the check rendered that overlay.
    if (typeof source.chart === 'string' && (source.chart !== '' || typeof source.path !== 'string')) {
      out.push({ sourcePath: '', ...(namespace ? { namespace } : {}), source, at: [...at, 'chart'] });
      return;
    }
    // No `path`: Argo CD takes the repository top (its checkout joined with ""); only a multi-source `ref` source
    // without one deploys nothing (it lends its files to the others' `$ref/…` value files). It was left out: a
    // source without a path, recursing over the whole repository, applied every base raw and nothing checked it.
    // (A null reads as unset there: Go's empty string.)
    const unset = (v: unknown): boolean => v === undefined || v === null || v === '';
    if (!unset(source.ref) && unset(source.path)) return;
    const path = typeof source.path === 'string' ? source.path : unset(source.path) ? '' : undefined;
    if (path === undefined) return;
    const directory = directoryOf(source);
    out.push({
      sourcePath: path,
      ...(typeof source.repoURL === 'string' ? { repoURL: source.repoURL } : {}),
      ...(namespace ? { namespace } : {}),
      ...(directory ? { directory } : {}),
      source,
      at: [...at, 'path'], // without a path: the document's first line
    });
  };
  add(spec.source, ['source']);
  if (Array.isArray(spec.sources)) spec.sources.forEach((s, i) => add(s, ['sources', i]));
  return out;
}

/** The source keys whose settings decide what the tool renders (not where the source is). */
const TOOL_KEYS = ['kustomize', 'helm', 'directory', 'plugin'] as const;

/** A source's `directory` settings, as ArgoDeployment keeps them. */
export function directoryOf(source: Record<string, unknown>): ArgoDeployment['directory'] {
  const d = isObject(source.directory) ? source.directory : undefined;
  return d
    ? {
        recurse: d.recurse === true,
        ...(typeof d.include === 'string' ? { include: d.include } : {}),
        ...(typeof d.exclude === 'string' ? { exclude: d.exclude } : {}),
        ...(d.jsonnet !== undefined ? { jsonnet: true } : {}),
      }
    : undefined;
}

/**
 * A generator's own template (`list: {elements, template}`, `git: {…, template}`), which Argo CD merges over the
 * ApplicationSet's; a `template` beside the generator kind is read too, so no spelling escapes the check.
 */
function generatorTemplate(g: unknown): Record<string, unknown> | undefined {
  if (!isObject(g)) return undefined;
  for (const [key, value] of Object.entries(g))
    if (key !== 'selector' && key !== 'template' && isObject(value) && isObject(value.template)) return value.template;
  return isObject(g.template) ? g.template : undefined;
}

function mergeTemplate(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override ?? base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override))
    out[k] = isObject(v) && isObject(base[k]) ? mergeTemplate(base[k], v) : v;
  return out;
}

/**
 * The overlay (root-relative path) a source path names: Argo CD paths are relative to the Git top, the root may sit
 * below it (`infra/gitops/apps/x` → `apps/x`); the longest overlay path ending the source path at a folder boundary.
 */
export function overlayForSource(
  sourcePath: string,
  overlayPaths: readonly string[] | ReadonlySet<string>,
): string | undefined {
  const known = overlayPaths instanceof Set ? overlayPaths : new Set(overlayPaths);
  // The longest overlay path the source path is, or ends with after a `/`: its suffixes, longest first (one Set
  // lookup each, not a scan of every overlay per deployment: 7,500 overlays × 7,500 Applications on xlarge).
  let p = sourcePath.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  for (;;) {
    if (p !== '.' && known.has(p)) return p;
    const slash = p.indexOf('/');
    if (slash < 0) return undefined;
    p = p.slice(slash + 1);
  }
}

/** Where an object was read, and what evaluating an ApplicationSet's generators needs. */
export interface ArgoObjectContext {
  /** Root-relative file the findings about it point at. */
  file: string;
  lineOf: (path: readonly (string | number)[]) => number;
  keyLineOf: (path: readonly (string | number)[]) => number;
  tree: () => Promise<RepoTree>;
  /** Parameter files the git `files` generators read (added to). */
  inputs: Set<string>;
}

/**
 * Adds what one Application or ApplicationSet deploys to the view. Returns whether it reads the repository (a git
 * generator): then what it contributes depends on more than its own text.
 */
export async function addArgoObject(
  view: ArgoView,
  obj: Record<string, unknown>,
  ctx: ArgoObjectContext,
): Promise<boolean> {
  const { file, lineOf, keyLineOf, tree, inputs } = ctx;
  const identity = view.identity;
  let readsRepo = false;
  const name = String((obj.metadata as Record<string, unknown> | undefined)?.name ?? '');
  if (obj.kind === 'Application') {
    for (const d of sourcesOf(obj.spec))
      view.deployments.push({
        ...d,
        kind: 'Application',
        name,
        appName: name,
        file,
        line: lineOf(['spec', ...d.at]),
        keyLines: keyLinesOf(d.source, (p) => keyLineOf(['spec', ...d.at.slice(0, -1), ...p])),
      });
  } else if (obj.kind === 'ApplicationSet') {
    const spec = isObject(obj.spec) ? obj.spec : {};
    const generators = Array.isArray(spec.generators) ? spec.generators : [];
    const goTemplate = spec.goTemplate === true;
    if (JSON.stringify(generators).includes('"git":')) readsRepo = true;
    const refuse = (generator: string, at: (string | number)[]): void => {
      view.unevaluable.push({ kind: 'ApplicationSet', name, generator, file, line: lineOf(at) });
    };
    // A templatePatch rewrites the generated Applications with a Go template: their sources cannot be known.
    if (spec.templatePatch !== undefined) refuse('templatePatch', ['spec', 'templatePatch']);
    // KFM-ARGO-004 on what the generators evaluate to, unless the policy reports the ApplicationSet as written.
    const prodSync = new GeneratedProdSync(policyReportsAppSet(spec));
    const templated = new Set<string>();
    for (const [i, g] of generators.entries()) {
      if (spec.templatePatch !== undefined) break;
      const evaluated = await evaluateGenerator(g, { goTemplate, identity, tree, inputs });
      if ('unevaluable' in evaluated) {
        refuse(evaluated.unevaluable, ['spec', 'generators', i]);
        continue;
      }
      const override = generatorTemplate(g);
      const template = override ? mergeTemplate(spec.template, override) : spec.template;
      let projectJudged = false;
      for (const params of evaluated.elements) {
        const rendered = substitute(isObject(template) ? template.spec : undefined, params, goTemplate);
        if (!projectJudged) {
          const finding = generatedProject(name, template, rendered, isObject(g) && 'list' in g);
          if (finding) {
            view.unevaluable.push({
              ...finding,
              kind: 'ApplicationSet',
              name,
              file,
              line: lineOf(['spec', 'template', 'spec', 'project']),
            });
            projectJudged = true;
          }
        }
        const meta = isObject(template) && isObject(template.metadata) ? template.metadata : {};
        const appName = substitute(meta.name, params, goTemplate);
        prodSync.add(appName, substitute(meta, params, goTemplate), rendered);
        for (const d of sourcesOf(rendered)) {
          // A repoURL or destination namespace left a template expression (a Go template function, a key no element
          // has): which repository it deploys from, or which env's rules apply, is not known. Taken as written, the
          // repoURL made the source another repository's (listed, exit 0) and the namespace placed it in no env.
          const unknown = [d.repoURL, d.namespace].find((v) => v?.includes('{{'));
          if (unknown !== undefined) {
            const key = unknown === d.repoURL ? 'repoURL' : 'namespace';
            if (templated.has(key)) continue; // one finding per field: the elements share the template line
            templated.add(key);
            const at = key === 'repoURL' ? [...d.at.slice(0, -1), 'repoURL'] : ['destination', 'namespace'];
            view.unevaluable.push({
              kind: 'ApplicationSet',
              name,
              generator: key,
              ruleId: RENDER_SOURCE_NOT_EVALUABLE,
              message: `ApplicationSet ${name}: the ${key === 'repoURL' ? 'repoURL' : 'destination namespace'} of the Applications it makes, ${unknown}, is a template expression kfm-gitops does not evaluate; what they deploy (${d.sourcePath}) is not checked`,
              file,
              line: lineOf(['spec', 'template', 'spec', ...at]),
            });
            continue;
          }
          // With goTemplate Argo CD evaluates every expression of the template: one left here (a function, a pipe)
          // stands for text kfm-gitops does not know. In an override or a Helm value it was checked as written (a
          // patch setting `image: x:{{ "latest" }}` passed the latest-tag rule, exit 0).
          const tool = goTemplate
            ? TOOL_KEYS.find((k) => JSON.stringify(d.source?.[k] ?? null).includes('{{'))
            : undefined;
          if (tool !== undefined) {
            if (templated.has(tool)) continue;
            templated.add(tool);
            view.unevaluable.push({
              kind: 'ApplicationSet',
              name,
              generator: tool,
              ruleId: RENDER_SOURCE_NOT_EVALUABLE,
              message: `ApplicationSet ${name}: the ${tool} settings of the Applications it makes hold a template expression kfm-gitops does not evaluate; what they deploy (${d.sourcePath}) is not checked`,
              file,
              line: keyLineOf(['spec', 'template', 'spec', ...d.at.slice(0, -1), tool]),
            });
            continue;
          }
          view.deployments.push({
            ...d,
            kind: 'ApplicationSet',
            name,
            ...(typeof appName === 'string' ? { appName } : {}),
            file,
            line: lineOf(['spec', 'template', 'spec', ...d.at]),
            keyLines: keyLinesOf(d.source, (p) => keyLineOf(['spec', 'template', 'spec', ...d.at.slice(0, -1), ...p])),
          });
        }
      }
    }
    const prod = prodSync.result(name);
    if (prod)
      view.unevaluable.push({
        kind: 'ApplicationSet',
        name,
        generator: PROD_SYNC_GENERATOR,
        ruleId: prod.kind === 'prod' ? ARGO_PROD_AUTOSYNC : RENDER_SOURCE_NOT_EVALUABLE,
        message: prod.message,
        file,
        line: lineOf(['spec', 'template', 'spec', 'syncPolicy', 'automated']),
      });
  }
  return readsRepo;
}

/**
 * The AppProject of a generated Application, when it is set by the generator's parameters: one kfm-gitops cannot
 * evaluate (a Go template function: `{{ "" }}`, `{{ .project | default "default" }}`) is not checked, and says so;
 * one that evaluates to the default project (empty means default) is KFM-ARGO-003, as the policy reports for a list
 * generator's elements (so a list generator is left to it). Before, either passed: the policy substitutes only list
 * elements and plain `{{key}}` tags, and the default project allows every repository, destination and kind.
 */
function generatedProject(
  name: string,
  template: unknown,
  rendered: unknown,
  fromList: boolean,
): { generator: string; ruleId: string; message: string } | undefined {
  const raw = isObject(template) && isObject(template.spec) ? template.spec.project : undefined;
  if (typeof raw !== 'string' || !raw.includes('{{')) return undefined;
  const project = isObject(rendered) ? rendered.project : undefined;
  if (typeof project !== 'string' || project.includes('{{'))
    return {
      generator: 'project',
      ruleId: RENDER_SOURCE_NOT_EVALUABLE,
      message: `ApplicationSet ${name}: the AppProject of the Applications it makes is a template expression kfm-gitops does not evaluate; which project (and so which guardrails) they get is not checked`,
    };
  if ((project === '' || project === 'default') && !fromList)
    return {
      generator: 'project',
      ruleId: ARGO_DEFAULT_PROJECT,
      message: `ApplicationSet ${name} generates an Application in the default AppProject (template project ${raw} with generator parameters giving "${project}")`,
    };
  return undefined;
}

/**
 * The identity of what an Argo CD object deploys (sha256 of its kind, an Application's name and its `spec` as JSON
 * with keys sorted), or undefined for anything but an `argoproj.io/` Application or ApplicationSet. An Application's
 * name counts: Argo CD renders a Helm source with it as the release name (a chart may branch on it), so a renamed one
 * is another deployment. Labels, annotations and namespaces are left out: they change nothing Argo CD renders.
 */
export function argoSpecKey(obj: unknown): string | undefined {
  if (!isObject(obj) || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('argoproj.io/'))
    return undefined;
  if (obj.kind !== 'Application' && obj.kind !== 'ApplicationSet') return undefined;
  const name = obj.kind === 'Application' && isObject(obj.metadata) ? (obj.metadata.name ?? null) : null;
  return createHash('sha256')
    .update(`${obj.kind}\n${JSON.stringify(name)}\n`)
    .update(sortedJson(obj.spec ?? null))
    .digest('hex');
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
