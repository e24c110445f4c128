/** Tool errors are one clear line, never a stack. */
import { describe, expect, it } from 'vitest';
import { oneLineError } from '../../src/cli/main.js';

describe('oneLineError', () => {
  it('says what failed on which path for a system error', () => {
    const err = Object.assign(new Error("EACCES: permission denied, open '/ci/report.json'"), {
      code: 'EACCES',
      syscall: 'open',
      path: '/ci/report.json',
    });
    expect(oneLineError(err)).toBe('cannot open /ci/report.json: permission denied (EACCES)');
  });

  it('gives an internal error its first message line only, the stack with KFM_DEBUG=1', () => {
    const err = new Error('boom\nsecond line');
    expect(oneLineError(err)).toBe('internal error: boom (KFM_DEBUG=1 prints the stack)');
    expect(oneLineError(err).split('\n')).toHaveLength(1);
    expect(oneLineError(err, true)).toMatch(/^internal error: boom\nError: boom/);
  });
});
