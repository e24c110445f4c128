/** Filesystem oddities: symlinks that escape or loop, hostile folder names (proves nothing reaches a shell). */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, runCli, tempCopy } from '../helpers.js';

describe('filesystem faults', () => {
  it('a symlink escaping the root is reported, not followed', async () => {
    const { dir, cleanup } = tempCopy(join(fixtures, 'render', 'mixed'));
    try {
      const overlay = join(dir, 'apps', 'good', 'overlays', 'dev');
      symlinkSync('/etc/hostname', join(overlay, 'leak.yaml'));
      writeFileSync(
        join(overlay, 'kustomization.yaml'),
        'namespace: kfm-dev\nresources:\n  - ../../base\n  - leak.yaml\n',
      );
      const r = await runCli(['check', dir, '--overlay', 'apps/good/**', '--format', 'json']);
      expect(r.code).toBe(1);
      const f = JSON.parse(r.stdout).findings[0];
      expect(f).toMatchObject({ ruleId: 'KFM-RENDER-004', file: 'apps/good/overlays/dev/kustomization.yaml', line: 4 });
      expect(f.message).toContain('symlink');
    } finally {
      cleanup();
    }
  });

  it('a manifest that is a link inside the repository is checked, and one linked to a device is reported unread', async () => {
    // Links were listed as nothing: a folder of linked manifests that no overlay renders (and that Argo CD applies,
    // following in-repository links) was neither checked nor reported uncovered.
    const { dir, cleanup } = tempCopy(join(fixtures, 'render', 'mixed'));
    try {
      mkdirSync(join(dir, 'extras', 'plain'), { recursive: true });
      mkdirSync(join(dir, 'hidden'), { recursive: true });
      writeFileSync(
        join(dir, 'hidden', 'rb.txt'),
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n' +
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n' +
          'subjects: [{kind: ServiceAccount, name: d, namespace: kfm-dev}]\n',
      );
      symlinkSync('../../hidden/rb.txt', join(dir, 'extras', 'plain', 'linked.yaml'));
      symlinkSync('/dev/zero', join(dir, 'extras', 'plain', 'zero.yaml'));
      const r = await runCli(['check', dir, '--format', 'json']);
      expect(r.code).toBe(1);
      const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; file?: string }[] }).findings;
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/plain/linked.yaml' }),
      );
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RENDER-015', file: 'extras/plain/zero.yaml' }),
      );
    } finally {
      cleanup();
    }
  });

  it('a symlink loop is a finding, not a hang', async () => {
    const { dir, cleanup } = tempCopy(join(fixtures, 'render', 'mixed'));
    try {
      const overlay = join(dir, 'apps', 'good', 'overlays', 'dev');
      symlinkSync('loop-b', join(overlay, 'loop-a'));
      symlinkSync('loop-a', join(overlay, 'loop-b'));
      writeFileSync(join(overlay, 'kustomization.yaml'), 'resources:\n  - ../../base\n  - loop-a\n');
      const r = await runCli(['check', dir, '--overlay', 'apps/good/**', '--format', 'json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).findings[0].ruleId).toBe('KFM-RENDER-001');
    } finally {
      cleanup();
    }
  });

  it('paths with spaces, quotes, $() and unicode are passed as data, never to a shell', async () => {
    const { dir, cleanup } = tempCopy(join(fixtures, 'render', 'mixed'));
    try {
      const weird = join(dir, 'apps', `we ird $(touch PWNED) "q" 'x' ü`);
      mkdirSync(join(weird, 'overlays', 'dev'), { recursive: true });
      writeFileSync(
        join(weird, 'overlays', 'dev', 'kustomization.yaml'),
        'namespace: kfm-dev\nresources:\n  - ../../../good/base\n',
      );
      const r = await runCli(['check', dir, '--overlay', 'apps/we*/**', '--format', 'json'], { cwd: dir });
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.overlays).toEqual([
        expect.objectContaining({ path: `apps/we ird $(touch PWNED) "q" 'x' ü/overlays/dev`, status: 'ok' }),
      ]);
      expect(existsSync(join(dir, 'PWNED'))).toBe(false);
      expect(existsSync(join(weird, 'PWNED'))).toBe(false);
    } finally {
      cleanup();
    }
  });
});
