/**
 * The few Git questions changed-only runs and the rendered diff ask: which files changed since a ref, and a
 * throw-away worktree at an old commit. Git runs through execFile (never a shell), with a timeout and the
 * caller's AbortSignal; every failure becomes a `GitError` with Git's own words, which the CLI turns into exit 2.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError, runGit } from '../util/git.js';
import { toRepoPath } from '../util/paths.js';

export { GitError };

export interface GitOptions {
  signal?: AbortSignal;
}

/** Runs git in `cwd`; resolves stdout, or rejects with a GitError carrying git's first stderr lines. */
export async function git(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  return (await runGit(args, { cwd, signal: options.signal })).stdout;
}

/** Absolute, symlink-free top folder of the work tree holding `dir`. */
export async function gitTopLevel(dir: string, options: GitOptions = {}): Promise<string> {
  let out: string;
  try {
    out = await git(dir, ['rev-parse', '--show-toplevel'], options);
  } catch (err) {
    throw new GitError(`${dir} is not inside a Git work tree (${(err as Error).message})`);
  }
  return realpath(out.trim());
}

/** Resolves `ref` to a commit id; a ref that is not a commit here is a GitError naming the usual CI cause. */
export async function resolveCommit(top: string, ref: string, options: GitOptions = {}): Promise<string> {
  // A ref starting with `-` would be read as an option by git.
  if (ref === '' || ref.startsWith('-')) throw new GitError(`${JSON.stringify(ref)} is not a Git ref`);
  try {
    return (await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], options)).trim();
  } catch {
    throw new GitError(
      `${ref} is not a commit in this repository (in CI, fetch it first, e.g. actions/checkout with fetch-depth: 0)`,
    );
  }
}

/** The commit both `ref` and HEAD descend from: what `git diff <ref>...` compares against. */
export async function mergeBase(top: string, ref: string, options: GitOptions = {}): Promise<string> {
  return mergeBaseOf(top, ref, await resolveCommit(top, ref, options), options);
}

async function mergeBaseOf(top: string, ref: string, commit: string, options: GitOptions): Promise<string> {
  try {
    return (await git(top, ['merge-base', commit, 'HEAD'], options)).trim();
  } catch (err) {
    throw new GitError(
      `${ref} and HEAD share no history (a shallow clone? fetch with fetch-depth: 0): ${(err as Error).message}`,
    );
  }
}

/**
 * `git diff-tree` arguments for the lines one commit of a change added: zero context, first parent only (a merge's
 * own lines), the root commit against the empty tree, no renames (a moved file's lines are all added).
 */
export function commitPatchArgs(commit: string): string[] {
  return [
    '--no-pager',
    'diff-tree',
    '-p',
    '-U0',
    '--no-color',
    '--no-ext-diff',
    '--no-renames',
    '--root',
    '-m',
    '--first-parent',
    '--no-commit-id',
    commit,
  ];
}

export interface ChangedFiles {
  /** The ref as the user gave it. */
  ref: string;
  /** Merge-base commit of ref and HEAD: committed changes are counted from here. */
  base: string;
  /** The ref is an ancestor of HEAD (the merge-base is the ref itself): base..HEAD are the change's own commits. */
  ancestor?: boolean;
  /** Absolute work-tree top (symlinks resolved). */
  top: string;
  /** Absolute, symlink-free checked root. */
  root: string;
  /** Changed paths under the root, root-relative POSIX (committed since base, staged, unstaged, untracked). */
  inRoot: string[];
  /** Every changed path, absolute (inside the root or not), for config files that live beside the root. */
  absolute: string[];
  /**
   * The commits of base..HEAD, oldest first: asked of git once, when first wanted (the secrets history scan and the
   * change audit both read them; one git process fewer, issue 20).
   */
  commits(): Promise<string[]>;
}

/**
 * Files changed since `ref`: `git diff <merge-base>` against the work tree (committed + staged + unstaged, with
 * renames split into a delete and an add so the old path counts too) plus untracked files that are not ignored.
 */
export async function changedFilesSince(root: string, ref: string, options: GitOptions = {}): Promise<ChangedFiles> {
  // Five git processes: the untracked listing runs beside the ref → merge-base → diff chain (each start is ~10 ms
  // of this process's CPU and more of wall time on a busy machine), and the ref is resolved once.
  const realRooting = realpath(root);
  realRooting.catch(() => undefined); // awaited below, after the git errors that explain more
  const { top, commit } = await topAndCommit(root, ref, options);
  const listing = git(top, ['ls-files', '-z', '--others', '--exclude-standard'], options);
  listing.catch(() => undefined); // awaited below; a failure there surfaces then
  const base = await mergeBaseOf(top, ref, commit, options);
  const ancestor = base === commit;
  const tracked = await git(top, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', base, '--'], options);
  const untracked = await listing;
  const realRoot = await realRooting;
  const names = new Set([...tracked.split('\0'), ...untracked.split('\0')].filter((n) => n !== ''));
  const absolute = [...names].map((n) => join(top, n)).sort();
  const inRoot = absolute.flatMap((abs) => {
    const rel = toRepoPath(realRoot, abs);
    return rel === undefined || rel === '.' ? [] : [rel];
  });
  let commits: Promise<string[]> | undefined;
  const commitsOf = (): Promise<string[]> =>
    (commits ??= git(top, ['rev-list', '--reverse', `${base}..HEAD`], options).then((out) =>
      out.split('\n').filter(Boolean),
    ));
  return { ref, base, ancestor, top, root: realRoot, inRoot, absolute, commits: commitsOf };
}

/**
 * The work tree's top and the ref's commit from one `git rev-parse`; when that fails, the two questions are asked
 * one by one, so the error says which of them failed (not a work tree, or not a commit).
 */
async function topAndCommit(root: string, ref: string, options: GitOptions): Promise<{ top: string; commit: string }> {
  if (ref !== '' && !ref.startsWith('-')) {
    const lines = await git(root, ['rev-parse', '--show-toplevel', '--verify', '--quiet', `${ref}^{commit}`], options)
      .then((out) => out.split('\n').filter((l) => l !== ''))
      .catch(() => undefined); // asked again below, one question at a time, for the error's words
    if (lines?.length === 2 && /^[0-9a-f]{40,64}$/.test(lines[1]))
      return { top: await realpath(lines[0]), commit: lines[1] };
  }
  const top = await gitTopLevel(root, options);
  return { top, commit: await resolveCommit(top, ref, options) };
}

export interface Worktree {
  /** Absolute folder of the checked-out commit. */
  dir: string;
  /** Removes the worktree, its folder and git's record of it. Safe to call twice; never throws. */
  remove(): Promise<void>;
}

/**
 * Checks `commit` out in a detached worktree under the system temp folder. The caller removes it in a finally
 * block (and on SIGINT/SIGTERM); `git worktree prune` afterwards drops any record a killed run left behind.
 */
export async function addWorktree(top: string, commit: string, options: GitOptions = {}): Promise<Worktree> {
  const parent = await mkdtemp(join(tmpdir(), 'kfm-gitops-base-'));
  const dir = join(parent, 'tree');
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    // No signal here: cleanup must finish even after the run was interrupted.
    await git(top, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
    await rm(parent, { recursive: true, force: true }).catch(() => undefined);
    await git(top, ['worktree', 'prune']).catch(() => undefined);
  };
  try {
    await git(top, ['worktree', 'add', '--detach', '--quiet', dir, commit], options);
  } catch (err) {
    await remove();
    throw new GitError(`could not check out ${commit.slice(0, 12)} in a temporary worktree: ${(err as Error).message}`);
  }
  return { dir: await realpath(dir), remove };
}
