/**
 * Argo CD sources that named content no check read, on a temp Git copy of infra/gitops (the layout of the project's
 * own repository): a `targetRevision` other than the branch under check (Argo CD applies that revision's content,
 * which this run does not have), a source without `path` (the repository top), jsonnet below a recursive directory
 * source, and a repoURL or destination namespace that is a template expression kfm-gitops does not evaluate.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CI_BRANCH_VARIABLES } from '../../src/argo/repo.js';
import { runCli } from '../helpers.js';
import { addToController, application, CLUSTER_ADMIN_ROLEBINDING, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string; overlay?: string };
const THIS = 'https://git.example.org/kfm/kfm.git';
const copy = freshGitCopy();

function write(rel: string, text: string): void {
  mkdirSync(dirname(join(copy.root, rel)), { recursive: true });
  writeFileSync(join(copy.root, rel), text);
}

/** CI variables naming the branch under check (src/argo/repo.ts): none but those a test sets. */
const NO_CI = Object.fromEntries(CI_BRANCH_VARIABLES.map((v) => [v, '']));

async function check(env: Record<string, string> = {}): Promise<{ code: number; findings: Found[] }> {
  const r = await runCli(['check', copy.root, '--format', 'json', '--no-cache'], { env: { ...NO_CI, ...env } });
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Found[] }).findings };
}

const notEvaluable = (findings: Found[]): Found[] => findings.filter((f) => f.ruleId === 'KFM-RENDER-024');

/** The run fails with exactly these KFM-RENDER-024 findings: [manifest under the controller, text of its message]. */
function expectNotEvaluable(run: { code: number; findings: Found[] }, expected: [string, string][]): Found[] {
  expect(run.code).toBe(1);
  const got = notEvaluable(run.findings);
  expect(got).toEqual(
    expected.map(([file, text]) =>
      expect.objectContaining({ file: `core/gitops-controller/${file}`, message: expect.stringContaining(text) }),
    ),
  );
  return got;
}

/** An Application deploying `path` of this repository at `revision`. */
const atRevision = (name: string, path: string, revision: string): string =>
  application(name, path).replace('targetRevision: main', `targetRevision: ${revision}`);

/** An ApplicationSet of `generator` lines whose template deploys `source` lines to `namespace`. */
const appset = (name: string, head: string[], source: string[], namespace: string): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: ApplicationSet',
    'metadata:',
    `  name: ${name}`,
    '  namespace: openshift-gitops',
    'spec:',
    ...head,
    '  template:',
    '    metadata:',
    `      name: '${name}-{{ .app }}{{path.basename}}'`,
    '    spec:',
    '      project: kfm-apps',
    '      source:',
    ...source.map((l) => `        ${l}`),
    '      destination:',
    '        server: https://kubernetes.default.svc',
    `        namespace: '${namespace}'`,
    '',
  ].join('\n');

describe('Argo CD sources naming content no check read (e2e)', () => {
  it('reports an Application at another targetRevision (a branch, a tag) on its line; main and HEAD pass', async () => {
    addToController(copy.root, {
      'application-extras.yaml': atRevision('extras', 'infra/gitops/apps/kfm-api/overlays/prod', 'evil'),
      'application-tagged.yaml': atRevision('tagged', 'infra/gitops/apps/kfm-ui/overlays/prod', 'refs/tags/v1.0.0'),
      'application-head.yaml': atRevision('head', 'infra/gitops/apps/minio/overlays/prod', 'HEAD'),
    });
    const got = expectNotEvaluable(await check(), [
      ['application-extras.yaml', '"evil"'],
      ['application-tagged.yaml', '"refs/tags/v1.0.0"'],
    ]);
    expect(got[0]!.line).toBe(11); // the Application's path line
  });

  it("takes origin's default branch and CI's target branch as the ones under check; a git generator's other revision is reported", async () => {
    // origin's default branch is main: master (a stale branch, say) is then not the content under check.
    execFileSync('git', ['-C', copy.top, 'remote', 'add', 'origin', THIS]);
    execFileSync('git', ['-C', copy.top, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main']);
    write('extras/team-a/rolebinding.yaml', CLUSTER_ADMIN_ROLEBINDING);
    addToController(copy.root, {
      'application-release.yaml': atRevision(
        'release',
        'infra/gitops/apps/kfm-api/overlays/prod',
        'refs/heads/release',
      ),
      'application-master.yaml': atRevision('master', 'infra/gitops/apps/kfm-ui/overlays/prod', 'master'),
      'applicationset-extras.yaml': appset(
        'extras',
        [
          '  generators:',
          '    - git:',
          `        repoURL: ${THIS}`,
          '        revision: evil',
          '        directories:',
          "          - path: 'infra/gitops/extras/*'",
        ],
        [`repoURL: ${THIS}`, 'targetRevision: release', 'path: "{{path}}"'],
        'kfm-dev',
      ),
    });
    expectNotEvaluable(await check({ GITHUB_BASE_REF: 'release' }), [
      ['application-master.yaml', '"master"'],
      ['applicationset-extras.yaml', '"evil"'],
    ]);
  });

  it('checks what a source without a path deploys: the repository top, recursively, raw', async () => {
    // Argo CD takes a missing path for the repository top: with recurse, every manifest of the repository is applied
    // as it is, a kustomize base's unpinned image included.
    addToController(copy.root, {
      'application-everything.yaml': application('everything', 'x', '    directory:\n      recurse: true', {
        namespace: 'kfm-prod',
      }).replace('    path: x\n', ''),
    });
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-DP-001', file: 'apps/kfm-api/base/deployment.yaml' }),
    );
  });

  it('reports a folder of this repository outside the checked root that an Application deploys', async () => {
    // Listed as not checked before, with exit 0: a ClusterRoleBinding to cluster-admin beside infra/gitops was applied.
    mkdirSync(join(copy.top, 'infra', 'other'), { recursive: true });
    writeFileSync(join(copy.top, 'infra', 'other', 'rolebinding.yaml'), CLUSTER_ADMIN_ROLEBINDING);
    writeFileSync(join(copy.top, 'top.yaml'), CLUSTER_ADMIN_ROLEBINDING);
    addToController(copy.root, {
      'application-other.yaml': application('other', 'infra/other'),
      // Recursing from the repository top: the root's manifests are checked, the others reported.
      'application-top.yaml': application('top', '.', '    directory:\n      recurse: true', { namespace: 'kfm-prod' }),
    });
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings.filter((f) => f.ruleId === 'KFM-RENDER-004')).toEqual([
      expect.objectContaining({ file: 'core/gitops-controller/application-other.yaml', line: 11 }),
      expect.objectContaining({ file: 'core/gitops-controller/application-top.yaml', line: 11 }),
    ]);
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-DP-001', file: 'apps/kfm-api/base/deployment.yaml' }),
    );
  });

  it('renders a folder with both a Chart.yaml and a kustomization as Argo CD does: with kustomize', async () => {
    // The only overlay building on the folder patches the ClusterRoleBinding away; rendered here as the chart (a
    // ConfigMap), the folder's own kustomization was never read while Argo CD applied it (exit 0).
    write('core/x/Chart.yaml', 'apiVersion: v2\nname: x\nversion: 0.1.0\n');
    write('core/x/templates/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    write('core/x/rolebinding.yaml', CLUSTER_ADMIN_ROLEBINDING);
    write('core/x/kustomization.yaml', 'resources:\n  - rolebinding.yaml\n  - templates/configmap.yaml\n');
    write(
      'core/y/kustomization.yaml',
      [
        'resources:',
        '  - ../x',
        'patches:',
        '  - patch: |-',
        '      $patch: delete',
        '      apiVersion: rbac.authorization.k8s.io/v1',
        '      kind: RoleBinding',
        '      metadata:',
        '        name: everyone-admin',
        '        namespace: kfm-dev',
        '',
      ].join('\n'),
    );
    addToController(copy.root, { 'application-x.yaml': application('x', 'infra/gitops/core/x') });
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'core/x/rolebinding.yaml' }),
    );
  });

  it('reports a Git LFS pointer in a directory source: the manifest it stands for is not in the checkout', async () => {
    write('extras/raw/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: b\n');
    write(
      'extras/raw/rolebinding.yaml',
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'4d7a2146'.repeat(8)}\nsize 412\n`,
    );
    addToController(copy.root, { 'application-raw.yaml': application('raw', 'infra/gitops/extras/raw') });
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-015',
        file: 'extras/raw/rolebinding.yaml',
        message: expect.stringContaining('Git LFS pointer'),
      }),
    );
  });

  it('reports jsonnet in a subfolder of a recursive directory source', async () => {
    write('extras/raw/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: b\n');
    write('extras/raw/sub/admin.jsonnet', '{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }\n');
    addToController(copy.root, {
      'application-raw.yaml': application('raw', 'infra/gitops/extras/raw', '    directory:\n      recurse: true'),
    });
    expectNotEvaluable(await check(), [['application-raw.yaml', 'jsonnet']]);
  });

  it('reports a repoURL or destination namespace that is a template expression, not another repository', async () => {
    execFileSync('git', ['-C', copy.top, 'remote', 'add', 'origin', THIS]);
    const goSet = (name: string, repoURL: string, namespace: string): string =>
      appset(
        name,
        [
          '  goTemplate: true',
          '  generators:',
          '    - list:',
          '        elements:',
          `          - {app: kfm-api, repo: "${THIS.toUpperCase()}", namespace: KFM-PROD}`,
        ],
        [`repoURL: '${repoURL}'`, 'targetRevision: main', "path: 'infra/gitops/apps/{{ .app }}/base'"],
        namespace,
      );
    addToController(copy.root, {
      'applicationset-repo.yaml': goSet('repo', '{{ .repo | lower }}', 'kfm-prod'),
      'applicationset-ns.yaml': goSet('ns', THIS, '{{ .namespace | lower }}'),
    });
    expectNotEvaluable(await check(), [
      ['applicationset-ns.yaml', '{{ .namespace | lower }}'],
      ['applicationset-repo.yaml', '{{ .repo | lower }}'],
    ]);
  });

  it("reports a goTemplate expression left in an override, not the override's text checked as written", async () => {
    // Argo CD evaluates it to busybox:latest (KFM-DP-002); as written, the tag `{{ "latest" }}` passed (exit 0).
    const text = appset(
      'sidecar',
      ['  goTemplate: true', '  generators:', '    - list:', '        elements:', '          - {app: kfm-api}'],
      [
        'repoURL: https://git.example.org/kfm/kfm.git',
        'targetRevision: main',
        "path: 'infra/gitops/apps/{{ .app }}/overlays/dev'",
        'kustomize:',
        '  patches:',
        '    - target: {kind: Deployment, name: kfm-api}',
        '      patch: |-',
        '        - op: add',
        '          path: /spec/template/spec/containers/-',
        `          value: {name: side, image: 'docker.io/library/busybox:{{ "latest" }}'}`,
      ],
      'kfm-dev',
    );
    addToController(copy.root, { 'applicationset-sidecar.yaml': text });
    const [found] = expectNotEvaluable(await check(), [['applicationset-sidecar.yaml', 'the kustomize settings']]);
    expect(found.line).toBe(text.split('\n').findIndex((l) => l.trim() === 'kustomize:') + 1);
  });
});

describe('objects in a namespace of a stricter env than their overlay (e2e)', () => {
  const deployment = (namespace: string): string =>
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: sneaky',
      `  namespace: ${namespace}`,
      'spec:',
      '  selector:',
      '    matchLabels: {app: sneaky}',
      '  template:',
      '    metadata:',
      '      labels: {app: sneaky}',
      '    spec:',
      '      containers:',
      '        - name: c',
      '          image: quay.io/kfm/kfm-api:1.8.0',
      '',
    ].join('\n');
  const digestFindings = (findings: Found[]): Found[] => findings.filter((f) => f.ruleId === 'KFM-DP-001');

  it('judges a kfm-prod Deployment of a folder an Application deploys to kfm-dev, and of a platform overlay, by prod rules', async () => {
    // Argo CD applies an object that names its namespace there: the destination only places the others.
    write('extras/raw/deployment.yaml', deployment('kfm-prod'));
    addToController(copy.root, { 'application-raw.yaml': application('raw', 'infra/gitops/extras/raw') });
    write('core/baseline/deployment.yaml', deployment('kfm-prod'));
    const kfile = join(copy.root, 'core', 'baseline', 'kustomization.yaml');
    writeFileSync(kfile, readFileSync(kfile, 'utf8').replace(/^resources:\n/m, 'resources:\n  - deployment.yaml\n'));
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(digestFindings(findings)).toEqual([
      expect.objectContaining({ file: 'core/baseline/deployment.yaml', overlay: 'core/baseline' }),
      expect.objectContaining({ file: 'extras/raw/deployment.yaml' }),
    ]);
  });

  it("judges an Application's kustomize.namespace override to kfm-prod by prod rules, whatever its destination", async () => {
    addToController(copy.root, {
      'application-moved.yaml': application(
        'moved',
        'infra/gitops/apps/kfm-api/overlays/dev',
        ['    kustomize:', '      namespace: kfm-prod', '      images:', '        - quay.io/kfm/kfm-api:1.9.0'].join(
          '\n',
        ),
        { namespace: 'kfm-dev', project: 'kfm-apps' },
      ),
    });
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(digestFindings(findings)).toEqual([
      expect.objectContaining({ file: 'core/gitops-controller/application-moved.yaml', line: 14 }), // images:
    ]);
  });

  it('keeps a kfm-dev Deployment of a folder deployed to kfm-prod under prod rules (never a laxer env)', async () => {
    write('extras/raw/deployment.yaml', deployment('kfm-dev'));
    addToController(copy.root, {
      'application-raw.yaml': application('raw', 'infra/gitops/extras/raw', '', { namespace: 'kfm-prod' }),
    });
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(digestFindings(findings)).toEqual([expect.objectContaining({ file: 'extras/raw/deployment.yaml' })]);
  });
});
