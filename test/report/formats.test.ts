/** The lazily loaded formats (src/report/formats.ts) are the registry's, name for name and output for output. */
import { describe, expect, it } from 'vitest';
import { FORMAT_NAMES, loadFormatter } from '../../src/report/formats.js';
import { FORMATTERS, formatNames } from '../../src/report/index.js';
import { sampleReport, sampleRules } from './sample.js';

describe('format loader', () => {
  it('knows the same formats as the registry and formats alike', async () => {
    expect([...FORMAT_NAMES]).toEqual(formatNames());
    // The hostile sample: findings whose texts every format must escape its own way.
    const report = sampleReport();
    for (const name of FORMAT_NAMES)
      expect((await loadFormatter(name))(report, { color: false, rules: sampleRules })).toBe(
        FORMATTERS[name]!(report, { color: false, rules: sampleRules }),
      );
    await expect(loadFormatter('yaml')).rejects.toThrow(/unknown format/);
  });
});
