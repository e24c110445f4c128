/**
 * What every command needs before it runs: the config, the root, the kustomize command, the output plan.
 * Bad input here is a CliError (exit 2) with one clear line.
 */
import { existsSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { escapingConfigPath, repositoryTop, symlinkedStateDir } from '../config/containment.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { configSearchDirs, desiredStateFor } from '../discover/root.js';
import type { Config } from '../config/types.js';
import { FORMAT_NAMES, loadFormatter } from '../report/formats.js';
import { KustomizeNotFoundError, resolveKustomize, type KustomizeCommand } from '../render/resolve.js';
import type { FailOn, Report } from '../types.js';
import { shippedKubernetesReleases } from '../util/version.js';
import { kubernetesForOpenShift, OPENSHIFT_KUBERNETES } from '../checks/schema/openshift.js';
import { CliError, type CliIO } from './io.js';
import { allowWritesUnder, writeFileAtomic } from '../util/atomic-write.js';

export const DEFAULT_ROOT = 'infra/gitops';

export interface Loaded {
  config: Config;
  configFile?: string;
  root: string;
  /** Root-relative folder the root argument named below the desired-state root (`check apps`). */
  scope?: string;
}

export async function loadContext(
  io: CliIO,
  opts: { config?: string; root?: string; scopeFromArg?: boolean },
): Promise<Loaded> {
  const rootArg = opts.root ? resolve(io.cwd, opts.root) : undefined;
  let loaded;
  try {
    loaded = await loadConfig({
      explicitPath: opts.config ? resolve(io.cwd, opts.config) : undefined,
      // Upward to the Git top from the current folder and from the argument: run from a subfolder, the repo's
      // config still applies.
      searchDirs: configSearchDirs(io.cwd, rootArg),
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`config error: ${err.message}`);
    throw err;
  }
  const configDir = loaded.file ? dirname(loaded.file) : io.cwd;
  const configRoot = loaded.config.root ? resolve(configDir, loaded.config.root) : undefined;
  let root = rootArg ?? configRoot ?? resolve(io.cwd, DEFAULT_ROOT);
  let scope: string | undefined;
  if (rootArg && opts.scopeFromArg && existsSync(rootArg)) {
    // The layer counts from the desired-state root, never from the argument: `check apps` narrows only.
    try {
      ({ root, scope } = desiredStateFor(rootArg, { cwd: io.cwd, configRoot }));
    } catch (err) {
      throw new CliError(`cannot find the desired-state root: ${(err as Error).message}`);
    }
  }
  if (!existsSync(root))
    throw new CliError(
      `root ${root} does not exist (pass the desired-state folder as an argument, or set \`root\` in kfm-gitops.yaml)`,
    );
  if (!statSync(root).isDirectory()) throw new CliError(`root ${root} is not a directory`);
  // The repository's config is the pull request's: what it names must stay in the repository (exit 2 otherwise).
  if (loaded.file) {
    const escape = escapingConfigPath({
      config: loaded.config,
      configDir,
      root,
      rootFromConfig: rootArg === undefined && loaded.config.root !== undefined,
      top: repositoryTop(configDir),
    });
    if (escape) throw new CliError(`config error: ${escape}`);
  }
  const symlinked = symlinkedStateDir(root);
  if (symlinked) throw new CliError(symlinked);
  // Every write of the run goes through writeFileAtomic, which refuses anything outside these (and the report
  // files and --cache-dir the user names on the command line, added where they are parsed).
  allowWritesUnder([root, ...(loaded.file ? [repositoryTop(configDir)] : [])]);
  return { config: loaded.config, configFile: loaded.file, root, ...(scope ? { scope } : {}) };
}

/** `root`: the desired-state root under check; its repository's files are never run (ResolveOptions.repository). */
export async function kustomizeFor(io: CliIO, config: Config, flag?: string, root?: string): Promise<KustomizeCommand> {
  try {
    return await resolveKustomize({
      ...(root ? { repository: repositoryTop(root) } : {}),
      flag,
      env: io.env.KFM_KUSTOMIZE || undefined,
      config: config.kustomize?.command,
      path: io.env.PATH,
      toolsDir: io.env.KFM_TOOLS_DIR || undefined,
      worker: io.env.KFM_RENDER_WORKER !== '0',
      helm: io.env.KFM_HELM || undefined,
    });
  } catch (err) {
    if (err instanceof KustomizeNotFoundError) throw new CliError(err.message);
    throw err;
  }
}

export function kubernetesVersionFor(flag: string | undefined, config: Config, openshiftFlag?: string): string {
  const shipped = shippedKubernetesReleases();
  let wanted = flag ?? config.kubernetesVersion;
  if (openshiftFlag !== undefined) {
    const mapped = kubernetesForOpenShift(openshiftFlag);
    if (!mapped) {
      throw new CliError(
        `--openshift-version ${JSON.stringify(openshiftFlag)} is not known; choose one of ${Object.keys(OPENSHIFT_KUBERNETES).join(', ')}`,
      );
    }
    if (flag !== undefined && flag.replace(/^v/, '').split('.').slice(0, 2).join('.') !== mapped) {
      throw new CliError(
        `--openshift-version ${openshiftFlag} runs Kubernetes ${mapped}, not ${flag}: give one of the two`,
      );
    }
    wanted = mapped;
  }
  if (wanted) {
    const normal = wanted.replace(/^v/, '').split('.').slice(0, 2).join('.');
    if (shipped.length > 0 && !shipped.includes(normal)) {
      throw new CliError(`Kubernetes ${wanted} has no shipped schemas; choose one of ${shipped.join(', ')}`);
    }
    return normal;
  }
  return shipped[shipped.length - 1] ?? '1.33';
}

export function parseFailOn(value: string | undefined, config: Config): FailOn {
  const v = value ?? config.failOn ?? 'error';
  if (v !== 'error' && v !== 'warning')
    throw new CliError(`--fail-on must be error or warning, not ${JSON.stringify(v)}`);
  return v;
}

export function parsePositiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${name} must be a whole number ≥ 1, not ${JSON.stringify(value)}`);
  return n;
}

export function parsePositiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${name} must be a number > 0, not ${JSON.stringify(value)}`);
  return n;
}

export interface OutputPlan {
  console: string;
  files: { format: string; file: string }[];
}

export function planOutputs(io: CliIO, format: string | undefined, outputs: string[] | undefined): OutputPlan {
  const known = [...FORMAT_NAMES];
  const consoleFormat = format ?? 'text';
  if (!known.includes(consoleFormat))
    throw new CliError(`unknown --format ${JSON.stringify(consoleFormat)}; one of ${known.join(', ')}`);
  const files = (outputs ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1)
      throw new CliError(`--output takes <format>=<file>, not ${JSON.stringify(spec)}`);
    const f = spec.slice(0, eq);
    if (!known.includes(f))
      throw new CliError(`unknown format ${JSON.stringify(f)} in --output; one of ${known.join(', ')}`);
    const file = resolve(io.cwd, spec.slice(eq + 1));
    allowWritesUnder([dirname(file)]); // the user's own choice; the temp file sits beside it
    return { format: f, file };
  });
  return { console: consoleFormat, files };
}

export { writeFileAtomic };

/** Writes the report files (atomically) and the console report; formatters stay pure. */
export async function emitReport(
  io: CliIO,
  report: Report,
  plan: OutputPlan,
  options: { color: boolean; quiet?: boolean; verbose?: boolean; failOn: FailOn; uriPrefix: string },
): Promise<void> {
  // Rule docs (SARIF metadata; titles and advice in text and GitHub summaries) mean loading every check, which a
  // clean cached run never needs: loaded for SARIF always, for the others only when there is something to explain.
  const formats = [plan.console, ...plan.files.map((f) => f.format)];
  const needsRules =
    formats.includes('sarif') || (report.findings.length > 0 && formats.some((f) => f === 'text' || f === 'github'));
  const rules = needsRules ? (await import('../rules/index.js')).allRules() : undefined;
  const formatOptions = { ...options, ...(rules ? { rules } : {}) };
  for (const out of plan.files)
    await writeFileAtomic(out.file, (await loadFormatter(out.format))(report, { ...formatOptions, color: false }));
  // GitHub's job page shows this Markdown file under the run: the full table the 10 annotations cannot hold.
  const stepSummary = io.env.GITHUB_STEP_SUMMARY;
  if (stepSummary && formats.includes('github')) {
    const { formatGithubStepSummary } = await import('../report/index.js');
    await appendFile(stepSummary, formatGithubStepSummary(report, { uriPrefix: options.uriPrefix, rules }));
  }
  io.stdout((await loadFormatter(plan.console))(report, formatOptions));
}
