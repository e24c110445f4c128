/**
 * The renderer `check` is handed before it knows whether anything will render. A whole-run cache hit renders
 * nothing, yet the report names the renderer and the tree key covers its command and version: those are known from
 * the resolved command alone. The renderer's own modules (workers, process spawning, the render cache's crypto)
 * are loaded on the first render or warm-up, so a warm run does not pay for importing them (startup, issue 20).
 */
import type { KustomizeCommand } from './resolve.js';
import { workerLanes, type Renderer, type RenderOutcome, type RenderRequest } from './types.js';

export interface LazyRendererOptions {
  /** Renders at once (--concurrency). */
  concurrency: number;
  /** The render cache folder (render/cache-dir.ts); unset: no render cache. */
  cacheDir?: string;
}

type Loaded = Renderer & { readonly warnings?: string[] };

export class LazyRenderer implements Renderer {
  readonly command: string;
  readonly version: string;
  readonly lanes?: number;
  readonly helm?: string;
  private loading: Promise<Loaded> | undefined;
  private loaded: Loaded | undefined;

  constructor(
    private readonly cmd: KustomizeCommand,
    private readonly options: LazyRendererOptions,
  ) {
    // The identity the real renderer would report (render/worker.ts, render/kustomize.ts; the render cache
    // passes its inner renderer's on): test/render/lazy.test.ts keeps the two equal.
    this.command = cmd.worker ? cmd.file : cmd.display;
    this.version = cmd.version;
    if (cmd.worker) this.lanes = workerLanes(options.concurrency);
    if (cmd.helm !== undefined) this.helm = cmd.helm;
  }

  /** The real renderer, made once. */
  load(): Promise<Loaded> {
    this.loading ??= (async () => {
      const { createRenderer } = await import('./create.js');
      const inner = createRenderer(this.cmd, this.options.concurrency);
      const dir = this.options.cacheDir;
      const real: Loaded = dir ? new (await import('./cache.js')).CachingRenderer(inner, { dir }) : inner;
      this.loaded = real;
      return real;
    })();
    return this.loading;
  }

  warmUp(): Promise<void> {
    // A hint: a failure to load surfaces on the first render, which awaits the same promise.
    return this.load().then(
      (r) => r.warmUp?.(),
      () => undefined,
    );
  }

  async render(request: RenderRequest): Promise<RenderOutcome> {
    return (await this.load()).render(request);
  }

  /** The render cache's warnings (an unwritable folder), once it was used. */
  get warnings(): string[] {
    return this.loaded?.warnings ?? [];
  }

  async dispose(): Promise<void> {
    if (this.loading) await (await this.loading).dispose();
  }
}
