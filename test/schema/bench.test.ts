/** The benchmark helper measures what it claims: valid generated resources of several kinds, three passes. */
import { describe, expect, it } from 'vitest';
import { generateResources, runSchemaBench } from '../../bench/lib/schema.js';

describe('schema benchmark helper', () => {
  it('generates the requested number of resources over several kinds', () => {
    const resources = generateResources(5000);
    expect(resources).toHaveLength(5000);
    expect(new Set(resources.map((r) => r.id.kind)).size).toBe(7);
  });

  it('reports cold, cold-with-disk-cache and warm throughput on resources that are all valid', async () => {
    const result = await runSchemaBench({ count: 210 });
    for (const p of [result.cold, result.coldDisk, result.warm]) {
      expect(p).toMatchObject({ resources: 210, violations: 0 });
      expect(p.perSecond).toBeGreaterThan(0);
    }
    expect(result.release).toBe('1.37');
  });
});
