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
import { originURL } from '../util/git.js';

export interface RepoIdentity {
  /** Normalised URLs of this repository (`host/path`); empty when it cannot be named. */
  keys: ReadonlySet<string>;
  /** The root's folder relative to the Git top (POSIX, '' at the top), when the root is inside a Git work tree. */
  prefix?: string;
  /** Absolute Git top, with `prefix`. */
  top?: string;
}

/** This repository's names: the `origin` remote of the work tree holding the root, and `argo.repoURLs`. */
export async function readRepoIdentity(root: string, config: Config): Promise<RepoIdentity> {
  const top = gitTopOf(root);
  const origin = top === undefined ? undefined : await originURL(root);
  const prefix = top === undefined ? undefined : relative(top, resolve(root)).split(sep).join('/');
  return repoIdentity([origin, ...(config.argo?.repoURLs ?? [])], prefix, top);
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
