/**
 * Policy rules are declared in Rego (`# METADATA` of each rule under policies/), compiled with the Wasm module into
 * the shipped catalogue policies/bundle/rules.json; the registry reads that catalogue, so a policy rule's id, title
 * and severity exist in exactly one place. The families below are reserved for built-in rules: a custom policy may
 * not use them, and an unknown id in one of them is a config typo.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleDoc, Severity } from '../types.js';
import { packageRoot } from '../util/paths.js';

export interface CatalogueEntry {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  remediation: string;
  /** Rego package, e.g. `kfm.tm.route_to_store`. */
  package: string;
  /** Package-relative source file, e.g. `policies/tm/route_to_store.rego`. */
  file: string;
}

export interface Catalogue {
  rules: CatalogueEntry[];
  /** The defaults of input.params (policies/lib/params.rego), for docs and `policies list`. */
  defaultParams: Record<string, unknown>;
}

export function policiesDir(): string {
  return join(packageRoot(), 'policies');
}

let builtin: Catalogue | undefined;

/** The shipped catalogue, read synchronously once (the registry is synchronous). */
export function builtinCatalogue(): Catalogue {
  builtin ??= JSON.parse(readFileSync(join(policiesDir(), 'bundle', 'rules.json'), 'utf8')) as Catalogue;
  return builtin;
}

export function toRuleDoc(e: CatalogueEntry): RuleDoc {
  return {
    id: e.id,
    title: e.title,
    category: 'policy',
    severity: e.severity,
    description: e.description,
    remediation: e.remediation,
  };
}

export function policyRules(): RuleDoc[] {
  return builtinCatalogue().rules.map(toRuleDoc);
}

/**
 * KFM-ARGO-003 (policies/argo/default_project.rego), also reported by src/argo/applications.ts for an ApplicationSet
 * whose generator parameters (not list elements, which the policy substitutes) give the default AppProject.
 */
export const ARGO_DEFAULT_PROJECT = 'KFM-ARGO-003';

/**
 * KFM-ARGO-004 (policies/argo/prod_automated_sync.rego), also reported by src/argo/applications.ts for an
 * ApplicationSet whose generated Applications are prod by their evaluated parameters (argo/prod-sync.ts).
 */
export const ARGO_PROD_AUTOSYNC = 'KFM-ARGO-004';
