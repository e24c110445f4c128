/**
 * YAML documents → Resources with spans. Every problem is returned as a finding input, never thrown:
 * a rendered stream or a raw file that cannot be fully parsed must fail the run, not crash it.
 */
import type { Document, Node as YamlNode } from 'yaml';
import * as yaml from 'yaml';
import type { FindingInput, Locator, Resource, ResourceId, Span } from '../types.js';
import { parseGenerated } from './fast.js';
import { parseWithDocuments } from './documents.js';
import { MAX_DOCUMENT_BYTES, MAX_POSITIONAL_VALUES, oversizedDocument } from './budget.js';
import {
  RENDER_DUPLICATE_KEY,
  RENDER_DUPLICATE_RESOURCE,
  RENDER_INVALID_YAML,
  RENDER_LIMIT,
  RENDER_NOT_K8S,
} from '../rules/render.js';
import { extractOrigin, extractTransformations, stripBuildAnnotations } from './origin.js';
import { goOnlyLineBreak, mergeOverride } from './go-reader.js';

export interface ParseLimits {
  /** Largest single YAML document, in bytes (UTF-16 code units of the text). */
  maxDocumentBytes: number;
  /** Deepest nesting of maps/sequences inside one document. */
  maxDepth: number;
  /** Most alias dereferences one document may expand (billion-laughs guard). */
  maxAliasCount: number;
  /** Most documents in one stream. */
  maxDocuments: number;
  /**
   * Most values (lines and flow items, counted before parsing) in one document read by the positional parser: it
   * needs ~10 µs and ~450 bytes per value (a 4.7 MB ConfigMap of flow lists: 15 s, 1.6 GB).
   */
  maxPositionalValues: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxDocumentBytes: MAX_DOCUMENT_BYTES,
  maxDepth: 64,
  maxAliasCount: 100,
  maxDocuments: 20_000,
  maxPositionalValues: MAX_POSITIONAL_VALUES,
};

export interface ParseOptions {
  /** Overlay path the text was rendered from (or the input file for raw manifests). */
  overlay: string;
  /** Name used in spans (`<overlay>` for rendered streams, the repo-relative file for raw input). */
  file: string;
  limits?: Partial<ParseLimits>;
  /**
   * When the text was rendered through the origin wrapper: maps kustomize's origin path (relative to the
   * wrapper folder) to a repo-relative POSIX path, or undefined when it lies outside the root.
   */
  originPath?: (annotationPath: string) => string | undefined;
  /**
   * The text was printed by kustomize (documents split by `---` lines, no anchors, tags or merge keys): try the
   * fast parser first. Anything unusual falls back to the full parser, so verdicts and findings are the same.
   */
  generated?: boolean;
  /**
   * With `generated`: the same documents as a JSON array, as kfm-render sends them (parse/documents.ts). Used when it
   * provably reads as the text does; otherwise the text is parsed.
   */
  documents?: string;
}

export interface ParseResult {
  resources: Resource[];
  findings: FindingInput[];
}

const GENERIC_TAGS = new Set(['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);

export function parseResources(text: string, options: ParseOptions): ParseResult {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const findings: FindingInput[] = [];
  const resources: Resource[] = [];
  const lineCounter = new yaml.LineCounter();
  const problem = (ruleId: string, message: string, line?: number): void => {
    findings.push({ ruleId, message, overlay: options.overlay, file: options.file, line });
  };

  if (text.includes('\u0000')) {
    problem(RENDER_INVALID_YAML, 'input contains NUL bytes: not a YAML text stream');
    return { resources, findings };
  }
  // A file read as it is, Argo CD and kubectl read with go-yaml (parse/go-reader.ts); a rendered stream was printed by it.
  const goBreak = options.generated ? undefined : goOnlyLineBreak(text);
  if (goBreak) {
    problem(
      RENDER_INVALID_YAML,
      `${goBreak.what} is a line break for Go's YAML reader (kubectl, Argo CD) and none for this one: the text after it is read differently; use LF line ends`,
      goBreak.line,
    );
    return { resources, findings };
  }
  const seen = new Map<string, number>();
  /** Turns one parsed document into a Resource (or a finding), whichever parser produced it. */
  /** `list`: the origin of the list an item came from (kustomize annotates the list, not its items). */
  const accept = (
    value: unknown,
    docIndex: number,
    docLine: number,
    locate: Locator,
    list?: { origin?: string },
  ): void => {
    const inList = list !== undefined;
    if (value === null || value === undefined) {
      // An empty document (a stray `---`) is nothing; an empty List item is a broken object.
      if (inList) problem(RENDER_NOT_K8S, `document ${docIndex + 1}: a List item is empty`, docLine);
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problem(
        RENDER_NOT_K8S,
        `document ${docIndex + 1} is not a mapping (got ${Array.isArray(value) ? 'a list' : typeof value})`,
        docLine,
      );
      return;
    }
    const object = value as Record<string, unknown>;
    const items = listItems(object);
    if (items !== undefined) {
      // A `kind: List` (or a typed `ConfigMapList`…) is what `kubectl get -o yaml` prints and kubectl apply accepts:
      // each item is an object of its own, checked and reported at its own line, as kubeconform does.
      if (inList) {
        problem(RENDER_NOT_K8S, `document ${docIndex + 1}: a List inside a List is not a Kubernetes object`, docLine);
        return;
      }
      // Only a typed list (`ConfigMapList`) lends its items a kind; a `Bag`'s items must name their own.
      const kind = String(object.kind);
      const itemKind = kind !== 'List' && kind.endsWith('List') ? kind.slice(0, -'List'.length) : undefined;
      // kustomize expands only `*List` kinds; a `Bag` reaches us whole, its origin annotation on the Bag: its items
      // were written in the Bag's file, so a finding on one points there (render/sourcemap.ts finds the item). The
      // Bag's transformers (its namespace…) changed the Bag, not the items: those are not passed on.
      const fromList = { origin: extractOrigin(object) };
      items.forEach((item, i) => {
        const itemLocate: Locator = (path) => locate(['items', i, ...path]);
        const line = itemLocate([])?.line ?? docLine;
        accept(withListDefaults(item, object.apiVersion, itemKind), docIndex, line, itemLocate, fromList);
      });
      return;
    }
    const id = resourceId(object);
    if (!id) {
      problem(
        RENDER_NOT_K8S,
        `document ${docIndex + 1}${inList ? ' (a List item)' : ''} is not a Kubernetes object: apiVersion, kind and metadata.name (or generateName) are required strings`,
        docLine,
      );
      return;
    }
    const originAnnotation = extractOrigin(object) ?? list?.origin;
    const transformations = extractTransformations(object);
    stripBuildAnnotations(object);
    const rendered: Span = { file: options.file, line: docLine, column: 1 };
    let origin: Span | undefined;
    if (originAnnotation && options.originPath) {
      const file = options.originPath(originAnnotation);
      if (file) origin = { file, line: 1, column: 1 };
    }
    const transformedBy = options.originPath
      ? transformations.flatMap((t) => {
          const file = options.originPath!(t.configuredIn);
          return file ? [{ file, kind: t.kind }] : [];
        })
      : undefined;
    const resource: Resource = {
      id,
      overlay: options.overlay,
      object,
      rendered,
      origin,
      transformedBy: transformedBy && transformedBy.length > 0 ? transformedBy : undefined,
      docIndex,
      locate,
    };
    const key = identityKey(id);
    const first = seen.get(key);
    if (first !== undefined) {
      findings.push({
        ruleId: RENDER_DUPLICATE_RESOURCE,
        message: `duplicate resource ${describeId(id)} (first at line ${first})`,
        overlay: options.overlay,
        resource,
      });
    } else {
      seen.set(key, docLine);
    }
    resources.push(resource);
  };

  if (options.generated) {
    const fast =
      (options.documents !== undefined ? parseWithDocuments(text, options.documents, limits) : undefined) ??
      parseGenerated(text, limits);
    if (fast) {
      fast.forEach((d, i) => accept(d.value, i, d.line, d.locate(options.file)));
      return { resources, findings };
    }
  }
  // Before the full parser: it builds a node tree of the whole stream, so a 20 MB document would be parsed (seconds,
  // hundreds of MB) only to be refused by size below. A document cannot span a `---`/`...` line, so the text between
  // two such lines bounds the size of the document it holds: over a limit, the stream is refused unparsed.
  const oversized = oversizedDocument(text, limits);
  if (oversized) {
    problem(RENDER_LIMIT, `the document at line ${oversized.line} ${oversized.why}`, oversized.line);
    return { resources, findings };
  }
  let docs: Document.Parsed[];
  try {
    docs = yaml.parseAllDocuments(text, {
      lineCounter,
      uniqueKeys: true,
      merge: true,
      prettyErrors: false,
    }) as Document.Parsed[];
  } catch (err) {
    problem(RENDER_INVALID_YAML, `YAML could not be parsed: ${firstLine(err)}`);
    return { resources, findings };
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  if (docs.length > limits.maxDocuments) {
    problem(RENDER_LIMIT, `stream holds ${docs.length} documents, more than the limit of ${limits.maxDocuments}`);
    return { resources, findings };
  }

  docs.forEach((doc, docIndex) => {
    // The document's line is where its content starts, not its `---` marker.
    const startOffset = (doc.contents as YamlNode | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
    const docLine = lineCounter.linePos(startOffset).line;
    const docBytes = (doc.range?.[2] ?? startOffset) - (doc.range?.[0] ?? 0);
    if (docBytes > limits.maxDocumentBytes) {
      problem(
        RENDER_LIMIT,
        `document ${docIndex + 1} is ${docBytes} bytes, over the limit of ${limits.maxDocumentBytes}`,
        docLine,
      );
      return;
    }
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.pos ? lineCounter.linePos(e.pos[0]).line : docLine;
        const reason = e.code === 'DUPLICATE_KEY' ? `duplicate key: ${firstLine(e)}` : firstLine(e);
        problem(
          e.code === 'DUPLICATE_KEY' ? RENDER_DUPLICATE_KEY : RENDER_INVALID_YAML,
          `document ${docIndex + 1}: ${reason}`,
          line,
        );
      }
      return;
    }
    const unsafeTag = findUnsafeTag(doc);
    if (unsafeTag) {
      problem(RENDER_INVALID_YAML, `document ${docIndex + 1}: unsupported YAML tag ${unsafeTag.tag}`, unsafeTag.line);
      return;
    }
    const depth = nodeDepth(doc.contents, limits.maxDepth + 1);
    if (depth > limits.maxDepth) {
      problem(RENDER_LIMIT, `document ${docIndex + 1} nests deeper than ${limits.maxDepth} levels`, docLine);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      problem(RENDER_LIMIT, `document ${docIndex + 1}: ${firstLine(err)}`, docLine);
      return;
    }
    const override = text.includes('<<') ? mergeOverride(doc, lineCounter) : undefined;
    if (override) {
      problem(
        RENDER_DUPLICATE_KEY,
        `document ${docIndex + 1}: the merge key sets ${JSON.stringify(override.key)}, already set before it in the same mapping: YAML keeps the earlier value, Go's YAML reader (kubectl, Argo CD) the merged one; put \`<<\` first`,
        override.line,
      );
      return;
    }
    accept(value, docIndex, docLine, (path) => locateInDocument(doc, lineCounter, path, options.file));
  });
  return { resources, findings };
}

/** Group (not version) + kind + namespace + name: what the API server treats as the same object. */
export function identityKey(id: ResourceId): string {
  const group = id.apiVersion.includes('/') ? id.apiVersion.split('/')[0] : '';
  return `${group}|${id.kind}|${id.namespace ?? ''}|${id.name}`;
}

export function describeId(id: ResourceId): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name} (${id.apiVersion})`;
}

/**
 * Marks the name of an object that has only `metadata.generateName`: the API server appends a random suffix on
 * create, so the identity is the prefix plus this marker (kubeconform prints the same `{{ generateName }}`). It
 * cannot collide with a real name (braces and spaces are not allowed in object names), and two objects of the same
 * kind and namespace with the same prefix are still reported as duplicates: one stream creating the same object
 * twice is a copy-paste slip far more often than an intent.
 */
export const GENERATE_NAME_SUFFIX = '{{ generateName }}';

function resourceId(object: Record<string, unknown>): ResourceId | undefined {
  const { apiVersion, kind, metadata } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') return undefined;
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const meta = metadata as Record<string, unknown>;
  const name = nonEmpty(meta.name) ?? withSuffix(nonEmpty(meta.generateName));
  if (!name) return undefined;
  const id: ResourceId = { apiVersion, kind, name };
  if (typeof meta.namespace === 'string' && meta.namespace !== '') id.namespace = meta.namespace;
  return id;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withSuffix(prefix: string | undefined): string | undefined {
  return prefix === undefined ? undefined : `${prefix}${GENERATE_NAME_SUFFIX}`;
}

/**
 * The items of a list document, or undefined when the document is an object of its own. `kind: List` is always a
 * list (no items = empty). Any other object is one when it has an `items` sequence, whatever its kind and name: Argo
 * CD expands every object for which unstructured's IsList() holds (a top-level `items` array) and applies its items,
 * never the object, and kubectl decodes one as an UnstructuredList. A `Bag` of a permissive CRD holding a RoleBinding
 * to cluster-admin was checked as a Bag; a custom resource called `IPAllowList` without `items` stays an object.
 */
function listItems(object: Record<string, unknown>): unknown[] | undefined {
  const { kind, items } = object;
  if (typeof kind !== 'string' || typeof object.apiVersion !== 'string') return undefined;
  if (kind === 'List') return items === undefined || items === null ? [] : Array.isArray(items) ? items : undefined;
  return Array.isArray(items) ? items : undefined;
}

/** Items of a typed list (`ConfigMapList`) may omit apiVersion and kind: the API fills them from the list. */
function withListDefaults(item: unknown, apiVersion: unknown, kind: string | undefined): unknown {
  if (kind === undefined || !item || typeof item !== 'object' || Array.isArray(item)) return item;
  const object = item as Record<string, unknown>;
  if (object.apiVersion !== undefined && object.kind !== undefined) return item;
  return { apiVersion, kind, ...object };
}

import { locateInDocument } from './locate.js';

export { locateInDocument };

/** Depth of the node tree, stopping early once `cap` is reached (an iterative walk: no stack overflow on hostile input). */
function nodeDepth(root: unknown, cap: number): number {
  const { isMap, isSeq, isPair } = yaml;
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > max) max = depth;
    if (max >= cap) return max;
    for (const item of node.items) {
      if (isPair(item)) {
        stack.push([item.value, depth + 1]);
        stack.push([item.key, depth + 1]);
      } else stack.push([item, depth + 1]);
    }
  }
  return max;
}

/** Tags other than the YAML core schema's (e.g. `!!js/function`, `!custom`) are refused rather than guessed. */
function findUnsafeTag(doc: Document.Parsed): { tag: string; line?: number } | undefined {
  const { isMap, isSeq, isPair } = yaml;
  if (doc.warnings.length > 0) {
    const w = doc.warnings.find((x) => x.code === 'TAG_RESOLVE_FAILED' || /tag/i.test(x.message));
    if (w) return { tag: firstLine(w).replace(/^.*?(![^\s]*).*$/, '$1'), line: w.linePos?.[0]?.line };
  }
  let found: { tag: string } | undefined;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && !found) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    const tag = (node as { tag?: string }).tag;
    if (tag && !GENERIC_TAGS.has(tag) && !tag.startsWith('tag:yaml.org,2002:')) found = { tag };
    if (isMap(node) || isSeq(node)) for (const item of node.items) stack.push(item);
    if (isPair(node)) stack.push(node.key, node.value);
  }
  return found;
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}
