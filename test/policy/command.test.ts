/** `kfm-gitops policies list|test`, run in-process through commander with a recording CliIO. */
import { builtinCatalogue } from '../../src/checks/policy/index.js';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/policies.js';
import { CliError, type CliIO } from '../../src/cli/io.js';
import { fixtures, repoRoot, tempCopy } from '../helpers.js';
import { hasOpa, NO_OPA } from './helpers.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function cli(args: string[], cwd: string): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code: number | undefined;
  const io: CliIO = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: async () => '',
    isTTY: false,
    env: {},
    cwd,
  };
  const program = new Command().exitOverride();
  register(program, io, (c) => (code = c));
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    stderr += err.message;
    code = err.exitCode;
  }
  return { code, stdout, stderr };
}

describe('kfm-gitops policies', () => {
  it('list prints every built-in rule with its severity and title', async () => {
    const r = await cli(['policies', 'list'], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^KFM-ARGO-001 +error +AppProjects name their source repositories, destinations, source namespaces and kinds$/m,
    );
    expect(r.stdout).toMatch(/^KFM-RBAC-003 +warning +Wildcards in ClusterRoles$/m);
    expect(r.stdout.trim().split('\n')).toHaveLength(builtinCatalogue().rules.length);
  });

  it('list --json gives the catalogue with descriptions and remediations', async () => {
    const r = await cli(['policies', 'list', '--json'], repoRoot);
    const rules = JSON.parse(r.stdout);
    expect(rules.find((x: { id: string }) => x.id === 'KFM-TM-003')).toMatchObject({
      severity: 'error',
      source: 'built-in',
      file: 'policies/tm/store_namespace_default_deny.rego',
      remediation: expect.stringContaining('podSelector: {}'),
    });
  });

  it('test without policy.customDir is a usage error (exit 2) saying what to configure', async () => {
    const r = await cli(['policies', 'test', 'infra/gitops'], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('set `policy.customDir` in kfm-gitops.yaml');
  });

  describe.skipIf(!hasOpa)(`with opa (${hasOpa ? 'pinned opa' : NO_OPA})`, () => {
    it('test runs the custom policy tests and compiles them; list then includes the custom rules', async () => {
      const copy = tempCopy(join(fixtures, 'policy', 'custom'));
      cleanups.push(copy.cleanup);
      const r = await cli(['policies', 'test', '.'], copy.dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/PASS: \d+\/\d+/);
      expect(r.stdout).toContain('compiled for the WebAssembly host: 1 rule (KFM-CUSTOM-001)');
      const list = await cli(['policies', 'list', '.'], copy.dir);
      expect(list.stdout).toMatch(/custom:\nKFM-CUSTOM-001 +warning +Workloads name their owning team/);
    });
  });
});
