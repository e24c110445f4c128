/**
 * Which kustomize to run: --kustomize → KFM_KUSTOMIZE → config → the project's own build (.tools/bin) →
 * `kustomize` on PATH → `kubectl kustomize`. The report names the one used and its version.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { execCapture } from './exec.js';

export interface KustomizeCommand {
  /** Executable and the arguments that come before `build` (e.g. ['kustomize'] for `kubectl kustomize`). */
  file: string;
  prefixArgs: string[];
  /** How it was chosen: flag, env, config, bundled, path, kubectl. */
  source: 'flag' | 'env' | 'config' | 'bundled' | 'path' | 'kubectl';
  display: string;
  version: string;
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
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
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
  const pathVar = options.path ?? process.env.PATH ?? '';
  const explicit: [KustomizeCommand['source'], string | undefined][] = [
    ['flag', options.flag],
    ['env', options.env],
    ['config', options.config],
  ];
  for (const [source, cmd] of explicit) {
    if (!cmd) continue;
    const [exe, ...rest] = splitCommand(cmd);
    const file = isAbsolute(exe) || exe.includes('/') ? (isExecutable(exe) ? exe : undefined) : which(exe, pathVar);
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
  const bundled = join(toolsDir, 'kustomize');
  const candidates: [KustomizeCommand['source'], string | undefined, string[]][] = [
    ['bundled', isExecutable(bundled) ? bundled : undefined, []],
    ['path', which('kustomize', pathVar), []],
    ['kubectl', which('kubectl', pathVar), ['kustomize']],
  ];
  for (const [source, file, prefixArgs] of candidates) {
    if (!file) continue;
    const version = await versionOf(file, prefixArgs);
    if (version) return { file, prefixArgs, source, display: prefixArgs.length ? `kubectl kustomize` : file, version };
  }
  throw new KustomizeNotFoundError(
    'kustomize not found: run `npm run tools` (builds the pinned kustomize into .tools/bin with Go), install kustomize v5 on PATH, or pass --kustomize <cmd>',
  );
}
