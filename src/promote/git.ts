/**
 * The few git operations promotion needs, through execFile (never a shell). Commits are built with plumbing and a
 * temporary index, so the user's index — and whatever they have staged — is never rewritten behind their back.
 */
import { GitError, runGit, type GitResult, type GitRunOptions } from '../util/git.js';
import { relative, sep } from 'node:path';

export { GitError, type GitResult, type GitRunOptions };

export function git(args: string[], options: GitRunOptions): Promise<GitResult> {
  return runGit(args, options);
}

export interface GitRepo {
  /** Absolute path of the work tree top. */
  top: string;
  shallow: boolean;
  /** Whether HEAD points at a commit (false in a fresh `git init`). */
  hasHead: boolean;
}

/** The repository holding `dir`, or undefined when `dir` is not in one (or git is not installed). */
export async function findRepo(dir: string): Promise<GitRepo | undefined> {
  let out: GitResult;
  try {
    out = await git(['rev-parse', '--show-toplevel', '--is-shallow-repository'], { cwd: dir, okCodes: [128] });
  } catch {
    return undefined;
  }
  if (out.code !== 0) return undefined;
  const [top, shallow] = out.stdout.trim().split('\n');
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: dir, okCodes: [1, 128] });
  return { top, shallow: shallow === 'true', hasHead: head.code === 0 };
}

/** POSIX path of `abs` relative to the repo top (what git wants after `--`). */
export function repoPath(repo: GitRepo, abs: string): string {
  return relative(repo.top, abs).split(sep).join('/');
}

/** Porcelain status of one path: '' when clean. */
export async function pathStatus(repo: GitRepo, path: string): Promise<string> {
  const out = await git(['status', '--porcelain=v1', '--untracked-files=all', '--', path], { cwd: repo.top });
  return out.stdout.trim();
}

export async function branchExists(repo: GitRepo, branch: string): Promise<boolean> {
  const out = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: repo.top, okCodes: [1] });
  return out.code === 0;
}

export async function validBranchName(repo: GitRepo, branch: string): Promise<boolean> {
  const out = await git(['check-ref-format', '--branch', branch], { cwd: repo.top, okCodes: [1, 128] });
  return out.code === 0;
}

/** Content of `path` at `ref`, or undefined when it does not exist there. */
export async function showFile(repo: GitRepo, ref: string, path: string): Promise<string | undefined> {
  const out = await git(['show', `${ref}:${path}`], { cwd: repo.top, okCodes: [128] });
  return out.code === 0 ? out.stdout : undefined;
}

export interface PreparedCommit {
  commit: string;
  /** Blob id and mode per path, to update the real index once HEAD moves. */
  entries: { path: string; blob: string; mode: string }[];
}

/**
 * Builds (but does not publish) a commit on top of HEAD that changes exactly `files`: objects only, through a
 * temporary index. Nothing the user sees changes until publishCommit.
 */
export async function prepareCommit(
  repo: GitRepo,
  files: { path: string; content: string }[],
  message: string,
  tmpIndex: string,
): Promise<PreparedCommit> {
  const env = { GIT_INDEX_FILE: tmpIndex };
  await git(['read-tree', 'HEAD'], { cwd: repo.top, env });
  const entries: PreparedCommit['entries'] = [];
  for (const f of files) {
    const blob = (
      await git(['hash-object', '-w', '--stdin', `--path=${f.path}`], { cwd: repo.top, input: f.content })
    ).stdout.trim();
    const tree = await git(['ls-tree', 'HEAD', '--', f.path], { cwd: repo.top });
    const mode = tree.stdout.split(/\s/)[0] || '100644';
    await git(['update-index', '--cacheinfo', `${mode},${blob},${f.path}`], { cwd: repo.top, env });
    entries.push({ path: f.path, blob, mode });
  }
  const treeId = (await git(['write-tree'], { cwd: repo.top, env })).stdout.trim();
  const commit = (
    await git(['commit-tree', treeId, '-p', 'HEAD', '-F', '-'], { cwd: repo.top, input: message })
  ).stdout.trim();
  return { commit, entries };
}

/**
 * Makes the prepared commit visible: creates the branch (refusing to overwrite one), moves HEAD onto it, and
 * updates only the committed paths in the real index so other staged changes stay staged. The working tree
 * already holds the committed content (written before this step).
 */
export async function publishCommit(repo: GitRepo, branch: string, prepared: PreparedCommit): Promise<void> {
  const ref = `refs/heads/${branch}`;
  // An empty old value makes update-ref fail if the branch appeared meanwhile.
  await git(['update-ref', '-m', 'kfm-gitops promote', ref, prepared.commit, ''], { cwd: repo.top });
  await git(['symbolic-ref', '-m', `kfm-gitops promote: moving to ${branch}`, 'HEAD', ref], { cwd: repo.top });
  for (const e of prepared.entries) {
    await git(['update-index', '--cacheinfo', `${e.mode},${e.blob},${e.path}`], { cwd: repo.top });
  }
}
