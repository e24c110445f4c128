/**
 * Budgets on custom code (issue 15, item 4): the repo's own Rego runs in a worker with a wall-time and a memory
 * limit per overlay; going over is the policy-engine guard finding naming the limit (exit 1). SIGTERM during such a
 * run ends it within a second with exit 130, no child process and no temp file left.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBin, repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
const hasOpa = existsSync(join(repoRoot, '.tools', 'bin', 'opa'));
const OVERLAY = 'apps/kfm-api/overlays/dev';
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

const rule = (body: string): string => `# METADATA
# title: Heavy
# custom:
#   id: KFM-CUSTOM-099
package custom.heavy

violations contains v if {
\t${body}
\tn < 0
\tv := {"id": "KFM-CUSTOM-099", "msg": "never", "resource": 0, "path": []}
}
`;
/** 4e10 iterations over two small ranges: CPU for hours, memory for a few MB. */
const CPU_HEAVY = rule(
  'n := count({x | some x in numbers.range(1, 200000); some y in numbers.range(1, 200000); x == y})',
);
/** Ten million numbers in one array: far beyond a small memory limit. */
const MEMORY_HEAVY = rule('n := count([x | some x in numbers.range(1, 10000000)])');

function repo(policy: string, limits: string): string {
  const { dir, cleanup } = tempCopy(infra);
  cleanups.push(cleanup);
  rmSync(join(dir, '.kfm-gitops'), { recursive: true, force: true });
  writeFileSync(join(dir, 'kfm-gitops.yaml'), `root: .\npolicy:\n  customDir: policies\n${limits}`);
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'heavy.rego'), policy);
  return dir;
}

interface Finding {
  ruleId: string;
  message: string;
  overlay?: string;
}
const findings = (stdout: string): Finding[] => (JSON.parse(stdout) as { findings: Finding[] }).findings;

describe.skipIf(!hasOpa)('custom policy budgets (needs the pinned opa)', () => {
  it('a CPU-heavy rule is stopped at policy.customTimeoutMs: the guard finding, exit 1', async () => {
    const dir = repo(CPU_HEAVY, '  customTimeoutMs: 1500\n');
    const started = Date.now();
    const r = await runCli(['check', '--overlay', OVERLAY, '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const guard = findings(r.stdout).filter((f) => f.ruleId === 'KFM-CONFIG-900');
    expect(guard).toHaveLength(1);
    expect(guard[0].overlay).toBe(OVERLAY);
    expect(guard[0].message).toContain('exceeded the time limit policy.customTimeoutMs (1500 ms)');
    // Rendering and compiling take a few seconds on a loaded machine; the rule alone would take hours.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('a memory-heavy rule is stopped at policy.customMaxMemoryMb: the guard finding, exit 1', async () => {
    const dir = repo(MEMORY_HEAVY, '  customMaxMemoryMb: 64\n');
    const r = await runCli(['check', '--overlay', OVERLAY, '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const guard = findings(r.stdout).filter((f) => f.ruleId === 'KFM-CONFIG-900');
    expect(guard).toHaveLength(1);
    expect(guard[0].message).toContain('exceeded the memory limit policy.customMaxMemoryMb (64 MB)');
  }, 90_000);

  it('a limit out of range is a config error (exit 2)', async () => {
    const dir = repo(CPU_HEAVY, '  customTimeoutMs: 0\n');
    const r = await runCli(['check', '--overlay', OVERLAY], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('customTimeoutMs');
  }, 60_000);

  it('SIGTERM during the heavy rule (default limits) ends the run within 1 s: exit 130, no child, no temp file', async () => {
    const dir = repo(CPU_HEAVY, '');
    const tmp = mkdtempSync(join(tmpdir(), 'kfm-sigterm-'));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const child = spawn(process.execPath, [cliBin, 'check', '--overlay', OVERLAY], {
      cwd: dir,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((res) => child.on('close', res));
    // The custom policies are compiled (their cache entry is written) just before they are evaluated.
    const policies = join(dir, '.kfm-gitops', 'cache', 'policies');
    const compiled = (): boolean =>
      existsSync(policies) && readdirSync(policies).some((h) => existsSync(join(policies, h, 'entry.mac')));
    for (let i = 0; i < 600 && !compiled(); i++) await new Promise((res) => setTimeout(res, 100));
    expect(compiled(), stderr).toBe(true);
    await new Promise((res) => setTimeout(res, 1500)); // well inside the evaluation (default limit 30 s)
    const children = childPids(child.pid!);
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await closed;
    const took = Date.now() - sent;
    expect(code, stderr).toBe(130);
    expect(took).toBeLessThan(1000);
    expect(stderr).toContain('interrupted');
    await new Promise((res) => setTimeout(res, 200));
    expect(children.filter(alive)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);
});

/** Direct children of `pid` (kfm-render workers, kustomize, opa), from `ps --ppid`. */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
