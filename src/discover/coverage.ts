/**
 * Coverage is a result: every YAML/JSON file under the root is read by the render of some overlay, or excluded in
 * kfm-gitops.yaml with a reason (`coverage.exclude`), or it is named by a guard finding. A manifest nobody renders
 * is a manifest nobody checks — and Argo CD may still apply it (a directory source, a forgotten folder).
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CONFIG_FILE_NAMES } from '../config/schema-files.js';
import type { Config } from '../config/types.js';
import type { FindingInput, Overlay } from '../types.js';
import { matchesAny } from '../util/glob.js';
import { mapPool } from '../util/pool.js';
import { toRepoPath } from '../util/paths.js';
import { walkOverlay } from './kustomization.js';
import { listRepo } from './listing.js';
import { runFacts } from '../util/file-facts.js';
import { yielder } from '../util/yielder.js';
import type { OverlayWalker } from './walks.js';
import { RENDER_NOTHING_TO_CHECK, RENDER_UNCOVERED_FILE } from '../rules/render.js';
import { runGit } from '../util/git.js';
import { gitmodulesOf } from './root.js';

export interface CoverageExclude {
  /** Root-relative glob. */
  path: string;
  reason: string;
}

export interface CoverageOptions {
  /** Absolute root. */
  root: string;
  config: Config;
  /** Absolute path of kfm-gitops.yaml (never a manifest, even when it lies under the root). */
  configFile?: string;
  /** Every overlay the repo defines (not only the selected ones): a file is covered when any of them reads it. */
  overlays: Overlay[];
  /** Only these root-relative files are candidates (changed-only runs); unset: every file. */
  files?: string[];
  /** Only files under this root-relative folder (`check <subfolder>`). */
  scope?: string;
  /** The run's shared kustomization walker (one walk per overlay per run). */
  walk?: OverlayWalker;
  /** Root-relative files other sources already validate (Argo CD directory sources). */
  validated?: ReadonlySet<string>;
  concurrency?: number;
}

/** The names the coverage globs matched (case-sensitive, as fast-glob's were). */
const MANIFEST_NAME = /\.(?:yaml|yml|json)$/;

/** Files (and folders) the tool itself reads as configuration, never as manifests. */
function toolInputs(options: CoverageOptions): { files: Set<string>; dirs: string[] } {
  const { root, config } = options;
  const rel = (p: string): string | undefined => toRepoPath(root, isAbsolute(p) ? p : resolve(root, p));
  // The config at the top of the root is the tool's own file, whichever config this run loaded.
  const files = new Set<string>(CONFIG_FILE_NAMES);
  const dirs: string[] = [];
  if (options.configFile) {
    const f = toRepoPath(root, options.configFile);
    if (f) files.add(f);
  }
  const customDir = (config.policy as { customDir?: unknown } | undefined)?.customDir;
  if (typeof customDir === 'string' && customDir !== '') dirs.push(...[rel(customDir)].filter((d) => d !== undefined));
  const extraDirs = (config.schema as { extraDirs?: unknown } | undefined)?.extraDirs;
  if (Array.isArray(extraDirs))
    for (const d of extraDirs)
      if (typeof d === 'string' && d !== '') dirs.push(...[rel(d)].filter((x) => x !== undefined));
  return { files, dirs };
}

/** Manifest names among a listing's files and links (a link is read through by the directory-source render). */
function repoManifests(listing: { files: string[]; links: string[] }): string[] {
  return [...listing.files, ...listing.links].filter((f) => MANIFEST_NAME.test(f));
}

/** Root-relative YAML/JSON files no overlay renders and the config does not exclude, sorted. */
export async function uncoveredFiles(options: CoverageOptions): Promise<string[]> {
  const facts = runFacts();
  const listed = options.files
    ? options.files.filter((f) => facts.exists(resolve(options.root, f))) // a deleted file needs no checking
    : repoManifests(listRepo(options.root)); // what the globs **/*.{yaml,yml,json} matched, links included
  const excludes = (options.config.coverage?.exclude ?? []).map((e) => e.path);
  const tool = toolInputs(options);
  const scope = options.scope && options.scope !== '.' ? `${options.scope.replace(/\/+$/, '')}/` : undefined;
  const pending = new Set(
    listed.filter(
      (f) =>
        /\.(ya?ml|json)$/i.test(f) &&
        !f.split('/').some((s) => s.startsWith('.') || s === 'node_modules') &&
        (scope === undefined || f.startsWith(scope)) &&
        !tool.files.has(f) &&
        !tool.dirs.some((d) => d === '.' || f.startsWith(`${d}/`)) &&
        !(excludes.length > 0 && matchesAny(f, excludes)) &&
        !options.validated?.has(f),
    ),
  );
  if (pending.size === 0) return [];
  const allowExec = options.config.kustomize?.allowExec === true;
  // A walk reads synchronously and awaits only settled promises: without a turn of the event loop now and then,
  // every overlay's walk would run before the renders started beside this could send their first overlay (issue 20:
  // ~1.5 s of a cold check on the 1,500-overlay bench repo with the render workers idle).
  const pause = yielder(4);
  // Walks stop being started once every candidate is covered (a changed-only run has a handful of candidates).
  await mapPool(options.overlays, options.concurrency ?? 8, async (overlay) => {
    await pause();
    if (pending.size === 0) return;
    const walk = options.walk
      ? await options.walk(overlay)
      : await walkOverlay(options.root, overlay.absPath, { allowExec });
    for (const input of walk.inputs) pending.delete(input);
  });
  return [...pending].sort();
}

export interface Coverage {
  /** KFM-RENDER-020 when the root defines nothing to render. */
  findings: FindingInput[];
  /** Root-relative manifest files no overlay reads and the config does not exclude. */
  uncovered: string[];
}

export async function measureCoverage(options: CoverageOptions & { nothingToCheck?: string }): Promise<Coverage> {
  const findings: FindingInput[] = [];
  if (options.nothingToCheck)
    findings.push({ ruleId: RENDER_NOTHING_TO_CHECK, message: options.nothingToCheck, file: '.' });
  const [uncovered, submodules] = await Promise.all([uncoveredFiles(options), uncheckedSubmodules(options)]);
  findings.push(...submodules);
  return { findings, uncovered };
}

/**
 * Submodules under the root that are not checked out. A submodule is another repository's content: Argo CD fetches
 * submodules when it checks out a revision (by default) and deploys what they hold, while a checkout without them
 * leaves an empty folder here that an Application or a git directories generator deploys with nothing to check. Each
 * gitlink (mode 160000 in the index) whose folder is missing or empty is a guard finding at its path; one that is
 * checked out is ordinary files under the root, checked like the rest. Only looked for when the repository has a
 * `.gitmodules` (without it no submodule can be fetched); git failing to list the index is a finding too.
 */
export async function uncheckedSubmodules(options: Pick<CoverageOptions, 'root' | 'scope'>): Promise<FindingInput[]> {
  if (!gitmodulesOf(options.root)) return [];
  let listed: string;
  try {
    listed = (await runGit(['ls-files', '--stage', '-z', '--', '.'], { cwd: options.root, timeoutMs: 60_000 })).stdout;
  } catch (err) {
    return [
      {
        ruleId: RENDER_UNCOVERED_FILE,
        message: `the repository has a .gitmodules, but its submodules could not be listed (${(err as Error).message}): what Argo CD would fetch into them is not checked`,
        file: '.',
      },
    ];
  }
  const scope = options.scope && options.scope !== '.' ? `${options.scope.replace(/\/+$/, '')}/` : undefined;
  const out: FindingInput[] = [];
  for (const entry of listed.split('\0')) {
    const tab = entry.indexOf('\t');
    if (!entry.startsWith('160000 ') || tab < 0) continue;
    const path = entry.slice(tab + 1);
    if (scope !== undefined && !`${path}/`.startsWith(scope)) continue;
    let empty: boolean;
    try {
      empty = readdirSync(join(options.root, path)).length === 0;
    } catch {
      empty = true; // missing, or not a folder: nothing of the submodule is here
    }
    if (!empty) continue;
    out.push({
      ruleId: RENDER_UNCOVERED_FILE,
      message: `${path} is a git submodule that is not checked out: Argo CD fetches its content from another repository and deploys it, and nothing here checks it (check out submodules before the run, or remove the submodule)`,
      file: path,
      line: 1,
    });
  }
  return out;
}

/** The guard finding for a file nothing checks (no overlay reads it, no directory source validates it). */
export function uncoveredFinding(file: string): FindingInput {
  return {
    ruleId: RENDER_UNCOVERED_FILE,
    message: `${file} is rendered by no overlay, validated by no Argo CD directory source and not excluded in kfm-gitops.yaml (coverage.exclude with a reason): nothing checks it`,
    file,
    line: 1,
  };
}
