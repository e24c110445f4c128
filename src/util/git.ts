/**
 * The one way this tool runs git: execFile (never a shell), with settings that make the repository under check
 * unable to run code or change the output's shape — hooks off (`worktree add` would run post-checkout),
 * fsmonitor off (a configured fsmonitor is a program), no pager, no prompts, C locale, unquoted paths.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { gitTopOf } from '../discover/root.js';
import { fileStamp } from './stamp.js';
import { CI_BRANCH_VARIABLES } from '../argo/ci-branches.js';

export class GitError extends Error {}

export interface GitRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. `rev-parse --verify` → 1). */
  okCodes?: number[];
  signal?: AbortSignal;
  timeoutMs?: number;
  maxBuffer?: number;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const SAFE_GIT_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.quotePath=false',
];

/** Runs git; resolves for exit 0 and `okCodes`, rejects with a GitError of git's first stderr line otherwise. */
export function runGit(args: string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      'git',
      [...SAFE_GIT_CONFIG, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, LC_ALL: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0' },
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
        signal: options.signal,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const raw = (error as { code?: unknown } | null)?.code;
        const code = error ? (typeof raw === 'number' ? raw : -1) : 0;
        if (code === 0 || options.okCodes?.includes(code)) {
          resolvePromise({ code, stdout, stderr });
          return;
        }
        if (raw === 'ENOENT') {
          reject(new GitError('git was not found on PATH'));
          return;
        }
        const why = String(stderr || error?.message || '')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .slice(0, 3)
          .join(' ');
        reject(
          new GitError(
            typeof raw === 'string' && raw !== 'ENOENT' ? `could not run git: ${why}` : `git ${args[0]} failed: ${why}`,
          ),
        );
      },
    );
    // git may exit before reading stdin (most commands never do): a broken pipe there is not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** The URL of the `origin` remote of the work tree holding `cwd`, or undefined (no Git, no origin, git missing). */
/**
 * What `originURL` answers from, without running git: the stamps of the config files git reads it from (the
 * repository's, a worktree's or submodule's own and its common folder's, the user's and the system's) and the
 * environment variables that point git at others or add settings. The whole-run result cache keys on them
 * (results-cache.ts): which Applications deploy from this repository depends on the URL, so a changed remote must
 * not answer with the findings of the old one. (A file pulled in by `include.path` is not followed.)
 */
export function originConfigStamps(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const top = gitTopOf(root);
  if (top === undefined) return ['(no git)'];
  const files: string[] = [];
  const dotGit = join(top, '.git');
  let gitDir = dotGit;
  try {
    if (statSync(dotGit).isFile()) {
      // A worktree or submodule: `gitdir: <path>`, and for a worktree a `commondir` file there.
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (m) gitDir = resolve(top, m[1]!.trim());
      files.push(dotGit);
    }
  } catch {
    // gone since gitTopOf: stamped as such below
  }
  files.push(join(gitDir, 'config'), join(gitDir, 'config.worktree'));
  let commonDir = gitDir;
  try {
    const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    if (common !== '') files.push(join((commonDir = isAbsolute(common) ? common : resolve(gitDir, common)), 'config'));
  } catch {
    // not a linked worktree
  }
  // The remote's default branch: which Argo CD targetRevision is the branch under check (argo/repo.ts).
  files.push(join(commonDir, 'refs', 'remotes', 'origin', 'HEAD'));
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  files.push(env.GIT_CONFIG_GLOBAL ?? join(home, '.gitconfig'), join(xdg, 'git', 'config'));
  files.push(env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig');
  const stamps = files.map((f) => {
    try {
      return `${f}:${fileStamp(statSync(f, { bigint: true }))}`;
    } catch {
      return `${f}:(none)`;
    }
  });
  const gitEnv = Object.keys(env)
    .filter((k) => k.startsWith('GIT_') || CI_BRANCH_VARIABLES.includes(k))
    .sort()
    .map((k) => `${k}=${env[k]}`);
  return [dirname(dotGit), ...stamps, ...gitEnv];
}

export async function originURL(cwd: string): Promise<string | undefined> {
  try {
    const r = await runGit(['remote', 'get-url', 'origin'], { cwd, timeoutMs: 10_000, okCodes: [2, 128] });
    const url = r.code === 0 ? r.stdout.trim() : '';
    return url === '' ? undefined : url;
  } catch {
    return undefined; // not a repository, or git is missing: the repository simply has no name here
  }
}

/**
 * The checked root's place inside its git work tree (`infra/gitops/`), for SARIF and annotation paths; '' when the
 * root is the top level or not in a git work tree (git missing included: paths then stay root-relative).
 */
export function gitUriPrefix(root: string, timeoutMs = 10_000): Promise<string> {
  return runGit(['rev-parse', '--show-prefix'], { cwd: root, timeoutMs }).then(
    (r) => r.stdout.trim(),
    () => '',
  );
}
