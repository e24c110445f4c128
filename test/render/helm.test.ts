/**
 * helmCharts through kustomize, offline: a chart vendored where `kustomize build --enable-helm` looks for it renders
 * byte for byte as that command does with the pinned helm (through the CLI renderer and the kfm-render worker);
 * a chart that would be pulled is KFM-RENDER-003 at its line, and helm never runs for it; no helm is exit 2.
 * The repository is hostile: chart homes, chart names, values files and symlinks must not lead helm outside it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { walkOverlay } from '../../src/discover/kustomization.js';
import { helmApiVersions, KustomizeRenderer } from '../../src/render/kustomize.js';
import type { RenderRequest } from '../../src/render/types.js';
import { WorkerRenderer } from '../../src/render/worker.js';
import { fixtures, kustomizeBin, repoRoot, runCli, tempCopy } from '../helpers.js';

const helmBin = join(repoRoot, '.tools', 'bin', 'helm');
const workerBin = join(repoRoot, '.tools', 'bin', 'kfm-render');
const root = join(fixtures, 'render', 'helm');
const web = (o: string) => join(root, 'apps', 'web', o);
/** Any attempt to reach the network fails fast and differently from what the tests expect. */
const offline = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' };

/** The kustomize CLI renderer with the pinned helm, as `check --kustomize <pinned kustomize>` builds it. */
function helmCli(): KustomizeRenderer {
  return new KustomizeRenderer({
    file: kustomizeBin,
    prefixArgs: [],
    source: 'bundled',
    display: kustomizeBin,
    version: 'v5.7.1',
    helm: helmBin,
  });
}

function request(dir: string, helm: boolean): RenderRequest {
  return {
    overlay: { path: dir, absPath: dir, env: 'dev', layer: 'apps', kustomizationFile: 'kustomization.yaml' },
    root,
    timeoutMs: 60_000,
    origin: false,
    allowExec: false,
    maxOutputBytes: 64 * 1024 * 1024,
    helm,
  };
}

describe('helmCharts with a vendored chart', () => {
  it('renders byte for byte like `kustomize build --enable-helm --helm-command <pinned helm>`, CLI and worker alike', async () => {
    expect(execFileSync(helmBin, ['version', '--short'], { encoding: 'utf8' })).toMatch(/^v3\./);
    const cli = helmCli();
    const worker = new WorkerRenderer(workerBin, 'v5.7.1', 1, process.env, helmBin);
    try {
      for (const o of ['base', 'overlays/dev', 'overlays/prod']) {
        // With the shipped API versions for .Capabilities, as Argo CD passes its cluster's (the chart reads them).
        const versions = (await helmApiVersions()).flatMap((v) => ['--helm-api-versions', v]);
        const expected = execFileSync(
          kustomizeBin,
          ['build', '--enable-helm', '--helm-command', helmBin, ...versions, web(o)],
          {
            encoding: 'utf8',
            env: { ...process.env, ...offline },
          },
        );
        expect(expected).toContain('kind: Deployment');
        const [c, w] = await Promise.all([cli.render(request(web(o), true)), worker.render(request(web(o), true))]);
        expect({ o, ...c }).toEqual({ o, ok: true, text: expected, originBase: undefined });
        // The worker also sends the documents as JSON (parse/documents.ts): the same values as the text.
        const { documents, raw, ...text } = w as Extract<typeof w, { ok: true }>;
        expect({ o, ...text }).toEqual({ o, ok: true, text: expected, originBase: undefined });
        // The bytes the render cache stores are the ones the text and documents were read from.
        expect(Buffer.from(raw!.text).toString('utf8')).toBe(expected);
        expect(Buffer.from(raw!.documents!).toString('utf8')).toBe(documents);
        expect(JSON.parse(documents!)).toEqual(
          expected.split(/^---\n/m).map((d) => jsyaml.load(d, { schema: jsyaml.CORE_SCHEMA })),
        );
      }
      // What the chart did: values file, valuesInline over it, apiVersions for .Capabilities, the versioned home.
      const prod = await cli.render(request(web('overlays/prod'), true));
      expect(prod.ok && prod.text).toMatch(/greeting: hello prod\n\s+monitoring: "on"/);
      expect(prod.ok && prod.text).toMatch(/replicas: 3/);
      // Without --enable-helm both fail the same way: the flag, not a default, turns helm on.
      const [c, w] = await Promise.all([
        cli.render(request(web('base'), false)),
        worker.render(request(web('base'), false)),
      ]);
      expect(c.ok).toBe(false);
      expect(w).toEqual(c);
    } finally {
      await cli.dispose();
      await worker.dispose();
    }
  });

  it('check renders the vendored charts and refuses the one that would be pulled, at its line, without running helm', async () => {
    const marks = mkdtempSync(join(tmpdir(), 'kfm-helm-spy-'));
    // A helm that records every call, then runs the pinned one: it must be called for the vendored charts only.
    const spy = join(marks, 'helm');
    writeFileSync(spy, `#!/bin/sh\necho "$@" >> ${join(marks, 'calls')}\nexec ${helmBin} "$@"\n`);
    chmodSync(spy, 0o755);
    try {
      const r = await runCli(
        ['check', root, '--skip-check', 'policy', '--skip-check', 'secrets', '--no-cache', '--format', 'json'],
        {
          env: { ...offline, KFM_HELM: spy },
        },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(
        report.findings.map((f: { ruleId: string; file: string; line: number }) => [f.ruleId, f.file, f.line]),
      ).toEqual([['KFM-RENDER-003', 'apps/remote/overlays/dev/kustomization.yaml', 5]]);
      expect(report.findings[0].message).toContain('would be pulled from https://kubernetes.github.io/ingress-nginx');
      const ok = report.overlays
        .filter((o: { status: string }) => o.status === 'ok')
        .map((o: { path: string }) => o.path);
      expect(ok.sort()).toEqual(['apps/web/overlays/dev', 'apps/web/overlays/prod']);
      const calls = execFileSync('cat', [join(marks, 'calls')], { encoding: 'utf8' });
      expect(calls).toMatch(/^template /m);
      // The API versions passed for .Capabilities (kind names such as ImageRepository among them) aside.
      const commands = calls.replace(/ --api-versions \S+/g, '');
      expect(commands).toMatch(/^template /m);
      expect(commands).not.toMatch(/pull|ingress-nginx|repo/);
    } finally {
      rmSync(marks, { recursive: true, force: true });
    }
  });

  it("inflates a chart for a cluster serving the shipped kinds (OpenShift's too), as Argo CD passes its cluster's", async () => {
    // A chart that renders a Route to the database only where `.Capabilities.APIVersions` has Routes: with helm's
    // defaults it rendered a ConfigMap here while Argo CD on OpenShift applied the Route.
    const dir = mkdtempSync(join(tmpdir(), 'kfm-helm-capabilities-'));
    try {
      mkdirSync(join(dir, 'charts', 'evil', 'templates'), { recursive: true });
      writeFileSync(join(dir, 'charts', 'evil', 'Chart.yaml'), 'apiVersion: v2\nname: evil\nversion: 0.1.0\n');
      writeFileSync(join(dir, 'charts', 'evil', 'values.yaml'), '{}\n');
      writeFileSync(
        join(dir, 'charts', 'evil', 'templates', 'route.yaml'),
        '{{- if .Capabilities.APIVersions.Has "route.openshift.io/v1/Route" }}\napiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: db}\nspec: {to: {kind: Service, name: postgis}}\n{{- else }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: harmless}\n{{- end }}\n',
      );
      writeFileSync(join(dir, 'kustomization.yaml'), 'helmCharts:\n  - name: evil\n    releaseName: evil\n');
      const cli = helmCli();
      const worker = new WorkerRenderer(workerBin, 'v5.7.1', 1, process.env, helmBin);
      try {
        const at = { ...request(dir, true), root: dir };
        for (const r of await Promise.all([cli.render(at), worker.render(at)])) {
          expect(r.ok && r.text).toContain('kind: Route');
          expect(r.ok && r.text).not.toContain('harmless');
        }
      } finally {
        await worker.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an overlay with helmCharts and no helm anywhere stops the run (exit 2), it is not skipped', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kfm-no-tools-'));
    try {
      const r = await runCli(['check', root, '--overlay', 'apps/web/**', '--no-cache', '--kustomize', kustomizeBin], {
        env: { KFM_TOOLS_DIR: empty, PATH: '/nonexistent', KFM_HELM: '' },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/kustomization\.yaml inflates Helm charts .* no helm was found/);
      const bad = await runCli(['check', root, '--no-cache'], { env: { KFM_HELM: join(empty, 'nope') } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('KFM_HELM');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('helmCharts in a hostile repository (the walk, before anything runs)', () => {
  const kust = (dir: string, body: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kustomization.yaml'), body);
  };
  const issuesOf = async (repo: string, overlay: string) =>
    (await walkOverlay(repo, join(repo, overlay), { allowExec: false })).issues.map((i) => [i.kind, i.file, i.line]);

  it('refuses chart homes, names and values files that leave the root, remote values, and symlinks out of the chart', async () => {
    const { dir, cleanup } = tempCopy(root);
    try {
      const chart = 'helmCharts:\n  - name: web\n';
      kust(join(dir, 'o1'), `helmGlobals:\n  chartHome: ../apps/web/base/charts/../../../../..\n${chart}`);
      kust(join(dir, 'o2'), 'helmCharts:\n  - name: ../apps/web/base/charts/web\n');
      kust(join(dir, 'o3'), 'helmGlobals:\n  chartHome: /etc\nhelmCharts:\n  - name: ssl\n');
      kust(
        join(dir, 'o4'),
        `helmGlobals:\n  chartHome: ../apps/web/base/charts\n${chart}    valuesFile: https://evil.example/values.yaml\n`,
      );
      kust(
        join(dir, 'o5'),
        `helmGlobals:\n  chartHome: ../apps/web/base/charts\n${chart}    additionalValuesFiles:\n      - ../../../../etc/hostname\n`,
      );
      // A chart whose file is a symlink to a file of the machine (.Files.Get would print it).
      mkdirSync(join(dir, 'o6', 'charts'), { recursive: true });
      execFileSync('cp', ['-r', web('base/charts/web'), join(dir, 'o6', 'charts', 'web')]);
      symlinkSync('/etc/hostname', join(dir, 'o6', 'charts', 'web', 'secret.txt'));
      kust(join(dir, 'o6'), chart);
      kust(join(dir, 'o7'), 'helmChartInflationGenerator:\n  - chartName: web\n');
      kust(join(dir, 'o8'), 'generators:\n  - gen.yaml\n');
      writeFileSync(
        join(dir, 'o8', 'gen.yaml'),
        'apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: x\nname: web\nrepo: https://evil.example\n',
      );
      kust(join(dir, 'o9'), 'helmCharts:\n  - name: web\n    repo: oci://registry.example/charts\n');
      kust(join(dir, 'o10'), 'helmCharts:\n  - name: web\n    version: "1.0; rm -rf /"\n    repo: https://x.example\n');
      // A symlinked folder back to its parent must not loop the walk.
      mkdirSync(join(dir, 'o11', 'charts'), { recursive: true });
      execFileSync('cp', ['-r', web('base/charts/web'), join(dir, 'o11', 'charts', 'web')]);
      symlinkSync('..', join(dir, 'o11', 'charts', 'web', 'loop'));
      kust(join(dir, 'o11'), chart);

      expect(await issuesOf(dir, 'o1')).toEqual([['outside-root', 'o1/kustomization.yaml', 4]]);
      expect(await issuesOf(dir, 'o2')).toEqual([['helm', 'o2/kustomization.yaml', 2]]);
      expect(await issuesOf(dir, 'o3')).toEqual([['outside-root', 'o3/kustomization.yaml', 4]]);
      expect(await issuesOf(dir, 'o4')).toEqual([['remote', 'o4/kustomization.yaml', 4]]);
      expect(await issuesOf(dir, 'o5')).toEqual([['outside-root', 'o5/kustomization.yaml', 4]]);
      expect(await issuesOf(dir, 'o6')).toEqual([['outside-root', 'o6/kustomization.yaml', 2]]);
      expect(await issuesOf(dir, 'o7')).toEqual([['helm', 'o7/kustomization.yaml', 2]]);
      // The sealed config scan refuses the remote repo, and the builtin helm generator is refused on its own.
      expect(await issuesOf(dir, 'o8')).toEqual([
        ['remote', 'o8/kustomization.yaml', 2],
        ['helm', 'o8/kustomization.yaml', 2],
      ]);
      expect(await issuesOf(dir, 'o9')).toEqual([['remote', 'o9/kustomization.yaml', 2]]);
      expect(await issuesOf(dir, 'o10')).toEqual([['helm', 'o10/kustomization.yaml', 2]]);
      const loop = await walkOverlay(dir, join(dir, 'o11'), { allowExec: false });
      expect(loop.issues).toEqual([]);
      expect(loop.helm).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('a vendored chart’s files are inputs of the overlay (changed-only runs and caches see a chart edit)', async () => {
    const walk = await walkOverlay(root, web('overlays/dev'), { allowExec: false });
    expect(walk.issues).toEqual([]);
    expect(walk.helm).toBe(true);
    expect(walk.inputs).toEqual(
      expect.arrayContaining([
        'apps/web/base/charts/web/Chart.yaml',
        'apps/web/base/charts/web/templates/deployment.yaml',
        'apps/web/base/values-base.yaml',
      ]),
    );
    expect(existsSync(join(root, 'apps', 'remote', 'overlays', 'dev', 'charts'))).toBe(false);
  });
});
