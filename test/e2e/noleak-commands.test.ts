/**
 * The commands besides `check` print rendered manifests and render errors: `render` (one overlay, as the checks see
 * it) and `diff` (the rendered change of a pull request, posted as a PR comment). A Secret's values, a credential
 * elsewhere in the rendered YAML and kustomize's quote of a rejected patch never reach their output; `render
 * --show-secrets` is the explicit way to see the values. Every value is generated at run time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { git, runCli } from '../helpers.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { leakedFragments, useTempRepos } from '../secrets/helpers.js';
import { Gen } from '../secrets/vectors.js';
import { cli, gitRepoFrom, type GitRepo } from '../select/git-fixture.js';
import { GIT_ENV, gitIn, kustomization, useTempInfraRepos } from '../promote/helpers.js';

const g = new Gen(5151);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const repo = useTempRepos();

const secret = (name: string, entries: string): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n${entries}`;

/** kustomize quotes a patch it cannot read, values and all. */
const brokenPatch = (name: string, password: string): string =>
  `patches:\n  - patch: |-\n      apiVersion: v1\n      kind: Secret\n      metadata:\n        name: ${name}\n      stringData:\n        conn: postgres://app:${password}@db:5432/app\n        other: [unclosed\n`;

describe('kfm-gitops render', () => {
  const values = { password: g.password(22), data: g.alnum(30), token: `ghp_${g.alnum(36)}` };
  const files = {
    'app/kustomization.yaml': 'namespace: web\nresources: [secret.yaml, cm.yaml]\n',
    'app/secret.yaml': secret('db', `stringData:\n  password: ${values.password}\ndata:\n  key: ${b64(values.data)}\n`),
    'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    ci/token: ${values.token}\ndata:\n  LOG_LEVEL: info\n`,
  };

  it("masks a Secret's values and a credential elsewhere by default; keys and every other field stay", async () => {
    const root = await repo(files);
    const r = await runCli(['render', 'app', '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: Secret');
    expect(r.stdout).toMatch(/stringData:\n {2}password: \u2026 \(22 chars\)\n/);
    expect(r.stdout).toMatch(/data:\n {2}key: \u2026 \(40 chars\)\n/);
    expect(r.stdout).toContain('ci/token: ghp_\u2026 (40 chars)');
    expect(r.stdout).toContain('LOG_LEVEL: info');
    expect(r.stderr).toContain('--show-secrets');
    expect(leakedFragments(r.stdout + r.stderr, [values.password, b64(values.data), values.token])).toEqual([]);
  });

  it('--show-secrets prints the resources exactly as rendered', async () => {
    const root = await repo(files);
    const r = await runCli(['render', 'app', '--root', root, '--show-secrets']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`password: ${values.password}`);
    expect(r.stdout).toContain(`key: ${b64(values.data)}`);
    expect(r.stdout).toContain(`ci/token: ${values.token}`);
    expect(r.stderr).toBe('');
  });

  it("a render error quoting a rejected patch names the rule and the file, not the patch's values", async () => {
    const password = g.password(24);
    const root = await repo({
      'app/kustomization.yaml': `resources: [secret.yaml]\n${brokenPatch('db', password)}`,
      'app/secret.yaml': secret('db', 'type: Opaque\n'),
    });
    const r = await runCli(['render', 'app', '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('KFM-RENDER-001 app/kustomization.yaml');
    expect(leakedFragments(r.stdout + r.stderr, [password])).toEqual([]);
  });
});

describe('kfm-gitops diff', () => {
  let git: GitRepo | undefined;
  afterEach(() => git?.cleanup());

  it("shows a changed Secret and a rejected patch without the old or new values or the patch's", async () => {
    git = gitRepoFrom();
    const [before, after, quoted] = [g.password(20), g.password(21), g.password(23)];
    const base = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n';
    const cm = (value: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    ci/token: ${value}\ndata:\n  LOG_LEVEL: info\n`;
    const [tokenBefore, tokenAfter] = [`ghp_${g.alnum(36)}`, `ghp_${g.alnum(36)}`];
    git.write('apps/api/base/kustomization.yaml', `${base}  - secret.yaml\n  - cm.yaml\n`);
    git.write('apps/api/base/secret.yaml', secret('db', `stringData:\n  password: ${before}\n`));
    git.write('apps/api/base/cm.yaml', cm(tokenBefore));
    git.commitAll('a secret');
    git.write('apps/api/base/secret.yaml', secret('db', `stringData:\n  password: ${after}\n`));
    git.write('apps/api/base/cm.yaml', cm(tokenAfter));
    git.write(
      'apps/web/overlays/dev/kustomization.yaml',
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: web-dev\nresources:\n  - ../../base\n${brokenPatch('web', quoted)}`,
    );
    git.commitAll('the change');
    for (const format of ['text', 'markdown']) {
      const r = await cli(['diff', git.dir, '--base', 'HEAD~1', '--format', format]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('apps/api/overlays/dev');
      expect(r.stdout).toMatch(/password: <redacted [0-9a-f]{12}>/);
      expect(r.stdout).toContain('ci/token: ghp_\u2026 (40 chars)');
      expect(r.stdout).toContain('KFM-RENDER-001 apps/web/overlays/dev/kustomization.yaml');
      expect(leakedFragments(r.stdout + r.stderr, [before, after, quoted, tokenBefore, tokenAfter])).toEqual([]);
    }
  });
});

describe('kfm-gitops promote --dry-run', () => {
  const { repo: infra } = useTempInfraRepos();

  it("shows the rendered change of a Secret that carries the image without the Secret's other values", async () => {
    // A pull request made the image a field of a Secret (a replacement): every promotion changes the Secret, and
    // the rendered diff's context lines are its neighbours.
    const root = infra();
    const [password, seed] = [g.password(24), g.alnum(26)];
    const file = kustomization(root, 'kfm-api', 'stage');
    writeFileSync(
      join(dirname(file), 'secret.yaml'),
      secret('kfm-api-release', `stringData:\n  image: set-by-replacement\n  password: ${password}\n`),
    );
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')
        .replace('  - ../../base\n', '  - ../../base\n  - secret.yaml\n')
        // A generator's literal right above the image entry: context of the kustomization's own diff.
        .replace(
          '\nimages:\n',
          `\nsecretGenerator:\n  - name: release-seed\n    literals:\n      - seed=${seed}\nimages:\n`,
        )
        .replace('    newName: quay.io/kfm/kfm-api\n', '')}` +
        'replacements:\n  - source: {kind: Deployment, name: kfm-api, fieldPath: spec.template.spec.containers.0.image}\n' +
        '    targets:\n      - select: {kind: Secret, name: kfm-api-release}\n        fieldPaths: [stringData.image]\n',
    );
    gitIn(root, ['add', '-A']);
    gitIn(root, ['commit', '-q', '-m', 'the image in a Secret']);
    const r = await runCli(['promote', 'kfm-api', '--from', 'dev', '--to', 'stage', '--dry-run', '--root', root], {
      env: GIT_ENV,
    });
    // The check of the promoted state fails on the plaintext Secret; the plan and the rendered diff are printed.
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Rendered diff of apps/kfm-api/overlays/stage:');
    expect(r.stdout).toContain('+++ b/v1/Secret/kfm-stage/kfm-api-release');
    expect(r.stdout).toContain('KFM-SEC-001');
    expect(r.stdout).toMatch(/ {6}- seed=\u2026 \(26 chars\)\n images:\n/);
    expect(leakedFragments(r.stdout + r.stderr, [password, seed])).toEqual([]);
    const json = await runCli(
      ['promote', 'kfm-api', '--from', 'dev', '--to', 'stage', '--dry-run', '--root', root, '--format', 'json'],
      { env: GIT_ENV },
    );
    expect(JSON.parse(json.stdout).renderedDiff).toHaveLength(1);
    expect(leakedFragments(json.stdout + json.stderr, [password, seed])).toEqual([]);
  });
});

describe('kfm-gitops secrets scan --history', () => {
  it("lists a commit's findings with an allow's reason and the file's name masked", async () => {
    const key = `AKIA${g.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo({ 'app/kustomization.yaml': 'resources: []\n' });
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    writeFileSync(
      join(root, 'app', `${token}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: ${key} # kfm-gitops:allow KFM-SEC-020 backup ${token}\n`,
    );
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'the change');
    const r = await runCli(['secrets', 'scan', root, '--history', 'HEAD~1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('app/ghp_\u2026 (40 chars).yaml:6: KFM-SEC-020');
    expect(r.stdout).toContain('[suppressed by inline: backup ghp_\u2026 (40 chars)]');
    expect(leakedFragments(r.stdout + r.stderr, [key, token])).toEqual([]);
  });
});
