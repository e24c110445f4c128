/**
 * What `kfm-gitops policies list|test` do, as data; src/cli/commands/policies.ts only wires flags and prints.
 */
import type { Config } from '../../config/types.js';
import type { CatalogueEntry } from './bundle.js';
import { builtinCatalogue, formatCatalogue } from './catalogue.js';
import { readPolicyConfig } from './config.js';
import { compileCustomPolicies, CustomPolicyError, testCustomPolicies, type OpaLookup } from './custom.js';
import { describeThrown, PolicyEngine } from './engine.js';

export interface ListResult {
  rules: (CatalogueEntry & { source: 'built-in' | 'custom' })[];
  /** Why custom rules are missing from the list, when they are configured but could not be loaded. */
  notes: string[];
}

export async function listPolicies(options: { root: string; config: Config; lookup?: OpaLookup }): Promise<ListResult> {
  const builtin = builtinCatalogue();
  const rules: ListResult['rules'] = builtin.rules.map((r) => ({ ...r, source: 'built-in' as const }));
  const notes: string[] = [];
  const { customDir } = readPolicyConfig(options.config.policy);
  if (customDir) {
    try {
      const compiled = await compileCustomPolicies({
        root: options.root,
        customDir,
        cache: options.config.cache,
        builtinIds: new Set(builtin.rules.map((r) => r.id)),
        lookup: options.lookup,
      });
      rules.push(...compiled.rules.map((r) => ({ ...r, source: 'custom' as const })));
    } catch (err) {
      notes.push(`custom policies in ${customDir} not listed: ${describeThrown(err)}`);
    }
  }
  return { rules, notes };
}

export function formatList(result: ListResult, options: { verbose?: boolean } = {}): string {
  const builtin = result.rules.filter((r) => r.source === 'built-in');
  const custom = result.rules.filter((r) => r.source === 'custom');
  let out = formatCatalogue(builtin, options);
  if (custom.length > 0) out += `\ncustom:\n${formatCatalogue(custom, options)}`;
  return out;
}

export interface TestResult {
  passed: boolean;
  /** opa test's own report, then the outcome of compiling the policies for the WebAssembly host. */
  output: string;
}

/**
 * Runs the repo's Rego tests (`opa test` over policy.customDir with the built-in helpers), then compiles the
 * policies against the host capabilities and loads the module, the step that catches builtins the host lacks.
 * Throws CustomPolicyError when there is nothing to test or opa is missing.
 */
export async function runPolicyTests(options: {
  root: string;
  config: Config;
  lookup?: OpaLookup;
  verbose?: boolean;
}): Promise<TestResult> {
  const { customDir } = readPolicyConfig(options.config.policy);
  if (!customDir)
    throw new CustomPolicyError(
      'no custom policies to test: set `policy.customDir` in kfm-gitops.yaml (the built-in policies are tested with the tool)',
    );
  const tests = await testCustomPolicies({
    root: options.root,
    customDir,
    lookup: options.lookup,
    verbose: options.verbose,
  });
  let output = tests.output;
  let passed = tests.passed;
  try {
    const compiled = await compileCustomPolicies({
      root: options.root,
      customDir,
      cache: options.config.cache,
      builtinIds: new Set(builtinCatalogue().rules.map((r) => r.id)),
      lookup: options.lookup,
    });
    await PolicyEngine.load(
      compiled.wasm,
      'kfm_custom_main/violations',
      compiled.rules.map((r) => r.id),
    );
    output += `\ncompiled for the WebAssembly host: ${compiled.rules.length} rule${compiled.rules.length === 1 ? '' : 's'} (${compiled.rules.map((r) => r.id).join(', ')})${compiled.cached ? ', from the cache' : ''}\n`;
  } catch (err) {
    passed = false;
    output += `\ncannot compile for the WebAssembly host: ${describeThrown(err)}\n`;
  }
  return { passed, output };
}
