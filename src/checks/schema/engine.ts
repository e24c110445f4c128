/**
 * One validation engine per Kubernetes release, kept for the life of the process: the shipped definitions are
 * loaded once, and every validator (built-in kind or custom schema) is compiled lazily on first use and cached.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { packageRoot } from '../../util/paths.js';
import { createAjv, type Ajv } from './ajv.js';
import type { JsonSchema } from './crd.js';
import type { ValidatorDiskCache } from './disk-cache.js';

const BASE_ID = 'https://schemas.kfm-gitops.local';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

export interface ReleaseFile {
  format: number;
  release: string;
  source: { package: string; version: string; member: string; sha256: string };
  /** apiVersion → kind → definition name. */
  kinds: Record<string, Record<string, string>>;
  $defs: Record<string, JsonSchema>;
}

export function kubernetesSchemaDir(): string {
  return join(packageRoot(), 'schemas', 'kubernetes');
}

/** Kubernetes releases whose schemas ship with the tool (`schemas/kubernetes/<major>.<minor>.json`), oldest first. */
export function shippedKubernetesVersions(): string[] {
  let names: string[];
  try {
    names = readdirSync(kubernetesSchemaDir());
  } catch {
    return []; // an unreadable schema folder ships no release: engineFor then refuses every version
  }
  return names
    .map((n) => /^(\d+\.\d+)\.json$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => {
      const [am, an] = a.split('.').map(Number);
      const [bm, bn] = b.split('.').map(Number);
      return am - bm || an - bn;
    });
}

/** A configuration mistake: the run cannot be trusted at all, so the CLI exits 2 (DESIGN.md). */
export class UnknownKubernetesVersionError extends Error {
  readonly fatal = true;
  override name = 'UnknownKubernetesVersionError';
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** Something to compile: `key` identifies it in memory, `schema` is what ajv compiles. */
export interface ValidatorTarget {
  key: string;
  schema: JsonSchema;
  /** Shipped with the tool (the release's kinds, the shipped CRD pack and generated sets): no repository input. */
  shipped?: boolean;
}

export class ReleaseEngine {
  readonly release: string;
  readonly file: ReleaseFile;
  /** Hash of the release definitions: part of every disk-cache key. */
  readonly releaseHash: string;
  private ajvInstance: Ajv | undefined;
  /** Schema id of the release's definitions (`<id>#/$defs/<name>`). */
  readonly k8sId: string;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly customTargets = new WeakMap<JsonSchema, ValidatorTarget>();
  /** kind → apiVersions serving it, for "known versions" hints. */
  private kindVersions?: Map<string, string[]>;

  constructor(release: string, file: ReleaseFile, releaseHash: string) {
    this.release = release;
    this.file = file;
    this.releaseHash = releaseHash;
    this.k8sId = `${BASE_ID}/kubernetes/${release}.json`;
  }

  /**
   * The ajv instance, made on first compilation: when every validator of a run comes from a disk cache, neither
   * ajv's set-up nor the indexing of the release's 300 KB of definitions is paid (~0.1 s CPU per run).
   */
  private get ajv(): Ajv {
    if (!this.ajvInstance) {
      this.ajvInstance = createAjv();
      // The shipped definitions are generated and tested; skip meta-validation of 300 KB of schema on every start.
      this.ajvInstance.addSchema({ $id: this.k8sId, $defs: this.file.$defs }, undefined, undefined, false);
    }
    return this.ajvInstance;
  }

  /** Definition name of a built-in kind, if this release serves it. */
  definitionOf(apiVersion: string, kind: string): string | undefined {
    return this.file.kinds[apiVersion]?.[kind];
  }

  /** apiVersions of this release serving `kind`. */
  versionsOfKind(kind: string): string[] {
    if (!this.kindVersions) {
      this.kindVersions = new Map();
      for (const [apiVersion, kinds] of Object.entries(this.file.kinds)) {
        for (const k of Object.keys(kinds)) {
          const list = this.kindVersions.get(k) ?? [];
          list.push(apiVersion);
          this.kindVersions.set(k, list);
        }
      }
    }
    return this.kindVersions.get(kind) ?? [];
  }

  /** What to compile for a built-in kind (undefined when the release does not serve it). */
  kubernetesTarget(apiVersion: string, kind: string): ValidatorTarget | undefined {
    const def = this.definitionOf(apiVersion, kind);
    if (!def) return undefined;
    return { key: `k8s:${def}`, schema: { $ref: `${this.k8sId}#/$defs/${def}` }, shipped: true };
  }

  /**
   * What to compile for a custom-resource schema (CRD conversion, shipped pack, extraDirs). The root `metadata`
   * is always validated as the release's ObjectMeta: the API server does so whatever the CRD declares.
   */
  customTarget(schema: JsonSchema, origin: { shipped?: boolean } = {}): ValidatorTarget {
    // Hashing a schema costs more than validating a resource: once per schema object.
    const known = this.customTargets.get(schema);
    if (known) return known;
    const props = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
    props.metadata = { $ref: `${this.k8sId}#/$defs/${OBJECT_META}` };
    const { $schema: _ignored, $id: _id, id: _legacyId, ...rest } = schema;
    const prepared = { ...rest, properties: props };
    const target = {
      key: `custom:${hashOf(prepared)}`,
      schema: prepared,
      ...(origin.shipped ? { shipped: true } : {}),
    };
    this.customTargets.set(schema, target);
    return target;
  }

  /** Whether the target's validator is in memory (compiled or loaded): `get` then costs nothing and cannot throw. */
  ready(target: ValidatorTarget): boolean {
    return this.validators.has(target.key);
  }

  /** The compiled validator (cached in memory). Throws when the schema cannot be compiled. */
  get(target: ValidatorTarget): ValidateFunction {
    let fn = this.validators.get(target.key);
    if (!fn) {
      fn = this.ajv.compile(target.schema);
      this.validators.set(target.key, fn);
    }
    return fn;
  }

  /**
   * Makes the targets ready before a run: from memory, else from the disk cache, else compiled (and written to the
   * disk cache: the per-user one for the release's own kinds when given, the repository's for the rest). A schema that does not compile is left for `get`, which throws where it can be reported.
   */
  async warm(
    targets: Iterable<ValidatorTarget>,
    repoCache: ValidatorDiskCache | undefined,
    shippedCache?: ValidatorDiskCache,
  ): Promise<void> {
    for (const target of targets) {
      if (this.validators.has(target.key)) continue;
      // Schemas shipped with the tool depend on the tool alone: their validators are kept per user (disk-cache.ts).
      const cache = target.shipped ? (shippedCache ?? repoCache) : repoCache;
      const diskKey = cache?.keyFor(this.releaseHash, target.schema);
      const loaded = cache && diskKey ? await cache.load(diskKey) : undefined;
      if (loaded) {
        this.validators.set(target.key, loaded);
        continue;
      }
      let fn: ValidateFunction;
      try {
        fn = this.get(target);
      } catch {
        continue; // warming is a hint: run() compiles the schema again and reports it (KFM-SCHEMA-007)
      }
      if (cache && diskKey) cache.save(diskKey, this.ajv, fn);
      releaseSource(fn);
    }
  }
}

/**
 * A compiled validator keeps its generated code (ajv `code.source`) for one reader: the disk cache's standalone
 * module, written above. Kept, the code of a run's many CRD validators was most of the heap (issue 20: 140 MB of
 * the peak RSS of redhat-cop/gitops-catalog). Only a root validator's own code is dropped: the definitions it
 * refers to are compiled once for the whole release and keep theirs for the validators still to be written.
 */
function releaseSource(fn: ValidateFunction): void {
  delete (fn as { source?: unknown }).source;
}

const engines = new Map<string, ReleaseEngine>();

export function loadReleaseFile(release: string): { file: ReleaseFile; hash: string } {
  const text = readFileSync(join(kubernetesSchemaDir(), `${release}.json`), 'utf8');
  return { file: JSON.parse(text) as ReleaseFile, hash: createHash('sha256').update(text).digest('hex') };
}

/** The engine of a shipped release; throws UnknownKubernetesVersionError for any other. */
export function engineFor(release: string): ReleaseEngine {
  let engine = engines.get(release);
  if (engine) return engine;
  const shipped = shippedKubernetesVersions();
  if (!shipped.includes(release)) {
    throw new UnknownKubernetesVersionError(
      `no schemas ship for Kubernetes ${release}; shipped releases: ${shipped.join(', ') || '(none)'}`,
    );
  }
  const { file, hash } = loadReleaseFile(release);
  engine = new ReleaseEngine(release, file, hash);
  engines.set(release, engine);
  return engine;
}

/** Drops every cached engine (benchmarks measure cold starts with it). */
export function resetEngines(): void {
  engines.clear();
}
