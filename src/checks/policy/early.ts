/**
 * The built-in policies evaluated while the overlays render (issue 20). An env's evaluation needs every overlay of
 * the env, so it used to start after the last render: on the 1,500-overlay bench repo ~1.1 s of the serial tail, with
 * one core idle. The parts of an env (partition.ts) mostly settle long before: an app's overlays render together.
 *
 * So, while the workers render, the parts of the overlays rendered so far are evaluated now and then, and each
 * result is kept under a key naming every object its input was made of: the env, the members (overlay and
 * kustomization, in order), the shared context, the run's AppProjects and the params. `run` partitions the whole env
 * as before and takes a kept result only for a part whose key is the same, so its input was the same objects, made
 * into the same JSON, and the verdict is the one a late evaluation would give. Any other part is evaluated then.
 * A wrong guess costs time, never a finding: an AppProject or a ClusterRole rendered late changes every key of its
 * scope, and those parts are evaluated again at the end.
 *
 * Guesses are made only where they are likely to hold: after every env is placed (discovery's second half), after
 * every platform overlay has rendered (their objects are context of every other env's parts; the pipeline renders
 * them first), for parts that no overlay still to render is expected to join (by the namespace its kustomization
 * sets), leaving out the parts of the overlays rendered last (a sibling may still join them).
 */
import { createHash } from 'node:crypto';
import { objectEnvParts } from '../../argo/object-env.js';
import type { Overlay, RenderedOverlay, RenderPlan, Resource } from '../../types.js';
import type { JsonInput, Violation } from './engine.js';
import { buildEnvInputJson, groupByEnv, isAppProject, sharedResources, type KustomizationSource } from './input.js';
import type { EnvPart } from './partition.js';
import { overlayPartition, partitionEnv } from './partition.js';

export interface EarlyEngine {
  evaluate(input: JsonInput): Promise<Violation[]>;
}

export interface EarlyOptions {
  plan: RenderPlan;
  params: Record<string, unknown>;
  /** The overlay's kustomization as the check read it (the same object `run` gets), or undefined if not read. */
  kustomization: (r: RenderedOverlay) => Promise<KustomizationSource | null> | undefined;
  /** The run's env order: objects naming a stricter env's namespace are evaluated in a part of their own there. */
  envOrder: readonly string[];
  /** The engine to evaluate with, once it is worth loading; undefined: no early evaluation. */
  engine: () => Promise<EarlyEngine | undefined>;
  signal?: AbortSignal;
}

/** A kept evaluation: the violations and the owner of each resource of the input. */
export interface EarlyResult {
  violations: Violation[];
  owners: number[];
}

/** Overlays rendered last whose parts wait for the next round (their siblings may be rendering). */
const RECENT = 4;
/** Rounds over a run: each partitions the envs that changed, so a round costs a pass over their resources. */
const ROUNDS = 16;
/** No round before this many overlays rendered since the last. */
const MIN_STEP = 8;

export class EarlyPolicy {
  private readonly order = new Map<Overlay, number>();
  private readonly observed: RenderedOverlay[] = [];
  /** Observed since the last round (their envs are the ones whose parts may have changed; a round waits for a step). */
  private fresh: RenderedOverlay[] = [];
  private readonly dirty = new Set<string>();
  private projectCount = 0;
  /** Per env, the namespaces (as kustomizations set them) of the overlays still to render, with their counts. */
  private expected: Map<string, Map<string, number>> | undefined;
  private readonly results = new Map<string, EarlyResult>();
  /**
   * Overlays already in an early evaluation: a part holding one is not evaluated early again (run() evaluates it if
   * it changed). So the early work stays within one evaluation of what rendered, whatever the repo does: without it,
   * overlays that announce no namespace but share one would make a part that grows and is evaluated again each round.
   */
  private readonly evaluated = new WeakSet<RenderedOverlay>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private platformLeft: number;
  private placed = false;
  private readonly step: number;
  private round: Promise<void> | undefined;
  private stopped = false;
  private readonly params: string;

  constructor(private readonly options: EarlyOptions) {
    options.plan.overlays.forEach((o, i) => this.order.set(o, i));
    this.platformLeft = options.plan.overlays.filter((o) => o.layer !== 'apps').length;
    this.step = Math.max(MIN_STEP, Math.ceil(options.plan.overlays.length / ROUNDS));
    this.params = JSON.stringify(options.params);
    // Rounds start once envs are placed and discovery's memory is released: the first round evaluates the platform's
    // parts (the bootstrap's Applications: ~35 MB of Wasm memory on the 7,500-overlay bench repo), and while the
    // discovery memo was being written the two together were the run's peak (issue 20).
    Promise.all([options.plan.placed, options.plan.released?.catch(() => undefined)]).then(
      () => (this.placed = true),
      () => undefined, // discovery failed: the run fails, nothing is guessed
    );
  }

  /** An overlay rendered (with resources): a round starts when enough did and the last one finished. */
  observe(rendered: RenderedOverlay): void {
    if (this.stopped || !this.order.has(rendered.overlay)) return;
    this.observed.push(rendered);
    this.fresh.push(rendered);
    this.arrived(rendered.overlay);
    if (rendered.overlay.layer !== 'apps') this.platformLeft--;
    if (this.round || this.fresh.length < this.step || !this.placed || this.platformLeft > 0) return;
    // Envs are read now, once placed: an overlay observed before placement is grouped here, not when it came.
    for (const r of this.fresh) this.dirty.add(r.overlay.env);
    this.fresh = [];
    const round = this.evaluateRound().catch(() => undefined); // a guess that fails is evaluated again by run()
    this.round = round.finally(() => (this.round = undefined));
  }

  /** The namespaces still expected, made once envs are placed (from then on, kept as overlays arrive). */
  private expecting(): Map<string, Map<string, number>> {
    if (this.expected) return this.expected;
    const seen = new Set(this.observed.map((r) => r.overlay));
    this.expected = new Map();
    for (const o of this.options.plan.overlays) if (!seen.has(o)) this.count(o, 1);
    return this.expected;
  }

  private arrived(o: Overlay): void {
    if (this.expected) this.count(o, -1);
  }

  private count(o: Overlay, by: number): void {
    const ns = this.options.plan.namespaces?.get(o.path);
    if (ns === undefined) return; // sets none: nothing to expect (a guess; a wrong one costs an evaluation)
    let env = this.expected!.get(o.env);
    if (!env) this.expected!.set(o.env, (env = new Map()));
    const n = (env.get(ns) ?? 0) + by;
    if (n > 0) env.set(ns, n);
    else env.delete(ns);
  }

  /** Whether an overlay still to render is expected to join this part (it sets a namespace the part's objects use). */
  private awaited(part: EnvPart, expected: ReadonlyMap<string, number> | undefined): boolean {
    if (!expected || expected.size === 0) return false;
    for (const m of part.group.members)
      for (const k of overlayPartition(m.rendered).keys) if (expected.has(k)) return true;
    return false;
  }

  /** Settles when no round is under way (tests drive the rounds one by one with it). */
  async settled(): Promise<void> {
    await this.round;
  }

  /** No more rounds; waits for the one under way (run() uses the engine after it). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.round;
  }

  /** The kept result for this exact input (the run's own params, as JSON), once; undefined: evaluate it. */
  take(part: EnvPart, appProjects: readonly Resource[], params: string): EarlyResult | undefined {
    if (this.results.size === 0) return undefined;
    const key = this.keyOf(part, appProjects, params);
    const kept = this.results.get(key);
    this.results.delete(key);
    return kept;
  }

  /** How many kept results run() did not take (tests, and the measure of wasted guesses). */
  get unused(): number {
    return this.results.size;
  }

  private id(o: object | null): number {
    if (o === null) return 0;
    let n = this.ids.get(o);
    if (n === undefined) {
      n = this.nextId++;
      this.ids.set(o, n);
    }
    return n;
  }

  /**
   * Every object the part's input is made of, by identity: the same key means the same objects, written the same
   * way (buildEnvInputJson reads nothing else but the env and the params, which are in the key too).
   */
  private keyOf(part: EnvPart, appProjects: readonly Resource[], params: string): string {
    const members = part.group.members.map((m) => `${this.id(m.rendered)}:${this.id(m.kustomization)}`).join(',');
    const shared = part.shared.map((r) => this.id(r)).join(',');
    const projects = appProjects.map((r) => this.id(r)).join(',');
    // Hashed: a part's shared context may list thousands of objects, and a key is kept per part evaluated.
    return createHash('sha256')
      .update(`${JSON.stringify(part.group.env)}|${members}|${shared}|${projects}|${params}`)
      .digest('base64');
  }

  private async evaluateRound(): Promise<void> {
    const engine = await this.options.engine();
    if (!engine) return; // not yet worth it (a small run so far): the dirty envs wait for the next round
    // Split as the pipeline splits them after the renders (argo/object-env.ts): the same parts, the same keys.
    const all = [...this.observed]
      .sort((a, b) => this.order.get(a.overlay)! - this.order.get(b.overlay)!)
      .flatMap((r) => objectEnvParts(r, this.options.envOrder));
    const recent = new Set(this.observed.slice(-RECENT).flatMap((r) => objectEnvParts(r, this.options.envOrder)));
    const expected = this.expecting();
    const appProjects = all.flatMap((r) => r.resources.filter(isAppProject));
    // A new AppProject is in every part's input.
    if (appProjects.length !== this.projectCount) for (const r of all) this.dirty.add(r.overlay.env);
    this.projectCount = appProjects.length;
    const envs = new Set(this.dirty);
    this.dirty.clear();
    envs: for (const { env, overlays } of groupByEnv(all)) {
      if (!envs.has(env)) continue;
      const members = [];
      for (const rendered of overlays) {
        const source = this.options.kustomization(rendered);
        // Not read (or not readable): run() reads it again, so no key of this env could match.
        if (!source) continue envs;
        const kustomization = await source.catch(() => undefined);
        if (kustomization === undefined) continue envs;
        members.push({ rendered, kustomization });
      }
      for (const part of partitionEnv({ env, members }, sharedResources(all, env), { partition: true })) {
        if (this.stopped || this.options.signal?.aborted) return;
        if (part.group.members.some((m) => recent.has(m.rendered)) || this.awaited(part, expected.get(env))) {
          this.dirty.add(env);
          continue;
        }
        if (part.group.members.some((m) => this.evaluated.has(m.rendered))) continue;
        for (const m of part.group.members) this.evaluated.add(m.rendered);
        const key = this.keyOf(part, appProjects, this.params);
        const input = buildEnvInputJson(
          part.group,
          part.shared,
          appProjects.map((r) => r.object),
          this.options.params,
        );
        const owners = input.owners;
        try {
          this.results.set(key, { violations: await engine.evaluate(input), owners });
        } catch {
          // run() evaluates this part itself and reports what fails there
        }
        // The renders' replies are answered between two parts.
        await new Promise<void>((res) => setImmediate(res));
      }
    }
  }
}
