import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CHECK_IDS } from '../../checks/ids.js';
import { failsAt, runCheck } from '../../pipeline.js';
import { createRenderer } from '../../render/create.js';
import { CachingRenderer, renderCacheDir } from '../../render/cache.js';
import type { Renderer } from '../../render/types.js';
import { prepareSelection, SelectError } from '../../select/index.js';
import { DiscoverFilterError } from '../../discover/index.js';
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
import { gitUriPrefix } from './report.js';
import { collect } from '../options.js';

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
  color?: boolean;
  kubernetesVersion?: string;
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
    .option('-c, --config <file>', 'config file (default: kfm-gitops.yaml in the current folder, else in the root)')
    .option(
      '--kustomize <cmd>',
      'kustomize command to run (else KFM_KUSTOMIZE, config, .tools/bin, PATH, kubectl kustomize)',
    )
    .option('--overlay <glob>', 'only overlays whose path matches (repeatable)', collect)
    .option('--env <list>', 'only these envs, comma-separated (repeatable)', collectList)
    .option('--concurrency <n>', 'overlays rendered at once (default: CPU count)')
    .option('--timeout <seconds>', 'per-overlay render timeout (default 60)')
    .option('-f, --format <format>', 'console output format: text, json, sarif, junit or github', undefined)
    .option('-o, --output <format=file>', 'also write a report file (repeatable), e.g. json=report.json', collect)
    .option('--fail-on <severity>', 'lowest severity that fails the run: error or warning (default error)')
    .option('-q, --quiet', 'print only errors and the summary')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--kubernetes-version <x.y>', 'Kubernetes release to validate against (default: newest shipped)')
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
      const kubernetesVersion = kubernetesVersionFor(flags.kubernetesVersion, ctx.config);
      const known: string[] = [...CHECK_IDS];
      for (const s of flags.skipCheck ?? [])
        if (!known.includes(s))
          throw new CliError(`--skip-check takes one of ${known.join(', ')}, not ${JSON.stringify(s)}`);
      // Two independent waits on child processes (`kfm-render version`, git): side by side.
      const kustomizeResolving = kustomizeFor(io, ctx.config, flags.kustomize);
      kustomizeResolving.catch(() => undefined); // awaited below
      // --cache-dir moves every cache of the run (render, custom policies), so CI can keep one folder between jobs.
      const config = flags.cacheDir
        ? { ...ctx.config, cache: { ...ctx.config.cache, dir: resolve(io.cwd, flags.cacheDir) } }
        : ctx.config;
      let selection;
      try {
        selection = await prepareSelection({
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
      const kustomize = await kustomizeResolving;
      const cache =
        flags.cache !== false && config.cache?.enabled !== false
          ? new CachingRenderer(createRenderer(kustomize, concurrency), { dir: renderCacheDir(ctx.root, config) })
          : undefined;
      const renderer: Renderer = cache ?? createRenderer(kustomize, concurrency);
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const progress = io.isTTY && !flags.quiet;
      try {
        const report = await runCheck({
          root: ctx.root,
          config,
          configFile: ctx.configFile,
          select: selection.select,
          audit: selection.changes
            ? async () =>
                (await import('../../audit/index.js')).auditChange({
                  root: selection.changes!.root,
                  config,
                  configFile: ctx.configFile,
                  changes: selection.changes!,
                })
            : undefined,
          // Loaded only when they run: a whole-run cache hit does not pay for their libraries (~0.3 s).
          checks: {
            ids: known.filter((id) => !flags.skipCheck?.includes(id)),
            load: async () => (await import('../../checks/index.js')).createChecks({ skip: flags.skipCheck }),
          },
          kubernetesVersion,
          toolVersion: toolVersion(),
          renderer,
          // Beside the render cache, and off with it (--no-cache, cache.enabled: false).
          resultCacheDir: cache ? join(dirname(renderCacheDir(ctx.root, config)), 'results') : undefined,
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
          onProgress: progress
            ? ({ done, total, overlay }) => {
                if (total > 3) io.stderr(`\r\x1b[K[${done}/${total}] ${overlay}${done === total ? '\r\x1b[K' : ''}`);
              }
            : undefined,
        });
        await emitReport(io, report, plan, {
          color: useColor(io, flags.color),
          quiet: flags.quiet,
          failOn,
          uriPrefix: await gitUriPrefix(ctx.root),
        });
        for (const warning of cache?.warnings ?? []) io.stderr(`kfm-gitops: warning: ${warning}\n`);
        setCode(failsAt(report, failOn) ? 1 : 0);
      } catch (err) {
        if (abort.signal.aborted) throw new CliError('interrupted: no report written', 130);
        if (err instanceof DiscoverFilterError) throw new CliError(err.message);
        throw err;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await renderer.dispose();
      }
    });
}
