import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from '../../src/select/unified-diff.js';

describe('unifiedDiff', () => {
  it('prints hunks with three lines of context and diff(1) line ranges', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const now = [...lines];
    now[4] = 'L5';
    now.push('l21');
    expect(unifiedDiff(`${lines.join('\n')}\n`, `${now.join('\n')}\n`)).toBe(
      ['@@ -2,7 +2,7 @@', ' l2', ' l3', ' l4', '-l5', '+L5', ' l6', ' l7', ' l8', '@@ -18,3 +18,4 @@', ' l18', ' l19', ' l20', '+l21', ''].join('\n'),
    );
  });

  it('merges changes closer than twice the context into one hunk', () => {
    const old = 'a\nb\nc\nd\ne\nf\ng\n';
    expect(unifiedDiff(old, 'a\nB\nc\nd\ne\nF\ng\n')).toBe('@@ -1,7 +1,7 @@\n a\n-b\n+B\n c\n d\n e\n-f\n+F\n g\n');
  });

  it('whole additions and removals count from line 0', () => {
    expect(unifiedDiff('', 'x\ny\n')).toBe('@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('x\n', '')).toBe('@@ -1 +0,0 @@\n-x\n');
    expect(unifiedDiff('same\n', 'same\n')).toBe('');
  });

  it('is a correct edit script: keeping " " and "-" gives the old lines, " " and "+" the new ones', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), (a, b) => {
        const edits = diffLines(a, b);
        expect(edits.filter((e) => e.op !== '+').map((e) => e.line)).toEqual(a);
        expect(edits.filter((e) => e.op !== '-').map((e) => e.line)).toEqual(b);
        // Minimal: the kept lines are a longest common subsequence.
        expect(edits.filter((e) => e.op === ' ').length).toBe(lcsLength(a, b));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

function lcsLength(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  return dp[a.length][b.length];
}
