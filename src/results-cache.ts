/**
 * Whole-run result cache: when nothing that a check reads has changed since a previous run — every rendered
 * overlay, every file under the root (by size and mtime), the config, the tool and its shipped schemas and policy
 * bundle — the previous findings are reused and the checks are not run. Any change at all (or a render failure
 * that may not repeat, like a timeout) runs everything. Expiry of exceptions is applied after, so a cached result never outlives an
 * exception's date. Findings hold no secret values (they are redacted), so entries are plain JSON.
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
import { lstatSync, readdirSync, readlinkSync, type Dirent } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config/types.js';
import type { Finding, OverlaySummary, RenderedOverlay } from './types.js';
import { ensureIgnoredDir, packageRoot } from './util/paths.js';
import { fileStamp } from './util/stamp.js';
import { writeFileAtomic } from './util/atomic-write.js';

const FORMAT = 'kfm-results-v2';

export interface CachedResults {
  findings: Finding[];
  /** Container name per finding fingerprint, for exceptions with a `container:` selector. */
  containers: Record<string, string>;
  /** The overlays of the run, for the report (tree-key entries: nothing is rendered on a hit). */
  overlays?: OverlaySummary[];
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
 * `path:stamp` of every entry under `dir` but folders, sorted; symbolic links by their own stamp and target, never
 * followed; entries `skip` names (at any depth) left out. A plain readdir walk, not a glob: glob libraries skip
 * names a pattern's `.` cannot match (a newline in a name), which would leave a file out of the key, and loading
 * one cost the warm run a tenth of its CPU. Synchronous: it runs alone, and one promise per file costs more than
 * the lstat.
 */
function treeStamps(dir: string, skip: (rel: string, name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const folders = [''];
  while (folders.length > 0) {
    const rel = folders.pop()!;
    let dirents: Dirent[];
    try {
      dirents = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch (err) {
      // Nothing can read it, so nothing rendered from it; marked so that it becoming readable changes the key.
      out.push(`${rel}/:unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`);
      continue;
    }
    for (const d of dirents) {
      const path = rel === '' ? d.name : `${rel}/${d.name}`;
      if (skip(path, d.name)) continue;
      if (d.isDirectory()) {
        folders.push(path);
        continue;
      }
      const abs = join(dir, path);
      try {
        const st = lstatSync(abs);
        out.push(`${path}:${fileStamp(st)}${st.isSymbolicLink() ? `:->${readlinkSync(abs)}` : ''}`);
      } catch (err) {
        out.push(`${path}:unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`);
      }
    }
  }
  return out.sort();
}

/** What the root's stamps leave out: Git's and npm's folders, and the tool's own cache (written by every run). */
const skipUnderRoot = (rel: string, name: string): boolean =>
  name === '.git' || name === 'node_modules' || rel === '.kfm-gitops/cache' || rel.endsWith('/.kfm-gitops/cache');

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
  add([...treeStamps(join(packageRoot(), 'schemas')), ...treeStamps(join(packageRoot(), 'policies', 'bundle'))]);
  // Every file under the root: the secret scan reads them and source mapping reads bases and patches.
  add(treeStamps(input.root, skipUnderRoot));
  for (const dir of [input.config.policy?.customDir, ...((input.config.schema?.extraDirs as unknown[]) ?? [])]) {
    if (typeof dir === 'string') add(treeStamps(join(input.root, dir)));
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
        createHash('sha256').update(r.text).digest('hex'),
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
  constructor(private readonly dir: string) {}

  async read(key: string): Promise<CachedResults | undefined> {
    try {
      const entry = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as {
        format?: string;
        key?: string;
      } & CachedResults;
      if (entry.format !== FORMAT || entry.key !== key || !Array.isArray(entry.findings)) return undefined;
      return {
        findings: entry.findings,
        containers: entry.containers ?? {},
        ...(Array.isArray(entry.overlays) ? { overlays: entry.overlays } : {}),
      };
    } catch {
      return undefined; // missing or corrupt: run the checks
    }
  }

  /** Best effort: a cache that cannot be written only costs speed. */
  async write(key: string, results: CachedResults): Promise<void> {
    const file = join(this.dir, `${key}.json`);
    try {
      ensureIgnoredDir(this.dir);
      await writeFileAtomic(file, JSON.stringify({ format: FORMAT, key, ...results }));
    } catch {
      // not written: the next run checks again
    }
  }
}
