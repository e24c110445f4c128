/**
 * The ajv instance shared by every schema source of one Kubernetes release: formats as the API server reads them,
 * Go-compatible regular expressions, and the `x-kfm-unique` keyword for keyed lists.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject } from 'ajv';
import type { DataValidationCxt, RegExpEngine } from 'ajv/dist/types/index.js';
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
 * CRD patterns are Go RE2 syntax. Most compile as JavaScript regexes (faster); the rest (`(?i)…`, `\z`, POSIX
 * classes) go through re2js, which implements RE2 itself. A pattern neither accepts throws at compile time and
 * the schema is reported as unusable.
 */
const regExpEngine = ((pattern: string, flags: string) => {
  try {
    return new RegExp(pattern, flags);
  } catch {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.matcher(s).find() };
  }
}) as RegExpEngine;
regExpEngine.code = 'new RegExp';

const INT32 = 2 ** 31;
const INT64 = 2 ** 63;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const formats = {
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

/** Validates keyed lists: the second entry with an already-seen key is an error located at its key field. */
function validateUnique(
  this: unknown,
  rules: UniqueRule[],
  data: unknown,
  _parent?: AnySchemaObject,
  cxt?: DataValidationCxt,
): boolean {
  if (!Array.isArray(data) || data.length < 2) return true;
  const errors: Partial<ErrorObject>[] = [];
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
      errors.push({
        keyword: UNIQUE_KEYWORD,
        instancePath: `${cxt?.instancePath ?? ''}/${i}${at ? `/${escapePointer(at)}` : ''}`,
        params: { keys: rule.keys, first, index: i, key: describeKey(rec, rule) },
        message: 'duplicate key',
      });
    });
  }
  (validateUnique as unknown as { errors: unknown }).errors = errors;
  return errors.length === 0;
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
    code: { regExp: regExpEngine },
  });
  ajv.addKeyword({ keyword: UNIQUE_KEYWORD, type: 'array', schemaType: 'array', errors: true, validate: validateUnique });
  return ajv;
}
