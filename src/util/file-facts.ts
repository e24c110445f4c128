/**
 * What one run learns about the file system, in one place (issue 20). Discovery, the kustomization walks, the Argo CD
 * view, the coverage measure, the render cache key and the whole-run cache key all asked the same questions of the
 * same paths: on the medium bench repo each app base file was stat'ed ~16 times and opened ~8 times per run, every
 * folder was listed three times (three tree walks) and realpath (glibc: one readlink per path component) ran 1,700
 * times. Here each path is lstat'ed (and, for a link, stat'ed) at most once per run, each folder listed once, each
 * real path resolved once, and each file's bytes read once where its readers allow: the Argo CD view's read of every
 * text file keeps the bytes for the secret scan (and a kustomization's for discovery's parse) within a fixed budget,
 * and the digest the render cache key needs. Measured on the medium bench repo (strace, node's threads, cold check):
 * readlink 13,419 → 281, openat 11,984 → 4,568, statx 28,670 → 10,647, access 7,397 → 40, getdents64 4,418 → 1,240.
 *
 * Facts are small: a kind letter, a size, a stamp string and an age, no fs.Stats or Date objects; the run drops them
 * (trim) before the checks, which hold its peak memory. The
 * answers hold for the run: a file that changes during a run is seen as it was first looked at (as before, where
 * the render itself raced the cache key); the stamps written into the between-run memos come from here, so the next
 * run sees the change.
 *
 * Scope: `withRunFacts` (the `check` pipeline) makes one instance live for the run; outside it, `runFacts()` gives a
 * fresh instance per call, so library callers and tests never see an answer from before a change they made.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  realpathSync,
  statSync,
  type BigIntStats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NO_FOLLOW_OPEN, ownCopy, readOpenFile } from './safe-read.js';

/** `f` regular file, `d` folder, `l` symbolic link, `o` anything else (socket, FIFO, device). */
export type FactKind = 'f' | 'd' | 'l' | 'o';

export interface PathFact {
  kind: FactKind;
  size: number;
  /** `<kind>:<ino>:<size>:<mtimeNs>:<ctimeNs>` (the discovery memo's format). */
  stamp: string;
  /**
   * How long before the stamp was taken the newer of mtime and ctime lies, in ms, at most AGE_CAP (a small integer,
   * no boxed number per fact): the memos' "racy" test (a write in the same clock tick would keep the stamp).
   */
  ageMs: number;
}

const AGE_CAP = 1_000_000_000;

/** A path that could not be stat'ed for another reason than not existing. */
export interface PathError {
  error: string;
}

export type Looked = PathFact | PathError | undefined;

export interface DirEntry {
  name: string;
  kind: FactKind;
}

export type FileRead =
  | { kind: 'file'; bytes: Buffer; fact: PathFact }
  | { kind: 'too-large'; size: number }
  | { kind: 'symlink' }
  | { kind: 'missing' }
  | { kind: 'not-a-file' }
  | { kind: 'unreadable'; code: string };

/**
 * Bytes kept at most for a run's later readers: the 1,500-overlay bench repo is 13 MB in all (every file kept from the
 * Argo CD view to the secret scan); a larger repository reads the rest twice rather than holding more. Kept bytes
 * cost more than their size (each file's Buffer and fact: 24.5 MB of the 7,500-overlay repo's heap for 16 MB kept,
 * once each is a copy of its own size instead of a view pinning an 8 KB pool slab, `ownCopy`), so the budget is 16 MB.
 */
const KEEP_BUDGET = 16 * 1024 * 1024;

/**
 * The string as one flat run of characters. A path made by path.join or a template is a tree of V8 string pieces
 * (each copy of the root folder's parts included): ~690 bytes for an 85-character path held in a table, against
 * ~115 flat (measured, node 20). Strings kept for the whole run (paths, stamps) are flattened once when first kept
 * (issue 20: a million such trees were a fifth of the 7,500-overlay bench repo's heap before its first render).
 */
export function flat(s: string): string {
  const one = Buffer.from(s, 'utf8').toString('utf8');
  return one === s ? one : s; // a lone surrogate (not UTF-8) comes back changed: that string is kept as it is
}

const kindOf = (s: BigIntStats): FactKind =>
  s.isSymbolicLink() ? 'l' : s.isDirectory() ? 'd' : s.isFile() ? 'f' : 'o';

function factOf(s: BigIntStats, takenMs: number): PathFact {
  const kind = kindOf(s);
  return {
    kind,
    size: Number(s.size),
    stamp: flat(`${kind}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`),
    ageMs: Math.min(AGE_CAP, takenMs - Number((s.mtimeNs > s.ctimeNs ? s.mtimeNs : s.ctimeNs) / 1_000_000n)),
  };
}

function look(abs: string, follow: boolean): Looked {
  const taken = Date.now();
  try {
    const s = (follow ? statSync : lstatSync)(abs, { bigint: true, throwIfNoEntry: false });
    return s ? factOf(s, taken) : undefined;
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

export const isFact = (l: Looked): l is PathFact => l !== undefined && 'kind' in l;

/**
 * How a fact is held for the run: one string, `<ageMs>/<stamp>` (the stamp holds the kind and the size), made into a
 * PathFact when asked. A fact object and its stamp were ~130 bytes of each of the ~85,000 paths the 7,500-overlay
 * bench repo's run looks at, the string alone ~80 (issue 20).
 */
type Held = string | PathError | undefined;

function hold(l: Looked): Held {
  return isFact(l) ? flat(`${l.ageMs}/${l.stamp}`) : l;
}

function unhold(h: Held): Looked {
  if (typeof h !== 'string') return h;
  const bar = h.indexOf('/');
  const stamp = h.slice(bar + 1);
  const sizeAt = stamp.indexOf(':', 2) + 1;
  return {
    kind: stamp[0] as FactKind,
    size: Number(stamp.slice(sizeAt, stamp.indexOf(':', sizeAt))),
    stamp,
    ageMs: Number(h.slice(0, bar)),
  };
}

/**
 * A folder's entries as held for the run: one string, each entry its kind letter and name, separated by NUL (which no
 * file name holds); an entry object and its array slot were ~50 bytes of each listed name (issue 20).
 */
function holdListing(entries: DirEntry[]): string {
  return entries.map((e) => `${e.kind}${e.name}`).join('\0');
}

function unholdListing(held: string): DirEntry[] {
  if (held === '') return [];
  return held.split('\0').map((e) => ({ name: e.slice(1), kind: e[0] as FactKind }));
}

/** A digest held as its bytes in a one-byte string (FileFacts.digests), as the hex the render cache key reads. */
const hexOf = (raw: string): string => Buffer.from(raw, 'latin1').toString('hex');

/** Listings up to this long are scanned by hasEntry (~150 typical entries); a longer one is not. */
const LISTING_SCAN_CHARS = 4096;

/** Whether a held listing (holdListing) has exactly this entry (kind letter and name). */
function listed(held: string, entry: string): boolean {
  if (held === entry) return true;
  if (held.startsWith(`${entry}\0`) || held.endsWith(`\0${entry}`)) return true;
  return held.includes(`\0${entry}\0`);
}

export class FileFacts {
  private readonly lstats = new Map<string, Held>();
  private readonly stats = new Map<string, Held>();
  private readonly listings = new Map<string, string | undefined>();
  private readonly reals = new Map<string, string | undefined>();
  /**
   * sha256 per file read for the render cache key, as its 32 bytes in a one-byte string (`latin1`): 48 bytes of heap
   * each instead of 80 for the hex, over the ~150,000 files of the 7,500-overlay bench repo, held through the renders
   * (issue 20). `digest` gives the hex. A file that could not be read is in `undigested`.
   */
  private readonly digests = new Map<string, string>();
  private readonly undigested = new Map<string, string>();
  /**
   * Files whose digest was taken by `digest` (the render cache key) and whose bytes no counted reader has had yet:
   * renders start before the Argo CD view has read every file (issue 20), and the view's read of such a file is
   * still the first of its readers, so its bytes are kept for the secret scan as if the digest had come after.
   */
  private readonly digestedOnly = new Set<string>();
  /** Bytes read by the first of several readers this run, for the others (see `read`), within KEEP_BUDGET in all. */
  private readonly kept = new Map<string, { got: FileRead & { kind: 'file' }; readers: number }>();
  private keptBytes = 0;
  private trimmed = false;
  private settled = false;
  private readonly strings = new Map<string, string>();
  /** What the run asked and what it cost (tests, profiling). */
  readonly counts = { lstat: 0, stat: 0, list: 0, realpath: 0, read: 0 };

  /** The path itself (a link is not followed). */
  lstat(abs: string): Looked {
    if (this.lstats.has(abs)) return unhold(this.lstats.get(abs));
    this.counts.lstat++;
    const l = look(abs, false);
    this.lstats.set(this.key(abs), hold(l));
    return l;
  }

  /** What the path names, links followed (`fs.statSync`); one lstat, plus a stat only for a link. */
  stat(abs: string): Looked {
    const l = this.lstat(abs);
    if (!isFact(l) || l.kind !== 'l') return l;
    if (this.stats.has(abs)) return unhold(this.stats.get(abs));
    this.counts.stat++;
    const s = look(abs, true);
    this.stats.set(this.key(abs), hold(s));
    return s;
  }

  /** `fs.existsSync`: anything there, links followed. */
  exists(abs: string): boolean {
    return isFact(this.stat(abs));
  }

  /** The entries of a folder (links listed as links, never followed), or undefined when it cannot be listed. */
  list(dir: string): DirEntry[] | undefined {
    if (this.listings.has(dir)) {
      const held = this.listings.get(dir);
      return held === undefined ? undefined : unholdListing(held);
    }
    this.counts.list++;
    let entries: DirEntry[] | undefined;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).map((d) => ({
        name: d.name,
        kind: d.isSymbolicLink() ? 'l' : d.isDirectory() ? 'd' : d.isFile() ? 'f' : 'o',
      }));
    } catch {
      entries = undefined; // unreadable folder: each caller says what that means for it
    }
    this.listings.set(this.key(dir), entries === undefined ? undefined : holdListing(entries));
    return entries;
  }

  /**
   * Whether `name` in folder `dir` exists, links followed: `exists(join(dir, name))`, answered from the folder's
   * listing when it has one (the walks listed every folder of the repo), so asking after a file most folders lack
   * (a Helm chart's Chart.yaml, per Argo CD source and per folder above it) adds no fact per path asked: on the
   * 7,500-overlay bench repo those were ~20,000 new entries made after the last render, where a large run peaks
   * (issue 20). A link in the listing, or a folder that cannot be listed, is looked at as exists() would.
   */
  hasEntry(dir: string, name: string): boolean {
    if (!this.listings.has(dir)) this.list(dir);
    const held = this.listings.get(dir);
    // A long listing is not scanned once per question (a hostile folder of 100,000 files asked about for each of
    // 10,000 Argo CD sources): past LISTING_SCAN_CHARS the path's own fact answers, kept like any other.
    if (
      held === undefined ||
      held.length > LISTING_SCAN_CHARS ||
      name === '' ||
      name.includes('/') ||
      name.includes('\0') ||
      name === '.' ||
      name === '..'
    )
      return this.exists(join(dir, name));
    for (const kind of ['f', 'd', 'o'] as const) if (listed(held, `${kind}${name}`)) return true;
    return listed(held, `l${name}`) ? this.exists(join(dir, name)) : false;
  }

  /**
   * `realpathSync.native`, once per path: a folder or file that is no link is its parent's real path plus its name
   * (one lstat, already known), so only links and the root cost a realpath (glibc's walks every component).
   */
  realpath(abs: string): string | undefined {
    if (this.reals.has(abs)) return this.reals.get(abs);
    let real: string | undefined;
    const parent = dirname(abs);
    const l = this.lstat(abs);
    if (parent !== abs && isFact(l) && l.kind !== 'l' && !abs.endsWith('/') && !/\/\.\.?$/.test(abs)) {
      const up = this.realpath(parent);
      real = up === undefined ? undefined : join(up, basename(abs));
      // A file's real path is its folder's plus its name: kept only for folders (and links, below). Every file's
      // entry, key and value two copies of a long path once the walks have settled (key() no longer shares), was
      // the largest table held through the renders of the 7,500-overlay bench repo: 15 MB (issue 20).
      if (l.kind !== 'd') return real;
    } else if (l !== undefined) {
      this.counts.realpath++;
      try {
        real = realpathSync.native(abs);
      } catch {
        real = undefined; // a dangling link, a loop: the caller treats it as missing
      }
    }
    // The key and its value one string when the path is its own real path (no link on the way: the common case).
    const key = this.key(abs);
    if (real !== undefined) real = real === abs ? key : this.key(real);
    this.reals.set(key, real);
    return real;
  }

  /**
   * A file's bytes, read without following a link at its last component and without reading past `maxBytes`. The
   * stamp of the open descriptor becomes the path's fact when none was taken yet; with `digest` the sha256 is kept
   * (the render cache key's: readers of files that are kustomization inputs ask for it).
   *
   * `readers`: how many readers the file has this run, this one included. The Argo CD view reads every text file
   * during discovery, and the secret scan reads them again while the overlays render; kustomization files are also
   * parsed by discovery. The first reader's bytes are kept for the others (each takes them once; the last one
   * releases them), as long as all kept bytes stay within KEEP_BUDGET: past it a file is read again, so the memory
   * this costs is bounded whatever the repository's size. A reader that does not come (a file Git ignores, the
   * secret check switched off) only leaves its bytes kept until the run ends.
   */
  read(abs: string, options: { maxBytes?: number; readers?: number; digest?: boolean } = {}): FileRead {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const kept = this.kept.get(abs);
    if (kept) {
      if (--kept.readers <= 0) {
        this.kept.delete(abs);
        this.keptBytes -= kept.got.bytes.length;
      }
      return kept.got.bytes.length > maxBytes ? { kind: 'too-large', size: kept.got.bytes.length } : kept.got;
    }
    // A file read before in this run (its bytes were taken, or it was evicted from a parse memo and is read again)
    // or after trim() has had its readers: it is not kept a second time.
    const first = !this.trimmed && (!this.digested(abs) || this.digestedOnly.delete(abs));
    const got = this.readNow(abs, maxBytes, options.digest === true);
    const more = (options.readers ?? 1) - 1;
    if (first && more > 0 && got.kind === 'file' && this.keptBytes + got.bytes.length <= KEEP_BUDGET) {
      // Kept past this read: in memory of its own size, not a view pinning a shared pool slab (ownCopy).
      this.kept.set(this.key(abs), { got: { ...got, bytes: ownCopy(got.bytes) }, readers: more });
      this.keptBytes += got.bytes.length;
    }
    return got;
  }

  /**
   * Forgets every stat, listing, real path, digest and interned path (bytes kept for later readers stay): the run
   * calls it once discovery, the walks, the renders and the discovery memo are done, so the checks, which hold the
   * run's peak memory, do not also hold a fact per file (~1 KB each: 16 MB on the 14,000-file bench repo). A later
   * question is answered afresh.
   */
  trim(): void {
    this.trimmed = true;
    this.lstats.clear();
    this.stats.clear();
    this.listings.clear();
    this.reals.clear();
    this.digests.clear();
    this.undigested.clear();
    this.digestedOnly.clear();
    this.strings.clear();
  }

  /**
   * Forgets every path's stat (digests, listings and real paths stay): the run calls it once discovery, coverage and
   * the discovery memo (which records these stamps) are done. The renders that follow ask for digests and listings
   * (the render cache key), not stats: the stats were the largest table held through the renders of the
   * 7,500-overlay bench repo (~17 MB of ~85,000 paths, issue 20). A later question is answered afresh and kept again.
   */
  dropStats(): void {
    this.lstats.clear();
    this.stats.clear();
  }

  /** Bytes kept for readers still to come (tests, profiling). */
  get keptForLater(): number {
    return this.keptBytes;
  }

  private readNow(abs: string, maxBytes: number, digest: boolean): FileRead {
    this.counts.read++;
    let fd: number;
    try {
      if (NO_FOLLOW_OPEN === undefined) {
        const l = this.lstat(abs);
        if (isFact(l) && l.kind === 'l') return { kind: 'symlink' };
        fd = openSync(abs, 'r');
      } else fd = openSync(abs, NO_FOLLOW_OPEN);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
      // ELOOP from O_NOFOLLOW: a link. Anything else: say what lstat says (a socket cannot be opened: ENXIO).
      const l = this.lstat(abs);
      if (isFact(l))
        return l.kind === 'l'
          ? { kind: 'symlink' }
          : l.kind === 'f'
            ? { kind: 'unreadable', code }
            : { kind: 'not-a-file' };
      return l === undefined ? { kind: 'missing' } : { kind: 'unreadable', code };
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      const fact = factOf(st, Date.now());
      // Kept as the path's fact for the readers that look again (discovery, the view: `digest`); the secret scan's
      // reads come after trim() and keep nothing.
      if (digest && !this.lstats.has(abs)) this.lstats.set(this.key(abs), hold(fact));
      if (fact.kind !== 'f') return { kind: 'not-a-file' };
      if (fact.size > maxBytes) return { kind: 'too-large', size: fact.size };
      const bytes = readOpenFile(fd, fact.size);
      if (digest && !this.digested(abs))
        this.digests.set(this.key(abs), createHash('sha256').update(bytes).digest('latin1'));
      return { kind: 'file', bytes, fact };
    } catch (err) {
      return { kind: 'unreadable', code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * sha256 of a file's content (links followed, as kustomize reads them), from the run's one read of it; a file
   * that cannot be read digests to `unreadable:<code>` (a cache key that changes when it becomes readable).
   */
  digest(abs: string): string {
    const known = this.digests.get(abs);
    if (known !== undefined) return hexOf(known);
    const unread = this.undigested.get(abs);
    if (unread !== undefined) return unread;
    const l = this.lstat(abs);
    if (isFact(l) && l.kind === 'l') {
      // The render reads through the link: so does its digest (a link's bytes are never kept: reads do not follow).
      const real = this.realpath(abs);
      if (real === undefined) return this.unreadable(abs, 'ENOENT');
      const d = this.digest(real);
      const raw = this.digests.get(real);
      if (raw !== undefined) this.digests.set(this.key(abs), raw);
      else this.undigested.set(this.key(abs), d);
      return d;
    }
    const got = this.readNow(abs, Number.POSITIVE_INFINITY, true);
    if (got.kind === 'file' && !this.trimmed) this.digestedOnly.add(this.key(abs));
    if (got.kind !== 'file')
      return this.unreadable(abs, got.kind === 'unreadable' ? got.code : got.kind === 'missing' ? 'ENOENT' : 'EISDIR');
    return hexOf(this.digests.get(abs)!); // readNow kept it: nothing was known of the path
  }

  private digested(abs: string): boolean {
    return this.digests.has(abs) || this.undigested.has(abs);
  }

  private unreadable(abs: string, code: string): string {
    const d = `unreadable:${code}`;
    this.undigested.set(this.key(abs), d);
    return d;
  }

  /**
   * Every entry under `root` (folders with a trailing `/`), `.git` left out, links listed but never followed, from
   * the run's folder listings; `skip` leaves out an entry and everything under it. See util/walk.ts.
   */
  tree(root: string, skip?: (path: string) => boolean): string[] {
    return this.entries(root, skip).map((e) => (e.kind === 'd' ? `${e.path}/` : e.path));
  }

  /** tree() with each entry's kind (from the listing: `l` for a link, whatever it points at). */
  entries(root: string, skip?: (path: string) => boolean): { path: string; kind: FactKind }[] {
    const out: { path: string; kind: FactKind }[] = [];
    const folders = [''];
    while (folders.length > 0) {
      const rel = folders.pop()!;
      const listed = this.list(rel === '' ? root : join(root, rel));
      if (!listed) continue; // unreadable folder: as fast-glob's suppressErrors did
      for (const e of listed) {
        if (e.name === '.git') continue;
        const path = this.intern(rel === '' ? e.name : `${rel}/${e.name}`);
        if (skip?.(path)) continue;
        out.push({ path, kind: e.kind });
        if (e.kind === 'd') folders.push(path);
      }
    }
    return out;
  }

  /**
   * One string per repeated path (walk inputs name the same base files for every overlay), stored flat (see `flat`).
   */
  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    const one = flat(s);
    if (!this.settled) this.strings.set(one, one);
    return one;
  }

  /**
   * The walks are done (discovery and coverage have looked at every path they will): the table of one string per
   * path is dropped, and later paths are kept flat but not shared. The table was the largest of the run's maps on the
   * 7,500-overlay bench repo (~7 MB of hash table alone) and held through every render (issue 20); the facts it
   * shared its strings with keep them.
   */
  settle(): void {
    this.settled = true;
    this.strings.clear();
  }

  /** A path as the key of a fact kept for the run: the interned string (after trim, nothing is kept: as given). */
  private key(abs: string): string {
    return this.trimmed ? abs : this.intern(abs);
  }
}

let current: FileFacts | undefined;
let depth = 0;

/** The run's facts inside `withRunFacts`; elsewhere a fresh instance (nothing remembered from before a change). */
export function runFacts(): FileFacts {
  return current ?? new FileFacts();
}

/**
 * Runs `fn` with one FileFacts for everything it does; nested calls share the outer one. A module-level scope, not a
 * parameter: the facts are asked for by a dozen modules at every stage, and threading one object through every
 * stage's options would touch every shared signature for no behaviour of its own.
 */
export async function withRunFacts<T>(fn: (facts: FileFacts) => Promise<T>): Promise<T> {
  current ??= new FileFacts();
  depth++;
  const facts = current;
  try {
    return await fn(facts);
  } finally {
    depth--;
    if (depth === 0) current = undefined;
  }
}
