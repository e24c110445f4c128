/**
 * The `schema:` section of kfm-gitops.yaml (validated by the config loader against schemas/config/schema.json;
 * read again defensively here because the check may also be driven by tests or the `validate` command).
 */

export interface AllowedUnknownKind {
  /** Exact apiVersion, `<group>/*` for every version of a group, or `*`. */
  apiVersion: string;
  /** Exact kind or `*`. */
  kind: string;
  /** Why it is acceptable to leave these resources unchecked (required: shown in audits). */
  reason: string;
}

export interface SchemaConfig {
  /** Repo-local schema folders (relative to the checked root) laid out as `<dir>/<group>/<kind>_<version>.json`. */
  extraDirs: string[];
  /** Kinds that may pass without a schema. */
  allowUnknownKinds: AllowedUnknownKind[];
  /** Unknown fields are errors (default). `false` reports them as warnings. */
  strict: boolean;
  /** Persist compiled validators under `<root>/.kfm-gitops/cache/schema/` (default true). */
  cache: boolean;
}

/** A configuration mistake: the run cannot be trusted at all, so the CLI exits 2 (DESIGN.md). */
export class SchemaConfigError extends Error {
  readonly fatal = true;
  override name = 'SchemaConfigError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readSchemaConfig(section: Record<string, unknown> | undefined): SchemaConfig {
  const out: SchemaConfig = { extraDirs: [], allowUnknownKinds: [], strict: true, cache: true };
  if (section === undefined) return out;
  if (!isRecord(section)) throw new SchemaConfigError('config `schema` must be a mapping');
  const { extraDirs, allowUnknownKinds, strict, cache } = section;
  if (extraDirs !== undefined) {
    if (!Array.isArray(extraDirs) || !extraDirs.every((d) => typeof d === 'string' && d !== '')) {
      throw new SchemaConfigError('config `schema.extraDirs` must be a list of folder paths');
    }
    out.extraDirs = extraDirs as string[];
  }
  if (allowUnknownKinds !== undefined) {
    if (!Array.isArray(allowUnknownKinds))
      throw new SchemaConfigError('config `schema.allowUnknownKinds` must be a list');
    allowUnknownKinds.forEach((entry, i) => {
      const where = `config \`schema.allowUnknownKinds[${i}]\``;
      if (!isRecord(entry)) throw new SchemaConfigError(`${where} must be a mapping with apiVersion, kind and reason`);
      for (const key of ['apiVersion', 'kind', 'reason'] as const) {
        if (typeof entry[key] !== 'string' || (entry[key] as string).trim() === '') {
          throw new SchemaConfigError(`${where}: \`${key}\` is required`);
        }
      }
      out.allowUnknownKinds.push({
        apiVersion: entry.apiVersion as string,
        kind: entry.kind as string,
        reason: entry.reason as string,
      });
    });
  }
  if (strict !== undefined) {
    if (typeof strict !== 'boolean') throw new SchemaConfigError('config `schema.strict` must be true or false');
    out.strict = strict;
  }
  if (cache !== undefined) {
    if (typeof cache !== 'boolean') throw new SchemaConfigError('config `schema.cache` must be true or false');
    out.cache = cache;
  }
  return out;
}

export function isAllowedUnknown(
  config: SchemaConfig,
  apiVersion: string,
  kind: string,
): AllowedUnknownKind | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return config.allowUnknownKinds.find(
    (a) =>
      (a.kind === '*' || a.kind === kind) &&
      (a.apiVersion === '*' ||
        a.apiVersion === apiVersion ||
        (a.apiVersion.endsWith('/*') && a.apiVersion.slice(0, -2) === group)),
  );
}
