/**
 * Runs the checks behind the central guard: a check that throws, overruns its time budget or reports a malformed
 * finding yields its own guard finding (`meta.errorRuleId`), so no check can pass a run by failing. Also the head
 * start: checks' optional start/observe hints while overlays render.
 */
import { familyOf, reservedFamilies, ruleById } from '../rules/index.js';
import type { Check, CheckContext, FindingInput, RenderedOverlay, Severity, StartContext } from '../types.js';

/** Default wall-time budget of one check for a whole run; a hung check must not hang CI or pass it. */
export const DEFAULT_CHECK_BUDGET_MS = 15 * 60 * 1000;

const SEVERITIES: ReadonlySet<string> = new Set(['error', 'warning', 'info']);
const RULE_ID = /^KFM-[A-Z]+-[0-9]{3}$/;

/** Why a finding input cannot be used as reported, or undefined when it is well formed. */
export function malformed(f: unknown, check: Check): string | undefined {
  if (typeof f !== 'object' || f === null) return 'a finding that is not an object';
  const input = f as Partial<FindingInput>;
  if (typeof input.ruleId !== 'string' || !RULE_ID.test(input.ruleId)) return 'a finding without a valid rule id';
  // Only the policy check reports ids outside the registry: the repo's custom policies, in families of their own.
  if (!ruleById(input.ruleId) && (check.meta.id !== 'policy' || reservedFamilies().has(familyOf(input.ruleId))))
    return `a finding with the unknown rule id ${input.ruleId}`;
  if (typeof input.message !== 'string' || input.message.trim() === '')
    return `a ${input.ruleId} finding without a message`;
  if (input.severity !== undefined && !SEVERITIES.has(input.severity))
    return `a ${input.ruleId} finding with severity ${JSON.stringify(input.severity)}`;
  if (input.path !== undefined && !Array.isArray(input.path)) return `a ${input.ruleId} finding with a malformed path`;
  if (input.resource !== undefined && (typeof input.resource !== 'object' || !input.resource?.id))
    return `a ${input.ruleId} finding with a malformed resource`;
  return undefined;
}

export async function runChecks(
  checks: Check[],
  base: Omit<CheckContext, 'report'>,
  add: (f: FindingInput, fallbackSeverity: Severity) => void,
  options: { budgetMs?: number } = {},
): Promise<void> {
  const budgetMs = options.budgetMs ?? DEFAULT_CHECK_BUDGET_MS;
  // Checks run side by side. Their work in this process only interleaves (each yields now and then), but a check
  // waiting on a thread of its own (the policy check's WebAssembly worker) lets the others use this one meanwhile:
  // after the last render, the machine's other core is free. Findings are sorted when the report is made, and no two
  // checks report the same rule, so the report does not depend on the interleaving.
  // All settle before a fatal error or an interrupt goes up: nothing of this run keeps working behind the CLI's exit.
  const outcomes = await Promise.allSettled(checks.map((check) => runOne(check, base, add, budgetMs)));
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
}

async function runOne(
  check: Check,
  base: Omit<CheckContext, 'report'>,
  add: (f: FindingInput, fallbackSeverity: Severity) => void,
  budgetMs: number,
): Promise<void> {
  const guard = (message: string): void => add({ ruleId: check.meta.errorRuleId, message, severity: 'error' }, 'error');
  let open = true;
  let firstMalformed: string | undefined;
  let malformedCount = 0;
  const ctx: CheckContext = {
    ...base,
    report: (f) => {
      if (!open) return; // a check that overran its budget no longer reports
      const problem = malformed(f, check);
      if (problem) {
        firstMalformed ??= problem;
        malformedCount++;
        return;
      }
      add(f, check.meta.defaultSeverity);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<'overrun'>((res) => {
    timer = setTimeout(() => res('overrun'), budgetMs);
  });
  // SIGINT/SIGTERM: stop waiting for the check at once (it stops its own workers on the same signal).
  const signal = base.signal;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<'interrupted'>((res) => {
    onAbort = () => res('interrupted');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([check.run(ctx).then(() => 'done' as const), overrun, interrupted]);
    if (outcome === 'interrupted') throw new Error('interrupted');
    if (outcome === 'overrun')
      guard(
        `the ${check.meta.id} check did not finish within ${Math.round(budgetMs / 1000)} s and could not vouch for anything`,
      );
  } catch (err) {
    if (signal?.aborted) throw err; // no verdict at all: the CLI exits 130
    // A broken installation (e.g. an unreadable policy bundle) is not a finding about the repo: exit 2.
    if (err instanceof Error && (err as { fatal?: boolean }).fatal === true) throw err;
    guard(
      `the ${check.meta.id} check failed and could not vouch for anything: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    open = false;
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  if (firstMalformed)
    guard(
      `the ${check.meta.id} check reported ${malformedCount === 1 ? '' : `${malformedCount} malformed findings, first `}${firstMalformed}; its verdict cannot be trusted`,
    );
}

/**
 * Calls the checks' optional `start` once they are loaded and `observe` for every overlay rendered (replaying the
 * ones that rendered before the checks loaded). Both are hints: a throw is ignored, `run` still does everything.
 */
export function headStart(loading: Promise<Check[]>, ctx: StartContext): { observe: (r: RenderedOverlay) => void } {
  let loaded: Check[] | undefined;
  const early: RenderedOverlay[] = [];
  const observe = (checks: Check[], r: RenderedOverlay): void => {
    if (r.resources.length === 0) return;
    for (const c of checks) {
      try {
        c.observe?.(r, ctx);
      } catch {
        // run() decides
      }
    }
  };
  loading.then(
    (checks) => {
      for (const c of checks) {
        try {
          c.start?.(ctx);
        } catch {
          // run() decides
        }
      }
      loaded = checks;
      for (const r of early.splice(0)) observe(checks, r);
    },
    () => undefined,
  );
  return {
    observe: (r) => {
      if (loaded) observe(loaded, r);
      else early.push(r);
    },
  };
}
