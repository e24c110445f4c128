/**
 * The whole-run result cache as a layer around a check run (see src/results-cache.ts for the keys and why they
 * suffice): asked before discovery (tree key: a hit answers without discovering, rendering or loading a check) and
 * after rendering (render key), and told the results at the end. Selections (changed-only, shards) are never
 * cached, nor runs with a render failure that may not repeat (timeout, renderer not started); a deterministic
 * failure (kustomize's error, a refused reference, unparseable or empty output) is a function of the same inputs as a
 * success, so a repo with broken overlays stays warm. Runs allowing exec plugins only use the render key.
 */
import type { Renderer } from '../render/types.js';
import { commonKey, ResultCache, runKey, treeKey, type CachedResults } from '../results-cache.js';
import type { Finding, OverlaySummary, RenderedOverlay } from '../types.js';
import type { PipelineOptions } from './common.js';

export interface ResultLayerOptions extends Omit<PipelineOptions, 'checks'> {
  dir?: string;
  checkIds: string[];
  renderer: Renderer;
  discover: { overlayGlobs: string[]; envs: string[]; scope?: string };
  origin: boolean;
  selecting: boolean;
}

export class ResultLayer {
  private readonly cache?: ResultCache;
  private common?: Promise<string>;
  private tree?: string;
  private run?: string;
  private treeHit?: Promise<(CachedResults & { overlays: OverlaySummary[] }) | undefined>;
  /** When the run started: the layer is the first thing a run makes (src/run/whole-run.ts). */
  readonly started = performance.now();

  constructor(private readonly o: ResultLayerOptions) {
    if (o.dir && !o.selecting) this.cache = new ResultCache(o.dir);
  }

  /** Stamped once, at the start, for whichever keys the run needs. */
  private commonPart(): Promise<string> {
    this.common ??= commonKey({
      root: this.o.root,
      config: this.o.config,
      configFile: this.o.configFile,
      toolVersion: this.o.toolVersion,
      kubernetesVersion: this.o.kubernetesVersion,
      checkIds: this.o.checkIds,
      env: process.env,
    });
    return this.common;
  }

  /**
   * Nothing under the root changed since a run with the same tool, config and renderer: its results, whole.
   * Asked once per run (the CLI asks before loading the pipeline, which asks again): later calls share the answer.
   */
  beforeDiscovery(): Promise<(CachedResults & { overlays: OverlaySummary[] }) | undefined> {
    this.treeHit ??= this.readTree();
    return this.treeHit;
  }

  private async readTree(): Promise<(CachedResults & { overlays: OverlaySummary[] }) | undefined> {
    if (!this.cache || this.o.config.kustomize?.allowExec === true) return undefined;
    this.tree = treeKey(await this.commonPart(), {
      renderer: { command: this.o.renderer.command, version: this.o.renderer.version },
      discover: this.o.discover,
      origin: this.o.origin,
    });
    const hit = await this.cache.read(this.tree);
    return hit?.overlays ? { ...hit, overlays: hit.overlays } : undefined;
  }

  /** The same rendered overlays as a previous run: its findings. */
  async afterRender(
    rendered: RenderedOverlay[],
    summaries: OverlaySummary[],
    notChecked: CachedResults['notChecked'] = [],
  ): Promise<CachedResults | undefined> {
    if (!this.cache || rendered.some((r) => r.transient)) return undefined;
    this.run = runKey(await this.commonPart(), rendered);
    const hit = await this.cache.read(this.run);
    if (hit && this.tree) await this.cache.write(this.tree, { ...hit, overlays: allCached(summaries), notChecked });
    return hit;
  }

  async store(
    results: { findings: Finding[]; containers: Record<string, string> },
    summaries: OverlaySummary[],
    notChecked: CachedResults['notChecked'] = [],
  ) {
    if (!this.cache || !this.run) return;
    await this.cache.write(this.run, results);
    // On a later hit nothing is rendered: every overlay is then served from cache.
    if (this.tree) await this.cache.write(this.tree, { ...results, overlays: allCached(summaries), notChecked });
  }
}

function allCached(summaries: OverlaySummary[]): OverlaySummary[] {
  return summaries.map((o) => ({ ...o, cached: true }));
}
