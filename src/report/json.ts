import type { Report } from '../types.js';

/** The DESIGN.md JSON contract; `suppressed` and `skipped` are listed for audit. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
