/**
 * Compiled validators on disk (`<cache root>/schema/<key>.js`), so a second run skips ajv compilation — about a
 * second for a Deployment-sized schema, against ~50 ms to import the module (measured; see bench/schema.bench.mjs).
 *
 * An entry is a script (one function expression that returns the validator), not an ES module, so that V8's code
 * cache can go beside it (`<key>.<flags>.v8`, written after the first run that loaded the script): node 20 has no
 * code cache for ES modules, and compiling the ~3 MB of validators of the medium bench repo's 23 kinds was ~90 ms of
 * CPU per cold run as modules, ~65 ms as scripts and ~27 ms from the code cache (issue 20; `vm.Script` `cachedData`).
 *
 * The files are executable code inside the checked repository's folder tree. A pull request could commit a file
 * there, so every module is an authenticated entry (util/cache-auth.ts: an HMAC with a per-user key kept outside
 * the repository); a file without a valid MAC is ignored and rewritten.
 * Any cache problem (unwritable folder, bad file) costs speed only, never a verdict.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { cacheRootDir, ensureIgnoredDir } from '../../util/paths.js';
import { CacheAuth } from '../../util/cache-auth.js';
import { heapIsCompact } from '../../util/heap.js';
import type { ValidateFunction } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { formats, regExpEngine, RUNTIME_NAMES, RUNTIME_URL, uniqueErrors, type Ajv } from './ajv.js';
import { allowedWriteRoots, allowWritesUnder, writeFileAtomicSync } from '../../util/atomic-write.js';
import { userKeyFile } from '../../util/user-key.js';
import { CACHE_FILE_MAX, readCacheFile } from '../../util/safe-read.js';

/** Bump when the generated code's shape changes (ajv options, runtime names). */
const CACHE_FORMAT = 4;
const AJV_VERSION = (createRequire(import.meta.url)('ajv/package.json') as { version: string }).version;
const HEADER = '// kfm-gitops schema validator; mac=';
/** A code cache file: this line, the MAC, a newline, then V8's bytes. */
const CODE_HEADER = 'kfm-gitops v8 code cache; mac=';
/** ajv's runtime helpers, resolved from our own module as our imports are (see save). */
const runtimeRequire = createRequire(RUNTIME_URL);
/** The parameters of an entry's function, in the order load() passes them. */
const SCRIPT_PARAMS = [RUNTIME_NAMES.formats, RUNTIME_NAMES.regExp, RUNTIME_NAMES.unique, 'require'].join(', ');

type Factory = (
  f: typeof formats,
  r: typeof regExpEngine,
  u: typeof uniqueErrors,
  req: NodeRequire,
) => ValidateFunction | undefined;

/** A script loaded without a usable code cache: its cache is written once the run has used the validator. */
interface PendingCode {
  script: Script;
  file: string;
  key: string;
  bodyMac: string;
}

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
  /** Code caches used (accepted by V8) and written by this cache. */
  readonly code = { used: 0, written: 0 };
  private writable = true;
  private pending: PendingCode[] = [];

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
    const file = join(this.dir, `${key}.js`);
    // Never through a link, from a FIFO or a device (a committed one would hang the run): a miss.
    const read = readCacheFile(file, CACHE_FILE_MAX);
    if (!read) return undefined; // no entry (or unreadable): a cache miss, the validator compiles in memory
    const text = read.toString('utf8');
    // The text verified is the text run (never the file again, which could change in between).
    const body = this.auth.unseal(HEADER, key, text);
    if (body === undefined) {
      this.stats.rejected++;
      return undefined;
    }
    const bodyMac = text.slice(HEADER.length, text.indexOf('\n'));
    const codeFile = join(this.dir, `${key}.${codeCacheTag()}.v8`);
    const cachedData = this.readCode(codeFile, key, bodyMac);
    try {
      const script = new Script(body, { filename: file, lineOffset: 1, ...(cachedData ? { cachedData } : {}) });
      const fn = (script.runInThisContext() as Factory)(formats, regExpEngine, uniqueErrors, runtimeRequire);
      if (typeof fn !== 'function') return undefined;
      if (cachedData && !script.cachedDataRejected) this.code.used++;
      else if (this.writable) this.pending.push({ script, file: codeFile, key, bodyMac });
      this.stats.hits++;
      return fn;
    } catch {
      this.stats.rejected++;
      return undefined;
    }
  }

  /**
   * Writes the code cache of every script this cache loaded without one. Called once the run has validated with
   * them: V8 then includes the functions compiled since the load, not only the ones compiled with the script.
   */
  writeCodeCaches(): void {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) {
      try {
        const entry = this.auth.sealBytes(CODE_HEADER, codeBound(p.key, p.bodyMac), p.script.createCachedData());
        writeFileAtomicSync(p.file, entry, { mkdir: false });
        this.code.written++;
      } catch {
        this.writable = false;
        return;
      }
    }
  }

  /**
   * The code cache of a script, when authentic: bytes V8 deserialises into bytecode must come from this user's runs
   * (V8 checks only its own version, flags and the source's length). It is bound to the script's own MAC.
   */
  private readCode(file: string, key: string, bodyMac: string): Buffer | undefined {
    const entry = readCacheFile(file, CACHE_FILE_MAX);
    return entry && this.auth.unsealBytes(CODE_HEADER, codeBound(key, bodyMac), entry);
  }

  save(key: string, ajv: Ajv, fn: ValidateFunction): void {
    if (!this.writable) return;
    try {
      // ajv's standalone code loads some runtime helpers with require() (string length, deep equality, URI) even
      // as an ES module; without a `require` in scope such a module never imported and its schema compiled again
      // on every run (23 shipped schemas on redhat-cop/gitops-catalog, ~3 s of CPU, issue 20). The entry is a
      // script: load() passes a `require` that resolves them from our own module, as our imports do.
      const body = scriptOf(eagerModule(standaloneCode(ajv, fn), fn));
      if (body === undefined) return; // not the shape ajv writes: compiled again next run, never guessed at
      ensureIgnoredDir(this.dir);
      const file = join(this.dir, `${key}.js`);
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

/**
 * A standalone module as the body of a script: one function expression taking the runtime (SCRIPT_PARAMS) and
 * returning the root validator. Undefined unless ajv's export statement occurs exactly once and nothing else says
 * `export` or `import` at a line's start (then the entry is not written, and the validator compiles again next run).
 */
export function scriptOf(code: string): string | undefined {
  const exported = /export const validate = (validate\d+);export default \1;/.exec(code);
  if (!exported || code.indexOf(exported[0], exported.index + 1) >= 0) return undefined;
  const rest = code.slice(0, exported.index) + code.slice(exported.index + exported[0].length);
  if (/(^|\n)\s*(export|import)\b/.test(rest)) return undefined;
  return `(function (${SCRIPT_PARAMS}) {"use strict";\n${rest}\nreturn ${exported[1]};\n})`;
}

/** What a code cache is bound to: its entry (key and the entry's own MAC) and the V8 flags it was made under. */
function codeBound(key: string, bodyMac: string): string[] {
  return ['v8', key, codeCacheTag(), bodyMac];
}

/**
 * Which V8 flags a code cache was made under: a run over a large repository switches V8 to --optimize-for-size
 * (util/heap.ts) and V8 refuses a cache made under other flags; one file per setting keeps both kinds of run served.
 */
function codeCacheTag(): string {
  return heapIsCompact() ? 'compact' : 'default';
}
