/**
 * Renders through long-lived `kfm-render serve` workers (tools/kfm-render: the kustomize API of the pinned release,
 * the same build as `kustomize build <dir>`). Measured on the medium benchmark repo, a process per overlay costs
 * kustomize 2.3× the CPU of a warm worker (start-up, and a garbage collector tuned for long runs), and each spawn
 * blocks this process ~4 ms. One worker per concurrent render. Each worker is sent its next request while it still
 * renders the one before (PIPELINE_DEPTH): it reads its requests one by one, so it starts the next render the moment
 * it has written a reply, not when this process gets round to reading that reply and asking again. Measured on the
 * medium bench repo (issue 20): while this process scanned the repository's files for secrets and walked the first
 * overlays, the workers waited on it about half of the time.
 *
 * Failure handling matches the per-process renderer: a render that outlives its timeout, an abort (SIGINT) or a
 * worker that dies mid-request kills that worker's process group and the request fails with the same reasons;
 * the next request starts a fresh worker. Idle workers do not keep the CLI alive, and exit when their stdin closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sealedEnv } from './sealed-env.js';
import { relative } from 'node:path';
import { cleanMessage, helmApiVersions, OriginWrappers } from './kustomize.js';
import { workerLanes, type EntryStore, type RenderOutcome, type RenderRequest, type Renderer } from './types.js';

interface Header {
  id: number;
  ok: boolean;
  bytes?: number;
  /** Bytes of JSON documents after the YAML (protocol 3, when asked for). */
  json?: number;
  error?: string;
  tooLarge?: boolean;
  /** The entry asked for with `store` was written (tools/kfm-render/store.go), or why not. */
  stored?: boolean;
  storeError?: string;
}

/**
 * A reply, why the worker died while on this request, or `notStarted`: the worker went away (killed for the request
 * ahead of this one, or dead) before it began this one, which is then sent to another worker.
 */
type Reply = { header: Header; body: Buffer } | { died: string } | { notStarted: true };

/** Requests a worker holds at once: the one it renders and the next, already in its input. */
export const PIPELINE_DEPTH = 2;

interface Outstanding {
  id: number;
  /** Largest reply this request accepts. */
  limit: number;
  settle: (reply: Reply) => void;
  /** Called when the worker begins this request (it is at the head): its time limit starts then. */
  began: () => void;
}

const STDERR_CAP = 16 * 1024;

/** One `kfm-render serve` process and the framing of its replies (exported for its tests, which feed it bytes). */
export class Worker {
  readonly child: ChildProcess;
  /** Bytes received and not yet taken, as they arrived: joined once per reply, not on every chunk. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private header: Header | undefined;
  /** Requests sent and not answered, in the order sent (the worker answers in that order); the first is rendering. */
  private readonly outstanding: Outstanding[] = [];
  private stderr = '';
  dead: string | undefined;

  /** Requests sent and not yet answered. */
  get load(): number {
    return this.outstanding.length;
  }

  constructor(file: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(file, ['serve'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group: a timeout kills anything kustomize started too
      env,
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      if (this.stderr.length < STDERR_CAP) this.stderr += chunk.toString('utf8').slice(0, STDERR_CAP);
    });
    // A closed stdin (worker gone) must not become an unhandled 'error' event.
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (err) => this.die(`could not start kfm-render: ${err.message}`));
    this.child.on('close', (code, signal) =>
      this.die(this.stderr.trim() || `kfm-render exited with ${signal ?? code} during the render`),
    );
    this.idle();
  }

  private die(why: string): void {
    if (this.dead !== undefined) return;
    this.dead = why;
    this.header = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    const [head, ...queued] = this.outstanding.splice(0);
    head?.settle({ died: why });
    for (const q of queued) q.settle({ notStarted: true });
  }

  /** The bytes received so far as one buffer (kept as the only pending chunk). */
  private joined(): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = all.length > 0 ? [all] : [];
    return all;
  }

  /** Drops the first `n` received bytes. */
  private consume(all: Buffer, n: number): void {
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
  }

  private onData(chunk: Buffer): void {
    // Bytes after the worker was given up on (a reply to the wrong request, a timeout: killed, but the pipe still
    // delivers what it had) answer nobody: reading them settled an absent request (an uncaught TypeError).
    if (this.dead !== undefined) return;
    // A large reply arrives in many 64 KB chunks: joining them as each arrives copied the reply over and over
    // (quadratic in its size); they are joined once, when the reply is complete.
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (!this.header) {
        const all = this.joined(); // the header line is short: this join copies little
        const nl = all.indexOf(10);
        if (nl < 0) return;
        try {
          this.header = JSON.parse(all.subarray(0, nl).toString('utf8')) as Header;
        } catch {
          this.kill();
          this.die('kfm-render sent an unreadable reply');
          return;
        }
        this.consume(all, nl + 1);
        const head = this.outstanding[0];
        // A reply nobody asked for, or to another request than the one rendering: the stream cannot be trusted.
        if (!head || this.header.id !== head.id) {
          this.kill();
          this.die('kfm-render sent a reply to a request it was not working on');
          return;
        }
        // Never buffer more than the caller accepts, whatever the worker announces.
        if (this.header.ok && ((this.header.bytes ?? 0) > head.limit || (this.header.json ?? 0) > head.limit)) {
          this.kill();
          this.die(`kfm-render announced ${this.header.bytes} bytes, over the output limit`);
          return;
        }
      }
      const size = this.header.ok ? (this.header.bytes ?? 0) + (this.header.json ?? 0) : 0;
      if (this.pendingBytes < size) return;
      const all = this.joined();
      const reply = { header: this.header, body: all.subarray(0, size) };
      this.consume(all, size);
      this.header = undefined;
      const done = this.outstanding.shift();
      if (!done) return; // unreachable while alive (the header was matched to the head); never a crash
      if (this.outstanding.length === 0) this.idle();
      else this.outstanding[0]!.began();
      done.settle(reply);
    }
  }

  /**
   * Sends one request behind those already out; resolves with its reply, with why the worker died while on it, or
   * with `notStarted`. `began` runs when the worker begins it (at once when nothing is ahead of it).
   */
  request(payload: { id: number; max: number } & Record<string, unknown>, began: () => void): Promise<Reply> {
    if (this.dead !== undefined) return Promise.resolve({ notStarted: true });
    this.busy();
    return new Promise((settle) => {
      this.outstanding.push({ id: payload.id, limit: payload.max, settle, began });
      if (this.outstanding.length === 1) began();
      this.child.stdin!.write(`${JSON.stringify(payload)}\n`);
    });
  }

  /** While a request is out the worker keeps the event loop alive; idle, it must not hold the CLI open. */
  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref(): void }).ref();
  }

  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref(): void }).unref();
    (this.child.stderr as unknown as { unref(): void }).unref();
    (this.child.stdin as unknown as { unref?(): void }).unref?.();
  }

  kill(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  /** Ends the worker (stdin closed) and waits for it, so its CPU is accounted to this process tree. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((res) => this.child.once('exit', () => res()));
    // Referenced while we wait: an unreferenced child would let the event loop end with this await pending.
    this.busy();
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

export class WorkerRenderer implements Renderer {
  readonly command: string;
  readonly version: string;
  readonly lanes: number;
  /** A worker writes the render cache entry of its own render (tools/kfm-render/store.go); an older one does not and says nothing, and the cache writes it. */
  readonly storesEntries = true;
  private busy = 0;
  private readonly queue: (() => void)[] = [];
  private readonly all = new Set<Worker>();
  private readonly wrappers = new OriginWrappers();
  private nextId = 1;

  /**
   * @param file the kfm-render executable; @param version the kustomize release its API comes from;
   * @param workers renders at once (--concurrency); each worker holds PIPELINE_DEPTH requests at most, further
   * requests wait.
   */
  constructor(
    private readonly file: string,
    version: string,
    private readonly workers = 1,
    // kfm-render seals itself (its loader refuses HTTP, PATH is emptied per build without exec functions); the
    // sealed environment adds the same git and proxy settings for anything an allowed exec function starts.
    private readonly env: NodeJS.ProcessEnv = sealedEnv(process.env, { keepPath: true }),
    readonly helm?: string,
  ) {
    this.lanes = workerLanes(workers);
    // The path, as for the CLI renderer: the render cache keys on it, so another build is another cache.
    this.command = file;
    this.version = version;
  }

  /** Starts the idle workers so that the first renders do not wait for a process. */
  warmUp(): void {
    while (this.all.size < this.workers) this.all.add(new Worker(this.file, this.env));
  }

  /** The live worker with the fewest requests out (a new one while there are fewer than `workers`). */
  private acquire(): Worker {
    let best: Worker | undefined;
    for (const w of this.all) {
      if (w.dead !== undefined) this.all.delete(w);
      else if (!best || w.load < best.load) best = w;
    }
    if (best && (best.load === 0 || this.all.size >= this.workers)) return best;
    const w = new Worker(this.file, this.env);
    this.all.add(w);
    return w;
  }

  async render(request: RenderRequest): Promise<RenderOutcome> {
    if (request.signal?.aborted) return { ok: false, reason: 'aborted', message: 'render interrupted' };
    let target = request.overlay.absPath;
    let originBase: string | undefined;
    if (request.origin) {
      originBase = await this.wrappers.wrap(request.overlay.absPath);
      target = originBase;
    }
    if (this.busy >= this.workers * PIPELINE_DEPTH) await new Promise<void>((res) => this.queue.push(res));
    this.busy++;
    try {
      return await this.renderOn(target, originBase, request);
    } finally {
      this.busy--;
      this.queue.shift()?.();
    }
  }

  private async renderOn(
    target: string,
    originBase: string | undefined,
    request: RenderRequest,
  ): Promise<RenderOutcome> {
    if (request.signal?.aborted) return { ok: false, reason: 'aborted', message: 'render interrupted' };
    const worker = this.acquire();
    let timedOut = false;
    let aborted = false;
    let timer: NodeJS.Timeout | undefined;
    // The time limit runs from when the worker begins this request, not while it finishes the one ahead of it.
    const began = (): void => {
      timer = setTimeout(() => {
        timedOut = true;
        worker.kill();
      }, request.timeoutMs);
    };
    const onAbort = (): void => {
      aborted = true;
      worker.kill();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const id = this.nextId++;
    const helm = request.helm && this.helm ? this.helm : '';
    const apiVersions = helm ? await helmApiVersions() : undefined;
    const reply = await worker.request(
      {
        id,
        dir: target,
        max: request.maxOutputBytes,
        exec: request.allowExec,
        helm,
        ...(apiVersions ? { apiVersions } : {}),
        // Origin renders go through the cache's path rewriting, which edits the text only: they stay YAML.
        json: !request.origin,
        ...(request.store && !request.origin ? { store: storePayload(request.store) } : {}),
      },
      began,
    );
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
    if (aborted || request.signal?.aborted) return { ok: false, reason: 'aborted', message: 'render interrupted' };
    // The worker went away before it began this request (killed for the one ahead of it): another worker renders
    // it. A fresh worker always begins what it is sent first, so this does not repeat without end.
    if ('notStarted' in reply) return this.renderOn(target, originBase, request);
    if (timedOut)
      return {
        ok: false,
        reason: 'timeout',
        message: `kustomize build timed out after ${Math.round(request.timeoutMs / 1000)} s (the render worker and its children were killed)`,
      };
    if ('died' in reply) {
      const spawnFailed = reply.died.startsWith('could not start');
      return {
        ok: false,
        reason: spawnFailed ? 'spawn' : 'error',
        message: spawnFailed ? reply.died : `kustomize crashed: ${cleanMessage(reply.died, [request.root])}`,
      };
    }
    const { header, body } = reply;
    if (header.tooLarge)
      return {
        ok: false,
        reason: 'too-large',
        message: `rendered output exceeds ${Math.round(request.maxOutputBytes / (1024 * 1024))} MB; the render was stopped`,
      };
    if (!header.ok) {
      const relRoot = originBase ? relative(originBase, request.root) : undefined;
      const message = cleanMessage(header.error ?? 'kustomize failed without a message', [
        originBase,
        relRoot,
        request.root,
      ]);
      // The CLI would have exited 1 for a failed build; keep the report's wording the same for both renderers.
      return { ok: false, reason: 'error', message, exitCode: 1 };
    }
    const yamlBytes = header.bytes ?? 0;
    const text = body.toString('utf8', 0, yamlBytes);
    const store =
      header.stored === true ? { stored: true } : header.storeError ? { storeError: header.storeError } : {};
    if (!header.json || originBase !== undefined) return { ok: true, text, originBase, ...store };
    return {
      ok: true,
      text,
      originBase,
      documents: body.toString('utf8', yamlBytes),
      raw: { text: body.subarray(0, yamlBytes), documents: body.subarray(yamlBytes) },
      ...store,
    };
  }

  async dispose(): Promise<void> {
    const closing = [...this.all].map((w) => w.close());
    this.all.clear();
    await Promise.all(closing);
    await this.wrappers.dispose();
  }
}

/** The request's `store` as kfm-render reads it (tools/kfm-render/store.go): the key as base64, Go's []byte. */
function storePayload(store: EntryStore): Record<string, string> {
  return {
    dir: store.dir,
    ident: store.identity,
    name: store.name,
    head: store.head,
    bound: store.bound,
    key: store.secret.toString('base64'),
  };
}
