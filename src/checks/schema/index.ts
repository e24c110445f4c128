/**
 * Schema conformance check: every rendered resource against the shipped Kubernetes schemas of the chosen release,
 * the CRDs of the run, repo-local schema folders and the shipped GitOps-stack pack. Fails closed on unknown kinds.
 */
import type { Check, CheckContext, RenderedOverlay, RuleDoc, StartContext } from '../../types.js';
import { readSchemaConfig } from './config.js';
import { schemaCacheDir, ValidatorDiskCache } from './disk-cache.js';
import { engineFor, type ValidatorTarget } from './engine.js';
import { RULES } from '../../rules/schema.js';
import { rulesOf } from '../../rules/index.js';
import { ResourceValidator } from './validate.js';
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

export function createSchemaCheck(options: SchemaCheckOptions = {}): Check {
  /** Validators of the Kubernetes kinds seen so far, loaded or compiled while the other overlays render. */
  let warming: Promise<void> = Promise.resolve();
  const seen = new Set<string>();
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
      // Only the release's own kinds: they do not depend on the run's CRDs or schema folders. Anything that goes
      // wrong here is left for run(), which resolves and reports everything itself.
      let engine: ReturnType<typeof engineFor>;
      let caches: ValidatorCaches;
      try {
        const config = readSchemaConfig(options.config ?? ctx.config.schema);
        engine = engineFor(ctx.kubernetesVersion);
        caches = cacheFor(ctx, config.cache);
      } catch {
        return; // warming is a hint: run() reads the same config and engine and reports what fails
      }
      const targets: ValidatorTarget[] = [];
      for (const r of rendered.resources) {
        const { apiVersion, kind } = r.id;
        const id = `${apiVersion}\u0000${kind}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const target = engine.kubernetesTarget(apiVersion, kind);
        if (target) targets.push(target);
      }
      if (targets.length > 0)
        warming = warming.then(() => engine.warm(targets, caches.repo, caches.shipped)).catch(() => undefined);
    },
    async run(ctx: CheckContext): Promise<void> {
      await warming;
      // Config and version problems throw: the pipeline/CLI turn them into a config error, not a finding.
      const config = readSchemaConfig(options.config ?? ctx.config.schema);
      engineFor(ctx.kubernetesVersion);
      const validator = new ResourceValidator({
        release: ctx.kubernetesVersion,
        config,
        root: ctx.root,
        resources: ctx.resources,
      });
      const caches = cacheFor(ctx, config.cache);
      await validator.prepare(ctx.resources, caches.repo, caches.shipped);
      const pause = yielder(); // the policy check's worker waits for its next input meanwhile (run/checks.ts)
      for (const resource of ctx.resources) {
        await pause();
        let violations;
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
    },
  };
}
