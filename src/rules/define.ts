/** Helpers for declaring rules in the family files; the registry (index.ts) is the only reader of the arrays. */
import type { Category, RuleDoc, Severity } from '../types.js';

/**
 * A rule as declared: docs plus `guard`. A guard rule means "this could not be checked" (a render or parse failure,
 * an engine that threw, a kind without a schema…): it is what keeps the gate closed, so the repository under check
 * may raise it but never lower it, switch it off or except it (see validateRuleSettings).
 */
export function rule(
  category: Category,
  id: string,
  title: string,
  description: string,
  remediation: string,
  options: { severity?: Severity; guard?: boolean } = {},
): RuleDoc {
  const doc: RuleDoc = { id, title, category, severity: options.severity ?? 'error', description, remediation };
  if (options.guard) doc.guard = true;
  return doc;
}
