/**
 * Policy check: the KFM invariants as Rego compiled to WebAssembly (policies/), evaluated in-process once per
 * overlay through one aggregating entrypoint, plus the repo's own policies when `policy.customDir` is set.
 *
 * Input per overlay: {overlay: {path, env, layer, app, kustomization, kustomizationFile}, resources: [objects],
 * run: {appProjects: every AppProject rendered in the run}, params: the `policy:` section (defaults in Rego)}.
 * Engine failures are findings (KFM-CONFIG-900, category policy, error) for the overlay concerned; the check never
 * passes an overlay it could not evaluate.
 */
import type { Check, CheckContext, RuleDoc, Severity } from '../../types.js';
import { ENTRYPOINT, readBundle, type CatalogueEntry, type PolicyBundle } from './bundle.js';
import { CUSTOM_POLICY_RULE, ENGINE_ERROR_RULE } from '../../rules/config.js';
import { rulesOf } from '../../rules/index.js';
import { readPolicyConfig } from './config.js';
import { compileCustomPolicies, CUSTOM_ENTRYPOINT, type OpaLookup } from './custom.js';
import { PolicyEngine, PolicyEngineError, describeThrown } from './engine.js';
import { buildInput, isAppProject, readKustomization, toFinding } from './input.js';

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
}

interface LoadedModule {
  engine: PolicyEngine;
  severities: Map<string, Severity>;
  label: string;
}

export function createPolicyCheck(options: PolicyCheckOptions = {}): Check {
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
    async run(ctx: CheckContext): Promise<void> {
      const config = readPolicyConfig(options.config ?? ctx.config.policy);
      const bundle = await readBundle(options.bundleDir);
      const modules: LoadedModule[] = [await loadBuiltin(bundle)];
      if (config.customDir) {
        const custom = await loadCustom(ctx, config.customDir, bundle, options.opa);
        if (custom) modules.push(custom);
      }
      const appProjects = ctx.resources.filter(isAppProject).map((r) => r.object);
      for (const rendered of ctx.overlays) {
        if (rendered.resources.length === 0) continue;
        const kustomization = ctx.mode === 'check' ? await readKustomization(ctx.root, rendered.overlay) : null;
        const input = buildInput(rendered, kustomization, appProjects, config.params);
        for (const m of modules) {
          let violations;
          try {
            violations = await m.engine.evaluate(input);
          } catch (err) {
            if (!(err instanceof PolicyEngineError)) throw err;
            ctx.report({
              ruleId: ENGINE_ERROR_RULE,
              message: `${m.label} could not be evaluated for overlay ${rendered.overlay.path}, which is therefore unchecked: ${err.message}`,
              overlay: rendered.overlay.path,
              severity: 'error',
            });
            continue;
          }
          for (const v of violations) ctx.report(toFinding(v, rendered, kustomization, (id) => m.severities.get(id)));
        }
      }
    },
  };
}

async function loadBuiltin(bundle: PolicyBundle): Promise<LoadedModule> {
  const ids = bundle.catalogue.rules.map((r) => r.id);
  // A bundle that cannot be instantiated fails the whole check (the pipeline reports errorRuleId): nothing ran.
  const engine = await PolicyEngine.load(bundle.wasm, bundle.manifest.entrypoint || ENTRYPOINT, ids);
  return { engine, severities: severityMap(bundle.catalogue.rules), label: 'the built-in policies' };
}

async function loadCustom(
  ctx: CheckContext,
  customDir: string,
  bundle: PolicyBundle,
  opa?: OpaLookup,
): Promise<LoadedModule | undefined> {
  try {
    const compiled = await compileCustomPolicies({
      root: ctx.root,
      customDir,
      cache: ctx.config.cache,
      builtinIds: new Set(bundle.catalogue.rules.map((r) => r.id)),
      lookup: opa,
    });
    const engine = await PolicyEngine.load(
      compiled.wasm,
      CUSTOM_ENTRYPOINT,
      compiled.rules.map((r) => r.id),
    );
    return { engine, severities: severityMap(compiled.rules), label: `the custom policies in ${customDir}` };
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
