import { afterEach } from 'vitest';
/** Promotion test helpers: temp copies of infra/gitops turned into git repos with a history, and git probes. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kustomizeBin, repoRoot, tempCopy } from '../helpers.js';

export const infraDir = join(repoRoot, 'infra', 'gitops');
export const hasKustomize = existsSync(kustomizeBin);
export const NO_KUSTOMIZE = `skipped: the pinned kustomize is not at ${kustomizeBin} (run \`npm run tools\`)`;
export const APPS = ['kfm-api', 'kfm-ui', 'postgis', 'minio'];

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Release Manager',
  GIT_AUTHOR_EMAIL: 'rm@example.org',
  GIT_COMMITTER_NAME: 'Release Manager',
  GIT_COMMITTER_EMAIL: 'rm@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function gitIn(dir: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV }, input });
}

import { pinnedRenderer as renderer } from '../helpers.js';
export { renderer };

export function kustomization(root: string, app: string, env: string): string {
  return join(root, 'apps', app, 'overlays', env, 'kustomization.yaml');
}

export function digestOf(root: string, app: string, env: string): string {
  return /digest: (sha256:[0-9a-f]{64})/.exec(readFileSync(kustomization(root, app, env), 'utf8'))![1];
}

/**
 * A temp copy of infra/gitops as its own git repo, with the history the promotion rules rely on: first every
 * dev overlay ran what stage runs now (the previous CI build), then dev got the new builds. Same shape as the
 * real history of infra/gitops; built here so the test does not depend on the project's own git log.
 */
export function infraRepo(): { dir: string; cleanup: () => void } {
  const copy = tempCopy(infraDir);
  const dir = copy.dir;
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'commit.gpgsign', 'false']);
  const current = new Map<string, string>();
  for (const app of APPS) {
    const file = kustomization(dir, app, 'dev');
    current.set(file, readFileSync(file, 'utf8'));
    writeFileSync(file, current.get(file)!.replace(digestOf(dir, app, 'dev'), digestOf(dir, app, 'stage')));
  }
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'desired state']);
  for (const [file, text] of current) writeFileSync(file, text);
  gitIn(dir, ['commit', '-q', '-am', 'new CI builds in dev']);
  return copy;
}

/** `git status --porcelain` of the whole repo (untracked included). */
export function porcelain(dir: string): string {
  return gitIn(dir, ['status', '--porcelain=v1', '--untracked-files=all']).trim();
}

export function branches(dir: string): string[] {
  return gitIn(dir, ['for-each-ref', '--format=%(refname:short)', 'refs/heads'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
}

/**
 * Per-test cleanup for the calling file: `repo()` gives a fresh temp git copy of infra/gitops, `defer(fn)` queues
 * any other cleanup; everything runs after each test.
 */
export function useTempInfraRepos(): { repo: () => string; defer: (fn: () => void) => void } {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    while (cleanups.length > 0) cleanups.pop()!();
  });
  const defer = (fn: () => void): void => {
    cleanups.push(fn);
  };
  return {
    defer,
    repo: () => {
      const r = infraRepo();
      defer(r.cleanup);
      return r.dir;
    },
  };
}
