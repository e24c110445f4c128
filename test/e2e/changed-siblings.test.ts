/**
 * A changed-only run checks the unchanged overlays its changed ones can join by namespace (src/select/siblings.ts).
 * Before, a pull request adding a Route to its own overlay, pointing at the database Service of an overlay it did not
 * touch, passed `check --changed-since`: only the changed overlay was rendered, so the Route joined nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; overlay?: string };

describe('changed-only runs and cross-overlay rules (e2e)', () => {
  const copy = freshGitCopy();
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { cwd: copy.top });
  };

  it("a Route added to one overlay, to another overlay's database Service, fails the changed-only run", async () => {
    git('add', '-A');
    git('commit', '-qm', 'base');
    const overlay = join(copy.root, 'apps', 'kfm-ui', 'overlays', 'prod');
    writeFileSync(
      join(overlay, 'route-db.yaml'),
      'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: db\nspec:\n  to:\n    kind: Service\n    name: postgis\n',
    );
    const kfile = join(overlay, 'kustomization.yaml');
    writeFileSync(kfile, readFileSync(kfile, 'utf8').replace(/^resources:\n/m, 'resources:\n  - route-db.yaml\n'));
    const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
      cwd: copy.top,
    });
    const report = JSON.parse(r.stdout) as { findings: Found[]; overlays: { path: string }[] };
    expect(report.findings.map((f) => [f.ruleId, f.file, f.overlay])).toEqual([
      ['KFM-TM-001', 'apps/kfm-ui/overlays/prod/route-db.yaml', 'apps/kfm-ui/overlays/prod'],
    ]);
    expect(report.overlays.map((o) => o.path)).toContain('apps/postgis/overlays/prod');
    expect(r.code).toBe(1);
  }, 120_000);
  it('a platform overlay opening kfm-prod (an allow-all NetworkPolicy in core/baseline) fails the changed-only run', async () => {
    git('add', '-A');
    git('commit', '-qm', 'base');
    const file = join(copy.root, 'core', 'baseline', 'default-deny-ingress.yaml');
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-all\n  namespace: kfm-prod\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - {}\n`,
    );
    const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
      cwd: copy.top,
    });
    const report = JSON.parse(r.stdout) as { findings: Found[]; overlays: { path: string }[] };
    expect(report.findings.map((f) => [f.ruleId, f.file])).toEqual([
      ['KFM-TM-004', 'core/baseline/default-deny-ingress.yaml'],
    ]);
    // The stores of kfm-prod were rendered because the changed overlay's objects name that namespace.
    expect(report.overlays.map((o) => o.path)).toContain('apps/postgis/overlays/prod');
    expect(r.code).toBe(1);
  }, 120_000);

  it("an app overlay change renders the platform overlays, every env's context", async () => {
    git('add', '-A');
    git('commit', '-qm', 'base');
    const kfile = join(copy.root, 'apps', 'kfm-ui', 'overlays', 'prod', 'kustomization.yaml');
    writeFileSync(kfile, `${readFileSync(kfile, 'utf8')}\n# touched\n`);
    const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
      cwd: copy.top,
    });
    const report = JSON.parse(r.stdout) as { findings: Found[]; overlays: { path: string }[] };
    expect(report.overlays.map((o) => o.path)).toEqual(
      expect.arrayContaining(['core/baseline', 'bootstrap/overlays/default', 'apps/kfm-ui/overlays/prod']),
    );
    expect(report.overlays.map((o) => o.path)).not.toContain('apps/kfm-ui/overlays/dev');
    expect(r.code).toBe(0);
  }, 120_000);
});
