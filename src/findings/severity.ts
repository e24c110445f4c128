/**
 * Severity of a finding: the config's override, else what the reporter said, else the rule's default. A guard rule
 * ("not checked") is never lowered or switched off here, whatever reached this point: the config loader refuses such
 * settings, and this is the second lock for configs that bypass it (merged shards, programmatic callers).
 */
import { defaultSeverityOf, isGuard, SEVERITY_RANK as RANK } from '../rules/index.js';
import type { Severity } from '../types.js';

export type RuleSettings = Record<string, Severity | 'off'> | undefined;

export function resolveSeverity(
  ruleId: string,
  settings: RuleSettings,
  reported?: Severity,
  fallback: Severity = 'error',
): Severity | 'off' {
  const base = reported ?? defaultSeverityOf(ruleId) ?? fallback;
  const override = settings?.[ruleId];
  if (!isGuard(ruleId)) return override ?? base;
  if (override === undefined || override === 'off') return base;
  return RANK[override] > RANK[base] ? override : base;
}

/** Whether a rule is switched off by the settings (never true for a guard). */
export function isOff(ruleId: string, settings: RuleSettings): boolean {
  return resolveSeverity(ruleId, settings) === 'off';
}
