import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kustomizeBin } from '../helpers.js';
import { cli, gitRepoFrom, type GitRepo } from '../select/git-fixture.js';

let repo: GitRepo;
beforeEach(() => {
  repo = gitRepoFrom();
  // The second commit: a replica change in one overlay's patch, a Service dropped from a base, a ConfigMap and a
  // Secret added to another base.
  repo.write(
    'apps/web/overlays/prod/replicas.yaml',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n',
  );
  repo.write(
    'apps/web/base/kustomization.yaml',
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n',
  );
  repo.write(
    'apps/api/base/kustomization.yaml',
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - settings.yaml\n',
  );
  repo.write(
    'apps/api/base/settings.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-settings\ndata:\n  LOG_LEVEL: info\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: api-db\nstringData:\n  password: hunter2-correct-horse\n',
  );
  repo.commitAll('second');
});
afterEach(() => repo.cleanup());

const worktrees = (): string[] =>
  repo
    .git('worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '));

describe.skipIf(!existsSync(kustomizeBin))('kfm-gitops diff --base (real kustomize, fixture history)', () => {
  it('shows each affected overlay with its added, removed and changed resources, and leaves no worktree', async () => {
    const r = await cli(['diff', repo.dir, '--base', 'HEAD~1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(
      /^4 overlay\(s\) with rendered changes since HEAD~1 \([0-9a-f]{12}\); 0 affected but rendering the same; 1 not affected\n/,
    );
    expect(out).toContain('=== apps/web/overlays/prod: 1 changed, 1 removed\n');
    expect(out).toContain('  - Service web-prod/web (v1) removed\n');
    expect(out).toContain('  ~ Deployment web-prod/web (apps/v1) changed\n');
    expect(out).toMatch(/ {4}- {2}replicas: 3\n {4}\+ {2}replicas: 5\n/);
    expect(out).toContain('=== apps/web/overlays/dev: 1 removed\n');
    expect(out).toContain('=== apps/api/overlays/dev: 2 added\n');
    expect(out).toContain('  + ConfigMap api-dev/api-settings (v1) added\n');
    expect(out).toContain('    +  LOG_LEVEL: info\n');
    expect(out).toContain('    --- /dev/null\n    +++ b/ConfigMap/api-dev/api-settings\n    @@ -0,0 +1,7 @@\n');
    expect(out).toContain('  + Secret api-prod/api-db (v1) added\n');
    expect(out).not.toContain('core/namespaces');
    // Secret values never reach the output, only a keyed hash.
    expect(out).not.toContain('hunter2');
    expect(out).toMatch(/\+ {2}password: <redacted [0-9a-f]{12}>/);
    expect(worktrees()).toEqual([`worktree ${repo.dir}`]);
    expect(
      readdirSync(tmpdir())
        .filter((d) => d.startsWith('kfm-gitops-base-'))
        .every((d) => !existsSync(join(tmpdir(), d, 'tree'))),
    ).toBe(true);
  });

  it('--format markdown prints a PR comment with one collapsible section per overlay and diff fences', async () => {
    const r = await cli(['diff', repo.dir, '--base', 'HEAD~1', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### kfm-gitops rendered diff\n\n4 overlay\(s\) with rendered changes since `HEAD~1`/);
    expect(r.stdout).toContain('<details><summary><code>apps/web/overlays/prod</code>: 1 changed, 1 removed</summary>');
    expect(r.stdout).toMatch(
      /\*\*~ Deployment web-prod\/web \(apps\/v1\)\*\* changed\n\n```diff\n--- a\/Deployment\/web-prod\/web\n\+\+\+ b\/Deployment\/web-prod\/web\n@@ [^\n]+ @@\n[\s\S]*?- {2}replicas: 3\n\+ {2}replicas: 5\n[\s\S]*?```\n/,
    );
    expect(r.stdout.match(/<details>/g)).toHaveLength(4);
    expect(r.stdout.match(/<\/details>/g)).toHaveLength(4);
  });

  it('counts uncommitted changes as "now" and reports an overlay that renders the same', async () => {
    repo.touch('apps/api/overlays/dev/kustomization.yaml', '# a comment changes nothing rendered');
    const r = await cli(['diff', repo.dir, '--base', 'HEAD']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `0 overlay(s) with rendered changes since HEAD (${repo.git('rev-parse', 'HEAD').slice(0, 12)}); 1 affected but rendering the same; 4 not affected\n`,
    );
  });

  it('a root inside a larger repository is found in the worktree at the same place', async () => {
    const nested = gitRepoFrom(undefined, { subdir: 'deploy/gitops' });
    try {
      nested.write(
        'deploy/gitops/apps/web/overlays/prod/replicas.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n',
      );
      nested.commitAll('seven');
      const r = await cli(['diff', join(nested.dir, 'deploy', 'gitops'), '--base', 'HEAD~1']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('=== apps/web/overlays/prod: 1 changed\n');
      expect(r.stdout).toMatch(/- {2}replicas: 3\n {4}\+ {2}replicas: 7\n/);
      expect(nested.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    } finally {
      nested.cleanup();
    }
  });

  it('--exit-code: 1 when the rendered state changed, 0 when nothing did', async () => {
    const changed = await cli(['diff', repo.dir, '--base', 'HEAD~1', '--exit-code']);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^4 overlay\(s\) with rendered changes/);
    const same = await cli(['diff', repo.dir, '--base', 'HEAD', '--exit-code']);
    expect(same.code).toBe(0);
    // A comment-only edit renders the same: no change, exit 0.
    repo.touch('apps/web/base/deployment.yaml', '# a comment renders the same');
    const comment = await cli(['diff', repo.dir, '--base', 'HEAD', '--exit-code']);
    expect(comment.stdout).toMatch(/0 overlay\(s\) with rendered changes/);
    expect(comment.code).toBe(0);
  });

  it('an overlay that no longer renders is shown with the reason, exit 1', async () => {
    repo.write('apps/web/overlays/dev/kustomization.yaml', 'resources:\n  - ../../missing\n');
    const r = await cli(['diff', repo.dir, '--base', 'HEAD']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('=== apps/web/overlays/dev: render failed\n');
    expect(r.stdout).toMatch(/! render failed \(now\): KFM-RENDER-001 apps\/web\/overlays\/dev\/kustomization.yaml/);
    expect(worktrees()).toHaveLength(1);
  });

  it('a bad ref exits 2 with the reason and creates no worktree', async () => {
    const r = await cli(['diff', repo.dir, '--base', 'no-such-ref']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/diff --base no-such-ref: no-such-ref is not a commit in this repository/);
    expect(worktrees()).toHaveLength(1);
    const fmt = await cli(['diff', repo.dir, '--base', 'HEAD', '--format', 'html']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toMatch(/diff --format takes text or markdown/);
  });

  it('SIGINT during the render removes the worktree and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-slow-kustomize-'));
    const started = join(dir, 'started');
    const fake = join(dir, 'kustomize');
    writeFileSync(
      fake,
      `#!/usr/bin/env bash\nif [ "$1" = version ]; then echo v5.7.1; exit 0; fi\ntouch ${JSON.stringify(started)}\nexec sleep 30\n`,
    );
    chmodSync(fake, 0o755);
    try {
      const running = cli(['diff', repo.dir, '--base', 'HEAD~1', '--kustomize', fake, '--no-cache']);
      const deadline = Date.now() + 20_000;
      while (!existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(started)).toBe(true);
      expect(worktrees()).toHaveLength(2);
      process.emit('SIGINT');
      const r = await running;
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/interrupted/);
      expect(worktrees()).toEqual([`worktree ${repo.dir}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
