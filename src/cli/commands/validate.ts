import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import fg from 'fast-glob';
import { failsAt, runValidate, type ValidateInput } from '../../pipeline.js';
import { toolVersion } from '../../util/version.js';
import { emitReport, kubernetesVersionFor, parseFailOn, planOutputs } from '../context.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { CliError, useColor, type CliIO } from '../io.js';
import { gitUriPrefix } from '../../util/git.js';
import { collect } from '../options.js';
import { parseSkipKinds, type KindFilter } from '../../parse/skip-kinds.js';

/** The check ids of `--checks` (the `meta.id` of each check in src/checks). */
const CHECK_IDS = ['schema', 'policy', 'secrets'];

/** `--checks schema,policy` → the ids to leave out; an unknown or empty list is a usage error, not "run nothing". */
function checksToSkip(value: string | undefined): string[] {
  if (value === undefined) return [];
  const wanted = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !CHECK_IDS.includes(w));
  if (unknown.length > 0 || wanted.length === 0)
    throw new CliError(
      `--checks takes a comma-separated list of ${CHECK_IDS.join(', ')}, not ${JSON.stringify(value)}`,
    );
  return CHECK_IDS.filter((id) => !wanted.includes(id));
}

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('validate')
    .description(
      'check raw manifests without kustomize (files, folders, or - for stdin), e.g. `helm template … | kfm-gitops validate -`',
    )
    .argument('[inputs...]', 'YAML files or folders; - reads standard input')
    .option('-c, --config <file>', 'config file (default: kfm-gitops.yaml in the current folder)')
    .option('-f, --format <format>', 'console output format: text, json, sarif, junit, tap or github')
    .option('-o, --output <format=file>', 'also write a report file (repeatable)', collect)
    .option('--fail-on <severity>', 'error or warning (default error)')
    .option('-q, --quiet', 'print only errors and the verdict line')
    .option('--no-color', 'no colours')
    .option('--kubernetes-version <x.y>', 'Kubernetes release to validate against')
    .option('--checks <list>', `checks to run, comma-separated (default all: ${CHECK_IDS.join(',')})`)
    .option(
      '--skip-kinds <list>',
      'kinds (Secret) or apiVersion/kind (apps/v1/Deployment) not to check, comma-separated; repeatable',
      collect,
    )
    .action(
      async (
        inputs: string[],
        flags: {
          config?: string;
          format?: string;
          output?: string[];
          failOn?: string;
          quiet?: boolean;
          color?: boolean;
          kubernetesVersion?: string;
          checks?: string;
          skipKinds?: string[];
        },
      ) => {
        if (inputs.length === 0) throw new CliError('validate needs at least one file, folder, or - for stdin');
        const skip = checksToSkip(flags.checks);
        let skipKinds: KindFilter | undefined;
        try {
          skipKinds = flags.skipKinds ? parseSkipKinds(flags.skipKinds) : undefined;
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        let config;
        let configFile: string | undefined;
        try {
          const loaded = await loadConfig({
            explicitPath: flags.config ? resolve(io.cwd, flags.config) : undefined,
            searchDirs: [io.cwd],
          });
          config = loaded.config;
          configFile = loaded.file;
        } catch (err) {
          if (err instanceof ConfigError) throw new CliError(`config error: ${err.message}`);
          throw err;
        }
        const plan = planOutputs(io, flags.format, flags.output);
        const failOn = parseFailOn(flags.failOn, config);
        const kubernetesVersion = kubernetesVersionFor(flags.kubernetesVersion, config);
        const files: ValidateInput[] = [];
        for (const input of inputs) {
          if (input === '-') {
            const text = await io.stdin();
            // Nothing piped in is a broken pipeline (`helm template` failed upstream), not a clean manifest.
            files.push(
              text === '' ? { name: '<stdin>', error: 'nothing on standard input' } : { name: '<stdin>', text },
            );
            continue;
          }
          const abs = resolve(io.cwd, input);
          let info;
          try {
            info = await stat(abs);
          } catch (err) {
            files.push({ name: input, error: (err as NodeJS.ErrnoException).code ?? String(err) });
            continue;
          }
          const list = info.isDirectory()
            ? (
                await fg(['**/*.yaml', '**/*.yml', '**/*.json'], {
                  cwd: abs,
                  followSymbolicLinks: false,
                  ignore: ['**/node_modules/**', '**/.git/**'],
                })
              )
                .sort()
                .map((f) => resolve(abs, f))
            : [abs];
          for (const file of list) {
            const name = file.startsWith(`${io.cwd}/`) ? file.slice(io.cwd.length + 1) : file;
            try {
              files.push({ name, text: await readFile(file, 'utf8') });
            } catch (err) {
              files.push({ name, error: (err as NodeJS.ErrnoException).code ?? String(err) });
            }
          }
        }
        const report = await runValidate({
          root: io.cwd,
          config,
          configFile,
          checks: (await import('../../checks/index.js')).createChecks({ skip }),
          skipKinds,
          kubernetesVersion,
          toolVersion: toolVersion(),
          inputs: files,
        });
        // Raw manifests are files holding documents, not overlays (the report's wording follows).
        report.summary.subject = 'files';
        await emitReport(io, report, plan, {
          color: useColor(io, flags.color),
          quiet: flags.quiet,
          failOn,
          uriPrefix: await gitUriPrefix(io.cwd),
        });
        setCode(failsAt(report, failOn) ? 1 : 0);
      },
    );
}
