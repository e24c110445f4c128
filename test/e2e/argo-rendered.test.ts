/**
 * What Argo CD gets is the rendered Application, read as Argo CD reads files: an app-of-apps overlay that patches an
 * Application's overrides, an Application or manifest written in UTF-16, and hidden files of a directory source must
 * be checked as Argo CD applies them. Each of these passed `check` with exit 0 or was misreported before.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { CLUSTER_ADMIN_ROLEBINDING, addToController, application, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };

const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n  namespace: kfm-dev\n';

/** A JSON patch adding sync-time kustomize overrides to an Application: a floating-tag image for every Deployment. */
const BACKDOOR = [
  '- op: add',
  '  path: /spec/source/kustomize',
  '  value:',
  '    patches:',
  '      - target:',
  '          kind: Deployment',
  '        patch: |-',
  '          - op: replace',
  '            path: /spec/template/spec/containers/0/image',
  '            value: quay.io/evil/backdoor:latest',
  '',
].join('\n');

const indent = (text: string, n: number): string =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : ' '.repeat(n) + l))
    .join('\n');

const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

async function check(root: string): Promise<{ code: number; findings: Found[] }> {
  const r = await runCli(['check', root, '--format', 'json']);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Found[] }).findings };
}

describe('Argo CD objects as rendered and read by Argo CD (e2e)', () => {
  const copy = freshGitCopy();

  it('checks the overrides a kustomize patch adds to an Application', async () => {
    // The file deploys the dev overlay as it is; the controller overlay patches in a floating-tag image.
    addToController(
      copy.root,
      { 'application-innocent.yaml': application('innocent', 'infra/gitops/apps/kfm-api/overlays/dev') },
      [
        'patches:',
        '  - target:',
        '      kind: Application',
        '      name: innocent',
        '    patch: |-',
        indent(BACKDOOR, 6),
      ].join('\n'),
    );
    const { code, findings } = await check(copy.root);
    expect(code).toBe(1);
    const dp = findings.filter((f) => f.ruleId === 'KFM-DP-002');
    expect(dp.map((f) => f.message)).toEqual([expect.stringContaining('quay.io/evil/backdoor:latest')]);
    expect(dp[0].file).toBe('core/gitops-controller/kustomization.yaml');
  }, 120_000);

  it('reads an Application and the manifests it deploys when they are written in UTF-16', async () => {
    mkdirSync(join(copy.root, 'extras', 'wide'), { recursive: true });
    writeFileSync(join(copy.root, 'extras', 'wide', 'rolebinding.yaml'), utf16(CLUSTER_ADMIN_ROLEBINDING));
    addToController(copy.root, { 'application-wide.yaml': utf16(application('wide', 'infra/gitops/extras/wide')) });
    const { code, findings } = await check(copy.root);
    expect(code).toBe(1);
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([['KFM-RBAC-001', 'extras/wide/rolebinding.yaml']]);
  }, 120_000);

  it('checks the hidden files and folders of a recursive directory source', async () => {
    const dir = join(copy.root, 'extras', 'dotted');
    mkdirSync(join(dir, '.sub'), { recursive: true });
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    writeFileSync(
      join(dir, 'configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n  namespace: kfm-dev\n',
    );
    writeFileSync(join(dir, '.rolebinding.yaml'), CLUSTER_ADMIN_ROLEBINDING.replace('everyone-admin', 'hidden-file'));
    writeFileSync(join(dir, '.sub', 'rb.yaml'), CLUSTER_ADMIN_ROLEBINDING.replace('everyone-admin', 'hidden-folder'));
    writeFileSync(join(dir, 'node_modules', 'rb.yaml'), CLUSTER_ADMIN_ROLEBINDING.replace('everyone-admin', 'modules'));
    addToController(copy.root, {
      'application-dotted.yaml': application(
        'dotted',
        'infra/gitops/extras/dotted',
        '    directory:\n      recurse: true',
      ),
    });
    const { code, findings } = await check(copy.root);
    expect(code).toBe(1);
    expect(findings.map((f) => [f.ruleId, f.file]).sort()).toEqual([
      ['KFM-RBAC-001', 'extras/dotted/.rolebinding.yaml'],
      ['KFM-RBAC-001', 'extras/dotted/.sub/rb.yaml'],
      ['KFM-RBAC-001', 'extras/dotted/node_modules/rb.yaml'],
    ]);
  }, 120_000);

  it('checks what an Application in a hidden file of a directory source deploys (an app of apps)', async () => {
    // extras/outer is a plain folder Argo CD applies; its hidden .apps/child.yaml is an Application deploying a hidden
    // folder, which no coverage candidate lists: only evaluating the rendered child reaches the RoleBinding.
    mkdirSync(join(copy.root, 'extras', 'outer', '.apps'), { recursive: true });
    mkdirSync(join(copy.root, 'extras', '.inner'), { recursive: true });
    writeFileSync(
      join(copy.root, 'extras', 'outer', '.apps', 'child.yaml'),
      application('child', 'infra/gitops/extras/.inner'),
    );
    writeFileSync(join(copy.root, 'extras', '.inner', 'rb.yaml'), CLUSTER_ADMIN_ROLEBINDING);
    addToController(copy.root, {
      'application-outer.yaml': application(
        'outer',
        'infra/gitops/extras/outer',
        '    directory:\n      recurse: true',
      ),
    });
    const { code, findings } = await check(copy.root);
    expect(code).toBe(1);
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([['KFM-RBAC-001', 'extras/.inner/rb.yaml']]);
  }, 120_000);

  it('checks a patched Application in a changed-only run where only its patch file changed', async () => {
    // The patch is a file of its own: no Argo CD manifest changes, only an input of the app-of-apps overlay.
    const patch = join(copy.root, 'core', 'gitops-controller', 'app-patch.yaml');
    writeFileSync(patch, '- op: add\n  path: /spec/source/targetRevision\n  value: main\n');
    addToController(
      copy.root,
      { 'application-innocent.yaml': application('innocent', 'infra/gitops/apps/kfm-api/overlays/dev') },
      'patches:\n  - path: app-patch.yaml\n    target:\n      kind: Application\n      name: innocent\n',
    );
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: copy.top, encoding: 'utf8' });
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    writeFileSync(patch, BACKDOOR);
    const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
      cwd: copy.top,
    });
    expect(r.code).toBe(1);
    const found = (JSON.parse(r.stdout) as { findings: Found[] }).findings;
    expect(found.filter((f) => f.ruleId === 'KFM-DP-002').map((f) => f.message)).toEqual([
      expect.stringContaining('quay.io/evil/backdoor:latest'),
    ]);
  }, 120_000);

  it('renders a Helm source with the name kustomize gives the Application (the release name)', async () => {
    // The chart adds a cluster-admin RoleBinding only for the release "evil-app"; the file names the Application "app".
    const chart = join(copy.root, 'charts', 'named');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: named\nversion: 0.1.0\n');
    writeFileSync(
      join(chart, 'templates', 'rb.yaml'),
      `${CONFIGMAP}---\n{{- if eq .Release.Name "evil-app" }}\n${CLUSTER_ADMIN_ROLEBINDING}{{- end }}\n`,
    );
    addToController(
      copy.root,
      { 'application-app.yaml': application('app', 'infra/gitops/charts/named') },
      [
        'patches:',
        '  - target:',
        '      kind: Application',
        '      name: app',
        '    patch: |-',
        '      - op: replace',
        '        path: /metadata/name',
        '        value: evil-app',
        '',
      ].join('\n'),
    );
    const { code, findings } = await check(copy.root);
    expect(code).toBe(1);
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([
      ['KFM-RBAC-001', 'core/gitops-controller/kustomization.yaml'],
    ]);
  }, 120_000);
});
