/** `kfm-gitops secrets baseline`: thin wrapper; the logic lives in src/checks/secrets. */
import { cpus } from 'node:os';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { runCheck } from '../../pipeline.js';
import { createRenderer } from '../../render/create.js';
import { toolVersion } from '../../util/version.js';
import { kubernetesVersionFor, kustomizeFor, loadContext } from '../context.js';
import { CliError, processIO, type CliIO } from '../io.js';
import { redactPathFormats, redactText } from '../../redact/index.js';
import { CONFIG_OPTION_HELP } from '../options.js';

interface BaselineFlags {
  config?: string;
  reason?: string;
  render?: boolean;
  kustomize?: string;
}

export function register(program: Command, io: CliIO = processIO(), setCode: (code: number) => void = () => {}): void {
  const secrets = program.command('secrets').description('secret scanner tools');
  secrets
    .command('baseline')
    .description(
      'write the secrets baseline (.kfm-gitops/secrets-baseline.json under the root, or secrets.baseline): every current secret finding as a keyed fingerprint, never the value. Reasons of existing entries are kept; a new entry fails the run until someone writes its reason (or --reason gives one to every entry without).',
    )
    .argument('[root]', 'desired-state root (default: `root` from kfm-gitops.yaml, else infra/gitops)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option(
      '--reason <text>',
      'reason written into new entries and into existing entries without one (default: empty, to be filled in by a reviewer)',
    )
    .option('--render', 'also render every overlay, to include secrets only a render reveals (needs kustomize)')
    .option('--kustomize <cmd>', 'kustomize command for --render')
    .action(async (rootArg: string | undefined, flags: BaselineFlags) => {
      const ctx = await loadContext(io, { config: flags.config, root: rootArg });
      if (flags.reason !== undefined && flags.reason.trim() === '') throw new CliError('--reason needs some text');
      let renderProblems = 0;
      const scan = flags.render
        ? async (env: NodeJS.ProcessEnv) => {
            const kustomize = await kustomizeFor(io, ctx.config, flags.kustomize, ctx.root);
            const concurrency = ctx.config.concurrency ?? Math.max(1, cpus().length);
            const renderer = createRenderer(kustomize, concurrency);
            const { createSecretsCheck } = await import('../../checks/secrets/index.js');
            const check = createSecretsCheck({ env });
            try {
              const report = await runCheck({
                root: ctx.root,
                config: ctx.config,
                configFile: ctx.configFile,
                checks: [check],
                kubernetesVersion: kubernetesVersionFor(undefined, ctx.config),
                toolVersion: toolVersion(),
                renderer,
                concurrency,
                timeoutMs: (ctx.config.kustomize?.timeoutSeconds ?? 60) * 1000,
                origin: false,
              });
              renderProblems = report.findings.filter((f) => f.category === 'render').length;
            } finally {
              await renderer.dispose();
            }
            return check.lastFindings();
          }
        : undefined;
      let result;
      try {
        const { writeSecretsBaseline } = await import('../../checks/secrets/index.js');
        result = await writeSecretsBaseline({
          root: ctx.root,
          config: ctx.config.secrets,
          reason: flags.reason,
          env: io.env,
          scan,
        });
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
      const shown = relative(io.cwd, result.path) || result.path;
      io.stdout(
        `wrote ${shown}: ${result.entries} entries (${result.added} new, ${result.kept} kept); ${result.withoutReason} without a reason\n`,
      );
      if (result.withoutReason > 0)
        io.stderr(
          `kfm-gitops: write a reason for each entry without one (\`reason\`): until then each fails the run as KFM-SEC-902\n`,
        );
      if (renderProblems > 0)
        io.stderr(
          `kfm-gitops: ${renderProblems} render problem(s): secrets only those renders would reveal are not in the baseline\n`,
        );
      setCode(0);
    });

  secrets
    .command('scan')
    .description(
      'scan for secrets; with --history <base>, every line added by every commit in <base>..HEAD (a credential added in one commit and deleted in the next stays in the history). Same rules, redaction, inline allows and baseline as `check`. Exit 1 when something is found.',
    )
    .argument('[root]', 'desired-state root (default: `root` from kfm-gitops.yaml, else infra/gitops)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .requiredOption(
      '--history <base>',
      'base ref: scan the lines added by the commits in <base>..HEAD (CI: fetch-depth 0)',
    )
    .action(async (rootArg: string | undefined, flags: { config?: string; history: string }) => {
      const ctx = await loadContext(io, { config: flags.config, root: rootArg });
      const { scanHistory } = await import('../../checks/secrets/history.js');
      const { secretsSettings } = await import('../../checks/secrets/index.js');
      let result;
      try {
        result = await scanHistory({
          root: ctx.root,
          base: flags.history,
          settings: secretsSettings(ctx.config.secrets),
          env: io.env,
        });
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
      let failing = 0;
      for (const f of result.findings) {
        // Not through the findings' collector: the file's name and an allow's reason are masked here.
        const where = `${redactPathFormats(f.file ?? '')}${f.line !== undefined ? `:${f.line}` : ''}`;
        const note = f.suppressed ? ` [suppressed by ${f.suppressed.by}: ${redactText(f.suppressed.reason)}]` : '';
        if (!f.suppressed && f.severity !== 'info') failing++;
        io.stdout(`${f.commit ?? ''} ${where}: ${f.ruleId} ${f.message}${note}\n`);
      }
      io.stderr(
        `kfm-gitops: ${result.commits} commit(s), ${result.filesScanned} file version(s) scanned; ${failing} finding(s)\n`,
      );
      setCode(failing > 0 ? 1 : 0);
    });
}
