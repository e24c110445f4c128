/**
 * The policy folder conftest runs in the glue baseline: the project's own Rego rules as they are now (policies/**,
 * `*_test.rego` left out — conftest would only compile them) under kfm/, plus adapter.rego (package main), which
 * turns conftest's --combine input into the tool's per-overlay policy input. Written at bench time, never committed.
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '..', '..');

/** Replaces `dest` with the rule sources + adapter; returns how many .rego files it holds. */
export function writeConftestPolicies(dest, { policiesDir = join(projectRoot, 'policies') } = {}) {
  rmSync(dest, { recursive: true, force: true });
  let count = 0;
  const copy = (from, to) => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      if (entry.isDirectory()) copy(src, join(to, entry.name));
      else if (entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) {
        mkdirSync(to, { recursive: true });
        cpSync(src, join(to, entry.name));
        count++;
      }
    }
  };
  copy(policiesDir, join(dest, 'kfm'));
  cpSync(join(here, 'policy', 'adapter.rego'), join(dest, 'adapter.rego'));
  return count + 1;
}

/** Severities by rule id for the adapter (`--data`): the compiled bundle's catalogue. */
export const RULES_JSON = join(projectRoot, 'policies', 'bundle', 'rules.json');
