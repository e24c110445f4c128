/**
 * What discovery and the kustomization walks learned, remembered between runs. A changed-only run must map the
 * changed files to overlays, which took a walk of every overlay and a parse of every kustomization of the repo
 * (with the glob for them, ~0.4 s of node CPU on the 300-overlay bench repo, a quarter of the run); with this memo
 * it takes a stat of every path those walks looked at.
 *
 * Validity is by file-system stamps (util/stamp.ts, from lstat, type included), taken before the text is read:
 *  - the kustomization and YAML file lists of the glob are reused while every folder under the root keeps its stamp
 *    (adding, removing or renaming an entry changes its folder's);
 *  - a kustomization's discovery facts (kind, namespace, folders it names) while its file keeps its stamp;
 *  - an overlay's walk while every folder it looked in (each folder it visited and every folder above each
 *    reference target, up to the root: their listings decide what exists and what is a folder) and every file whose
 *    text it read (kustomizations, generator/transformer configs) keep their stamps. A plain input's text is no part
 *    of the walk's answer; its size (shard balancing) is read afresh when asked;
 *  - a YAML file the Argo CD view found could hold no manifest (neither argoproj.io nor a backslash in it) is not
 *    read again while it keeps its stamp.
 * Fail closed: walks with issues, Helm charts or any symbolic link on the way are not remembered (a link's target
 * can change without any stamp here changing), nor is anything whose stamp is younger than RACY_MS when it was
 * taken (a write in the same clock tick keeps the stamp: git's "racy" case). A path the memo does not know about
 * cannot make a remembered answer valid: validity is decided by the remembered paths alone, and a new file shows up
 * as a changed folder stamp.
 *
 * Sealed with a per-user key (util/seal.ts) like the Argo CD view memo: a memo planted or edited by a pull request
 * fails to open and everything is discovered and walked as if there were none; the code stamp keeps a rebuilt tool
 * from reusing another build's answer. Best effort: an unreadable, unwritable or keyless cache only costs the work.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { cacheRootDir, ensureIgnoredDir } from '../util/paths.js';
import { open, SEAL_OVERHEAD, SealStream } from '../util/seal.js';
import { fileStamp } from '../util/stamp.js';
import { isFact, runFacts } from '../util/file-facts.js';
import { loadOrCreateKey, userKeyFile } from '../util/user-key.js';
import type { WalkDetails } from './kustomization.js';
import { CACHE_FILE_MAX, readCacheFile } from '../util/safe-read.js';

const FORMAT = 'kfm-discover-memo/1';
const FILE = 'discover.sealed';
/** A stamp whose times are this close to the moment it was taken may not see a write in the same tick. */
const RACY_MS = 2000;
/**
 * The memo's JSON is sealed and written in pieces of about this many characters. Each piece waits for its write and
 * then for its turn among the renders' replies: at 64 K characters the 7,500-overlay bench repo's 21 MB memo took
 * 13-16 s to write, and everything it held (~40 MB) stayed that long; at 512 K, 4.8 s (issue 20). A piece costs about
 * 3.5 MB while it is written (its text, the reused buffer and its ciphertext).
 */
const PIECE_CHARS = 512 * 1024;

/** What discovery keeps of one kustomization file. */
export interface KustomizationFacts {
  component: boolean;
  namespace?: string;
  /** Root-relative folders or files its local resources/bases/components name (resolved, inside the root). */
  targets: string[];
}

/**
 * On disk every string (path, input name) is written once, in `strings`, and referred to by index: the 300 walks of
 * the bench repo name the same few thousand paths over and over.
 */
interface StoredWalk {
  deps: number[];
  inputs: number[];
  kustomizations: number[];
  refs: number[];
}

interface Stored {
  code: string;
  strings: string[];
  /** [path, stamp] when remembered (every entry below was valid against these). */
  stamps: [number, string][];
  scan?: { dirs: number[]; files: number[]; yaml: number[] };
  /** YAML files that could hold no Argo CD manifest at their stamp: the view need not read them. */
  quiet: number[];
  facts: [number, { component: boolean; namespace?: string; targets: number[] }][];
  walks: [number, StoredWalk][];
}

interface Tree {
  dirs: string[];
  /** Kustomization files. */
  files: string[];
  yaml: string[];
}

interface Walk {
  deps: string[];
  details: WalkDetails;
}

/** Records the paths one walk looks at (absolute), before it reads them. */
export type WalkTrace = (abs: string) => void;

export class DiscoverMemo {
  private readonly racy = new Set<string>();
  private readonly keptWalks = new Map<string, Walk>();
  private readonly keptFacts = new Map<string, KustomizationFacts>();
  private scan?: Tree;
  /** Saved: the memo holds nothing more and remembers nothing more this run. */
  private closed = false;
  private readonly keptQuiet = new Set<string>();
  /**
   * What is new in this run, for save's "is anything worth writing" test: the dependency lists of new walks and
   * scans (the same arrays the entries keep), and the new facts' and quiet files' own paths. No array or path is
   * made per entry for it (a `[path]` per file was 10 MB of the 1,500-overlay bench repo's heap, issue 20).
   */
  private readonly added: string[][] = [];
  private readonly addedFiles: string[] = [];
  private readonly addedQuiet: string[] = [];
  private racyMs = RACY_MS;
  private pieceChars = PIECE_CHARS;
  private readonly files = runFacts();
  /** What this run took from the memo (for tests). */
  readonly hits = { scan: false, facts: 0, walks: 0, quiet: 0 };
  private readonly then: Map<string, string>;
  private storedScan?: Tree;
  private readonly storedQuiet: Set<string>;
  private readonly storedFacts: Map<string, KustomizationFacts>;
  private readonly storedWalks: Map<string, Walk>;

  private constructor(
    private readonly root: string,
    private readonly dir: string,
    private readonly secret: Buffer,
    private readonly code: string,
    stored: Stored | undefined,
  ) {
    const str = (i: number): string => stored!.strings[i];
    const strs = (a: number[]): string[] => a.map(str);
    this.then = new Map((stored?.stamps ?? []).map(([p, s]) => [str(p), s]));
    if (stored?.scan)
      this.storedScan = { dirs: strs(stored.scan.dirs), files: strs(stored.scan.files), yaml: strs(stored.scan.yaml) };
    this.storedQuiet = new Set(strs(stored?.quiet ?? []));
    this.storedFacts = new Map(
      (stored?.facts ?? []).map(([f, k]) => [
        str(f),
        {
          component: k.component,
          ...(k.namespace !== undefined ? { namespace: k.namespace } : {}),
          targets: strs(k.targets),
        },
      ]),
    );
    this.storedWalks = new Map(
      (stored?.walks ?? []).map(([o, w]) => [
        str(o),
        {
          deps: strs(w.deps),
          details: {
            inputs: strs(w.inputs),
            kustomizations: strs(w.kustomizations),
            refs: strs(w.refs),
            issues: [],
            helm: false,
            bytes: 0,
          },
        },
      ]),
    );
  }

  /** The memo of this root's cache, or undefined when caching is off or there is no per-user key. */
  static open(
    root: string,
    config: Config,
    allowExec: boolean,
    options: { racyMs?: number; pieceChars?: number } = {},
  ): DiscoverMemo | undefined {
    if (config.cache?.enabled === false) return undefined;
    let secret: Buffer;
    let code: string;
    try {
      secret = loadOrCreateKey(userKeyFile('discover.key'));
      // Made before anything is stamped: creating the cache folder later would change a listing the memo depends on.
      ensureIgnoredDir(join(cacheRootDir(root, config.cache?.dir), 'discover'));
      code = `${FORMAT}\0${resolve(root)}\0${realpathSync.native(root)}\0${allowExec}\0${codeStamp()}`;
    } catch {
      return undefined; // no key, no root: discover and walk as without a memo
    }
    const dir = join(cacheRootDir(root, config.cache?.dir), 'discover');
    const memo = new DiscoverMemo(resolve(root), dir, secret, code, readStored(join(dir, FILE), secret, code));
    memo.racyMs = options.racyMs ?? RACY_MS;
    memo.pieceChars = options.pieceChars ?? PIECE_CHARS;
    return memo;
  }

  /**
   * The current stamp of a path, taken once per run by the run's file facts (util/file-facts.ts), shared with every
   * other reader; the memo keeps no copy of its own. Outside a run the memo's own instance (made when it was opened)
   * keeps every stamp it gave, so what is saved is what was checked before the reads.
   */
  stamp(abs: string): string {
    const fact = this.files.lstat(abs);
    if (fact === undefined) return 'missing';
    if (!isFact(fact)) return `error:${fact.error}`;
    if (fact.ageMs < this.racyMs && !this.closed) this.racy.add(this.keyOf(abs));
    return fact.stamp;
  }

  private fresh(paths: string[]): boolean {
    return paths.every((p) => {
      const then = this.then.get(p);
      return then !== undefined && then === this.stamp(p);
    });
  }

  /** The glob's kustomization and YAML files (root-relative), when no folder under the root changed since. */
  knownTree(): { kustomizations: string[]; yaml: string[] } | undefined {
    const scan = this.storedScan;
    if (!scan || !this.fresh(scan.dirs)) return undefined;
    this.scan = scan;
    this.hits.scan = true;
    return { kustomizations: [...scan.files], yaml: [...scan.yaml] };
  }

  /** A fresh glob's answer and every folder (absolute) it looked in. */
  rememberTree(folders: string[], listed: { kustomizations: string[]; yaml: string[] }): void {
    if (this.closed) return;
    const dirs = folders.map((d) => this.keyOf(d));
    for (const d of dirs) this.stamp(d);
    this.scan = { dirs, files: [...listed.kustomizations], yaml: [...listed.yaml] };
    this.added.push(dirs);
  }

  /**
   * The YAML files (root-relative) the Argo CD view must read: all but those it found could hold no manifest at
   * the stamp they still have. Every file is stamped here, before the view reads it.
   */
  argoFiles(yaml: string[]): string[] {
    return yaml.filter((f) => {
      const abs = join(this.root, f);
      if (this.storedQuiet.has(f) && this.fresh([abs])) {
        this.keptQuiet.add(f);
        this.hits.quiet++;
        return false;
      }
      this.stamp(abs);
      return true;
    });
  }

  rememberMention(file: string, mentions: boolean): void {
    if (mentions || this.closed) return; // read every run anyway
    this.keptQuiet.add(file);
    this.addedQuiet.push(file);
  }

  /** A kustomization file's (absolute) remembered facts, when it kept its stamp; else stamps it for the read. */
  facts(file: string): KustomizationFacts | undefined {
    const found = this.storedFacts.get(file);
    if (found && this.fresh([file])) {
      this.keptFacts.set(this.keyOf(file), found);
      this.hits.facts++;
      return found;
    }
    this.stamp(file);
    return undefined;
  }

  rememberFacts(abs: string, facts: KustomizationFacts): void {
    if (this.closed) return;
    const file = this.keyOf(abs);
    this.keptFacts.set(file, { ...facts, targets: facts.targets.map((t) => this.keyOf(t)) });
    this.addedFiles.push(file);
  }

  /**
   * The remembered walk of an overlay folder (absolute), when nothing it looked at changed. `bytes` (shard
   * balancing) is summed from fresh stats when asked: a plain input's size is no part of the walk's validity.
   */
  walk(overlayAbs: string): WalkDetails | undefined {
    const found = this.storedWalks.get(overlayAbs);
    if (!found || !this.fresh(found.deps)) return undefined;
    this.keptWalks.set(overlayAbs, found);
    this.hits.walks++;
    const details = { ...found.details };
    let bytes: number | undefined;
    Object.defineProperty(details, 'bytes', {
      enumerable: true,
      get: () => (bytes ??= sizes(this.root, details.inputs)),
    });
    return details;
  }

  /**
   * A trace to hand to a walk: it stamps each path before the walk reads it. Its paths are kept as one string per
   * path for all walks (the overlays of an app trace the same folders and files).
   */
  tracer(): { trace: WalkTrace; deps: Set<string> } {
    const deps = new Set<string>();
    return {
      deps,
      trace: (abs) => {
        if (deps.has(abs)) return;
        this.stamp(abs);
        deps.add(this.keyOf(abs));
      },
    };
  }

  /** One string per stamped path (the run's file facts keep them). */
  private keyOf(abs: string): string {
    return this.files.intern(abs);
  }

  rememberWalk(overlayAbs: string, details: WalkDetails, deps: Set<string>): void {
    if (details.issues.length > 0 || details.helm || this.closed) return; // not remembered: walked again next time
    const paths = [...deps];
    this.keptWalks.set(overlayAbs, { deps: paths, details });
    this.added.push(paths);
  }

  /**
   * Writes what this run found valid or new, when anything differs from what was read; then forgets everything the
   * memo holds (nothing asks it again in this run: the walks keep their own answers), so the checks that follow do
   * not carry its paths, stamps and dependency lists (~40 MB on the 7,500-overlay bench repo, issue 20).
   */
  async save(): Promise<void> {
    try {
      await this.write();
    } finally {
      this.release();
    }
  }

  private release(): void {
    this.closed = true;
    this.scan = undefined;
    this.storedScan = undefined;
    for (const m of [this.keptWalks, this.keptFacts, this.storedWalks, this.storedFacts, this.then]) m.clear();
    for (const s of [this.keptQuiet, this.storedQuiet, this.racy]) s.clear();
    for (const a of [this.added, this.addedFiles, this.addedQuiet]) a.length = 0;
  }

  private async write(): Promise<void> {
    if (this.closed) return;
    const usable = (paths: string[]): boolean =>
      paths.every((p) => !this.racy.has(p) && !/^(?:l:|error:)/.test(this.stamp(p)));
    // Nothing new that can be kept: the file stays as it is (entries gone stale since are refused when read, and
    // dropped by the next save that has something to add).
    if (
      !this.added.some(usable) &&
      !this.addedFiles.some((f) => usable([f])) &&
      !this.addedQuiet.some((f) => usable([join(this.root, f)]))
    )
      return;
    // Entries this run did not ask about (a narrowed run) stay while they are still valid.
    for (const [overlay, w] of this.storedWalks)
      if (!this.keptWalks.has(overlay) && this.fresh(w.deps)) this.keptWalks.set(overlay, w);
    for (const [file, f] of this.storedFacts)
      if (!this.keptFacts.has(file) && this.fresh([file])) this.keptFacts.set(file, f);
    if (!this.scan && this.storedScan && this.fresh(this.storedScan.dirs)) this.scan = this.storedScan;
    for (const f of this.storedQuiet)
      if (!this.keptQuiet.has(f) && this.fresh([join(this.root, f)])) this.keptQuiet.add(f);
    const walks = [...this.keptWalks].filter(([, w]) => usable(w.deps));
    const facts = [...this.keptFacts].filter(([f]) => usable([f]));
    const quiet = [...this.keptQuiet].filter((f) => usable([join(this.root, f)]));
    const scan = this.scan && usable(this.scan.dirs) ? this.scan : undefined;
    const stamped = new Set<string>(scan?.dirs ?? []);
    for (const [f] of facts) stamped.add(f);
    // The run's one string per path, not a fresh join: path.join builds a tree of string pieces per call, and the
    // set holds one per quiet file until the memo is written (~7 MB on the 1,500-overlay bench repo, issue 20).
    for (const f of quiet) stamped.add(this.keyOf(join(this.root, f)));
    for (const [, w] of walks) for (const d of w.deps) stamped.add(d);
    const box = new SealStream(this.secret);
    const text = this.json(stamped, scan, quiet, facts, walks);
    try {
      ensureIgnoredDir(this.dir);
      // Room for the box's nonce and tag, written over once the last piece is sealed.
      await writeFileAtomic(join(this.dir, FILE), sealedPieces(text, box, this.pieceChars), {
        head: () => box.finish(),
      });
    } catch {
      // not remembered: the next run discovers and walks again
    }
  }

  /**
   * The JSON of `Stored` (readStored parses it), in pieces, made while the earlier pieces are written: never one
   * string, one buffer or an object tree of index arrays (those were ~130 MB of the 7,500-overlay bench repo's
   * peak, issue 20). Every string is written once, in `strings`, last: complete once every entry named its own.
   */
  private *json(
    stamped: Set<string>,
    scan: Tree | undefined,
    quiet: string[],
    facts: [string, KustomizationFacts][],
    walks: [string, Walk][],
  ): Generator<string> {
    const strings: string[] = [];
    const index = new Map<string, number>();
    const id = (s: string): number => {
      let i = index.get(s);
      if (i === undefined) {
        i = strings.push(s) - 1;
        index.set(s, i);
      }
      return i;
    };
    const ids = (a: string[]): string => `[${a.map(id).join(',')}]`;
    const comma = (i: number): string => (i > 0 ? ',' : '');
    yield `{"code":${JSON.stringify(this.code)},"stamps":[`;
    let n = 0;
    for (const p of stamped) yield `${comma(n++)}[${id(p)},${JSON.stringify(this.stamp(p))}]`;
    yield ']';
    if (scan) yield `,"scan":{"dirs":${ids(scan.dirs)},"files":${ids(scan.files)},"yaml":${ids(scan.yaml)}}`;
    yield `,"quiet":${ids(quiet)},"facts":[`;
    n = 0;
    for (const [f, k] of facts) {
      const ns = k.namespace !== undefined ? `,"namespace":${JSON.stringify(k.namespace)}` : '';
      yield `${comma(n++)}[${id(f)},{"component":${k.component === true}${ns},"targets":${ids(k.targets)}}]`;
    }
    yield '],"walks":[';
    n = 0;
    for (const [o, { deps, details: d }] of walks)
      yield (
        `${comma(n++)}[${id(o)},{"deps":${ids(deps)},"inputs":${ids(d.inputs)},` +
        `"kustomizations":${ids(d.kustomizations)},"refs":${ids(d.refs)}}]`
      );
    yield '],"strings":[';
    for (let i = 0; i < strings.length; i++) yield `${comma(i)}${JSON.stringify(strings[i])}`;
    yield ']}';
  }
}

/**
 * The sealed box of a text given in fragments: SEAL_OVERHEAD bytes of room for the nonce and tag (the writer puts
 * `box.finish()` there at the end), then the ciphertext of pieces of about `size` characters. A piece's UTF-8 bytes
 * go through one reused buffer: the only bytes made per piece are its ciphertext, written and dropped.
 */
function* sealedPieces(fragments: Iterable<string>, box: SealStream, size: number): Generator<Uint8Array> {
  yield Buffer.alloc(SEAL_OVERHEAD);
  // UTF-8 takes at most 3 bytes per UTF-16 unit; a piece is `size` units and the fragment that passed it.
  const buffer = Buffer.allocUnsafe(6 * size);
  let text = '';
  const piece = (): Buffer => {
    const bytes =
      3 * text.length <= buffer.length ? buffer.subarray(0, buffer.write(text, 0, 'utf8')) : Buffer.from(text, 'utf8');
    text = '';
    return box.update(bytes);
  };
  for (const fragment of fragments) {
    text += fragment;
    if (text.length >= size) yield piece();
  }
  if (text !== '') yield piece();
}

/** Sum of the sizes of root-relative files (a missing one counts 0), as the walk sums them. */
function sizes(root: string, files: string[]): number {
  const facts = runFacts();
  let bytes = 0;
  for (const f of files) {
    const fact = facts.stat(join(root, f));
    if (isFact(fact)) bytes += fact.size; // gone since: as the walk counts a file it cannot stat
  }
  return bytes;
}

/**
 * Stamps of the code behind the remembered answers — this folder, the path helpers the walk uses and the Argo CD
 * view's screen: a rebuilt discovery never reuses another build's answers.
 */
function codeStamp(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const ext = extname(fileURLToPath(import.meta.url));
  const files = readdirSync(here)
    .filter((f) => f.endsWith(ext))
    .map((f) => join(here, f));
  // And the Argo CD view's screen (argo/applications.ts): the memo keeps the files it found naming no Argo CD object.
  files.push(
    join(here, '..', 'util', `paths${ext}`),
    join(here, '..', 'util', `stamp${ext}`),
    join(here, '..', 'argo', `applications${ext}`),
  );
  return files
    .sort()
    .map((f) => `${f}:${fileStamp(statSync(f, { bigint: true }))}`)
    .join(',');
}

function readStored(file: string, secret: Buffer, code: string): Stored | undefined {
  try {
    const bytes = readCacheFile(file, CACHE_FILE_MAX);
    if (!bytes) return undefined; // missing, a link, a FIFO or a device (a committed one): walk
    const plain = open(bytes, secret);
    if (!plain) return undefined;
    const body = JSON.parse(plain.toString('utf8')) as Partial<Stored>;
    if (
      body.code !== code ||
      !Array.isArray(body.strings) ||
      !Array.isArray(body.stamps) ||
      !Array.isArray(body.facts) ||
      !Array.isArray(body.walks) ||
      !Array.isArray(body.quiet)
    )
      return undefined;
    return body as Stored;
  } catch {
    return undefined; // missing or unreadable: discover and walk
  }
}
