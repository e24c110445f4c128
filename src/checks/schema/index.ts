/**
 * Schema conformance check: every rendered resource against the shipped Kubernetes schemas of the chosen release,
 * the CRDs of the run, repo-local schema folders and the shipped GitOps-stack pack. Fails closed on unknown kinds.
 */
import type { Check, CheckContext, RuleDoc } from '../../types.js';
import { readSchemaConfig } from './config.js';
import { schemaCacheDir, ValidatorDiskCache } from './disk-cache.js';
import { engineFor } from './engine.js';
import { RULE_DOCS, RULES } from './rules.js';
import { ResourceValidator } from './validate.js';

export { shippedKubernetesVersions, UnknownKubernetesVersionError } from './engine.js';
export { SchemaConfigError, readSchemaConfig, type SchemaConfig } from './config.js';
export { RULES as SCHEMA_RULES } from './rules.js';
export { importCrds, type ImportResult } from './import.js';

export interface SchemaCheckOptions {
  /** Overrides `config.schema` (tests, the `validate` command). */
  config?: Record<string, unknown>;
}

export function createSchemaCheck(options: SchemaCheckOptions = {}): Check {
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
      return RULE_DOCS;
    },
    async run(ctx: CheckContext): Promise<void> {
      // Config and version problems throw: the pipeline/CLI turn them into a config error, not a finding.
      const config = readSchemaConfig(options.config ?? ctx.config.schema);
      engineFor(ctx.kubernetesVersion);
      const validator = new ResourceValidator({
        release: ctx.kubernetesVersion,
        config,
        root: ctx.root,
        resources: ctx.resources,
      });
      const useDisk = config.cache && ctx.config.cache?.enabled !== false;
      const cache = useDisk ? ValidatorDiskCache.open(schemaCacheDir(ctx.root, ctx.config.cache?.dir)) : undefined;
      await validator.prepare(ctx.resources, cache);
      for (const resource of ctx.resources) {
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
