/** Every subcommand registers itself here; helpers' commands (schemas, policies, secrets, secrets, promote…) are added below. */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { register as check } from './check.js';
import { register as diff } from './diff.js';
import { register as explain } from './explain.js';
import { register as graph } from './graph.js';
import { register as render } from './render.js';
import { register as policies } from './policies.js';
import { register as promote } from './promote.js';
import { register as status } from './status.js';
import { register as newApp } from './new-app.js';
import { register as report } from './report.js';
import { register as schemas } from './schemas.js';
import { register as secrets } from './secrets.js';
import { register as validate } from './validate.js';

export type Register = (program: Command, io: CliIO, setCode: (code: number) => void) => void;

export const COMMANDS: Register[] = [
  check,
  render,
  validate,
  explain,
  report,
  schemas,
  policies,
  secrets,
  promote,
  status,
  newApp,
  diff,
  graph,
];
