/**
 * Paths a repository's kfm-gitops.yaml names must stay inside the repository: the config is written by the pull
 * request's author, and `root: /`, `secrets.baseline: ~/.ssh/…`, `policy.customDir: /etc` or `cache.dir: /tmp/x`
 * would make the run read or write outside what the review covers. "Inside" is the Git top level of the config's
 * folder (the config's folder itself outside Git), compared after resolving symlinks. Paths given on the command
 * line are the user's own choice and are not limited.
 */
import { lstatSync, readdirSync, realpathSync, type Dirent } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gitTopOf, LAYER_FOLDERS } from '../discover/root.js';
import { realOrNearest } from '../util/atomic-write.js';
import { isKind } from '../util/stat-kind.js';
import type { Config } from './types.js';

/**
 * The Git top level holding `dir` (links resolved, as `git rev-parse --show-toplevel` gives it), or `dir` itself
 * outside a work tree. Read from the file system, not asked of git: every check run asks it at start-up, and a
 * synchronous git process held the run's first ~15-20 ms (issue 20). The answer is the same for what a pull request can
 * change: git clones no `.git` below the top, and nothing above the clone is the author's.
 */
export function repositoryTop(dir: string): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return dir; // gone or unreadable: nothing wider than the folder itself
  }
  return gitTopOf(real) ?? dir;
}

/** Whether `p` (links resolved) lies in `top` (links resolved). */
export function inside(top: string, p: string): boolean {
  const rel = relative(realOrNearest(top), realOrNearest(p));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface ContainmentInput {
  config: Config;
  configDir: string;
  /** The checked root, already resolved. */
  root: string;
  /** True when the root came from the config (false: from the command line). */
  rootFromConfig: boolean;
  top: string;
}

/**
 * The first config path that leaves the repository, or a config `root` that is not a desired-state root, as a
 * one-line reason; undefined when every path is fine.
 */
export function escapingConfigPath(input: ContainmentInput): string | undefined {
  const { config, root, top } = input;
  const named: [string, string | undefined][] = [
    ['root', input.rootFromConfig ? root : undefined],
    ['secrets.baseline', config.secrets?.baseline ? resolve(root, String(config.secrets.baseline)) : undefined],
    ['policy.customDir', config.policy?.customDir ? resolve(root, String(config.policy.customDir)) : undefined],
    ['cache.dir', config.cache?.dir ? resolve(root, String(config.cache.dir)) : undefined],
    ...((config.schema?.extraDirs as unknown[] | undefined) ?? []).map((d, i): [string, string | undefined] => [
      `schema.extraDirs[${i}]`,
      resolve(root, String(d)),
    ]),
  ];
  // A root named on the command line is the user's choice: paths under it are fine too.
  const allowed = input.rootFromConfig ? [top] : [top, root];
  for (const [key, path] of named) {
    if (path !== undefined && !allowed.some((dir) => inside(dir, path)))
      return `\`${key}\` in ${join(input.configDir, 'kfm-gitops.yaml')} points outside the repository (${top}): ${path}`;
  }
  return input.rootFromConfig ? misplacedRoot(input) : undefined;
}

/** Why a config root is not a desired-state root (inside a layer folder, or above the folder holding them), if so. */
function misplacedRoot(input: ContainmentInput): string | undefined {
  const { root, top } = input;
  const config = join(input.configDir, 'kfm-gitops.yaml');
  const layer = layerFolderHolding(root, top);
  if (layer !== undefined)
    return `\`root\` in ${config} lies inside the layer folder ${layer}/: layers count from the desired-state root (the folder holding apps/, core/, bootstrap/, components/), so this root would take the apps layer's rules off its overlays; set \`root\` to that folder and narrow a run with the folder argument (\`check ${layer}\`)`;
  const below = desiredStateBelow(root);
  if (below !== undefined)
    return `\`root\` in ${config} is above the desired-state root ${below}/ (it holds ${LAYER_FOLDERS.filter((l) => isKind(join(root, below, l), 'folder')).join('/, ')}/): layers count from the root, so this root would take the apps layer's rules off its overlays; set \`root\` to that folder`;
  return undefined;
}

/**
 * The layer folder (top-relative, e.g. `infra/gitops/apps`) a config root lies in or is, if any. Layers count from the
 * desired-state root: `root: apps` made `web` the layer of apps/web/overlays/prod, and every apps-layer rule
 * (cluster-scoped objects, namespaces, quotas, RBAC) passed it, from a file the pull request writes. `check apps`
 * narrows without that effect (discover/root.ts); a root in a layer folder is refused instead. Names are compared
 * as they are: a layer is found by its exact folder name (discovery by convention).
 */
function layerFolderHolding(root: string, top: string): string | undefined {
  const rel = relative(realOrNearest(top), realOrNearest(root));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const segments = rel.split(sep);
  const at = segments.findIndex((s) => LAYER_FOLDERS.includes(s));
  return at < 0 ? undefined : segments.slice(0, at + 1).join('/');
}

/** Folders below a root searched for the desired state it sits above (`infra/gitops` is two levels down). */
const BELOW_DEPTH = 3;
const BELOW_FOLDERS_MAX = 2000;

/**
 * The folder (root-relative) below a config root that holds two or more layer folders, when the root holds none:
 * the desired-state root the config root sits above. `root: .` over infra/gitops/{apps,core,…} made `infra` the layer
 * of every overlay, and the apps layer's rules passed its objects. A bounded walk (three levels, hidden folders and
 * node_modules left out); a single nested `apps/` (tenants/a/apps) is a layout of its own, not a misplaced root.
 */
function desiredStateBelow(root: string): string | undefined {
  const holds = (dir: string): number => LAYER_FOLDERS.filter((l) => isKind(join(dir, l), 'folder')).length;
  if (holds(root) > 0) return undefined;
  let level = [''];
  let seen = 0;
  for (let depth = 1; depth <= BELOW_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const rel of level) {
      let entries: Dirent[];
      try {
        entries = readdirSync(join(root, rel), { withFileTypes: true });
      } catch {
        continue; // unreadable: discovery reports it
      }
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
        const child = rel === '' ? e.name : `${rel}/${e.name}`;
        if (holds(join(root, child)) >= 2) return child;
        if (++seen > BELOW_FOLDERS_MAX) return undefined;
        next.push(child);
      }
    }
    level = next;
  }
  return undefined;
}

/**
 * A config found in the repository (not named on the command line) that is a link out of it: it would make the run
 * read a file of the host as its config, and print its first key in an unknown-key error. Refused before it is read.
 */
export function configLeavingRepository(file: string): string | undefined {
  const top = repositoryTop(dirname(file));
  if (inside(top, file)) return undefined;
  return `${file} is a symbolic link to a file outside the repository (${top}): a config found in the repository must be one of its files (name another with --config)`;
}

/**
 * A committed `.kfm-gitops` (or its `cache`) that is a symlink would send every cache write wherever it points:
 * refused, whatever its target.
 */
export function symlinkedStateDir(root: string): string | undefined {
  for (const p of [join(root, '.kfm-gitops'), join(root, '.kfm-gitops', 'cache')]) {
    try {
      if (lstatSync(p).isSymbolicLink()) return `${p} is a symlink: kfm-gitops keeps its state only in a real folder`;
    } catch {
      // missing: created as a real folder when needed
    }
  }
  return undefined;
}
