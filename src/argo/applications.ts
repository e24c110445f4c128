/**
 * What Argo CD deploys from this repository, read from the Application and ApplicationSet manifests under the root:
 * each source path with its destination namespace and the manifest line that says so. ApplicationSet generators are
 * evaluated where their output is in the repository (list, and matrix/merge over lists); the others (cluster, SCM
 * provider, pull request, git…) depend on the world outside and are returned as not evaluable, never guessed.
 */
import fg from 'fast-glob';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

export interface ArgoDeployment {
  /** `spec.source.path` as written (relative to the Git repository top), parameters substituted. */
  sourcePath: string;
  /** Destination namespace, when set. */
  namespace?: string;
  /** `source.directory` (how Argo CD applies a plain folder), when set. */
  directory?: { recurse?: boolean; include?: string; exclude?: string; jsonnet?: boolean };
  kind: 'Application' | 'ApplicationSet';
  name: string;
  /** Root-relative manifest file and the line of the source path. */
  file: string;
  line: number;
}

export interface ArgoUnevaluable {
  kind: 'ApplicationSet';
  name: string;
  generator: string;
  file: string;
  line: number;
}

export interface ArgoView {
  deployments: ArgoDeployment[];
  unevaluable: ArgoUnevaluable[];
}

const IGNORE = ['**/node_modules/**', '**/.git/**', '**/.kfm-gitops/**'];
/** A template may hold at most this many generated elements: a hostile matrix must not blow up memory. */
const MAX_ELEMENTS = 10_000;

type Params = Record<string, string>;

/** Every Application/ApplicationSet under the root (raw manifests, the files kustomize reads them from). */
export async function readArgoView(root: string): Promise<ArgoView> {
  const files = await fg(['**/*.yaml', '**/*.yml'], {
    cwd: root,
    ignore: IGNORE,
    followSymbolicLinks: false,
    onlyFiles: true,
  });
  const view: ArgoView = { deployments: [], unevaluable: [] };
  let lastTurn = performance.now();
  for (const file of files.sort()) {
    // Reads are synchronous (thousands of small manifests, where fs/promises costs more CPU than the read, issue
    // 20); the event loop still gets a turn every few milliseconds, so renders keep being dispatched meanwhile.
    if (performance.now() - lastTurn > 8) {
      await new Promise<void>((res) => setImmediate(res));
      lastTurn = performance.now();
    }
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // unreadable files are reported by the renders and the coverage guard
    }
    if (!text.includes('argoproj.io')) continue;
    const lc = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false })) {
      if (!('contents' in doc) || doc.errors.length > 0) continue;
      const obj = doc.toJS({ maxAliasCount: 20 }) as unknown;
      if (!isObject(obj) || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('argoproj.io/')) continue;
      const lineOf = (path: (string | number)[]): number => {
        const n = doc.getIn(path, true) as Node | undefined;
        const offset = n && (isScalar(n) || isMap(n) || isSeq(n)) ? n.range?.[0] : undefined;
        return offset !== undefined ? lc.linePos(offset).line : 1;
      };
      const name = String((obj.metadata as Record<string, unknown> | undefined)?.name ?? '');
      if (obj.kind === 'Application') {
        for (const d of sourcesOf(obj.spec))
          view.deployments.push({ ...d, kind: 'Application', name, file, line: lineOf(['spec', ...d.at]) });
      } else if (obj.kind === 'ApplicationSet') {
        const spec = isObject(obj.spec) ? obj.spec : {};
        const generators = Array.isArray(spec.generators) ? spec.generators : [];
        const goTemplate = spec.goTemplate === true;
        generators.forEach((g, i) => {
          const evaluated = evaluateGenerator(g);
          if ('unevaluable' in evaluated) {
            view.unevaluable.push({
              kind: 'ApplicationSet',
              name,
              generator: evaluated.unevaluable,
              file,
              line: lineOf(['spec', 'generators', i]),
            });
            return;
          }
          const template =
            isObject(g) && isObject((g as Record<string, unknown>).template)
              ? mergeTemplate(spec.template, (g as Record<string, unknown>).template)
              : spec.template;
          for (const params of evaluated.elements) {
            const rendered = substitute(isObject(template) ? template.spec : undefined, params, goTemplate);
            for (const d of sourcesOf(rendered))
              view.deployments.push({
                ...d,
                kind: 'ApplicationSet',
                name,
                file,
                line: lineOf(['spec', 'template', 'spec', ...d.at]),
              });
          }
        });
      }
    }
  }
  return view;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The source paths of an Application spec (single `source` or `sources`), with where they stand in the spec. */
type Source = Pick<ArgoDeployment, 'sourcePath' | 'namespace' | 'directory'> & { at: (string | number)[] };

function sourcesOf(spec: unknown): Source[] {
  if (!isObject(spec)) return [];
  const destination = isObject(spec.destination) ? spec.destination : {};
  const namespace =
    typeof destination.namespace === 'string' && destination.namespace !== '' ? destination.namespace : undefined;
  const out: Source[] = [];
  const add = (source: unknown, at: (string | number)[]): void => {
    if (!isObject(source) || typeof source.path !== 'string') return;
    const d = isObject(source.directory) ? source.directory : undefined;
    const directory = d
      ? {
          recurse: d.recurse === true,
          ...(typeof d.include === 'string' ? { include: d.include } : {}),
          ...(typeof d.exclude === 'string' ? { exclude: d.exclude } : {}),
          ...(d.jsonnet !== undefined ? { jsonnet: true } : {}),
        }
      : undefined;
    out.push({
      sourcePath: source.path,
      ...(namespace ? { namespace } : {}),
      ...(directory ? { directory } : {}),
      at: [...at, 'path'],
    });
  };
  add(spec.source, ['source']);
  if (Array.isArray(spec.sources)) spec.sources.forEach((s, i) => add(s, ['sources', i]));
  return out;
}

function mergeTemplate(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override ?? base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override))
    out[k] = isObject(v) && isObject(base[k]) ? mergeTemplate(base[k], v) : v;
  return out;
}

/** The parameter sets of a generator, or why it cannot be evaluated from the repository alone. */
function evaluateGenerator(g: unknown): { elements: Params[] } | { unevaluable: string } {
  if (!isObject(g)) return { unevaluable: 'malformed' };
  if (isObject(g.list)) {
    const elements = Array.isArray(g.list.elements) ? g.list.elements : [];
    if (g.list.elementsYaml !== undefined) return { unevaluable: 'list.elementsYaml' };
    return { elements: elements.filter(isObject).map((e) => flatten(e)) };
  }
  for (const combine of ['matrix', 'merge'] as const) {
    const spec = g[combine];
    if (!isObject(spec)) continue;
    const children = (Array.isArray(spec.generators) ? spec.generators : []).map(evaluateGenerator);
    const bad = children.find((c) => 'unevaluable' in c);
    if (bad) return bad;
    const lists = children.map((c) => (c as { elements: Params[] }).elements);
    if (combine === 'matrix') {
      let product: Params[] = [{}];
      for (const list of lists) {
        product = product.flatMap((p) => list.map((e) => ({ ...p, ...e })));
        if (product.length > MAX_ELEMENTS) return { unevaluable: 'matrix (too many elements)' };
      }
      return { elements: lists.length === 0 ? [] : product };
    }
    // merge: the first generator's elements, overridden by later ones sharing the mergeKeys.
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
  const kind = Object.keys(g).find((k) => k !== 'template' && k !== 'selector') ?? 'unknown';
  return { unevaluable: kind };
}

/** Element values as template parameters: nested maps flatten to dotted keys (`values.x`), as Argo CD does. */
function flatten(element: Record<string, unknown>, prefix = ''): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(element)) {
    if (isObject(v)) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else if (v !== null && v !== undefined) out[`${prefix}${k}`] = String(v);
  }
  return out;
}

/** `{{key}}` (fasttemplate) or `{{ .key }}` (goTemplate) substituted in every string of a template. */
function substitute(value: unknown, params: Params, goTemplate: boolean): unknown {
  if (typeof value === 'string')
    return value.replace(
      goTemplate ? /\{\{-?\s*\.([\w.-]+)\s*-?\}\}/g : /\{\{\s*([\w.-]+)\s*\}\}/g,
      (m, key: string) => (key in params ? params[key] : m),
    );
  if (Array.isArray(value)) return value.map((v) => substitute(v, params, goTemplate));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, params, goTemplate)]));
  return value;
}

/**
 * The overlay (root-relative path) a source path names: Argo CD paths are relative to the Git top, the root may sit
 * below it (`infra/gitops/apps/x` → `apps/x`); the longest overlay path ending the source path at a folder boundary.
 */
export function overlayForSource(sourcePath: string, overlayPaths: readonly string[]): string | undefined {
  const p = sourcePath.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  let best: string | undefined;
  for (const o of overlayPaths) {
    if (o === '.' ? false : p === o || p.endsWith(`/${o}`)) if (!best || o.length > best.length) best = o;
  }
  return best;
}
