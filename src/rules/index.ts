/**
 * The rule registry: every rule kfm-gitops can report, declared once (id constant, category, default severity,
 * title, why, fix, guard). Checks, render, config, promote, `explain`, docs/rules.md and SARIF metadata read it.
 *
 * Guard rules mean "this could not be checked". They are what makes the tool fail closed, and the config that could
 * lower them lives in the repository under check — so a guard may be raised but never lowered, switched off or
 * excepted (validateRuleSettings). Custom policy rules (policy.customDir) are the only ids outside the registry; they
 * must use a family of their own.
 */
import type { Category, RuleDoc, Severity } from '../types.js';
import { contentRuleDocs } from './secret-patterns.js';
import { matchesAny } from '../util/glob.js';
import { suggest } from '../util/suggest.js';
import { CONFIG_RULES } from './config.js';
import { policyRules } from './policy.js';
import { PROMOTE_RULES } from './promote.js';
import { RENDER_RULES } from './render.js';
import { SCHEMA_RULES } from './schema.js';
import { META_RULES } from './secrets.js';

let all: RuleDoc[] | undefined;
let byId: Map<string, RuleDoc> | undefined;

/** Every built-in rule, sorted by id. */
export function allRules(): RuleDoc[] {
  all ??= [
    ...RENDER_RULES,
    ...SCHEMA_RULES,
    ...policyRules(),
    ...META_RULES,
    ...contentRuleDocs(),
    ...CONFIG_RULES,
    ...PROMOTE_RULES,
  ].sort((a, b) => a.id.localeCompare(b.id));
  return all;
}

export function ruleById(id: string): RuleDoc | undefined {
  byId ??= new Map(allRules().map((r) => [r.id, r]));
  return byId.get(id);
}

export function rulesOf(category: Category): RuleDoc[] {
  return allRules().filter((r) => r.category === category);
}

export function isGuard(id: string): boolean {
  return ruleById(id)?.guard === true;
}

/** The category of a rule: the registry's, or `policy` for a custom policy rule (the only ids outside it). */
export function categoryOf(id: string): Category {
  return ruleById(id)?.category ?? 'policy';
}

export function defaultSeverityOf(id: string): Severity | undefined {
  return ruleById(id)?.severity;
}

/** `KFM-ARGO-004` → `ARGO`. */
export function familyOf(id: string): string {
  return id.split('-')[1] ?? '';
}

let reserved: Set<string> | undefined;

/** Families of the built-in rules: an id in one of them must be a registered rule, and custom policies may not use them. */
export function reservedFamilies(): ReadonlySet<string> {
  reserved ??= new Set(allRules().map((r) => familyOf(r.id)));
  return reserved;
}

/** Severities in order, for "lower than" decisions (config validation, the severity lock, the audit). */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
const RANK = SEVERITY_RANK;

export interface RuleSettingProblem {
  message: string;
  /** Where in the config, for the line: ['rules', id] or ['exceptions', i, 'rule']. */
  path: (string | number)[];
}

/**
 * The checks a config may not make: unknown ids in `rules:` (a typo silently does nothing), guard rules lowered or
 * off, exceptions for guard rules. `customFamilies` is true when the config loads custom policies, whose ids are
 * known only once they are compiled: ids outside the reserved families are then accepted here and checked there.
 */
export function validateRuleSettings(
  config: {
    rules?: Record<string, string>;
    exceptions?: { rule: string }[];
    secrets?: { allowRules?: unknown };
  },
  options: { customPolicies: boolean },
): RuleSettingProblem[] {
  const problems: RuleSettingProblem[] = [];
  const reserved = reservedFamilies();
  const known = allRules().map((r) => r.id);
  const unknown = (id: string, path: (string | number)[], what: string): void => {
    const hint = suggest(id, known);
    problems.push({
      message: `${what} names unknown rule ${id}${hint ? ` (did you mean ${hint}?)` : ''}; \`kfm-gitops explain\` lists the rules`,
      path,
    });
  };
  for (const [id, setting] of Object.entries(config.rules ?? {})) {
    const rule = ruleById(id);
    if (!rule) {
      if (reserved.has(familyOf(id)) || !options.customPolicies) unknown(id, ['rules', id], '`rules`');
      continue;
    }
    if (rule.guard && (setting === 'off' || RANK[setting as Severity] < RANK[rule.severity])) {
      problems.push({
        message: `\`rules.${id}: ${setting}\` is not allowed: ${id} (${rule.title}) means something could not be checked, and the gate fails closed on it; it can be raised, never lowered or switched off`,
        path: ['rules', id],
      });
    }
  }
  (config.exceptions ?? []).forEach((entry, i) => {
    const rule = ruleById(entry.rule);
    if (!rule) {
      if (reserved.has(familyOf(entry.rule)) || !options.customPolicies)
        unknown(entry.rule, ['exceptions', i, 'rule'], `exception ${i + 1}`);
      return;
    }
    if (rule.guard)
      problems.push({
        message: `exception ${i + 1} targets ${entry.rule} (${rule.title}), which means something could not be checked: guard rules cannot be excepted — fix the cause`,
        path: ['exceptions', i, 'rule'],
      });
  });
  const allowRules = config.secrets?.allowRules;
  if (Array.isArray(allowRules)) {
    allowRules.forEach((pattern, i) => {
      if (typeof pattern !== 'string') return;
      const guard = allRules().find((r) => r.guard && matchesAny(r.id, [pattern]));
      if (guard)
        problems.push({
          message: `\`secrets.allowRules\` entry ${pattern} would let an inline comment silence ${guard.id} (${guard.title}); guard rules cannot be allowed`,
          path: ['secrets', 'allowRules', i],
        });
    });
  }
  return problems;
}
