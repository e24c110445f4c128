/**
 * promote() on temp git copies of infra/gitops with the real kustomize and the normal checks: what a release
 * manager sees (status, refusals, the bytes of the kustomization, git branches and trailers).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChecks } from '../../src/checks/index.js';
import { FAULT_POINTS, InjectedFault, promote, type PromoteOptions } from '../../src/promote/apply.js';
import { PromoteUsageError } from '../../src/promote/inputs.js';
import { shippedKubernetesReleases } from '../../src/util/version.js';
import {
  APPS,
  branches,
  digestOf,
  GIT_ENV,
  gitIn,
  hasKustomize,
  kustomization,
  NO_KUSTOMIZE,
  porcelain,
  renderer,
  useTempInfraRepos,
} from './helpers.js';

const { repo, defer } = useTempInfraRepos();

function run(root: string, options: Partial<PromoteOptions>) {
  const r = renderer();
  defer(() => void r.dispose());
  return promote({
    root,
    config: {},
    renderer: r,
    from: 'dev',
    to: 'stage',
    kubernetesVersion: shippedKubernetesReleases().at(-1) ?? '1.37',
    toolVersion: '9.9.9',
    timeoutMs: 60_000,
    checks: createChecks(),
    ...options,
  });
}

/** Lines that differ between two texts with the same number of lines. */
function changedLines(before: string, after: string): { line: number; before: string; after: string }[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((l, i) => (l === b[i] ? [] : [{ line: i + 1, before: l, after: b[i] }]));
}

describe.skipIf(!hasKustomize)(`promote on a copy of infra/gitops${hasKustomize ? '' : ` (${NO_KUSTOMIZE})`}`, () => {
  beforeAll(() => {
    // commit-tree reads the identity from the environment; keep it independent of the machine's git config.
    Object.assign(process.env, GIT_ENV);
  });

  it('promotes kfm-api dev → stage changing only the digest line, then stage → prod', async () => {
    const root = repo();
    const stageFile = kustomization(root, 'kfm-api', 'stage');
    const before = readFileSync(stageFile, 'utf8');
    const devDigest = digestOf(root, 'kfm-api', 'dev');

    const result = await run(root, { app: 'kfm-api' });
    expect(result.refusals).toEqual([]);
    expect(result.status).toBe('promoted');
    expect(result.written).toEqual(['apps/kfm-api/overlays/stage/kustomization.yaml']);
    expect(result.check?.summary.findings.error).toBe(0);
    const after = readFileSync(stageFile, 'utf8');
    expect(changedLines(before, after)).toEqual([
      { line: 48, before: expect.stringMatching(/^ {4}digest: sha256:82b4/), after: `    digest: ${devDigest}` },
    ]);
    expect(after).toContain('# Pinned by digest in every environment. Promotion (`kfm-gitops promote kfm-api');
    expect(porcelain(root)).toBe('M apps/kfm-api/overlays/stage/kustomization.yaml');
    // The rendered diff shows the Deployment's image moving, nothing else.
    expect(result.diffs).toHaveLength(1);
    expect(result.diffs[0].resources.map((r) => r.key)).toEqual(['apps/v1/Deployment/kfm-stage/kfm-api']);
    expect(result.diffs[0].resources[0].diff).toContain(`+        image: quay.io/kfm/kfm-api@${devDigest}`);

    gitIn(root, ['commit', '-q', '-am', 'promote kfm-api to stage']);
    const prod = await run(root, { app: 'kfm-api', from: 'stage', to: 'prod' });
    expect(prod.status).toBe('promoted');
    expect(digestOf(root, 'kfm-api', 'prod')).toBe(devDigest);
  });

  it('refuses dev → prod (a skipped env) and writes nothing; --allow-skip with a reason promotes', async () => {
    const root = repo();
    const refused = await run(root, { app: 'kfm-api', to: 'prod' });
    expect(refused.status).toBe('refused');
    expect(refused.refusals).toEqual([
      expect.stringContaining('kfm-api: dev → prod skips stage (order dev → stage → prod)'),
    ]);
    expect(porcelain(root)).toBe('');

    const allowed = await run(root, { app: 'kfm-api', to: 'prod', allowSkip: { reason: 'security fix INC-42' } });
    expect(allowed.status).toBe('promoted');
    expect(allowed.plans[0].overrides).toEqual([
      expect.objectContaining({ kind: 'skip', reason: 'security fix INC-42' }),
    ]);
  });

  it('refuses a tag-only dev image and names it', async () => {
    const root = repo();
    const dev = kustomization(root, 'kfm-api', 'dev');
    writeFileSync(dev, readFileSync(dev, 'utf8').replace(/digest: sha256:[0-9a-f]{64}/, 'newTag: "1.9.0"'));
    const result = await run(root, { app: 'kfm-api' });
    expect(result.status).toBe('refused');
    expect(result.refusals).toEqual([
      expect.stringMatching(
        /^kfm-api: image quay\.io\/kfm\/kfm-api \(apps\/kfm-api\/overlays\/dev\/kustomization\.yaml:\d+\) is pinned by tag "1\.9\.0" only/,
      ),
    ]);
    expect(porcelain(root)).toBe('M apps/kfm-api/overlays/dev/kustomization.yaml');
  });

  it('refuses a downgrade: stage runs a digest dev never had', async () => {
    const root = repo();
    const stage = kustomization(root, 'kfm-ui', 'stage');
    const unknown = `sha256:${'e'.repeat(64)}`;
    writeFileSync(stage, readFileSync(stage, 'utf8').replace(/sha256:[0-9a-f]{64}/, unknown));
    gitIn(root, ['commit', '-q', '-am', 'hand-edited stage']);
    const result = await run(root, { app: 'kfm-ui' });
    expect(result.status).toBe('refused');
    expect(result.refusals[0]).toContain(
      `kfm-ui: stage runs quay.io/kfm/kfm-ui@${unknown} (apps/kfm-ui/overlays/stage/kustomization.yaml:47), which dev never had (now or in its git history)`,
    );
  });

  it('writes nothing when the promoted state fails a policy', async () => {
    const root = repo();
    // dev of kfm-ui now runs a PostgreSQL image: promoted to stage, the UI's public Route would reach a store.
    const dev = kustomization(root, 'kfm-ui', 'dev');
    writeFileSync(
      dev,
      readFileSync(dev, 'utf8').replace('newName: quay.io/kfm/kfm-ui', 'newName: docker.io/library/postgres'),
    );
    const stageBefore = readFileSync(kustomization(root, 'kfm-ui', 'stage'), 'utf8');
    const result = await run(root, { app: 'kfm-ui' });
    expect(result.status).toBe('check-failed');
    expect(result.check!.findings.map((f) => f.ruleId)).toContain('KFM-TM-001');
    const tm = result.check!.findings.find((f) => f.ruleId === 'KFM-TM-001')!;
    expect(tm.overlay).toBe('apps/kfm-ui/overlays/stage');
    expect(result.written).toEqual([]);
    expect(readFileSync(kustomization(root, 'kfm-ui', 'stage'), 'utf8')).toBe(stageBefore);
    expect(porcelain(root)).toBe('M apps/kfm-ui/overlays/dev/kustomization.yaml');
  });

  it('--dry-run plans and checks but writes nothing', async () => {
    const root = repo();
    const result = await run(root, { app: 'kfm-api', dryRun: true });
    expect(result.status).toBe('planned');
    expect(result.check?.summary.findings.error).toBe(0);
    expect(result.changes[0].after).toContain(digestOf(root, 'kfm-api', 'dev'));
    expect(porcelain(root)).toBe('');
  });

  it('--commit creates the branch and trailers, leaving unrelated staged changes staged', async () => {
    const root = repo();
    const head = gitIn(root, ['rev-parse', 'HEAD']).trim();
    writeFileSync(join(root, 'README.md'), `${readFileSync(join(root, 'README.md'), 'utf8')}\nstaged note\n`);
    gitIn(root, ['add', 'README.md']);
    const devDigest = digestOf(root, 'kfm-api', 'dev');

    const result = await run(root, { app: 'kfm-api', commit: { message: 'Release 1.9: faster tile search' } });
    expect(result.status).toBe('promoted');
    const branch = `promote/kfm-api/stage-${devDigest.slice(7, 19)}`;
    expect(result.commit?.branch).toBe(branch);
    expect(gitIn(root, ['symbolic-ref', '--short', 'HEAD']).trim()).toBe(branch);
    expect(gitIn(root, ['rev-parse', 'HEAD^']).trim()).toBe(head);
    expect(gitIn(root, ['diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD']).trim()).toBe(
      'apps/kfm-api/overlays/stage/kustomization.yaml',
    );
    const message = gitIn(root, ['log', '-1', '--format=%B']);
    expect(message).toMatch(/^promote kfm-api: dev → stage\n\nRelease 1\.9: faster tile search\n/);
    const trailers = gitIn(root, ['interpret-trailers', '--parse'], message).trim().split('\n');
    expect(trailers).toEqual([
      'Promoted-App: kfm-api',
      'Promoted-From: dev',
      'Promoted-To: stage',
      `Image: quay.io/kfm/kfm-api@${devDigest}`,
      expect.stringMatching(/^Check-Result: passed, 0 error\(s\), \d+ warning\(s\) in 1 overlay\(s\)$/),
      'Checked-By: kfm-gitops 9.9.9',
    ]);
    // The unrelated change is still staged, not committed; the promoted file is clean on the new branch.
    expect(porcelain(root)).toBe('M  README.md');
  });

  it('refuses a dirty target file', async () => {
    const root = repo();
    const stage = kustomization(root, 'kfm-api', 'stage');
    writeFileSync(stage, `${readFileSync(stage, 'utf8')}# local note\n`);
    const result = await run(root, { app: 'kfm-api' });
    expect(result.status).toBe('refused');
    expect(result.refusals).toEqual([
      expect.stringContaining('apps/kfm-api/overlays/stage/kustomization.yaml has uncommitted changes'),
    ]);
    expect(readFileSync(stage, 'utf8')).toMatch(/# local note\n$/);
  });

  it('--all promotes every app whose source differs, as one plan and one commit', async () => {
    const root = repo();
    const result = await run(root, { all: true, commit: {} });
    expect(result.status).toBe('promoted');
    expect(result.written.sort()).toEqual(APPS.map((a) => `apps/${a}/overlays/stage/kustomization.yaml`).sort());
    expect(result.commit?.branch).toMatch(/^promote\/all\/stage-[0-9a-f]{12}$/);
    for (const app of APPS) expect(digestOf(root, app, 'stage')).toBe(digestOf(root, app, 'dev'));
    expect(gitIn(root, ['log', '-1', '--format=%B'])).toContain('promote 4 apps: dev → stage');
    // Everything in sync now: a second run has nothing to do.
    expect((await run(root, { all: true })).status).toBe('unchanged');
  });

  it('an unknown app or env is a usage error', async () => {
    const root = repo();
    await expect(run(root, { app: 'nope' })).rejects.toThrow(PromoteUsageError);
    await expect(run(root, { app: 'kfm-api', to: 'qa' })).rejects.toThrow(/not in the promotion order/);
  });

  describe('a crash at each step leaves the repo unchanged', () => {
    for (const point of FAULT_POINTS) {
      it(`after ${point}`, async () => {
        const root = repo();
        const head = gitIn(root, ['rev-parse', 'HEAD']).trim();
        const stage = readFileSync(kustomization(root, 'kfm-api', 'stage'), 'utf8');
        await expect(run(root, { app: 'kfm-api', commit: {}, faults: { after: point } })).rejects.toThrow(
          InjectedFault,
        );
        expect(readFileSync(kustomization(root, 'kfm-api', 'stage'), 'utf8')).toBe(stage);
        expect(porcelain(root)).toBe('');
        expect(branches(root)).toEqual(['main']);
        expect(gitIn(root, ['rev-parse', 'HEAD']).trim()).toBe(head);
        // And the promotion then goes through in full.
        const again = await run(root, { app: 'kfm-api', commit: {} });
        expect(again.status).toBe('promoted');
        expect(branches(root)).toEqual(['main', again.commit!.branch]);
      });
    }
  });
});
