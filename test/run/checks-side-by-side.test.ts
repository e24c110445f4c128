/**
 * Issue 20: the checks of a run go side by side (src/run/checks.ts), so a check waiting on a thread of its own (the
 * policy check's WebAssembly worker) lets the others use this one. What must not change: every check still runs to
 * the end and reports, a failing check still gets its guard finding while the others report theirs, and a fatal
 * error (a broken installation: exit 2) goes up only once every check has settled.
 */
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/run/checks.js';
import type { Check, CheckContext, FindingInput } from '../../src/types.js';

function check(id: string, errorRuleId: string, run: (ctx: CheckContext) => Promise<void>): Check {
  return {
    meta: { id, description: id, docsUrl: '', defaultSeverity: 'error', errorRuleId },
    rules: () => [],
    run,
  };
}

const base = {
  root: '/nonexistent',
  config: {},
  overlays: [],
  resources: [],
  kubernetesVersion: '1.35',
  mode: 'check' as const,
};

const tick = (): Promise<void> => new Promise((res) => setImmediate(res));

describe('checks side by side', () => {
  it('runs a check while another waits, and keeps every finding and guard', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const waiting = check('policy', 'KFM-CONFIG-900', async (ctx) => {
      order.push('policy waits');
      await gate; // released by the schema check: only possible if the schema check runs meanwhile
      order.push('policy resumes');
      ctx.report({ ruleId: 'KFM-TM-001', message: 'from the waiting check' });
    });
    const working = check('schema', 'KFM-SCHEMA-000', async (ctx) => {
      await tick();
      order.push('schema works');
      ctx.report({ ruleId: 'KFM-SCHEMA-001', message: 'from the working check' });
      release();
    });
    const failing = check('secrets', 'KFM-SEC-900', async () => {
      await tick();
      throw new Error('scanner exploded');
    });
    const found: FindingInput[] = [];
    await runChecks([waiting, working, failing], base, (f) => found.push(f), { budgetMs: 5_000 });
    expect(order).toEqual(['policy waits', 'schema works', 'policy resumes']);
    expect(found.map((f) => f.ruleId).sort()).toEqual(['KFM-SCHEMA-001', 'KFM-SEC-900', 'KFM-TM-001']);
    expect(found.find((f) => f.ruleId === 'KFM-SEC-900')?.message).toMatch(/secrets check failed.*scanner exploded/);
  });

  it('raises a fatal error only after the other checks have settled', async () => {
    let finished = false;
    const fatal = check('policy', 'KFM-CONFIG-900', async () => {
      throw Object.assign(new Error('the policy bundle cannot be read'), { fatal: true });
    });
    const slow = check('schema', 'KFM-SCHEMA-000', async (ctx) => {
      for (let i = 0; i < 5; i++) await tick();
      ctx.report({ ruleId: 'KFM-SCHEMA-001', message: 'late' });
      finished = true;
    });
    const found: FindingInput[] = [];
    await expect(runChecks([fatal, slow], base, (f) => found.push(f), { budgetMs: 5_000 })).rejects.toThrow(
      /policy bundle cannot be read/,
    );
    expect(finished).toBe(true);
  });
});
