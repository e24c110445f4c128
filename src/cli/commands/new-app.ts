import type { Command } from 'commander';
import { planScaffold, PromoteUsageError, unifiedDiff, writeScaffold } from '../../promote/index.js';
import { loadContext, parsePositiveInt } from '../context.js';
import { CliError, type CliIO } from '../io.js';

interface NewAppFlags {
  image?: string;
  port?: string;
  root?: string;
  config?: string;
  dryRun?: boolean;
}

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('new-app')
    .description(
      'scaffold apps/<name>/base and overlays/<env> for every env, pinned by digest, and register it with the ApplicationSets',
    )
    .argument('<name>', 'app name (a DNS label)')
    .requiredOption('--image <ref>', 'image pinned by digest, e.g. quay.io/kfm/my-app:1.0.0@sha256:<64 hex>')
    .option('--port <n>', 'container port (default 8080)')
    .option('--root <dir>', 'desired-state root (default from config, else infra/gitops)')
    .option('-c, --config <file>', 'config file')
    .option('--dry-run', 'print what would be created; write nothing')
    .action(async (name: string, flags: NewAppFlags) => {
      const port = parsePositiveInt('--port', flags.port);
      if (port !== undefined && port > 65535) throw new CliError('--port must be at most 65535');
      const ctx = await loadContext(io, { config: flags.config, root: flags.root });
      try {
        const plan = await planScaffold({ root: ctx.root, config: ctx.config, name, image: flags.image!, port });
        const lines: string[] = [];
        for (const c of plan.create) lines.push(`create ${c.file}`);
        for (const u of plan.update) {
          lines.push(`update ${u.file}`);
          lines.push(unifiedDiff(u.before, u.after, { fromLabel: `a/${u.file}`, toLabel: `b/${u.file}` }).trimEnd());
        }
        if (!flags.dryRun) await writeScaffold(ctx.root, plan);
        lines.push(
          '',
          flags.dryRun ? 'dry run: nothing written' : `✔ scaffolded ${name}; next: kfm-gitops check, then commit`,
        );
        io.stdout(`${lines.join('\n')}\n`);
        if (plan.unregistered.length > 0) {
          io.stderr(
            `kfm-gitops: warning: no ApplicationSet list generator under components/applicationsets has elements for ${plan.unregistered.join(', ')}; register ${name} there by hand\n`,
          );
        }
        setCode(0);
      } catch (err) {
        if (err instanceof PromoteUsageError) throw new CliError(err.message);
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new CliError(`${(err as Error).message}: new-app never replaces a file`);
        throw err;
      }
    });
}
