/**
 * Issue 14, item 3: what Argo CD changes at sync is part of the render. `source.kustomize` overrides of an Application
 * or an ApplicationSet template (images, patches, namePrefix, namespace…) and the values of a Helm chart source are
 * applied as Argo CD applies them, the result is checked, and findings the override causes land on the Application's
 * line. On a temp copy of infra/gitops; the unmodified copy passes; nothing is left behind in temp folders.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineOf, repoRoot, runCli } from '../helpers.js';
import { application as argoApplication } from './infra-copy.js';

type Found = {
  ruleId: string;
  file?: string;
  line?: number;
  message: string;
  resource?: { kind: string; name: string; namespace?: string };
};

/** An Application deploying `path` to `namespace` under kfm-apps, with extra lines under `source:` (indented by 4). */
const application = (name: string, path: string, namespace: string, source: string[] = []): string =>
  argoApplication(name, path, source.join('\n'), { namespace, project: 'kfm-apps' });

/** Writes `text` at `file`, creating its folder. */
const put = (file: string, text: string): void => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};

describe('Argo CD sync-time overrides (e2e)', () => {
  let top: string;
  let root: string;
  let tmp: string;
  const controller = (): string => join(root, 'core', 'gitops-controller');
  let kustomizationBefore: string;

  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'kfm-overrides-'));
    root = join(top, 'infra', 'gitops');
    tmp = join(top, 'tmp');
    mkdirSync(root, { recursive: true });
    mkdirSync(tmp);
    cpSync(join(repoRoot, 'infra', 'gitops'), root, { recursive: true, filter: (s) => !s.includes('.kfm-gitops') });
    kustomizationBefore = readFileSync(join(controller(), 'kustomization.yaml'), 'utf8');
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  /** Adds Application files to the controller's kustomization, runs check (temp folders under `tmp`), restores. */
  async function checkWith(
    apps: Record<string, string>,
    extra: () => void = () => undefined,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number; findings: Found[]; stderr: string }> {
    const kfile = join(controller(), 'kustomization.yaml');
    for (const [file, text] of Object.entries(apps)) writeFileSync(join(controller(), file), text);
    const listed = Object.keys(apps)
      .map((f) => `  - ${f}\n`)
      .join('');
    writeFileSync(
      kfile,
      kustomizationBefore.replace(
        '  - application-kfm-bootstrap.yaml\n',
        `  - application-kfm-bootstrap.yaml\n${listed}`,
      ),
    );
    extra();
    try {
      const r = await runCli(['check', root, '--format', 'json', '--no-cache'], {
        env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp, ...env },
      });
      const findings: Found[] = r.stdout ? JSON.parse(r.stdout).findings : [];
      // Nothing is left behind: not in the repository, not in the temp folder the run was given.
      expect(existsSync(join(root, '.kfm-gitops', 'tmp'))).toBe(false);
      expect(readdirSync(tmp).filter((n) => n.startsWith('kfm-'))).toEqual([]);
      return { code: r.code, findings, stderr: r.stderr };
    } finally {
      writeFileSync(kfile, kustomizationBefore);
      for (const file of Object.keys(apps)) rmSync(join(controller(), file), { force: true });
    }
  }

  it('the unmodified copy passes', async () => {
    const r = await checkWith({});
    expect(r.stderr).not.toMatch(/KFM-/);
    expect(r.code).toBe(0);
  });

  it('an Application image override without a digest fails KFM-DP-001 on the Application line', async () => {
    const text = application('kfm-api-prod-hotfix', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      images:',
      '        - quay.io/kfm/kfm-api:latest',
    ]);
    const r = await checkWith({ 'application-override.yaml': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-DP-001',
        file: 'core/gitops-controller/application-override.yaml',
        line: lineOf(text, 'images:'),
      }),
    );
  });

  it('an image override renaming a digest-pinned image without tag or digest is KFM-RENDER-024, not passed as pinned', async () => {
    // Argo CD's `kustomize edit set image` drops the folder's digest: it deploys quay.io/evil/kfm-api:1.8.0.
    const text = application('kfm-api-prod-rename', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      images:',
      '        - quay.io/kfm/kfm-api=quay.io/evil/kfm-api',
    ]);
    const r = await checkWith({ 'application-rename.yaml': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-024',
        file: 'core/gitops-controller/application-rename.yaml',
        line: lineOf(text, 'images:'),
      }),
    );
  });

  it('an ApplicationSet template image override (newTag, generator elements substituted) fails KFM-DP-001', async () => {
    const file = join(root, 'components', 'applicationsets', 'tenants-kfm-prod.yaml');
    const before = readFileSync(file, 'utf8');
    const after = before.replace(
      '        path: "infra/gitops/apps/{{app}}/overlays/{{env}}"\n',
      [
        '        path: "infra/gitops/apps/{{app}}/overlays/{{env}}"',
        '        kustomize:',
        '          images:',
        '            - "quay.io/kfm/{{app}}:1.9.0"',
        '',
      ].join('\n'),
    );
    expect(after).not.toBe(before);
    try {
      const r = await checkWith({}, () => writeFileSync(file, after));
      expect(r.code).toBe(1);
      expect(r.findings).toContainEqual(
        expect.objectContaining({
          ruleId: 'KFM-DP-001',
          file: 'components/applicationsets/tenants-kfm-prod.yaml',
          line: lineOf(after, 'images:'),
        }),
      );
    } finally {
      writeFileSync(file, before);
    }
  });

  it('a changed-only run that edits only the ApplicationSet template still checks the override', async () => {
    const repo = join(top, 'git');
    const gitRoot = join(repo, 'infra', 'gitops');
    mkdirSync(gitRoot, { recursive: true });
    cpSync(root, gitRoot, { recursive: true });
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, stdio: 'ignore' });
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const file = join(gitRoot, 'components', 'applicationsets', 'tenants-kfm-prod.yaml');
    const after = readFileSync(file, 'utf8').replace(
      '        path: "infra/gitops/apps/{{app}}/overlays/{{env}}"\n',
      '        path: "infra/gitops/apps/{{app}}/overlays/{{env}}"\n        kustomize:\n          images:\n            - "quay.io/kfm/{{app}}:1.9.0"\n',
    );
    writeFileSync(file, after);
    git('commit', '-qam', 'override');
    const r = await runCli(['check', gitRoot, '--changed-since', 'HEAD~1', '--format', 'json', '--no-cache']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-DP-001',
        file: 'components/applicationsets/tenants-kfm-prod.yaml',
        line: lineOf(after, 'images:'),
      }),
    );
  });

  it.each([
    ['the kfm-render worker', {}],
    ['the kustomize CLI', { KFM_RENDER_WORKER: '0' }],
  ])('a patch override exposing the postgis Service as a LoadBalancer fails KFM-TM-002 (%s)', async (_, env) => {
    const text = application('postgis-prod-lb', 'infra/gitops/apps/postgis/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      patches:',
      '        - target:',
      '            kind: Service',
      '            name: postgis',
      '          patch: |-',
      '            - op: replace',
      '              path: /spec/type',
      '              value: LoadBalancer',
    ]);
    const r = await checkWith({ 'application-override.yaml': text }, undefined, env);
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-TM-002',
        file: 'core/gitops-controller/application-override.yaml',
        line: lineOf(text, 'patches:'),
      }),
    );
  });

  it('honours namePrefix and namespace overrides (the findings name the renamed, moved objects)', async () => {
    const text = application('kfm-api-canary', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      namePrefix: canary-',
      '      namespace: kfm-prod-canary',
      '      images:',
      '        - quay.io/kfm/kfm-api:canary',
    ]);
    const r = await checkWith({ 'application-override.yaml': text });
    expect(r.code).toBe(1);
    const dp = r.findings.filter(
      (f) => f.ruleId === 'KFM-DP-001' && f.file === 'core/gitops-controller/application-override.yaml',
    );
    expect(dp.length).toBeGreaterThan(0);
    expect(dp[0].resource).toEqual(expect.objectContaining({ name: 'canary-kfm-api', namespace: 'kfm-prod-canary' }));
  });

  it("a finding the folder has anyway stays on the folder's file, not repeated on the Application", async () => {
    const service = join(root, 'apps', 'postgis', 'base', 'service.yaml');
    const before = readFileSync(service, 'utf8');
    const text = application('postgis-renamed', 'infra/gitops/apps/postgis/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      namePrefix: x-',
      '      commonLabels:',
      '        team: data',
    ]);
    try {
      const r = await checkWith({ 'application-override.yaml': text }, () =>
        writeFileSync(service, before.replace('type: ClusterIP', 'type: NodePort')),
      );
      expect(r.code).toBe(1);
      const tm = r.findings.filter((f) => f.ruleId === 'KFM-TM-002');
      expect(tm.length).toBeGreaterThan(0);
      expect(tm.every((f) => f.file === 'apps/postgis/base/service.yaml')).toBe(true);
    } finally {
      writeFileSync(service, before);
    }
  });

  it('kustomize overrides on a folder without a kustomization are named, not silently dropped', async () => {
    const plain = join(root, 'extras', 'plain');
    const text = application('plain-x', 'infra/gitops/extras/plain', 'kfm-dev', [
      '    kustomize:',
      '      namePrefix: x-',
    ]);
    const r = await checkWith({ 'application-override.yaml': text }, () =>
      put(join(plain, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: kfm-dev\n'),
    );
    rmSync(join(root, 'extras'), { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-024',
        file: 'core/gitops-controller/application-override.yaml',
        line: lineOf(text, 'kustomize:'),
      }),
    );
  });

  it('an Application written as JSON is in the view: its image override fails KFM-DP-001 on its line', async () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'kfm-api-prod-json', namespace: 'openshift-gitops' },
      spec: {
        project: 'kfm-apps',
        source: {
          repoURL: 'https://git.example.org/kfm/kfm.git',
          targetRevision: 'main',
          path: 'infra/gitops/apps/kfm-api/overlays/prod',
          kustomize: { images: ['quay.io/kfm/kfm-api:latest'] },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'kfm-prod' },
      },
    };
    const text = `${JSON.stringify(app, null, 2)}\n`;
    const r = await checkWith({ 'application-override.json': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-DP-001', file: 'core/gitops-controller/application-override.json' }),
    );
  });

  it('a Config Management Plugin source is not evaluable: a guard on the Application line, not a pass', async () => {
    const text = application('kfm-api-prod-cmp', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-prod', [
      '    plugin:',
      '      name: envsubst',
    ]);
    const r = await checkWith({ 'application-plugin.yaml': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-024',
        file: 'core/gitops-controller/application-plugin.yaml',
        line: lineOf(text, 'path:'),
        message: expect.stringContaining('Config Management Plugin'),
      }),
    );
  });

  it('a remote patch in an override is refused (no network), on the Application line', async () => {
    const text = application('kfm-api-remote', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      patches:',
      '        - path: https://example.invalid/patch.yaml',
    ]);
    const r = await checkWith({ 'application-override.yaml': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-003',
        file: 'core/gitops-controller/application-override.yaml',
      }),
    );
  });

  it('renders a Helm chart folder with the Application values: a cluster-admin RoleBinding fails KFM-RBAC-001', async () => {
    const chart = join(root, 'extras', 'chart');
    const text = application('extras-chart', 'infra/gitops/extras/chart', 'kfm-dev', [
      '    helm:',
      '      valuesObject:',
      '        admin: true',
    ]);
    const r = await checkWith({ 'application-chart.yaml': text }, () => {
      put(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: extras\nversion: 0.1.0\n');
      put(join(chart, 'values.yaml'), 'admin: false\n');
      put(
        join(chart, 'templates', 'rolebinding.yaml'),
        [
          '{{- if .Values.admin }}',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata:',
          '  name: {{ .Release.Name }}-admin',
          '  namespace: {{ .Release.Namespace }}',
          'roleRef:',
          '  apiGroup: rbac.authorization.k8s.io',
          '  kind: ClusterRole',
          '  name: cluster-admin',
          'subjects:',
          '  - kind: ServiceAccount',
          '    name: default',
          '    namespace: {{ .Release.Namespace }}',
          '{{- end }}',
          '',
        ].join('\n'),
      );
    });
    rmSync(join(root, 'extras'), { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'core/gitops-controller/application-chart.yaml' }),
    );
    // Rendered, so no longer the "Helm source not rendered" guard.
    expect(r.findings.filter((f) => f.ruleId === 'KFM-RENDER-023')).toEqual([]);
  });

  it('a component an override adds is walked: its remote resource is refused on its own line', async () => {
    const component = join(root, 'components', 'evil');
    const text = application('kfm-api-evil', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-prod', [
      '    kustomize:',
      '      components:',
      '        - ../../../../components/evil',
    ]);
    const r = await checkWith({ 'application-override.yaml': text }, () =>
      put(
        join(component, 'kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - https://example.invalid/evil.yaml\n',
      ),
    );
    rmSync(component, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RENDER-003', file: 'components/evil/kustomization.yaml', line: 4 }),
    );
  });

  it("a component's objects take the folder's own namespace, as Argo CD's edit add component gives them", async () => {
    // The prod overlay sets `namespace: kfm-prod`; deployed with destination kfm-dev, the component's Deployment is
    // still applied in kfm-prod (Argo CD adds the component to the overlay's kustomization), where its image must be
    // pinned. Placed in the destination namespace, it was judged by dev's rules (exit 0).
    const component = join(root, 'components', 'extra');
    const text = application('kfm-api-extra', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-dev', [
      '    kustomize:',
      '      components:',
      '        - ../../../../components/extra',
    ]);
    const deployment = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: extra, labels: {app: extra}}',
      'spec:',
      '  selector: {matchLabels: {app: extra}}',
      '  template:',
      '    metadata: {labels: {app: extra}}',
      '    spec:',
      '      containers:',
      '        - name: c',
      '          image: quay.io/kfm/other:1.0.0',
      '',
    ].join('\n');
    const r = await checkWith({ 'application-component.yaml': text }, () => {
      put(
        join(component, 'kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - deployment.yaml\n',
      );
      put(join(component, 'deployment.yaml'), deployment);
    });
    rmSync(component, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-DP-001',
        file: 'core/gitops-controller/application-component.yaml',
        resource: expect.objectContaining({ kind: 'Deployment', name: 'extra', namespace: 'kfm-prod' }),
      }),
    );
  });

  it("an object a patch moves to another namespace stays in the folder's own, as Argo CD's appended patch leaves it", async () => {
    // Argo CD appends the patch to the prod overlay's `patches:`, before its `namespace: kfm-prod` transformer.
    const text = application('kfm-api-moved', 'infra/gitops/apps/kfm-api/overlays/prod', 'kfm-dev', [
      '    kustomize:',
      '      patches:',
      '        - target: {kind: Deployment, name: kfm-api}',
      '          patch: |-',
      '            - op: replace',
      '              path: /metadata/namespace',
      '              value: kfm-dev',
      '            - op: add',
      '              path: /spec/template/spec/containers/-',
      '              value: {name: side, image: "docker.io/library/busybox:1.36"}',
    ]);
    const r = await checkWith({ 'application-moved.yaml': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-DP-001',
        file: 'core/gitops-controller/application-moved.yaml',
        line: lineOf(text, 'patches:'),
        resource: expect.objectContaining({ kind: 'Deployment', name: 'kfm-api', namespace: 'kfm-prod' }),
      }),
    );
  });

  it('a chart from a Helm repository is refused as remote (no network), not passed', async () => {
    const text = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: redis',
      '  namespace: openshift-gitops',
      'spec:',
      '  project: kfm-apps',
      '  sources:',
      '    - repoURL: https://charts.example.invalid',
      '      chart: redis',
      '      targetRevision: 1.0.0',
      '  destination:',
      '    server: https://kubernetes.default.svc',
      '    namespace: kfm-dev',
      '',
    ].join('\n');
    const r = await checkWith({ 'application-remote-chart.yaml': text });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-003',
        file: 'core/gitops-controller/application-remote-chart.yaml',
        line: lineOf(text, 'chart: redis'),
      }),
    );
  });

  it('a chart beside a path is the Helm repository chart Argo CD deploys, not the folder: refused as remote', async () => {
    // Argo CD takes a source with `chart` as a Helm repository's and ignores `path` (ApplicationSource.IsHelm): the
    // folder passed while Argo CD would deploy whatever the chart repository serves.
    const text = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: shadow',
      '  namespace: openshift-gitops',
      'spec:',
      '  project: kfm-apps',
      '  source:',
      '    repoURL: https://charts.example.invalid',
      '    chart: kfm-api',
      '    path: infra/gitops/apps/kfm-api/overlays/prod',
      '    targetRevision: 1.0.0',
      '  destination:',
      '    server: https://kubernetes.default.svc',
      '    namespace: kfm-prod',
      '',
    ].join('\n');
    const r = await checkWith({ 'application-shadow.yaml': text });
    expect(r.code).toBe(1);
    const remote = r.findings.filter((f) => f.ruleId === 'KFM-RENDER-003');
    expect(remote).toEqual([
      expect.objectContaining({
        file: 'core/gitops-controller/application-shadow.yaml',
        line: lineOf(text, 'chart: kfm-api'),
        message: expect.stringContaining('Argo CD ignores `path` beside it'),
      }),
    ]);
    // Not read as a folder of this repository outside the root ("deploys  of this repository").
    expect(r.findings.filter((f) => f.ruleId === 'KFM-RENDER-004')).toEqual([]);
  });

  it('a Helm chart that cannot render is a render finding (fail closed)', async () => {
    const chart = join(root, 'extras', 'chart');
    const text = application('extras-chart', 'infra/gitops/extras/chart', 'kfm-dev', [
      '    helm:',
      '      valueFiles:',
      '        - ../../../../outside-values.yaml',
    ]);
    const r = await checkWith({ 'application-chart.yaml': text }, () =>
      put(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: extras\nversion: 0.1.0\n'),
    );
    rmSync(join(root, 'extras'), { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RENDER-004', file: 'core/gitops-controller/application-chart.yaml' }),
    );
  });
});
