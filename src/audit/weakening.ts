/**
 * What a change does to the gate: the ways a pull request can make the same repository check less — a rule lowered
 * or switched off, an exception added or changed, overlays or files excluded, exec plugins allowed, a schema
 * override, a policy file edited. Pure: two configs (and the changed policy files) in, weakenings out. Each names
 * what an audit note (ADR) must mention for the change to be accepted, and the config key to point at.
 */
import { secretsSettings } from '../checks/secrets/config.js';
import type { Config } from '../config/types.js';
import { defaultSeverityOf, SEVERITY_RANK } from '../rules/index.js';
import { RENDER_EXEC_PLUGIN } from '../rules/render.js';
import { RULES as SCHEMA } from '../rules/schema.js';
import type { Severity } from '../types.js';
import { shippedKubernetesReleases } from '../util/version.js';

export interface Weakening {
  /** One line: what changed. */
  what: string;
  /** An ADR that mentions any of these (rule ids first) covers the weakening. */
  mentions: string[];
  /** Config key path of the change (for its line), or the changed file (and the line in it, when known). */
  path?: (string | number)[];
  file?: string;
  line?: number;
}

const RANK: Record<Severity | 'off', number> = { off: -1, ...SEVERITY_RANK };

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const added = (before: unknown, after: unknown): string[] => {
  const had = new Set(strings(before));
  return strings(after).filter((x) => !had.has(x));
};

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Exceptions without the loader's line numbers (moving an entry is not a change). */
function exceptionsOf(config: Config): Record<string, unknown>[] {
  return (config.exceptions ?? []).map(({ line: _line, ...rest }) => rest);
}

export function configWeakenings(before: Config, after: Config): Weakening[] {
  const out: Weakening[] = [];
  // Compared as the run applies them (an entry left out is the rule's default): taking out an entry that raised a
  // rule lowers it as surely as writing the lower severity.
  const severity = (c: Config, id: string): Severity | 'off' => c.rules?.[id] ?? defaultSeverityOf(id) ?? 'error';
  for (const id of new Set([...Object.keys(before.rules ?? {}), ...Object.keys(after.rules ?? {})])) {
    const [was, now] = [severity(before, id), severity(after, id)];
    if (RANK[now] >= RANK[was]) continue;
    const what = after.rules?.[id] !== undefined ? `\`rules.${id}: ${now}\`` : `\`rules.${id}\` taken out (${now})`;
    out.push({
      what: `${what} (was ${was})`,
      mentions: [id],
      path: after.rules?.[id] !== undefined ? ['rules', id] : ['rules'],
    });
  }
  const previous = exceptionsOf(before);
  exceptionsOf(after).forEach((e, i) => {
    if (previous.some((p) => same(p, e))) return;
    const rule = String(e.rule);
    const changed = previous.some((p) => p.rule === e.rule);
    out.push({
      what: `${changed ? 'a changed' : 'a new'} exception for ${rule}`,
      mentions: [rule],
      path: ['exceptions', i],
    });
  });
  for (const glob of added(before.discovery?.exclude, after.discovery?.exclude))
    out.push({ what: `discovery.exclude \`${glob}\``, mentions: [glob], path: ['discovery', 'exclude'] });
  if (!same(before.discovery?.include, after.discovery?.include) && after.discovery?.include !== undefined)
    out.push({ what: 'a changed discovery.include', mentions: ['discovery.include'], path: ['discovery', 'include'] });
  if (after.kustomize?.allowExec === true && before.kustomize?.allowExec !== true)
    out.push({
      what: '`kustomize.allowExec: true`',
      mentions: [RENDER_EXEC_PLUGIN, 'allowExec'],
      path: ['kustomize', 'allowExec'],
    });
  if ((after.failOn ?? 'error') === 'error' && before.failOn === 'warning')
    out.push({
      what: `${after.failOn ? '`failOn: error`' : '`failOn` taken out (error)'} (was warning)`,
      mentions: ['failOn'],
      path: after.failOn ? ['failOn'] : [],
    });
  const schemaBefore = (before.schema ?? {}) as Record<string, unknown>;
  const schemaAfter = (after.schema ?? {}) as Record<string, unknown>;
  const unknownBefore = new Set(((schemaBefore.allowUnknownKinds as unknown[]) ?? []).map((k) => JSON.stringify(k)));
  ((schemaAfter.allowUnknownKinds as unknown[]) ?? []).forEach((k, i) => {
    if (!unknownBefore.has(JSON.stringify(k)))
      out.push({
        what: `a new schema.allowUnknownKinds entry`,
        mentions: [SCHEMA.unknownKind],
        path: ['schema', 'allowUnknownKinds', i],
      });
  });
  // Unknown fields as warnings: a typo such as `selfheal` (a setting silently pruned) no longer fails the run.
  if (schemaAfter.strict === false && schemaBefore.strict !== false)
    out.push({
      what: '`schema.strict: false`',
      mentions: [SCHEMA.unknownField, 'schema.strict'],
      path: ['schema', 'strict'],
    });
  // An older release still serves the APIs a newer one removed: pinning it back passes manifests the cluster rejects.
  const release = (c: Config): number =>
    Number((c.kubernetesVersion ?? shippedKubernetesReleases().at(-1) ?? '1.0').split('.')[1]);
  if (after.kubernetesVersion !== undefined && release(after) < release(before))
    out.push({
      what: `\`kubernetesVersion: "${after.kubernetesVersion}"\` (was ${before.kubernetesVersion ?? 'the newest shipped'})`,
      mentions: [SCHEMA.removedApi, 'kubernetesVersion'],
      path: ['kubernetesVersion'],
    });
  for (const dir of added(schemaBefore.extraDirs, schemaAfter.extraDirs))
    out.push({ what: `schema.extraDirs \`${dir}\``, mentions: [dir], path: ['schema', 'extraDirs'] });
  const secretsBefore = (before.secrets ?? {}) as Record<string, unknown>;
  const secretsAfter = (after.secrets ?? {}) as Record<string, unknown>;
  for (const key of ['exclude', 'stopWords'] as const)
    for (const entry of added(secretsBefore[key], secretsAfter[key]))
      out.push({ what: `secrets.${key} \`${entry}\``, mentions: [entry], path: ['secrets', key] });
  // allowRules left out is the default list (every permitted rule): taking out a narrower list widens it.
  const allowBefore = secretsSettings(secretsBefore).allowRules;
  for (const entry of added(allowBefore, secretsSettings(secretsAfter).allowRules))
    out.push({
      what: `secrets.allowRules \`${entry}\`${secretsAfter.allowRules === undefined ? ' (the default, the list taken out)' : ''}`,
      mentions: [entry],
      path: secretsAfter.allowRules === undefined ? ['secrets'] : ['secrets', 'allowRules'],
    });
  // Settings that decide what the rules see or how they judge: any change is the reviewer's to approve.
  const changed = (what: string, a: unknown, b: unknown, path: string[]): void => {
    if (!same(a, b)) out.push({ what: `a changed ${what}`, mentions: [what], path });
  };
  const policyBefore = (before.policy ?? {}) as Record<string, unknown>;
  const policyAfter = (after.policy ?? {}) as Record<string, unknown>;
  for (const key of new Set([...Object.keys(policyBefore), ...Object.keys(policyAfter)]))
    changed(`policy.${key}`, policyBefore[key], policyAfter[key], ['policy', key]);
  changed('discovery.overlays', before.discovery?.overlays, after.discovery?.overlays, ['discovery', 'overlays']);
  changed('envOrder', before.envOrder, after.envOrder, ['envOrder']);
  // The root decides which overlays are checked at all (and layers count from it).
  changed('root', before.root, after.root, ['root']);
  changed('audit.adrDir', before.audit?.adrDir, after.audit?.adrDir, ['audit', 'adrDir']);
  // Which Applications are this repository's: a URL taken out makes its Applications "another repository's".
  changed('argo.repoURLs', before.argo?.repoURLs, after.argo?.repoURLs, ['argo', 'repoURLs']);
  changed('secrets.baseline', secretsBefore.baseline, secretsAfter.baseline, ['secrets', 'baseline']);
  if (secretsSettings(secretsAfter).maxFileBytes > secretsSettings(secretsBefore).maxFileBytes)
    changed('secrets.maxFileBytes', secretsBefore.maxFileBytes, secretsAfter.maxFileBytes, ['secrets', 'maxFileBytes']);
  const coverageOf = (c: Config): unknown[] =>
    ((c as { coverage?: { exclude?: unknown[] } }).coverage?.exclude ?? []).map((e) => JSON.stringify(e));
  for (const e of added(coverageOf(before), coverageOf(after)))
    out.push({
      what: `coverage.exclude ${e}`,
      mentions: [String((JSON.parse(e) as { path?: unknown }).path ?? e)],
      path: ['coverage', 'exclude'],
    });
  return out;
}

/** Rule ids a Rego file declares (`id: KFM-…` in its METADATA), for what an ADR about its change must name. */
export function regoRuleIds(text: string): string[] {
  return [...new Set([...text.matchAll(/\bid:\s*["']?(KFM-[A-Z]+-\d{3})/g)].map((m) => m[1]!))];
}

/** Whether an ADR text covers a weakening: it names one of its mentions as a whole word. */
export function covers(adrText: string, w: Weakening): boolean {
  return w.mentions.some((m) => {
    let from = 0;
    for (;;) {
      const i = adrText.indexOf(m, from);
      if (i < 0) return false;
      const before = adrText[i - 1] ?? ' ';
      const after = adrText[i + m.length] ?? ' ';
      if (!/[A-Za-z0-9_-]/.test(before) && !/[A-Za-z0-9_-]/.test(after)) return true;
      from = i + 1;
    }
  });
}
