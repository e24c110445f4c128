/**
 * Evaluation of a compiled policy module with @open-policy-agent/opa-wasm. The module is instantiated once per
 * process (per distinct wasm) and reused for every overlay. Anything unexpected — a throw from the wasm, a builtin
 * the host lacks, a result that is not a list of well-formed violations — is a PolicyEngineError, which the check
 * turns into a finding: an engine failure never looks like a pass.
 */
import { createHash } from 'node:crypto';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import type { JsonPath } from '../../types.js';

/** What a rule emits (see policies/README.md): {id, msg, resource: index into input.resources, path, file?}. */
export interface Violation {
  id: string;
  msg: string;
  /** Index into input.resources; absent for findings about the overlay's kustomization. */
  resource?: number;
  path: JsonPath;
  /** Repo-relative file the path points into when there is no resource (the overlay's kustomization). */
  file?: string;
}

export class PolicyEngineError extends Error {}

export interface PolicyInput {
  overlay: {
    path: string;
    env: string;
    layer: string;
    app?: string;
    /** The env the overlay deploys to, when this part of it names another env's namespaces (argo/object-env.ts). */
    placedFrom?: string;
    kustomization: Record<string, unknown> | null;
    kustomizationFile: string | null;
  };
  resources: Record<string, unknown>[];
  run: { appProjects: Record<string, unknown>[] };
  params: Record<string, unknown>;
}

/**
 * The built-in policies' input: everything one env deploys in one evaluation, so that trust-membrane, RBAC and
 * Argo CD rules see objects of every overlay of the env (a Route in one app's base reaching another app's store).
 * `owners[i]` is the index in `overlays` of the overlay that rendered `resources[i]`; per-overlay rules read the
 * overlay of a resource through it. `shared` holds the platform overlays' resources (other layers, other envs:
 * the baseline every env's cluster runs) as read-only context: rules look them up but never report on them.
 */
export interface EnvPolicyInput {
  env: string;
  overlays: PolicyInput['overlay'][];
  owners: number[];
  resources: Record<string, unknown>[];
  shared: Record<string, unknown>[];
  run: { appProjects: Record<string, unknown>[] };
  params: Record<string, unknown>;
}

/**
 * An input already written as JSON (the SDK reads an ArrayBuffer as JSON text; an object it JSON.stringifies), so the
 * policy check can assemble it from packed resources without making their objects (issue 20, run/pack.ts).
 */
export interface JsonInput {
  json: ArrayBuffer;
  /** Length of the input's `resources`: a violation's resource index must be below it. */
  resourceCount: number;
}

const instances = new Map<string, Promise<LoadedPolicy>>();
/** Compiled once per process: re-instantiating (after an abort, or to give memory back) does not compile again. */
const modules = new Map<string, Promise<WebAssembly.Module>>();

/** Initial memory 80 pages (5 MiB): one medium overlay fits without growing; the SDK grows it on demand. */
const MEMORY = { initial: 80 };

/**
 * A Wasm memory never shrinks: after an evaluation that grew the instance past this, the instance is dropped (and
 * made again for the next input), so one big input does not pin its memory for the rest of the run (issue 20).
 */
export const MAX_RETAINED_MEMORY_BYTES = 32 * 1024 * 1024;

export class PolicyEngine {
  private constructor(
    private readonly key: string,
    private readonly wasm: Uint8Array,
    private policy: LoadedPolicy | undefined,
    readonly entrypoint: string,
    private readonly knownIds: ReadonlySet<string>,
  ) {}

  /** Loads (or reuses) the module; `knownIds` are the rule ids the module may emit (from its catalogue). */
  static async load(wasm: Uint8Array, entrypoint: string, knownIds: Iterable<string>): Promise<PolicyEngine> {
    const key = createHash('sha256').update(wasm).digest('hex');
    const policy = await instantiate(key, wasm);
    if (!Object.prototype.hasOwnProperty.call(policy.entrypoints, entrypoint)) {
      throw new PolicyEngineError(
        `the policy module has no entrypoint ${entrypoint} (it has ${Object.keys(policy.entrypoints).join(', ') || 'none'})`,
      );
    }
    return new PolicyEngine(key, wasm, policy, entrypoint, new Set(knownIds));
  }

  /** Bytes of Wasm memory the current instance holds (0 when it was dropped); tests and the bench read it. */
  get memoryBytes(): number {
    return this.policy?.mem.buffer.byteLength ?? 0;
  }

  /** Evaluates another entrypoint of the same module (the graph) and returns its value as is. */
  async evaluateValue(input: EnvPolicyInput, entrypoint: string): Promise<unknown> {
    const raw = await this.run(input, entrypoint);
    if (!Array.isArray(raw) || raw.length !== 1)
      throw new PolicyEngineError(`malformed result of ${entrypoint}: ${preview(raw)}`);
    return (raw[0] as { result?: unknown }).result;
  }

  /** Evaluates once; returns the violations or throws PolicyEngineError. */
  async evaluate(input: PolicyInput | EnvPolicyInput | JsonInput): Promise<Violation[]> {
    const raw = await this.run('json' in input ? input.json : input, this.entrypoint);
    return parseViolations(raw, 'json' in input ? input.resourceCount : input.resources.length, this.knownIds);
  }

  private async run(input: PolicyInput | EnvPolicyInput | ArrayBuffer, entrypoint: string): Promise<unknown> {
    this.policy ??= await instantiate(this.key, this.wasm);
    let raw: unknown;
    try {
      raw = this.policy.evaluate(input, entrypoint);
    } catch (err) {
      // After an abort the instance's heap may be inconsistent: drop it so the next input starts clean.
      this.drop();
      throw new PolicyEngineError(`policy evaluation failed: ${describeThrown(err)}`);
    }
    if (this.memoryBytes > MAX_RETAINED_MEMORY_BYTES) this.drop();
    return raw;
  }

  private drop(): void {
    if (instances.get(this.key) !== undefined) instances.delete(this.key);
    this.policy = undefined;
  }
}

/** A result set of the violations entrypoint → violations, or PolicyEngineError (also for the sandboxed engine). */
export function parseViolations(raw: unknown, resourceCount: number, knownIds: ReadonlySet<string>): Violation[] {
  if (!Array.isArray(raw))
    throw new PolicyEngineError(`malformed policy result: expected a result set, got ${preview(raw)}`);
  if (raw.length !== 1) {
    throw new PolicyEngineError(
      `malformed policy result: ${raw.length === 0 ? 'the entrypoint is undefined' : `${raw.length} results`} (expected one list of violations)`,
    );
  }
  const result = (raw[0] as { result?: unknown } | null)?.result;
  if (!Array.isArray(result))
    throw new PolicyEngineError(`malformed policy result: violations are not a list (${preview(result)})`);
  return result.map((v, i) => parseViolation(v, i, resourceCount, knownIds));
}

function parseViolation(v: unknown, index: number, resourceCount: number, knownIds: ReadonlySet<string>): Violation {
  const bad = (why: string): never => {
    throw new PolicyEngineError(`malformed violation #${index}: ${why} (${preview(v)})`);
  };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('not an object');
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '') return bad('no rule id');
  if (!knownIds.has(o.id)) return bad(`rule id ${o.id} is not in the catalogue`);
  if (typeof o.msg !== 'string' || o.msg === '') return bad('no message');
  if (
    !Array.isArray(o.path) ||
    !o.path.every((s) => typeof s === 'string' || (typeof s === 'number' && Number.isInteger(s) && s >= 0))
  ) {
    return bad('path is not a list of keys and indexes');
  }
  const out: Violation = { id: o.id, msg: o.msg, path: o.path as (string | number)[] };
  if (o.resource !== undefined) {
    if (
      typeof o.resource !== 'number' ||
      !Number.isInteger(o.resource) ||
      o.resource < 0 ||
      o.resource >= resourceCount
    ) {
      return bad('resource is not an index into input.resources');
    }
    out.resource = o.resource;
  }
  if (o.file !== undefined) {
    if (typeof o.file !== 'string' || o.file === '') return bad('file is not a path');
    out.file = o.file;
  }
  if (out.resource === undefined && out.file === undefined) return bad('neither a resource nor a file');
  return out;
}

function instantiate(key: string, wasm: Uint8Array): Promise<LoadedPolicy> {
  let p = instances.get(key);
  if (!p) {
    let compiled = modules.get(key);
    if (!compiled) {
      compiled = WebAssembly.compile(new Uint8Array(wasm));
      modules.set(key, compiled);
    }
    // The SDK (and the YAML library it brings) is loaded on first use: a run whose policies go to a worker thread
    // (index.ts) never needs it in this one (~25 ms of start-up).
    p = Promise.all([compiled, import('@open-policy-agent/opa-wasm')])
      .then(([module, sdk]) => loadWithoutFetch(() => sdk.loadPolicy(module, MEMORY)))
      .catch((err: unknown) => {
        instances.delete(key);
        modules.delete(key);
        throw new PolicyEngineError(`cannot instantiate the policy module: ${describeThrown(err)}`);
      });
    instances.set(key, p);
  }
  return p;
}

/**
 * The SDK's loadPolicy first asks whether its argument is `instanceof Response`. In Node the global Response is a
 * lazy getter that loads the whole fetch implementation (undici) on first touch: ~35 ms of CPU in every process and
 * worker thread that loads a policy, for a tool that never fetches (issue 20: a tenth of the policy check's CPU on a
 * changed-only run). That test runs synchronously, before loadPolicy's first await: for that moment the global is a
 * class nothing is an instance of, and then it is put back exactly as it was (still lazy, for anyone who needs it).
 * The same few lines run in the policy worker thread (sandbox.ts WORKER_SOURCE).
 */
export function loadWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const held = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (!held?.configurable || typeof held.get !== 'function') return load();
  Object.defineProperty(globalThis, 'Response', { value: class Response {}, configurable: true, writable: true });
  try {
    return load();
  } finally {
    Object.defineProperty(globalThis, 'Response', held);
  }
}

/** The SDK throws strings and plain objects as well as Errors. */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string')
    return (err as { message: string }).message;
  return preview(err);
}

function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
