/**
 * The repo's own policies run in a worker thread with budgets. Their Rego is the pull request's: a comprehension
 * over numbers.range(1, 1e7) nested once ran for 15 minutes at 2.7 GB in-process and, the main thread being busy in
 * WebAssembly, the CLI could not even handle SIGTERM. Here each overlay's evaluation has a wall-time limit
 * (`policy.customTimeoutMs`, default 30 s) and a memory limit (`policy.customMaxMemoryMb`, default 512: the
 * worker's JS heap via resourceLimits and the module's WebAssembly memory via its maximum size, which is where
 * Rego data lives); going over terminates the worker and is a PolicyEngineError naming the limit (the policy
 * engine's guard finding). The next overlay gets a fresh worker. An abort signal (SIGINT/SIGTERM) terminates the
 * worker at once, so nothing keeps the process alive.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PolicyEngineError, parseViolations, type JsonInput, type PolicyInput, type Violation } from './engine.js';

export interface SandboxLimits {
  timeoutMs: number;
  maxMemoryMb: number;
  /** Bytes of Wasm memory past which the instance is dropped after an evaluation (0: kept; the memory limit holds). */
  dropAboveBytes?: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { timeoutMs: 30_000, maxMemoryMb: 512 };

const CUSTOM_LIMIT_NAMES = { time: 'policy.customTimeoutMs', memory: 'policy.customMaxMemoryMb' };

/** Initial WebAssembly memory, as the in-process engine: 80 pages (5 MiB). */
const INITIAL_PAGES = 80;
const PAGE_BYTES = 64 * 1024;

/**
 * The worker's code, kept as a string (a plain CommonJS script) so the same code runs from src/ under the tests and
 * from dist/: it instantiates the module once and evaluates one input per message. Results go back as they are;
 * the main thread validates them (parseViolations), so a hostile module cannot forge a well-formed pass either.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Rego print() (the SDK's console.log) and anything else the worker would print goes nowhere: not to the CLI's
// report on stdout, and not into the parent's copy of the worker's streams, which nobody reads.
process.stdout.write = process.stderr.write = () => true;
for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir']) console[m] = () => undefined;
const { loadPolicy } = require(workerData.sdk);
// As engine.ts loadWithoutFetch: the SDK's \`instanceof Response\` would load Node's fetch implementation (~35 ms).
const loadWithoutFetch = (load) => {
  const held = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (!held || !held.configurable || typeof held.get !== 'function') return load();
  Object.defineProperty(globalThis, 'Response', { value: class Response {}, configurable: true, writable: true });
  try {
    return load();
  } finally {
    Object.defineProperty(globalThis, 'Response', held);
  }
};
const describe = (e) =>
  e instanceof Error ? e.name + ': ' + e.message : typeof e === 'string' ? e : e && typeof e.message === 'string' ? e.message : String(e);
let compiled;
let policy;
parentPort.on('message', async (m) => {
  try {
    compiled ??= new WebAssembly.Module(workerData.wasm);
    policy ??= await loadWithoutFetch(() =>
      loadPolicy(compiled, { initial: workerData.initialPages, maximum: workerData.maxPages }),
    );
    if (m.input === undefined) parentPort.postMessage({ id: m.id, entrypoints: Object.keys(policy.entrypoints) });
    else {
      const raw = policy.evaluate(m.input, workerData.entrypoint);
      // A Wasm memory never shrinks: past the mark the instance goes, the next input gets a fresh one.
      if (workerData.dropAbove > 0 && policy.mem.buffer.byteLength > workerData.dropAbove) policy = undefined;
      parentPort.postMessage({ id: m.id, raw });
    }
  } catch (e) {
    policy = undefined; // after an abort the module's heap may be inconsistent: the next input starts clean
    parentPort.postMessage({ id: m.id, error: describe(e) });
  }
});
`;

interface Reply {
  id: number;
  raw?: unknown;
  entrypoints?: string[];
  error?: string;
}

/** Messages of an out-of-memory in the module (its memory cannot grow past the maximum) or in the worker's heap. */
const OUT_OF_MEMORY =
  /out of memory|opa_malloc|RangeError|Maximum call stack|ERR_WORKER_OUT_OF_MEMORY|allocation fail/i;

export class SandboxedPolicy {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly sdk = createRequire(import.meta.url).resolve('@open-policy-agent/opa-wasm');
  private readonly stopOnAbort = (): void => void this.dispose();

  private constructor(
    private readonly wasm: Uint8Array,
    private readonly entrypoint: string,
    private readonly knownIds: ReadonlySet<string>,
    private readonly limits: SandboxLimits,
    private readonly signal?: AbortSignal,
    private readonly limitNames = CUSTOM_LIMIT_NAMES,
  ) {
    signal?.addEventListener('abort', this.stopOnAbort, { once: true });
  }

  /** Instantiates the module in a worker and checks it has the entrypoint; throws PolicyEngineError otherwise. */
  static async load(options: {
    wasm: Uint8Array;
    entrypoint: string;
    knownIds: Iterable<string>;
    limits?: Partial<SandboxLimits>;
    signal?: AbortSignal;
    /** The settings the limits come from, for the messages (default: the custom policies' settings). */
    limitNames?: { time: string; memory: string };
  }): Promise<SandboxedPolicy> {
    const limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
    const sandbox = new SandboxedPolicy(
      options.wasm,
      options.entrypoint,
      new Set(options.knownIds),
      limits,
      options.signal,
      options.limitNames,
    );
    try {
      const reply = await sandbox.call(undefined);
      if (!reply.entrypoints?.includes(options.entrypoint)) {
        throw new PolicyEngineError(
          `the policy module has no entrypoint ${options.entrypoint} (it has ${reply.entrypoints?.join(', ') || 'none'})`,
        );
      }
      return sandbox;
    } catch (err) {
      await sandbox.dispose();
      throw err;
    }
  }

  /**
   * One input; a JsonInput's buffer is moved to the worker (not copied) and is unusable here afterwards. Several
   * calls may be in flight: the worker answers them in order.
   */
  async evaluate(input: PolicyInput | JsonInput): Promise<Violation[]> {
    if ('json' in input) {
      const reply = await this.call(input.json, [input.json]);
      return parseViolations(reply.raw, input.resourceCount, this.knownIds);
    }
    const reply = await this.call(input);
    return parseViolations(reply.raw, input.resources.length, this.knownIds);
  }

  /** Terminates the worker (idempotent); the next evaluate would start a new one. */
  async dispose(): Promise<void> {
    this.signal?.removeEventListener('abort', this.stopOnAbort);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private spawn(): Worker {
    const maxPages = Math.max(INITIAL_PAGES, Math.floor((this.limits.maxMemoryMb * 1024 * 1024) / PAGE_BYTES));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        sdk: this.sdk,
        wasm: this.wasm,
        entrypoint: this.entrypoint,
        initialPages: INITIAL_PAGES,
        maxPages,
        dropAbove: this.limits.dropAboveBytes ?? 0,
      },
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxMemoryMb },
      // The worker's console and env are not the policy's business; stdout/stderr stay the CLI's.
      stdout: true,
      stderr: true,
      env: {},
    });
    // The worker's streams stay apart from the CLI's (stdout: true) and are not read: the worker writes nothing
    // (WORKER_SOURCE), and a stream being read would keep the process alive. A worker nobody disposes must not keep
    // it alive either: the policy check starts its worker while overlays render, and a run that then ends without
    // running the check (results reused after the renders, an error) would never exit. While a call waits for its
    // answer, the call's time-limit timer keeps the process alive.
    worker.unref();
    return worker;
  }

  /** One round trip under the wall-time limit; `undefined` input = load only. */
  private call(input: PolicyInput | ArrayBuffer | undefined, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.signal?.aborted) return Promise.reject(new PolicyEngineError('interrupted'));
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const { timeoutMs, maxMemoryMb } = this.limits;
    return new Promise<Reply>((resolve, reject) => {
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        fn();
      };
      const fail = (message: string): void =>
        settle(() => {
          if (this.worker === worker) this.worker = undefined;
          void worker.terminate();
          reject(new PolicyEngineError(message));
        });
      const memoryLimit = `policy evaluation exceeded the memory limit ${this.limitNames.memory} (${maxMemoryMb} MB)`;
      const timer = setTimeout(
        () => fail(`policy evaluation exceeded the time limit ${this.limitNames.time} (${timeoutMs} ms)`),
        timeoutMs,
      );
      const onMessage = (reply: Reply): void => {
        if (reply.id !== id) return;
        if (reply.error === undefined) settle(() => resolve(reply));
        else if (OUT_OF_MEMORY.test(reply.error)) fail(`${memoryLimit}: ${reply.error}`);
        else settle(() => reject(new PolicyEngineError(`policy evaluation failed: ${reply.error}`)));
      };
      const onError = (err: Error & { code?: string }): void =>
        fail(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY' || OUT_OF_MEMORY.test(err.message)
            ? memoryLimit
            : `the policy worker failed: ${err.message}`,
        );
      const onExit = (): void =>
        fail(this.signal?.aborted ? 'interrupted' : 'the policy worker stopped before it answered');
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, input }, transfer);
    });
  }
}
