/**
 * Which files the secret scan reads: every file under the root that Git tracks or would track. Inside a work tree
 * Git answers (`git ls-files -co --exclude-standard -z`, run with execFile, never a shell); elsewhere the tree is
 * walked (readdir) and the `.gitignore` files are honoured. Symbolic links are never followed (a link's target
 * is either inside the root and scanned as itself, or outside it and out of scope); `.git/` is never read.
 */
import { runGit } from '../../util/git.js';
import { readFile } from 'node:fs/promises';
import { walkTree } from '../../util/walk.js';
import { runFacts } from '../../util/file-facts.js';
import { join, posix } from 'node:path';
import { GitIgnore } from './gitignore.js';
import { isProbablyText } from './text.js';
import { bomDecode } from '../../util/safe-read.js';

export interface FileList {
  /** Repo-relative POSIX paths, sorted. */
  files: string[];
  via: 'git' | 'walk';
}

const GIT_TIMEOUT_MS = 120_000;

export async function listRepoFiles(root: string, options: { signal?: AbortSignal } = {}): Promise<FileList> {
  const fromGit = await gitFiles(root, options.signal);
  if (fromGit) return { files: fromGit, via: 'git' };
  return { files: await walkFiles(root), via: 'walk' };
}

async function gitFiles(root: string, signal?: AbortSignal): Promise<string[] | undefined> {
  // The listing is asked first: in a work tree (every CI run) one git process, not two (issue 20). Only when it
  // fails does the run ask why: outside a work tree the files are walked; inside one the failure is the run's.
  const out = await run(root, ['ls-files', '-co', '--exclude-standard', '-z'], signal);
  if (out === undefined) {
    const inside = await run(root, ['rev-parse', '--is-inside-work-tree'], signal);
    if (inside === undefined || inside.trim() !== 'true') return undefined;
    throw new Error('git ls-files failed in a Git work tree');
  }
  const files = new Set(out.split('\0').filter((f) => f !== ''));
  // A nested repository shows up as `dir/`: its files belong to that repository, not to this scan.
  return [...files].filter((f) => !f.endsWith('/') && !f.startsWith('.git/') && !f.includes('/.git/')).sort();
}

/** stdout of a git command in `root`, or undefined when git fails or is missing. */
function run(root: string, args: string[], signal?: AbortSignal): Promise<string | undefined> {
  return runGit(args, { cwd: root, signal, timeoutMs: GIT_TIMEOUT_MS, maxBuffer: 512 * 1024 * 1024 }).then(
    (r) => r.stdout,
    () => undefined,
  );
}

async function walkFiles(root: string): Promise<string[]> {
  const entries = await walkTree(root);
  const ignore = new GitIgnore();
  const gitignores = entries
    .filter((e) => e === '.gitignore' || e.endsWith('/.gitignore'))
    .sort((a, b) => a.split('/').length - b.split('/').length);
  for (const g of gitignores) {
    try {
      ignore.add(posix.dirname(g) === '.' ? '' : posix.dirname(g), await readFile(join(root, g), 'utf8'));
    } catch {
      // An unreadable .gitignore ignores nothing: scanning more is the safe side.
    }
  }
  return entries.filter((e) => !e.endsWith('/') && !ignore.ignores(e)).sort();
}

export type ReadOutcome =
  /** `raw`: the bytes behind a byte order mark that does not fit them, read as UTF-8 (scanned as well). */
  | { kind: 'text'; text: string; bytes: number; raw?: string }
  | { kind: 'binary'; bytes: number; head: Buffer; data: Buffer }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'symlink' }
  | { kind: 'missing' }
  | { kind: 'not-a-file' }
  | { kind: 'unreadable'; code: string };

/**
 * Reads one file for scanning, without following a symbolic link and without reading past the size cap. Through the
 * run's file facts (util/file-facts.ts): the Argo CD view read every text file under the root during discovery and
 * kept its bytes for this scan (within a memory budget), so such a file is not opened again; the others are read
 * here the same way (O_NOFOLLOW | O_NONBLOCK open, fstat, read up to its size, close; lstat first where the platform
 * has no O_NOFOLLOW). Synchronous on purpose: the scan is CPU-bound and runs alone, and the promise round trips of
 * fs/promises cost more than the reads themselves on a tree of small files.
 */
export function readForScan(abs: string, maxBytes: number): ReadOutcome {
  const got = runFacts().read(abs, { maxBytes });
  switch (got.kind) {
    case 'file':
      return classify(got.bytes, maxBytes);
    case 'too-large':
      return { kind: 'too-large', bytes: got.size };
    default:
      return got;
  }
}

function classify(buf: Buffer, maxBytes: number): ReadOutcome {
  if (buf.length > maxBytes) return { kind: 'too-large', bytes: buf.length };
  const read = decodeForScan(buf);
  if (read === undefined) return { kind: 'binary', bytes: buf.length, head: buf.subarray(0, 64), data: buf };
  return { kind: 'text', text: read.text, bytes: buf.length, ...(read.raw !== undefined && { raw: read.raw }) };
}

/**
 * Text by content, whatever the name: a UTF-8 BOM, a UTF-16 or UTF-32 BOM (LE/BE: kustomize reads UTF-16 files, so
 * they are text), or no NUL in the first 8 KB. The BOM is dropped so line 1 starts at the first character.
 */
export function decodeText(buf: Buffer): string | undefined {
  return decodeForScan(buf)?.text;
}

/**
 * decodeText, and `raw` when the byte order mark does not fit the bytes behind it (safe-read.ts bomDecode): ASCII
 * behind `FF FE` decodes to CJK, and the scan of that text alone would pass whatever the file holds. The bytes behind
 * the mark are then read as UTF-8 as well (NULs dropped: they hide nothing from a reader), lines where Git shows them.
 * A text with NULs past its probed head gets a `raw` without them too.
 */
export function decodeForScan(buf: Buffer): { text: string; raw?: string } | undefined {
  const marked = bomDecode(buf);
  if (marked !== undefined) {
    if (marked.plausible) return { text: marked.text };
    return { text: marked.text, raw: buf.subarray(marked.mark).toString('utf8').replaceAll('\0', '') };
  }
  if (!isProbablyText(buf)) return undefined;
  const text = buf.toString('utf8');
  // Only the head is probed for NULs: UTF-16 text after 8 KB of ASCII (Git shows such a file as text too) interleaves
  // every character with a NUL, which hid a token from every pattern. It is read without them as well.
  return text.includes('\0') ? { text, raw: text.replaceAll('\0', '') } : { text };
}

/** Binary files that are key stores: their keys cannot be scanned as text, so their presence is the finding. */
const KEYSTORE_EXTENSIONS = ['.p12', '.pfx', '.jks', '.jceks', '.bks', '.keystore', '.kdbx', '.key', '.der'];

export function isKeystoreName(path: string): boolean {
  const lower = path.toLowerCase();
  if (lower.endsWith('.der')) return /(?:^|[/._-])(?:key|private)[^/]*\.der$/.test(lower);
  return KEYSTORE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
