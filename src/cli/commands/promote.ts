import type { Command } from 'commander';
import { Chalk } from 'chalk';
import { failsAt } from '../../findings/index.js';
import {
  FAULT_POINTS,
  GitError,
  KustomizationEditError,
  promote,
  PromoteUsageError,
  verifyPromotions,
  type FaultOptions,
  type FaultPoint,
  type PromoteResult,
} from '../../promote/index.js';
import { createRenderer } from '../../render/create.js';
import type { RuleDoc } from '../../types.js';
import { toolVersion } from '../../util/version.js';
import { FORMATTERS } from '../../report/index.js';
import {
  kubernetesVersionFor,
  kustomizeFor,
  loadContext,
  parseFailOn,
  parsePositiveNumber,
  planOutputs,
  writeFileAtomic,
} from '../context.js';
import { CliError, useColor, type CliIO } from '../io.js';
import { collect } from '../options.js';

interface PromoteFlags {
  root?: string;
  config?: string;
  kustomize?: string;
  timeout?: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
  commit?: boolean;
  message?: string;
  allowSkip?: boolean;
  allowDowngrade?: boolean;
  reason?: string;
  all?: boolean;
  format?: string;
  failOn?: string;
  color?: boolean;
}

interface VerifyFlags {
  root?: string;
  config?: string;
  base?: string;
  format?: string;
  output?: string[];
  failOn?: string;
  quiet?: boolean;
  color?: boolean;
}

/** Rule docs for formats that embed them (the registry holds promote verify's rules too). */
export async function promoteRuleDocs(): Promise<RuleDoc[]> {
  return (await import('../../rules/index.js')).allRules();
}

/** Errors of the promotion layer that mean "could not do the job" (exit 2), with one clear line. */
function asCliError(err: unknown): unknown {
  if (err instanceof PromoteUsageError || err instanceof GitError) return new CliError(err.message);
  if (err instanceof KustomizationEditError)
    return new CliError(`cannot edit the target kustomization: ${err.message}`);
  return err;
}

/** KFM_FAULT=<point> crashes the process there (hard kill, no cleanup), to prove a crash leaves the repo consistent. */
function faultsFromEnv(io: CliIO): FaultOptions | undefined {
  const point = io.env.KFM_FAULT;
  if (!point) return undefined;
  if (!(FAULT_POINTS as readonly string[]).includes(point))
    throw new CliError(`KFM_FAULT must be one of ${FAULT_POINTS.join(', ')}, not ${JSON.stringify(point)}`);
  return { after: point as FaultPoint, onFault: () => process.kill(process.pid, 'SIGKILL') };
}

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  // `promote verify --root x` needs positional options on the program (set in src/cli/main.ts) and on `promote`.
  const cmd = program
    .command('promote')
    .description(
      'move image digests dev → stage → prod as a checked Git change: plan, check the target, write atomically, optionally commit',
    )
    .argument('[app]', 'app under apps/ (leave out with --all)')
    .option('--from <env>', 'source env (e.g. dev)')
    .option('--to <env>', 'target env (e.g. stage)')
    .option('--all', 'promote every app whose source differs, as one plan')
    .option('--dry-run', 'print the plan, the check result and the rendered diff; write nothing')
    .option('--commit', 'create branch promote/<app>/<to>-<short digest> and commit the change there')
    .option('-m, --message <text>', 'why: added to the commit message')
    .option('--allow-skip', 'allow skipping an env (needs --reason)')
    .option('--allow-downgrade', 'allow replacing a digest the source never had (needs --reason)')
    .option('--reason <text>', 'why the skip or downgrade is acceptable (recorded in the commit)')
    .option('-f, --format <format>', 'text or json (default text)')
    .option('--fail-on <severity>', 'lowest check severity that stops the promotion: error or warning (default error)')
    .option('--root <dir>', 'desired-state root (default from config, else infra/gitops)')
    .option('-c, --config <file>', 'config file')
    .option('--kustomize <cmd>', 'kustomize command to run')
    .option('--timeout <seconds>', 'per-overlay render timeout (default 60)')
    .option('--no-color', 'no colours')
    .enablePositionalOptions()
    .addHelpText(
      'after',
      '\nExit codes: 0 promoted, planned or already in sync; 1 refused or the check failed; 2 usage.\nCI: kfm-gitops promote verify [--base <ref>]',
    )
    .action(async (app: string | undefined, flags: PromoteFlags) => {
      const format = flags.format ?? 'text';
      if (format !== 'text' && format !== 'json')
        throw new CliError(`--format must be text or json, not ${JSON.stringify(format)}`);
      if (!flags.from || !flags.to) throw new CliError('promote needs --from <env> and --to <env>');
      if (app && flags.all) throw new CliError('name one app or pass --all, not both');
      if (!app && !flags.all) throw new CliError('name the app to promote, or pass --all');
      const reason = flags.reason?.trim();
      if ((flags.allowSkip || flags.allowDowngrade) && !reason)
        throw new CliError('--allow-skip and --allow-downgrade need --reason "<why>"');
      if (reason && !flags.allowSkip && !flags.allowDowngrade)
        throw new CliError('--reason goes with --allow-skip or --allow-downgrade');
      if (flags.dryRun && flags.commit) throw new CliError('--dry-run writes nothing, so it cannot --commit');
      if (flags.message !== undefined && !flags.commit)
        throw new CliError('--message is recorded in the commit: use it with --commit');
      const faults = faultsFromEnv(io);

      const ctx = await loadContext(io, { config: flags.config, root: flags.root });
      const timeoutS = parsePositiveNumber('--timeout', flags.timeout) ?? ctx.config.kustomize?.timeoutSeconds ?? 60;
      const failOn = parseFailOn(flags.failOn, ctx.config);
      const kubernetesVersion = kubernetesVersionFor(undefined, ctx.config);
      const renderer = createRenderer(await kustomizeFor(io, ctx.config, flags.kustomize, ctx.root));
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await promote({
          root: ctx.root,
          config: ctx.config,
          configFile: ctx.configFile,
          renderer,
          app,
          all: flags.all,
          from: flags.from,
          to: flags.to,
          allowSkip: flags.allowSkip && reason ? { reason } : undefined,
          allowDowngrade: flags.allowDowngrade && reason ? { reason } : undefined,
          dryRun: flags.dryRun,
          commit: flags.commit ? { message: flags.message } : undefined,
          kubernetesVersion,
          toolVersion: toolVersion(),
          timeoutMs: timeoutS * 1000,
          failOn,
          faults,
          signal: abort.signal,
        });
        const color = useColor(io, flags.color);
        io.stdout(
          format === 'json'
            ? `${JSON.stringify(resultJson(result), null, 2)}\n`
            : formatResult(result, { color, dryRun: Boolean(flags.dryRun) }),
        );
        setCode(result.status === 'refused' || result.status === 'check-failed' ? 1 : 0);
      } catch (err) {
        if (abort.signal.aborted) throw new CliError('interrupted: nothing written', 130);
        throw asCliError(err);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await renderer.dispose();
      }
    });

  cmd
    .command('verify')
    .description('CI: every digest in env n must be in env n−1 now or in its git history (KFM-DP-101)')
    .option('--base <ref>', 'only report digests that differ from this ref (what a pull request changes)')
    .option('--root <dir>', 'desired-state root (default from config, else infra/gitops)')
    .option('-c, --config <file>', 'config file')
    .option('-f, --format <format>', 'console output format')
    .option('-o, --output <format=file>', 'also write a report file (repeatable), e.g. json=verify.json', collect)
    .option('--fail-on <severity>', 'error or warning (default error)')
    .option('-q, --quiet', 'print only errors and the summary')
    .option('--no-color', 'no colours')
    .action(async (flags: VerifyFlags) => {
      const ctx = await loadContext(io, { config: flags.config, root: flags.root });
      const plan = planOutputs(io, flags.format, flags.output);
      const failOn = parseFailOn(flags.failOn, ctx.config);
      let report;
      try {
        report = await verifyPromotions({
          root: ctx.root,
          config: ctx.config,
          base: flags.base,
          toolVersion: toolVersion(),
          kubernetesVersion: kubernetesVersionFor(undefined, ctx.config),
        });
      } catch (err) {
        throw asCliError(err);
      }
      const formatOptions = { color: useColor(io, flags.color), quiet: flags.quiet, rules: await promoteRuleDocs() };
      for (const out of plan.files)
        await writeFileAtomic(out.file, FORMATTERS[out.format](report, { ...formatOptions, color: false }));
      io.stdout(FORMATTERS[plan.console](report, formatOptions));
      setCode(failsAt(report, failOn) ? 1 : 0);
    });
}

/** JSON output: the result without the full file texts (the kustomization diff stands in for them). */
function resultJson(result: PromoteResult): unknown {
  return {
    status: result.status,
    from: result.from,
    to: result.to,
    plans: result.plans,
    refusals: result.refusals,
    changes: result.changes.map((c) => ({
      app: c.app,
      overlay: c.overlay,
      file: c.file,
      diff: c.diff,
    })),
    check: result.check,
    renderedDiff: result.diffs,
    written: result.written,
    commit: result.commit ? { branch: result.commit.branch, sha: result.commit.sha } : undefined,
  };
}

function formatResult(result: PromoteResult, options: { color: boolean; dryRun: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [c.bold(`Promotion plan: ${result.from} → ${result.to}`)];
  for (const plan of result.plans) {
    lines.push(`  ${c.bold(plan.app)}  ${c.dim(plan.targetFile)}`);
    for (const e of plan.edits) {
      const old = e.previous?.digest ?? (e.previous?.newTag ? `tag ${e.previous.newTag}` : '(not pinned)');
      const what =
        e.action === 'unchanged'
          ? c.dim(`${e.newName}: ${e.digest} (already there)`)
          : `${e.newName}: ${old} → ${c.green(e.digest)}${e.action === 'append' ? c.dim(' (new entry)') : ''}`;
      lines.push(`    ${what}`);
    }
    for (const o of plan.overrides)
      lines.push(`    ${c.yellow(`allowed ${o.kind}`)}: ${o.detail} — reason: ${o.reason}`);
  }
  if (result.refusals.length > 0) {
    lines.push('', c.red.bold('Refused:'));
    for (const r of result.refusals) lines.push(`  ${r}`);
    lines.push('', c.red('✖ nothing written'));
    return `${lines.join('\n')}\n`;
  }
  if (result.status === 'unchanged') {
    lines.push('', c.green(`✔ ${result.to} already runs what ${result.from} runs; nothing to do`));
    return `${lines.join('\n')}\n`;
  }
  for (const ch of result.changes) {
    lines.push('', c.bold(`Change to ${ch.file}:`), ch.diff.trimEnd());
  }
  for (const d of result.diffs) {
    lines.push('', c.bold(`Rendered diff of ${d.overlay}:`));
    if (d.resources.length === 0) lines.push(c.dim('  (no rendered change)'));
    for (const r of d.resources) lines.push(r.diff.trimEnd());
  }
  if (result.check) {
    const { error, warning } = result.check.summary.findings;
    const overlays = result.check.overlays.map((o) => o.path).join(', ');
    lines.push(
      '',
      c.bold(`Check of ${overlays} with the change applied: `) +
        (result.status === 'check-failed'
          ? c.red(`failed (${error} errors, ${warning} warnings)`)
          : c.green(`passed (${error} errors, ${warning} warnings)`)),
    );
    if (result.check.findings.length > 0) lines.push(FORMATTERS.text(result.check, { color: options.color }).trimEnd());
  }
  lines.push('');
  if (result.status === 'check-failed') lines.push(c.red('✖ the promoted state would fail the check: nothing written'));
  else if (result.status === 'planned')
    lines.push(c.dim(options.dryRun ? 'dry run: nothing written' : 'nothing written'));
  else {
    for (const f of result.written) lines.push(c.green(`✔ wrote ${f}`));
    if (result.commit)
      lines.push(c.green(`✔ committed ${result.commit.sha.slice(0, 12)} on branch ${result.commit.branch}`));
  }
  return `${lines.join('\n')}\n`;
}
