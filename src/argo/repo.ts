/**
 * Which Applications deploy from THIS repository. Argo CD names a repository by URL; the same repository has many
 * spellings (https or ssh, scp form `git@host:org/repo`, `.git` or not, a trailing slash, the host in any case). A
 * source of this repository must name a folder that exists here (a typo is a finding); a source of another repository
 * is not this run's to check, and the report says so. Without an `origin` remote and without `argo.repoURLs` in
 * kfm-gitops.yaml the repository cannot be named: a path that exists here is taken as ours, one that does not is noted.
 */
import { relative, resolve, sep } from 'node:path';
import type { Config } from '../config/types.js';
import { gitTopOf } from '../discover/root.js';
import { originURL, runGit } from '../util/git.js';
import { CI_BRANCH_VARIABLES } from './ci-branches.js';

export { CI_BRANCH_VARIABLES };

export interface RepoIdentity {
  /** Normalised URLs of this repository (`host/path`); empty when it cannot be named. */
  keys: ReadonlySet<string>;
  /** The root's folder relative to the Git top (POSIX, '' at the top), when the root is inside a Git work tree. */
  prefix?: string;
  /** Absolute Git top, with `prefix`. */
  top?: string;
  /**
   * The branches whose content is the tree under check (checkedRevisions); undefined: the conventional default
   * branches. A source at any other revision deploys content this run does not read.
   */
  revisions?: ReadonlySet<string>;
}

/** Taken for the branch under check when neither Git nor the CI names one: the conventional default branches. */
export const CONVENTIONAL_BRANCHES = ['main', 'master'];

/** A Git revision as Argo CD resolves a branch: `refs/heads/main` is `main`. */
function branchName(revision: string): string {
  return revision.trim().replace(/^refs\/heads\//, '');
}

/**
 * The branches whose content is the tree under check: the `origin` remote's default branch (refs/remotes/origin/HEAD)
 * and the branch CI says the change merges into (CI_BRANCH_VARIABLES); when neither names one, `main` and `master`.
 * The checked-out branch is not one of them: a feature branch keeps moving after the check, and an Application
 * following it would deploy what its author pushes next.
 */
export async function checkedRevisions(root: string, env: NodeJS.ProcessEnv = process.env): Promise<Set<string>> {
  const out = new Set<string>();
  try {
    const r = await runGit(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], {
      cwd: root,
      timeoutMs: 10_000,
      okCodes: [1, 128],
    });
    const ref = r.code === 0 ? r.stdout.trim() : '';
    if (ref.startsWith('origin/') && ref.length > 'origin/'.length) out.add(ref.slice('origin/'.length));
  } catch {
    // git missing or no repository: the CI's word, else the conventional names
  }
  for (const v of CI_BRANCH_VARIABLES) {
    const name = branchName(env[v] ?? '');
    if (name !== '') out.add(name);
  }
  if (out.size === 0) for (const b of CONVENTIONAL_BRANCHES) out.add(b);
  return out;
}

/**
 * Whether a source's `targetRevision` (a git generator's `revision`) is the content under check: unset, empty or
 * `HEAD` (the repository's default branch, for Argo CD), or one of the identity's branches. A tag, a commit, a
 * version range or another branch is content this run does not have.
 */
export function isCheckedRevision(identity: RepoIdentity, revision: unknown): boolean {
  if (revision === undefined || revision === null) return true;
  if (typeof revision !== 'string') return false;
  const name = branchName(revision);
  if (name === '' || name === 'HEAD') return true;
  return (identity.revisions ?? new Set(CONVENTIONAL_BRANCHES)).has(name);
}

/** This repository's names: the `origin` remote of the work tree holding the root, and `argo.repoURLs`. */
export async function readRepoIdentity(root: string, config: Config): Promise<RepoIdentity> {
  const top = gitTopOf(root);
  const origin = top === undefined ? undefined : await originURL(root);
  const prefix = top === undefined ? undefined : relative(top, resolve(root)).split(sep).join('/');
  const identity = repoIdentity([origin, ...(config.argo?.repoURLs ?? [])], prefix, top);
  return { ...identity, revisions: await checkedRevisions(root) };
}

/**
 * A Git URL as `host/path` (or the bare path for local repositories): scheme, user, default ports, `.git`, trailing
 * slashes dropped, lowercased as Argo CD compares them (NormalizeGitURL): a spelling Argo CD takes for this repository
 * must not make an Application look like another repository's and escape the check.
 */
export function normalizeRepoURL(url: string): string {
  let u = url.trim().toLowerCase();
  // scp form: `[user@]host:path` (no scheme, a colon before any slash).
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.*)$/.exec(u);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) u = `ssh://${scp[1]}/${scp[2]}`;
  let key: string;
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]*)(?::(\d+))?(\/.*)?$/i.exec(u);
  if (m) {
    const host = m[1]!;
    const port = m[2] && !['22', '80', '443', '9418'].includes(m[2]) ? `:${m[2]}` : '';
    key = `${host}${port}${m[3] ?? ''}`;
  } else key = u;
  key = key
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  return key.replace(/\/{2,}/g, '/');
}

export function repoIdentity(urls: readonly (string | undefined)[], prefix?: string, top?: string): RepoIdentity {
  const keys = new Set(urls.filter((u): u is string => typeof u === 'string' && u.trim() !== '').map(normalizeRepoURL));
  // A root outside its own Git top (`..` after symlinks) has no usable place in the repository.
  const placed = prefix !== undefined && top !== undefined && !prefix.startsWith('..');
  return { keys, ...(placed ? { prefix, top } : {}) };
}

/**
 * Whether a repoURL names this repository: true/false when the repository has a name here, undefined when it has
 * none (no origin, no config) — the caller then decides by whether the path exists. A missing repoURL is not
 * another repository's (Argo CD would refuse the Application; kfm-gitops checks what it can).
 */
export function isThisRepo(identity: RepoIdentity, repoURL: string | undefined): boolean | undefined {
  if (identity.keys.size === 0) return undefined;
  if (repoURL === undefined || repoURL.trim() === '') return true;
  return identity.keys.has(normalizeRepoURL(repoURL));
}
