import type { Report } from '../types.js';
import { groupsView } from './groups.js';

/**
 * The DESIGN.md JSON contract: one entry per overlay in `findings` (for machines, baselines, fingerprints), plus
 * `groups`, the same findings merged by rule, file, line and message (one entry per place to fix, with the overlays
 * and envs it affects). `suppressed` and `skipped` are listed for audit.
 */
export function formatJson(report: Report): string {
  return `${JSON.stringify({ ...report, groups: groupsView(report) }, null, 2)}\n`;
}
