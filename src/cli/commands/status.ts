import type { Command } from 'commander';
import { computeStatus, formatStatusTable } from '../../promote/index.js';
import { loadContext } from '../context.js';
import { CliError, type CliIO } from '../io.js';

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('status')
    .description('per app: the image digest each env pins, and whether neighbouring envs are in sync')
    .option('--root <dir>', 'desired-state root (default from config, else infra/gitops)')
    .option('-c, --config <file>', 'config file')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (flags: { root?: string; config?: string; format?: string }) => {
      if (flags.format !== 'text' && flags.format !== 'json')
        throw new CliError(`--format must be text or json, not ${JSON.stringify(flags.format)}`);
      const ctx = await loadContext(io, { config: flags.config, root: flags.root });
      const status = await computeStatus(ctx.root, ctx.config);
      io.stdout(flags.format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : formatStatusTable(status));
      setCode(0);
    });
}
