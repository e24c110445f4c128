/**
 * Issue 20: xlarge's time is judged against the large run recorded in bench/results/large.json (≤ 5.3×). The bench
 * writes down which run it paired with and how long before, so that the published ratio points at both runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairWithLarge } from '../../bench/pair.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kfm-pair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench: xlarge paired with the recorded large run (issue 20)', () => {
  it('divides the cold medians and names the large run it used', () => {
    writeFileSync(
      join(dir, 'large.json'),
      JSON.stringify({ startedAt: '2026-12-06T04:31:23.989Z', mediansMs: { cold: 24445 }, git: { head: 'abc' } }),
    );
    const paired = pairWithLarge(130456, dir, Date.parse('2026-12-06T06:01:23.989Z'));
    expect(paired).toEqual({
      value: 5.337,
      largeColdMs: 24445,
      largeStartedAt: '2026-12-06T04:31:23.989Z',
      largeGitHead: 'abc',
      hoursBefore: 1.5,
    });
  });

  it('pairs with nothing when there is no usable large run', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(pairWithLarge(130456, empty)).toBeNull();
    writeFileSync(join(empty, 'large.json'), '{ not json');
    expect(pairWithLarge(130456, empty)).toBeNull();
    writeFileSync(join(empty, 'large.json'), JSON.stringify({ mediansMs: { cold: null } }));
    expect(pairWithLarge(130456, empty)).toBeNull();
    expect(pairWithLarge(null, dir)).toBeNull();
  });
});
