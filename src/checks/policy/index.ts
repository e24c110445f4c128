/**
 * Policy check: the KFM invariants as Rego compiled to WebAssembly (policies/), evaluated in-process once per
 * env (every overlay of the env together, platform overlays as context) through one aggregating entrypoint, plus the repo's own policies when `policy.customDir` is set.
 *
 * Input per env: see EnvPolicyInput (engine.ts); a repo's own policies get the per-overlay PolicyInput.
 * Engine failures are findings (KFM-CONFIG-900, category policy, error) for the overlay concerned; the check never
 * passes an overlay it could not evaluate.
 */
import type { Check, CheckContext, RenderedOverlay, RuleDoc, Severity, StartContext } from '../../types.js';
import { ENTRYPOINT, readBundle, type CatalogueEntry, type PolicyBundle } from './bundle.js';
import { CUSTOM_POLICY_RULE, ENGINE_ERROR_RULE } from '../../rules/config.js';
import { rulesOf } from '../../rules/index.js';
import { readPolicyConfig } from './config.js';
import { compileCustomPolicies, CUSTOM_ENTRYPOINT, type OpaLookup } from './custom.js';
import {
  PolicyEngine,
  PolicyEngineError,
  MAX_RETAINED_MEMORY_BYTES,
  describeThrown,
  type EnvPolicyInput,
  type JsonInput,
  type PolicyInput,
  type Violation,
} from './engine.js';
import { AUDITED_KUSTOMIZATION_FIELDS, AUDITED_POLICY_SOURCES, overlayPartition, partitionEnv } from './partition.js';
import { heapIsCompact } from '../../util/heap.js';
import { runFacts } from '../../util/file-facts.js';
import { join } from 'node:path';
import { SandboxedPolicy, type SandboxLimits } from './sandbox.js';
import { EarlyPolicy, type EarlyEngine } from './early.js';
import { splitFrom } from '../../argo/object-env.js';
import { DEFAULT_ENV_ORDER } from '../../discover/env.js';
import {
  buildEnvInputJson,
  buildInput,
  groupByEnv,
  isAppProject,
  locateInGroup,
  overlayInView,
  readKustomization,
  sharedResources,
  toFinding,
  type EnvGroup,
  type KustomizationSource,
} from './input.js';

export { ENGINE_ERROR_RULE, CUSTOM_POLICY_RULE, builtinCatalogue, formatCatalogue } from './catalogue.js';
export { PolicyBundleError, readBundle, sourcesDigest, ENTRYPOINT } from './bundle.js';
export { PolicyConfigError, readPolicyConfig } from './config.js';
export { compileCustomPolicies, testCustomPolicies, findOpa, CustomPolicyError } from './custom.js';
export { PolicyEngine, PolicyEngineError, type PolicyInput, type Violation } from './engine.js';

export interface PolicyCheckOptions {
  /** Overrides `config.policy` (tests). */
  config?: Record<string, unknown>;
  /** Bundle folder (tests); default the shipped policies/bundle. */
  bundleDir?: string;
  /** Where to find opa for custom policies (tests); default KFM_OPA, .tools/bin/opa, PATH. */
  opa?: OpaLookup;
  /** false: evaluate each env whole even when the rules are the audited ones (tests compare both ways). */
  partition?: boolean;
  /**
   * Where the built-in policies run: in a worker thread (true), in this process (false), or by the run's size
   * (unset: a worker from OFF_THREAD_RESOURCES rendered resources). Tests compare both ways.
   */
  offThread?: boolean;
}

/**
 * Rendered resources from which the built-in policies are evaluated in a worker thread (issue 20). The check runs
 * after the last render, when the render workers are done and one of the machine's cores would otherwise idle:
 * in the worker, the WebAssembly evaluation of one group runs beside the next group's input being written and
 * beside the schema and secret checks (run/checks.ts runs checks side by side). A worker costs ~40 ms of start-up,
 * more than the evaluation of a small repo saves.
 */
export const OFF_THREAD_RESOURCES = 2_000;

/**
 * The built-in policies are this project's code, so the worker's limits are not the repo's settings but a backstop
 * the check's own time budget (run/checks.ts, 15 min) would reach first: a hung evaluation is a guard finding either way.
 */
const OFF_THREAD_LIMITS = {
  timeoutMs: 15 * 60 * 1000,
  maxMemoryMb: 4096,
  // As in this process (engine.ts): one big part does not pin its memory for the rest of the run.
  dropAboveBytes: MAX_RETAINED_MEMORY_BYTES,
};
const OFF_THREAD_LIMIT_NAMES = { time: 'of the built-in policies', memory: 'of the built-in policies' };

interface LoadedModule<Input = PolicyInput | EnvPolicyInput> {
  engine: { evaluate(input: Input): Promise<Violation[]> };
  severities: Map<string, Severity>;
  label: string;
}

/** The built-in module, and whether its rules are the audited ones that may be evaluated in parts (partition.ts). */
type BuiltinModule = LoadedModule<PolicyInput | EnvPolicyInput | JsonInput> & { partition: boolean };

export function createPolicyCheck(options: PolicyCheckOptions = {}): Check {
  let rendered = 0;
  /**
   * Each overlay's kustomization, read as it renders (run() reads any missing). Read after the last render, 1,500 of
   * them were ~0.35 s of the large bench repo's serial tail, parsed again: the parse memo keeps only recent files.
   */
  let kept: { root: string; sources: WeakMap<RenderedOverlay, Promise<KustomizationSource | null>> } | undefined;
  /** The built-in module loading in a worker thread (undefined inside: it could not, the check runs it in-process). */
  let offThread: Promise<SandboxedPolicy | undefined> | undefined;
  const startOffThread = (ctx: StartContext | CheckContext): void => {
    offThread ??= readBundle(options.bundleDir).then(
      (bundle) =>
        SandboxedPolicy.load({
          wasm: bundle.wasm,
          entrypoint: bundle.manifest.entrypoint || ENTRYPOINT,
          knownIds: bundle.catalogue.rules.map((r) => r.id),
          limits: OFF_THREAD_LIMITS,
          limitNames: OFF_THREAD_LIMIT_NAMES,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        }),
      () => undefined,
    );
    // No worker (a failed start): run() evaluates in this process, where a bundle problem is reported as ever.
    offThread = offThread.catch(() => undefined);
  };
  // Not in a run that keeps its memory small (util/heap.ts): the worker's own heap and code (~20-30 MB) went over
  // what that mode saves (large bench repo: 195-217 MB peak with it, 173-175 without; wall within the noise).
  const wantsOffThread = (resources: number): boolean =>
    options.offThread ?? (resources >= OFF_THREAD_RESOURCES && !heapIsCompact());
  /** Parts evaluated while the overlays render (early.ts), and the in-process engine loaded for them. */
  let early: { root: string; policy: EarlyPolicy } | undefined;
  let inProcess: Promise<BuiltinModule> | undefined;
  let bundleRead: Promise<PolicyBundle> | undefined;
  /**
   * The engine of the early rounds: the worker once it runs; in this process only in a run that keeps its memory
   * small (no worker there) or when told to (tests); else none yet (a small run so far: its tail is short anyway).
   */
  const earlyEngine = async (): Promise<EarlyEngine | undefined> => {
    const bundle = await (bundleRead ??= readBundle(options.bundleDir));
    if (bundle.manifest.sourcesSha256 !== AUDITED_POLICY_SOURCES) return undefined; // not partitioned: no parts
    if (offThread) return await offThread;
    if (options.offThread !== false && !heapIsCompact()) return undefined;
    inProcess ??= loadBuiltin(bundle, true, undefined);
    return (await inProcess).engine;
  };
  return {
    meta: {
      id: 'policy',
      description:
        'KFM invariants (trust membrane, digest pinning, forbidden kinds and scope, RBAC, Argo CD projects) as Rego compiled to WebAssembly',
      docsUrl: 'https://github.com/kfm/kfm-gitops/blob/main/docs/checks/policy.md',
      defaultSeverity: 'error',
      errorRuleId: ENGINE_ERROR_RULE,
    },
    rules(): RuleDoc[] {
      return rulesOf('policy');
    },
    observe(overlay: RenderedOverlay, ctx: StartContext): void {
      // The partition's facts and the namespaces the overlay puts in other envs' view, while its objects are at
      // hand: asked first by an early round, they unpacked the overlay again (run/pack.ts), ~0.5 s of the large bench
      // repo's node CPU (issue 20). run() computes any that are missing.
      overlayPartition(overlay);
      overlayInView(overlay);
      rendered += overlay.resources.length;
      // The worker starts while the last overlays render, so it is ready when run() begins (and for the early rounds).
      if (wantsOffThread(rendered)) startOffThread(ctx);
      if (ctx.mode !== 'check' || overlay.resources.length === 0) return;
      if (kept?.root !== ctx.root) kept = { root: ctx.root, sources: new WeakMap() };
      const source = readKustomization(ctx.root, overlay.overlay, AUDITED_KUSTOMIZATION_FIELDS);
      source.catch(() => undefined); // run() reads it again and the failure surfaces there
      kept.sources.set(overlay, source);
      if (ctx.plan && options.partition !== false) {
        if (early?.root !== ctx.root) {
          const sources = kept.sources;
          early = {
            root: ctx.root,
            policy: new EarlyPolicy({
              plan: ctx.plan,
              params: withRepoApps(readPolicyConfig(options.config ?? ctx.config.policy).params, ctx.root),
              // A part split off an overlay (argo/object-env.ts) has the overlay's kustomization.
              kustomization: (r) => sources.get(splitFrom(r)),
              envOrder: ctx.config.envOrder ?? DEFAULT_ENV_ORDER,
              engine: earlyEngine,
              ...(ctx.signal ? { signal: ctx.signal } : {}),
            }),
          };
        }
        early.policy.observe(overlay);
      }
    },
    async run(ctx: CheckContext): Promise<void> {
      const config = readPolicyConfig(options.config ?? ctx.config.policy);
      // `validate` reads files, not the overlays of an app: whose workload a file is cannot be told.
      if (ctx.mode === 'check') withRepoApps(config.params, ctx.root);
      const bundle = await (bundleRead ?? readBundle(options.bundleDir)); // read already if rounds ran
      bundleRead = undefined;
      if (wantsOffThread(ctx.resources.length)) startOffThread(ctx);
      const worker = await offThread;
      offThread = undefined; // one run's worker: the next run of this check starts its own
      const read = kept?.root === ctx.root ? kept.sources : undefined;
      kept = undefined;
      const ahead = early?.root === ctx.root ? early.policy : undefined;
      early = undefined;
      await ahead?.stop(); // its round under way uses the engine: it ends first
      const loaded = worker ? undefined : inProcess?.catch(() => undefined);
      inProcess = undefined;
      let custom: CustomModule | undefined;
      try {
        const builtin = (await loaded) ?? (await loadBuiltin(bundle, options.partition ?? true, worker));
        custom = config.customDir
          ? await loadCustom(ctx, config.customDir, bundle, config.customLimits, options.opa)
          : undefined;
        await evaluateAll(ctx, config, builtin, custom, read, ahead);
      } finally {
        await worker?.dispose();
        await custom?.dispose();
      }
    },
  };
}

/**
 * Adds `repoApps` to the params: the folders under <root>/apps, whatever the run selects (a changed-only run of one
 * app judges it against the same repository). KFM-TM-011 applies only to a repository holding one of the apps
 * policy.governedApiApps names. Not a setting: the config cannot give it (readPolicyConfig refuses the key). Only in
 * `check` mode (the early rounds run only there).
 */
function withRepoApps(params: Record<string, unknown>, root: string): Record<string, unknown> {
  const entries = runFacts().list(join(root, 'apps')) ?? [];
  params.repoApps = entries
    .filter((e) => e.kind === 'd' || e.kind === 'l')
    .map((e) => e.name)
    .sort();
  return params;
}

/** The repo's own policies: per-overlay input, a worker to stop at the end. */
type CustomModule = LoadedModule<PolicyInput> & { dispose(): Promise<void> };

/** The built-in policies per env, then the repo's own per overlay; engine failures are guard findings. */
async function evaluateAll(
  ctx: CheckContext,
  config: ReturnType<typeof readPolicyConfig>,
  builtin: BuiltinModule,
  custom: CustomModule | undefined,
  read?: WeakMap<RenderedOverlay, Promise<KustomizationSource | null>>,
  early?: EarlyPolicy,
): Promise<void> {
  const projects = ctx.resources.filter(isAppProject);
  const appProjects = projects.map((r) => r.object);
  const params = JSON.stringify(config.params); // an early verdict is taken only for the same params too
  const kustomizations = new Map<RenderedOverlay, KustomizationSource | null>();
  // Only what the audited rules read of a kustomization; a bundle whose rules were not audited gets the whole object.
  const fields = builtin.partition ? AUDITED_KUSTOMIZATION_FIELDS : undefined;
  for (const rendered of ctx.overlays) {
    if (rendered.resources.length === 0) continue;
    if (ctx.mode !== 'check') {
      kustomizations.set(rendered, null);
      continue;
    }
    const fresh = (): Promise<KustomizationSource | null> => readKustomization(ctx.root, rendered.overlay, fields);
    const early = fields ? read?.get(splitFrom(rendered)) : undefined;
    kustomizations.set(rendered, await (early ? early.catch(fresh) : fresh()));
  }
  // The built-in rules judge what one env deploys as a whole (cross-overlay trust membrane, RBAC, Argo CD), in parts
  // that cannot relate to each other (partition.ts), so the engine never holds a whole env at once. One group is
  // written while the one before is evaluated (in the worker thread, when there is one); results are reported in order.
  const pending: Evaluation[] = [];
  const settle = async ({ env, group, owners, violations }: Evaluation): Promise<void> => {
    let found;
    try {
      found = await violations;
    } catch (err) {
      if (!(err instanceof PolicyEngineError)) throw err;
      for (const { rendered } of group.members) {
        ctx.report({
          ruleId: ENGINE_ERROR_RULE,
          message: `${builtin.label} could not be evaluated for env ${env} (overlay ${rendered.overlay.path}), which is therefore unchecked: ${err.message}`,
          overlay: rendered.overlay.path,
          severity: 'error',
        });
      }
      return;
    }
    for (const v of found) {
      const at = locateInGroup(v, group, { owners });
      if (at) ctx.report(toFinding(at.local, at.rendered, at.kustomization, (id) => builtin.severities.get(id)));
    }
  };
  for (const { env, overlays } of groupByEnv(ctx.overlays)) {
    const whole: EnvGroup = {
      env,
      members: overlays.map((rendered) => ({ rendered, kustomization: kustomizations.get(rendered) ?? null })),
    };
    for (const { group, shared } of partitionEnv(whole, sharedResources(ctx.overlays, env), {
      partition: builtin.partition,
    })) {
      // Evaluated while the overlays rendered, from the same objects (early.ts): that verdict is this one.
      const kept = builtin.partition ? early?.take({ group, shared }, projects, params) : undefined;
      if (kept) {
        pending.push({ env, group, owners: kept.owners, violations: Promise.resolve(kept.violations) });
        if (pending.length >= IN_FLIGHT) await settle(pending.shift()!);
        continue;
      }
      // Written as JSON from the resources' own JSON: a packed overlay's objects are not made for the engine.
      const input = buildEnvInputJson(group, shared, appProjects, config.params, builtin.partition);
      const violations = builtin.engine.evaluate(input); // a worker takes input.json away: owners stay here
      violations.catch(() => undefined); // settled in order below
      pending.push({ env, group, owners: input.owners, violations });
      if (pending.length >= IN_FLIGHT) await settle(pending.shift()!);
    }
  }
  while (pending.length > 0) await settle(pending.shift()!);
  // A repo's own policies keep the per-overlay input they were written against.
  if (custom) {
    for (const rendered of kustomizations.keys()) {
      // The whole kustomization: a repo's own rules may read any of it.
      const kustomization = ctx.mode === 'check' ? await readKustomization(ctx.root, rendered.overlay) : null;
      const input = buildInput(rendered, kustomization, appProjects, config.params);
      let violations;
      try {
        violations = await custom.engine.evaluate(input);
      } catch (err) {
        if (!(err instanceof PolicyEngineError)) throw err;
        ctx.report({
          ruleId: ENGINE_ERROR_RULE,
          message: `${custom.label} could not be evaluated for overlay ${rendered.overlay.path}, which is therefore unchecked: ${err.message}`,
          overlay: rendered.overlay.path,
          severity: 'error',
        });
        continue;
      }
      for (const v of violations) ctx.report(toFinding(v, rendered, kustomization, (id) => custom.severities.get(id)));
    }
  }
}

/** One group's evaluation, in flight. */
interface Evaluation {
  env: string;
  group: EnvGroup;
  owners: number[];
  violations: Promise<Violation[]>;
}

/** Groups written ahead of the one being evaluated: two keep the worker busy and hold two inputs at most. */
const IN_FLIGHT = 2;

async function loadBuiltin(
  bundle: PolicyBundle,
  partition: boolean,
  offThread: SandboxedPolicy | undefined,
): Promise<BuiltinModule> {
  const ids = bundle.catalogue.rules.map((r) => r.id);
  // A bundle that cannot be instantiated fails the whole check (the pipeline reports errorRuleId): nothing ran.
  const engine = offThread ?? (await PolicyEngine.load(bundle.wasm, bundle.manifest.entrypoint || ENTRYPOINT, ids));
  return {
    engine,
    severities: severityMap(bundle.catalogue.rules),
    label: 'the built-in policies',
    partition: partition && bundle.manifest.sourcesSha256 === AUDITED_POLICY_SOURCES,
  };
}

async function loadCustom(
  ctx: CheckContext,
  customDir: string,
  bundle: PolicyBundle,
  limits: Partial<SandboxLimits>,
  opa?: OpaLookup,
): Promise<CustomModule | undefined> {
  try {
    const compiled = await compileCustomPolicies({
      root: ctx.root,
      customDir,
      cache: ctx.config.cache,
      builtinIds: new Set(bundle.catalogue.rules.map((r) => r.id)),
      lookup: opa,
      signal: ctx.signal,
    });
    // The repo's own code: in a worker with a time and memory budget per overlay (sandbox.ts).
    const engine = await SandboxedPolicy.load({
      wasm: compiled.wasm,
      entrypoint: CUSTOM_ENTRYPOINT,
      knownIds: compiled.rules.map((r) => r.id),
      limits,
      signal: ctx.signal,
    });
    return {
      engine,
      severities: severityMap(compiled.rules),
      label: `the custom policies in ${customDir}`,
      dispose: () => engine.dispose(),
    };
  } catch (err) {
    ctx.report({
      ruleId: CUSTOM_POLICY_RULE,
      message: `custom policies in ${customDir} did not run: ${describeThrown(err)}`,
      severity: 'error',
    });
    return undefined;
  }
}

function severityMap(rules: CatalogueEntry[]): Map<string, Severity> {
  return new Map(rules.map((r) => [r.id, r.severity]));
}
