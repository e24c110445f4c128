/**
 * `kfm-gitops report merge a.json b.json … [--format F] [-o file | -o format=file]`: joins the JSON reports of a
 * sharded CI run and prints/writes them in any format, exiting like `check` would have (0 clean, 1 findings,
 * 2 reports that cannot be merged).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { failsAt } from '../../findings/index.js';
import { FORMATTERS, formatNames } from '../../report/index.js';
import { MergeError, mergeReports, parseReport, type NamedReport } from '../../report/merge.js';
import { summaryLine } from '../../report/text.js';
import type { FailOn } from '../../types.js';
import { writeFileAtomic } from '../context.js';
import { CliError, useColor, type CliIO } from '../io.js';
import { collect } from '../options.js';

interface MergeFlags {
  format?: string;
  output?: string[];
  failOn?: string;
  uriPrefix?: string;
  quiet?: boolean;
  color?: boolean;
}
interface MergePlan {
  console: string;
  /** The --format output goes to this file instead of the console. */
  consoleFile?: string;
  files: { format: string; file: string }[];
}

/** `-o <format>=<file>` writes that format too (as in `check`); a bare `-o <file>` takes the --format output. */
function planMergeOutputs(io: CliIO, format: string | undefined, outputs: string[] | undefined): MergePlan {
  const known = formatNames();
  const consoleFormat = format ?? 'text';
  if (!known.includes(consoleFormat))
    throw new CliError(`unknown --format ${JSON.stringify(consoleFormat)}; one of ${known.join(', ')}`);
  const plan: MergePlan = { console: consoleFormat, files: [] };
  for (const spec of outputs ?? []) {
    const eq = spec.indexOf('=');
    const prefix = eq > 0 ? spec.slice(0, eq) : '';
    if (known.includes(prefix)) {
      if (eq === spec.length - 1) throw new CliError(`--output ${JSON.stringify(spec)} names no file`);
      plan.files.push({ format: prefix, file: resolve(io.cwd, spec.slice(eq + 1)) });
    } else {
      if (plan.consoleFile)
        throw new CliError(
          'only one bare --output <file> (for the --format output); write more formats with -o <format>=<file>',
        );
      plan.consoleFile = resolve(io.cwd, spec);
    }
  }
  return plan;
}

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  const report = program.command('report').description('work with JSON reports written by `check -o json=<file>`');
  report
    .command('merge')
    .description('join the JSON reports of sharded runs (check --shard i/n) into one report, in any format')
    .argument('<reports...>', 'JSON report files, e.g. shard-1.json shard-2.json')
    .option('-f, --format <format>', `output format: ${formatNames().join(', ')} (default text)`)
    .option(
      '-o, --output <file|format=file>',
      'write the --format output to <file>, or another format with <format>=<file> (repeatable)',
      collect,
    )
    .option('--fail-on <severity>', 'lowest severity that makes the exit code 1: error or warning (default error)')
    .option(
      '--uri-prefix <path>',
      'path of the checked root inside the repository (e.g. infra/gitops/), for SARIF and GitHub paths',
    )
    .option('-q, --quiet', 'print only errors and the summary')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .action(async (files: string[], flags: MergeFlags) => {
      const failOn = (flags.failOn ?? 'error') as FailOn;
      if (failOn !== 'error' && failOn !== 'warning')
        throw new CliError(`--fail-on must be error or warning, not ${JSON.stringify(flags.failOn)}`);
      const plan = planMergeOutputs(io, flags.format, flags.output);
      const named: NamedReport[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(resolve(io.cwd, file), 'utf8');
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        try {
          named.push({ name: file, report: parseReport(text, file) });
        } catch (err) {
          if (err instanceof MergeError) throw new CliError(err.message);
          throw err;
        }
      }
      let merged;
      try {
        merged = mergeReports(named);
      } catch (err) {
        if (err instanceof MergeError) throw new CliError(err.message);
        throw err;
      }
      const options = {
        color: useColor(io, flags.color),
        quiet: flags.quiet,
        rules: (await import('../../rules/index.js')).allRules(),
        uriPrefix: flags.uriPrefix ?? '',
        failOn,
      };
      for (const out of plan.files)
        await writeFileAtomic(out.file, FORMATTERS[out.format](merged, { ...options, color: false }));
      if (plan.consoleFile) {
        await writeFileAtomic(plan.consoleFile, FORMATTERS[plan.console](merged, { ...options, color: false }));
        io.stdout(`${summaryLine(merged)}\n`);
      } else {
        io.stdout(FORMATTERS[plan.console](merged, options));
      }
      setCode(failsAt(merged, failOn) ? 1 : 0);
    });
}
