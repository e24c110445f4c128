/**
 * Render cache: a Renderer that wraps another and keeps successful renders on disk, keyed by everything the
 * output depends on — the content of every input file of the overlay, the kustomize command and version, the
 * flags that change the output, and the cache format. A warm run with nothing changed runs kustomize zero times.
 *
 * Entries are written through a temp file and rename (atomic, so two concurrent runs never see half an entry),
 * are authenticated by their encryption (AES-GCM: a corrupt or truncated entry is deleted and re-rendered, never
 * trusted), and a cache folder that cannot be written (read-only, full) only costs speed: the run renders as if there were no
 * cache and the reason is returned in `warnings` for the CLI to print.
 *
 * Origin annotations name files relative to the temporary wrapper folder the inner renderer used; they are
 * rewritten to root-relative paths before the text is stored or returned, and `originBase` is the root, so a hit
 * maps findings to the same files as a fresh render — also when the repo was moved or copied with its cache.
 */
import { createHash } from 'node:crypto';
import { open, SEAL_OVERHEAD, sealParts } from '../util/seal.js';
import { loadOrCreateKey, userKeyFile } from '../util/user-key.js';
import { readdir, rm, stat, unlink } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import { KUSTOMIZATION_NAMES } from '../discover/names.js';
import { ensureIgnoredDir, toRepoPath } from '../util/paths.js';
import type { EntryStore, RenderOutcome, RenderRequest, Renderer } from './types.js';
import { runFacts } from '../util/file-facts.js';
import { FolderWriter } from '../util/atomic-write.js';
import { CACHE_FILE_MAX, readRegularFile, unreadReason } from '../util/safe-read.js';
import { redactPathFormats } from '../redact/index.js';

/** Bump when the entry layout or the key material changes: old entries then simply stop matching. */
export const CACHE_FORMAT = 'kfm-gitops-render-cache/3';

const KUSTOMIZATION = new Set(KUSTOMIZATION_NAMES);
const ORIGIN_KEY = 'config.kubernetes.io/origin';
const TRANSFORMATIONS_KEY = 'alpha.config.kubernetes.io/transformations';
/** Temp files older than this are leftovers of a killed run. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface RenderCacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** Entries found corrupt, deleted and re-rendered. */
  healed: number;
  /** Renders not cacheable (failed, exec plugins, no input list, origin paths not recognised). */
  bypassed: number;
}

export interface CachingRendererOptions {
  /** Absolute folder the entries live in (see `renderCacheDir`). */
  dir: string;
}

export { renderCacheDir } from './cache-dir.js';

export class CachingRenderer implements Renderer {
  readonly command: string;
  readonly version: string;
  readonly lanes?: number;
  readonly helm?: string;
  readonly stats: RenderCacheStats = { hits: 0, misses: 0, writes: 0, healed: 0, bypassed: 0 };
  private readonly warningSet = new Set<string>();
  private writable = true;
  private prepared: Promise<boolean> | undefined;
  private writer: FolderWriter | undefined;

  constructor(
    private readonly inner: Renderer,
    private readonly options: CachingRendererOptions,
  ) {
    this.command = inner.command;
    this.version = inner.version;
    this.lanes = inner.lanes;
    this.helm = inner.helm;
  }

  /** Problems with the cache folder, one line each, for the CLI to print as warnings. The run never fails on them. */
  get warnings(): string[] {
    return [...this.warningSet];
  }

  async render(request: RenderRequest): Promise<RenderOutcome> {
    // Exec plugins may read anything (env, network, files outside the walk): no key could cover their output.
    // Helm renders are not cached either: the key does not cover the helm binary (rebuilt in place by the tools).
    if (request.allowExec || request.helm || !request.inputs) {
      this.stats.bypassed++;
      return this.inner.render(request);
    }
    const key = await cacheKey(this.inner, request);
    const file = join(this.options.dir, `${key}.entry`);
    const hit = await this.read(file, key);
    if (hit !== undefined) {
      this.stats.hits++;
      return {
        ok: true,
        text: hit.text,
        originBase: hit.origin ? request.root : undefined,
        cached: true,
        ...(hit.documents !== undefined ? { documents: hit.documents } : {}),
      };
    }
    this.stats.misses++;
    // A kfm-render worker writes the entry of its own render (no second copy of ~10 MB through this process on a
    // cold run of the medium bench repo); origin renders are rewritten here first, so this process writes those.
    const store = !request.origin && this.inner.storesEntries ? await this.entryStore(key, request) : undefined;
    const outcome = await this.inner.render(store ? { ...request, store } : request);
    if (!outcome.ok) return outcome; // failures are never cached: the next run must see them again
    if (store && outcome.stored) {
      this.stats.writes++;
      return {
        ok: true,
        text: outcome.text,
        ...(outcome.documents !== undefined ? { documents: outcome.documents } : {}),
      };
    }
    if (store && outcome.storeError !== undefined) {
      this.cannotWrite(new Error(outcome.storeError));
      return {
        ok: true,
        text: outcome.text,
        ...(outcome.documents !== undefined ? { documents: outcome.documents } : {}),
      };
    }
    let text = outcome.text;
    let origin = false;
    if (outcome.originBase !== undefined) {
      const canonical = canonicalizeOrigins(text, outcome.originBase, request.root);
      if (canonical === undefined) {
        this.stats.bypassed++;
        return outcome;
      }
      text = canonical;
      origin = true;
    }
    // The JSON documents are kept beside the text (a hit then needs no YAML parse either), never for origin renders:
    // their paths were rewritten in the text only.
    const documents = origin ? undefined : outcome.documents;
    // Unchanged text is stored from the bytes the renderer sent (no second UTF-8 encoding of ~10 MB on a cold run).
    const raw = origin ? undefined : outcome.raw;
    await this.write(file, {
      key,
      overlay: redactPathFormats(request.overlay.path), // a label only (never read back): no token in clear on disk
      text: raw?.text ?? text,
      origin,
      documents: documents !== undefined ? (raw?.documents ?? documents) : undefined,
    });
    // The same canonical form a hit returns, so cold and warm runs cannot differ.
    return {
      ok: true,
      text,
      originBase: origin ? request.root : undefined,
      ...(documents !== undefined ? { documents } : {}),
    };
  }

  warmUp(): void {
    this.inner.warmUp?.();
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }

  private async read(file: string, key: string): Promise<DecodedEntry | undefined> {
    // Synchronous (see cacheKey), and never through a link, from a FIFO or a device (a committed one would hang it).
    const got = readRegularFile(file, { maxBytes: CACHE_FILE_MAX });
    if (got.kind !== 'file') {
      if (got.kind !== 'missing')
        this.warn(`render cache entry ${file} could not be read (${unreadReason(got)}); rendering instead`);
      return undefined;
    }
    const buf = got.bytes;
    let entry;
    try {
      entry = decodeEntry(buf, key);
    } catch (err) {
      // No per-user key (unwritable home): the cache cannot be opened, so it is simply not used.
      this.warn(
        `render cache key unavailable (${(err as NodeJS.ErrnoException).code ?? String(err)}); rendering instead`,
      );
      return undefined;
    }
    if (entry !== undefined) return entry;
    this.stats.healed++;
    await unlink(file).catch(() => undefined);
    return undefined;
  }

  private async write(file: string, entry: Parameters<typeof encodeEntry>[0]): Promise<void> {
    if (!(await this.prepare())) return;
    try {
      // Synchronous (one entry per overlay): fs/promises' round trips cost more CPU than the write (issue 20). The
      // folder was checked once (prepare); each entry is a temp file and a rename (util/atomic-write.ts FolderWriter).
      this.writer!.write(basename(file), encodeEntry(entry));
      this.stats.writes++;
    } catch (err) {
      this.cannotWrite(err);
    }
  }

  /**
   * What a renderer needs to write this key's entry as encodeEntry would (the header's and the sealed fields' JSON up
   * to the byte counts the render decides), once the folder is ready; undefined when nothing may be written.
   */
  private async entryStore(key: string, request: RenderRequest): Promise<EntryStore | undefined> {
    if (!(await this.prepare()) || !this.writer) return undefined;
    const overlay = redactPathFormats(request.overlay.path);
    const head = JSON.stringify({ format: CACHE_FORMAT, key, overlay, origin: false });
    const bound = JSON.stringify([CACHE_FORMAT, key, false]);
    return {
      dir: this.writer.dir,
      identity: this.writer.identity,
      name: `${key}.entry`,
      head: `${head.slice(0, -1)},`,
      bound: `${bound.slice(0, -1)},`,
      secret: renderCacheSecret(),
    };
  }

  /** Creates the folder once per run (with a .gitignore so neither git nor the secret scan ever picks entries up) and sweeps stale temp files. */
  private prepare(): Promise<boolean> {
    this.prepared ??= (async () => {
      try {
        renderCacheSecret(); // entries are encrypted: without a key nothing may be written
        ensureIgnoredDir(this.options.dir);
        this.writer = FolderWriter.open(this.options.dir);
        await this.sweep();
        return true;
      } catch (err) {
        this.cannotWrite(err);
        return false;
      }
    })();
    return this.prepared;
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.options.dir).catch(() => [] as string[])) {
      if (!name.endsWith('.tmp')) continue;
      const p = join(this.options.dir, name);
      const info = await stat(p).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(p, { force: true }).catch(() => undefined);
    }
  }

  private cannotWrite(err: unknown): void {
    if (!this.writable) return;
    this.writable = false;
    this.prepared = Promise.resolve(false);
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    this.warn(`render cache ${this.options.dir} is not writable (${code}): this run renders without storing results`);
  }

  private warn(message: string): void {
    this.warningSet.add(message);
  }
}

/**
 * sha256 over the cache format, the renderer, the output-changing flags, the overlay, and the content of every
 * input file — plus every other file directly inside a kustomization folder the overlay reaches, so a file read
 * through a field the walker does not model still invalidates the entry (over-invalidating is cheap; a stale hit
 * is a wrong answer).
 *
 * Digests and folder listings come from the run's file facts (util/file-facts.ts): each file is stat'ed and read
 * once per run whatever the number of overlays naming it, and a file the Argo CD view already read is not read
 * again. They are synchronous: awaiting each of the ~6,400 digests of the medium bench repo's 300 keys cost a
 * promise and a microtask turn apiece (issue 20).
 */
export async function cacheKey(
  renderer: Pick<Renderer, 'command' | 'version'>,
  request: RenderRequest,
): Promise<string> {
  return cacheKeyNow(renderer, request);
}

function cacheKeyNow(renderer: Pick<Renderer, 'command' | 'version'>, request: RenderRequest): string {
  const facts = runFacts();
  const root = request.root;
  const kustomizationFile =
    request.overlay.path === '.'
      ? request.overlay.kustomizationFile
      : `${request.overlay.path}/${request.overlay.kustomizationFile}`;
  const files = new Set(request.inputs);
  files.add(kustomizationFile);
  const dirs: string[] = [];
  for (const f of files) if (KUSTOMIZATION.has(posix.basename(f))) dirs.push(posix.dirname(f));
  for (const dir of dirs) {
    for (const e of facts.list(join(root, dir)) ?? [])
      if (e.kind === 'f') files.add(dir === '.' ? e.name : `${dir}/${e.name}`);
  }
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      CACHE_FORMAT,
      renderer.command,
      renderer.version,
      request.origin,
      request.allowExec,
      request.overlay.path,
    ]),
  );
  for (const f of [...files].sort()) hash.update(`\n${f}\0${facts.digest(join(root, f))}`);
  return hash.digest('hex');
}

interface EntryHeader {
  format: string;
  key: string;
  overlay: string;
  origin: boolean;
  bytes: number;
  /** Bytes at the end of the plain body that are the JSON documents (absent: none were kept). */
  documents?: number;
}

export interface DecodedEntry {
  text: string;
  origin: boolean;
  documents?: string;
}

let defaultSecret: Buffer | undefined;

/** The per-user key that encrypts entries (rendered output can hold secrets; no cache file may show them). */
export function renderCacheSecret(): Buffer {
  defaultSecret ??= loadOrCreateKey(userKeyFile('render-cache.key'));
  return defaultSecret;
}

/**
 * One header line of JSON, then the rendered text (and its JSON documents, if any), encrypted with the per-user key.
 * Text and documents may be given as the UTF-8 bytes the renderer sent (render/worker.ts): no re-encoding.
 */
export function encodeEntry(
  entry: { key: string; overlay: string; text: string | Uint8Array; origin: boolean; documents?: string | Uint8Array },
  secret: Buffer = renderCacheSecret(),
): Buffer {
  const text = typeof entry.text === 'string' ? Buffer.from(entry.text, 'utf8') : entry.text;
  const documents = typeof entry.documents === 'string' ? Buffer.from(entry.documents, 'utf8') : entry.documents;
  // The fields that say how to read the body (its key, origin flag, where the JSON starts) are sealed with it: a
  // header edited in place, or a body moved under another key's name, no longer opens as that entry.
  const bound = Buffer.from(`${boundFields(entry.key, entry.origin, documents?.length)}\n`, 'utf8');
  const parts = documents ? [bound, text, documents] : [bound, text];
  const header: EntryHeader = {
    format: CACHE_FORMAT,
    key: entry.key,
    overlay: entry.overlay,
    origin: entry.origin,
    bytes: SEAL_OVERHEAD + bound.length + text.length + (documents?.length ?? 0),
    ...(documents ? { documents: documents.length } : {}),
  };
  return sealParts(parts, secret, Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'));
}

/** The entry's text when the header parses, names this key and format, and the body opens with the key; else undefined. */
export function decodeEntry(buf: Buffer, key: string, secret: Buffer = renderCacheSecret()): DecodedEntry | undefined {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return undefined;
  let header: Partial<EntryHeader>;
  try {
    header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Partial<EntryHeader>;
  } catch {
    return undefined; // a cache miss: the overlay is rendered again and the entry rewritten
  }
  if (header === null || typeof header !== 'object' || header.format !== CACHE_FORMAT || header.key !== key)
    return undefined;
  const body = buf.subarray(nl + 1);
  if (body.length !== header.bytes) return undefined;
  // AES-GCM's tag is the checksum: a corrupt, truncated or edited body fails to open (no separate hash to compute).
  const sealed = open(body, secret);
  if (!sealed) return undefined;
  const docBytes = header.documents;
  const origin = header.origin === true;
  const nlBound = sealed.indexOf(0x0a);
  if (nlBound < 0 || sealed.toString('utf8', 0, nlBound) !== boundFields(key, origin, docBytes)) return undefined;
  const plain = sealed.subarray(nlBound + 1);
  if (docBytes === undefined) return { text: plain.toString('utf8'), origin };
  if (!Number.isSafeInteger(docBytes) || docBytes < 0 || docBytes > plain.length) return undefined;
  const split = plain.length - docBytes;
  return { text: plain.toString('utf8', 0, split), origin, documents: plain.toString('utf8', split) };
}

/** The header fields sealed inside the body (format included: an entry of another layout never opens as this one). */
function boundFields(key: string, origin: boolean, documents: number | undefined): string {
  return JSON.stringify([CACHE_FORMAT, key, origin, documents ?? null]);
}

const ANNOTATION_HEADER = new RegExp(`^(\\s*)(?:${escape(ORIGIN_KEY)}|${escape(TRANSFORMATIONS_KEY)}):(.*)$`);
const PATH_LINE = /^(\s*(?:-\s+)?(?:path|configuredIn):\s+)(.*?)\s*$/;

/**
 * Rewrites the paths inside kustomize's origin/transformations annotations from "relative to `originBase`" to
 * "relative to `root`" (absolute when outside it), touching nothing else and never changing the line count, so
 * rendered line numbers stay as kustomize printed them. Returns undefined when an annotation is not in the block
 * form kustomize prints: such text is passed through uncached rather than half-rewritten.
 */
export function canonicalizeOrigins(text: string, originBase: string, root: string): string | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = ANNOTATION_HEADER.exec(lines[i]);
    if (!head) continue;
    if (!/^\s*[|>][-+]?\d*\s*$/.test(head[2])) return undefined;
    const indent = head[1].length;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j];
      if (line.trim() === '') continue;
      if (line.length - line.trimStart().length <= indent) break;
      const m = PATH_LINE.exec(line);
      if (m) {
        const value = scalarValue(m[2]);
        if (value === undefined) return undefined;
        const abs = resolve(originBase, value);
        const rel = toRepoPath(root, abs) ?? abs;
        lines[j] = `${m[1]}${/^[\w./@+-]+$/.test(rel) ? rel : JSON.stringify(rel)}`;
      }
      i = j;
    }
  }
  return lines.join('\n');
}

/** A plain, single- or double-quoted YAML scalar on one line; undefined for anything fancier. */
function scalarValue(raw: string): string | undefined {
  if (raw.startsWith('"')) {
    try {
      const v = JSON.parse(raw) as unknown;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined; // not rewritable: the caller keeps such a render out of the cache
    }
  }
  if (raw.startsWith("'"))
    return raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1).replace(/''/g, "'") : undefined;
  if (raw === '' || /^[&*!|>%@`#]/.test(raw) || / #/.test(raw)) return undefined;
  return raw;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
