/** The cluster-scope data document is generated from the shipped schemas and must match them. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';

const run = promisify(execFile);

describe('policies/data/scopes.rego', () => {
  it('is what scripts/scopes-gen.mjs makes of schemas/ (every kind of the schemas classified)', async () => {
    const r = await run(process.execPath, [join(repoRoot, 'scripts', 'scopes-gen.mjs'), '--check']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
