/**
 * ApplicationSet generators read the way Argo CD reads them (applicationset/generators/git.go): git directories with
 * exclude entries, git files with flattened keys, path parameters in both template syntaxes, matrix children templated
 * by earlier ones; another repository's git generator, a hostile matrix and an unparsable parameter file are refused.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readArgoView } from '../../src/argo/applications.js';
import { sanitizeName } from '../../src/argo/generators.js';
import { goPathMatch } from '../../src/argo/path-match.js';
import { isThisRepo, normalizeRepoURL, repoIdentity } from '../../src/argo/repo.js';

const THIS = 'https://git.example.org/kfm/kfm.git';
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kfm-gen-'));
  dirs.push(root);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return root;
}

const appset = (generators: string, path: string, extra = ''): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: ApplicationSet',
    'metadata:',
    '  name: set',
    'spec:',
    extra,
    '  generators:',
    generators,
    '  template:',
    '    metadata:',
    '      name: x',
    '    spec:',
    '      project: default',
    '      source:',
    `        repoURL: ${THIS}`,
    `        path: '${path}'`,
    '      destination:',
    '        server: https://kubernetes.default.svc',
    '        namespace: ns',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');

const paths = async (root: string, identity = repoIdentity([THIS], '', root)) => {
  const view = await readArgoView(root, identity);
  return { paths: view.deployments.map((d) => d.sourcePath).sort(), unevaluable: view.unevaluable };
};

describe('repoURL matching', () => {
  it('takes every spelling Argo CD takes for the same repository as the same', () => {
    const same = [
      'https://git.example.org/kfm/kfm.git',
      'https://git.example.org/kfm/kfm',
      'https://git.example.org/kfm/kfm/',
      'https://GIT.Example.org/kfm/kfm.git/',
      'git@git.example.org:kfm/kfm.git',
      'ssh://git@git.example.org/kfm/kfm',
      'ssh://git@git.example.org:22/kfm/kfm.git',
      '  https://user@git.example.org/kfm/kfm.git ',
    ];
    for (const u of same) expect(normalizeRepoURL(u), u).toBe('git.example.org/kfm/kfm');
    const id = repoIdentity([THIS]);
    expect(isThisRepo(id, 'https://git.example.org/kfm/kfm-other.git')).toBe(false);
    expect(isThisRepo(id, 'https://git.example.org:8443/kfm/kfm.git')).toBe(false);
    expect(isThisRepo(id, 'https://evil.example/kfm/kfm.git')).toBe(false);
    expect(isThisRepo(id, 'git@git.example.org:kfm/kfm')).toBe(true);
    // Unnamed repository (no origin, no config): the caller decides by the path.
    expect(isThisRepo(repoIdentity([]), THIS)).toBeUndefined();
  });
});

describe('git directories generator', () => {
  it('matches folders with Go path.Match, excludes win, hidden folders are never listed', async () => {
    const root = tree({
      'apps/a/k.yaml': '',
      'apps/b/k.yaml': '',
      'apps/skip/k.yaml': '',
      'apps/a/deep/k.yaml': '',
      '.hidden/k.yaml': '',
      'argo/set.yaml': appset(
        [
          '    - git:',
          `        repoURL: ${THIS}`,
          '        directories:',
          "          - path: 'apps/*'",
          '          - path: apps/skip',
          '            exclude: true',
          "          - path: '*'",
        ].join('\n'),
        '{{path}}',
      ),
    });
    const { paths: got, unevaluable } = await paths(root);
    expect(unevaluable).toEqual([]);
    // `apps/*` does not reach apps/a/deep (one segment); `*` lists top folders but never .hidden.
    expect(got).toEqual(['apps', 'apps/a', 'apps/b', 'argo']);
  });

  it('gives path.basename, path[n], path.basenameNormalized (fasttemplate) and .path.* (goTemplate)', async () => {
    const gen = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        directories:',
      "          - path: 'apps/*/overlays/*'",
    ].join('\n');
    const root = tree({
      'apps/My_App/overlays/prod/k.yaml': '',
      'fast.yaml': appset(gen, 'deploy/{{path[1]}}/{{path.basename}}/{{path.basenameNormalized}}'),
    });
    expect((await paths(root)).paths).toEqual(['deploy/My_App/prod/prod']);
    const go = tree({
      'apps/My_App/overlays/prod/k.yaml': '',
      'go.yaml': appset(
        gen,
        '{{ .path.path }}/{{ index .path.segments 1 }}/{{.path.basenameNormalized}}',
        '  goTemplate: true',
      ),
    });
    expect((await paths(go)).paths).toEqual(['apps/My_App/overlays/prod/My_App/prod']);
    expect(sanitizeName('My_App.v2-')).toBe('my-app.v2');
    expect(goPathMatch('apps/*', 'apps/a/b')).toBe(false);
    expect(goPathMatch('apps/[ab]', 'apps/b')).toBe(true);
  });

  it('places the root inside the repository: from Git when known, else from the patterns', async () => {
    const gen = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        directories:',
      "          - path: 'infra/gitops/apps/*'",
    ].join('\n');
    const root = tree({ 'apps/a/k.yaml': '', 'set.yaml': appset(gen, '{{path}}') });
    // A copy without Git: the pattern's leading `infra/gitops` is where the root sits.
    expect((await paths(root, repoIdentity([THIS]))).paths).toEqual(['infra/gitops/apps/a']);
    expect((await paths(root, repoIdentity([THIS], 'infra/gitops', root))).paths).toEqual(['infra/gitops/apps/a']);
    // Known to sit elsewhere in the repository: the pattern names no folder under this root.
    expect((await paths(root, repoIdentity([THIS], 'other', root))).paths).toEqual([]);
  });
});

describe("a generator's own template", () => {
  it('is merged over the ApplicationSet template, as Argo CD does (list: {elements, template})', async () => {
    const gen = [
      '    - list:',
      '        elements:',
      '          - env: dev',
      '        template:',
      '          metadata: {}',
      '          spec:',
      '            source:',
      "              path: 'overridden/{{env}}'",
    ].join('\n');
    const root = tree({ 'set.yaml': appset(gen, 'apps/{{env}}') });
    const view = await readArgoView(root, repoIdentity([THIS], '', root));
    expect(view.deployments.map((d) => [d.sourcePath, d.repoURL])).toEqual([['overridden/dev', THIS]]);
  });
});

describe('git files generator', () => {
  it('flattens each file (an object or a list of them) into parameters with the path ones', async () => {
    const gen = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        files:',
      "          - path: 'clusters/**/config.json'",
      "          - path: 'clusters/old/**'",
      '            exclude: true',
    ].join('\n');
    const root = tree({
      'clusters/eu/prod/config.json': JSON.stringify({ cluster: { name: 'eu-prod', overlay: 'apps/x/overlays/prod' } }),
      'clusters/us/config.json':
        '- cluster: { name: us-a, overlay: apps/x/overlays/dev }\n- cluster: { name: us-b, overlay: apps/y }\n',
      'clusters/old/config.json': JSON.stringify({ cluster: { name: 'old', overlay: 'legacy' } }),
      'set.yaml': appset(gen, '{{cluster.overlay}}/{{cluster.name}}/{{path.basename}}/{{path.filename}}/{{path[1]}}'),
    });
    const got = await paths(root);
    expect(got.unevaluable).toEqual([]);
    expect(got.paths).toEqual([
      'apps/x/overlays/dev/us-a/us/config.json/us',
      'apps/x/overlays/prod/eu-prod/prod/config.json/eu',
      'apps/y/us-b/us/config.json/us',
    ]);
  });

  it("git files: a file either Argo CD globbing selects is read (git's pathspec `*` crosses folders), excluded only when both exclude it", async () => {
    const gen = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        files:',
      "          - path: 'cfg/*.json'",
      "          - path: 'cfg/*/skip.json'",
      '            exclude: true',
    ].join('\n');
    const root = tree({
      'cfg/top.json': JSON.stringify({ overlay: 'apps/top' }),
      'cfg/deep/hidden.json': JSON.stringify({ overlay: 'apps/hidden' }),
      'cfg/deep/skip.json': JSON.stringify({ overlay: 'apps/skip' }),
      'cfg/a/b/skip.json': JSON.stringify({ overlay: 'apps/kept' }),
      'set.yaml': appset(gen, '{{overlay}}'),
    });
    const got = await paths(root);
    expect(got.unevaluable).toEqual([]);
    expect(got.paths).toEqual(['apps/hidden', 'apps/kept', 'apps/top']);
  });

  it('a generated AppProject: a Go template function is not evaluable, git parameters giving the default project are KFM-ARGO-003', async () => {
    const withProject = (text: string, project: string): string =>
      text.replace('      project: default', `      project: '${project}'`);
    const gitFiles = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        files:',
      "          - path: 'cfg/*.json'",
    ].join('\n');
    const list = ['    - list:', '        elements:', '          - {p: default, overlay: apps/l}'].join('\n');
    const root = tree({
      'cfg/a.json': JSON.stringify({ overlay: 'apps/a', p: 'kfm-apps' }),
      'cfg/b.json': JSON.stringify({ overlay: 'apps/b', p: 'default' }),
      'gofn.yaml': withProject(appset(gitFiles, '{{.overlay}}', '  goTemplate: true'), '{{ "" }}'),
      'git.yaml': withProject(appset(gitFiles, '{{overlay}}').replace('name: set', 'name: git'), '{{p}}'),
      'list.yaml': withProject(appset(list, '{{overlay}}').replace('name: set', 'name: list'), '{{p}}'),
    });
    const got = await paths(root);
    expect(got.unevaluable.map((u) => [u.file, u.ruleId, u.line])).toEqual([
      ['git.yaml', 'KFM-ARGO-003', 15],
      ['gofn.yaml', 'KFM-RENDER-024', 16],
    ]);
    expect(got.unevaluable.map((u) => u.message).join('\n')).toContain('giving "default"');
  });

  it('KFM-ARGO-004 on the generated Applications: git directories/files parameters giving a prod namespace, a Go template destination not evaluable, the policy left what it reports', async () => {
    const auto = (text: string, namespace: string): string =>
      text
        .replace('        namespace: ns', `        namespace: '${namespace}'`)
        .concat('\n      syncPolicy:\n        automated:\n          prune: true\n');
    const dirsGen = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        directories:',
      "          - path: 'apps/*/overlays/*'",
    ].join('\n');
    const filesGen = [
      '    - git:',
      `        repoURL: ${THIS}`,
      '        files:',
      "          - path: 'cfg/*.json'",
    ].join('\n');
    const list = ['    - list:', '        elements:', '          - {env: prod, overlay: apps/a/overlays/prod}'].join(
      '\n',
    );
    const root = tree({
      'apps/a/overlays/dev/kustomization.yaml': 'resources: []\n',
      'apps/a/overlays/prod/kustomization.yaml': 'resources: []\n',
      'cfg/a.json': JSON.stringify({ overlay: 'apps/a/overlays/dev', ns: 'kfm-dev' }),
      'cfg/b.json': JSON.stringify({ overlay: 'apps/a/overlays/prod', ns: 'kfm-prod' }),
      'dirs.yaml': auto(appset(dirsGen, '{{path}}').replace('name: set', 'name: dirs'), 'kfm-{{path.basename}}'),
      'files.yaml': auto(appset(filesGen, '{{overlay}}').replace('name: set', 'name: files'), '{{ns}}'),
      'gofn.yaml': auto(
        appset(filesGen, 'apps/a/overlays/dev', '  goTemplate: true').replace('name: set', 'name: gofn'),
        '{{ .ns | lower }}',
      ),
      'list.yaml': auto(appset(list, '{{overlay}}').replace('name: set', 'name: list'), 'kfm-{{env}}'),
      'manual.yaml': appset(dirsGen, '{{path}}')
        .replace('name: set', 'name: manual')
        .replace('namespace: ns', "namespace: 'kfm-{{path.basename}}'"),
      'nonprod.yaml': auto(
        appset(dirsGen.replace('overlays/*', 'overlays/dev'), '{{path}}').replace('name: set', 'name: nonprod'),
        'kfm-{{path.basename}}',
      ),
    });
    const got = await paths(root);
    expect(got.unevaluable.map((u) => [u.file, u.ruleId, u.line])).toEqual([
      ['dirs.yaml', 'KFM-ARGO-004', 24],
      ['files.yaml', 'KFM-ARGO-004', 24],
      // What they deploy, in an env no one can say (the destination namespace is a Go template function call).
      ['gofn.yaml', 'KFM-RENDER-024', 22],
      ['gofn.yaml', 'KFM-RENDER-024', 25],
    ]);
    const messages = got.unevaluable.map((u) => u.message).join('\n');
    expect(messages).toContain(
      'generates prod Applications that sync automatically: x (destination namespace kfm-prod)',
    );
    expect(messages).toContain('their destination.namespace is a template expression');
  });

  it('refuses a parameter file that is not an object or a list of objects (Argo CD would fail the set)', async () => {
    const gen = ['    - git:', `        repoURL: ${THIS}`, '        files:', '          - path: cfg/*.yaml'].join('\n');
    const root = tree({ 'cfg/a.yaml': 'just a string\n', 'set.yaml': appset(gen, '{{x}}') });
    const got = await paths(root);
    expect(got.paths).toEqual([]);
    expect(got.unevaluable).toEqual([
      expect.objectContaining({ generator: expect.stringMatching(/cfg\/a\.yaml/), line: 7 }),
    ]);
  });

  it('refuses a parameter file Argo CD (go-yaml v2) reads otherwise: a lone CR ending a comment, a merge key over an earlier key', async () => {
    // Argo CD reads a git files parameter file with sigs.k8s.io/yaml: `x: ok # note<CR>x: evil` is `x: evil` there,
    // and a merge key overwrites a key set before it. Both were evaluated as `ok` (deploying `apps/ok`).
    const gen = ['    - git:', `        repoURL: ${THIS}`, '        files:', '          - path: cfg/*.yaml'].join('\n');
    for (const params of ['x: apps/ok # reviewed\rx: apps/evil\n', 'x: apps/ok\n<<: {x: apps/evil}\n']) {
      const root = tree({ 'cfg/a.yaml': params, 'set.yaml': appset(gen, '{{x}}') });
      const got = await paths(root);
      expect(got.paths).toEqual([]);
      expect(got.unevaluable).toEqual([
        expect.objectContaining({ generator: expect.stringMatching(/cfg\/a\.yaml/), line: 7 }),
      ]);
    }
    // A merge both readers agree on is read: the explicit key after it wins in both.
    const root = tree({ 'cfg/a.yaml': '<<: {x: apps/evil}\nx: apps/ok\n', 'set.yaml': appset(gen, '{{x}}') });
    expect((await paths(root)).paths).toEqual(['apps/ok']);
  });

  it('refuses an include pattern past the matcher budget rather than matching nothing (a brace bomb)', async () => {
    const bomb = `cfg/${'{a,b}'.repeat(30)}*.yaml`;
    const gen = ['    - git:', `        repoURL: ${THIS}`, '        files:', `          - path: '${bomb}'`].join('\n');
    const root = tree({ 'cfg/a.yaml': 'overlay: apps/x\n', 'set.yaml': appset(gen, '{{overlay}}') });
    const got = await paths(root);
    expect(got.paths).toEqual([]);
    expect(got.unevaluable).toEqual([expect.objectContaining({ generator: expect.stringMatching(/alternatives/) })]);
  });

  it("does not read another repository's tree", async () => {
    const gen = [
      '    - git:',
      '        repoURL: https://github.com/other/repo.git',
      '        directories:',
      "          - path: '*'",
    ].join('\n');
    const root = tree({ 'apps/k.yaml': '', 'set.yaml': appset(gen, '{{path}}') });
    const got = await paths(root);
    expect(got.paths).toEqual([]);
    expect(got.unevaluable).toEqual([
      expect.objectContaining({ generator: expect.stringMatching(/another repository/) }),
    ]);
  });
});

describe('matrix over git', () => {
  it('templates a later child with the parameters of the earlier one (git directories x git files)', async () => {
    const gen = [
      '    - matrix:',
      '        generators:',
      '          - git:',
      `              repoURL: ${THIS}`,
      '              directories:',
      "                - path: 'envs/*'",
      '          - git:',
      `              repoURL: ${THIS}`,
      '              files:',
      "                - path: '{{path}}/app.yaml'",
    ].join('\n');
    const root = tree({
      'envs/dev/app.yaml': 'overlay: dev\n',
      'envs/prod/app.yaml': 'overlay: prod\n',
      'set.yaml': appset(gen, 'apps/{{overlay}}/{{path.basename}}'),
    });
    expect((await paths(root)).paths).toEqual(['apps/dev/dev', 'apps/prod/prod']);
  });

  it('refuses a matrix that would make more elements than it may hold, instead of running out of memory', async () => {
    const elements = Array.from({ length: 200 }, (_, i) => `                - { a${i % 2}: "${i}" }`).join('\n');
    const gen = [
      '    - matrix:',
      '        generators:',
      '          - list:',
      '              elements:',
      elements,
      '          - list:',
      '              elements:',
      elements.replace(/a(\d)/g, 'b$1'),
      '          - git:',
      `              repoURL: ${THIS}`,
      '              directories:',
      "                - path: '*'",
    ].join('\n');
    const root = tree({ 'a/k.yaml': '', 'b/k.yaml': '', 'set.yaml': appset(gen, '{{path}}') });
    const got = await paths(root);
    expect(got.paths).toEqual([]);
    expect(got.unevaluable).toEqual([expect.objectContaining({ generator: 'matrix (too many elements)' })]);
  });

  it('refuses a templatePatch (it may rewrite the source) instead of checking the unpatched template', async () => {
    const gen = ['    - list:', '        elements:', '          - env: dev'].join('\n');
    const root = tree({
      'set.yaml': appset(
        gen,
        'apps/{{env}}',
        '  goTemplate: true\n  templatePatch: |\n    spec:\n      source:\n        path: elsewhere',
      ),
    });
    const got = await paths(root);
    expect(got.paths).toEqual([]);
    expect(got.unevaluable).toEqual([expect.objectContaining({ generator: 'templatePatch' })]);
  });
});
