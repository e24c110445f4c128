/** The checks of a run, in the order they report. Each lives in its own folder (DESIGN.md: one module per check). */
import type { Check } from '../types.js';
import { createPolicyCheck } from './policy/index.js';
import { createSchemaCheck } from './schema/index.js';
import { createSecretsCheck } from './secrets/index.js';

export { allRules } from '../rules/index.js';

export interface CheckSelection {
  /** Check ids to leave out (`--skip-check`), e.g. for speed in a dedicated job. */
  skip?: string[];
}

export function createChecks(selection: CheckSelection = {}): Check[] {
  const all: Check[] = [createSchemaCheck(), createPolicyCheck(), createSecretsCheck()];
  return all.filter((c) => !selection.skip?.includes(c.meta.id));
}
