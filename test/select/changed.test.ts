import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverOverlays } from '../../src/discover/index.js';
import { DiscoverMemo } from '../../src/discover/memo.js';
import { memoWalks } from '../../src/discover/walks.js';
import { changedFilesSince, prepareSelection, SelectError } from '../../src/select/index.js';
import type { Config } from '../../src/config/types.js';
import { kustomizeBin } from '../helpers.js';
import { cli, gitRepoFrom, type GitRepo } from './git-fixture.js';

const ALL = [
  'apps/api/overlays/dev',
  'apps/api/overlays/prod',
  'apps/web/overlays/dev',
  'apps/web/overlays/prod',
  'core/namespaces',
];

let repo: GitRepo;
beforeEach(() => {
  repo = gitRepoFrom();
});
afterEach(() => repo.cleanup());

async function selected(
  ref = 'HEAD',
  config: Config = { failOn: 'error' },
): Promise<{ keep: string[]; skipped: { path: string; reason: string }[] }> {
  const { overlays } = await discoverOverlays(repo.dir, config);
  expect(overlays.map((o) => o.path)).toEqual(ALL);
  const prepared = await prepareSelection({
    root: repo.dir,
    config,
    configFile: join(repo.dir, 'kfm-gitops.yaml'),
    changedSince: ref,
  });
  const sel = await prepared.select!(overlays);
  return { keep: sel.keep.map((o) => o.path), skipped: sel.skipped };
}

describe('--changed-since: the overlays whose inputs changed', () => {
  it('selects nothing when nothing changed, and says why for each overlay', async () => {
    const sel = await selected();
    expect(sel.keep).toEqual([]);
    expect(sel.skipped).toEqual(ALL.map((path) => ({ path, reason: 'no input changed since HEAD' })));
  });

  it('a base change selects every overlay built on that base', async () => {
    repo.touch('apps/web/base/deployment.yaml');
    expect((await selected()).keep).toEqual(['apps/web/overlays/dev', 'apps/web/overlays/prod']);
  });

  it('a component change selects exactly the overlays that include the component', async () => {
    repo.touch('components/probes/patch.yaml');
    expect((await selected()).keep).toEqual(['apps/api/overlays/prod', 'apps/web/overlays/prod']);
  });

  it('an overlay patch change selects only that overlay', async () => {
    repo.touch('apps/web/overlays/prod/replicas.yaml');
    const sel = await selected();
    expect(sel.keep).toEqual(['apps/web/overlays/prod']);
    expect(sel.skipped.map((s) => s.path)).toEqual(ALL.filter((p) => p !== 'apps/web/overlays/prod'));
  });

  it('a config change selects everything', async () => {
    repo.touch('kfm-gitops.yaml');
    expect((await selected()).keep).toEqual(ALL);
  });

  it('a change to the custom policy folder, a schema folder or the secrets baseline selects everything', async () => {
    const config: Config = { policy: { customDir: 'policies' }, schema: { extraDirs: ['schemas'] } };
    repo.write('policies.rego', 'package x\n'); // beside the policy folder, not in it: no effect
    expect((await selected('HEAD', config)).keep).toEqual([]);
    repo.commitAll('unrelated file');
    mkdirSync(join(repo.dir, 'policies'));
    repo.write('policies/team.rego', 'package team\n');
    expect((await selected('HEAD', config)).keep).toEqual(ALL);
    repo.commitAll('policy');
    mkdirSync(join(repo.dir, 'schemas/acme.io'), { recursive: true });
    repo.write('schemas/acme.io/widget_v1.json', '{}\n');
    expect((await selected('HEAD', config)).keep).toEqual(ALL);
    repo.commitAll('schema');
    mkdirSync(join(repo.dir, '.kfm-gitops'));
    repo.write('.kfm-gitops/secrets-baseline.json', '{}\n');
    expect((await selected('HEAD', config)).keep).toEqual(ALL);
  });

  it('counts committed changes since the merge-base, not only the work tree', async () => {
    repo.touch('apps/api/base/deployment.yaml');
    repo.commitAll('change api base');
    repo.touch('apps/web/overlays/prod/replicas.yaml'); // uncommitted on top
    expect((await selected('HEAD~1')).keep).toEqual([
      'apps/api/overlays/dev',
      'apps/api/overlays/prod',
      'apps/web/overlays/prod',
    ]);
  });

  it('a deleted or renamed base file still selects the overlays that used it', async () => {
    renameSync(
      join(repo.dir, 'apps/api/base/kustomization.yaml'),
      join(repo.dir, 'apps/api/base/kustomization.yml.bak'),
    );
    expect((await selected()).keep).toEqual(['apps/api/overlays/dev', 'apps/api/overlays/prod']);
  });

  it('an untracked new file in an overlay folder selects that overlay', async () => {
    repo.write('apps/api/overlays/dev/extra.yaml', 'kind: ConfigMap\n');
    expect((await selected()).keep).toEqual(['apps/api/overlays/dev']);
  });

  it('maps paths when the root is a sub-folder of the repository', async () => {
    repo.touch('apps/web/base/service.yaml');
    const changes = await changedFilesSince(join(repo.dir, 'apps'), 'HEAD');
    expect(changes.inRoot).toEqual(['web/base/service.yaml']);
    expect(changes.absolute).toEqual([join(repo.dir, 'apps/web/base/service.yaml')]);
  });

  it('a ref that is not a commit is an error that names it', async () => {
    await expect(prepareSelection({ root: repo.dir, config: {}, changedSince: 'no-such-branch' })).rejects.toThrow(
      SelectError,
    );
    await expect(prepareSelection({ root: repo.dir, config: {}, changedSince: 'no-such-branch' })).rejects.toThrow(
      /no-such-branch is not a commit/,
    );
    await expect(prepareSelection({ root: repo.dir, config: {}, changedSince: '--output=/tmp/x' })).rejects.toThrow(
      /is not a Git ref/,
    );
  });
});

/**
 * The selection with the walks of earlier runs remembered (src/discover/memo.ts; stamps trusted at once, the files
 * of a test being seconds old): a remembered walk must never hide an overlay that now reaches the changed file.
 */
async function selectedWithMemo(config: Config = { failOn: 'error' }): Promise<{ keep: string[]; hits: number }> {
  const memo = DiscoverMemo.open(repo.dir, config, false, { racyMs: 0 })!;
  const walk = memoWalks(repo.dir, { allowExec: false, memo });
  const { overlays } = await discoverOverlays(repo.dir, config, {}, memo);
  const prepared = await prepareSelection({ root: repo.dir, config, changedSince: 'HEAD' });
  const sel = await prepared.select!(overlays, walk);
  await Promise.all(overlays.map(walk)); // as a run does: renders and coverage walk the rest
  await memo.save();
  return { keep: sel.keep.map((o) => o.path), hits: memo.hits.walks };
}

describe('--changed-since with the walks of earlier runs remembered', () => {
  it('selects an overlay whose kustomization started naming the changed file after the memo was made', async () => {
    expect(await selectedWithMemo()).toEqual({ keep: [], hits: 0 });
    expect(await selectedWithMemo()).toEqual({ keep: [], hits: ALL.length });
    // Committed since the memo: api's dev overlay now takes the probes component too.
    repo.write(
      'apps/api/overlays/dev/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: api-dev\nresources:\n  - ../../base\ncomponents:\n  - ../../../../components/probes\n',
    );
    repo.commitAll('dev takes the probes');
    repo.touch('components/probes/patch.yaml');
    const sel = await selectedWithMemo();
    expect(sel.keep).toEqual(['apps/api/overlays/dev', 'apps/api/overlays/prod', 'apps/web/overlays/prod']);
    expect(sel.hits).toBe(ALL.length - 1);
  });

  it('selects the overlays of a renamed or deleted input the memo knew', async () => {
    await selectedWithMemo();
    repo.git('mv', 'apps/web/base/service.yaml', 'apps/web/base/svc.yaml');
    expect((await selectedWithMemo()).keep).toEqual(['apps/web/overlays/dev', 'apps/web/overlays/prod']);
    repo.commitAll('renamed');
    rmSync(join(repo.dir, 'apps/api/base/deployment.yaml'));
    expect((await selectedWithMemo()).keep).toEqual(['apps/api/overlays/dev', 'apps/api/overlays/prod']);
  });
});

describe.skipIf(!existsSync(kustomizeBin))('check --changed-since (CLI, real kustomize)', () => {
  it('checks only the affected overlays and lists the skipped ones with the reason', async () => {
    repo.touch('components/probes/patch.yaml');
    const r = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--format', 'json', '--no-cache']);
    const report = JSON.parse(r.stdout);
    // The platform overlay is checked too: it is every env's context (src/select/siblings.ts).
    expect(report.overlays.map((o: { path: string }) => o.path)).toEqual([
      'apps/api/overlays/prod',
      'apps/web/overlays/prod',
      'core/namespaces',
    ]);
    expect(report.skipped).toEqual([
      { path: 'apps/api/overlays/dev', reason: 'no input changed since HEAD' },
      { path: 'apps/web/overlays/dev', reason: 'no input changed since HEAD' },
    ]);
    // stderr says which overlays it checked and which changed file reached them; skipped ones only with --verbose.
    expect(r.stderr).toContain('kfm-gitops: checking 2 of 5 overlays (changed since HEAD)');
    expect(r.stderr).toContain('  apps/api/overlays/prod: components/probes/patch.yaml changed');
    expect(r.stderr).toContain('  apps/web/overlays/prod: components/probes/patch.yaml changed');
    expect(r.stderr).toContain('3 not checked (--verbose lists them)');
    expect(r.stderr).toContain('kfm-gitops: also checked 1 overlay(s) the changed ones can join');
    expect(r.stderr).not.toContain('apps/api/overlays/dev');
    const verbose = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--verbose', '--no-cache']);
    expect(verbose.stderr).toContain('  apps/api/overlays/dev: no input changed since HEAD');
    expect(verbose.stdout).toContain('  apps/api/overlays/dev: no input changed since HEAD');
    const quiet = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--quiet', '--no-cache']);
    expect(quiet.stderr).toBe('');
  });

  it('with the caches on, answers the same from the memo of an earlier run', async () => {
    const args = ['check', repo.dir, '--changed-since', 'HEAD', '--format', 'json'];
    const memoFile = join(repo.dir, '.kfm-gitops', 'cache', 'discover', 'discover.sealed');
    // The fixture's files are seconds old: a stamp younger than 2 s is not trusted (a write in the same clock tick).
    await new Promise((r) => setTimeout(r, 2100));
    const before = await cli(args);
    expect(existsSync(memoFile)).toBe(true);
    repo.touch('components/probes/patch.yaml');
    const walked = await cli(args); // walks every overlay to select, and remembers the walks
    const touched = await cli(args); // selects from the remembered walks
    const fresh = await cli([...args, '--no-cache']);
    expect(JSON.parse(before.stdout).overlays).toEqual([]);
    const strip = (out: string) => {
      const r = JSON.parse(out);
      return {
        overlays: r.overlays.map((o: { path: string; status: string }) => ({ path: o.path, status: o.status })),
        skipped: r.skipped,
        findings: r.findings.map((f: { ruleId: string }) => f.ruleId),
      };
    };
    expect(strip(walked.stdout)).toEqual(strip(fresh.stdout));
    expect(strip(touched.stdout)).toEqual(strip(fresh.stdout));
    expect(strip(touched.stdout).overlays.map((o: { path: string }) => o.path)).toEqual([
      'apps/api/overlays/prod',
      'apps/web/overlays/prod',
      'core/namespaces',
    ]);
  });

  it('says so in one line when a config change selects everything', async () => {
    repo.touch('kfm-gitops.yaml');
    const r = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--format', 'json', '--no-cache']);
    expect(r.stderr).toContain(
      'kfm-gitops: checking 5 of 5 overlays (changed since HEAD): kfm-gitops.yaml changed (it steers every overlay)',
    );
  });

  it('exits 2 with the reason on a bad ref, before rendering anything', async () => {
    const r = await cli(['check', repo.dir, '--changed-since', 'origin/nope', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--changed-since origin\/nope: origin\/nope is not a commit in this repository/);
  });

  it('exits 2 outside a Git work tree', async () => {
    rmSync(join(repo.dir, '.git'), { recursive: true, force: true });
    const r = await cli(['check', repo.dir, '--changed-since', 'HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not inside a Git work tree/);
  });
});

describe.skipIf(!existsSync(kustomizeBin))(
  'check --changed-since: the secret scan reads the changed files only',
  () => {
    const secretFile = 'notes/creds.txt';
    const secretFindings = (stdout: string): { ruleId: string; file?: string }[] =>
      JSON.parse(stdout).findings.filter((f: { file?: string }) => f.file === secretFile);

    it('an unchanged file was scanned when it changed; a changed one is scanned now', async () => {
      mkdirSync(join(repo.dir, 'notes'), { recursive: true });
      repo.write(secretFile, `github_token = "ghp_${'a1B2c3D4e5'.repeat(3)}Zx9Yw8"\n`);
      repo.commitAll('a committed credential');
      const full = await cli(['check', repo.dir, '--format', 'json', '--no-cache']);
      expect(secretFindings(full.stdout).map((f) => f.ruleId)).toEqual([expect.stringMatching(/^KFM-SEC-/)]);

      repo.touch('components/probes/patch.yaml');
      const other = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--format', 'json', '--no-cache']);
      expect(secretFindings(other.stdout)).toEqual([]);

      repo.touch(secretFile);
      const touched = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--format', 'json', '--no-cache']);
      expect(secretFindings(touched.stdout).map((f) => f.ruleId)).toEqual(
        secretFindings(full.stdout).map((f) => f.ruleId),
      );
    });

    it('a config change puts every file back in scope', async () => {
      mkdirSync(join(repo.dir, 'notes'), { recursive: true });
      repo.write(secretFile, `github_token = "ghp_${'a1B2c3D4e5'.repeat(3)}Zx9Yw8"\n`);
      repo.commitAll('a committed credential');
      repo.touch('kfm-gitops.yaml');
      const r = await cli(['check', repo.dir, '--changed-since', 'HEAD', '--format', 'json', '--no-cache']);
      expect(r.code).toBe(1);
      expect(secretFindings(r.stdout)).toHaveLength(1);
    });
  },
);
