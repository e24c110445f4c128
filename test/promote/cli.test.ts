/** The built CLI: promote (exit codes, JSON, a hard crash mid-write), new-app followed by check. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempCopy } from '../helpers.js';
import {
  digestOf,
  GIT_ENV,
  hasKustomize,
  infraDir,
  kustomization,
  NO_KUSTOMIZE,
  porcelain,
  useTempInfraRepos,
} from './helpers.js';

const { repo, defer } = useTempInfraRepos();

const promoteCli = (root: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(['promote', ...args, '--root', root], { env: { ...GIT_ENV, ...env } });

describe.skipIf(!hasKustomize)(`kfm-gitops promote (built CLI)${hasKustomize ? '' : ` (${NO_KUSTOMIZE})`}`, () => {
  it('exits 2 on usage errors and 1 on a refusal, with the reason', async () => {
    const root = repo();
    expect((await promoteCli(root, ['kfm-api', '--to', 'stage'])).code).toBe(2);
    const unknown = await promoteCli(root, ['nope', '--from', 'dev', '--to', 'stage']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no app "nope"');
    expect((await promoteCli(root, ['kfm-api', '--from', 'dev', '--to', 'prod', '--allow-skip'])).stderr).toContain(
      'need --reason',
    );
    const refused = await promoteCli(root, ['kfm-api', '--from', 'dev', '--to', 'prod', '--format', 'json']);
    expect(refused.code).toBe(1);
    const json = JSON.parse(refused.stdout);
    expect(json.status).toBe('refused');
    expect(json.refusals).toEqual([expect.stringContaining('dev → prod skips stage')]);
  });

  it('--dry-run prints the plan, the kustomization diff and the rendered diff, and exits 0', async () => {
    const root = repo();
    const dev = digestOf(root, 'kfm-api', 'dev');
    const r = await promoteCli(root, ['kfm-api', '--from', 'dev', '--to', 'stage', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `quay.io/kfm/kfm-api: sha256:82b4679199f1d3b445fd8ed7c7b5803d074b6b6416719803a9f9ecf0e6f8eb3a → ${dev}`,
    );
    expect(r.stdout).toContain(`+    digest: ${dev}`);
    expect(r.stdout).toContain(`+        image: quay.io/kfm/kfm-api@${dev}`);
    expect(r.stdout).toMatch(/with the change applied: passed \(0 errors/);
    expect(r.stdout).toContain('dry run: nothing written');
    expect(porcelain(root)).toBe('');
  });

  it('a hard crash between write and rename leaves the original file intact; the next run completes', async () => {
    const root = repo();
    const stage = kustomization(root, 'kfm-api', 'stage');
    const before = readFileSync(stage, 'utf8');
    const crashed = await promoteCli(root, ['kfm-api', '--from', 'dev', '--to', 'stage', '--commit'], {
      KFM_FAULT: 'write',
    });
    expect(crashed.code).not.toBe(0);
    expect(readFileSync(stage, 'utf8')).toBe(before);
    // The killed run left its temp file (nothing cleaned up after a SIGKILL) — and nothing else.
    const leftovers = readdirSync(dirname(stage)).filter((n) => n.includes('.kfm-promote-'));
    expect(leftovers).toHaveLength(1);
    expect(porcelain(root)).toBe(`?? apps/kfm-api/overlays/stage/${leftovers[0]}`);

    const again = await promoteCli(root, ['kfm-api', '--from', 'dev', '--to', 'stage', '--commit']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/✔ committed [0-9a-f]{12} on branch promote\/kfm-api\/stage-[0-9a-f]{12}/);
    expect(readdirSync(dirname(stage)).filter((n) => n.includes('.kfm-promote-'))).toEqual([]);
    expect(porcelain(root)).toBe('');
    expect(digestOf(root, 'kfm-api', 'stage')).toBe(digestOf(root, 'kfm-api', 'dev'));
  });

  it('rejects an unknown KFM_FAULT point', async () => {
    const r = await promoteCli(repo(), ['kfm-api', '--from', 'dev', '--to', 'stage'], { KFM_FAULT: 'rename' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KFM_FAULT must be one of plan, check, write, commit');
  });
});

describe.skipIf(!hasKustomize)(`kfm-gitops new-app (built CLI)${hasKustomize ? '' : ` (${NO_KUSTOMIZE})`}`, () => {
  it('scaffolds an app that passes check at once and registers it with the ApplicationSets', async () => {
    const copy = tempCopy(infraDir);
    defer(copy.cleanup);
    const image = `quay.io/kfm/tiles:0.3.0@sha256:${'ab'.repeat(32)}`;
    const r = await runCli(['new-app', 'tiles', '--image', image, '--root', copy.dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create apps/tiles/overlays/prod/kustomization.yaml');
    const nonprod = readFileSync(`${copy.dir}/components/applicationsets/tenants-kfm-nonprod.yaml`, 'utf8');
    expect(nonprod).toContain(
      '          - app: tiles\n            env: dev\n            namespace: kfm-dev\n          - app: tiles\n            env: stage\n            namespace: kfm-stage\n  template:',
    );
    expect(nonprod).toContain('# One element per app x env: {app, env, namespace}.');
    expect(readFileSync(`${copy.dir}/components/applicationsets/tenants-kfm-prod.yaml`, 'utf8')).toContain(
      '          - app: tiles\n            env: prod\n            namespace: kfm-prod\n',
    );
    expect(digestOf(copy.dir, 'tiles', 'prod')).toBe(`sha256:${'ab'.repeat(32)}`);

    const check = await runCli(['check', copy.dir, '--format', 'json']);
    const report = JSON.parse(check.stdout);
    expect(report.findings).toEqual([]);
    expect(check.code).toBe(0);
    expect(
      report.overlays
        .filter((o: { path: string }) => o.path.startsWith('apps/tiles/'))
        .map((o: { status: string }) => o.status),
    ).toEqual(['ok', 'ok', 'ok']);

    const twice = await runCli(['new-app', 'tiles', '--image', image, '--root', copy.dir]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('apps/tiles already exists');
  });
});
