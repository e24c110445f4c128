import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CHECK_IDS } from '../../checks/ids.js';
import { failsAt } from '../../findings/order.js';
import { checkWarmFirst } from '../../run/whole-run.js';
import { renderCacheDir } from '../../render/cache-dir.js';
import { LazyRenderer } from '../../render/lazy.js';
import type { Config } from '../../config/types.js';
import type { PreparedSelection } from '../../select/index.js';
import { printable } from '../../report/escape.js';
import { redactPathFormats } from '../../redact/index.js';
import { overlayPrefixes } from '../../discover/root.js';
import { toolVersion } from '../../util/version.js';
import {
  emitReport,
  kubernetesVersionFor,
  kustomizeFor,
  loadContext,
  parseFailOn,
  parsePositiveInt,
  parsePositiveNumber,
  planOutputs,
} from '../context.js';
import { CliError, useColor, type CliIO } from '../io.js';
import { gitUriPrefix } from '../../util/git.js';
import { collect, CONFIG_OPTION_HELP } from '../options.js';
import { allowWritesUnder } from '../../util/atomic-write.js';
import { startProgress } from '../progress.js';

interface CheckFlags {
  config?: string;
  kustomize?: string;
  overlay?: string[];
  env?: string[];
  concurrency?: string;
  timeout?: string;
  format?: string;
  output?: string[];
  failOn?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  kubernetesVersion?: string;
  openshiftVersion?: string;
  origin?: boolean;
  skipCheck?: string[];
  changedSince?: string;
  shard?: string;
  cache?: boolean;
  cacheDir?: string;
}

const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('check')
    .description('render every overlay under the root and run schema, policy and secret checks (fails closed)')
    .argument('[root]', 'desired-state root (default: `root` from kfm-gitops.yaml, else infra/gitops)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option(
      '--kustomize <cmd>',
      'kustomize command to run (else KFM_KUSTOMIZE, config, .tools/bin, PATH, kubectl kustomize)',
    )
    .option('--overlay <glob>', 'only overlays whose path matches (repeatable)', collect)
    .option('--env <list>', 'only these envs, comma-separated (repeatable)', collectList)
    .option('--concurrency <n>', 'overlays rendered at once (default: CPU count)')
    .option('--timeout <seconds>', 'per-overlay render timeout (default 60)')
    .option('-f, --format <format>', 'console output format: text, json, sarif, junit, tap or github', undefined)
    .option('-o, --output <format=file>', 'also write a report file (repeatable), e.g. json=report.json', collect)
    .option(
      '--fail-on <severity>',
      'lowest severity that fails the run: error or warning (default: failOn from the config, else error)',
    )
    .option('-q, --quiet', 'print only errors and the verdict line; no progress')
    .option('-v, --verbose', 'also list the overlays a --changed-since or --shard run leaves out')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option(
      '--kubernetes-version <x.y>',
      'Kubernetes release to validate against (default: kubernetesVersion from the config, else newest shipped)',
    )
    .option(
      '--openshift-version <4.x>',
      'OpenShift release: validate against the Kubernetes release it runs (4.14 → 1.27 …)',
    )
    .option('--no-origin', 'do not map findings to source files (renders without kustomize build metadata)')
    .option('--skip-check <id>', 'leave out a check (schema, policy, secrets); repeatable', collect)
    .option(
      '--changed-since <ref>',
      'only overlays whose inputs changed since the merge-base with this Git ref (uncommitted changes count), and only changed files in the secret scan; config, policy or schema changes select all',
    )
    .option(
      '--shard <i/n>',
      'check only shard i of n (deterministic split balanced by input size; merge with `report merge`)',
    )
    .option('--no-cache', 'neither read nor write the render cache')
    .option('--cache-dir <dir>', 'cache folder (default: cache.dir from the config, else <root>/.kfm-gitops/cache)')
    .action(async (rootArg: string | undefined, flags: CheckFlags) => {
      const ctx = await loadContext(io, { config: flags.config, root: rootArg, scopeFromArg: true });
      const plan = planOutputs(io, flags.format, flags.output);
      const failOn = parseFailOn(flags.failOn, ctx.config);
      const concurrency =
        parsePositiveInt('--concurrency', flags.concurrency) ?? ctx.config.concurrency ?? Math.max(1, cpus().length);
      const timeoutS = parsePositiveNumber('--timeout', flags.timeout) ?? ctx.config.kustomize?.timeoutSeconds ?? 60;
      const kubernetesVersion = kubernetesVersionFor(flags.kubernetesVersion, ctx.config, flags.openshiftVersion);
      const known: string[] = [...CHECK_IDS];
      for (const s of flags.skipCheck ?? [])
        if (!known.includes(s))
          throw new CliError(`--skip-check takes one of ${known.join(', ')}, not ${JSON.stringify(s)}`);
      // Two independent waits on child processes (`kfm-render version`, git): side by side.
      const kustomizeResolving = kustomizeFor(io, ctx.config, flags.kustomize, ctx.root);
      kustomizeResolving.catch(() => undefined); // awaited below
      // --cache-dir moves every cache of the run (render, custom policies), so CI can keep one folder between jobs.
      if (flags.cacheDir) allowWritesUnder([resolve(io.cwd, flags.cacheDir)]);
      // --no-cache: no cache of any kind (render, results, the Argo CD view's memo).
      const config = {
        ...ctx.config,
        ...(flags.cacheDir || flags.cache === false
          ? {
              cache: {
                ...ctx.config.cache,
                ...(flags.cacheDir ? { dir: resolve(io.cwd, flags.cacheDir) } : {}),
                ...(flags.cache === false ? { enabled: false } : {}),
              },
            }
          : {}),
      };
      const selection = await selectionFor(ctx, config, flags);
      const kustomize = await kustomizeResolving;
      const cached = flags.cache !== false && config.cache?.enabled !== false;
      // Made on the first render: a whole-run cache hit never loads the renderer's modules.
      const renderer = new LazyRenderer(kustomize, {
        concurrency,
        ...(cached ? { cacheDir: renderCacheDir(ctx.root, config) } : {}),
      });
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const selected: { count?: number } = {};
      const selectionNotes = describeSelection(io, selection, flags, selected);
      const progress = startProgress(io, { quiet: flags.quiet });
      try {
        const report = await checkWarmFirst({
          root: ctx.root,
          config,
          configFile: ctx.configFile,
          select: selectionNotes,
          audit: selection.changes
            ? async () =>
                (await import('../../audit/index.js')).auditChange({
                  root: selection.changes!.root,
                  config,
                  configFile: ctx.configFile,
                  changes: selection.changes!,
                })
            : undefined,
          // The secret check reads the change's commits too (or says why it cannot).
          ...(selection.changes
            ? {
                changeHistory: {
                  ref: selection.changes.ref,
                  base: selection.changes.base,
                  ancestor: selection.changes.ancestor === true,
                  git: { top: selection.changes.top, commits: selection.changes.commits },
                },
              }
            : {}),
          // Loaded only when they run: a whole-run cache hit does not pay for their libraries (~0.3 s).
          checks: {
            ids: known.filter((id) => !flags.skipCheck?.includes(id)),
            load: async () => (await import('../../checks/index.js')).createChecks({ skip: flags.skipCheck }),
          },
          kubernetesVersion,
          toolVersion: toolVersion(),
          renderer,
          // Beside the render cache, and off with it (--no-cache, cache.enabled: false).
          resultCacheDir: cached ? join(dirname(renderCacheDir(ctx.root, config)), 'results') : undefined,
          discover: {
            overlayGlobs: flags.overlay,
            envs: flags.env,
            ...(ctx.scope ? { scope: ctx.scope } : {}),
            overlayPrefixes: overlayPrefixes(io.cwd, ctx.root),
          },
          concurrency,
          timeoutMs: timeoutS * 1000,
          origin: flags.origin !== false && ctx.config.kustomize?.origin !== false,
          maxRenderBytes: (ctx.config.kustomize?.maxOutputMegabytes ?? 256) * 1024 * 1024,
          signal: abort.signal,
          onProgress: progress?.onProgress,
          ...unpackedResources(io),
        });
        progress?.stop();
        // A changed-only run also checks what its changed overlays can join (src/select/siblings.ts): said, so the
        // count above is not taken for all that was checked.
        const added = selection.changes && selected.count !== undefined ? report.overlays.length - selected.count : 0;
        if (added > 0)
          io.stderr(
            `kfm-gitops: also checked ${added} overlay(s) the changed ones can join: same namespace, and the platform overlays (every env's context)\n`,
          );
        await emitReport(io, report, plan, {
          color: useColor(io, flags.color),
          quiet: flags.quiet,
          verbose: flags.verbose,
          failOn,
          // A git call, for the formats that print repository paths only.
          uriPrefix: needsUriPrefix(io, plan) ? await gitUriPrefix(ctx.root) : '',
        });
        for (const warning of renderer.warnings) io.stderr(`kfm-gitops: warning: ${warning}\n`);
        setCode(failsAt(report, failOn) ? 1 : 0);
      } catch (err) {
        if (abort.signal.aborted) throw new CliError('interrupted: no report written', 130);
        if (err instanceof (await import('../../discover/index.js')).DiscoverFilterError)
          throw new CliError(err.message);
        throw err;
      } finally {
        progress?.stop();
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await renderer.dispose();
      }
    });
}

/**
 * Wraps the run's selector to say, on stderr, which overlays a --changed-since (or --shard) run checks and why
 * (the changed file that reaches each); the ones it leaves out are listed with --verbose only.
 */
function describeSelection(
  io: CliIO,
  selection: PreparedSelection,
  flags: CheckFlags,
  selected: { count?: number } = {},
): PreparedSelection['select'] {
  const select = selection.select;
  if (!select || flags.quiet) return select;
  // The run's shared walker goes through: without it the selector walked every overlay a second time.
  return async (overlays, walk) => {
    const result = await select(overlays, walk);
    selected.count = result.keep.length;
    const since = selection.changes ? ` (changed since ${flags.changedSince})` : '';
    const why = new Map((result.kept ?? []).map((k) => [k.path, k.reason]));
    const reasons = new Set(result.keep.map((o) => why.get(o.path)));
    const lines = [`kfm-gitops: checking ${result.keep.length} of ${overlays.length} overlays${since}`];
    if (result.keep.length === overlays.length && reasons.size === 1 && !reasons.has(undefined)) {
      // Everything, for one reason (the config or a schema folder changed): one line, not one per overlay.
      lines[0] += `: ${[...reasons][0]}`;
    } else {
      const limit = flags.verbose ? Infinity : 30;
      for (const o of result.keep.slice(0, limit))
        lines.push(`  ${o.path}${why.has(o.path) ? `: ${why.get(o.path)}` : ''}`);
      if (result.keep.length > limit) lines.push(`  +${result.keep.length - limit} more (--verbose lists them)`);
    }
    if (result.skipped.length > 0) {
      if (flags.verbose) {
        lines.push(`kfm-gitops: not checked (${result.skipped.length}):`);
        for (const s of result.skipped) lines.push(`  ${s.path}: ${s.reason}`);
      } else lines.push(`kfm-gitops: ${result.skipped.length} not checked (--verbose lists them)`);
    }
    // Folder and file names are the pull request's (a token as a folder's name): masked as a report's paths are.
    io.stderr(`${lines.map((l) => printable(redactPathFormats(l))).join('\n')}\n`);
    return result;
  };
}

/**
 * The overlay selection of --changed-since/--shard; none without them. The selectors' code (git, the dependency
 * graph, YAML) is loaded only when asked for: a plain warm run does not pay for it.
 */
async function selectionFor(
  ctx: { root: string; configFile?: string },
  config: Config,
  flags: CheckFlags,
): Promise<PreparedSelection> {
  if (flags.changedSince === undefined && flags.shard === undefined) return {};
  const { prepareSelection, SelectError } = await import('../../select/index.js');
  try {
    return await prepareSelection({
      root: ctx.root,
      config,
      configFile: ctx.configFile,
      changedSince: flags.changedSince,
      shard: flags.shard,
    });
  } catch (err) {
    if (err instanceof SelectError) throw new CliError(err.message);
    throw err;
  }
}

/** SARIF, JUnit, TAP and GitHub output (and the job summary) name files from the repository's top. */
function needsUriPrefix(io: CliIO, plan: { console: string; files: { format: string }[] }): boolean {
  const formats = [plan.console, ...plan.files.map((f) => f.format)];
  return Boolean(io.env.GITHUB_STEP_SUMMARY) || formats.some((f) => f !== 'text' && f !== 'json');
}

/**
 * KFM_UNPACKED_RESOURCES: how many rendered resources a run keeps as objects before it packs the rest (a memory/CPU
 * trade-off, src/run/pack.ts; tests set 0 to pack everything). It changes no finding; a value that is not a
 * non-negative integer is refused.
 */
function unpackedResources(io: CliIO): { unpackedResources?: number } {
  const raw = io.env.KFM_UNPACKED_RESOURCES;
  if (raw === undefined || raw === '') return {};
  if (!/^\d+$/.test(raw))
    throw new CliError(`KFM_UNPACKED_RESOURCES must be a whole number of resources, not ${JSON.stringify(raw)}`);
  return { unpackedResources: Number(raw) };
}
