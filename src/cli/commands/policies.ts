/** `kfm-gitops policies list|test`: the logic lives in src/checks/policy/commands.ts. */
import type { Command } from 'commander';
// The policy code (OPA, WebAssembly) is imported in the actions: start-up of every other command stays light.
const policyCommands = () => import('../../checks/policy/commands.js');
import { loadContext } from '../context.js';
import { CliError, type CliIO } from '../io.js';

interface Flags {
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  const policies = program.command('policies').description("the Rego policy catalogue and the repo's own policies");
  policies
    .command('list')
    .description('print every policy rule (built-in, and custom from policy.customDir)')
    .argument('[root]', 'desired-state root (for the config and custom policies)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the catalogue as JSON')
    .option('-v, --verbose', "show each rule's Rego package and file")
    .action(async (root: string | undefined, flags: Flags) => {
      const ctx = await loadContext(io, { config: flags.config, root });
      const { formatList, listPolicies } = await policyCommands();
      const result = await listPolicies({ root: ctx.root, config: ctx.config });
      for (const note of result.notes) io.stderr(`kfm-gitops: ${note}\n`);
      io.stdout(
        flags.json ? `${JSON.stringify(result.rules, null, 2)}\n` : formatList(result, { verbose: flags.verbose }),
      );
      setCode(0);
    });
  policies
    .command('test')
    .description(
      "run the Rego tests of the repo's own policies (policy.customDir) with opa, then compile them for the WebAssembly host",
    )
    .argument('[root]', 'desired-state root')
    .option('-c, --config <file>', 'config file')
    .option('-v, --verbose', 'list every test')
    .action(async (root: string | undefined, flags: Flags) => {
      const ctx = await loadContext(io, { config: flags.config, root });
      const { runPolicyTests } = await policyCommands();
      const { CustomPolicyError } = await import('../../checks/policy/custom.js');
      try {
        const result = await runPolicyTests({ root: ctx.root, config: ctx.config, verbose: flags.verbose });
        io.stdout(result.output);
        setCode(result.passed ? 0 : 1);
      } catch (err) {
        if (err instanceof CustomPolicyError) throw new CliError(err.message);
        throw err;
      }
    });
}
