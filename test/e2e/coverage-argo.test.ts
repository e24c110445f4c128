/**
 * Issue 14, "what Argo CD applies is what gets checked": folders an Application deploys are checked as Argo CD
 * applies them (plain folders as directory sources, Helm charts a guard finding), on a temp copy of infra/gitops;
 * and the plain guestbook/ folder of argocd-example-apps is schema-checked.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, repoRoot, runCli, sharedDir } from '../helpers.js';
import { CLUSTER_ADMIN_ROLEBINDING, application } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };

/**
 * Runs `check` on the copy with Applications added to the gitops controller (`name` deploying `path`), then takes
 * them out again, whatever the run did.
 */
async function checkWithApplications(root: string, apps: Record<string, string>): Promise<Found[]> {
  const controller = join(root, 'core', 'gitops-controller');
  const kfile = join(controller, 'kustomization.yaml');
  const before = readFileSync(kfile, 'utf8');
  const files = Object.keys(apps).map((name) => `application-${name}.yaml`);
  Object.entries(apps).forEach(([name, path], i) =>
    writeFileSync(join(controller, files[i]), application(`extras-${name}`, path)),
  );
  const listed = files.map((f) => `  - ${f}\n`).join('');
  writeFileSync(
    kfile,
    before.replace('  - application-kfm-bootstrap.yaml\n', `  - application-kfm-bootstrap.yaml\n${listed}`),
  );
  try {
    const r = await runCli(['check', root, '--format', 'json']);
    expect(r.code).toBe(1);
    return (JSON.parse(r.stdout) as { findings: Found[] }).findings;
  } finally {
    writeFileSync(kfile, before);
    for (const f of files) rmSync(join(controller, f));
  }
}

describe('Argo CD sources (e2e)', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    const top = mkdtempSync(join(tmpdir(), 'kfm-argo-'));
    root = join(top, 'infra', 'gitops');
    mkdirSync(root, { recursive: true });
    cpSync(join(repoRoot, 'infra', 'gitops'), root, { recursive: true, filter: (s) => !s.includes('.kfm-gitops') });
    cleanup = () => rmSync(top, { recursive: true, force: true });
  });
  afterAll(() => cleanup());

  it('checks a manifest linked inside the repository in a plain folder an Application deploys, and reports one linked to /dev/zero unread', async () => {
    // Git carries links: a committed one to a device read without end (a FIFO cannot be committed, but may be local).
    mkdirSync(join(root, 'extras', 'piped'), { recursive: true });
    symlinkSync('/dev/zero', join(root, 'extras', 'piped', 'pipe.yaml'));
    // A manifest that is a link inside the repository is applied by Argo CD: it is read and checked (it was left out).
    mkdirSync(join(root, 'extras', 'hidden'), { recursive: true });
    writeFileSync(join(root, 'extras', 'hidden', 'rolebinding.txt'), CLUSTER_ADMIN_ROLEBINDING);
    symlinkSync('../hidden/rolebinding.txt', join(root, 'extras', 'piped', 'linked.yaml'));
    try {
      const findings = await checkWithApplications(root, { piped: 'infra/gitops/extras/piped' });
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RENDER-015', file: 'extras/piped/pipe.yaml' }),
      );
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/piped/linked.yaml' }),
      );
    } finally {
      rmSync(join(root, 'extras'), { recursive: true });
    }
  }, 120_000);

  it('refuses plain-folder manifests that Go reads as a cluster-admin binding and the YAML parser as a binding to view', async () => {
    // Argo CD decodes a directory source with go-yaml v2: a lone CR ends the comment, and a merge key overwrites a
    // key set before it. Both files were read as bindings to `view` and the run exited 0.
    const toView = (roleRef: string): string =>
      CLUSTER_ADMIN_ROLEBINDING.replace('  name: cluster-admin\n', '').replace('roleRef:\n', `roleRef:\n${roleRef}`);
    mkdirSync(join(root, 'extras', 'go'), { recursive: true });
    writeFileSync(join(root, 'extras', 'go', 'cr.yaml'), toView('  name: view # reviewed\r  name: cluster-admin\n'));
    const merged = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata:',
      '  name: admins',
      '  namespace: kfm-dev',
      'subjects:',
      '  - &u {kind: User, apiGroup: rbac.authorization.k8s.io, name: cluster-admin}',
      'roleRef:',
      '  name: view',
      '  <<: *u',
      '  kind: ClusterRole',
      '',
    ];
    writeFileSync(join(root, 'extras', 'go', 'merge.yaml'), merged.join('\n'));
    try {
      const findings = await checkWithApplications(root, { go: 'infra/gitops/extras/go' });
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RENDER-010', file: 'extras/go/cr.yaml', line: 7 }),
      );
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RENDER-011', file: 'extras/go/merge.yaml', line: 10 }),
      );
    } finally {
      rmSync(join(root, 'extras'), { recursive: true });
    }
  }, 120_000);

  it('validates a plain folder an Application deploys, and names a Helm chart folder that renders nothing', async () => {
    mkdirSync(join(root, 'extras', 'plain'), { recursive: true });
    writeFileSync(join(root, 'extras', 'plain', 'rolebinding.yaml'), CLUSTER_ADMIN_ROLEBINDING);
    mkdirSync(join(root, 'extras', 'chart', 'templates'), { recursive: true });
    writeFileSync(join(root, 'extras', 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: extras\nversion: 0.1.0\n');
    try {
      const findings = await checkWithApplications(root, {
        plain: 'infra/gitops/extras/plain',
        chart: 'infra/gitops/extras/chart',
      });
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/plain/rolebinding.yaml' }),
      );
      expect(findings).toContainEqual(
        // The chart is rendered with the Application's values (argo-overrides.test.ts): an empty one is a finding.
        expect.objectContaining({
          ruleId: 'KFM-RENDER-006',
          file: 'core/gitops-controller/application-chart.yaml',
          line: 11,
        }),
      );
    } finally {
      rmSync(join(root, 'extras'), { recursive: true });
    }
  });

  it.skipIf(!hasShared)(
    'checks the plain guestbook/ folder of argocd-example-apps (schema finding on its line)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kfm-guestbook-'));
      try {
        cpSync(join(sharedDir, 'corpus', 'argocd-example-apps'), dir, { recursive: true });
        const file = join(dir, 'guestbook', 'guestbook-ui-deployment.yaml');
        const text = readFileSync(file, 'utf8');
        writeFileSync(file, text.replace('replicas: 1', 'replicas: "one"'));
        const line = text.split('\n').findIndex((l) => l.includes('replicas: 1')) + 1;
        const r = await runCli(['check', dir, '--format', 'json']);
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout);
        expect(report.overlays.map((o: { path: string }) => o.path)).toContain('guestbook');
        expect(report.findings).toContainEqual(
          expect.objectContaining({ category: 'schema', file: 'guestbook/guestbook-ui-deployment.yaml', line }),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
