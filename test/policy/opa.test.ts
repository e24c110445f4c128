/** `opa test policies/`: the Rego unit tests beside every rule, run by the pinned opa when it is installed. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hasOpa, NO_OPA, opaBin, policiesDir } from './helpers.js';

const run = promisify(execFile);

describe.skipIf(!hasOpa)(`opa test policies/ (${hasOpa ? 'pinned opa' : NO_OPA})`, () => {
  it('passes every Rego test', async () => {
    const { stdout } = await run(opaBin, ['test', policiesDir, '--format', 'json'], { maxBuffer: 32 * 1024 * 1024 });
    const results = JSON.parse(stdout) as { name: string; fail?: boolean; error?: unknown }[];
    const failed = results.filter((r) => r.fail || r.error).map((r) => r.name);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  });

  it('formats the Rego sources canonically (opa fmt)', async () => {
    const { stdout } = await run(opaBin, ['fmt', '--list', policiesDir]);
    expect(stdout.trim()).toBe('');
  });
});
