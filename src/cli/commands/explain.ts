import type { Command } from 'commander';
import { suggest } from '../../util/suggest.js';
import { CliError, type CliIO } from '../io.js';

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  program
    .command('explain')
    .description('what a rule checks, why, and how to fix a finding; without an id, list every rule')
    .argument('[ruleId]', 'e.g. KFM-RENDER-003')
    .option('--json', 'print the rule docs as JSON')
    .action(async (ruleId: string | undefined, flags: { json?: boolean }) => {
      // Loaded here, not at start-up: every command would otherwise pay for all the checks' libraries.
      const rules = (await import('../../rules/index.js')).allRules();
      if (!ruleId) {
        io.stdout(
          flags.json
            ? `${JSON.stringify(rules, null, 2)}\n`
            : rules.map((r) => `${r.id.padEnd(16)} ${r.severity.padEnd(7)} ${r.title}`).join('\n') + '\n',
        );
        setCode(0);
        return;
      }
      const rule = rules.find((r) => r.id.toUpperCase() === ruleId.toUpperCase());
      if (!rule) {
        const hint = suggest(
          ruleId.toUpperCase(),
          rules.map((r) => r.id),
        );
        throw new CliError(
          `no rule ${ruleId}${hint ? `; did you mean ${hint}?` : ''} (\`kfm-gitops explain\` lists them)`,
        );
      }
      io.stdout(
        flags.json
          ? `${JSON.stringify(rule, null, 2)}\n`
          : `${rule.id} — ${rule.title}\ncategory: ${rule.category}, default severity: ${rule.severity}${rule.guard ? ', guard (cannot be lowered, switched off or excepted)' : ''}\n\nWhy:\n  ${rule.description}\n\nHow to fix:\n  ${rule.remediation}\n`,
      );
      setCode(0);
    });
}
