/** `policies list`: the built-in catalogue (declared in Rego METADATA, read by the registry in src/rules/policy.ts). */
import type { CatalogueEntry } from '../../rules/policy.js';

export { builtinCatalogue, toRuleDoc } from '../../rules/policy.js';
export { CUSTOM_POLICY_RULE, ENGINE_ERROR_RULE } from '../../rules/config.js';

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
