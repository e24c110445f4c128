/**
 * Render-cache benchmark for `npm run bench`: a cold `check` against warm ones with nothing changed, each a fresh
 * CLI process as a developer or CI job runs it, so process start-up, config loading and the checks are in both
 * numbers and the ratio is the one a user sees. Cold means a fresh checkout: the root is copied to a temp folder
 * without its `.kfm-gitops/` caches (render, compiled schema validators, custom policies), and the warm runs reuse
 * that copy. Needs the built CLI (`npm run build`).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

export interface CheckTiming {
  ms: number;
  exitCode: number;
  overlays: number;
  rendered: number;
  cachedRenders: number;
}

export interface RenderCacheBench {
  root: string;
  cold: CheckTiming;
  /** Median of the warm runs. */
  warm: CheckTiming;
  warmRuns: number[];
  /** cold.ms / warm.ms. */
  speedup: number;
}

export interface RenderCacheBenchOptions {
  /** Desired-state root to check (absolute, or relative to the current folder); it is copied, never written. */
  root: string;
  /** Warm runs after the cold one (default 3). */
  warmRuns?: number;
  /** Extra `check` arguments, e.g. ['--kustomize', '/path/to/kustomize']. */
  args?: string[];
  /** The CLI entry to run with node (default: this package's bin/kfm-gitops.js). */
  cliBin?: string;
  env?: NodeJS.ProcessEnv;
}

export async function benchRenderCache(options: RenderCacheBenchOptions): Promise<RenderCacheBench> {
  const copy = mkdtempSync(join(tmpdir(), 'kfm-bench-root-'));
  cpSync(resolve(options.root), copy, { recursive: true, filter: (src) => basename(src) !== '.kfm-gitops' });
  const bin = options.cliBin ?? join(packageRoot(), 'bin', 'kfm-gitops.js');
  const run = (): Promise<CheckTiming> =>
    timeCheck(bin, [copy, '--format', 'json', ...(options.args ?? [])], options.env);
  try {
    const cold = await run();
    if (cold.cachedRenders !== 0)
      throw new Error(`the cold run was served ${cold.cachedRenders} renders from a cache that should be empty`);
    const warm: CheckTiming[] = [];
    for (let i = 0; i < Math.max(1, options.warmRuns ?? 3); i++) warm.push(await run());
    const median = [...warm].sort((a, b) => a.ms - b.ms)[Math.floor(warm.length / 2)];
    return {
      root: options.root,
      cold,
      warm: median,
      warmRuns: warm.map((w) => w.ms),
      speedup: Math.round((cold.ms / median.ms) * 10) / 10,
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function timeCheck(bin: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CheckTiming> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [bin, 'check', ...args],
      { env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const ms = Math.round(performance.now() - started);
        const exitCode = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        let report: { summary?: { overlays?: number; rendered?: number; cachedRenders?: number } };
        try {
          report = JSON.parse(stdout) as typeof report;
        } catch {
          reject(
            new Error(`check ${args[0]} printed no JSON report (exit ${exitCode}): ${String(stderr).split('\n')[0]}`),
          );
          return;
        }
        const s = report.summary ?? {};
        resolvePromise({
          ms,
          exitCode,
          overlays: s.overlays ?? 0,
          rendered: s.rendered ?? 0,
          cachedRenders: s.cachedRenders ?? 0,
        });
      },
    );
  });
}
