/**
 * Compiled validators on disk (`<cache root>/schema/<key>.mjs`), so a second run skips ajv compilation — about a
 * second for a Deployment-sized schema, against ~50 ms to import the module (measured; see bench/schema.bench.mjs).
 *
 * The files are executable code inside the checked repository's folder tree. A pull request could commit a file
 * there, so every module is an authenticated entry (util/cache-auth.ts: an HMAC with a per-user key kept outside
 * the repository); a file without a valid MAC is ignored and rewritten.
 * Any cache problem (unwritable folder, bad file) costs speed only, never a verdict.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cacheRootDir, ensureIgnoredDir } from '../../util/paths.js';
import { CacheAuth } from '../../util/cache-auth.js';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { RUNTIME_NAMES, RUNTIME_URL, type Ajv } from './ajv.js';
import { allowedWriteRoots, allowWritesUnder, writeFileAtomicSync } from '../../util/atomic-write.js';
import { userKeyFile } from '../../util/user-key.js';

/** Bump when the generated code's shape changes (ajv options, runtime names). */
const CACHE_FORMAT = 3;
const AJV_VERSION = (createRequire(import.meta.url)('ajv/package.json') as { version: string }).version;
const HEADER = '// kfm-gitops schema validator; mac=';

type Standalone = (ajv: Ajv, fn: ValidateFunction) => string;
const standaloneExport = standaloneModule as unknown as Standalone & { default?: Standalone };
const standaloneCode: Standalone =
  typeof standaloneExport.default === 'function' ? standaloneExport.default : standaloneExport;

/** `<cache root>/schema`: cache root = config `cache.dir` (relative to the root) or `<root>/.kfm-gitops/cache`. */
export function schemaCacheDir(root: string, configuredRoot?: string): string {
  return join(cacheRootDir(root, configuredRoot), 'schema');
}

/**
 * `<user cache>/kfm-gitops/schema`: validators of the shipped Kubernetes definitions. They are a function of the tool
 * alone (the release file's hash, ajv's version and this cache format are in every key), so they are kept per user,
 * outside every repository, like the render worker's version memo: a repository's first run then loads them
 * instead of compiling them again (ajv compilation was ~0.5-0.7 s CPU of a cold check on the medium bench repo,
 * issue 20). Entries are authenticated the same way (CacheAuth), and no repository text goes in them.
 */
export function shippedSchemaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return userKeyFile('schema', env);
}

export interface DiskCacheStats {
  hits: number;
  writes: number;
  rejected: number;
}

export class ValidatorDiskCache {
  readonly stats: DiskCacheStats = { hits: 0, writes: 0, rejected: 0 };
  private writable = true;

  private constructor(
    readonly dir: string,
    private readonly auth: CacheAuth,
  ) {}

  /** The cache, or undefined when the per-user key cannot be read or created (then validators compile in memory). */
  static open(dir: string, env: NodeJS.ProcessEnv = process.env): ValidatorDiskCache | undefined {
    const auth = CacheAuth.open(env);
    return auth ? new ValidatorDiskCache(dir, auth) : undefined;
  }

  /** The per-user cache of the shipped definitions' validators (see shippedSchemaCacheDir), or undefined without a key. */
  static openShipped(env: NodeJS.ProcessEnv = process.env): ValidatorDiskCache | undefined {
    const dir = shippedSchemaCacheDir(env);
    // Outside the repository, named by the environment alone (never by the repo's config): a write root like the
    // user's key folder (util/user-key.ts).
    if (allowedWriteRoots()) allowWritesUnder([dir]);
    return ValidatorDiskCache.open(dir, env);
  }

  /** Cache key of a validator: everything that shapes its generated code. */
  keyFor(releaseHash: string, schema: unknown): string {
    return createHash('sha256')
      .update(JSON.stringify([CACHE_FORMAT, AJV_VERSION, RUNTIME_URL, releaseHash, schema]))
      .digest('hex')
      .slice(0, 40);
  }

  async load(key: string): Promise<ValidateFunction | undefined> {
    const file = join(this.dir, `${key}.mjs`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined; // no entry (or unreadable): a cache miss, the validator compiles in memory
    }
    if (this.auth.unseal(HEADER, key, text) === undefined) {
      this.stats.rejected++;
      return undefined;
    }
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: ValidateFunction };
      if (typeof mod.default !== 'function') return undefined;
      this.stats.hits++;
      return mod.default;
    } catch {
      this.stats.rejected++;
      return undefined;
    }
  }

  save(key: string, ajv: Ajv, fn: ValidateFunction): void {
    if (!this.writable) return;
    try {
      // ajv's standalone code loads some runtime helpers with require() (string length, deep equality, URI) even
      // as an ES module; without a `require` in scope such a module never imported and its schema compiled again
      // on every run (23 shipped schemas on redhat-cop/gitops-catalog, ~3 s of CPU, issue 20). It resolves them
      // from our own module, as our imports do.
      const runtime =
        `import { formats as ${RUNTIME_NAMES.formats}, regExpEngine as ${RUNTIME_NAMES.regExp}, uniqueErrors as ${RUNTIME_NAMES.unique} } from ${JSON.stringify(RUNTIME_URL)};\n` +
        `import { createRequire as kfmCreateRequire } from 'node:module';\nconst require = kfmCreateRequire(${JSON.stringify(RUNTIME_URL)});\n`;
      const body = runtime + eagerModule(standaloneCode(ajv, fn), fn);
      ensureIgnoredDir(this.dir);
      const file = join(this.dir, `${key}.mjs`);
      writeFileAtomicSync(file, this.auth.seal(HEADER, key, body), { mkdir: false });
      this.stats.writes++;
    } catch {
      this.writable = false;
    }
  }
}

/**
 * The root validator of a standalone module as a parenthesised function expression, its exports after it: V8 then
 * compiles it in one pass on import instead of pre-parsing the function declaration and parsing it again in full on
 * its first call (the same as eagerValidator in ajv.ts does for compiled validators; a cached CRD validator is
 * megabytes of code, issue 20). Anything but the exact shape ajv writes is left as it is.
 */
export function eagerModule(code: string, fn: ValidateFunction): string {
  const source = (fn as { source?: { validateName?: unknown; validateCode?: unknown } }).source;
  const name = source?.validateName === undefined ? '' : String(source.validateName);
  const own = source?.validateCode;
  if (!/^validate\d+$/.test(name) || typeof own !== 'string' || !own.startsWith(`function ${name}(`)) return code;
  const exports = `export const validate = ${name};export default ${name};`;
  const at = code.indexOf(exports);
  const fnAt = code.indexOf(own);
  if (at < 0 || code.indexOf(exports, at + 1) >= 0 || fnAt < 0 || code.indexOf(own, fnAt + 1) >= 0) return code;
  const withoutExports = code.slice(0, at) + code.slice(at + exports.length);
  const start = withoutExports.indexOf(own);
  // A declaration is hoisted, an assigned expression is not: only when nothing but the statement that follows it
  // names the root validator (no wrapper of a recursive reference built before it) may it become one.
  const after = withoutExports.slice(start + own.length);
  const evaluated = `${name}.evaluated = `;
  const rest = withoutExports.slice(0, start) + (after.startsWith(evaluated) ? after.slice(evaluated.length) : after);
  if (new RegExp(`\\b${name}\\b`).test(rest)) return code;
  return `${withoutExports.slice(0, start)}var ${name} = (${own});${withoutExports.slice(start + own.length)}\n${exports}\n`;
}
