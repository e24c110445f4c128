/**
 * `kfm-gitops diff --base <ref>`: what a change does to the rendered manifests, offline. Every overlay affected
 * since the merge-base with <ref> (same rules as `check --changed-since`) is rendered twice — at the merge-base,
 * in a temporary detached `git worktree`, and in the current work tree — and compared resource by resource.
 * The worktree is removed in a finally block, also when SIGINT/SIGTERM interrupts the run, then `git worktree
 * prune` drops any record a killed run left. Exit 0 when the diff was produced, 1 when an overlay could not be
 * rendered on one side (shown in the output), 2 when the diff could not be computed at all, 130 when interrupted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config/types.js';
import { discoverOverlays } from '../../discover/index.js';
import { renderOverlay } from '../../render/overlay.js';
import { CachingRenderer, renderCacheDir } from '../../render/cache.js';
import { createRenderer } from '../../render/create.js';
import type { Renderer } from '../../render/types.js';
import { globalChange } from '../../select/changed.js';
import { addWorktree, changedFilesSince, GitError, type ChangedFiles, type Worktree } from '../../select/git.js';
import { affects, overlayDeps } from '../../select/graph.js';
import {
  diffOverlay,
  formatDiffMarkdown,
  formatDiffText,
  type DiffSide,
  type RenderedDiff,
  SECRET_MASK,
} from '../../select/rendered-diff.js';
import type { FindingInput, Overlay } from '../../types.js';
import { mapPool } from '../../util/pool.js';
import { kustomizeFor, loadContext, parsePositiveInt, parsePositiveNumber } from '../context.js';
import { CliError, type CliIO } from '../io.js';
import { allowWritesUnder } from '../../util/atomic-write.js';
import { Redactor } from '../../redact/index.js';

interface DiffFlags {
  base: string;
  config?: string;
  kustomize?: string;
  format?: string;
  timeout?: string;
  concurrency?: string;
  cache?: boolean;
  cacheDir?: string;
  exitCode?: boolean;
}

const FORMATS = ['text', 'markdown'];

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('diff')
    .description(
      'render every overlay affected since a Git ref, at that ref (temporary worktree) and now, and print the per-resource diff',
    )
    .argument('[root]', 'desired-state root (default: `root` from kfm-gitops.yaml, else infra/gitops)')
    .requiredOption('--base <ref>', 'Git ref to compare with (its merge-base with HEAD), e.g. origin/main or HEAD~1')
    .option('-c, --config <file>', 'config file')
    .option('--kustomize <cmd>', 'kustomize command to run')
    .option('-f, --format <format>', 'text or markdown (for a pull-request comment)', 'text')
    .option('--timeout <seconds>', 'per-overlay render timeout (default 60)')
    .option('--concurrency <n>', 'overlays rendered at once (default: CPU count)')
    .option(
      '--exit-code',
      'exit 1 when the rendered state changed (as `git diff --exit-code`); without it only a render failure exits 1',
    )
    .option('--no-cache', 'neither read nor write the render cache')
    .option('--cache-dir <dir>', 'cache folder (default: cache.dir from the config, else <root>/.kfm-gitops/cache)')
    .action(async (rootArg: string | undefined, flags: DiffFlags) => {
      if (!FORMATS.includes(flags.format ?? 'text'))
        throw new CliError(`diff --format takes ${FORMATS.join(' or ')}, not ${JSON.stringify(flags.format)}`);
      const ctx = await loadContext(io, { config: flags.config, root: rootArg });
      if (flags.cacheDir) allowWritesUnder([resolve(io.cwd, flags.cacheDir)]);
      const config: Config = flags.cacheDir
        ? { ...ctx.config, cache: { ...ctx.config.cache, dir: resolve(io.cwd, flags.cacheDir) } }
        : ctx.config;
      const timeoutS = parsePositiveNumber('--timeout', flags.timeout) ?? config.kustomize?.timeoutSeconds ?? 60;
      const concurrency =
        parsePositiveInt('--concurrency', flags.concurrency) ?? config.concurrency ?? Math.max(1, cpus().length);
      const kustomize = await kustomizeFor(io, config, flags.kustomize, ctx.root);
      const plain = createRenderer(kustomize, concurrency);
      const renderer: Renderer =
        flags.cache !== false && config.cache?.enabled !== false
          ? new CachingRenderer(plain, { dir: renderCacheDir(ctx.root, config) })
          : plain;

      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      // `on`, not `once`: a second Ctrl-C during cleanup must not kill the process before the worktree is gone.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let worktree: Worktree | undefined;
      try {
        const changes = await changedFilesSince(ctx.root, flags.base, { signal: abort.signal });
        worktree = await addWorktree(changes.top, changes.base, { signal: abort.signal });
        const baseRoot = join(worktree.dir, relative(changes.top, changes.root));
        const diff = await renderedDiff({
          root: ctx.root,
          baseRoot,
          config,
          configFile: ctx.configFile,
          changes,
          renderer,
          timeoutMs: timeoutS * 1000,
          concurrency,
          signal: abort.signal,
        });
        if (abort.signal.aborted) throw new CliError('interrupted: no diff printed', 130);
        // Secrets' own values are keyed hashes already (rendered-diff.ts); their copies elsewhere and credentials
        // of a known format in any resource are masked here, the render errors (kustomize quotes patches) whole.
        for (const o of diff.overlays) for (const e of o.errors) e.message = diff.redactor.redact(e.message);
        const text = flags.format === 'markdown' ? formatDiffMarkdown(diff) : formatDiffText(diff);
        io.stdout(diff.redactor.redactRendered(text, SECRET_MASK));
        const failed = diff.overlays.some((o) => o.status === 'error');
        const changed = diff.overlays.some((o) => o.status !== 'unchanged');
        setCode(failed || (flags.exitCode === true && changed) ? 1 : 0);
      } catch (err) {
        if (abort.signal.aborted) throw new CliError('interrupted: no diff printed', 130);
        if (err instanceof GitError) throw new CliError(`diff --base ${flags.base}: ${err.message}`);
        throw err;
      } finally {
        await worktree?.remove();
        await renderer.dispose();
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}

interface DiffRun {
  root: string;
  baseRoot: string;
  config: Config;
  configFile?: string;
  changes: ChangedFiles;
  renderer: Renderer;
  timeoutMs: number;
  concurrency: number;
  signal: AbortSignal;
}

/** Affected overlays on either side (an overlay added or removed by the change is affected too), rendered and compared. */
async function renderedDiff(run: DiffRun): Promise<RenderedDiff & { redactor: Redactor }> {
  // Knows the Secrets of both sides: an old value quoted in an error or copied elsewhere is masked too.
  const redactor = new Redactor();
  const allowExec = run.config.kustomize?.allowExec === true;
  const everything =
    (await globalChange({ root: run.root, config: run.config, configFile: run.configFile, changes: run.changes })) !==
    undefined;
  const sides = {
    base: existsSync(run.baseRoot) ? (await discoverOverlays(run.baseRoot, run.config)).overlays : [],
    now: (await discoverOverlays(run.root, run.config)).overlays,
  };
  const affected = async (root: string, overlays: Overlay[]): Promise<Set<string>> => {
    if (everything) return new Set(overlays.map((o) => o.path));
    const verdicts = await mapPool(overlays, run.concurrency, async (o) => {
      const deps = await overlayDeps(root, o, { allowExec });
      return !deps.complete || run.changes.inRoot.some((p) => affects(deps, p));
    });
    return new Set(overlays.filter((_, i) => verdicts[i]).map((o) => o.path));
  };
  const paths = [
    ...new Set([...(await affected(run.baseRoot, sides.base)), ...(await affected(run.root, sides.now))]),
  ].sort();
  const all = new Set([...sides.base, ...sides.now].map((o) => o.path));
  const render = async (root: string, overlay: Overlay | undefined): Promise<DiffSide> => {
    if (!overlay) return { present: false, ok: true, resources: [] };
    const problems: FindingInput[] = [];
    const r = await renderOverlay(
      overlay,
      { root, config: run.config, renderer: run.renderer, timeoutMs: run.timeoutMs, signal: run.signal },
      (f) => problems.push(f),
    );
    redactor.addObjects(r.resources.map((res) => res.object));
    if (r.status === 'ok' && problems.length === 0) return { present: true, ok: true, resources: r.resources };
    const error =
      problems
        .map((p) => `${p.ruleId} ${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`)
        .join('\n') || `status ${r.status}`;
    return { present: true, ok: false, error, resources: r.resources };
  };
  // One key per run: the same secret value hashes the same in every overlay of this output, and differently in the next.
  const redactionKey = randomBytes(32);
  const overlays = await mapPool(paths, run.concurrency, async (path) => {
    const [base, now] = [
      await render(
        run.baseRoot,
        sides.base.find((o) => o.path === path),
      ),
      await render(
        run.root,
        sides.now.find((o) => o.path === path),
      ),
    ];
    return diffOverlay(path, base, now, { redactionKey });
  });
  return {
    base: { ref: run.changes.ref, commit: run.changes.base },
    overlays,
    unaffected: all.size - paths.length,
    redactor,
  };
}
