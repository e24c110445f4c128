/**
 * What a `check` run keeps of a rendered overlay's objects while the rest of the run goes on (issue 20: every
 * Resource held its parsed object for the whole run, ~2 KB of live objects and strings per rendered resource, so
 * memory grew with the repo: 316 MB peak RSS on the large bench repo, 1 GB on xlarge).
 *
 * Once an overlay is parsed, its objects are packed into one buffer (their JSON text, raw-deflated) and each Resource
 * is replaced by a shell (id, overlay, line, origin, docIndex, where its JSON lies in the pack) whose `object` is read
 * back on demand. Checks read resources overlay by overlay, in run order, so a small cache of the last unpacked
 * overlays serves them: an overlay is unpacked about once per pass and its objects are dropped when the pass moves
 * on. The policy engine reads JSON: it gets each object's JSON bytes from the pack (`json()`), no object is made.
 *
 * Why these choices (measured on 834 rendered resources of the medium bench repo, 2-core machine under load):
 * - JSON, because it is what the policy engine reads (the OPA SDK would JSON.stringify the objects anyway), and
 *   JSON.parse unpacks at least as fast as V8's deserializer. It is exact for what parsing produces, except a number
 *   JSON has no text for (a YAML `.inf` or `.nan` read by js-yaml, `undefined`): an overlay holding one is packed with
 *   V8's serializer instead, which gives back exactly what was packed (a schema verdict on `.inf` must not change).
 *   (-0 comes back as 0: no check can tell them apart, schema comparisons and messages treat both as 0.)
 * - raw deflate at level 1: ~160 bytes per resource (against ~750 as JSON, ~2,000 as live objects); packing ~10 ms
 *   and unpacking ~8 ms of CPU per 1,000 resources; higher levels packed slower for a few % less space. Against a
 *   preset dictionary (the first large overlay's JSON: overlays of one repo share most of their text) ~90 bytes:
 *   the large bench repo's 25,600 packed resources 4.13 → 2.32 MB, node CPU unchanged (issue 20).
 * - in memory, never a spill file: the packs hold Secret values, and nothing the run writes may hold them in plain
 *   text; at ~14 MB for the xlarge repo (152k resources) a file would save little.
 */
import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FindingInput, JsonPath, RenderedOverlay, Resource, ResourceId, Span } from '../types.js';
import { ownCopy } from '../util/safe-read.js';

type Obj = Record<string, unknown>;

/** Overlays whose unpacked objects stay cached: passes read overlay by overlay. */
const RECENT_OVERLAYS = 8;
/**
 * Overlays whose JSON text stays cached: a policy part reads its members' texts and those of the shared platform
 * overlays it relates to (a team baseline, the bootstrap), which recur in every part; texts are smaller than objects.
 */
const RECENT_TEXTS = 32;

/**
 * One overlay's objects, packed: the deflated JSON array of its objects, or (not JSON-exact) their V8 serialization;
 * and what its shells read instead of holding it themselves (issue 20: ten fields per shell were ~100 bytes of each
 * of the xlarge bench repo's 152k resources): the overlay path, and per resource four integers in one typed array.
 */
class Pack {
  /**
   * Per resource: rendered line, docIndex, where its JSON lies in the unpacked text (bytes, JSON packs), and its
   * id's apiVersion, kind and namespace (an index into PackStore.shapes).
   */
  readonly rows: Int32Array;
  /** Per resource: its id's name. */
  readonly names: string[] = [];
  /** Set per resource only when a resource has one (origin mapping, resolveOrigins): most never do. */
  origins?: (Span | undefined)[];
  transforms?: ({ file: string; kind: string }[] | undefined)[];
  constructor(
    readonly store: PackStore,
    readonly bytes: Buffer,
    readonly format: 'json' | 'v8',
    /** The preset dictionary it was deflated with (PackStore.dictionary), if any. */
    readonly dictionary: Buffer | undefined,
    readonly overlay: string,
    count: number,
  ) {
    this.rows = new Int32Array(count * ROW);
  }
}

/** Int32 slots per resource in Pack.rows. */
const ROW = 5;

/** An id without its name: what many resources of a run share. */
interface Shape {
  apiVersion: string;
  kind: string;
  namespace?: string;
}

/**
 * A resource of a packed overlay: what the pipeline and findings need, and its object on demand. Holds no object,
 * so a finding that points at it keeps nothing of the overlay alive but the pack; everything is read from the pack
 * (its id too: a new object per read, whose fields are the run's shared strings).
 */
class PackedResource implements Resource {
  constructor(
    private readonly pack: Pack,
    private readonly index: number,
  ) {}

  get id(): ResourceId {
    const { apiVersion, kind, namespace } = this.pack.store.shapes[this.pack.rows[this.index * ROW + 4]];
    const name = this.pack.names[this.index];
    return namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, name, namespace };
  }

  get overlay(): string {
    return this.pack.overlay;
  }

  get docIndex(): number {
    return this.pack.rows[this.index * ROW + 1];
  }

  get origin(): Span | undefined {
    return this.pack.origins?.[this.index];
  }

  set origin(span: Span | undefined) {
    (this.pack.origins ??= [])[this.index] = span;
  }

  get transformedBy(): { file: string; kind: string }[] | undefined {
    return this.pack.transforms?.[this.index];
  }

  set transformedBy(by: { file: string; kind: string }[] | undefined) {
    (this.pack.transforms ??= [])[this.index] = by;
  }

  get object(): Obj {
    return this.pack.store.objectsOf(this.pack)[this.index];
  }

  json(): Uint8Array {
    if (this.pack.format === 'v8') return Buffer.from(JSON.stringify(this.object), 'utf8');
    const at = this.index * ROW;
    return this.pack.store.textOf(this.pack).subarray(this.pack.rows[at + 2], this.pack.rows[at + 3]);
  }

  /** A packed overlay's rendered text was released (run/compact.ts): placement goes through its sources. */
  get rendered(): Span {
    return { file: this.pack.overlay, line: this.pack.rows[this.index * ROW], column: 1 };
  }

  locate(_path: JsonPath): Span | undefined {
    return undefined;
  }
}

/** False when JSON would not give the value back: a non-finite number or `undefined` somewhere in it. */
function jsonExact(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === undefined) return false;
  // Parsed objects are at most 64 levels deep (parse limits); deeper is treated as inexact (V8 packs it exactly).
  if (value === null || typeof value !== 'object') return true;
  if (depth > 100) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (!jsonExact(v, depth + 1)) return false;
  return true;
}

/** Deflate looks back 32 KB at most: a longer dictionary is never used. */
const DICTIONARY_MAX = 32 * 1024;
/** A smaller first overlay is a poor dictionary: a later one of this size is taken instead. */
const DICTIONARY_MIN = 4 * 1024;

/**
 * Resources a check run keeps as parsed objects before it packs the overlays that follow. Packing and reading back
 * cost CPU (~0.3-0.6 s on the 6,000-resource bench repo, ~1.3 s on the 30,000-resource one, measured) and win memory
 * only at scale: the first 5,000 resources stay as parsed objects (~10-20 MB); past them every overlay is packed, so
 * memory grows by the ~450 bytes of a shell per resource, not by its objects (issue 20). Measured on the large bench
 * repo: 5,000 kept gives the peak RSS of packing everything (301 vs 303 MB) for 1.3 s less node CPU; 10,000 kept
 * peaked 30 MB higher.
 */
export const UNPACKED_RESOURCES = 5_000;

/** The run's packs and the caches of recently unpacked overlays. */
export class PackStore {
  private readonly objects: { pack: Pack; value: Obj[] }[] = [];
  private readonly texts: { pack: Pack; value: Buffer }[] = [];
  /**
   * The JSON text (its last DICTIONARY_MAX bytes) of the first overlay packed with at least DICTIONARY_MIN bytes: zlib's
   * preset dictionary for every later pack. A repo's overlays share most of their text (keys, labels, images, the
   * same base rendered per environment), which a pack of one overlay alone cannot use.
   */
  private dictionary: Buffer | undefined;
  /** The ids' apiVersion, kind and namespace, each once (shells hold an index: shapeOf). */
  readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<string, Map<string, Map<string | undefined, number>>>();
  /** apiVersion, kind and namespace repeat across resources: one string each per run. */
  private readonly strings = new Map<string, string>();
  /** Counters for tests and measurements. */
  readonly stats = { packed: 0, unpacked: 0, bytes: 0 };

  /**
   * Packs the overlay's objects and replaces its resources by shells, in place (same order and count). The objects
   * just packed are the first cache entry, so reading them right after packing costs nothing.
   */
  pack(rendered: RenderedOverlay): void {
    const resources = rendered.resources;
    if (resources.length === 0) return;
    // A shell reads its overlay from the pack: an overlay whose resources name different ones is not packed.
    const overlay = resources[0].overlay;
    if (resources.some((r) => r.overlay !== overlay)) return;
    const objects = resources.map((r) => r.object);
    const pieces = objects.map((o) => JSON.stringify(o));
    // JSON writes a non-finite number as null: only an object whose text has a null can have lost something.
    const exact = pieces.every((text, i) => !text.includes('null') || jsonExact(objects[i]));
    const spans: [number, number][] = [];
    let packed: Buffer;
    let dictionary: Buffer | undefined;
    if (exact) {
      const joined = `[${pieces.join(',')}]`;
      const utf8 = Buffer.from(joined, 'utf8');
      // All ASCII (the usual case): a piece's bytes are its characters, no second pass over the text.
      const ascii = utf8.length === joined.length;
      let at = 1; // after '['
      for (const text of pieces) {
        const end = at + (ascii ? text.length : Buffer.byteLength(text, 'utf8'));
        spans.push([at, end]);
        at = end + 1; // ','
      }
      dictionary = this.dictionary;
      packed = deflateRawSync(utf8, dictionary ? { level: 1, dictionary } : { level: 1 });
      // The first overlay of some size becomes the dictionary of every later one (a copy: `utf8` may be pooled).
      this.dictionary ??= utf8.length >= DICTIONARY_MIN ? Buffer.from(utf8.subarray(-DICTIONARY_MAX)) : undefined;
    } else {
      packed = deflateRawSync(serialize(objects), { level: 1 });
    }
    // zlib's output is a view of a 16 KB chunk: copied out, so a pack costs its own size, not 16 KB. Not with
    // Buffer.from, which puts anything under 4 KB in Node's shared 8 KB pool: a pack kept for the run pinned a whole
    // pool slab (xlarge bench repo: 3,993 slabs, 32.7 MB, for ~13 MB of packs; heap snapshot).
    const pack = new Pack(this, ownCopy(packed), exact ? 'json' : 'v8', dictionary, overlay, resources.length);
    this.stats.packed++;
    this.stats.bytes += pack.bytes.length;
    rendered.resources = resources.map((r, i) => {
      const row = i * ROW;
      pack.rows[row] = r.rendered.line;
      pack.rows[row + 1] = r.docIndex;
      pack.rows[row + 2] = spans[i]?.[0] ?? 0;
      pack.rows[row + 3] = spans[i]?.[1] ?? 0;
      pack.rows[row + 4] = this.shapeOf(r.id);
      pack.names.push(r.id.name);
      const shell = new PackedResource(pack, i);
      if (r.origin !== undefined) shell.origin = r.origin;
      if (r.transformedBy !== undefined) shell.transformedBy = r.transformedBy;
      return shell;
    });
    remember(this.objects, pack, objects);
  }

  /** The overlay's objects (unpacked again when they left the cache). */
  objectsOf(pack: Pack): Obj[] {
    const known = recall(this.objects, pack);
    if (known) return known;
    this.stats.unpacked++;
    // A text made for the objects is not cached: the objects are.
    const objects = (
      pack.format === 'json'
        ? JSON.parse((recall(this.texts, pack) ?? inflated(pack)).toString('utf8'))
        : deserialize(inflated(pack))
    ) as Obj[];
    remember(this.objects, pack, objects);
    return objects;
  }

  /** The JSON text of a JSON pack (inflated again when it left the cache). */
  textOf(pack: Pack): Buffer {
    const known = recall(this.texts, pack);
    if (known) return known;
    const text = inflated(pack);
    remember(this.texts, pack, text, RECENT_TEXTS);
    return text;
  }

  /**
   * The index of an id's apiVersion, kind and namespace in `shapes`: a run has few of them (the large bench repo
   * ~1,000 for 30,000 resources), so a shell keeps an integer where it kept an object per resource (issue 20).
   */
  private shapeOf(id: ResourceId): number {
    let byKind = this.shapeIndex.get(id.apiVersion);
    if (!byKind) this.shapeIndex.set(id.apiVersion, (byKind = new Map()));
    let byNamespace = byKind.get(id.kind);
    if (!byNamespace) byKind.set(id.kind, (byNamespace = new Map()));
    let at = byNamespace.get(id.namespace);
    if (at === undefined) {
      at = this.shapes.length;
      const apiVersion = this.intern(id.apiVersion);
      const kind = this.intern(id.kind);
      this.shapes.push(
        id.namespace === undefined ? { apiVersion, kind } : { apiVersion, kind, namespace: this.intern(id.namespace) },
      );
      byNamespace.set(id.namespace, at);
    }
    return at;
  }

  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }
}

function inflated(pack: Pack): Buffer {
  return pack.dictionary ? inflateRawSync(pack.bytes, { dictionary: pack.dictionary }) : inflateRawSync(pack.bytes);
}

/** Most recently used first. */
function recall<T>(cache: { pack: Pack; value: T }[], pack: Pack): T | undefined {
  const at = cache.findIndex((e) => e.pack === pack);
  if (at < 0) return undefined;
  const entry = cache[at];
  if (at > 0) {
    cache.splice(at, 1);
    cache.unshift(entry);
  }
  return entry.value;
}

function remember<T>(cache: { pack: Pack; value: T }[], pack: Pack, value: T, size = RECENT_OVERLAYS): void {
  cache.unshift({ pack, value });
  if (cache.length > size) cache.pop();
}

/**
 * Findings reported while an overlay rendered point at its parsed resources: they are pointed at the shells that
 * replaced them (same index), so they do not keep the overlay's objects alive.
 */
export function onShells(found: FindingInput[], before: Resource[], after: Resource[]): FindingInput[] {
  if (before === after) return found;
  const index = new Map(before.map((r, i) => [r, i]));
  return found.map((f) => {
    const i = f.resource ? index.get(f.resource) : undefined;
    return i === undefined ? f : { ...f, resource: after[i] };
  });
}
