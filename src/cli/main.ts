/**
 * The only place that parses argv and decides the exit code (DESIGN.md principle 1).
 * 0 = nothing at or above --fail-on; 1 = findings; 2 = the tool could not do its job (bad flags/config,
 * kustomize missing); 130 = interrupted.
 */
import { Command, CommanderError } from 'commander';
import { toolVersion } from '../util/version.js';
import { COMMANDS } from './commands/index.js';
import { CliError, processIO, type CliIO } from './io.js';

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const setCode = (c: number): void => {
    code = c;
  };
  const program = new Command('kfm-gitops')
    .description(
      'Guard a GitOps desired-state repo: render every Kustomize overlay, check schemas, policies and secrets; promote image digests.',
    )
    .version(toolVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    // Options belong to the (sub)command they follow: `promote verify --root x` must reach `verify`.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText(
      'after',
      '\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 the tool could not run (flags, config, kustomize), 130 interrupted.\nDocs for a finding: kfm-gitops explain <ruleId>',
    );
  for (const register of COMMANDS) register(program, io, setCode);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error (unknown flag, missing argument) is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    if (err instanceof CliError) {
      io.stderr(`kfm-gitops: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof Error && (err as { fatal?: boolean }).fatal === true) {
      io.stderr(`kfm-gitops: ${err.message}\n`);
      return 2;
    }
    io.stderr(`kfm-gitops: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 2;
  }
}
