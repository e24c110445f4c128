/**
 * Issue 14, on a temp copy of infra/gitops: ApplicationSet git generators over this repository are evaluated, so the
 * folders they deploy are checked (a RoleBinding to cluster-admin, a LoadBalancer in front of the database); an
 * Application of this repository (named by the `origin` remote or `argo.repoURLs`) whose path names no folder is a
 * finding on its line; another repository's Application is listed as not checked, never passed in silence.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtures, repoRoot, runCli } from '../helpers.js';
import { CLUSTER_ADMIN_ROLEBINDING as rolebinding, gitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };
const THIS = 'https://git.example.org/kfm/kfm.git';

let top: string;
let root: string;
beforeEach(() => {
  top = mkdtempSync(join(tmpdir(), 'kfm-argo-gen-'));
  root = join(top, 'infra', 'gitops');
  mkdirSync(root, { recursive: true });
  cpSync(join(repoRoot, 'infra', 'gitops'), root, { recursive: true, filter: (s) => !s.includes('.kfm-gitops') });
});
afterEach(() => rmSync(top, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** Adds a manifest to the gitops-controller overlay (so it is rendered and covered, as Argo CD would sync it). */
function addToController(name: string, text: string): void {
  write(`core/gitops-controller/${name}`, text);
  const kfile = join(root, 'core', 'gitops-controller', 'kustomization.yaml');
  const before = readFileSync(kfile, 'utf8');
  writeFileSync(
    kfile,
    before.replace('  - application-kfm-bootstrap.yaml\n', `  - application-kfm-bootstrap.yaml\n  - ${name}\n`),
  );
}

const appset = (name: string, generator: string[], path: string, goTemplate = false): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: ApplicationSet',
    'metadata:',
    `  name: ${name}`,
    '  namespace: openshift-gitops',
    'spec:',
    ...(goTemplate ? ['  goTemplate: true'] : []),
    '  generators:',
    ...generator,
    '  template:',
    '    metadata:',
    `      name: "${name}"`,
    '    spec:',
    '      project: kfm-apps',
    '      source:',
    `        repoURL: ${THIS}`,
    '        targetRevision: main',
    `        path: "${path}"`,
    '      destination:',
    '        server: https://kubernetes.default.svc',
    '        namespace: kfm-dev',
    '',
  ].join('\n');

async function check(
  args: string[] = [],
): Promise<{ code: number; findings: Found[]; report: Record<string, unknown> }> {
  const r = await runCli(['check', root, '--format', 'json', ...args]);
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  return { code: r.code, findings: report.findings as Found[], report };
}

describe('ApplicationSet git generators over this repository (e2e)', () => {
  it('checks the plain folders a git directories generator deploys (RoleBinding to cluster-admin)', async () => {
    write('extras/team-a/rolebinding.yaml', rolebinding);
    addToController(
      'applicationset-extras.yaml',
      appset(
        'extras',
        [
          '    - git:',
          `        repoURL: ${THIS}`,
          '        revision: main',
          '        directories:',
          "          - path: 'infra/gitops/extras/*'",
        ],
        '{{path}}',
      ),
    );
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/team-a/rolebinding.yaml' }),
    );
    expect(findings.filter((f) => f.ruleId === 'KFM-RENDER-024')).toEqual([]);
  });

  // Argo CD lists every folder but hidden ones for `directories`, and every tracked file for `files`: a folder named
  // node_modules is no exception there, so it may not be one here (it was left out of the listing: nothing checked).
  it('checks a folder named node_modules a git directories generator deploys', async () => {
    write('extras/node_modules/rolebinding.yaml', rolebinding);
    addToController(
      'applicationset-extras.yaml',
      appset(
        'extras',
        [
          '    - git:',
          `        repoURL: ${THIS}`,
          '        revision: main',
          '        directories:',
          "          - path: 'infra/gitops/extras/*'",
        ],
        '{{path}}',
      ),
    );
    const { code, findings } = await check(['--no-cache']);
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/node_modules/rolebinding.yaml' }),
    );
  });

  /** An ApplicationSet whose git files generator reads `params` (matched by `pattern`) and deploys extras/{{folder}}. */
  function filesGeneratorOver(params: string, folder: string, pattern: string): void {
    write(`extras/${folder}/rolebinding.yaml`, rolebinding);
    write(params, JSON.stringify({ folder }));
    addToController(
      'applicationset-extras.yaml',
      appset(
        'extras',
        [
          '    - git:',
          `        repoURL: ${THIS}`,
          '        revision: main',
          '        files:',
          `          - path: '${pattern}'`,
        ],
        'infra/gitops/extras/{{folder}}',
      ),
    );
  }

  it('reads a git files generator parameter file under node_modules', async () => {
    filesGeneratorOver('extras/node_modules/deploy.json', 'node_modules/team-b', 'infra/gitops/extras/*/deploy.json');
    const { code, findings } = await check(['--no-cache']);
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/node_modules/team-b/rolebinding.yaml' }),
    );
  });

  it('reads a git files generator parameter file committed under .kfm-gitops (not its cache folder)', async () => {
    filesGeneratorOver('.kfm-gitops/params/deploy.json', 'team-c', 'infra/gitops/.kfm-gitops/*/deploy.json');
    // A warm run too: the run's own cache files under .kfm-gitops/cache are no parameter files.
    for (const args of [[], []]) {
      const { code, findings } = await check(args);
      expect(code).toBe(1);
      expect(findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/team-c/rolebinding.yaml' }),
      );
    }
  });

  it('checks the overlay a git files generator names, with goTemplate (LoadBalancer in front of the database)', async () => {
    // The patch makes the dev postgis Service a LoadBalancer; the file generator's parameters point at the overlay.
    write(
      'extras/db-dev/kustomization.yaml',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '  - ../../apps/postgis/overlays/dev',
        'patches:',
        '  - target: { kind: Service, name: postgis }',
        '    patch: |',
        '      - op: replace',
        '        path: /spec/type',
        '        value: LoadBalancer',
        '',
      ].join('\n'),
    );
    write('extras/db-dev/deploy.json', JSON.stringify({ target: { folder: 'db-dev' } }));
    addToController(
      'applicationset-db.yaml',
      appset(
        'db',
        [
          '    - git:',
          `        repoURL: ${THIS}`,
          '        revision: main',
          '        files:',
          "          - path: 'infra/gitops/extras/*/deploy.json'",
        ],
        'infra/gitops/extras/{{ .target.folder }}',
        true,
      ),
    );
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'KFM-TM-002' }));
    expect(findings.filter((f) => f.ruleId === 'KFM-RENDER-024')).toEqual([]);
    // The parameter file is the generator's input, not a manifest nothing checks.
    expect(findings.filter((f) => f.ruleId === 'KFM-RENDER-021')).toEqual([]);
  });
});

/**
 * SP3: the nonprod ApplicationSet rewritten to a git generator that also yields the prod overlays, with the prod
 * ApplicationSet removed: its generated prod Applications sync automatically. The generators are evaluated, so the
 * generated Applications' kfm-prod destination is known: KFM-ARGO-004, as for a literal prod Application.
 */
function prodFromGenerator(generator: string[], rewrite: (text: string) => string): void {
  const file = join(root, 'components', 'applicationsets', 'tenants-kfm-nonprod.yaml');
  let text = readFileSync(file, 'utf8');
  text =
    text.slice(0, text.indexOf('    - list:')) + generator.join('\n') + '\n' + text.slice(text.indexOf('  template:'));
  writeFileSync(file, rewrite(text));
  const kfile = join(root, 'components', 'applicationsets', 'kustomization.yaml');
  writeFileSync(kfile, readFileSync(kfile, 'utf8').replace(/^.*tenants-kfm-prod\.yaml\n/m, ''));
  rmSync(join(root, 'components', 'applicationsets', 'tenants-kfm-prod.yaml'));
}

describe('ApplicationSets generating prod Applications that sync automatically (e2e)', () => {
  const expectProdSync = async (): Promise<void> => {
    const { code, findings } = await check();
    expect(code).toBe(0); // KFM-ARGO-004 is a warning by design
    const argo = findings.filter((f) => f.ruleId === 'KFM-ARGO-004');
    expect(argo).toEqual([
      expect.objectContaining({
        file: 'components/applicationsets/tenants-kfm-nonprod.yaml',
        line: 35, // syncPolicy.automated
        message: expect.stringMatching(
          /prod Applications that sync automatically: .*-prod \(destination namespace kfm-prod\)/,
        ),
      }),
    ]);
    write('kfm-gitops.yaml', 'rules:\n  KFM-ARGO-004: error\n');
    expect((await check()).code).toBe(1);
    write('kfm-gitops.yaml', 'policy:\n  allowAutomatedProd: true\n');
    const allowed = await check();
    expect(allowed.code).toBe(0);
    expect(allowed.findings.filter((f) => f.ruleId === 'KFM-ARGO-004')).toEqual([]);
  };

  it('a git directories generator over every overlay, namespace kfm-{{path.basename}}', async () => {
    prodFromGenerator(
      [
        '    - git:',
        `        repoURL: ${THIS}`,
        '        revision: main',
        '        directories:',
        '          - path: infra/gitops/apps/*/overlays/*',
      ],
      (t) =>
        t
          .replaceAll('{{app}}-{{env}}', '{{path[3]}}-{{path.basename}}')
          .replaceAll('{{app}}', '{{path[3]}}')
          .replaceAll('{{env}}', '{{path.basename}}')
          .replace('path: "infra/gitops/apps/{{path[3]}}/overlays/{{path.basename}}"', 'path: "{{path}}"')
          .replace('namespace: "{{namespace}}"', 'namespace: "kfm-{{path.basename}}"'),
    );
    await expectProdSync();
  });

  it('a git files generator whose parameter files say env prod, namespace kfm-prod', async () => {
    for (const app of ['kfm-api', 'kfm-ui', 'postgis', 'minio'])
      for (const env of ['dev', 'stage', 'prod'])
        write(
          `components/applicationsets/tenants/${app}-${env}.json`,
          JSON.stringify({ app, env, namespace: `kfm-${env}` }),
        );
    prodFromGenerator(
      [
        '    - git:',
        `        repoURL: ${THIS}`,
        '        revision: main',
        '        files:',
        '          - path: infra/gitops/components/applicationsets/tenants/*.json',
      ],
      (t) => t,
    );
    await expectProdSync();
  });

  it('a destination namespace given by a Go template function: not evaluable (KFM-RENDER-024), never passed', async () => {
    prodFromGenerator(
      [
        '    - git:',
        `        repoURL: ${THIS}`,
        '        revision: main',
        '        directories:',
        '          - path: infra/gitops/apps/*/overlays/dev',
      ],
      (t) =>
        t
          .replace('spec:\n  generators:', 'spec:\n  goTemplate: true\n  generators:')
          .replaceAll('{{app}}-{{env}}', '{{index .path.segments 3}}-{{.path.basename}}')
          .replaceAll('{{app}}', '{{index .path.segments 3}}')
          .replaceAll('{{env}}', '{{.path.basename}}')
          .replace(/path: "infra\/gitops\/apps\/.*"/, 'path: "{{.path.path}}"')
          .replace('namespace: "{{namespace}}"', 'namespace: \'{{ printf "kfm-%s" .path.basename }}\''),
    );
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-024',
        file: 'components/applicationsets/tenants-kfm-nonprod.yaml',
        message: expect.stringMatching(/destination\.namespace is a template expression/),
      }),
    );
  });
});

describe('which Applications deploy from this repository (e2e)', () => {
  const typo = (): void => {
    const file = join(root, 'core', 'gitops-controller', 'application-kfm-bootstrap.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('bootstrap/overlays/default', 'bootstrap/overlays/defualt'));
  };
  /** The typo'd path of an Application of this repository: exit 1, KFM-RENDER-024 on the `path:` line. */
  const expectTypoFound = async (): Promise<void> => {
    typo();
    const { code, findings } = await check();
    expect(code).toBe(1);
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-RENDER-024',
        file: 'core/gitops-controller/application-kfm-bootstrap.yaml',
        line: 11,
        message: expect.stringMatching(/defualt/),
      }),
    );
  };

  it('with argo.repoURLs: the unmodified copy passes, a path naming no folder here is KFM-RENDER-024 on its line', async () => {
    write('kfm-gitops.yaml', `argo:\n  repoURLs:\n    - ${THIS}\n`);
    expect((await check()).code).toBe(0);
    await expectTypoFound();
  });

  it('with the origin remote (scp form): the same typo is found; another repository is listed as not checked', async () => {
    execFileSync('git', ['init', '-q', top]);
    execFileSync('git', ['-C', top, 'remote', 'add', 'origin', 'git@GIT.example.org:kfm/kfm']);
    expect((await check()).code).toBe(0);
    addToController(
      'application-elsewhere.yaml',
      readFileSync(join(root, 'core', 'gitops-controller', 'application-kfm-bootstrap.yaml'), 'utf8')
        .replace('name: kfm-bootstrap', 'name: vendor-stack')
        .replace(`repoURL: ${THIS}`, 'repoURL: https://github.com/vendor/stack.git')
        .replace('infra/gitops/bootstrap/overlays/default', 'deploy/prod'),
    );
    const elsewhere = await check();
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.report.skipped).toContainEqual({
      path: 'deploy/prod',
      reason: expect.stringMatching(
        /Application vendor-stack .*https:\/\/github\.com\/vendor\/stack\.git, another repository/,
      ),
    });
    await expectTypoFound();
  });

  it('without a name for the repository, a path naming no folder is listed as not checked (not silently passed)', async () => {
    typo();
    const { code, report } = await check();
    expect(code).toBe(0);
    expect(report.skipped).toContainEqual({
      path: 'infra/gitops/bootstrap/overlays/defualt',
      reason: expect.stringMatching(/names no folder here and the repository's URL is unknown/),
    });
  });

  it("lists the policy fixture's desired-state Applications as another repository's, also from the results cache", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kfm-argo-cache-'));
    try {
      for (const run of ['fresh', 'cached']) {
        const r = await runCli([
          'check',
          join(fixtures, 'policy', 'argo-violation'),
          '--format',
          'json',
          '--cache-dir',
          cacheDir,
        ]);
        const report = JSON.parse(r.stdout) as {
          summary: { cachedResults?: boolean };
          findings: Found[];
          skipped: { path: string; reason: string }[];
        };
        expect(Boolean(report.summary.cachedResults), run).toBe(run === 'cached');
        expect(report.findings.filter((f) => f.ruleId === 'KFM-RENDER-024')).toEqual([]);
        expect(report.skipped.map((s) => s.path).sort()).toEqual([
          'apps/team-a/overlays/dev',
          'apps/team-a/overlays/prod',
          'apps/team-a/overlays/prod',
          'apps/team-a/overlays/stage',
        ]);
        for (const s of report.skipped) expect(s.reason).toMatch(/acme\/desired-state\.git, another repository/);
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe('changed-only runs and Argo CD sources (e2e)', () => {
  it("checks the folder a git files generator's changed parameters now point at, though that folder did not change", async () => {
    const copy = gitCopy();
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: copy.top, encoding: 'utf8' });
    try {
      const at = (rel: string): string => join(copy.root, rel);
      mkdirSync(at('extras/plain'), { recursive: true });
      mkdirSync(at('extras/admin'), { recursive: true });
      mkdirSync(at('extras/params'), { recursive: true });
      writeFileSync(
        at('extras/plain/configmap.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: note\n  namespace: kfm-dev\ndata:\n  a: b\n',
      );
      writeFileSync(at('extras/admin/rolebinding.yaml'), rolebinding);
      writeFileSync(at('extras/params/deploy.yaml'), 'folder: plain\n');
      const controller = at('core/gitops-controller');
      writeFileSync(
        join(controller, 'applicationset-extras.yaml'),
        appset(
          'extras',
          [
            '    - git:',
            `        repoURL: ${THIS}`,
            '        files:',
            "          - path: 'infra/gitops/extras/params/*.yaml'",
          ],
          'infra/gitops/extras/{{folder}}',
        ),
      );
      const kfile = join(controller, 'kustomization.yaml');
      writeFileSync(
        kfile,
        readFileSync(kfile, 'utf8').replace(
          '  - application-kfm-bootstrap.yaml\n',
          '  - application-kfm-bootstrap.yaml\n  - applicationset-extras.yaml\n',
        ),
      );
      // The admin folder is deployed by nothing yet: excluded from coverage on purpose for this test.
      writeFileSync(
        at('kfm-gitops.yaml'),
        'coverage:\n  exclude:\n    - path: extras/admin/**\n      reason: staged, not deployed\n',
      );
      git('add', '-A');
      git('commit', '-qm', 'base');
      expect((await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD'], { cwd: copy.top })).code).toBe(0);
      writeFileSync(at('extras/params/deploy.yaml'), 'folder: admin\n');
      const r = await runCli(['check', 'infra/gitops', '--changed-since', 'HEAD', '--format', 'json'], {
        cwd: copy.top,
      });
      expect(r.code).toBe(1);
      expect((JSON.parse(r.stdout) as { findings: Found[] }).findings).toContainEqual(
        expect.objectContaining({ ruleId: 'KFM-RBAC-001', file: 'extras/admin/rolebinding.yaml' }),
      );
    } finally {
      copy.cleanup();
    }
  });
});
