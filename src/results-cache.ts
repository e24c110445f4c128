/**
 * Whole-run result cache: when nothing that a check reads has changed since a previous run — every rendered
 * overlay, every file under the root (by size and mtime), the config, the tool and its shipped schemas and policy
 * bundle — the previous findings are reused and the checks are not run. This is what makes a warm `check` cheap;
 * any change at all (or a render error anywhere) runs everything. Expiry of exceptions is applied after, so a
 * cached result never outlives an exception's date. Findings hold no secret values (they are redacted), so entries
 * are plain JSON.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import type { Config } from './config/types.js';
import type { Finding, RenderedOverlay } from './types.js';
import { ensureIgnoredDir, packageRoot } from './util/paths.js';

const FORMAT = 'kfm-results-v1';

export interface CachedResults {
  findings: Finding[];
  /** Container name per finding fingerprint, for exceptions with a `container:` selector. */
  containers: Record<string, string>;
}

export interface RunKeyInput {
  root: string;
  config: Config;
  configFile?: string;
  toolVersion: string;
  kubernetesVersion: string;
  checkIds: string[];
  rendered: RenderedOverlay[];
  env: NodeJS.ProcessEnv;
}

async function fileStamps(cwd: string, patterns: string[], ignore: string[] = []): Promise<string[]> {
  const entries = await fg(patterns, {
    cwd,
    dot: true,
    stats: true,
    followSymbolicLinks: false,
    onlyFiles: true,
    ignore,
  });
  return entries.map((e) => `${e.path}:${e.stats?.size}:${e.stats?.mtimeMs}`).sort();
}

export async function runKey(input: RunKeyInput): Promise<string> {
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
  add(await fileStamps(packageRoot(), ['schemas/**', 'policies/bundle/**']));
  for (const r of input.rendered)
    add([r.overlay.path, r.overlay.env, r.overlay.layer, r.status, createHash('sha256').update(r.text).digest('hex')]);
  // Every file under the root: the secret scan reads them and source mapping reads bases and patches.
  add(await fileStamps(input.root, ['**'], ['**/.git/**', '**/node_modules/**', '**/.kfm-gitops/cache/**']));
  for (const dir of [input.config.policy?.customDir, ...((input.config.schema?.extraDirs as unknown[]) ?? [])]) {
    if (typeof dir === 'string') add(await fileStamps(join(input.root, dir), ['**']).catch(() => ['(unreadable)']));
  }
  return hash.digest('hex');
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
      return { findings: entry.findings, containers: entry.containers ?? {} };
    } catch {
      return undefined; // missing or corrupt: run the checks
    }
  }

  /** Best effort: a cache that cannot be written only costs speed. */
  async write(key: string, results: CachedResults): Promise<void> {
    const file = join(this.dir, `${key}.json`);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      ensureIgnoredDir(this.dir);
      await writeFile(tmp, JSON.stringify({ format: FORMAT, key, ...results }));
      await rename(tmp, file);
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
