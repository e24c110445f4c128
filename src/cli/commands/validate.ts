import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import fg from 'fast-glob';
import { failsAt, runValidate, type ValidateInput } from '../../pipeline.js';
import { toolVersion } from '../../util/version.js';
import { emitReport, kubernetesVersionFor, parseFailOn, planOutputs } from '../context.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { CliError, useColor, type CliIO } from '../io.js';
import { gitUriPrefix } from './report.js';
import { collect } from '../options.js';

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('validate')
    .description(
      'check raw manifests without kustomize (files, folders, or - for stdin), e.g. `helm template … | kfm-gitops validate -`',
    )
    .argument('[inputs...]', 'YAML files or folders; - reads standard input')
    .option('-c, --config <file>', 'config file (default: kfm-gitops.yaml in the current folder)')
    .option('-f, --format <format>', 'console output format: text, json, sarif, junit or github')
    .option('-o, --output <format=file>', 'also write a report file (repeatable)', collect)
    .option('--fail-on <severity>', 'error or warning (default error)')
    .option('-q, --quiet', 'print only errors and the verdict line')
    .option('--no-color', 'no colours')
    .option('--kubernetes-version <x.y>', 'Kubernetes release to validate against')
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
        },
      ) => {
        if (inputs.length === 0) throw new CliError('validate needs at least one file, folder, or - for stdin');
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
            files.push({ name: '<stdin>', text: await io.stdin() });
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
          checks: (await import('../../checks/index.js')).createChecks(),
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
