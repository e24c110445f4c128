/**
 * `--changed-since <ref>`: check only the overlays whose inputs changed. A change to anything that steers every
 * overlay's result — the config file, the repo's custom policies or schema folders, the secrets baseline — selects
 * everything. An overlay whose inputs cannot be listed completely (the walk stopped at a remote or escaping
 * reference) is always checked: "unchanged" must be provable, never assumed.
 */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { secretsSettings } from '../checks/secrets/config.js';
import { CONFIG_FILE_NAMES } from '../config/schema-files.js';
import type { Config } from '../config/types.js';
import { upwardTo } from '../discover/root.js';
import type { Overlay } from '../types.js';
import { mapPool } from '../util/pool.js';
import { toRepoPath } from '../util/paths.js';
import type { ChangedFiles } from './git.js';
import { affects, overlayDeps } from './graph.js';
import type { Selection, Selector } from './types.js';

export interface ChangedSelectorOptions {
  /** Absolute checked root. */
  root: string;
  config: Config;
  /** Absolute path of the loaded kfm-gitops.yaml, when one was found (it may live outside the root). */
  configFile?: string;
  changes: ChangedFiles;
  concurrency?: number;
}

/** Files and folders (absolute) whose change selects every overlay. */
export async function globalInputs(
  root: string,
  config: Config,
  configFile?: string,
): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  const under = (p: string): string => (isAbsolute(p) ? p : resolve(root, p));
  if (configFile) files.push(await realpath(configFile).catch(() => configFile));
  const customDir = (config.policy as { customDir?: unknown } | undefined)?.customDir;
  if (typeof customDir === 'string' && customDir !== '') dirs.push(under(customDir));
  const extraDirs = (config.schema as { extraDirs?: unknown } | undefined)?.extraDirs;
  if (Array.isArray(extraDirs)) for (const d of extraDirs) if (typeof d === 'string' && d !== '') dirs.push(under(d));
  files.push(under(secretsSettings(config.secrets).baseline));
  return { files, dirs };
}

/** The first changed path that selects everything, or undefined. Paths are compared after resolving symlinks. */
export async function globalChange(options: Omit<ChangedSelectorOptions, 'concurrency'>): Promise<string | undefined> {
  const { root, config, configFile, changes } = options;
  const globals = await globalInputs(root, config, configFile);
  const real = async (p: string): Promise<string> => {
    // The root may be reached through a symlink while git reports real paths: compare both the same way.
    const rel = toRepoPath(root, p);
    return rel !== undefined ? resolve(changes.root, rel) : realpath(p).catch(() => p);
  };
  // A file that is a link changes when the link does too: a kfm-gitops.yaml turned into a link to another, unchanged
  // file of the repository is a new config (a file's own place has its folder resolved, not its name).
  const ownPlace = async (p: string): Promise<string> => join(await real(dirname(p)), basename(p));
  const files = new Set([
    ...(await Promise.all(globals.files.map(real))),
    ...(await Promise.all(globals.files.map(ownPlace))),
  ]);
  const dirs = await Promise.all(globals.dirs.map(real));
  // A config file taken out where the run looks for one (the root and its parents): the settings it held are gone.
  const configDirs = new Set(upwardTo(changes.root, changes.top));
  for (const changed of changes.absolute) {
    if (files.has(changed)) return changed;
    if (CONFIG_FILE_NAMES.includes(basename(changed)) && configDirs.has(dirname(changed)) && !existsSync(changed))
      return changed;
    if (dirs.some((d) => toRepoPath(d, changed) !== undefined)) return changed;
  }
  return undefined;
}

export function changedSelector(options: ChangedSelectorOptions): Selector {
  return async (overlays: Overlay[], walk): Promise<Selection> => {
    const everything = await globalChange(options);
    if (everything !== undefined) {
      const file = toRepoPath(options.root, everything) ?? everything;
      const reason = `${file} changed (it steers every overlay)`;
      return { keep: overlays, skipped: [], kept: overlays.map((o) => ({ path: o.path, reason })) };
    }
    const allowExec = options.config.kustomize?.allowExec === true;
    const changed = options.changes.inRoot;
    const verdicts = await mapPool(overlays, options.concurrency ?? 8, async (overlay) => {
      if (changed.length === 0) return undefined;
      const deps = await overlayDeps(options.root, overlay, { allowExec, walk });
      // The reason is said to the user: the first changed file that reaches the overlay.
      const hit = changed.find((p) => affects(deps, p));
      if (hit !== undefined) return `${hit} changed`;
      return deps.complete ? undefined : 'its inputs cannot all be listed (remote or escaping reference)';
    });
    // Unchanged files were scanned when they last changed; a global change (config, policies, schemas, baseline)
    // returned above with every file in scope.
    const selection: Selection = { keep: [], skipped: [], kept: [], files: [...changed] };
    overlays.forEach((overlay, i) => {
      const reason = verdicts[i];
      if (reason !== undefined) {
        selection.keep.push(overlay);
        selection.kept!.push({ path: overlay.path, reason });
      } else selection.skipped.push({ path: overlay.path, reason: `no input changed since ${options.changes.ref}` });
    });
    return selection;
  };
}
