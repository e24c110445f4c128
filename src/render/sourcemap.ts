/**
 * Maps a finding on a rendered resource back to the file a person edits: the base/overlay file that produced
 * the object (kustomize's origin annotation), or the overlay patch / `images:` / `namespace:` entry that set the
 * field. Falls back to the nearest existing parent in the origin file, then to the overlay's kustomization.
 */
import { oversizedDocument } from '../parse/budget.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import * as yaml from 'yaml';
import type { JsonPath, Resource, Span } from '../types.js';

interface ParsedFile {
  docs: Document.Parsed[];
  lc: LineCounter;
}

interface Match {
  span: Span;
  /** How many path segments were found. */
  depth: number;
}

export class SourceMapper {
  private files = new Map<string, Promise<ParsedFile | undefined>>();

  constructor(private readonly root: string) {}

  private load(file: string): Promise<ParsedFile | undefined> {
    let p = this.files.get(file);
    if (!p) {
      p = readFile(join(this.root, file), 'utf8').then(
        (text) => {
          const lc = new yaml.LineCounter();
          if (oversizedDocument(text)) return undefined; // too costly to parse with positions: no source lines
          try {
            return { docs: yaml.parseAllDocuments(text, { lineCounter: lc }) as Document.Parsed[], lc };
          } catch {
            return undefined; // no source lines: findings keep their rendered position
          }
        },
        () => undefined,
      );
      this.files.set(file, p);
    }
    return p;
  }

  /** Best source span for `path` in `resource`; `fallbackFile` is the overlay's kustomization. */
  async locate(resource: Resource, path: JsonPath, fallbackFile: string): Promise<Span> {
    let originMatch: Match | undefined;
    if (resource.origin) {
      const parsed = await this.load(resource.origin.file);
      const doc = parsed && findDoc(parsed.docs, resource);
      if (parsed && doc) {
        originMatch = match(doc, parsed.lc, path, resource.origin.file, resource.object);
      }
    }
    // Transformers run after the origin file was read, so the last one that set the field is what the user edits.
    for (const t of [...(resource.transformedBy ?? [])].reverse()) {
      const span = await this.fromTransformer(t.file, t.kind, resource, path);
      if (span) return span;
    }
    if (originMatch) return originMatch.span;
    return { file: fallbackFile, line: 1, column: 1 };
  }

  private async fromTransformer(
    kustomizationFile: string,
    kind: string,
    resource: Resource,
    path: JsonPath,
  ): Promise<Span | undefined> {
    const k = await this.load(kustomizationFile);
    const kdoc = k?.docs[0];
    if (!k || !kdoc) return undefined;
    const dir = kustomizationFile.includes('/') ? kustomizationFile.slice(0, kustomizationFile.lastIndexOf('/')) : '.';
    const kobj = (kdoc.toJS() ?? {}) as Record<string, unknown>;
    if (kind.startsWith('Patch')) {
      const patchFiles: string[] = [];
      for (const p of (Array.isArray(kobj.patches) ? kobj.patches : []) as { path?: unknown }[]) {
        if (typeof p?.path === 'string') patchFiles.push(p.path);
      }
      for (const p of (Array.isArray(kobj.patchesStrategicMerge) ? kobj.patchesStrategicMerge : []) as unknown[]) {
        if (typeof p === 'string' && !p.includes('\n')) patchFiles.push(p);
      }
      for (const rel of patchFiles) {
        const file = normalize(`${dir}/${rel}`);
        const parsed = await this.load(file);
        const doc = parsed && findDoc(parsed.docs, resource);
        if (parsed && doc) {
          const m = match(doc, parsed.lc, path, file, resource.object);
          if (m.depth === path.length) return m.span;
        }
      }
    }
    const last = path[path.length - 1];
    if (kind === 'ImageTagTransformer' && last === 'image' && Array.isArray(kobj.images)) {
      // The rendered image carries the entry's newName (or its original name when only the tag/digest changed).
      const rendered = getAt(resource.object, path);
      const name = typeof rendered === 'string' ? imageName(rendered) : undefined;
      const idx = (kobj.images as { name?: unknown; newName?: unknown }[]).findIndex(
        (i) => i?.newName === name || (i?.newName === undefined && i?.name === name),
      );
      if (idx >= 0) return match(kdoc.contents, k.lc, ['images', idx], kustomizationFile).span;
    }
    if (kind === 'NamespaceTransformer' && path.length === 2 && path[0] === 'metadata' && path[1] === 'namespace') {
      return match(kdoc.contents, k.lc, ['namespace'], kustomizationFile).span;
    }
    return undefined;
  }
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** Image reference without tag or digest: `repo/name:tag@sha256:…` → `repo/name`. */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function getAt(obj: unknown, path: JsonPath): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/**
 * The mapping describing the same object: same kind, and a name the rendered name was built from (prefix/suffix). A
 * list document (`kind: List`, a typed `ConfigMapList`, any object with an `items` sequence: parse/index.ts expands
 * them all) is searched item by item, so a finding on a listed object points into the list at that item.
 */
function findDoc(docs: Document.Parsed[], resource: Resource): YamlNode | undefined {
  const { isMap, isSeq } = yaml;
  let loose: YamlNode | undefined;
  const consider = (node: unknown, listKind: string | undefined): YamlNode | undefined => {
    if (!isMap(node)) return undefined;
    const own = node.get('kind');
    const kind = own === undefined ? listKind : own;
    const name = node.getIn(['metadata', 'name']);
    if (kind !== resource.id.kind) return undefined;
    if (name === resource.id.name) return node;
    if (typeof name === 'string' && name !== '' && resource.id.name.includes(name)) loose ??= node;
    // Generated objects (configMapGenerator) carry a hash suffix and no document of their own; patches may omit names.
    return undefined;
  };
  for (const doc of docs) {
    const contents = doc.contents;
    if (!isMap(contents)) continue;
    const items = contents.get('items');
    if (isSeq(items)) {
      const kind: unknown = contents.get('kind');
      const listKind =
        typeof kind === 'string' && kind !== 'List' && kind.endsWith('List')
          ? kind.slice(0, -'List'.length)
          : undefined;
      for (const item of items.items) {
        const hit = consider(item, listKind);
        if (hit) return hit;
      }
      continue;
    }
    const hit = consider(contents, undefined);
    if (hit) return hit;
  }
  return loose;
}

/**
 * Walks `path` in a source document. List items are matched by their `name` when the rendered item has one
 * (a patch or base may list containers in another order than the rendered object), else by index.
 */
function match(start: unknown, lc: LineCounter, path: JsonPath, file: string, rendered?: unknown): Match {
  const { isMap, isSeq, isPair, isScalar } = yaml;
  let node: unknown = start;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  let depth = 0;
  let renderedNode = rendered;
  for (const seg of path) {
    const renderedItem =
      renderedNode && typeof renderedNode === 'object'
        ? (renderedNode as Record<string | number, unknown>)[seg]
        : undefined;
    const itemName =
      renderedItem && typeof renderedItem === 'object' ? (renderedItem as { name?: unknown }).name : undefined;
    renderedNode = renderedItem;
    if (isSeq(node) && typeof seg === 'number' && typeof itemName === 'string') {
      const byName = node.items.find((it) => isMap(it) && it.get('name') === itemName);
      if (!byName) break;
      node = byName;
      offset = (node as YamlNode).range?.[0] ?? offset;
      depth++;
      continue;
    }
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      offset = (node as YamlNode).range?.[0] ?? offset;
    } else break;
    depth++;
  }
  const pos = lc.linePos(offset);
  return { span: { file, line: pos.line, column: pos.col }, depth };
}
