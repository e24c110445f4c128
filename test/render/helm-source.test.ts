/** Argo CD Applications with a Helm source in this repository, rendered with `helm template` (src/render/helm.ts). */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHelmSource } from '../../src/render/helm.js';
import { fixtures, repoRoot, tempCopy } from '../helpers.js';

const helm = join(repoRoot, '.tools', 'bin', 'helm');
const root = join(fixtures, 'render', 'helm');
const chartPath = 'apps/web/base/charts/web';

function app(source: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web-prod', namespace: 'openshift-gitops' },
    spec: { project: 'default', destination: { namespace: 'kfm-web-prod' }, source, ...extra },
  };
}

describe('renderHelmSource', () => {
  it('applies valueFiles, then values, then parameters, with the release name and destination namespace', async () => {
    const r = await renderHelmSource(
      app({
        repoURL: 'https://git.example/kfm/gitops.git',
        path: chartPath,
        helm: {
          releaseName: 'kfm',
          valueFiles: ['../../values-base.yaml'],
          values: 'replicaCount: 4\nconfig:\n  greeting: from values\n',
          parameters: [
            { name: 'config.greeting', value: 'a,b' },
            { name: 'service.port', value: '9090', forceString: false },
          ],
        },
      }),
      root,
      { helm },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.chart).toBe(chartPath);
    expect(r.text).toMatch(/name: kfm-web\n/);
    expect(r.text).toMatch(/replicas: 4\n/); // values over the chart default
    expect(r.text).toMatch(/greeting: "a,b"/); // the parameter over values and valueFiles; the comma kept
    expect(r.text).toMatch(/containerPort: 9090/);
    // No apiVersions of its own: rendered as for a cluster serving every shipped kind, as Argo CD passes the cluster's.
    expect(r.text).toMatch(/monitoring: "on"/);
  });

  it('leaves out a missing value file only when the source says ignoreMissingValueFiles, as Argo CD does', async () => {
    const source = (ignore: boolean) =>
      app({
        path: chartPath,
        helm: { valueFiles: ['../../values-base.yaml', 'values-missing.yaml'], ignoreMissingValueFiles: ignore },
      });
    const ignored = await renderHelmSource(source(true), root, { helm });
    expect(ignored.ok).toBe(true);
    // The present file still applies.
    const plain = await renderHelmSource(
      app({ path: chartPath, helm: { valueFiles: ['../../values-base.yaml'] } }),
      root,
      {
        helm,
      },
    );
    expect(ignored.ok && plain.ok && ignored.text).toBe(plain.ok && plain.text);
    const failed = await renderHelmSource(source(false), root, { helm });
    expect(failed.ok).toBe(false);
  });

  it("the Application's own apiVersions replace the cluster's (a capability it does not name is absent)", async () => {
    const r = await renderHelmSource(app({ path: chartPath, helm: { apiVersions: ['apps/v1'] } }), root, { helm });
    expect(r.ok).toBe(true);
    expect(r.ok && r.text).not.toContain('monitoring');
  });

  it('valuesObject wins over values; only valueFiles when nothing else is given', async () => {
    const both = await renderHelmSource(
      app({
        path: chartPath,
        helm: {
          values: 'replicaCount: 5\n',
          valuesObject: { replicaCount: 6 },
          apiVersions: ['monitoring.coreos.com/v1'],
        },
      }),
      root,
      { helm },
    );
    expect(both.ok && both.text).toMatch(/replicas: 6\n/);
    expect(both.ok && both.text).toMatch(/monitoring: "on"/);
    const files = await renderHelmSource(
      app({ path: chartPath, helm: { valueFiles: ['../../values-base.yaml'] } }),
      root,
      { helm },
    );
    expect(files.ok && files.text).toMatch(/greeting: "hello from the base"/);
    expect(files.ok && files.text).toMatch(/name: web-prod-web/); // release name defaults to the Application's name
  });

  it('refuses what would leave the repository or need the network, and says why', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ repoURL: 'https://charts.example.org', chart: 'web', targetRevision: '1.2.0' }, 'remote'],
      [{ path: '../..', helm: {} }, 'outside-root'],
      [{ path: chartPath, helm: { valueFiles: ['https://evil.example/v.yaml'] } }, 'remote'],
      [{ path: chartPath, helm: { valueFiles: ['$values/prod.yaml'] } }, 'remote'],
      [{ path: chartPath, helm: { valueFiles: ['../../../../../../../../etc/hostname'] } }, 'outside-root'],
      [{ path: chartPath, helm: { fileParameters: [{ name: 'x', path: '/etc/hostname' }] } }, 'invalid'],
      [{ path: 'apps', helm: {} }, 'invalid'],
      // A release name is a positional argument: a flag there (--post-renderer runs a program) is refused.
      [{ path: chartPath, helm: { releaseName: '--post-renderer=./run.sh' } }, 'invalid'],
      [{ path: chartPath, helm: { releaseName: 'Not_A_Release' } }, 'invalid'],
    ];
    for (const [source, reason] of cases) {
      const r = await renderHelmSource(app(source), root, { helm });
      expect({ source, reason: r.ok ? 'ok' : r.reason }).toEqual({ source, reason });
    }
    expect((await renderHelmSource({ kind: 'Application' }, root, { helm })).ok).toBe(false);
  });

  it('resolves an absolute value file from the repository top, as Argo CD does', async () => {
    // A copy outside Git: its top is the folder itself. Taken as a path of this machine, it was refused.
    const { dir, cleanup } = tempCopy(root);
    try {
      const source = { path: chartPath, helm: { valueFiles: ['/apps/web/base/values-base.yaml'] } };
      const r = await renderHelmSource(app(source), dir, { helm });
      expect(r.ok ? 'ok' : r.message).toBe('ok');
      const out = await renderHelmSource(app({ path: chartPath, helm: { valueFiles: ['/../etc/hostname'] } }), dir, {
        helm,
      });
      expect(out.ok ? 'ok' : out.reason).toBe('outside-root');
    } finally {
      cleanup();
    }
  });

  it('a chart with a symlink out of the repository is refused before helm reads it', async () => {
    const { dir, cleanup } = tempCopy(root);
    try {
      symlinkSync('/etc/hostname', join(dir, chartPath, 'leak.txt'));
      const r = await renderHelmSource(app({ path: chartPath, helm: {} }), dir, { helm });
      expect(r.ok ? 'ok' : r.reason).toBe('outside-root');
      // A broken chart is a helm error, reported with helm's words and no temp paths.
      mkdirSync(join(dir, 'broken', 'templates'), { recursive: true });
      writeFileSync(join(dir, 'broken', 'Chart.yaml'), 'apiVersion: v2\nname: broken\nversion: 0.1.0\n');
      writeFileSync(join(dir, 'broken', 'templates', 'x.yaml'), '{{ .Values.nope.deeper }}\n');
      const b = await renderHelmSource(app({ path: 'broken', helm: {} }), dir, { helm });
      expect(b.ok ? 'ok' : b.reason).toBe('error');
      expect(b.ok ? '' : b.message).not.toContain('kfm-helm-');
    } finally {
      cleanup();
    }
  });
});
