/**
 * The ajv instance shared by every schema source of one Kubernetes release: formats as the API server reads them,
 * Go-compatible regular expressions, and the `x-kfm-unique` keyword for keyed lists.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { _, Name, type ErrorObject, type KeywordCxt } from 'ajv';
import { strConcat } from 'ajv/dist/compile/codegen/index.js';
import namesModule from 'ajv/dist/compile/names.js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { RE2JS } from 're2js';

export type Ajv = InstanceType<typeof Ajv2020>;

/**
 * One uniqueness rule of a keyed list. `keys` are the fields forming the key; `defaults` the values the API server
 * fills in for absent key fields before comparing; `optional` rules skip items lacking any key field.
 */
export interface UniqueRule {
  keys: string[];
  defaults?: Record<string, unknown>;
  optional?: boolean;
}

export const UNIQUE_KEYWORD = 'x-kfm-unique';

/**
 * Names under which standalone validator modules (the disk cache) import the runtime pieces below; the cache
 * module prepends `import { … } from '<this module>'` binding exactly these names.
 */
/** URL of this module, imported by cached standalone validators for the runtime pieces below. */
export const RUNTIME_URL = import.meta.url;

export const RUNTIME_NAMES = { formats: 'kfmFormats', regExp: 'kfmRegExp', unique: 'kfmUnique' } as const;

// ajv's generated-code variable names (vErrors, errors, instancePath); a CommonJS module with a default export.
// Interop differs between Node (module.exports, with the names under `default`) and bundlers (the names).
interface CodeNames {
  instancePath: Name;
  vErrors: Name;
  errors: Name;
}
const namesExport = namesModule as unknown as CodeNames & { default?: CodeNames };
const N: CodeNames = namesExport.default?.vErrors ? namesExport.default : namesExport;

/**
 * CRD patterns are Go RE2 syntax. Most compile as JavaScript regexes (faster); the rest (`(?i)…`, `\z`, POSIX
 * classes) go through re2js, which implements RE2 itself. A pattern neither accepts throws at compile time and
 * the schema is reported as unusable.
 */
export const regExpEngine = ((pattern: string, flags: string) => {
  try {
    return new RegExp(pattern, flags);
  } catch {
    const re = RE2JS.compile(pattern);
    // ajv keys compiled patterns by their string form: keep each one distinct.
    return { test: (s: string) => re.matcher(s).find(), toString: () => `re2:${pattern}` };
  }
}) as RegExpEngine;
regExpEngine.code = RUNTIME_NAMES.regExp;

const INT32 = 2 ** 31;
const INT64 = 2 ** 63;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const formats = {
  int32: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 },
  int64: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -INT64 && n < INT64 },
  float: { type: 'number' as const, validate: () => true },
  double: { type: 'number' as const, validate: () => true },
  // Go's base64 decoder (used for []byte fields such as Secret.data) skips CR and LF, so folded values are valid.
  byte: { type: 'string' as const, validate: (s: string) => BASE64.test(s.replace(/[\r\n]/g, '')) },
  'date-time': fullFormats['date-time'],
};

/** Formats the validator enforces; any other format name in a schema is ignored, as the API server does. */
export const ENFORCED_FORMATS = new Set(Object.keys(formats));

function itemKey(item: unknown, rule: UniqueRule): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const rec = item as Record<string, unknown>;
  const parts: unknown[] = [];
  for (const k of rule.keys) {
    let v = rec[k];
    if (v === undefined || v === null) v = rule.defaults?.[k];
    if ((v === undefined || v === null) && rule.optional) return undefined;
    parts.push(v ?? null);
  }
  return JSON.stringify(parts);
}

function describeKey(item: Record<string, unknown>, rule: UniqueRule): string {
  return rule.keys
    .map((k) => {
      const v = item[k] ?? rule.defaults?.[k];
      return rule.keys.length === 1 ? `\`${String(v)}\`` : `${k}=\`${String(v)}\``;
    })
    .join(', ');
}

function escapePointer(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Errors for keyed lists: the second entry with an already-seen key is an error located at its key field.
 * Called from generated code (see the keyword below), also from cached standalone modules.
 */
export function uniqueErrors(data: unknown, rules: UniqueRule[], instancePath: string): Partial<ErrorObject>[] | null {
  if (!Array.isArray(data) || data.length < 2) return null;
  let errors: Partial<ErrorObject>[] | null = null;
  for (const rule of rules) {
    const seen = new Map<string, number>();
    data.forEach((item, i) => {
      const key = itemKey(item, rule);
      if (key === undefined) return;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
        return;
      }
      const rec = item as Record<string, unknown>;
      const at = rule.keys.find((k) => rec[k] !== undefined) ?? '';
      (errors ??= []).push({
        keyword: UNIQUE_KEYWORD,
        instancePath: `${instancePath}/${i}${at ? `/${escapePointer(at)}` : ''}`,
        schemaPath: '',
        params: { keys: rule.keys, first, index: i, key: describeKey(rec, rule) },
        message: 'duplicate key',
      });
    });
  }
  return errors;
}

/**
 * `x-kfm-unique` as a code-generating keyword (not a `validate` callback) so that validators can be written out
 * as standalone modules: the generated code calls `uniqueErrors` and appends what it returns to ajv's errors.
 */
function uniqueKeywordCode(cxt: KeywordCxt): void {
  const { gen, data, it } = cxt;
  const fn = gen.scopeValue('func', { ref: uniqueErrors, code: new Name(RUNTIME_NAMES.unique) });
  const errs = gen.const('uErrs', _`${fn}(${data}, ${cxt.schemaValue}, ${strConcat(N.instancePath, it.errorPath)})`);
  gen.if(errs, () => {
    gen.if(
      _`${N.vErrors} === null`,
      () => gen.assign(N.vErrors, errs),
      () => gen.code(_`${N.vErrors}.push(...${errs})`),
    );
    gen.assign(N.errors, _`${N.vErrors}.length`);
  });
}

/**
 * ajv hands `new Function` its validator as `…return function validateN(…){…}`. V8 pre-parses such a function when
 * the code is compiled and parses it again in full on its first call; a CRD's validator is megabytes of generated
 * code, so the second parse was ~1 s of the ~5 s of schema CPU on redhat-cop/gitops-catalog (issue 20). In
 * parentheses, V8 compiles it eagerly in one pass (its heuristic for functions called at once). Only the exact
 * shape ajv writes for a root validator is rewritten; anything else is left as it is (it then compiles as before).
 */
export function eagerValidator(code: string, env?: { validateName?: unknown }): string {
  if (env?.validateName === undefined) return code;
  const marker = `return function ${String(env.validateName)}(`;
  const at = code.indexOf(marker);
  if (at < 0 || code.indexOf(marker, at + 1) >= 0 || !code.endsWith('}')) return code;
  return `${code.slice(0, at)}return (${code.slice(at + 'return '.length)})`;
}

export function createAjv(): Ajv {
  const ajv = new Ajv2020({
    allErrors: true,
    // Schemas come from CRDs written by others: unknown keywords and odd combinations must not abort compilation.
    strict: false,
    verbose: true,
    logger: false,
    validateFormats: true,
    formats,
    // `source` + `esm` let the disk cache write compiled validators out as modules (standalone code). No
    // optimisation pass over the generated code: it was a third of compiling a Deployment, the price of every cold
    // run, and won back ~1 µs per validated resource (issue 20, bench/schema.bench.mjs).
    code: {
      optimize: false,
      process: eagerValidator,
      regExp: regExpEngine,
      source: true,
      esm: true,
      formats: new Name(RUNTIME_NAMES.formats),
    },
  });
  ajv.addKeyword({
    keyword: UNIQUE_KEYWORD,
    type: 'array',
    schemaType: 'array',
    errors: true,
    code: uniqueKeywordCode,
  });
  return ajv;
}
