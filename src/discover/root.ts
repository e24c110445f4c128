/**
 * Where the desired state starts. The layer of an overlay is its first path segment below the desired-state root,
 * so the root must come from the repository (the config's `root:`, the layout), never from the folder a user
 * happens to type: `check apps` narrows the run to apps/ but keeps apps-layer rules on.
 */
import { existsSync, lstatSync } from 'node:fs';
import { isKind } from '../util/stat-kind.js';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The folders every layer is named after (DESIGN.md "Discovery by convention"). */
export const LAYER_FOLDERS = ['apps', 'core', 'bootstrap', 'components'];

/** The Git work tree top holding `dir` (a `.git` folder or file), or undefined outside Git. */
export function gitTopOf(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** The `.gitmodules` of the Git top holding `root` (absolute), or undefined when there is none. */
export function gitmodulesOf(root: string): string | undefined {
  const top = gitTopOf(root);
  if (!top) return undefined;
  try {
    lstatSync(join(top, '.gitmodules'));
    return join(top, '.gitmodules');
  } catch {
    return undefined; // no .gitmodules: git (and Argo CD) fetches no submodule
  }
}

/** `dir` and its ancestors up to its Git top (only `dir` itself outside Git: nothing above the repo is trusted). */
export function upwardTo(dir: string, top = gitTopOf(dir)): string[] {
  const out = [resolve(dir)];
  if (top === undefined) return out;
  for (let d = out[0]; d !== top && dirname(d) !== d && isInside(top, d);) {
    d = dirname(d);
    out.push(d);
  }
  return out;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}

/** Folders to look for kfm-gitops.yaml in, nearest first: upward from the current folder, then from the argument. */
export function configSearchDirs(cwd: string, rootArg?: string): string[] {
  const dirs = upwardTo(cwd);
  if (rootArg) for (const d of upwardTo(rootArg)) if (!dirs.includes(d)) dirs.push(d);
  return dirs;
}

export interface DesiredState {
  /** Absolute desired-state root (layers count from here). */
  root: string;
  /** Root-relative folder the argument named, when it lies below the root. */
  scope?: string;
}

/**
 * The desired-state root for a `check <folder>` argument: the config's root when the folder lies in it; otherwise
 * the nearest of the folder and its ancestors (up to the Git top, or the current folder outside Git) that holds a
 * layer folder (apps/, core/, bootstrap/, components/); otherwise the folder itself.
 */
export function desiredStateFor(arg: string, options: { cwd: string; configRoot?: string }): DesiredState {
  const abs = resolve(arg);
  const scoped = (root: string): DesiredState => {
    const rel = relative(root, abs).split(sep).join('/');
    return rel === '' ? { root } : { root, scope: rel };
  };
  if (options.configRoot && isInside(options.configRoot, abs)) return scoped(resolve(options.configRoot));
  const top = gitTopOf(abs) ?? (isInside(options.cwd, abs) ? resolve(options.cwd) : undefined);
  for (const d of upwardTo(abs, top)) {
    if (LAYER_FOLDERS.some((l) => isKind(join(d, l), 'folder'))) return scoped(d);
  }
  return { root: abs };
}

/** Where the root sits relative to the current folder and to the Git top (POSIX), for `--overlay` paths. */
export function overlayPrefixes(cwd: string, root: string): string[] {
  const out: string[] = [];
  const add = (from: string | undefined): void => {
    if (from === undefined) return;
    const rel = relative(from, root).split(sep).join('/');
    if (rel !== '' && !rel.startsWith('..') && !out.includes(rel)) out.push(rel);
  };
  add(cwd);
  add(gitTopOf(root));
  return out;
}
