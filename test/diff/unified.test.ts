/** The line diff the rendered diff uses (shared with promote, src/promote/diff.ts), through the properties `diff` relies on. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from '../../src/promote/diff.js';

const labels = { fromLabel: 'a', toLabel: 'b' };

describe('unified line diff used by `kfm-gitops diff`', () => {
  it('prints hunks with three lines of context and diff(1) line ranges', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const now = [...lines];
    now[4] = 'L5';
    now.push('l21');
    expect(unifiedDiff(`${lines.join('\n')}\n`, `${now.join('\n')}\n`, labels)).toBe(
      [
        '--- a',
        '+++ b',
        '@@ -2,7 +2,7 @@',
        ' l2',
        ' l3',
        ' l4',
        '-l5',
        '+L5',
        ' l6',
        ' l7',
        ' l8',
        '@@ -18,3 +18,4 @@',
        ' l18',
        ' l19',
        ' l20',
        '+l21',
        '',
      ].join('\n'),
    );
  });

  it('merges changes closer than twice the context into one hunk', () => {
    expect(unifiedDiff('a\nb\nc\nd\ne\nf\ng\n', 'a\nB\nc\nd\ne\nF\ng\n', labels)).toBe(
      '--- a\n+++ b\n@@ -1,7 +1,7 @@\n a\n-b\n+B\n c\n d\n e\n-f\n+F\n g\n',
    );
  });

  it('whole additions and removals count from line 0; equal texts give nothing', () => {
    expect(unifiedDiff('', 'x\ny\n', labels)).toBe('--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('x\n', '', labels)).toBe('--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n');
    expect(unifiedDiff('same\n', 'same\n', labels)).toBe('');
  });

  it('is a minimal edit script: equal+delete give the old lines, equal+insert the new, equal lines are a longest common subsequence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }),
        (a, b) => {
          const ops = diffLines(a, b);
          expect(ops.filter((e) => e.op !== 'insert').map((e) => e.line)).toEqual(a);
          expect(ops.filter((e) => e.op !== 'delete').map((e) => e.line)).toEqual(b);
          expect(ops.filter((e) => e.op === 'equal').length).toBe(lcsLength(a, b));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

function lcsLength(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  return dp[a.length][b.length];
}
