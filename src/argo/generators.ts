/**
 * ApplicationSet generators evaluated the way Argo CD evaluates them, where their output is in this repository:
 * `list` (elements), `git` over this repository (`directories` with `exclude` entries, `files` with JSON/YAML
 * contents), and `matrix`/`merge` over those (a matrix child may use the parameters of the one before it, as in
 * Argo CD). Parameter names follow Argo CD (applicationset/generators/git.go): fasttemplate `{{path}}`,
 * `{{path.basename}}`, `{{path[n]}}`, `{{path.basenameNormalized}}`, flattened file keys; goTemplate `{{.path.path}}`,
 * `{{index .path.segments n}}`. Anything that depends on the world outside the repository (clusters, SCM providers,
 * pull requests, another repository's tree) is returned as not evaluable, never guessed.
 */
import { goOnlyLineBreak, mergeOverride } from '../parse/go-reader.js';
import * as yaml from 'yaml';
import { doublestarMatch, gitPathspecMatch, goPathMatch, withinBudget } from './path-match.js';
import { isCheckedRevision, isThisRepo, type RepoIdentity } from './repo.js';

export type Params = Record<string, string>;

/** A template may hold at most this many generated elements: a hostile matrix must not blow up memory. */
export const MAX_ELEMENTS = 10_000;
/** Matrix/merge nest at most this deep (Argo CD allows two levels); deeper is refused, not recursed into. */
const MAX_DEPTH = 4;
/** A git `files` generator reads at most this much of one file (parameters, not manifests). */
const MAX_FILE_BYTES = 1024 * 1024;

/** The repository under the root as the git generators see it. */
export interface RepoTree {
  /** Root-relative folders, sorted, without hidden segments ('.' excluded). */
  dirs: readonly string[];
  /** Root-relative files, sorted. */
  files: readonly string[];
  /** A file's text, or undefined when it cannot be read. */
  read(file: string): Promise<string | undefined>;
}

export interface GeneratorContext {
  goTemplate: boolean;
  identity: RepoIdentity;
  /** Listed once, on the first git generator. */
  tree: () => Promise<RepoTree>;
  /** Root-relative files the git `files` generators read (their parameters: inputs, not manifests). */
  inputs?: Set<string>;
}

export type Generated = { elements: Params[] } | { unevaluable: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parameter sets of a generator, or why they cannot be known from the repository alone. */
export async function evaluateGenerator(g: unknown, ctx: GeneratorContext, depth = 0): Promise<Generated> {
  if (!isObject(g)) return { unevaluable: 'malformed' };
  if (depth > MAX_DEPTH) return { unevaluable: 'nested too deep' };
  if (isObject(g.list)) {
    if (g.list.elementsYaml !== undefined) return { unevaluable: 'list.elementsYaml' };
    const elements = Array.isArray(g.list.elements) ? g.list.elements : [];
    if (elements.length > MAX_ELEMENTS) return { unevaluable: 'list (too many elements)' };
    return { elements: elements.filter(isObject).map((e) => flatten(e)) };
  }
  if (isObject(g.git)) return evaluateGit(g.git, ctx);
  if (isObject(g.matrix)) return evaluateMatrix(g.matrix, ctx, depth);
  if (isObject(g.merge)) return evaluateMerge(g.merge, ctx, depth);
  const kind = Object.keys(g).find((k) => k !== 'template' && k !== 'selector') ?? 'unknown';
  return { unevaluable: kind };
}

async function evaluateMatrix(spec: Record<string, unknown>, ctx: GeneratorContext, depth: number): Promise<Generated> {
  const children = Array.isArray(spec.generators) ? spec.generators : [];
  if (children.length === 0) return { elements: [] };
  let product: Params[] = [{}];
  for (const [i, child] of children.entries()) {
    // A later child may name the parameters of the earlier ones (`path: '{{path}}/config.json'`): evaluated per set.
    const templated = i > 0 && JSON.stringify(child).includes('{{');
    const once = templated ? undefined : await evaluateGenerator(child, ctx, depth + 1);
    if (once && 'unevaluable' in once) return once;
    const next: Params[] = [];
    for (const p of product) {
      const got = once ?? (await evaluateGenerator(substitute(child, p, ctx.goTemplate), ctx, depth + 1));
      if ('unevaluable' in got) return got;
      for (const e of got.elements) next.push({ ...p, ...e });
      if (next.length > MAX_ELEMENTS) return { unevaluable: 'matrix (too many elements)' };
    }
    product = next;
  }
  return { elements: product };
}

/** Merge: the first generator's sets, each overridden by the later sets that share its `mergeKeys` values. */
async function evaluateMerge(spec: Record<string, unknown>, ctx: GeneratorContext, depth: number): Promise<Generated> {
  const lists: Params[][] = [];
  for (const child of Array.isArray(spec.generators) ? spec.generators : []) {
    const got = await evaluateGenerator(child, ctx, depth + 1);
    if ('unevaluable' in got) return got;
    lists.push(got.elements);
  }
  const keys = Array.isArray(spec.mergeKeys) ? spec.mergeKeys.map(String) : [];
  const [first = [], ...rest] = lists;
  const merged = first.map((e) => ({ ...e }));
  for (const list of rest)
    for (const e of list) {
      const target = merged.find((m) => keys.length > 0 && keys.every((k) => m[k] === e[k]));
      if (target) Object.assign(target, e);
    }
  return { elements: merged };
}

interface PathPattern {
  path: string;
  exclude: boolean;
}

function patternsOf(items: unknown[]): PathPattern[] {
  return items
    .filter(isObject)
    .filter((i) => typeof i.path === 'string' && i.path !== '')
    .map((i) => ({ path: (i.path as string).replace(/^\.\/+/, ''), exclude: i.exclude === true }));
}

async function evaluateGit(git: Record<string, unknown>, ctx: GeneratorContext): Promise<Generated> {
  const repoURL = typeof git.repoURL === 'string' ? git.repoURL : undefined;
  if (isThisRepo(ctx.identity, repoURL) === false) return { unevaluable: `git (${repoURL}, another repository)` };
  // The generator lists the tree at its revision: another branch, a tag or a commit holds other folders and files.
  if (!isCheckedRevision(ctx.identity, git.revision))
    return { unevaluable: `git (revision ${JSON.stringify(git.revision)}, not the branch under check)` };
  const directories = patternsOf(Array.isArray(git.directories) ? git.directories : []);
  const files = patternsOf(Array.isArray(git.files) ? git.files : []);
  if (directories.length === 0 && files.length === 0) return { unevaluable: 'git (neither directories nor files)' };
  // An include pattern the matchers cannot evaluate would match nothing: nothing deployed, nothing checked.
  const tooBig = [
    ...directories.filter((p) => !p.exclude && !withinBudget(p.path, false)),
    ...files.filter((p) => !p.exclude && !withinBudget(p.path, true)),
  ];
  if (tooBig.length > 0) return { unevaluable: 'git (a path pattern too long or with too many {a,b} alternatives)' };
  const tree = await ctx.tree();
  const prefixParam = typeof git.pathParamPrefix === 'string' && git.pathParamPrefix !== '' ? git.pathParamPrefix : '';
  const values = isObject(git.values) ? git.values : {};
  const out: Params[] = [];
  const add = (params: Params): boolean => {
    for (const [k, v] of Object.entries(values))
      params[`values.${k}`] = String(substitute(String(v), params, ctx.goTemplate));
    out.push(params);
    return out.length <= MAX_ELEMENTS;
  };
  if (directories.length > 0) {
    // Argo CD lists every folder of the repository except hidden ones and matches each with Go's path.Match.
    const candidates = repoPaths(
      tree.dirs,
      directories,
      ctx.identity.prefix,
      { include: goPathMatch, exclude: goPathMatch },
      true,
    );
    for (const dir of candidates)
      if (!add(pathParams(dir.repo, false, prefixParam, ctx.goTemplate)))
        return { unevaluable: 'git (too many elements)' };
    return { elements: out };
  }
  // Files: Argo CD lists them with git's pathspec (`*` crosses folders) by default, with doublestar globs when the
  // controller enables its new globbing: which one is the cluster's setting, so a file either selects is read, and
  // only one both exclude is left out (a parameter file only the other selects made an Application nothing checked).
  const either = (p: string, path: string): boolean => doublestarMatch(p, path) || gitPathspecMatch(p, path);
  const both = (p: string, path: string): boolean => doublestarMatch(p, path) && gitPathspecMatch(p, path);
  const matched = repoPaths(tree.files, files, ctx.identity.prefix, { include: either, exclude: both }, false);
  for (const repoFile of matched) {
    ctx.inputs?.add(repoFile.rootRel);
    const text = await tree.read(repoFile.rootRel);
    if (text === undefined) return { unevaluable: `git files (${repoFile.repo} cannot be read)` };
    if (text.length > MAX_FILE_BYTES) return { unevaluable: `git files (${repoFile.repo} is too large)` };
    const objects = parseParamsFile(text);
    if (objects === undefined) return { unevaluable: `git files (${repoFile.repo} is not a YAML/JSON object or list)` };
    for (const o of objects) {
      const params = { ...flatten(o), ...pathParams(repoFile.repo, true, prefixParam, ctx.goTemplate) };
      if (!add(params)) return { unevaluable: 'git (too many elements)' };
    }
  }
  return { elements: out };
}

interface RepoPath {
  /** Relative to the Git top, as Argo CD sees it. */
  repo: string;
  /** Relative to the root, as kfm-gitops reads it. */
  rootRel: string;
}

/**
 * The root's entries, named relative to the Git top, that the include patterns match and no exclude pattern does
 * (an exclude wins, as in Argo CD). Where the root sits in the repository is known from Git, or — in a copy without
 * Git — taken as the shortest leading part of the patterns that makes them match anything here.
 */
function repoPaths(
  entries: readonly string[],
  patterns: PathPattern[],
  prefix: string | undefined,
  match: { include: (pattern: string, path: string) => boolean; exclude: (pattern: string, path: string) => boolean },
  withRoot: boolean,
): RepoPath[] {
  const includes = patterns.filter((p) => !p.exclude).map((p) => p.path);
  const excludes = patterns.filter((p) => p.exclude).map((p) => p.path);
  const at = (pre: string): RepoPath[] => {
    const all = entries.map((e) => ({ repo: pre === '' ? e : `${pre}/${e}`, rootRel: e }));
    if (withRoot && pre !== '') all.unshift({ repo: pre, rootRel: '.' });
    return all.filter(
      (e) => includes.some((p) => match.include(p, e.repo)) && !excludes.some((p) => match.exclude(p, e.repo)),
    );
  };
  let found: RepoPath[] = [];
  if (prefix !== undefined) found = at(prefix);
  else
    for (const pre of leadingPrefixes(includes)) {
      found = at(pre);
      if (found.length > 0) break;
    }
  return found;
}

/** '' and every run of leading literal segments common to the patterns (`infra`, `infra/gitops` of `infra/gitops/*`). */
function leadingPrefixes(patterns: string[]): string[] {
  const out = [''];
  const first = patterns[0]?.split('/') ?? [];
  for (let i = 1; i < first.length; i++) {
    const pre = first.slice(0, i).join('/');
    if (/[*?[\\{]/.test(pre) || !patterns.every((p) => p.startsWith(`${pre}/`))) break;
    out.push(pre);
  }
  return out;
}

/** Argo CD's utils.SanitizeName: lowercase, `[^-a-z0-9.]` to `-`, at most 253 characters, no leading/trailing `-.`. */
export function sanitizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-a-z0-9.]/g, '-')
    .slice(0, 253)
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** The path parameters of a folder (directories) or a file (files: `path` is its folder), as Argo CD names them. */
function pathParams(repoPath: string, isFile: boolean, prefix: string, goTemplate: boolean): Params {
  const file = isFile ? repoPath : undefined;
  const dir = file === undefined ? repoPath : posixDir(file);
  const base = dir.split('/').pop() ?? dir;
  const fields: Params = { path: dir, basename: base, basenameNormalized: sanitizeName(base) };
  if (file !== undefined) {
    const filename = file.split('/').pop() ?? file;
    fields.filename = filename;
    fields.filenameNormalized = sanitizeName(filename);
  }
  const out: Params = {};
  const segments = dir.split('/');
  if (goTemplate) {
    const name = prefix ? `${prefix}.path` : 'path';
    for (const [k, v] of Object.entries(fields)) out[`${name}.${k}`] = v;
    segments.forEach((s, i) => (out[`${name}.segments.${i}`] = s));
    return out;
  }
  const name = prefix ? `${prefix}.path` : 'path';
  out[name] = dir;
  for (const [k, v] of Object.entries(fields)) if (k !== 'path') out[`${name}.${k}`] = v;
  segments.forEach((s, i) => {
    if (s !== '') out[`${name}[${i}]`] = s;
  });
  return out;
}

function posixDir(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '.' : file.slice(0, i);
}

/** A git `files` file: one mapping, or a list of mappings (Argo CD tries the object first, then the list). */
function parseParamsFile(text: string): Record<string, unknown>[] | undefined {
  // Argo CD reads it with sigs.k8s.io/yaml (go-yaml v2): where that reads the text otherwise, the set is refused.
  if (goOnlyLineBreak(text)) return undefined;
  const lineCounter = new yaml.LineCounter();
  const docs = yaml.parseAllDocuments(text, { uniqueKeys: false, merge: true, lineCounter });
  if (!Array.isArray(docs) || docs.length > 1) return docs.length === 0 ? [{}] : undefined;
  const doc = docs[0]!;
  if (doc.errors.length > 0 || mergeOverride(doc, lineCounter)) return undefined;
  const value = doc.toJS({ maxAliasCount: 20 }) as unknown;
  if (value === null || value === undefined) return [{}];
  if (isObject(value)) return [value];
  if (Array.isArray(value) && value.every(isObject)) return value;
  return undefined;
}

/** Values as template parameters: nested maps and lists flatten to dotted keys (`values.x`, `list.0`), as Argo CD does. */
export function flatten(element: Record<string, unknown> | unknown[], prefix = ''): Params {
  const out: Params = {};
  const entries = Array.isArray(element) ? element.map((v, i) => [String(i), v] as const) : Object.entries(element);
  for (const [k, v] of entries) {
    if (isObject(v) || Array.isArray(v)) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else if (v !== null && v !== undefined) out[`${prefix}${k}`] = String(v);
  }
  return out;
}

const FAST_TAG = /\{\{([^{}]*)\}\}/g;
const GO_TAG = /\{\{-?\s*(?:\.([\w.-]+)|index\s+\.([\w.-]+)\s+(\d+))\s*-?\}\}/g;

/**
 * `{{key}}` (fasttemplate: the tag trimmed is the key) or `{{ .key }}` / `{{ index .key n }}` (goTemplate) substituted
 * in every string of a value. A tag with no parameter (or a Go template function) stays as written: the caller sees
 * `{{` left in a source path and reports it as not evaluable rather than guessing.
 */
export function substitute(value: unknown, params: Params, goTemplate: boolean): unknown {
  if (typeof value === 'string')
    return goTemplate
      ? value.replace(GO_TAG, (m, key: string | undefined, list: string | undefined, index: string | undefined) => {
          const k = key ?? `${list}.${index}`;
          return Object.prototype.hasOwnProperty.call(params, k) ? params[k]! : m;
        })
      : value.replace(FAST_TAG, (m, tag: string) => {
          const k = tag.trim();
          return k !== '' && Object.prototype.hasOwnProperty.call(params, k) ? params[k]! : m;
        });
  if (Array.isArray(value)) return value.map((v) => substitute(v, params, goTemplate));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, params, goTemplate)]));
  return value;
}
