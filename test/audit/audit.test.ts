/**
 * Issue 13, item 6: a change that weakens the gate carries an audit note. With --changed-since, a lowered or
 * disabled rule, a new exception, a new exclude… is a KFM-CONFIG-003 finding unless an ADR in the same change names it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configWeakenings, covers } from '../../src/audit/weakening.js';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

/** `dir` after `base` as the base commit, then after `change` as the commit on top of it. */
function commitTwice(dir: string, base: (dir: string) => void, change: (dir: string) => void): string {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
  base(dir);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'base');
  change(dir);
  git('add', '-A');
  git('commit', '-qm', 'change');
  return dir;
}

/** A fresh repository with `files` committed as the base, then what `change` does committed on top of it. */
function committedTwice(prefix: string, files: Record<string, string>, change: (dir: string) => void): string {
  const write = (dir: string): void => {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
  };
  return commitTwice(mkdtempSync(join(tmpdir(), prefix)), write, change);
}

/** The exit code of `check --changed-since HEAD~1` in `dir`, and what its KFM-CONFIG-003 findings say weakened. */
async function audited(dir: string): Promise<{ code: number; weakened: string[]; output: string }> {
  const run = await runCli(['check', '--changed-since', 'HEAD~1', '--format', 'json', '--no-cache'], { cwd: dir });
  const findings = (JSON.parse(run.stdout || '{"findings":[]}') as { findings: { ruleId: string; message: string }[] })
    .findings;
  return {
    code: run.code,
    weakened: findings.filter((f) => f.ruleId === 'KFM-CONFIG-003').map((f) => f.message.split(' weakens')[0]!),
    output: run.stdout + run.stderr,
  };
}

describe('configWeakenings', () => {
  it('finds lowered and disabled rules, new or changed exceptions, new excludes, allowExec', () => {
    const exception = { rule: 'KFM-DP-001', reason: 'vendor image (T-1)', owner: 'team', expires: '2099-01-01' };
    const found = configWeakenings(
      { rules: { 'KFM-ARGO-004': 'error' }, exceptions: [exception] },
      {
        rules: { 'KFM-ARGO-004': 'off', 'KFM-DP-002': 'warning', 'KFM-TM-001': 'error' },
        exceptions: [
          { ...exception, line: 9 },
          { ...exception, rule: 'KFM-TM-001' },
        ],
        discovery: { exclude: ['apps/legacy/**'] },
        kustomize: { allowExec: true },
      },
    );
    expect(found.map((w) => w.mentions[0])).toEqual([
      'KFM-ARGO-004',
      'KFM-DP-002',
      'KFM-TM-001',
      'apps/legacy/**',
      'KFM-RENDER-005',
    ]);
  });

  it('finds nothing for a change that only tightens the gate', () => {
    expect(
      configWeakenings(
        { rules: { 'KFM-ARGO-004': 'warning' } },
        { rules: { 'KFM-ARGO-004': 'error' }, failOn: 'warning' },
      ),
    ).toEqual([]);
  });

  it('accepts an ADR only when it names the rule as a whole word', () => {
    const w = { what: 'x', mentions: ['KFM-ARGO-004'] };
    expect(covers('We switch off KFM-ARGO-004 because …', w)).toBe(true);
    expect(covers('About KFM-ARGO-0041 only', w)).toBe(false);
    expect(covers('Nothing to see', w)).toBe(false);
  });
});

describe('check --changed-since on a two-commit branch', () => {
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  let repo: { dir: string; cleanup: () => void } | undefined;
  afterEach(() => repo?.cleanup());

  function branch(): string {
    repo = tempCopy(join(repoRoot, 'infra', 'gitops'));
    git(repo.dir, 'init', '-q');
    git(repo.dir, 'add', '-A');
    git(repo.dir, 'commit', '-qm', 'base');
    return repo.dir;
  }

  it('reports switching a rule off without an ADR on the config line, and passes with one', async () => {
    const dir = branch();
    writeFileSync(join(dir, 'kfm-gitops.yaml'), 'rules:\n  KFM-ARGO-004: "off"\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'turn a rule off');
    const run = await runCli(['check', '.', '--changed-since', 'HEAD~1', '--format', 'json', '--no-cache'], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(1);
    const findings = (
      JSON.parse(run.stdout) as { findings: { ruleId: string; file: string; line: number; message: string }[] }
    ).findings.filter((f) => f.ruleId === 'KFM-CONFIG-003');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'kfm-gitops.yaml', line: 2 });
    expect(findings[0]!.message).toMatch(/`rules\.KFM-ARGO-004: off` \(was warning\) weakens the gate/);

    mkdirSync(join(dir, 'docs', 'adr'), { recursive: true });
    writeFileSync(join(dir, 'docs', 'adr', '0001-argo-004.md'), '# ADR 0001\n\nKFM-ARGO-004 is off while …\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'ADR');
    const ok = await runCli(['check', '.', '--changed-since', 'HEAD~2', '--no-cache'], { cwd: dir });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  });

  it('reports a new exception, and an ADR that names another rule does not cover it', async () => {
    const dir = branch();
    writeFileSync(
      join(dir, 'kfm-gitops.yaml'),
      'exceptions:\n  - rule: KFM-DP-001\n    reason: vendor image not yet mirrored\n    owner: platform\n    expires: 2099-01-01\n',
    );
    mkdirSync(join(dir, 'docs', 'adr'), { recursive: true });
    writeFileSync(join(dir, 'docs', 'adr', '0002.md'), 'About KFM-ARGO-004.\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'exception');
    const run = await runCli(['check', '.', '--changed-since', 'HEAD~1', '--no-cache'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/KFM-CONFIG-003/);
    expect(run.stdout).toMatch(/a new exception for KFM-DP-001/);
  });
});

describe('the audit cannot be talked out of', () => {
  let repo: { dir: string; cleanup: () => void } | undefined;
  afterEach(() => repo?.cleanup());

  /** A copy of infra/gitops committed as the base (after `base` edited it), then `change` committed on top. */
  function branch(base: (dir: string) => void, change: (dir: string) => void): string {
    repo = tempCopy(join(repoRoot, 'infra', 'gitops'));
    return commitTwice(repo.dir, base, change);
  }

  it('moving audit.adrDir onto the config, whose key names the rule, covers nothing', async () => {
    const dir = branch(
      () => undefined,
      (d) => writeFileSync(join(d, 'kfm-gitops.yaml'), 'audit:\n  adrDir: "."\nrules:\n  KFM-ARGO-004: "off"\n'),
    );
    const run = await runCli(['check', '.', '--changed-since', 'HEAD~1', '--no-cache'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/`rules\.KFM-ARGO-004: off`/);
    expect(run.stdout).toMatch(/a changed audit\.adrDir/);
  });

  it('reports an env override in discovery.overlays (prod checked as dev)', () => {
    const found = configWeakenings(
      {},
      { discovery: { overlays: [{ path: 'apps/kfm-api/overlays/prod', env: 'dev' }] } },
    );
    expect(found.map((w) => w.what)).toEqual(['a changed discovery.overlays']);
  });

  it("reports a changed argo.repoURLs (this repository's Applications taken for another's)", () => {
    const before = { argo: { repoURLs: ['https://git.example.org/kfm/kfm.git'] } };
    const found = configWeakenings(before, { argo: { repoURLs: ['https://git.example.org/kfm/other.git'] } });
    expect(found).toEqual([expect.objectContaining({ what: 'a changed argo.repoURLs', path: ['argo', 'repoURLs'] })]);
    expect(configWeakenings(before, {}).map((w) => w.what)).toEqual(['a changed argo.repoURLs']);
    expect(configWeakenings(before, before)).toEqual([]);
  });

  it('reports unknown fields made warnings, an older Kubernetes release and a moved root', () => {
    const found = configWeakenings(
      { kubernetesVersion: '1.35' },
      { kubernetesVersion: '1.29', schema: { strict: false }, root: 'apps/safe' },
    );
    expect(found.map((w) => [w.what, w.mentions[0], w.path])).toEqual([
      ['`schema.strict: false`', 'KFM-SCHEMA-002', ['schema', 'strict']],
      ['`kubernetesVersion: "1.29"` (was 1.35)', 'KFM-SCHEMA-006', ['kubernetesVersion']],
      ['a changed root', 'root', ['root']],
    ]);
    // Unset means the newest shipped release: pinning any older one is a weakening, a newer one is not.
    expect(configWeakenings({}, { kubernetesVersion: '1.27' }).map((w) => w.mentions[0])).toEqual(['KFM-SCHEMA-006']);
    expect(configWeakenings({ kubernetesVersion: '1.29' }, { kubernetesVersion: '1.30' })).toEqual([]);
    expect(configWeakenings({ schema: { strict: false } }, { schema: { strict: false } })).toEqual([]);
  });

  it('reports unknown fields switched to warnings in a --changed-since run (it passed: exit 0)', async () => {
    const dir = branch(
      () => undefined,
      (d) => {
        writeFileSync(join(d, 'kfm-gitops.yaml'), 'schema:\n  strict: false\n');
        const base = join(d, 'apps', 'kfm-api', 'base');
        writeFileSync(
          join(base, 'typo-configmap.yaml'),
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndata:\n  a: b\nimmutible: true\n',
        );
        const kustomization = join(base, 'kustomization.yaml');
        writeFileSync(
          kustomization,
          readFileSync(kustomization, 'utf8').replace('resources:\n', 'resources:\n  - typo-configmap.yaml\n'),
        );
      },
    );
    const run = await runCli(['check', '.', '--changed-since', 'HEAD~1', '--format', 'json', '--no-cache'], {
      cwd: dir,
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const findings = (JSON.parse(run.stdout) as { findings: { ruleId: string; file: string; line: number }[] })
      .findings;
    expect(findings.map((f) => [f.ruleId, f.file, f.line])).toContainEqual(['KFM-CONFIG-003', 'kfm-gitops.yaml', 2]);
  });

  it('reports a new schema file in a schema.extraDirs folder the base lists (it replaced a shipped schema)', async () => {
    const file = 'schemas-local/argoproj.io/application_v1alpha1.json';
    const dir = branch(
      (d) => {
        mkdirSync(join(d, 'schemas-local', 'example.com'), { recursive: true });
        writeFileSync(join(d, 'schemas-local', 'example.com', 'widget_v1.json'), '{"type": "object"}\n');
        writeFileSync(join(d, 'kfm-gitops.yaml'), 'schema:\n  extraDirs: [schemas-local]\n');
      },
      (d) => {
        mkdirSync(join(d, 'schemas-local', 'argoproj.io'));
        writeFileSync(join(d, file), '{"type": "object", "x-kubernetes-preserve-unknown-fields": true}\n');
      },
    );
    const run = await runCli(['check', '.', '--changed-since', 'HEAD~1', '--format', 'json', '--no-cache'], {
      cwd: dir,
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const findings = (JSON.parse(run.stdout) as { findings: { ruleId: string; file: string }[] }).findings;
    expect(findings.map((f) => [f.ruleId, f.file])).toEqual([['KFM-CONFIG-003', file]]);
  });
});

describe('a config swapped for a link to another file of the repository', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // The linked file was at the base already, unchanged: only the link is new. The run took it for an unchanged
  // config — no audit, no global selection — and passed (exit 0) an unpinned image with its rules switched off.
  it('is a changed config: audited against the config the base had at that place', async () => {
    const deploy = 'infra/gitops/apps/web/overlays/prod/deploy.yaml';
    const files: Record<string, string> = {
      'kfm-gitops.yaml': 'root: infra/gitops\n',
      'ci/lenient.yaml': 'root: infra/gitops\nrules:\n  KFM-DP-001: "off"\n  KFM-DP-002: "off"\n',
      'infra/gitops/apps/web/overlays/prod/kustomization.yaml': 'namespace: kfm-prod\nresources:\n  - deploy.yaml\n',
      [deploy]: [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  selector:',
        '    matchLabels: {app: web}',
        '  template:',
        '    metadata:',
        '      labels: {app: web}',
        '    spec:',
        '      containers:',
        '        - name: web',
        `          image: nginx@sha256:${'0'.repeat(64)}`,
        '',
      ].join('\n'),
    };
    dir = committedTwice('kfm-cfgswap-', files, (d) => {
      rmSync(join(d, 'kfm-gitops.yaml'));
      symlinkSync(join('ci', 'lenient.yaml'), join(d, 'kfm-gitops.yaml'));
      writeFileSync(join(d, deploy), files[deploy]!.replace(/nginx@sha256:0+/, 'nginx:latest'));
    });
    const run = await audited(dir);
    expect(run.code, run.output).toBe(1);
    expect(run.weakened).toEqual(['`rules.KFM-DP-001: off` (was error)', '`rules.KFM-DP-002: off` (was error)']);
  });
});

describe('settings taken out of the config', () => {
  it('compares what the run applies: a raised rule, failOn: warning or a narrow allowRules taken out', () => {
    const found = configWeakenings(
      {
        rules: { 'KFM-RBAC-003': 'error', 'KFM-ARGO-004': 'error' },
        failOn: 'warning',
        secrets: { allowRules: ['KFM-SEC-070'], maxFileBytes: 1024 },
      },
      { rules: { 'KFM-ARGO-004': 'error' } },
    );
    expect(found.map((w) => w.what)).toEqual([
      '`rules.KFM-RBAC-003` taken out (warning) (was error)',
      '`failOn` taken out (error) (was warning)',
      ...found.filter((w) => w.what.startsWith('secrets.allowRules')).map((w) => w.what),
      'a changed secrets.maxFileBytes',
    ]);
    expect(found.filter((w) => w.what.startsWith('secrets.allowRules')).length).toBeGreaterThan(0);
    expect(configWeakenings({ rules: { 'KFM-RBAC-003': 'warning' } }, {})).toEqual([]);
  });

  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // The base raised KFM-RBAC-003 (wildcards in ClusterRoles) to an error. The change adds a wildcard and deletes the
  // config (or the kfm-gitops.yaml read before a lenient kfm-gitops.yml beside it): the run saw no changed config,
  // audited nothing and passed with a warning (exit 0).
  it.each([
    ['deleted', 'kfm-gitops.yaml', {}],
    ['deleted so that an unchanged kfm-gitops.yml beside it is read', 'kfm-gitops.yaml', { 'kfm-gitops.yml': '{}\n' }],
    ['renamed from kfm-gitops.yml', 'kfm-gitops.yml', {}, 'failOn: error\n'],
  ])('a config %s is audited against the base one', async (_what, name, more: Record<string, string>, renamed?) => {
    const role = 'infra/gitops/core/rbac/role.yaml';
    const files: Record<string, string> = {
      [name]: 'rules:\n  KFM-RBAC-003: error\n',
      'infra/gitops/core/rbac/kustomization.yaml': 'resources:\n  - role.yaml\n',
      [role]:
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ops\nrules:\n  - apiGroups: [apps]\n    resources: [deployments]\n    verbs: [get]\n',
      ...more,
    };
    dir = committedTwice('kfm-cfgdel-', files, (d) => {
      writeFileSync(join(d, role), files[role]!.replace('verbs: [get]', 'verbs: ["*"]'));
      rmSync(join(d, name));
      if (renamed !== undefined) writeFileSync(join(d, 'kfm-gitops.yaml'), renamed);
    });
    const run = await audited(dir);
    expect(run.code, run.output).toBe(1);
    expect(run.weakened).toEqual(['`rules.KFM-RBAC-003` taken out (warning) (was error)']);
  });
});
