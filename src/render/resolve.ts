/**
 * Which kustomize to run: --kustomize → KFM_KUSTOMIZE → config → the project's own builds (.tools/bin: the
 * kfm-render worker, then the kustomize CLI) → `kustomize` on PATH → `kubectl kustomize`. The report names the one
 * used and its version. KFM_RENDER_WORKER=0 skips the worker (to compare, or to rule it out).
 */
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { inside } from '../config/containment.js';
import { packageRoot } from '../util/paths.js';
import { fileStamp } from '../util/stamp.js';
import { userKeyFile } from '../util/user-key.js';
import { execCapture } from './exec.js';

export interface KustomizeCommand {
  /** Executable and the arguments that come before `build` (e.g. ['kustomize'] for `kubectl kustomize`). */
  file: string;
  prefixArgs: string[];
  /** How it was chosen: flag, env, config, bundled, path, kubectl. */
  source: 'flag' | 'env' | 'config' | 'bundled' | 'path' | 'kubectl';
  display: string;
  version: string;
  /** `file` is kfm-render: render through long-lived workers (render/worker.ts), not a process per overlay. */
  worker?: boolean;
  /** The helm binary for helmCharts (see resolveHelm), when one was found. */
  helm?: string;
}

export class KustomizeNotFoundError extends Error {}

export interface ResolveOptions {
  flag?: string;
  env?: string;
  config?: string;
  /** PATH to search (defaults to process.env.PATH). */
  path?: string;
  /** Folder of the project's own toolchain build (default <package>/.tools/bin). */
  toolsDir?: string;
  /** false: do not use the kfm-render worker even when it is built. */
  worker?: boolean;
  /** KFM_HELM: the helm binary for helmCharts (path, or a name looked up on PATH). */
  helm?: string;
  /**
   * The repository under check (the config's Git top): a kustomize found on PATH inside it is the pull request's
   * file, never run unless the user names it (--kustomize, KFM_KUSTOMIZE).
   */
  repository?: string;
}

/**
 * The protocol versions of tools/kfm-render this code speaks: 4, whose requests carry helm's API versions. A worker
 * of protocol 3 or before would ignore them and inflate charts for a cluster serving helm's defaults only, which is
 * not what Argo CD renders: such a binary is not used (rebuild it: `npm run tools`).
 */
const WORKER_PROTOCOLS: readonly unknown[] = [4];

/** kustomize release of a built kfm-render, or undefined when it is missing, broken or speaks another protocol. */
async function workerVersion(file: string): Promise<string | undefined> {
  if (!isExecutable(file)) return undefined;
  const stamp = binaryStamp(file);
  const memo = stamp ? readVersionMemo()[file] : undefined;
  if (memo && memo.stamp === stamp && typeof memo.version === 'string') return memo.version;
  const r = await execCapture(file, ['version'], { timeoutMs: 15_000, maxOutputBytes: 64 * 1024 });
  if (r.spawnError || r.timedOut || r.exitCode !== 0) return undefined;
  let version: string | undefined;
  try {
    const v = JSON.parse(r.stdout) as { kustomize?: unknown; protocol?: unknown };
    version =
      WORKER_PROTOCOLS.includes(v.protocol) && typeof v.kustomize === 'string' && v.kustomize !== 'unknown'
        ? v.kustomize
        : undefined;
  } catch {
    return undefined; // not a kfm-render of a known protocol: the resolver goes on to kustomize, or refuses to run
  }
  if (version && stamp) writeVersionMemo(file, { stamp, version });
  return version;
}

/**
 * The worker's answer to `version` is a function of its binary, so it is remembered per binary in the user's cache
 * folder (outside every repository: a repo under check cannot plant it), keyed by the file's stamp in nanoseconds
 * and the protocol; a rebuilt binary misses. It saves a process start (20–35 ms wall) on every run, a tenth of
 * a warm `check`. Best effort both ways: an unreadable or unwritable memo only means asking the binary.
 */
interface VersionMemo {
  stamp: string;
  version: string;
}

const VERSION_MEMO = 'worker-version.json';

function binaryStamp(file: string): string | undefined {
  try {
    return `${WORKER_PROTOCOLS.join(',')}:${fileStamp(statSync(file, { bigint: true }))}`;
  } catch {
    return undefined; // no stamp: the version memo is not used (a cache miss), the binary is asked
  }
}

function readVersionMemo(): Record<string, VersionMemo> {
  try {
    const memo = JSON.parse(readFileSync(userKeyFile(VERSION_MEMO), 'utf8')) as unknown;
    return memo && typeof memo === 'object' && !Array.isArray(memo) ? (memo as Record<string, VersionMemo>) : {};
  } catch {
    return {};
  }
}

function writeVersionMemo(file: string, entry: VersionMemo): void {
  const target = userKeyFile(VERSION_MEMO);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify({ ...readVersionMemo(), [file]: entry }), { mode: 0o600 });
    renameSync(tmp, target);
  } catch {
    // not remembered: the next run asks the binary again
    try {
      rmSync(tmp, { force: true });
    } catch {
      // a temp file in the user's cache folder is all that is left behind
    }
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false; // not runnable: the resolver tries the next candidate, or refuses to run (KustomizeNotFoundError)
  }
}

function which(name: string, pathVar: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Splits a user-given command on spaces (no shell: quotes are not interpreted, a path with spaces must be a single word via the env var). */
function splitCommand(cmd: string): string[] {
  return cmd.trim().split(/\s+/).filter(Boolean);
}

async function versionOf(file: string, prefixArgs: string[]): Promise<string | undefined> {
  const isKubectl = prefixArgs[0] === 'kustomize';
  const args = isKubectl ? ['version', '--client', '-o', 'json'] : [...prefixArgs, 'version'];
  const r = await execCapture(file, args, { timeoutMs: 15_000, maxOutputBytes: 1024 * 1024 });
  if (r.spawnError || r.timedOut || r.exitCode !== 0) return undefined;
  if (isKubectl) {
    try {
      return (JSON.parse(r.stdout) as { kustomizeVersion?: string }).kustomizeVersion ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }
  const m = /v?\d+\.\d+\.\d+[^\s]*/.exec(r.stdout);
  return m ? (m[0].startsWith('v') ? m[0] : `v${m[0]}`) : r.stdout.trim().split('\n')[0] || 'unknown';
}

export async function resolveKustomize(options: ResolveOptions): Promise<KustomizeCommand> {
  const helm = resolveHelm(options);
  const cmd = await resolveKustomizeOnly(options);
  return helm ? { ...cmd, helm } : cmd;
}

/**
 * The helm that inflates helmCharts: KFM_HELM → the project's pinned build (.tools/bin/helm, `npm run tools`) →
 * `helm` on PATH. Undefined when there is none: only an overlay with helmCharts needs it, and that overlay then
 * stops the run as a configuration error (pipeline), never a skip. A KFM_HELM that is not executable is an error now.
 */
export function resolveHelm(
  options: Pick<ResolveOptions, 'helm' | 'path' | 'toolsDir' | 'repository'>,
): string | undefined {
  const pathVar = options.path ?? process.env.PATH ?? '';
  if (options.helm) {
    // Absolute: kustomize runs it from the overlay's folder, not from here.
    const file = options.helm.includes('/')
      ? isExecutable(options.helm)
        ? resolvePath(options.helm)
        : undefined
      : which(options.helm, pathVar);
    if (!file)
      throw new KustomizeNotFoundError(
        `helm command ${JSON.stringify(options.helm)} (from KFM_HELM) is not an executable`,
      );
    return file;
  }
  const bundled = join(options.toolsDir ?? join(packageRoot(), '.tools', 'bin'), 'helm');
  if (isExecutable(bundled)) return bundled;
  // As for kustomize: a helm PATH finds inside the repository under check is the pull request's file.
  const onPath = which('helm', pathVar);
  return onPath !== undefined && ofRepository(onPath, options.repository) ? undefined : onPath;
}

/**
 * The config is part of the change under check: a `kustomize.command` naming a committed script (`./render.sh`) or an
 * interpreter with arguments (`sh render.sh`, `python3 -c…`) would run the pull request's code on the host and let
 * it print the "render" its own review sees. From the config only `kustomize` or `kubectl kustomize`, looked up on
 * PATH, is taken; anything else is the user's to name (--kustomize, KFM_KUSTOMIZE). Checked before anything runs.
 */
function configCommandProblem(exe: string | undefined, args: string[]): string | undefined {
  const advice = 'name any other command with --kustomize or KFM_KUSTOMIZE';
  if (exe === undefined) return 'is empty';
  if (exe.includes('/'))
    return `names a path: the config is part of the change under check, so it may only pick \`kustomize\` or \`kubectl kustomize\` from PATH; ${advice}`;
  const plain = exe === 'kustomize' && args.length === 0;
  const kubectl = exe === 'kubectl' && args.length === 1 && args[0] === 'kustomize';
  if (!plain && !kubectl)
    return `is not \`kustomize\` or \`kubectl kustomize\`: the config is part of the change under check and may not choose another program or its arguments; ${advice}`;
  return undefined;
}

function ofRepository(file: string, repository: string | undefined): boolean {
  return repository !== undefined && inside(repository, file);
}

async function resolveKustomizeOnly(options: ResolveOptions): Promise<KustomizeCommand> {
  const pathVar = options.path ?? process.env.PATH ?? '';
  const explicit: [KustomizeCommand['source'], string | undefined][] = [
    ['flag', options.flag],
    ['env', options.env],
    ['config', options.config],
  ];
  for (const [source, cmd] of explicit) {
    if (!cmd) continue;
    const [exe, ...rest] = splitCommand(cmd);
    if (source === 'config') {
      const refused = configCommandProblem(exe, rest);
      if (refused)
        throw new KustomizeNotFoundError(`kustomize.command ${JSON.stringify(cmd)} in kfm-gitops.yaml ${refused}`);
    }
    const file = isAbsolute(exe) || exe.includes('/') ? (isExecutable(exe) ? exe : undefined) : which(exe, pathVar);
    if (source === 'config' && file !== undefined && !isAbsolute(file))
      throw new KustomizeNotFoundError(
        `kustomize.command ${JSON.stringify(cmd)} in kfm-gitops.yaml resolves through a relative PATH entry to ${file}, which may be a file of the repository under check; name it with --kustomize or KFM_KUSTOMIZE`,
      );
    if (source === 'config' && file !== undefined && ofRepository(file, options.repository))
      throw new KustomizeNotFoundError(
        `kustomize.command ${JSON.stringify(cmd)} in kfm-gitops.yaml resolves on PATH to ${file}, a file of the repository under check; name it with --kustomize or KFM_KUSTOMIZE`,
      );
    if (!file)
      throw new KustomizeNotFoundError(
        `kustomize command ${JSON.stringify(cmd)} (from ${source}) is not an executable`,
      );
    const version = await versionOf(file, rest);
    if (!version)
      throw new KustomizeNotFoundError(
        `kustomize command ${JSON.stringify(cmd)} (from ${source}) did not answer \`version\``,
      );
    return { file, prefixArgs: rest, source, display: cmd, version };
  }
  // KFM_TOOLS_DIR points at another toolchain folder (or an empty one, to ignore the bundled build).
  const toolsDir = options.toolsDir ?? join(packageRoot(), '.tools', 'bin');
  if (options.worker !== false) {
    const worker = join(toolsDir, 'kfm-render');
    const version = await workerVersion(worker);
    if (version)
      return { file: worker, prefixArgs: [], source: 'bundled', display: 'kfm-render', version, worker: true };
  }
  const bundled = join(toolsDir, 'kustomize');
  const candidates: [KustomizeCommand['source'], string | undefined, string[]][] = [
    ['bundled', isExecutable(bundled) ? bundled : undefined, []],
    ['path', which('kustomize', pathVar), []],
    ['kubectl', which('kubectl', pathVar), ['kustomize']],
  ];
  for (const [source, file, prefixArgs] of candidates) {
    // A PATH entry inside the repository under check (node_modules/.bin under npx) is not where its kustomize comes from.
    if (!file || (source !== 'bundled' && ofRepository(file, options.repository))) continue;
    const version = await versionOf(file, prefixArgs);
    if (version) return { file, prefixArgs, source, display: prefixArgs.length ? `kubectl kustomize` : file, version };
  }
  throw new KustomizeNotFoundError(
    'kustomize not found: run `npm run tools` (builds the pinned kustomize into .tools/bin with Go), install kustomize v5 on PATH, or pass --kustomize <cmd>',
  );
}
