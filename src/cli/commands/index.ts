/**
 * Every subcommand, by name, in the order help lists them. Each is loaded when it runs: a command's module pulls in
 * its whole stage (schemas, OPA, git, promote…), and loading all thirteen cost a warm `check` more CPU than its work.
 */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';

export type Register = (program: Command, io: CliIO, setCode: (code: number) => void) => void;

type Loader = () => Promise<{ register: Register }>;

export const COMMANDS: Record<string, Loader> = {
  check: () => import('./check.js'),
  render: () => import('./render.js'),
  validate: () => import('./validate.js'),
  explain: () => import('./explain.js'),
  report: () => import('./report.js'),
  schemas: () => import('./schemas.js'),
  policies: () => import('./policies.js'),
  secrets: () => import('./secrets.js'),
  promote: () => import('./promote.js'),
  status: () => import('./status.js'),
  'new-app': () => import('./new-app.js'),
  diff: () => import('./diff.js'),
  graph: () => import('./graph.js'),
};

/**
 * The commands to register for these arguments: only the one named first (options before a command belong to the
 * program: -V and -h), else all of them — help, a typo (for the suggestion) or no command at all see the full list.
 */
export async function commandsFor(argv: string[]): Promise<Register[]> {
  const first = argv[0];
  const names =
    first !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  const modules = await Promise.all(names.map((n) => COMMANDS[n]!()));
  return modules.map((m) => m.register);
}
