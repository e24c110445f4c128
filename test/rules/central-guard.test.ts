/**
 * Issue 13, item 7: the central guard. A check that throws, hangs past its budget or reports malformed findings
 * yields its own guard finding (severity error, the run fails) in `check` and in `validate` — never a pass.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failsAt, runCheck, runValidate } from '../../src/pipeline.js';
import type { Check, CheckContext, Report } from '../../src/types.js';
import { pinnedRenderer, repoRoot } from '../helpers.js';

const root = join(repoRoot, 'infra', 'gitops');

function broken(run: (ctx: CheckContext) => Promise<void>): Check {
  return {
    meta: {
      id: 'schema',
      description: 'a broken check',
      docsUrl: '',
      defaultSeverity: 'error',
      errorRuleId: 'KFM-SCHEMA-000',
    },
    rules: () => [],
    run,
  };
}

const throwing = broken(async () => {
  throw new Error('validator exploded');
});
const hanging = broken(() => new Promise<void>(() => undefined));
const malformedFindings = broken(async (ctx) => {
  const r = ctx.resources[0]!;
  ctx.report({ ruleId: 'not-a-rule', message: 'x', resource: r });
  ctx.report({ ruleId: 'KFM-SCHEMA-001', message: '', resource: r });
  ctx.report({ ruleId: 'KFM-SCHEMA-001', message: 'bad severity', severity: 'fatal' as never, resource: r });
  ctx.report(null as never);
});
/** The policy check may report custom ids, but not in a family reserved for built-in rules. */
const reservedFamily = { ...malformedFindings, meta: { ...malformedFindings.meta, id: 'policy' } };
reservedFamily.run = async (ctx) =>
  ctx.report({ ruleId: 'KFM-RENDER-999', message: 'spoof', resource: ctx.resources[0] });

const renderer = pinnedRenderer();
afterAll(() => renderer.dispose());

const base = { root, config: {}, kubernetesVersion: '1.35', toolVersion: 'test', checkBudgetMs: 1500 };

async function viaCheck(check: Check): Promise<Report> {
  return runCheck({
    ...base,
    checks: [check],
    renderer,
    concurrency: 2,
    timeoutMs: 60_000,
    origin: false,
    discover: { overlayGlobs: ['apps/kfm-api/overlays/dev'] },
  });
}

async function viaValidate(check: Check): Promise<Report> {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n';
  return runValidate({ ...base, checks: [check], inputs: [{ name: 'cm.yaml', text }] });
}

function expectGuard(report: Report, message: RegExp, ruleId = 'KFM-SCHEMA-000'): void {
  const guard = report.findings.filter((f) => f.ruleId === ruleId);
  expect(guard, JSON.stringify(report.findings)).toHaveLength(1);
  expect(guard[0]!.severity).toBe('error');
  expect(guard[0]!.message).toMatch(message);
  expect(failsAt(report, 'error')).toBe(true); // → exit 1
}

describe.each([
  ['check', viaCheck],
  ['validate', viaValidate],
])('the central guard in %s', (_mode, run) => {
  it('turns a check that throws into its guard finding', async () => {
    expectGuard(await run(throwing), /the schema check failed and could not vouch for anything: validator exploded/);
  });

  it('turns a check that hangs past its budget into its guard finding', async () => {
    const started = Date.now();
    expectGuard(await run(hanging), /did not finish within 2 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('turns malformed findings into the guard finding and drops them', async () => {
    const report = await run(malformedFindings);
    expectGuard(report, /reported 4 malformed findings, first a finding without a valid rule id/);
    expect(report.findings.filter((f) => f.ruleId === 'KFM-SCHEMA-001')).toEqual([]);
  });

  it('refuses a rule id of a reserved family the registry does not know', async () => {
    expectGuard(await run(reservedFamily), /unknown rule id KFM-RENDER-999/);
  });
});
