/** A fixture repo turned into a Git history at test time (temp dir, `git init`, one commit), plus an in-process CLI. */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { fixtures, kustomizeBin, withoutProgress } from '../helpers.js';

export const historyFixture = join(fixtures, 'select', 'history');

export interface GitRepo {
  dir: string;
  git(...args: string[]): string;
  /** Appends a line to a file (a content change that keeps YAML valid when the line is a comment). */
  touch(file: string, line?: string): void;
  write(file: string, content: string): void;
  commitAll(message: string): void;
  cleanup(): void;
}

/** `subdir`: put the fixture in a sub-folder of the repository (a desired-state root that is not the Git top). */
export function gitRepoFrom(src: string = historyFixture, options: { subdir?: string } = {}): GitRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-select-')));
  cpSync(src, options.subdir ? join(dir, options.subdir) : dir, {
    recursive: true,
    filter: (p) => basename(p) !== '.kfm-gitops',
  });
  const git = (...args: string[]): string =>
    execFileSync(
      'git',
      [
        '-c',
        'user.name=kfm test',
        '-c',
        'user.email=test@example.invalid',
        '-c',
        'commit.gpgsign=false',
        '-c',
        'init.defaultBranch=main',
        ...args,
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  git('init', '--quiet');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'initial');
  return {
    dir,
    git,
    touch: (file, line = '# changed') => appendFileSync(join(dir, file), `${line}\n`),
    write: (file, content) => writeFileSync(join(dir, file), content),
    commitAll: (message) => {
      git('add', '-A');
      git('commit', '--quiet', '-m', message);
    },
    cleanup: () => {
      // A worktree a failing test left behind must not leak into the next one.
      try {
        git('worktree', 'prune');
      } catch {
        // the folder is removed below anyway
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A temp copy without the source's own `.kfm-gitops/` caches (someone may have run `check` on it): cold by construction. */
export function freshCopy(src: string): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-fresh-')));
  cpSync(src, dir, { recursive: true, filter: (p) => basename(p) !== '.kfm-gitops' });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process (no build needed) with the project's kustomize. */
export async function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdin: async () => '',
    isTTY: false,
    env: { ...process.env, NO_COLOR: '1', KFM_KUSTOMIZE: kustomizeBin, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(args, io);
  return { code, stdout, stderr: withoutProgress(stderr) };
}
