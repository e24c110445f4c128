/**
 * Changes to the gate carry an audit note (the desired-state README's definition of done: "any governance-relevant
 * behavior change has an audit note/ADR"). On a `--changed-since` run, every weakening of the gate in the change —
 * see weakening.ts, and the secret suppressions it adds (suppressions.ts) — is a guard finding unless an ADR file added or edited in the same change (under
 * `audit.adrDir`, default `docs/adr/` of the root) names it.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { CONFIG_FILE_NAMES } from '../config/schema-files.js';
import type { Config } from '../config/types.js';
import { upwardTo } from '../discover/root.js';
import { locateInDocument } from '../parse/locate.js';
import { GATE_WEAKENED } from '../rules/config.js';
import type { ChangedFiles } from '../select/git.js';
import type { FindingInput } from '../types.js';
import { runGit } from '../util/git.js';
import { suppressionWeakenings } from './suppressions.js';
import { configWeakenings, covers, regoRuleIds, type Weakening } from './weakening.js';

export const DEFAULT_ADR_DIR = 'docs/adr';

export interface AuditOptions {
  /** Absolute, symlink-free checked root. */
  root: string;
  config: Config;
  /** Absolute path of kfm-gitops.yaml, when one was found. */
  configFile?: string;
  changes: ChangedFiles;
}

const toPosix = (p: string): string => p.split(sep).join('/');

/**
 * The config as it was at the change's base: the first of `places` the base holds; `{}` when none is there or it
 * did not parse (everything is new).
 */
async function configAtBase(top: string, base: string, places: string[]): Promise<Config> {
  for (const place of places) {
    let shown;
    try {
      shown = await runGit(['show', `${base}:${toPosix(relative(top, place))}`], { cwd: top });
    } catch {
      continue; // not at the base
    }
    try {
      const value = parseDocument(shown.stdout).toJS({ maxAliasCount: 20 }) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Config) : {};
    } catch {
      return {};
    }
  }
  return {};
}

/**
 * Where the base's config may have been, when the change touched it (empty: the config the run loaded is the base's
 * own): the loaded config's place, or the file it links to, when the change made or edited either; then a config
 * file the change removed beside it under the other name (renamed, or deleted so that this one is read), or, with no
 * config left, in the root or a folder above it. A deleted kfm-gitops.yaml took its settings with it (a rule it raised,
 * `failOn: warning`), and one deleted so that a lenient kfm-gitops.yml beside it is read instead left the run
 * comparing that unchanged file with itself.
 */
function basePlaces(changes: ChangedFiles, root: string, own: string | undefined, real: string | undefined): string[] {
  const changed = new Set(changes.absolute);
  const touched = [own, real].filter((p): p is string => p !== undefined && changed.has(p));
  const candidates = own
    ? CONFIG_FILE_NAMES.filter((n) => n !== basename(own)).map((n) => join(dirname(own), n))
    : upwardTo(root, changes.top).flatMap((d) => CONFIG_FILE_NAMES.map((n) => join(d, n)));
  const removed = candidates.filter((p) => changed.has(p) && !existsSync(p));
  return [...touched, ...removed];
}

/**
 * Files that judge every overlay which the change touched: policy files (built-in `policies/` of the root, or the
 * custom folder), with their rule ids; and schema files of `schema.extraDirs`, which take the place of a shipped
 * schema (an Argo CD Application's) or of the no-schema guard for their kind: a new `{}` schema there passed any
 * object of its kind, the folder being listed at the base already.
 */
async function fileWeakenings(options: AuditOptions): Promise<Weakening[]> {
  const folders = (v: unknown): string[] =>
    (Array.isArray(v) ? v : [v])
      .filter((d): d is string => typeof d === 'string' && d !== '')
      .map((d) => posix.normalize(d.replace(/\/+$/, '')));
  const policyDirs = [
    'policies',
    ...folders((options.config.policy as { customDir?: unknown } | undefined)?.customDir),
  ];
  const schemaDirs = folders((options.config.schema as { extraDirs?: unknown } | undefined)?.extraDirs);
  const under = (dirs: string[], file: string): boolean => dirs.some((d) => file === d || file.startsWith(`${d}/`));
  const out: Weakening[] = [];
  for (const file of options.changes.inRoot) {
    if (under(policyDirs, file)) {
      const text = await readFile(join(options.root, file), 'utf8').catch(() => '');
      out.push({ what: `a change to ${file}`, mentions: [...regoRuleIds(text), file], file });
    } else if (under(schemaDirs, file)) {
      out.push({ what: `a change to the schema file ${file}`, mentions: [file], file });
    }
  }
  return out;
}

export async function auditChange(options: AuditOptions): Promise<FindingInput[]> {
  const { root, config, configFile, changes } = options;
  const configPath = configFile ? toPosix(relative(root, configFile)) : undefined;
  const realConfig = configFile ? await realpath(configFile).catch(() => configFile) : undefined;
  // The config's own place (its folder resolved): when it is a link the change made or retargeted, its text at the
  // base is what the change replaced, though the file it now points at did not change.
  const ownConfig = configFile
    ? join(await realpath(dirname(configFile)).catch(() => dirname(configFile)), basename(configFile))
    : undefined;
  const places = basePlaces(changes, root, ownConfig, realConfig);
  const configChanged = places.length > 0;
  const before = configChanged ? await configAtBase(changes.top, changes.base, places) : config;
  // Findings about a config the change deleted point at its place.
  const shownConfig = configPath ?? (configChanged ? toPosix(relative(root, places[0]!)) : undefined);
  const weakenings = [
    ...(configChanged ? configWeakenings(before, config) : []),
    ...(await fileWeakenings(options)),
    // Suppressions are judged by the config the change brings (its secrets.baseline and allowRules): a change to
    // those is a weakening of its own above.
    ...(await suppressionWeakenings(root, config, changes)),
  ];
  if (weakenings.length === 0) return [];
  // The ADR folder is the one the base named: a change may not move it onto files it edits anyway (its own config).
  const adrDir = posix.normalize((before.audit?.adrDir ?? DEFAULT_ADR_DIR).replace(/\/+$/, ''));
  const adrs = await Promise.all(
    changes.inRoot
      .filter((f) => adrDir === '.' || f.startsWith(`${adrDir}/`))
      // The changed files themselves (the config, an edited policy) name their rule ids: they are not notes about it.
      .filter((f) => f !== configPath && !weakenings.some((w) => w.file === f))
      .map((f) => readFile(join(root, f), 'utf8').catch(() => '')), // a deleted ADR covers nothing
  );
  const uncovered = weakenings.filter((w) => !adrs.some((text) => covers(text, w)));
  if (uncovered.length === 0) return [];
  let locate: (path: (string | number)[]) => number | undefined = () => undefined;
  if (configFile && uncovered.some((w) => w.path)) {
    const text = await readFile(configFile, 'utf8').catch(() => '');
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc });
    locate = (path) => locateInDocument(doc, lc, path, configPath ?? '')?.line;
  }
  return uncovered.map((w) => {
    const finding: FindingInput = {
      ruleId: GATE_WEAKENED,
      message: `${w.what} weakens the gate, and no ADR under ${adrDir}/ added or edited in this change names ${w.mentions[0]}`,
      file: w.file ?? shownConfig,
    };
    const line = w.line ?? (w.path ? locate(w.path) : undefined);
    if (line !== undefined) finding.line = line;
    return finding;
  });
}
