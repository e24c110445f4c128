/**
 * Loads the CLI for bin/kfm-gitops.js: the one-script bundle (dist/kfm-gitops.cjs, scripts/bundle.mjs) with V8's code
 * cache, or the ES modules when there is no bundle (a `tsc`-only build).
 *
 * Why (issue 20): node 20 has no code cache for ES modules, so every run parsed and compiled each module and each
 * function it called again. As one script loaded through `vm.Script` with `cachedData`, the functions a previous run
 * compiled come back as bytecode: measured on the medium bench repo (render cache warm, 5 runs each, interleaved)
 * node CPU 2.31-2.88 s → 2.05-2.22 s, and a warm check of infra/gitops 0.21-0.23 s → 0.17-0.19 s wall.
 *
 * The code cache is bytecode this process runs, so it is treated like the schema validators' caches
 * (checks/schema/disk-cache.ts): kept per user outside every repository, authenticated with the user's cache key
 * (util/cache-auth.ts) and bound to the bundle's exact bytes (V8 itself checks only the source's length, its own
 * version and flags). Anything wrong with it (missing, forged, stale, refused by V8, unwritable) costs speed only:
 * the script then compiles as it would without a cache. `--no-cache` reads and writes none.
 * The same code either way: `KFM_GITOPS_NO_BUNDLE=1` loads the modules instead (profiles by module file).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';
import { constants, Script } from 'node:vm';
import { allowedWriteRoots, allowWritesUnder, writeFileAtomicSync } from '../util/atomic-write.js';
import { CacheAuth } from '../util/cache-auth.js';
import { CACHE_FILE_MAX, readCacheFile } from '../util/safe-read.js';
import { userKeyFile } from '../util/user-key.js';

export type Main = (argv: string[]) => Promise<number>;

/** How a run got its code: from the ES modules, or the bundle with a code cache used, refused or absent. */
export type CodeSource = 'modules' | 'bundle' | 'bundle+cache' | 'bundle, cache refused';

export interface LoadedCli {
  main: Main;
  source: CodeSource;
  /** Writes the code cache when this run has a better one to give (see saveCodeCache); never throws. */
  finish(): void;
}

/** A code cache entry: this line, the MAC, a newline, then V8's bytes. */
const CODE_HEADER = 'kfm-gitops cli code cache; mac=';
/** A run that used the cache writes it again only when it compiled this much more (createCachedData: ~15 ms). */
const GROWTH_TO_REWRITE = 1.02;
/**
 * ...and only after this much CPU: a short run compiles little, and its write would be most of its time. Asking V8
 * for the cache to compare costs ~26 ms whether or not it is written: a changed-only check of the medium bench repo
 * (~1.5 s CPU, 1.06 s wall) paid it on every run for a cache the cold run before had already filled (issue 20).
 */
const CPU_TO_REWRITE_US = 3_000_000;

const here = dirname(fileURLToPath(import.meta.url));
/** dist/kfm-gitops.cjs, beside the modules it was made from. */
export const BUNDLE_FILE = join(here, '..', 'kfm-gitops.cjs');

/**
 * `<user cache>/kfm-gitops/code/<hash of the bundle's path>-<V8 tag>.v8`: one entry per installation and per V8
 * version and flags (the tag), rewritten in place when the bundle changes. Two node versions, or a process started
 * with other V8 flags, keep their own entries instead of each refusing and rewriting the other's on every run.
 */
export function codeCacheFile(bundle: string, env: NodeJS.ProcessEnv = process.env): string {
  const installation = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  return userKeyFile(join('code', `${installation}-${cachedDataVersionTag()}.v8`), env);
}

export async function loadCli(
  argv: readonly string[],
  options: { bundle?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<LoadedCli> {
  const bundle = options.bundle ?? BUNDLE_FILE;
  const env = options.env ?? process.env;
  // KFM_GITOPS_NO_BUNDLE=1: the modules, for a profile that tells stages apart by module (bench/profile.mjs).
  if (env.KFM_GITOPS_NO_BUNDLE === '1' || !existsSync(bundle)) {
    const { main } = (await import('./main.js')) as { main: Main };
    return { main, source: 'modules', finish: () => undefined };
  }
  const bytes = readCacheFile(bundle, CACHE_FILE_MAX);
  if (!bytes) throw new Error(`cannot read ${bundle}`);
  // ASCII (scripts/bundle.mjs checks): Latin-1 is the same text without decoding UTF-8.
  const source = `(function (exports, require, module, __filename, __dirname) {${bytes.toString('latin1')}\n})`;
  const bound = [createHash('sha256').update(bytes).digest('hex'), String(cachedDataVersionTag())];
  const useCache = !argv.includes('--no-cache');
  const file = codeCacheFile(bundle, env);
  let auth: CacheAuth | undefined;
  let cachedData: Buffer | undefined;
  if (useCache && existsSync(file)) {
    auth = CacheAuth.open(env);
    const entry = auth && readCacheFile(file, CACHE_FILE_MAX);
    cachedData = entry ? auth?.unsealBytes(CODE_HEADER, bound, entry) : undefined;
  }
  const script = new Script(source, {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
    // Any `import()` the bundler left goes through Node's own loader, as it would from the module.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...a: unknown[]) => void)(
    mod.exports,
    createRequire(bundle),
    mod,
    bundle,
    dirname(bundle),
  );
  if (typeof mod.exports.main !== 'function') throw new Error(`${bundle} does not export main`);
  const used = cachedData !== undefined && !script.cachedDataRejected;
  return {
    main: mod.exports.main,
    source: !cachedData ? 'bundle' : used ? 'bundle+cache' : 'bundle, cache refused',
    finish: () => {
      if (!useCache) return;
      try {
        saveCodeCache(script, { file, bound, used, previousBytes: cachedData?.length ?? 0, env, auth });
      } catch {
        // Speed only: the next run compiles what it needs, as this one did.
      }
    },
  };
}

/**
 * Writes the script's code cache (the functions compiled so far, not only those compiled with the script) when the
 * last one was missing or refused, or when this run was long and compiled more than the cache holds. Not when V8's
 * flags changed during the run (a large run switches the heap to --optimize-for-size, util/heap.ts): V8 would refuse
 * that cache at the next start, which always runs with the start-up flags.
 */
function saveCodeCache(
  script: Script,
  o: { file: string; bound: string[]; used: boolean; previousBytes: number; env: NodeJS.ProcessEnv; auth?: CacheAuth },
): void {
  if (String(cachedDataVersionTag()) !== o.bound[1]) return;
  if (o.used) {
    const cpu = process.cpuUsage();
    if (cpu.user + cpu.system < CPU_TO_REWRITE_US) return;
  }
  const data = script.createCachedData();
  if (o.used && data.length < o.previousBytes * GROWTH_TO_REWRITE) return;
  const auth = o.auth ?? CacheAuth.open(o.env);
  if (!auth) return;
  // Outside every repository, named by the environment alone: a write root like the user's key folder.
  if (allowedWriteRoots()) allowWritesUnder([dirname(o.file)]);
  writeFileAtomicSync(o.file, auth.sealBytes(CODE_HEADER, o.bound, data));
}
