/**
 * Exceptions from kfm-gitops.yaml: reviewed, owned, expiring suppressions, finer than per-object (a JSON path
 * prefix or a container name). Pure: findings in, findings out.
 */
import type { ExceptionEntry } from '../config/types.js';
import type { Finding, Resource } from '../types.js';
import { pathStartsWith, parsePath } from '../parse/path.js';
import { matchesAny } from '../util/glob.js';
import { EXCEPTION_EXPIRED, EXCEPTION_UNUSED } from '../rules/config.js';
import { isGuard } from '../rules/index.js';
import { redactSuppression } from '../redact/index.js';

export interface ExceptionOutcome {
  findings: Finding[];
  suppressed: Finding[];
  /** Findings about the exceptions themselves (expired, unused), not yet fingerprinted. */
  problems: { ruleId: typeof EXCEPTION_EXPIRED | typeof EXCEPTION_UNUSED; message: string; line?: number }[];
}

/** `today` is YYYY-MM-DD; an exception applies through its expiry day. */
export function applyExceptions(
  findings: Finding[],
  exceptions: ExceptionEntry[],
  options: {
    today: string;
    /** Name of the container a finding points into (see containerNameAt), for `container:` selectors. */
    containerOf: (f: Finding) => string | undefined;
    reportUnused: boolean;
  },
): ExceptionOutcome {
  const used = new Set<number>();
  const kept: Finding[] = [];
  const suppressed: Finding[] = [];
  const active = exceptions.map((e) => e.expires >= options.today);
  for (const finding of findings) {
    // A guard finding ("not checked") is never excepted, even when a config reached here without validation.
    const idx = isGuard(finding.ruleId)
      ? -1
      : exceptions.findIndex((e, i) => active[i] && matches(e, finding, options.containerOf));
    if (idx === -1 || finding.suppressed) {
      (finding.suppressed ? suppressed : kept).push(finding);
      continue;
    }
    used.add(idx);
    const e = exceptions[idx];
    suppressed.push({
      ...finding,
      suppressed: redactSuppression({ by: 'exception' as const, reason: e.reason, owner: e.owner, expires: e.expires }),
    });
  }
  const problems: ExceptionOutcome['problems'] = [];
  exceptions.forEach((e, i) => {
    if (!active[i]) {
      problems.push({
        ruleId: EXCEPTION_EXPIRED,
        message: `exception for ${e.rule} (owner ${e.owner}) expired on ${e.expires}: ${e.reason}`,
        line: e.line,
      });
    } else if (!used.has(i) && options.reportUnused) {
      problems.push({
        ruleId: EXCEPTION_UNUSED,
        message: `exception for ${e.rule} (owner ${e.owner}) matched no finding; remove it`,
        line: e.line,
      });
    }
  });
  return { findings: kept, suppressed, problems };
}

function matches(e: ExceptionEntry, f: Finding, containerOf: (f: Finding) => string | undefined): boolean {
  if (e.rule !== f.ruleId) return false;
  if (e.overlay && !(f.overlay && matchesAny(f.overlay, [e.overlay]))) return false;
  if (e.resource) {
    const r = f.resource;
    if (!r) return false;
    if (e.resource.kind && e.resource.kind !== r.kind) return false;
    if (e.resource.namespace && e.resource.namespace !== r.namespace) return false;
    if (e.resource.name && e.resource.name !== r.name) return false;
  }
  if (e.path && !(f.path && pathStartsWith(f.path, e.path))) return false;
  if (e.container) {
    const name = containerOf(f);
    if (name !== e.container) return false;
  }
  return true;
}

/** Name of the container a finding's path points into (`…containers[2]…` → that container's `name`). */
export function containerNameAt(f: Finding, resource: Resource | undefined): string | undefined {
  if (!f.path || !resource) return undefined;
  const segs = parsePath(f.path);
  if (!segs) return undefined;
  const at = segs.findIndex(
    (s, i) => typeof s === 'string' && /^(initC|ephemeralC|c)ontainers$/.test(s) && typeof segs[i + 1] === 'number',
  );
  if (at === -1) return undefined;
  let cur: unknown = resource.object;
  for (const seg of segs.slice(0, at + 2)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  const name = (cur as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}
