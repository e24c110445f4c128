/**
 * The output formats by name, each formatter loaded when it is used: the registry (src/report/index.ts) imports
 * every formatter and chalk, which a warm `check --format json` (CI's format) never needs — a tenth of its CPU —
 * and `text` needs none of the others.
 */
import type { Formatter } from './index.js';

/** The names `formatNames()` gives (test/report/formats.test.ts keeps the two equal). */
export const FORMAT_NAMES: readonly string[] = ['text', 'json', 'sarif', 'junit', 'tap', 'github'];

export async function loadFormatter(name: string): Promise<Formatter> {
  if (name === 'json') {
    const { formatJson } = await import('./json.js');
    return (report) => formatJson(report);
  }
  // The default format, on every interactive run: its own module, not the registry's five others.
  if (name === 'text') {
    const { formatText } = await import('./text.js');
    return (report, options) => formatText(report, options);
  }
  const formatter = (await import('./index.js')).FORMATTERS[name];
  if (!formatter) throw new Error(`unknown format ${JSON.stringify(name)}`);
  return formatter;
}
