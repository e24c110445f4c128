/**
 * Schema conformance check: every rendered resource against the shipped Kubernetes schemas of the chosen release,
 * the CRDs of the run, repo-local schema folders and the shipped GitOps-stack pack. Fails closed on unknown kinds.
 */
import type { Check, CheckContext, RenderedOverlay, Resource, RuleDoc, StartContext } from '../../types.js';
import { readSchemaConfig } from './config.js';
import { schemaCacheDir, ValidatorDiskCache } from './disk-cache.js';
import { engineFor, type ValidatorTarget } from './engine.js';
import { RULES } from '../../rules/schema.js';
import { rulesOf } from '../../rules/index.js';
import { ResourceValidator, type Violation } from './validate.js';
import { yielder } from '../../util/yielder.js';

export { shippedKubernetesVersions, UnknownKubernetesVersionError } from './engine.js';
export { SchemaConfigError, readSchemaConfig, type SchemaConfig } from './config.js';
export { RULES as SCHEMA_RULES } from '../../rules/schema.js';
export { importCrds, type ImportResult } from './import.js';

/** The repository's validator cache (CRDs, schema folders) and the per-user one of the shipped kinds. */
interface ValidatorCaches {
  repo?: ValidatorDiskCache;
  shipped?: ValidatorDiskCache;
}

export interface SchemaCheckOptions {
  /** Overrides `config.schema` (tests, the `validate` command). */
  config?: Record<string, unknown>;
}

/**
 * Verdicts reached while the overlays render (observe), for one run: kept by resource, compact (a violation holds a
 * rule id, a message and a path, never the object), and used by run() only for the same root, config and release.
 */
interface PrePass {
  root: string;
  config: StartContext['config'];
  release: string;
  /** Made without the run's resources: it resolves a kind as if no CRD were rendered (validate.ts earlyTarget). */
  validator: ResourceValidator;
  caches: ValidatorCaches;
  /**
   * Per overlay, by resource index, for the array of resources validated (issue 20: an entry per resource in a
   * WeakMap was ~30-60 bytes of each of the xlarge bench repo's 152k resources for the whole run).
   */
  results: WeakMap<RenderedOverlay, EarlyVerdicts>;
  /** Resources whose objects wait for their validators to load (bounded: past it, run() validates them). */
  waiting: number;
  signal?: AbortSignal;
}

interface EarlyVerdicts {
  of: readonly Resource[];
  verdicts: (readonly Violation[] | undefined)[];
}

/** Resources a pre-pass holds (objects included) while their validators load; a few overlays' worth. */
const MAX_WAITING = 2_000;
const NO_VIOLATIONS: readonly Violation[] = Object.freeze([]);

export function createSchemaCheck(options: SchemaCheckOptions = {}): Check {
  /** Validators of the Kubernetes kinds seen so far, loaded or compiled while the other overlays render. */
  let warming: Promise<void> = Promise.resolve();
  let pre: PrePass | undefined;
  let diskCache: { key: string; caches: ValidatorCaches } | undefined;
  const cacheFor = (ctx: StartContext, useCacheSetting: boolean): ValidatorCaches => {
    const useDisk = useCacheSetting && ctx.config.cache?.enabled !== false;
    const dir = schemaCacheDir(ctx.root, ctx.config.cache?.dir);
    const key = `${useDisk}\u0000${dir}`;
    if (diskCache?.key !== key)
      diskCache = {
        key,
        // --no-cache (or `schema.cache: false`) turns both off: nothing is read or written anywhere.
        caches: useDisk ? { repo: ValidatorDiskCache.open(dir), shipped: ValidatorDiskCache.openShipped() } : {},
      };
    return diskCache.caches;
  };
  /** Whether the pre-pass was made for this run's root, config and release (then its verdicts hold for it). */
  const preFor = (ctx: StartContext): PrePass | undefined =>
    pre?.root === ctx.root && pre.config === ctx.config && pre.release === ctx.kubernetesVersion ? pre : undefined;
  /** The run's pre-pass, made on its first overlay; undefined when its config cannot be read (run() reports that). */
  const prePassFor = (ctx: StartContext): PrePass | undefined => {
    if (preFor(ctx)) return pre;
    pre = undefined;
    try {
      const config = readSchemaConfig(options.config ?? ctx.config.schema);
      pre = {
        root: ctx.root,
        config: ctx.config,
        release: ctx.kubernetesVersion,
        validator: new ResourceValidator({ release: ctx.kubernetesVersion, config, root: ctx.root, resources: [] }),
        caches: cacheFor(ctx, config.cache),
        results: new WeakMap(),
        waiting: 0,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      };
    } catch {
      return undefined; // a hint only: run() reads the same config and engine and reports what fails
    }
    return pre;
  };
  /** Validates what has its validator in memory; a throw leaves the resource to run(), which reports it. */
  const preValidate = (
    p: PrePass,
    rendered: RenderedOverlay,
    resources: readonly Resource[],
    objects: readonly Record<string, unknown>[],
    targets: readonly (ValidatorTarget | undefined)[],
  ): void => {
    let entry = p.results.get(rendered);
    if (entry?.of !== resources) p.results.set(rendered, (entry = { of: resources, verdicts: [] }));
    const { verdicts } = entry;
    resources.forEach((r, i) => {
      const target = targets[i];
      if (!target || !p.validator.engine.ready(target) || p.signal?.aborted) return;
      try {
        const found = p.validator.validateParsed(objects[i], r.overlay);
        verdicts[i] = found.length === 0 ? NO_VIOLATIONS : found;
      } catch {
        // run() validates it again and reports the failure
      }
    });
  };
  return {
    meta: {
      id: 'schema',
      description:
        'Conformance of every resource to the JSON schema of its apiVersion/kind (Kubernetes, CRDs of the run, schema packs)',
      docsUrl: 'https://github.com/kfm/kfm-gitops/blob/main/docs/checks/schema.md',
      defaultSeverity: 'error',
      errorRuleId: RULES.checkFailed,
    },
    rules(): RuleDoc[] {
      return rulesOf('schema');
    },
    observe(rendered: RenderedOverlay, ctx: StartContext): void {
      // Each resource is validated now, while its object is at hand (run/pack.ts: the overlay just packed is the
      // first in its cache) and this process waits on the renders: run() then only reports it (issue 20: the schema
      // pass was ~0.8 s of the serial tail after the last render on 30k resources). Its schema is the one the run
      // gives it unless a CRD of the run defines the kind (CRDs come first, and may render later): run() validates
      // those again.
      const p = prePassFor(ctx);
      if (!p || p.signal?.aborted) return;
      const resources = rendered.resources;
      const targets = resources.map((r) => p.validator.earlyTarget(r));
      const missing = new Map<string, ValidatorTarget>();
      for (const t of targets) if (t && !p.validator.engine.ready(t)) missing.set(t.key, t);
      // The objects as read now: a shell read later would unpack them once more (run/pack.ts).
      const objectsNow = (): Record<string, unknown>[] => resources.map((r, i) => (targets[i] ? r.object : {}));
      if (missing.size === 0) {
        preValidate(p, rendered, resources, objectsNow(), targets);
        return;
      }
      // Some validators are still to load or compile: this overlay waits for them beside the others' renders.
      const held = p.waiting + resources.length <= MAX_WAITING;
      if (held) p.waiting += resources.length;
      const objects = held ? objectsNow() : [];
      warming = warming
        .then(() => p.validator.engine.warm(missing.values(), p.caches.repo, p.caches.shipped))
        .then(() => {
          if (!held) return;
          p.waiting -= resources.length;
          preValidate(p, rendered, resources, objects, targets);
        })
        .catch(() => undefined);
    },
    async run(ctx: CheckContext): Promise<void> {
      await warming;
      // This run's verdicts from the renders (observe), if they were reached under the same root, config and release.
      const early = preFor(ctx)?.results;
      pre = undefined;
      // Config and version problems throw: the pipeline/CLI turn them into a config error, not a finding.
      const config = readSchemaConfig(options.config ?? ctx.config.schema);
      engineFor(ctx.kubernetesVersion);
      const validator = new ResourceValidator({
        release: ctx.kubernetesVersion,
        config,
        root: ctx.root,
        resources: ctx.resources,
      });
      // A kind any CRD of the run defines resolves to that CRD (validate.ts RunCrds), even one the release serves:
      // its early verdicts, reached without the CRDs (a CRD may render after the kind's resources), are not used.
      const aligned = early ? alignVerdicts(ctx.overlays, ctx.resources, early) : undefined;
      const earlyOf = (k: number, r: Resource): readonly Violation[] | undefined => {
        const found = aligned?.[k];
        return found && !validator.runCrds.defines(r.id.apiVersion, r.id.kind) ? found : undefined;
      };
      const caches = cacheFor(ctx, config.cache);
      await validator.prepare(
        early ? ctx.resources.filter((r, k) => !earlyOf(k, r)) : ctx.resources,
        caches.repo,
        caches.shipped,
      );
      const pause = yielder(); // the policy check's worker waits for its next input meanwhile (run/checks.ts)
      for (const [k, resource] of ctx.resources.entries()) {
        await pause();
        let violations = earlyOf(k, resource);
        if (!violations) {
          try {
            violations = validator.validate(resource);
          } catch (err) {
            ctx.report({
              ruleId: RULES.checkFailed,
              message: `schema validation of ${resource.id.kind} ${resource.id.name} failed: ${err instanceof Error ? err.message : String(err)}`,
              resource,
              overlay: resource.overlay,
            });
            continue;
          }
        }
        for (const v of violations) {
          ctx.report({
            ruleId: v.ruleId,
            message: v.message,
            resource,
            overlay: resource.overlay,
            path: v.path,
            severity: v.severity,
          });
        }
      }
      // Problems with the schemas themselves (CRD conversion, compilation, unreadable files) surface while
      // validating, so they are reported last, once each.
      for (const p of validator.sourceProblems) {
        ctx.report({
          ruleId: RULES.badSchema,
          message: p.message,
          resource: p.resource,
          overlay: p.resource?.overlay,
          path: p.path,
          file: p.resource ? undefined : p.file,
        });
      }
      // The validators have run: their code caches now hold what the run compiled (disk-cache.ts).
      caches.repo?.writeCodeCaches();
      caches.shipped?.writeCodeCaches();
    },
  };
}

/**
 * The early verdicts in the order of the run's resources, which are its overlays' resources in order: a verdict is
 * taken only where the resource at that place is the very one validated early (anything else is validated again).
 */
function alignVerdicts(
  overlays: readonly RenderedOverlay[],
  resources: readonly Resource[],
  early: WeakMap<RenderedOverlay, EarlyVerdicts>,
): (readonly Violation[] | undefined)[] {
  const aligned: (readonly Violation[] | undefined)[] = new Array<readonly Violation[] | undefined>(resources.length);
  let k = 0;
  for (const o of overlays) {
    const entry = early.get(o);
    for (let i = 0; i < o.resources.length; i++, k++) {
      if (resources[k] !== o.resources[i]) return aligned;
      if (entry && entry.of[i] === resources[k]) aligned[k] = entry.verdicts[i];
    }
  }
  return aligned;
}
