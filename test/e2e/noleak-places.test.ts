/**
 * Places outside a finding's message that a pull request controls and a report prints: a map key (the finding's
 * `path`), a resource's kind and apiVersion, an overlay folder's name (the report's overlay list, JUnit suites, TAP
 * lines), and a config error on stderr. A credential written there is still reported where it is, masked.
 * Every value is generated at run time.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { everyReportFile, filesUnder, git, runCli } from '../helpers.js';
import { leakedFragments } from '../secrets/helpers.js';
import { Gen } from '../secrets/vectors.js';

const g = new Gen(4242);
const awsKey = (): string => `AKIA${g.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
const githubToken = (): string => `ghp_${g.alnum(36)}`;

interface Finding {
  ruleId: string;
  file?: string;
  path?: string;
  resource?: { kind: string; apiVersion: string };
}

const tops: string[] = [];
afterEach(() => {
  for (const t of tops.splice(0)) rmSync(t, { recursive: true, force: true });
});

function repo(files: Record<string, string>): { root: string; reports: string } {
  const top = mkdtempSync(join(tmpdir(), 'kfm-places-'));
  tops.push(top);
  const root = join(top, 'repo');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return { root, reports: join(top, 'reports') };
}

/** Runs check in every console format (each also writing every report file); returns the JSON findings. */
async function everyOutput(root: string, reports: string): Promise<{ findings: Finding[]; all: string; code: number }> {
  let all = '';
  let findings: Finding[] = [];
  let code = -1;
  for (const format of ['text', 'json', 'sarif', 'junit', 'github', 'tap']) {
    const r = await runCli(['check', root, '--format', format, '-v', ...everyReportFile(join(reports, format))], {
      env: { GITHUB_STEP_SUMMARY: join(reports, `${format}-summary.md`) },
    });
    code = r.code;
    if (format === 'json') findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    all += `${r.stdout}\n${r.stderr}\n`;
  }
  const written = [...filesUnder(reports), ...filesUnder(join(root, '.kfm-gitops'))];
  all += written.map((f) => readFileSync(f).toString('latin1')).join('\n');
  return { findings, all, code };
}

/**
 * Every output of a check of the repo: it fails (exit 1), reports `expected` (a finding's fields), and holds no
 * fragment of any of `secrets`.
 */
async function expectMaskedFailure(
  root: string,
  reports: string,
  expected: Record<string, unknown>,
  secrets: string[],
): Promise<void> {
  const { findings, all, code } = await everyOutput(root, reports);
  expect(code).toBe(1);
  expect(findings).toContainEqual(expect.objectContaining(expected));
  expect(leakedFragments(all, secrets)).toEqual([]);
}

const deployment = (extra: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n${extra}  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.org/web@sha256:${'a'.repeat(64)}\n`;

describe('a credential outside the message is masked where a report prints it', () => {
  it('as a map key: the finding path names the masked key', async () => {
    const key = awsKey();
    const { root, reports } = repo({
      'app/kustomization.yaml': 'namespace: web\nresources: [deployment.yaml]\n',
      'app/deployment.yaml': deployment(`  ${key}: x\n`),
    });
    await expectMaskedFailure(
      root,
      reports,
      {
        ruleId: 'KFM-SCHEMA-002',
        file: 'app/deployment.yaml',
        path: 'spec.AKIA\u2026 (20 chars)',
      },
      [key],
    );
  });

  it("as a resource's kind and apiVersion: the resource is named masked", async () => {
    const [kind, group] = [awsKey(), githubToken()];
    const { root, reports } = repo({
      'app/kustomization.yaml': 'namespace: web\nresources: [thing.yaml]\n',
      'app/thing.yaml': `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata:\n  name: thing\n`,
    });
    await expectMaskedFailure(
      root,
      reports,
      {
        ruleId: 'KFM-SCHEMA-005',
        file: 'app/thing.yaml',
        resource: expect.objectContaining({ kind: 'AKIA\u2026 (20 chars)', apiVersion: 'ghp_\u2026 (40 chars)/v1' }),
      },
      [kind, group],
    );
  });

  it("as an overlay folder's name: the overlay list, JUnit suites and TAP lines show it masked", async () => {
    const token = githubToken();
    const { root, reports } = repo({
      [`apps/${token}/kustomization.yaml`]: 'namespace: web\nresources: [cm.yaml]\n',
      [`apps/${token}/cm.yaml`]: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata: {a: b}\n',
    });
    await expectMaskedFailure(root, reports, { ruleId: 'KFM-SEC-030', file: 'apps/ghp_\u2026 (40 chars)/cm.yaml' }, [
      token,
    ]);
    const report = JSON.parse(readFileSync(join(reports, 'json', 'r.json'), 'utf8')) as {
      overlays: { path: string }[];
    };
    expect(report.overlays.map((o) => o.path)).toEqual(['apps/ghp_\u2026 (40 chars)']);
  });

  it("in an Application's repoURL: the not-checked entry for another repository masks the password", async () => {
    const password = g.password(24);
    const { root, reports } = repo({
      'kfm-gitops.yaml': 'argo:\n  repoURLs: [https://git.example.org/kfm/kfm.git]\n',
      'deploy/kustomization.yaml': 'resources: [cm.yaml]\n',
      'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: web\ndata: {a: b}\n',
      'argo/kustomization.yaml': 'resources: [app.yaml]\n',
      'argo/app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: openshift-gitops\nspec:\n  project: default\n  source:\n    repoURL: https://bot:${password}@git.other.example.org/x.git\n    path: deploy\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n`,
    });
    await expectMaskedFailure(
      root,
      reports,
      { ruleId: 'KFM-SEC-066', file: 'argo/app.yaml', path: 'spec.source.repoURL' },
      [password],
    );
    const report = JSON.parse(readFileSync(join(reports, 'json', 'r.json'), 'utf8')) as {
      skipped: { path: string; reason: string }[];
    };
    expect(report.skipped).toContainEqual({
      path: 'deploy',
      reason: expect.stringContaining('another repository') as string,
    });
  });

  it("in kustomize's quote of a rejected patch whose Secret data is a flow mapping", async () => {
    const password = g.password(24);
    const { root, reports } = repo({
      'app/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: web\ntype: Opaque\n',
      'app/kustomization.yaml': `resources: [secret.yaml]\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: Secret\n      metadata: {name: db}\n      stringData: {conn: ${password}}\n      other: [unclosed\n`,
    });
    await expectMaskedFailure(
      root,
      reports,
      {
        ruleId: 'KFM-RENDER-001',
        file: 'app/kustomization.yaml',
        message: expect.stringContaining('stringData: {conn: \u2026 (24 chars)}') as string,
      },
      [password],
    );
  });

  it('as a changed folder: --changed-since says which overlays it checks and why, with the name masked', async () => {
    const token = githubToken();
    const { root } = repo({ 'base/kustomization.yaml': 'resources: []\n' });
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    mkdirSync(join(root, 'apps', token), { recursive: true });
    writeFileSync(join(root, 'apps', token, 'kustomization.yaml'), 'namespace: web\nresources: [cm.yaml]\n');
    writeFileSync(join(root, 'apps', token, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'the change');
    const r = await runCli(['check', '.', '--changed-since', 'HEAD~1', '-v', '--format', 'json'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/ghp_\u2026 (40 chars): apps/ghp_\u2026 (40 chars)/cm.yaml changed');
    expect(leakedFragments(r.stdout + r.stderr, [token])).toEqual([]);
  });

  it("in an allow's reason: an inline allow and an exception are listed as suppressed, their reasons masked", async () => {
    const [key, token, password] = [awsKey(), githubToken(), g.password(24)];
    const reason = `backup ${token} password=${password}`;
    const { root, reports } = repo({
      'kfm-gitops.yaml': `exceptions:\n  - rule: KFM-SCHEMA-002\n    resource: {kind: Deployment, namespace: web, name: web}\n    reason: ${reason}\n    owner: ${token}\n    expires: 2099-01-01\n`,
      'app/kustomization.yaml': 'namespace: web\nresources: [deployment.yaml, cm.yaml]\n',
      'app/deployment.yaml': deployment('  unknownField: x\n'),
      'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: ${key} # kfm-gitops:allow KFM-SEC-020 ${reason}\n`,
    });
    const { all, code } = await everyOutput(root, reports);
    // The token in the reasons is itself a finding of both files: the run fails.
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(join(reports, 'json', 'r.json'), 'utf8')) as {
      suppressed: (Finding & { suppressed: { by: string; reason: string; owner?: string } })[];
    };
    const masked = `backup ghp_\u2026 (40 chars) password=\u2026 (24 chars)`;
    expect(report.suppressed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ruleId: 'KFM-SEC-020', suppressed: { by: 'inline', reason: masked } }),
        expect.objectContaining({
          ruleId: 'KFM-SCHEMA-002',
          suppressed: { by: 'exception', reason: masked, owner: 'ghp_\u2026 (40 chars)', expires: '2099-01-01' },
        }),
      ]),
    );
    expect(leakedFragments(all, [key, token, password])).toEqual([]);
  });

  it("in the Helm values of an Application, quoted back by the chart's fail: the render error masks it", async () => {
    const password = g.password(24);
    const { root, reports } = repo({
      'kfm-gitops.yaml': 'argo:\n  repoURLs: [https://git.example.org/kfm/kfm.git]\n',
      'charts/evil/Chart.yaml': 'apiVersion: v2\nname: evil\nversion: 0.1.0\n',
      'charts/evil/values.yaml': 'db: {}\n',
      'charts/evil/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ fail .Values.db.password }}\n',
      'argo/kustomization.yaml': 'resources: [app.yaml]\n',
      'argo/app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: evil\n  namespace: openshift-gitops\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.org/kfm/kfm.git\n    path: charts/evil\n    helm:\n      valuesObject:\n        db:\n          password: ${password}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n`,
    });
    await expectMaskedFailure(
      root,
      reports,
      {
        ruleId: 'KFM-RENDER-023',
        file: 'argo/app.yaml',
        message: expect.stringContaining(
          "execution error at (evil/templates/cm.yaml:6:8): (the chart's message is not shown",
        ) as string,
      },
      [password],
    );
  });

  it("in a chart's own values or files, quoted by its fail: the chart's text is not shown (Argo CD source and helmCharts)", async () => {
    const [passphrase, fileText] = ['correct horse battery staple 7731', 'blue lantern over quiet harbour 5520'];
    const chart = {
      'Chart.yaml': 'apiVersion: v2\nname: evil\nversion: 0.1.0\n',
      'values.yaml': `db:\n  password: ${passphrase}\n`,
      'notes.txt': `${fileText}\n`,
      'templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ fail (printf "%s\\nUse --debug flag\\n%s" .Values.db.password (.Files.Get "notes.txt")) }}\n',
    };
    const files: Record<string, string> = {
      'kfm-gitops.yaml': 'argo:\n  repoURLs: [https://git.example.org/kfm/kfm.git]\n',
      'argo/kustomization.yaml': 'resources: [app.yaml]\n',
      'argo/app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: evil\n  namespace: openshift-gitops\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.org/kfm/kfm.git\n    path: charts/evil\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n`,
      'inflated/kustomization.yaml': 'namespace: web\nhelmCharts:\n  - name: evil\n    releaseName: evil\n',
    };
    for (const [name, text] of Object.entries(chart)) {
      files[`charts/evil/${name}`] = text;
      files[`inflated/charts/evil/${name}`] = text;
    }
    const { root, reports } = repo(files);
    const { findings, all, code } = await everyOutput(root, reports);
    expect(code).toBe(1);
    const hidden = "execution error at (evil/templates/cm.yaml:6:8): (the chart's message is not shown";
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RENDER-023', message: expect.stringContaining(hidden) as string }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RENDER-001', message: expect.stringContaining(hidden) as string }),
    );
    expect(leakedFragments(all, [passphrase, fileText])).toEqual([]);
  });

  it("in a chart's output that go-yaml quotes as an invalid map key: only the template is named", async () => {
    const passphrase = 'amber-kettle-qxvz-north-bridge-4417';
    const { root, reports } = repo({
      'inflated/kustomization.yaml': 'namespace: web\nhelmCharts:\n  - name: evil\n    releaseName: evil\n',
      'inflated/charts/evil/Chart.yaml': 'apiVersion: v2\nname: evil\nversion: 0.1.0\n',
      'inflated/charts/evil/values.yaml': `db:\n  password: ${passphrase}\n`,
      'inflated/charts/evil/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  ? {k: {{ .Values.db.password }}}\n  : v\n',
    });
    await expectMaskedFailure(
      root,
      reports,
      {
        ruleId: 'KFM-RENDER-001',
        message: expect.stringContaining("YAML parse error on evil/templates/cm.yaml: (the parser's message") as string,
      },
      [passphrase],
    );
  });

  it('in a long Secret value a schema message quotes cut short: the quoted start is masked', async () => {
    const value = `${g.password(40)}-${g.alnum(30)}!`;
    const { root, reports } = repo({
      'app/kustomization.yaml': 'namespace: web\nresources: [secret.yaml]\n',
      'app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  key: ${value}\n`,
    });
    const message = `\`\u2026 (${value.length} chars)...\` is not valid base64 data`;
    await expectMaskedFailure(root, reports, { ruleId: 'KFM-SCHEMA-001', path: 'data.key', message }, [value]);
  });

  it('in the config: the config error names the line, not the value', async () => {
    const token = githubToken();
    const { root } = repo({
      'kfm-gitops.yaml': `rules:\n  ${token}: warning\n`,
      'app/kustomization.yaml': 'resources: []\n',
    });
    const r = await runCli(['check', root, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kfm-gitops.yaml:2:');
    expect(leakedFragments(r.stdout + r.stderr, [token])).toEqual([]);
  });
});
