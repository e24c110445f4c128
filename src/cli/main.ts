/**
 * The only place that parses argv and decides the exit code (DESIGN.md principle 1).
 * 0 = nothing at or above --fail-on; 1 = findings; 2 = the tool could not do its job (bad flags/config,
 * kustomize missing); 130 = interrupted.
 */
import { Command, CommanderError } from 'commander';
import { toolVersion } from '../util/version.js';
import { commandsFor } from './commands/index.js';
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
  for (const register of await commandsFor(argv)) register(program, io, setCode);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // Errors quote the repository under check (a config value, a path, a parser's excerpt): masked like findings.
    const { redactText } = await import('../redact/index.js');
    const stderr = (text: string): void => io.stderr(redactText(text));
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error (unknown flag, missing argument) is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    if (err instanceof CliError) {
      stderr(`kfm-gitops: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof Error && (err as { fatal?: boolean }).fatal === true) {
      stderr(`kfm-gitops: ${err.message}\n`);
      return 2;
    }
    stderr(`kfm-gitops: ${oneLineError(err, io.env.KFM_DEBUG === '1')}\n`);
    return 2;
  }
}

/**
 * Any other error as one clear line, not a stack: a system error says what failed on which path
 * (`cannot write report.json: permission denied (EACCES)`); anything else is an internal error with its message.
 * KFM_DEBUG=1 adds the stack for a bug report.
 */
export function oneLineError(err: unknown, debug = false): string {
  const e = err as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(err);
  let line: string;
  if (err instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const verb = SYSCALL_VERB[e.syscall] ?? e.syscall;
    const what = SYSTEM_CODE[e.code] ?? e.code;
    line = `cannot ${verb}${e.path ? ` ${e.path}` : ''}: ${what} (${e.code})`;
  } else {
    line = `internal error: ${message.split('\n')[0]}${debug ? '' : ' (KFM_DEBUG=1 prints the stack)'}`;
  }
  return debug && err instanceof Error && err.stack ? `${line}\n${err.stack}` : line;
}

const SYSCALL_VERB: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create folder',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove folder',
  scandir: 'list folder',
  stat: 'stat',
  lstat: 'stat',
  spawn: 'run',
  realpath: 'resolve',
};

const SYSTEM_CODE: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EISDIR: 'is a folder',
  ENOTDIR: 'not a folder',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};
