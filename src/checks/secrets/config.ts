/**
 * The `secrets:` section of kfm-gitops.yaml (schema: schemas/config/secrets.json). The config loader validates it;
 * this turns it into settings with defaults, and stays defensive because checks never throw on bad input.
 */
export interface SecretsSettings {
  /** Globs (relative to the root) of files the repository scan skips. Rendered output is still scanned. */
  exclude: string[];
  /** Larger files are not scanned and reported as KFM-SEC-003 (fail closed). */
  maxFileBytes: number;
  /** Baseline file, relative to the root. */
  baseline: string;
  /** Rule-id globs an inline `kfm-gitops:allow` may name. */
  allowRules: string[];
  /** Extra placeholder words (case-insensitive substrings) on top of the built-in list. */
  stopWords: string[];
}

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_BASELINE = '.kfm-gitops/secrets-baseline.json';
export { DEFAULT_ALLOW_RULES } from '../../rules/secrets.js';
import { DEFAULT_ALLOW_RULES } from '../../rules/secrets.js';

export function secretsSettings(raw: Record<string, unknown> | undefined): SecretsSettings {
  const r = raw ?? {};
  const strings = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  const max =
    typeof r.maxFileBytes === 'number' && Number.isFinite(r.maxFileBytes) && r.maxFileBytes > 0
      ? Math.floor(r.maxFileBytes)
      : DEFAULT_MAX_FILE_BYTES;
  return {
    exclude: strings(r.exclude) ?? [],
    maxFileBytes: max,
    baseline: typeof r.baseline === 'string' && r.baseline !== '' ? r.baseline : DEFAULT_BASELINE,
    allowRules: strings(r.allowRules) ?? DEFAULT_ALLOW_RULES,
    stopWords: strings(r.stopWords) ?? [],
  };
}
