/**
 * Listing and cache keys agree (issue 15, item 7). Inside and outside a Git work tree the run lists the same
 * files: a Secret in a file whose name holds a newline is found in both, and its name is escaped in the output.
 * The whole-run cache key covers the files the run reads: adding such a file, or changing a git-ignored file a
 * kustomization reads, after a clean warm run gives the finding, not the cached clean result.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
const OVERLAY = 'apps/kfm-api/overlays/dev';
const TOKEN = `ghp_${'Zk3mQ9xW2v'.repeat(3)}Lp7Rt5`;
const NAME = 'a\n::error file=x::b.yaml';
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

function copy(git: boolean): string {
  const { dir, cleanup } = tempCopy(infra);
  cleanups.push(cleanup);
  rmSync(join(dir, '.kfm-gitops'), { recursive: true, force: true });
  writeFileSync(join(dir, 'kfm-gitops.yaml'), 'root: .\n');
  if (git) {
    const g = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
    };
    g('init', '-q');
    g('add', '-A');
    g('commit', '-qm', 'base');
  }
  return dir;
}

interface Finding {
  ruleId: string;
  file?: string;
}
const check = (dir: string, format = 'json'): ReturnType<typeof runCli> =>
  runCli(['check', '--overlay', OVERLAY, '--format', format], { cwd: dir });
const findings = (stdout: string): Finding[] => (JSON.parse(stdout) as { findings: Finding[] }).findings;

describe.each([
  ['outside a Git work tree', false],
  ['inside a Git work tree (untracked file)', true],
])('%s', (_name, git) => {
  it('a Secret in a file named with a newline is found after a clean warm run, and escaped in text', async () => {
    const dir = copy(git);
    const clean = await check(dir);
    expect(clean.code, clean.stderr).toBe(0); // and the whole-run cache now holds the clean result
    writeFileSync(join(dir, 'apps/kfm-api/base', NAME), `token: ${TOKEN}\n`);
    const warm = await check(dir);
    expect(warm.code, warm.stdout).toBe(1);
    const planted = findings(warm.stdout).filter((f) => f.ruleId.startsWith('KFM-SEC'));
    expect(planted.map((f) => f.file)).toContain(`apps/kfm-api/base/${NAME}`);
    const text = await check(dir, 'text');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('a\\n::error file=x::b.yaml'); // a visible escape, not a line break
    expect(text.stdout.split('\n').some((l) => /^\s*::error file=x/.test(l))).toBe(false);
    expect(text.stdout).not.toContain(TOKEN);
  }, 120_000);
});

describe('a git-ignored file a kustomization reads', () => {
  it('invalidates the warm whole-run cache when it changes', async () => {
    const dir = copy(true);
    writeFileSync(join(dir, '.gitignore'), 'local-patch.yaml\n');
    const patch = (replicas: string): string =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kfm-api\nspec:\n  replicas: ${replicas}\n`;
    writeFileSync(join(dir, OVERLAY, 'local-patch.yaml'), patch('2'));
    const kustomization = join(dir, OVERLAY, 'kustomization.yaml');
    writeFileSync(
      kustomization,
      readFileSync(kustomization, 'utf8').replace('\npatches:\n', '\npatches:\n  - path: local-patch.yaml\n'),
    );
    const clean = await check(dir);
    expect(clean.code, clean.stdout).toBe(0);
    expect(execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: dir, encoding: 'utf8' })).toContain(
      '!! apps/kfm-api/overlays/dev/local-patch.yaml',
    );
    writeFileSync(join(dir, OVERLAY, 'local-patch.yaml'), patch('"two"'));
    const warm = await check(dir);
    expect(warm.code, warm.stdout).toBe(1);
    expect(findings(warm.stdout).map((f) => f.ruleId)).toContain('KFM-SCHEMA-001');
  }, 120_000);
});
