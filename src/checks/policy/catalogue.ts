/**
 * Rule documentation for the policy check: the built-in catalogue (from the Rego METADATA, compiled into
 * policies/bundle/rules.json) plus the rules the check itself reports when the engine cannot vouch for an overlay.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleDoc } from '../../types.js';
import { policiesDir, type Catalogue, type CatalogueEntry } from './bundle.js';

/** Reported when evaluation fails (engine throw, missing builtin, malformed result) or the bundle is unusable. */
export const ENGINE_ERROR_RULE = 'KFM-CONFIG-900';
/** Reported when the repo's custom policies cannot be compiled or loaded (opa missing, Rego errors). */
export const CUSTOM_POLICY_RULE = 'KFM-CONFIG-901';

export const ENGINE_RULE_DOCS: RuleDoc[] = [
  {
    id: ENGINE_ERROR_RULE,
    title: 'Policy engine failed',
    category: 'policy',
    severity: 'error',
    description:
      'The Rego policies (compiled to WebAssembly) could not be evaluated for an overlay: the module threw, needed a builtin the JavaScript host does not provide, or returned a malformed result. The overlay was not checked, so the run fails instead of passing silently.',
    remediation:
      'Read the message: for the built-in bundle, rebuild it with `npm run policies:build` (and report a bug if it persists); for custom policies, use only builtins listed in policies/capabilities.json and emit {id, msg, resource, path}.',
  },
  {
    id: CUSTOM_POLICY_RULE,
    title: 'Custom policies cannot be used',
    category: 'policy',
    severity: 'error',
    description:
      'The repo configures its own Rego policies (policy.customDir) but they could not be compiled or loaded: opa is needed to compile them once (the result is cached by hash under .kfm-gitops/cache), the Rego has errors, uses a builtin the WebAssembly host cannot run, or lacks METADATA. None of the custom rules ran.',
    remediation:
      "Install the pinned opa (`npm run tools`, or set KFM_OPA), then run `kfm-gitops policies test` to see the compiler's message.",
  },
];

let builtin: Catalogue | undefined;

/** The shipped catalogue, read synchronously once (rules() is synchronous). */
export function builtinCatalogue(): Catalogue {
  builtin ??= JSON.parse(readFileSync(join(policiesDir(), 'bundle', 'rules.json'), 'utf8')) as Catalogue;
  return builtin;
}

export function toRuleDoc(e: CatalogueEntry): RuleDoc {
  return {
    id: e.id,
    title: e.title,
    category: 'policy',
    severity: e.severity,
    description: e.description,
    remediation: e.remediation,
  };
}

/** Plain-text catalogue for `kfm-gitops policies list`. */
export function formatCatalogue(entries: CatalogueEntry[], options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(`${e.id.padEnd(14)} ${e.severity.padEnd(8)} ${e.title}`);
    if (options.verbose) {
      lines.push(`${' '.repeat(24)}${e.package} (${e.file})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
