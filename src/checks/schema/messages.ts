/**
 * ajv errors → findings a person understands: a path made of segments (numbers for list indexes), a rule id per
 * kind of problem, and messages such as "unknown field `contaners`; did you mean `containers`?".
 */
import type { ErrorObject } from 'ajv';
import type { JsonPath } from '../../types.js';
import { UNIQUE_KEYWORD } from './ajv.js';
import { RULES, type SchemaRuleId } from '../../rules/schema.js';

export interface SchemaViolation {
  ruleId: SchemaRuleId;
  path: JsonPath;
  message: string;
}

/** Must match QUANTITY_PATTERN in scripts/schemas-sync.lib.mjs (tested). */
export const QUANTITY_PATTERN = '^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[KMGTPE]i|[mkMGTPE]|[eE][+-]?[0-9]+)?$';

/** JSON pointer → segments, list indexes as numbers (decided by the data, since a map key may look numeric). */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The known field closest to a misspelt one: same letters in another case, or a small edit distance. */
export function closestField(name: string, known: string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const budget = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = levenshtein(lower, k.toLowerCase());
    if (d < bestDist || (d === bestDist && best !== undefined && k < best)) {
      best = k;
      bestDist = d;
    }
  }
  return bestDist <= budget ? best : undefined;
}

function show(value: unknown): string {
  if (typeof value === 'string') return `\`${value.length > 60 ? `${value.slice(0, 57)}...` : value}\``;
  if (value === null) return '`null`';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  return `\`${String(value)}\``;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const TYPE_WORDS: Record<string, string> = { object: 'mapping', array: 'list' };

function expectedTypes(t: unknown): string {
  const list = (Array.isArray(t) ? t : String(t).split(',')).map(String).filter((x) => x !== 'null');
  const words = list.map((x) => TYPE_WORDS[x] ?? x);
  return words.length <= 1 ? (words[0] ?? 'null') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function schemaObjectsWithin(root: unknown, into: Set<unknown>): void {
  if (root === null || typeof root !== 'object' || into.has(root)) return;
  into.add(root);
  for (const v of Object.values(root as Record<string, unknown>)) schemaObjectsWithin(v, into);
}

function describeOne(err: ErrorObject, data: unknown): SchemaViolation {
  const base = pointerToPath(err.instancePath, data);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const props = (err.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const hint = props ? closestField(field, Object.keys(props)) : undefined;
      return {
        ruleId: RULES.unknownField,
        path: [...base, field],
        message: `unknown field \`${field}\`${hint ? `; did you mean \`${hint}\`?` : ''}`,
      };
    }
    case 'required':
      return {
        ruleId: RULES.missingField,
        path: [...base, String(p.missingProperty)],
        message: `missing required field \`${String(p.missingProperty)}\``,
      };
    case 'type': {
      const got = err.data;
      if (got === null) {
        // Null means absent: for a required field that is a missing field; for a list item an empty entry.
        const inList = typeof base[base.length - 1] === 'number';
        return {
          ruleId: inList ? RULES.invalidValue : RULES.missingField,
          path: base,
          message: `expected ${expectedTypes(p.type)}, got an empty value (null)${inList ? ': remove the empty list entry' : ': this field is required'}`,
        };
      }
      const shown =
        typeof got === 'string' ? ` \`${JSON.stringify(got)}\`` : typeof got === 'object' ? '' : ` ${show(got)}`;
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `expected ${expectedTypes(p.type)}, got ${typeName(got)}${shown}`,
      };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).filter((v) => v !== null).map(show);
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `${show(err.data)} is not one of ${allowed.join(', ')}`,
      };
    }
    case 'const':
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `must be ${show(p.allowedValue)}, got ${show(err.data)}`,
      };
    case 'pattern':
      if (p.pattern === QUANTITY_PATTERN) {
        return {
          ruleId: RULES.invalidValue,
          path: base,
          message: `${show(err.data)} is not a valid quantity (a number with an optional suffix, e.g. \`500m\`, \`2\`, \`1.5Gi\`, \`100M\`)`,
        };
      }
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `${show(err.data)} does not match the pattern \`${String(p.pattern)}\``,
      };
    case 'format': {
      const f = String(p.format);
      if (f === 'int32' || f === 'int64') {
        return {
          ruleId: RULES.invalidValue,
          path: base,
          message: `${show(err.data)} is out of range for a ${f === 'int32' ? '32' : '64'}-bit integer`,
        };
      }
      const what =
        f === 'byte' ? 'base64 data' : f === 'date-time' ? 'RFC 3339 date-time (e.g. `2024-05-01T12:00:00Z`)' : f;
      return { ruleId: RULES.invalidValue, path: base, message: `${show(err.data)} is not valid ${what}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '≥', maximum: '≤', exclusiveMinimum: '>', exclusiveMaximum: '<' }[err.keyword];
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `must be ${op} ${String(p.limit)}, got ${show(err.data)}`,
      };
    }
    case 'minLength':
    case 'maxLength':
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `must be at ${err.keyword === 'minLength' ? 'least' : 'most'} ${String(p.limit)} characters long, got ${(err.data as string).length}`,
      };
    case 'minItems':
    case 'maxItems':
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `must have at ${err.keyword === 'minItems' ? 'least' : 'most'} ${String(p.limit)} item(s), got ${(err.data as unknown[]).length}`,
      };
    case 'minProperties':
    case 'maxProperties':
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `must have at ${err.keyword === 'minProperties' ? 'least' : 'most'} ${String(p.limit)} field(s)`,
      };
    case 'multipleOf':
      return {
        ruleId: RULES.invalidValue,
        path: base,
        message: `must be a multiple of ${String(p.multipleOf)}, got ${show(err.data)}`,
      };
    case 'uniqueItems':
      return {
        ruleId: RULES.duplicateKey,
        path: [...base, Number(p.i)],
        message: `duplicate list item (same as item ${String(p.j)}); this list is a set`,
      };
    case UNIQUE_KEYWORD: {
      const listName = [...base].reverse().find((s) => typeof s === 'string' && !(p.keys as string[]).includes(s));
      return {
        ruleId: RULES.duplicateKey,
        path: base,
        message: `duplicate entry ${String(p.key)} in \`${String(listName ?? 'list')}\` (first at index ${String(p.first)})`,
      };
    }
    case 'anyOf':
    case 'oneOf':
      if (err.keyword === 'oneOf' && (p.passingSchemas as unknown) != null) {
        return {
          ruleId: RULES.invalidValue,
          path: base,
          message: 'matches more than one of the mutually exclusive forms (set only one of them)',
        };
      }
      return { ruleId: RULES.invalidValue, path: base, message: 'does not match any of the allowed forms' };
    case 'not':
      return { ruleId: RULES.invalidValue, path: base, message: 'matches a form that is not allowed here' };
    case 'false schema':
      return { ruleId: RULES.unknownField, path: base, message: 'field not allowed here' };
    default:
      return { ruleId: RULES.invalidValue, path: base, message: err.message ?? `fails \`${err.keyword}\`` };
  }
}

function isNullBranch(schema: unknown): boolean {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    (schema as Record<string, unknown>)['x-kfm-null-means-absent'] === true
  );
}

/**
 * Turns one validation's errors into violations. Errors raised inside the branches of a failed anyOf/oneOf are
 * folded into that error's message instead of being listed separately (they contradict each other by design).
 */
export function describeErrors(errors: ErrorObject[], data: unknown): SchemaViolation[] {
  const folded = new Map<ErrorObject, string[]>();
  const hidden = new Set<ErrorObject>();
  for (const err of errors) {
    // `anyOf: [$ref, null]` of an optional property (crd.ts nullableProperty): only the real branch's own errors
    // matter; the union itself and its null branch are noise.
    if (err.keyword === 'anyOf' && Array.isArray(err.schema) && err.schema.some(isNullBranch)) {
      hidden.add(err);
      for (const other of errors) {
        if (other.keyword === 'type' && isNullBranch(other.parentSchema)) hidden.add(other);
      }
      continue;
    }
    if ((err.keyword !== 'anyOf' && err.keyword !== 'oneOf' && err.keyword !== 'not') || !err.schema) continue;
    const within = new Set<unknown>();
    schemaObjectsWithin(err.schema, within);
    const reasons: string[] = [];
    for (const other of errors) {
      if (other === err || !within.has(other.parentSchema)) continue;
      hidden.add(other);
      const d = describeOne(other, data);
      reasons.push(d.message);
    }
    folded.set(err, reasons);
  }
  const out: SchemaViolation[] = [];
  const seen = new Set<string>();
  for (const err of errors) {
    if (hidden.has(err)) continue;
    const v = describeOne(err, data);
    const reasons = folded.get(err);
    if (reasons && reasons.length > 0) v.message += ` (${[...new Set(reasons)].slice(0, 3).join('; or ')})`;
    const key = `${v.ruleId}|${JSON.stringify(v.path)}|${v.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}
