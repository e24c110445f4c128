/**
 * kfm-gitops.yaml: found, parsed with positions, validated against schemas/config.schema.json (plus the
 * per-check sections in schemas/config/). Any problem is a ConfigError naming the key and the line: a typo in
 * the config must stop the run (exit 2), never be ignored.
 */
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
// ajv, yaml and the locator are loaded when a config file exists: a run without one (infra/gitops) never pays for them.
import type { Ajv, ErrorObject } from 'ajv';
import type { Document } from 'yaml';
import { packageRoot } from '../util/paths.js';
import { allRules, validateRuleSettings } from '../rules/index.js';
import { suggest } from '../util/suggest.js';
import { CONFIG_FILE_NAMES } from './schema-files.js';
import type { Config, ExceptionEntry, LoadedConfig } from './types.js';
import { readRegularFile, unreadReason } from '../util/safe-read.js';
import { configLeavingRepository } from './containment.js';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;
let topSchema: Record<string, unknown> | undefined;
const sectionSchemas = new Map<string, Record<string, unknown>>();

async function getValidator(): Promise<ReturnType<Ajv['compile']>> {
  if (validator) return validator;
  const dir = join(packageRoot(), 'schemas');
  const ajv = new (await import('ajv')).Ajv({ allErrors: true, strict: false });
  for (const f of (await readdir(join(dir, 'config'))).filter((n) => n.endsWith('.json'))) {
    const schema = JSON.parse(await readFile(join(dir, 'config', f), 'utf8')) as Record<string, unknown>;
    sectionSchemas.set(`config/${f}`, schema);
    ajv.addSchema(schema, `config/${f}`);
  }
  topSchema = JSON.parse(await readFile(join(dir, 'config.schema.json'), 'utf8')) as Record<string, unknown>;
  validator = ajv.compile(topSchema);
  return validator;
}

export function findConfigFile(dirs: string[]): string | undefined {
  for (const dir of dirs) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export async function loadConfig(options: { explicitPath?: string; searchDirs: string[] }): Promise<LoadedConfig> {
  const file = options.explicitPath ? resolve(options.explicitPath) : findConfigFile(options.searchDirs);
  if (!file) return { config: {} };
  // A config the repository holds is the pull request's: a link out of the repository is not followed.
  const leaving = options.explicitPath ? undefined : configLeavingRepository(file);
  if (leaving) throw new ConfigError(leaving, file);
  // The config is written by the change under check: a FIFO or a device in its place must fail the run, not hang it
  // or fill memory (a link is followed: a config may be one).
  const got = readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES * 4, followLinks: true });
  if (got.kind === 'too-large')
    throw new ConfigError(
      `${file}: ${got.size} bytes, over the ${MAX_CONFIG_BYTES / 1024} KiB limit for a config`,
      file,
    );
  if (got.kind !== 'file') throw new ConfigError(`cannot read config ${file}: ${unreadReason(got)}`, file);
  return { config: await parseConfig(got.bytes.toString('utf8'), file), file };
}

/**
 * Largest config text read. A real kfm-gitops.yaml is a few KB; the YAML parser needs seconds and hundreds of MB per
 * MB of hostile text (a 3 MB one of flow lists: 17.6 s, 944 MB), and the config is written by the change under check.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;

export async function parseConfig(text: string, file: string): Promise<Config> {
  if (text.length > MAX_CONFIG_BYTES)
    throw new ConfigError(
      `${file}: ${text.length} characters, over the ${MAX_CONFIG_BYTES / 1024} KiB limit for a config`,
      file,
    );
  const [{ LineCounter, parseDocument }, { locateInDocument }] = await Promise.all([
    import('yaml'),
    import('../parse/index.js'),
  ]);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true }) as Document.Parsed;
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`, file, line);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 20 }) as unknown;
  } catch (err) {
    // Too many aliases (a billion-laughs config) or an alias before its anchor: the config's fault, with its reason.
    throw new ConfigError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`, file);
  }
  if (value === null || value === undefined) return {};
  const validate = await getValidator();
  if (!validate(value)) {
    // An unknown key explains a "missing required key" beside it (`ruleId` for `rule`): name the typo first.
    const errors = validate.errors ?? [];
    const err = errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0];
    const { message, path } = describeError(err, value);
    const span = locateInDocument(doc, lc, path, file);
    throw new ConfigError(`${file}${span ? `:${span.line}` : ''}: ${message}`, file, span?.line);
  }
  const config = value as Config;
  // The config lives in the repository under check: it may tune rules, never open the gate (src/rules/index.ts).
  const ruleProblem = validateRuleSettings(config, { customPolicies: typeof config.policy?.customDir === 'string' })[0];
  if (ruleProblem) {
    const span = locateInDocument(doc, lc, ruleProblem.path, file);
    throw new ConfigError(`${file}${span ? `:${span.line}` : ''}: ${ruleProblem.message}`, file, span?.line);
  }
  const exceptionProblem = validateExceptions(config.exceptions ?? [])[0];
  if (exceptionProblem) {
    const span = locateInDocument(doc, lc, exceptionProblem.path, file);
    throw new ConfigError(`${file}${span ? `:${span.line}` : ''}: ${exceptionProblem.message}`, file, span?.line);
  }
  // Remember where each exception stands so findings about it (expired, unused) can point at its line.
  config.exceptions?.forEach((entry, i) => {
    entry.line = locateInDocument(doc, lc, ['exceptions', i], file)?.line;
  });
  return config;
}

/**
 * What the schema's shapes cannot say of an exception: `expires` is a day of the calendar (`9999-99-99` matched the
 * pattern and, compared as text, never expired), and `reason` and `owner` say something (not only blanks).
 */
export function validateExceptions(
  exceptions: readonly ExceptionEntry[],
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  exceptions.forEach((e, i) => {
    if (typeof e.expires === 'string' && !isCalendarDay(e.expires))
      problems.push({
        path: ['exceptions', i, 'expires'],
        message: `exception ${i + 1} (${e.rule}): \`expires\` ${JSON.stringify(e.expires)} is not a day of the calendar (YYYY-MM-DD)`,
      });
    if (typeof e.reason === 'string' && e.reason.trim().length < 10)
      problems.push({
        path: ['exceptions', i, 'reason'],
        message: `exception ${i + 1} (${e.rule}): \`reason\` must say why in at least 10 characters besides blanks`,
      });
    if (typeof e.owner === 'string' && e.owner.trim() === '')
      problems.push({
        path: ['exceptions', i, 'owner'],
        message: `exception ${i + 1} (${e.rule}): \`owner\` is blank`,
      });
  });
  return problems;
}

function isCalendarDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function describeError(err: ErrorObject | undefined, value: unknown): { message: string; path: (string | number)[] } {
  if (!err) return { message: 'invalid config', path: [] };
  const path = pointerToPath(err.instancePath);
  const where = path.length > 0 ? path.join('.') : 'the top level';
  // A key of `rules:` that is not shaped like a rule id: name it and the closest registered id, not the regex.
  const badName = (err as ErrorObject & { propertyName?: string }).propertyName;
  if (badName !== undefined && path[path.length - 1] === 'rules') {
    const hint = suggest(
      badName.toUpperCase(),
      allRules().map((r) => r.id),
    );
    return {
      message: `\`rules\` names ${JSON.stringify(badName)}, which is not a rule id (KFM-<FAMILY>-<NNN>)${hint ? `; did you mean ${hint}?` : ''}`,
      path: [...path, badName],
    };
  }
  if (err.keyword === 'additionalProperties') {
    const key = String((err.params as { additionalProperty: string }).additionalProperty);
    const allowed = allowedKeys(err);
    const hint = allowed ? suggest(key, allowed) : undefined;
    const known =
      !hint && allowed && allowed.length > 0 && allowed.length <= 12
        ? ` (known keys: ${allowed.map((k) => `\`${k}\``).join(', ')})`
        : '';
    return {
      message: `unknown key \`${key}\` in ${where}${hint ? ` (did you mean \`${hint}\`?)` : known}`,
      path: [...path, key],
    };
  }
  if (err.keyword === 'type' && path.length === 0 && (typeof value !== 'object' || Array.isArray(value))) {
    return { message: 'the config must be a YAML mapping', path: [] };
  }
  if (err.keyword === 'enum') {
    return {
      message: `\`${where}\` must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      path,
    };
  }
  if (err.keyword === 'required') {
    return {
      message: `\`${where}\` is missing required key \`${(err.params as { missingProperty: string }).missingProperty}\``,
      path,
    };
  }
  return { message: `\`${where}\` ${err.message ?? 'is invalid'}`, path };
}

/** The keys the schema allows at the failing level, for a "did you mean" hint. */
function allowedKeys(err: ErrorObject): string[] | undefined {
  // `#/properties/kustomize/additionalProperties` in the top schema, or `config/schema.json/additionalProperties`
  // (also `config/schema.json#/…`) inside a section schema reached through a $ref.
  const ref = /^(config\/[^/#]+\.json)#?\/?(.*)$/.exec(err.schemaPath);
  const schemaPath = ref ? ref[2]! : err.schemaPath.replace(/^#\/?/, '');
  let schema: unknown = ref ? sectionSchemas.get(ref[1]!) : topSchema;
  const parts = schemaPath.split('/').filter(Boolean).slice(0, -1);
  for (const p of parts) {
    if (!schema || typeof schema !== 'object') return undefined;
    schema = (schema as Record<string, unknown>)[decodeURIComponent(p)];
  }
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : undefined;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
