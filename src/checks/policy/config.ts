/**
 * The `policy:` section of kfm-gitops.yaml (schema: schemas/config/policy.json). Everything except the custom*
 * settings is a rule parameter passed as input.params; the defaults live once, in policies/lib/params.rego, and
 * are merged there, so a key left out here means "the default".
 */
export interface PolicyConfig {
  /** Rule parameters, as given (no defaults filled in). */
  params: Record<string, unknown>;
  /** Folder of the repo's own Rego policies, relative to the checked root. */
  customDir?: string;
  /** Budgets of the repo's own policies per overlay (defaults in sandbox.ts). */
  customLimits: { timeoutMs?: number; maxMemoryMb?: number };
}

/** A configuration mistake: the run cannot be trusted at all, so the CLI exits 2 (DESIGN.md). */
export class PolicyConfigError extends Error {
  readonly fatal = true;
}

const STRING_LIST = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
const LABEL_MAP = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');

/** {family: {names: [image names]}} (see policies/data/stores.rego). */
const FAMILIES = (v: unknown): boolean =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.values(v).every(
    (f) =>
      f !== null &&
      typeof f === 'object' &&
      !Array.isArray(f) &&
      Object.keys(f).every((k) => k === 'names') &&
      STRING_LIST((f as { names?: unknown }).names),
  );

const CHECKS: Record<string, (v: unknown) => boolean> = {
  digestEnvs: STRING_LIST,
  storeSelectors: (v) =>
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.entries(v).every(([k, x]) =>
      k === 'labels'
        ? Array.isArray(x) && x.every(LABEL_MAP)
        : k === 'images'
          ? STRING_LIST(x)
          : k === 'families'
            ? FAMILIES(x)
            : false,
    ),
  isolatedEnvs: STRING_LIST,
  governedApiSelector: (v) => LABEL_MAP(v) && Object.keys(v as object).length > 0,
  governedApiApps: STRING_LIST,
  appProject: (v) => typeof v === 'string' && v !== '',
  platformProjects: STRING_LIST,
  allowNamespaces: (v) => typeof v === 'boolean',
  forbiddenKinds: STRING_LIST,
  extraClusterScopedKinds: STRING_LIST,
  allowAutomatedProd: (v) => typeof v === 'boolean',
  customDir: (v) => typeof v === 'string' && v !== '',
  customParams: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  customTimeoutMs: (v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 3_600_000,
  customMaxMemoryMb: (v) => Number.isInteger(v) && (v as number) >= 16 && (v as number) <= 16_384,
};

export function readPolicyConfig(section: Record<string, unknown> | undefined): PolicyConfig {
  const params: Record<string, unknown> = {};
  const out: PolicyConfig = { params, customLimits: {} };
  for (const [key, value] of Object.entries(section ?? {})) {
    const check = CHECKS[key];
    if (!check)
      throw new PolicyConfigError(`policy.${key} is not a policy setting (known: ${Object.keys(CHECKS).join(', ')})`);
    if (!check(value)) throw new PolicyConfigError(`policy.${key} has the wrong shape: ${JSON.stringify(value)}`);
    if (key === 'customDir') out.customDir = value as string;
    else if (key === 'customParams') params.custom = value;
    else if (key === 'customTimeoutMs') out.customLimits.timeoutMs = value as number;
    else if (key === 'customMaxMemoryMb') out.customLimits.maxMemoryMb = value as number;
    else params[key] = value;
  }
  return out;
}
