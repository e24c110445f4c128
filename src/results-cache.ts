/**
 * Whole-run result cache: when nothing that a check reads has changed since a previous run — every rendered
 * overlay, every file under the root (by size and mtime), the config, the tool and its shipped schemas and policy
 * bundle, the repository's name (the git config its origin remote is read from) — the previous findings are reused and the checks are not run. Any change at all (or a render failure
 * that may not repeat, like a timeout) runs everything. Expiry of exceptions is applied after, so a cached result never outlives an
 * exception's date. Findings hold no secret values (they are redacted), so entries are plain JSON — authenticated:
 * a pull request could commit `results/<key>.json` with no findings for its own failing tree (the key is computable
 * from file sizes and mtimes), so an entry is used only when its MAC verifies with this user's key (util/cache-auth.ts).
 *
 * Two keys, both over the stamps of every file under the root:
 *  - the tree key, known before anything is rendered: the files plus the renderer and the discovery options.
 *    Rendering is a function of exactly those (references outside the root, remote bases and exec plugins are
 *    refused, and runs allowing exec never use this key), so a hit skips discovery, kustomize and the checks: the
 *    warm path of a developer's repeated `check`. Entries also hold the overlay list for the report.
 *  - the render key, with each overlay's rendered text instead of the renderer: for runs that allow exec plugins.
 * Runs that select overlays (--changed-since, --shard) are not cached: they check few overlays, and stamping the
 * whole tree would cost more than it saves.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from './config/types.js';
import type { Finding, OverlaySummary, RenderedOverlay } from './types.js';
import { ensureIgnoredDir, packageRoot } from './util/paths.js';
import { isFact, runFacts, type Looked } from './util/file-facts.js';
import { writeFileAtomic } from './util/atomic-write.js';
import { CacheAuth } from './util/cache-auth.js';
import { CACHE_FILE_MAX, readCacheFile } from './util/safe-read.js';
import { originConfigStamps } from './util/git.js';
import { gitmodulesOf } from './discover/root.js';
import { fileStamp } from './util/stamp.js';
import { walkTree } from './util/walk.js';

const FORMAT = 'kfm-results-v4';
const MAC_PREFIX = `${FORMAT} mac=`;

export interface CachedResults {
  findings: Finding[];
  /** Container name per finding fingerprint, for exceptions with a `container:` selector. */
  containers: Record<string, string>;
  /** The overlays of the run, for the report (tree-key entries: nothing is rendered on a hit). */
  overlays?: OverlaySummary[];
  /** Argo CD sources the run listed as not checked (tree-key entries: a hit must say so again). */
  notChecked?: { path: string; reason: string }[];
}

export interface RunKeyInput {
  root: string;
  config: Config;
  configFile?: string;
  toolVersion: string;
  kubernetesVersion: string;
  checkIds: string[];
  env: NodeJS.ProcessEnv;
}

export interface TreeKeyInput {
  /** What renders (its path and version) and how overlays are chosen: with the files, all rendering depends on. */
  renderer: { command: string; version: string };
  discover: unknown;
  origin: boolean;
}

/**
 * Stamps of the package's shipped data and of config folders (names the tool controls): the same walk as the tree's,
 * so the warm path loads no glob library (a tenth of its CPU on infra/gitops).
 */
function folderStamps(dir: string): string[] {
  const facts = runFacts();
  return facts
    .tree(dir)
    .filter((p) => !p.endsWith('/'))
    .map((f) => `${f}:${stampOf(facts.lstat(join(dir, f)))}`)
    .sort();
}

/**
 * Stamps of one of the package's own folders (shipped schemas, the policy bundle, the compiled code): plain lstat,
 * not the run's file facts. Those keep a fact per path for the run (interned, flattened, nanosecond bigint
 * stats) for the repository's paths that discovery and the walks ask about again; nothing asks about the package's
 * ~450 files again, and stamping them the facts' way was ~25 of the warm path's ~200 ms of its own on infra/gitops
 * (issue 20). The walk is walkTree's (links stamped as links, never followed); source maps are left out: they
 * change no result. Millisecond stamps (fileStamp) are compared only with stamps made here.
 */
export async function packageStamps(dir: string): Promise<string[]> {
  // A missing or unreadable folder is a state of its own, not an empty one.
  const out: string[] = [];
  const entries = await walkTree(dir, { unreadable: (rel) => out.push(`${rel}/:(unreadable)`) });
  for (const path of entries) {
    if (path.endsWith('/') || path.endsWith('.map')) continue;
    let stamp: string;
    try {
      const s = lstatSync(join(dir, path));
      stamp = `${s.isSymbolicLink() ? 'l' : s.isFile() ? 'f' : 'o'}:${fileStamp(s)}`;
    } catch {
      stamp = '(gone)';
    }
    out.push(`${path}:${stamp}`);
  }
  return out.sort();
}

/** The stamp of the Git index of the work tree whose top holds `gitmodules` (a `.git` file points at its folder). */
function gitIndexStamp(gitmodules: string): string {
  const top = dirname(gitmodules);
  try {
    let gitDir = join(top, '.git');
    if (!statSync(gitDir).isDirectory()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8').slice(0, 4096));
      if (!m) return '(no index)';
      gitDir = isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(top, m[1]!.trim());
    }
    return fileStamp(statSync(join(gitDir, 'index'), { bigint: true }));
  } catch {
    return '(no index)';
  }
}

/** A path's stamp from the run's file facts (util/file-facts.ts): one lstat per path per run, shared with discovery. */
function stampOf(fact: Looked): string {
  return isFact(fact) ? fact.stamp : '(gone)';
}

/**
 * Every file under the root with its stamp: the same readdir walk as the secret scan's listing outside Git, so a
 * name no glob matches (a newline in it) is in the key, and nothing is left out by name — an ignored or untracked
 * file a kustomization reads, a folder named node_modules — except `.git` and the cache folders themselves. Taken
 * from the run's file facts: discovery, coverage and the Argo CD view list the same folders and stat the same files.
 */
function treeStamps(root: string): [string, string][] {
  const facts = runFacts();
  const files = facts
    .tree(root, (p) => p === '.kfm-gitops/cache' || p.endsWith('/.kfm-gitops/cache'))
    .filter((p) => !p.endsWith('/'));
  const stamps = files.map((f): [string, string] => [f, stampOf(facts.lstat(join(root, f)))]);
  return stamps.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * What both keys cover — tool, config, shipped data and the stamps of every file under the root — digested once
 * per run: a cold run needs both keys, and stamping the tree twice measured ~0.1 s on the medium bench repo.
 */
export async function commonKey(input: RunKeyInput): Promise<string> {
  const hash = createHash('sha256');
  const add = (v: unknown): void => {
    hash.update(JSON.stringify(v));
    hash.update('\n');
  };
  add([FORMAT, input.toolVersion, input.kubernetesVersion, input.checkIds, input.config, input.configFile ?? null]);
  // The secret scan's fingerprint key changes its output without changing any file.
  add(
    createHash('sha256')
      .update(input.env.KFM_SECRETS_FINGERPRINT_KEY ?? '')
      .digest('hex'),
  );
  // Shipped data: a development checkout changes schemas or the bundle without a version bump.
  // The compiled code too: a rebuilt checkout (same version, other checks) must not answer with the old build's results.
  add(
    await Promise.all([
      packageStamps(join(packageRoot(), 'schemas')),
      packageStamps(join(packageRoot(), 'policies', 'bundle')),
      packageStamps(join(packageRoot(), 'dist')),
    ]),
  );
  // Every file under the root: the secret scan reads them and source mapping reads bases and patches.
  add(treeStamps(input.root));
  // The repository's name (its origin remote): which Argo CD Applications deploy from here depends on it.
  add(originConfigStamps(input.root, input.env));
  // Submodules (discover/coverage.ts): a .gitmodules outside the root, and then the index, decide which folders are
  // another repository's content; neither is a file under the root.
  const gitmodules = gitmodulesOf(input.root);
  if (gitmodules) add([stampOf(runFacts().lstat(gitmodules)), gitIndexStamp(gitmodules)]);
  for (const dir of [input.config.policy?.customDir, ...((input.config.schema?.extraDirs as unknown[]) ?? [])]) {
    if (typeof dir === 'string') add(folderStamps(join(input.root, dir)));
  }
  return hash.digest('hex');
}

/** The render key: the common part with each overlay's rendered text. */
export function runKey(common: string, rendered: RenderedOverlay[]): string {
  const hash = createHash('sha256').update(`render\n${common}\n`);
  for (const r of rendered)
    hash.update(
      `${JSON.stringify([
        r.overlay.path,
        r.overlay.env,
        r.overlay.layer,
        r.status,
        r.textSha256 ?? createHash('sha256').update(r.text).digest('hex'),
      ])}\n`,
    );
  return hash.digest('hex');
}

/** The tree key: computable before discovery (see the module comment for why it is enough). */
export function treeKey(common: string, tree: TreeKeyInput): string {
  return createHash('sha256')
    .update(`tree\n${common}\n`)
    .update(JSON.stringify([tree.renderer.command, tree.renderer.version, tree.discover, tree.origin]))
    .digest('hex');
}

export class ResultCache {
  private readonly auth: CacheAuth | undefined;

  /** Without the per-user key (unwritable home) the cache is off: an entry nobody can authenticate is not used. */
  constructor(
    private readonly dir: string,
    auth?: CacheAuth,
  ) {
    this.auth = auth ?? CacheAuth.open();
  }

  async read(key: string): Promise<CachedResults | undefined> {
    if (!this.auth) return undefined;
    try {
      const bytes = readCacheFile(join(this.dir, `${key}.json`), CACHE_FILE_MAX);
      if (!bytes) return undefined; // missing, a link, a FIFO or a device (a committed one): run the checks
      const body = this.auth.unseal(MAC_PREFIX, key, bytes.toString('utf8'));
      if (body === undefined) return undefined; // planted or damaged: run the checks (and overwrite it)
      const entry = JSON.parse(body) as {
        format?: string;
        key?: string;
      } & CachedResults;
      if (entry.format !== FORMAT || entry.key !== key || !Array.isArray(entry.findings)) return undefined;
      return {
        findings: entry.findings,
        containers: entry.containers ?? {},
        ...(Array.isArray(entry.overlays) ? { overlays: entry.overlays } : {}),
        ...(Array.isArray(entry.notChecked) ? { notChecked: entry.notChecked } : {}),
      };
    } catch {
      return undefined; // missing or corrupt: run the checks
    }
  }

  /** Best effort: a cache that cannot be written only costs speed. */
  async write(key: string, results: CachedResults): Promise<void> {
    const file = join(this.dir, `${key}.json`);
    if (!this.auth) return;
    try {
      ensureIgnoredDir(this.dir);
      await writeFileAtomic(file, this.auth.seal(MAC_PREFIX, key, JSON.stringify({ format: FORMAT, key, ...results })));
    } catch {
      // not written: the next run checks again
    }
  }
}
