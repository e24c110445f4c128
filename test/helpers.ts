/** Shared test helpers: temp copies of fixtures, the shared folder, running the built CLI. */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { KustomizeRenderer } from '../src/render/kustomize.js';
import type { Check, CheckContext, RenderedOverlay, Resource } from '../src/types.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const fixtures = join(repoRoot, 'fixtures');
export const sharedDir = join(repoRoot, '..', 'shared');
export const hasShared = existsSync(sharedDir);
export const kustomizeBin = join(repoRoot, '.tools', 'bin', 'kustomize');
export const cliBin = join(repoRoot, 'bin', 'kfm-gitops.js');

/** Copies a fixture (or any folder) to a fresh temp dir; tests that mutate never touch the committed copy. */
/** The 1-based line of `text` holding `needle` first (0 when none does): where a finding on that line points. */
export function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

export function tempCopy(src: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-test-'));
  cpSync(src, dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs git in `cwd` as a test author (no hooks, C locale); its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
}

/** Every file under `dir`, recursively (none when it does not exist): what a run left behind. */
export function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => (statSync(join(dir, e)).isDirectory() ? filesUnder(join(dir, e)) : [join(dir, e)]));
}

/** `-o` arguments writing a report of every format under `dir` (r.json, r.sarif, r.xml, r.txt, r.log). */
export function everyReportFile(dir: string): string[] {
  return ['json=r.json', 'sarif=r.sarif', 'junit=r.xml', 'github=r.txt', 'text=r.log'].flatMap((spec) => {
    const [format, name] = spec.split('=');
    return ['-o', `${format}=${dir}/${name}`];
  });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Stderr without the 5-second progress lines a slow (shared) machine may add off a terminal (src/cli/progress.ts):
 * tests that expect a quiet stderr are about warnings, not about how long the run took.
 */
export function withoutProgress(stderr: string): string {
  return stderr.replace(/^kfm-gitops: (?:rendered \d+\/\d+ overlays|discovering overlays).*\n/gm, '');
}

/** Spawns the built CLI (bin → dist), as a user would. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cliBin, ...args],
      {
        cwd: options.cwd ?? repoRoot,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr: withoutProgress(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** The project's own pinned kustomize (built by `npm run tools`), without resolving anything. */
export function pinnedRenderer(): KustomizeRenderer {
  return new KustomizeRenderer({
    file: kustomizeBin,
    prefixArgs: [],
    source: 'flag',
    display: kustomizeBin,
    version: 'v5.7.1',
  });
}

/** A stand-in check for pipeline tests: reports whatever `report` emits for each Deployment. */
export function deploymentProbe(report: (resource: Resource, ctx: CheckContext) => void): Check {
  return {
    meta: {
      id: 'probe',
      description: 'test probe',
      docsUrl: '',
      defaultSeverity: 'error',
      errorRuleId: 'KFM-SCHEMA-000',
    },
    rules: () => [],
    async run(ctx) {
      for (const r of ctx.resources) if (r.id.kind === 'Deployment') report(r, ctx);
    },
  };
}

/** PIDs of processes whose command line holds `marker` (empty when none): proves children were killed. */
export function processesWith(marker: string): string {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/**
 * Runs the CLI with `args`, waits until a process whose command line holds `marker` runs (the fake renderer), sends
 * SIGINT, and proves the interrupt contract: exit 130, "interrupted" on stderr, no process left, no temp folder left.
 */
export async function expectCleanInterrupt(args: string[], marker: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'kfm-sigint-'));
  const child = spawn(process.execPath, [cliBin, ...args], {
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100 && processesWith(marker) === ''; i++) await new Promise((res) => setTimeout(res, 100));
  expect(processesWith(marker)).not.toBe('');
  child.kill('SIGINT');
  const code = await new Promise<number | null>((res) => child.on('close', res));
  expect(code).toBe(130);
  expect(stderr).toContain('interrupted');
  await new Promise((res) => setTimeout(res, 300));
  expect(processesWith(marker)).toBe('');
  expect(readdirSync(tmp)).toEqual([]);
}

/**
 * Counts reads of the overlays' resource objects, as packed shells would unpack them (run/pack.ts): the pre-pass
 * tests check that run() does not read again what a check already took while the overlay rendered.
 */
export function countObjectReads(list: RenderedOverlay[]): { reads: () => number; reset: () => void } {
  let reads = 0;
  for (const r of list)
    r.resources = r.resources.map((res): Resource => {
      const object = res.object;
      const shell = { ...res };
      Object.defineProperty(shell, 'object', {
        get: () => {
          reads++;
          return object;
        },
      });
      return shell;
    });
  return { reads: () => reads, reset: () => (reads = 0) };
}

/** A CRD claiming the built-in apps/v1 Deployment with a schema that lets anything through. */
export const PERMISSIVE_DEPLOYMENT_CRD = [
  'apiVersion: apiextensions.k8s.io/v1',
  'kind: CustomResourceDefinition',
  'metadata:',
  '  name: deployments.apps',
  'spec:',
  '  group: apps',
  '  scope: Namespaced',
  '  names: {kind: Deployment, plural: deployments}',
  '  versions:',
  '    - name: v1',
  '      served: true',
  '      storage: true',
  '      schema:',
  '        openAPIV3Schema:',
  '          type: object',
  '          x-kubernetes-preserve-unknown-fields: true',
  '',
].join('\n');
