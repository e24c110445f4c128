/**
 * Kustomization text → ParsedKustomization, two ways with one result.
 *
 * The careful parse (`yaml` with a CST and a LineCounter) owns error messages and line numbers, but measured
 * ~0.7 s of a warm `check` on the 300-overlay benchmark repo, for files whose shape is almost always plain. The
 * fast parse loads the text with js-yaml under a schema that resolves plain scalars exactly as `yaml`'s core
 * schema does, extracts the same references with the same routine, and leaves line numbers to a careful parse
 * that runs only when someone reads a `line` (a walk issue, a finding): references are listed in the same order
 * by both, so the n-th reference's line is the careful parse's n-th.
 *
 * The fast result is used only when it cannot differ: any text with constructs the two libraries may treat
 * differently (anchors, aliases, tags, complex or collection keys, merge keys, directives, document markers,
 * tabs, CR, control characters, BOM, very long lines, flow collections or quoted scalars spanning lines), anything
 * js-yaml rejects (including every duplicate key), a root that is not a mapping, a null key, and any file whose
 * helmCharts or inline KRM functions need a line right away goes through the careful parse instead.
 */
import { oversizedDocument } from '../parse/budget.js';
import { goOnlyLineBreak } from '../parse/go-reader.js';
import { flowOpenAt, quoteOpenAt } from '../parse/open-lines.js';
import { BOOL, constructFloat, constructInt, isCoreFloat, isCoreInt, NULL, readPlainBlock } from './block-yaml.js';
import jsyaml from 'js-yaml';
import type { Node as YamlNode } from 'yaml';
import * as yaml from 'yaml';

export type RefKind = 'directory-or-file' | 'file';

export interface KustomizationRef {
  /** The field it came from, e.g. `resources`, `patches[0].path`, `configMapGenerator[1].files`. */
  field: string;
  value: string;
  line: number;
  /** `directory-or-file` for resources/bases/components, `file` for patches, generator inputs, … */
  kind: RefKind;
}

/** One `helmCharts:` entry: what decides where kustomize looks for the chart and which files helm reads. */
export interface HelmChartRef {
  line: number;
  name?: string;
  repo?: string;
  version?: string;
  valuesFile?: string;
  additionalValuesFiles: string[];
  /** `helmGlobals.chartHome` of the kustomization (kustomize's default is `charts`). */
  chartHome?: string;
  /** A form kfm-gitops does not inflate (the field that asked for it). */
  unsupported?: string;
}

export interface ParsedKustomization {
  abs: string;
  kind?: string;
  refs: KustomizationRef[];
  /** Uses of exec/container KRM functions (alpha plugins) found inline or in referenced generator files. */
  pluginFields: { field: string; line: number }[];
  helmCharts: HelmChartRef[];
  /** generators/transformers/validators given inline as YAML text: kustomize loads what their `path:`/`files:` name. */
  inlineConfigs: { field: string; text: string; line: number }[];
  /** The raw parsed object, for checks that need it (images:, namespace:). */
  object: Record<string, unknown>;
  error?: { message: string; line?: number };
}

/**
 * Every form kustomize's loader fetches from (api/internal/git/repospec.go and loader.IsRemoteFile of the pinned
 * release), and then some: any `scheme://`, a `git::` prefix, an scp-like `user@host:` for any user name,
 * `github.com:` or `github.com/`, host-prefixed paths (`gitlab.com/group/repo//dir`), `?ref=`/`?version=`
 * queries and `.git` repository paths. Case-insensitive like kustomize. Over-refusing a strange local folder name
 * fails closed; missing a form would open the network.
 */
const REMOTE = new RegExp(
  [
    /^[a-z][a-z0-9+.-]*:\/\//.source, // http(s)://, ssh://, file://, anything://
    /^[a-z][a-z0-9+.-]*:\/?[^/\s]/.source, // http:host/x, https:/x (url.Parse still sees a scheme)
    /^git::/.source,
    /^[a-z][a-z0-9-]*@/.source, // git@host:org/repo, deploy@host:org/repo//path (kustomize's user regexp)
    /^github\.com[:/]/.source,
    /^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?[/:]/.source, // host.tld/org/repo, host.tld:org/repo
    /\?(?:.*&)?(?:ref|version|timeout|submodules)=/.source,
    /\.git(?:\/\/|\/|\?|$)/.source,
    /_git\//.source, // Azure DevOps repository marker
  ].join('|'),
  'i',
);

export function isRemoteRef(value: string): boolean {
  const v = value.trim();
  if (v.startsWith('./') || v.startsWith('../') || v.startsWith('/')) return false;
  return REMOTE.test(v);
}

/** Inline function configs put the annotation in the string itself. */
export function usesFunctionAnnotation(text: string): boolean {
  return /config\.kubernetes\.io\/function|^\s*(exec|container)\s*:/m.test(text);
}

const DIR_FIELDS = ['resources', 'bases', 'components'];
const FILE_LIST_FIELDS = ['crds', 'configurations', 'patchesStrategicMerge'];
/** Entries are files or kustomization folders (kustomize accumulates them like resources), or inline YAML. */
export const CONFIG_FIELDS = ['generators', 'transformers', 'validators'];

/** An inline generator/transformer entry, as kustomize tells it from a path: it parses as a resource. */
export function isInlineConfig(value: string): boolean {
  return value.includes('\n') || /^\s*(?:apiVersion|kind|metadata)\s*:/m.test(value);
}
const GENERATOR_FIELDS = ['configMapGenerator', 'secretGenerator'];

/** How the extraction sees a parsed tree: the same questions answered from `yaml` nodes or from plain JS values. */
interface Reader<N> {
  get(map: N | undefined, key: string): N | undefined;
  /** The keys of a mapping with their lines (empty for anything else). */
  keys(map: N | undefined): { key: string; line: number }[];
  items(node: N | undefined): N[] | undefined;
  /** The string value of a scalar node, undefined for anything else. */
  str(node: N | undefined): string | undefined;
  isScalar(node: N | undefined): boolean;
  scalarText(node: N): string;
  line(node: N): number;
}

/**
 * A key as Go's encoding/json compares it with a field name (kustomize reads a kustomization through it): ASCII
 * without case, and the few other characters whose fold is an ASCII letter (`ſ` is `s`, the Kelvin sign `k`, `İ`
 * and `ı` are `i`). Every field name is ASCII, so other characters only have to stay themselves.
 */
export function goFold(key: string): string {
  // Nearly every key is ASCII: one native call (this runs for every key of every mapping the extraction reads).
  if (!NOT_ASCII.test(key)) return key.toUpperCase();
  let out = '';
  for (const c of key) {
    if (c === '\u017f') out += 'S';
    else if (c === '\u212a') out += 'K';
    else if (c === '\u0130' || c === '\u0131') out += 'I';
    else out += c <= '\u007f' ? c.toUpperCase() : c;
  }
  return out;
}

const NOT_ASCII = /[\u0080-\uffff]/;

/** The json names of kustomize's Kustomization fields (api/types/kustomization.go of the pinned release). */
const KUSTOMIZATION_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'openapi',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'patchesStrategicMerge',
  'patchesJson6902',
  'patches',
  'images',
  'imageTags',
  'replacements',
  'replicas',
  'vars',
  'sortOptions',
  'resources',
  'components',
  'crds',
  'bases',
  'configMapGenerator',
  'secretGenerator',
  'helmGlobals',
  'helmCharts',
  'helmChartInflationGenerator',
  'generatorOptions',
  'configurations',
  'generators',
  'transformers',
  'validators',
  'buildMetadata',
];

/** Fills refs, helmCharts and pluginFields. One routine for both parses, so their lists match item for item. */
function extract<N>(root: N, rr: Reader<N>, result: ParsedKustomization): void {
  // kustomize takes `Resources:` (or `reſources:`) for `resources:`: a key that is another spelling of a name read
  // here (or of any top-level field) is refused, or what it names would escape the walk's checks (issue: a component
  // outside the root rendered with no finding).
  // Each mapping's keys by their fold, made once per mapping: `get` asks about one name at a time, many times per
  // mapping (folding every key per question was most of the parse's cost on the medium bench repo).
  const foldsOf = new Map<N, Map<string, { key: string; line: number }[]>>();
  const folds = (map: N): Map<string, { key: string; line: number }[]> => {
    let byFold = foldsOf.get(map);
    if (!byFold) {
      byFold = new Map();
      for (const k of rr.keys(map)) {
        const f = goFold(k.key);
        const same = byFold.get(f);
        if (same) same.push(k);
        else byFold.set(f, [k]);
      }
      foldsOf.set(map, byFold);
    }
    return byFold;
  };
  const folded = (map: N | undefined, names: readonly string[]): void => {
    if (result.error || map === undefined || map === null || typeof map !== 'object') return;
    const byFold = folds(map);
    if (byFold.size === 0) return;
    // The first such key in the file is the one reported.
    let first: { key: string; line: number; field: string } | undefined;
    for (const field of names)
      for (const k of byFold.get(goFold(field)) ?? [])
        if (k.key !== field && (first === undefined || k.line < first.line)) first = { ...k, field };
    if (first)
      result.error = {
        message: `kustomize reads the key ${JSON.stringify(first.key)} as \`${first.field}\` (it matches field names without regard to case); write it as \`${first.field}\` so that what it names is checked`,
        line: first.line,
      };
  };
  folded(root, KUSTOMIZATION_FIELDS);
  const r: Reader<N> = {
    ...rr,
    get: (map, key) => {
      folded(map, [key]);
      return rr.get(map, key);
    },
  };
  const scalarList = (node: N | undefined, field: string, kind: RefKind): void => {
    const items = r.items(node);
    if (items) {
      items.forEach((item, i) => {
        const value = r.str(item);
        if (value !== undefined) result.refs.push({ field: `${field}[${i}]`, value, line: r.line(item), kind });
      });
      return;
    }
    const value = r.str(node);
    if (value !== undefined) result.refs.push({ field, value, line: r.line(node!), kind });
  };
  for (const field of DIR_FIELDS) scalarList(r.get(root, field), field, 'directory-or-file');
  for (const field of FILE_LIST_FIELDS) scalarList(r.get(root, field), field, 'file');
  for (const field of CONFIG_FIELDS) {
    const before = result.refs.length;
    scalarList(r.get(root, field), field, 'directory-or-file');
    const added = result.refs.splice(before);
    for (const ref of added) {
      if (isInlineConfig(ref.value)) result.inlineConfigs.push({ field: ref.field, text: ref.value, line: ref.line });
      else result.refs.push(ref);
    }
  }
  for (const field of ['patches', 'patchesJson6902', 'replacements']) {
    r.items(r.get(root, field))?.forEach((item, i) => scalarList(r.get(item, 'path'), `${field}[${i}].path`, 'file'));
  }
  for (const field of GENERATOR_FIELDS) {
    r.items(r.get(root, field))?.forEach((item, i) => {
      scalarList(r.get(item, 'files'), `${field}[${i}].files`, 'file');
      scalarList(r.get(item, 'envs'), `${field}[${i}].envs`, 'file');
      scalarList(r.get(item, 'env'), `${field}[${i}].env`, 'file');
    });
  }
  // `files:` entries may be `key=path`: only the path part is a reference.
  for (const ref of result.refs) {
    if (ref.field.endsWith('.files') || /\.files\[\d+\]$/.test(ref.field)) {
      const eq = ref.value.indexOf('=');
      if (eq > 0 && !isRemoteRef(ref.value)) ref.value = ref.value.slice(eq + 1);
    }
  }
  scalarList(r.get(r.get(root, 'openapi'), 'path'), 'openapi.path', 'file');
  const chartHome = r.get(r.get(root, 'helmGlobals'), 'chartHome');
  for (const chart of r.items(r.get(root, 'helmCharts')) ?? []) {
    const text = (key: string): string | undefined => {
      const node = r.get(chart, key);
      return r.isScalar(node) ? r.scalarText(node!) : undefined;
    };
    result.helmCharts.push({
      line: r.line(chart),
      name: text('name'),
      repo: text('repo'),
      version: text('version'),
      valuesFile: text('valuesFile'),
      additionalValuesFiles: (r.items(r.get(chart, 'additionalValuesFiles')) ?? []).flatMap((n) => r.str(n) ?? []),
      chartHome: r.isScalar(chartHome) ? r.scalarText(chartHome!) : undefined,
    });
  }
  // The deprecated single-chart form: same plugin, no vendoring rules of its own, so it is refused as helm.
  const legacy = r.get(root, 'helmChartInflationGenerator');
  if (legacy !== undefined && legacy !== null)
    result.helmCharts.push({
      line: r.line(legacy),
      additionalValuesFiles: [],
      unsupported: 'helmChartInflationGenerator',
    });
  // Inline KRM function configs (generators/transformers given as YAML objects instead of file names).
  for (const field of ['generators', 'transformers', 'validators']) {
    for (const item of r.items(r.get(root, field)) ?? []) {
      const value = r.str(item);
      if (value !== undefined && usesFunctionAnnotation(value)) result.pluginFields.push({ field, line: r.line(item) });
    }
  }
}

function emptyResult(abs: string): ParsedKustomization {
  return { abs, refs: [], pluginFields: [], helmCharts: [], inlineConfigs: [], object: {} };
}

/** The careful parse: `yaml` with positions. Owns every error message and every line number. */
export function parseKustomizationCareful(abs: string, text: string): ParsedKustomization {
  const result = emptyResult(abs);
  const over = oversizedDocument(text);
  if (over) {
    result.error = { message: `the document at line ${over.line} ${over.why}`, line: over.line };
    return result;
  }
  // kustomize reads the file with a libyaml reader, which breaks lines where this one does not (parse/go-reader.ts):
  // the walk would miss a field it reads (`# none<CR>components: [../outside]`). The fast parse sends these here.
  const brk = goOnlyLineBreak(text);
  if (brk) {
    result.error = {
      message: `${brk.what} is a line break for kustomize's YAML reader and none for this one: use LF line ends`,
      line: brk.line,
    };
    return result;
  }
  const { LineCounter, parseDocument, isAlias, isMap, isSeq, isScalar, isPair, visit } = yaml;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    result.error = { message: e.message.split('\n')[0], line: e.linePos?.[0]?.line };
    return result;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    if (root !== null) result.error = { message: 'a kustomization must be a YAML mapping', line: 1 };
    return result;
  }
  const lineOf = (node: unknown): number => lc.linePos((node as YamlNode | undefined)?.range?.[0] ?? 0).line;
  try {
    result.object = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Record<string, unknown>;
  } catch (err) {
    // An alias before its anchor, or too many aliases: bad input is an error with a line, never a throw.
    let line: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        line = lineOf(node);
        return visit.BREAK;
      },
    });
    result.error = { message: (err as Error).message.split('\n')[0], line };
    return result;
  }
  if (typeof result.object.kind === 'string') result.kind = result.object.kind;
  // kustomize reads the file through sigs.k8s.io/yaml (go-yaml v2): aliases stand for their anchored nodes (in keys
  // too) and a plain `<<` key merges a mapping in. The walk follows aliases; what a merge key brings in is no node of
  // the mapping it reads, so a file with one is refused (`<<: {components: [../outside]}` named nothing to the walk).
  let merge: YamlNode | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key;
      if (isScalar(key) && key.value === '<<' && (key.type === 'PLAIN' || key.tag === 'tag:yaml.org,2002:merge')) {
        merge = key;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (merge) {
    result.error = {
      message:
        'a merge key (`<<`): kustomize merges the mapping in, the walk before rendering does not; write its keys out',
      line: lineOf(merge),
    };
    return result;
  }
  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const scalarKey = (p: unknown): { value: unknown } | undefined => {
    const key = isPair(p) ? deref(p.key) : undefined;
    return isScalar(key) ? key : undefined;
  };
  const reader: Reader<unknown> = {
    get: (map, key) => {
      const m = deref(map);
      return isMap(m) ? deref(m.items.find((p) => scalarKey(p)?.value === key)?.value) : undefined;
    },
    keys: (map) => {
      const m = deref(map);
      return isMap(m)
        ? m.items.flatMap((p) => {
            const key = scalarKey(p);
            return key ? [{ key: String(key.value), line: lineOf(p.key) }] : [];
          })
        : [];
    },
    items: (node) => {
      const n = deref(node);
      return isSeq(n) ? n.items.map(deref) : undefined;
    },
    str: (node) => {
      const n = deref(node);
      return isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
    },
    isScalar: (node) => isScalar(deref(node)),
    scalarText: (node) => String((deref(node) as { value: unknown }).value),
    line: lineOf,
  };
  extract(root, reader, result);
  return result;
}

// --- the fast parse ---------------------------------------------------------------------------------------------

/** `yaml`'s core schema for js-yaml: the same implicit types in the same order (block-yaml.ts resolvePlain). */
const CORE_LIKE_YAML = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: unknown) => typeof s === 'string' && NULL.test(s),
      construct: () => null,
    }),
    new jsyaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (s: unknown) => typeof s === 'string' && BOOL.test(s),
      construct: (s: string) => s[0] === 't' || s[0] === 'T',
    }),
    new jsyaml.Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: unknown) => typeof s === 'string' && isCoreInt(s),
      construct: constructInt,
    }),
    new jsyaml.Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: unknown) => typeof s === 'string' && isCoreFloat(s),
      construct: constructFloat,
    }),
  ],
});

/**
 * Text the fast parse leaves to the careful one. Each alternative is a construct where js-yaml and `yaml` may
 * disagree on the value or on whether it is an error; a false alarm only costs speed.
 */
export const UNTRUSTED = new RegExp(
  [
    /(?:^|[\s[{,:?-])[&*!][^\s]/.source, // anchors, aliases, tags
    /(?:^|[\s[{,:-])\?(?:\s|$)/.source, // complex keys
    /[\]}]\s*:(?:\s|$)/.source, // a flow collection used as a key
    /<<\s*:/.source, // merge keys
    /["'\]}]#/.source, // a comment glued to a token (`yaml` requires white space before it)
    /^(?:%|---(?:\s|$)|\.\.\.(?:\s|$))/.source, // directives, document markers
    /^[^\n]{1000}/.source, // implicit-key length limits
    // eslint-disable-next-line no-control-regex -- control characters, tab, CR, NEL, BOM, non-characters
    /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/.source,
  ].join('|'),
  'm',
);

/**
 * Characters without which UNTRUSTED can only match through `"#`, `'#`, a `---`/`...` line or a long line: one
 * character-class scan settles most texts (the alternation costs ~10 ns a byte: as much as the parse of a plain
 * kustomization, issue 20).
 */
// eslint-disable-next-line no-control-regex -- the control characters of UNTRUSTED's last alternative
const UNTRUSTED_CHARS = /[&*!?<%\]}\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/;

/** UNTRUSTED.test(text), with the full alternation run only when one of its triggers is in the text. */
export function untrusted(text: string): boolean {
  if (
    UNTRUSTED_CHARS.test(text) ||
    text.includes('"#') ||
    text.includes("'#") ||
    text.includes('---') ||
    text.includes('...') ||
    hasLongLine(text, 1000)
  )
    return UNTRUSTED.test(text);
  return false;
}

function hasLongLine(text: string, length: number): boolean {
  if (text.length < length) return false;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    if (nl - start >= length) return true;
    start = nl + 1;
  }
  return text.length - start >= length;
}

/** A flow collection must open and close on one line: multi-line flow indentation rules differ between parsers. */
function flowSpansLines(text: string): boolean {
  return /[[{]/.test(text) && text.split('\n').some(flowOpenAt);
}

/**
 * A quoted scalar must close on the line it opens: continuation lines have indentation rules js-yaml does not
 * enforce (measured: it accepts what `yaml` rejects as "Missing closing quote"). Errs towards "spans": a quote
 * is taken to open wherever a node may start, block-scalar content included.
 */
function quoteSpansLines(text: string): boolean {
  return /["']/.test(text) && text.split('\n').some(quoteOpenAt);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A null key stringifies to '' in `yaml` and to 'null' in js-yaml; an empty key is left to the careful parse too. */
function hasAmbiguousKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const v of node) if (v !== null && typeof v === 'object') stack.push(v);
    } else if (isPlainObject(node)) {
      for (const key of Object.keys(node)) {
        if (key === 'null' || key === '') return true;
        const v = node[key];
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
  }
  return false;
}

const own = (map: unknown, key: string): unknown =>
  isPlainObject(map) && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;

/**
 * One YAML document (no markers) read by js-yaml exactly as `yaml`'s core schema reads it; undefined when the text
 * holds anything the two may read differently (UNTRUSTED and the checks beside it) or js-yaml rejects it. Also the
 * Argo CD view's fast read (argo/block-lines.ts).
 */
export function loadLikeYaml(text: string): { value: unknown } | undefined {
  return loadScreened(text, true);
}

/** loadLikeYaml with js-yaml alone, never block-yaml.ts's reader (tests compare the two). */
export function loadLikeYamlWithJsYaml(text: string): { value: unknown } | undefined {
  return loadScreened(text, false);
}

function loadScreened(text: string, plainReader: boolean): { value: unknown } | undefined {
  if (untrusted(text) || flowSpansLines(text) || quoteSpansLines(text)) return undefined;
  // Plain block YAML (nearly every kustomization): the same value without js-yaml (block-yaml.ts).
  const plain = plainReader ? readPlainBlock(text) : undefined;
  if (plain) return plain;
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: CORE_LIKE_YAML, json: false });
  } catch {
    return undefined; // the careful parse reads it and owns the error
  }
  return hasAmbiguousKey(value) ? undefined : { value };
}

const valueReader: Reader<unknown> = {
  get: own,
  keys: (map) => (isPlainObject(map) ? Object.keys(map).map((key) => ({ key, line: 0 })) : []),
  items: (node) => (Array.isArray(node) ? node : undefined),
  str: (node) => (typeof node === 'string' ? node : undefined),
  isScalar: (node) => node === null || typeof node !== 'object',
  scalarText: (node) => String(node),
  line: () => 0, // replaced by a lazy careful-parse lookup below
};

/**
 * A `---` line that opens a kustomization file. Many start with one (266 of redhat-cop/gitops-catalog's, all read by
 * the careful parse: ~0.1 s of node CPU, issue 20). It only opens the document: the value is that of the text after
 * it, which is screened and read instead (lines still come from the careful parse of the whole text). A marker
 * anywhere else, or one with anything after it on its line, stays untrusted.
 */
const OPENING_MARKER = /^---[ ]*\n/;

/**
 * The fast parse, or undefined when its result could differ from the careful one. Lines of refs are computed on
 * first read by a careful parse of the same text (once per file), so a run that never reports a reference's line
 * never pays for positions.
 */
export function parseKustomizationFast(abs: string, text: string): ParsedKustomization | undefined {
  const marker = OPENING_MARKER.exec(text);
  const value = loadLikeYaml(marker ? text.slice(marker[0].length) : text)?.value;
  if (!isPlainObject(value)) return undefined;
  const result = emptyResult(abs);
  result.object = value;
  if (typeof value.kind === 'string') result.kind = value.kind;
  extract<unknown>(value, valueReader, result);
  // Lines needed now.
  if (result.error || result.helmCharts.length > 0 || result.pluginFields.length > 0 || result.inlineConfigs.length > 0)
    return undefined;
  const lines = new CarefulLines(abs, text);
  result.refs = result.refs.map((ref, i) => new LazyLineRef(ref, lines, i));
  return result;
}

/** The lines of a fast parse's refs: one careful parse of the same text, made when the first is asked. */
class CarefulLines {
  private careful: ParsedKustomization | undefined;
  constructor(
    private readonly abs: string,
    private readonly text: string,
  ) {}

  line(i: number): number {
    return (this.careful ??= parseKustomizationCareful(this.abs, this.text)).refs[i]?.line ?? 0;
  }
}

/**
 * A fast parse's reference, its line looked up on first read. The accessor is the class's, not a pair of closures
 * defined on each ref: those (and the dictionary-mode object they made) were ~600 bytes a ref, 66,000 refs and ~44 MB
 * of the 7,500-overlay bench repo's live heap at the end of discovery, its peak (issue 20).
 */
class LazyLineRef implements KustomizationRef {
  field: string;
  value: string;
  kind: RefKind;
  private known: number | undefined;

  constructor(
    ref: KustomizationRef,
    private readonly lines: CarefulLines,
    private readonly index: number,
  ) {
    this.field = ref.field;
    this.value = ref.value;
    this.kind = ref.kind;
  }

  get line(): number {
    return (this.known ??= this.lines.line(this.index));
  }

  set line(n: number) {
    this.known = n;
  }

  /** As a plain ref: the line is a value there. */
  toJSON(): KustomizationRef {
    return { field: this.field, value: this.value, line: this.line, kind: this.kind };
  }
}

/** The parsed kustomization: fast when that is provably the same result, careful otherwise. */
export function parseKustomization(abs: string, text: string): ParsedKustomization {
  return parseKustomizationFast(abs, text) ?? parseKustomizationCareful(abs, text);
}
