/**
 * Issue 20: ajv's root validators are handed to V8 parenthesised, so a CRD's megabytes of generated code are parsed
 * once instead of twice. The rewrite must never change a verdict or an error, also when the schema itself (written
 * by whoever wrote the CRD) spells the very text the rewrite looks for.
 */
import { describe, expect, it } from 'vitest';
import { createAjv, eagerValidator, UNIQUE_KEYWORD } from '../../src/checks/schema/ajv.js';

/** What the check reads of a validation: the verdict and every error as ajv reports it. */
function outcome(compile: (schema: object) => ((data: unknown) => boolean) & { errors?: unknown }, schema: object) {
  const validate = compile(schema);
  return (data: unknown) => {
    const ok = validate(data);
    return { ok, errors: JSON.parse(JSON.stringify(validate.errors ?? null)) as unknown };
  };
}

function both(schema: object, docs: unknown[]): { eager: unknown[]; lazy: unknown[]; rewritten: number } {
  const eagerAjv = createAjv();
  let rewritten = 0;
  const process = eagerAjv.opts.code.process!;
  eagerAjv.opts.code.process = (code, env) => {
    const out = process(code, env);
    if (out !== code) rewritten++;
    return out;
  };
  const lazyAjv = createAjv();
  lazyAjv.opts.code.process = undefined;
  const eager = outcome((s) => eagerAjv.compile(s), schema);
  const lazy = outcome((s) => lazyAjv.compile(s), schema);
  return { eager: docs.map(eager), lazy: docs.map(lazy), rewritten };
}

// Property names and enum values the CRD author chose, including the rewrite's own marker and unbalanced braces.
const hostile = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        'return function validate0(': { type: 'string', pattern: '^[a-z]+$' },
        'return (function validate1(){})}': { type: 'integer', format: 'int32' },
        '}': {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' } } },
          [UNIQUE_KEYWORD]: [{ keys: ['name'] }],
        },
        mode: { type: 'string', enum: ['a', 'return function validate0(){}'] },
      },
    },
  },
};

describe('eagerValidator', () => {
  it('parenthesises the root validator ajv writes and nothing else', () => {
    expect(
      eagerValidator('const s = scope.schema[0];return function validate7(data){return true}', {
        validateName: 'validate7',
      }),
    ).toBe('const s = scope.schema[0];return (function validate7(data){return true})');
    // Not the shape it knows (another name, text after the function, the marker twice, no env): left alone.
    for (const [code, name] of [
      ['return function validate7(data){return true}', 'validate8'],
      ['return function validate7(data){return true};x()', 'validate7'],
      ['return function validate7(d){return "return function validate7("}', 'validate7'],
    ])
      expect(eagerValidator(code, { validateName: name })).toBe(code);
    expect(eagerValidator('return function validate7(){}')).toBe('return function validate7(){}');
  });

  it('gives the same verdicts and errors as the lazily compiled validator, on a schema spelling its marker', () => {
    const docs = [
      { spec: { 'return function validate0(': 'abc', mode: 'a' } },
      { spec: { 'return function validate0(': 'ABC', 'return (function validate1(){})}': 2 ** 40, mode: 'b' } },
      { spec: { '}': [{ name: 'x' }, { name: 'x' }], extra: true } },
      { spec: 'nope' },
      {},
    ];
    const { eager, lazy, rewritten } = both(hostile, docs);
    expect(eager).toEqual(lazy);
    expect(eager.map((o) => (o as { ok: boolean }).ok)).toEqual([true, false, false, false, false]);
    // The root validator was rewritten (the hostile names sit after the marker as string literals, not before it).
    expect(rewritten).toBeGreaterThan(0);
  });
});
