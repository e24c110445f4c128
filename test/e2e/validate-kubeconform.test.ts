/**
 * `validate --checks schema` as a drop-in for `kubeconform -strict`. The cases below are written here in the image
 * of kubeconform's own `fixtures/` (not copied: same situations, our own manifests), each with the verdict
 * kubeconform v0.8.0 `-strict` gives. When kubeconform is built (`npm run bench:tools kubeconform`) the verdicts
 * are re-derived from it on every run, against the same Kubernetes schemas; with KFM_KUBECONFORM_FIXTURES pointing
 * at a checkout's `fixtures/` folder, kubeconform's own files are compared too (nothing of them is stored here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconformSchemas } from '../../bench/glue/kubeconform-schemas.mjs';
import { repoRoot, runCli } from '../helpers.js';

const RELEASE = '1.37';
const kubeconform = join(repoRoot, '.tools', 'bench-bin', 'kubeconform');
const hasKubeconform = existsSync(kubeconform);

const rc = (name: string, replicas: string, extra = '') =>
  `apiVersion: v1
kind: ReplicationController
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          ports:
            - containerPort: 80
${extra}`;
const service = (name: string) =>
  `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  ports:
    - port: 6379
      targetPort: "redis"
  selector:
    app: redis
`;
const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`))
    .join('\n');

/** name → [content, kubeconform -strict verdict]. */
const CASES: Record<string, [string, 'valid' | 'invalid']> = {
  'valid.yaml': [rc('bob', '2'), 'valid'],
  'valid.json': [
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } }, null, 2),
    'valid',
  ],
  'blank.yaml': ['', 'valid'],
  'comment.yaml': ['# nothing but a comment\n', 'valid'],
  'invalid.yaml': [rc('bob', '"two"'), 'invalid'],
  'extra_property.yaml': [rc('bob', '2', '  colour: blue\n'), 'invalid'],
  'duplicate_property.yaml': [
    service('a').replace('  ports:', '  type: ClusterIP\n  type: NodePort\n  ports:'),
    'invalid',
  ],
  'multi_valid.yaml': [[service('redis'), rc('redis', '1')].join('---\n'), 'valid'],
  'multi_invalid.yaml': [[service('redis').replace('6379', '"x"'), rc('redis', '1')].join('---\n'), 'invalid'],
  'list_valid.yaml': [
    `apiVersion: v1\nkind: List\nitems:\n${indent(service('a'))}\n${indent(rc('b', '1'))}\n`,
    'valid',
  ],
  'list_empty_valid.yaml': ['apiVersion: v1\nkind: List\nitems: []\n', 'valid'],
  'list_invalid.yaml': [
    `apiVersion: v1\nkind: List\nitems:\n${indent(service('a'))}\n${indent(rc('b', 'many'))}\n`,
    'invalid',
  ],
  'multi_with_list.yaml': [
    `${service('a')}---\napiVersion: v1\nkind: List\nitems:\n${indent(service('b'))}\n`,
    'valid',
  ],
  'generate_name.yaml': [
    'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: m\n          image: registry.example/m:1\n',
    'valid',
  ],
  'missing_kind.yaml': ['apiVersion: v1\nmetadata:\n  name: x\n', 'invalid'],
  'missing_kind_value.yaml': ['apiVersion: v1\nkind:\nmetadata:\n  name: x\n', 'invalid'],
  'missing_apiversion.yaml': ['kind: ConfigMap\nmetadata:\n  name: x\n', 'invalid'],
  'unknown_crd.yaml': ['apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n', 'invalid'],
  'removed_api.yaml': [
    rc('x', '1').replace(
      'apiVersion: v1\nkind: ReplicationController',
      'apiVersion: extensions/v1beta1\nkind: Deployment',
    ),
    'invalid',
  ],
  'int_or_string.yaml': [service('svc'), 'valid'],
  'quantity.yaml': [
    'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: mem\nspec:\n  limits:\n    - default:\n        memory: 512Mi\n        cpu: 1\n      type: Container\n',
    'valid',
  ],
  'null_string.yaml': [
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nulls\n  namespace: null\n  creationTimestamp: null\ndata: null\n',
    'valid',
  ],
  'same_name_other_namespace.yaml': [
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns-a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns-b}\n',
    'valid',
  ],
};

/**
 * Where kfm-gitops deliberately differs: kubeconform has no duplicate check, and the same object twice in one
 * stream silently overwrites the first on apply, so `validate` reports it (KFM-RENDER-014).
 */
const DEVIATIONS: Record<string, { kubeconform: 'valid'; ours: 'invalid'; rule: string }> = {
  'duplicates.yaml': { kubeconform: 'valid', ours: 'invalid', rule: 'KFM-RENDER-014' },
};
const DUPLICATES =
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';

let dir: string;
let schemaArgs: string[] = [];

function kubeconformVerdict(file: string): 'valid' | 'invalid' {
  try {
    execFileSync(kubeconform, ['-strict', ...schemaArgs, file], { stdio: 'pipe' });
    return 'valid';
  } catch (err) {
    if ((err as { status?: number }).status === 1) return 'invalid';
    throw err;
  }
}

/** Our verdict per input file from one `validate` run: invalid when the file holds an error finding. */
async function ourVerdicts(cwd: string, files: string[]): Promise<Map<string, 'valid' | 'invalid'>> {
  const r = await runCli(
    ['validate', '--checks', 'schema', '--kubernetes-version', RELEASE, '--format', 'json', ...files],
    {
      cwd,
    },
  );
  expect(r.stderr).toBe('');
  const report = JSON.parse(r.stdout) as { findings: { file?: string; severity: string; ruleId: string }[] };
  expect(r.code).toBe(report.findings.some((f) => f.severity === 'error') ? 1 : 0);
  const bad = new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.file));
  return new Map(files.map((f) => [f, bad.has(f) ? 'invalid' : 'valid']));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-kubeconform-'));
  for (const [name, [text]] of Object.entries(CASES)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'duplicates.yaml'), DUPLICATES);
  if (hasKubeconform) {
    const out = writeKubeconformSchemas({ release: RELEASE, outDir: join(dir, '.schemas') });
    schemaArgs = [
      '-kubernetes-version',
      out.kubernetesVersion,
      ...out.schemaLocations.flatMap((l) => ['-schema-location', l]),
    ];
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate --checks schema gives kubeconform -strict verdicts', () => {
  it('on fixtures written in the image of kubeconform’s', async () => {
    const files = Object.keys(CASES);
    const ours = await ourVerdicts(dir, files);
    for (const f of files) expect([f, ours.get(f)]).toEqual([f, CASES[f][1]]);
  });

  it.skipIf(!hasKubeconform)('the expected verdicts are kubeconform’s own (re-derived from the built binary)', () => {
    for (const [f, [, expected]] of Object.entries(CASES))
      expect([f, kubeconformVerdict(join(dir, f))]).toEqual([f, expected]);
    for (const [f, d] of Object.entries(DEVIATIONS)) expect(kubeconformVerdict(join(dir, f))).toBe(d.kubeconform);
  });

  it('the one deliberate difference: a duplicate object is an error', async () => {
    const r = await runCli(['validate', '--checks', 'schema', '--format', 'json', 'duplicates.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toEqual([
      DEVIATIONS['duplicates.yaml'].rule,
    ]);
  });

  const upstream = process.env.KFM_KUBECONFORM_FIXTURES;
  it.skipIf(!hasKubeconform || !upstream || !existsSync(upstream))(
    'on kubeconform’s own fixtures folder (KFM_KUBECONFORM_FIXTURES), duplicates aside',
    async () => {
      const files = readdirSync(upstream!)
        .filter(
          (f) => /\.(ya?ml|json)$/.test(f) && statSync(join(upstream!, f)).isFile() && !f.startsWith('valid_large'),
        )
        .sort();
      // One run per file, as kubeconform's acceptance tests do: in one run, validate would also learn the CRD of
      // crd_schema.yaml and check test_crd.yaml against it, which kubeconform never does.
      const ours = new Map<string, string | undefined>();
      for (const f of files) ours.set(f, (await ourVerdicts(upstream!, [f])).get(f));
      const differ = files.filter((f) => ours.get(f) !== kubeconformVerdict(join(upstream!, f)));
      // kubeval's duplicate fixtures: kubeconform never looks for duplicates, kfm-gitops does.
      expect(differ.filter((f) => !/^duplicates/.test(f))).toEqual([]);
    },
    240_000,
  );
});

describe('validate as a pipeline step', () => {
  it('lists expand with their own lines; text output gives the missing-schema advice once per kind', async () => {
    const crs = ['a', 'b', 'c'].map(
      (n) => `apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: ${n}\n`,
    );
    const r = await runCli(['validate', '--checks', 'schema', '-'], {
      cwd: dir,
      input: `apiVersion: v1\nkind: List\nitems:\n${crs.map(indent).join('\n')}\n`,
    });
    expect(r.code).toBe(1);
    // One line per object, then the summary row; the rule's advice once, under "How to fix".
    expect(r.stdout.match(/^error +KFM-SCHEMA-005 +<stdin>:\d+/gm)).toHaveLength(3);
    expect(r.stdout.match(/schema\.allowUnknownKinds/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/<stdin>:4:\d+ .*\(Widget a at apiVersion\)/);
    expect(r.stdout).toMatch(/<stdin>:8:\d+ .*\(Widget b at apiVersion\)/);
  });

  it('--checks limits the checks; an unknown check or kind pattern is a usage error (exit 2)', async () => {
    // A mutable tag is a policy finding (KFM-DP-002), not a schema one.
    writeFileSync(join(dir, 'untagged.yaml'), rc('bob', '2').replace('registry.example/web:1.0', 'nginx'));
    const all = await runCli(['validate', '--format', 'json', 'untagged.yaml'], { cwd: dir });
    expect(all.code).toBe(1);
    expect(JSON.parse(all.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('KFM-DP-002');
    const schemaOnly = await runCli(['validate', '--checks', 'schema', 'untagged.yaml'], { cwd: dir });
    expect(schemaOnly.code).toBe(0);
    const bad = await runCli(['validate', '--checks', 'schema,lint', 'valid.yaml'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--checks');
    const empty = await runCli(['validate', '--checks', '', 'valid.yaml'], { cwd: dir });
    expect(empty.code).toBe(2);
    const badKind = await runCli(['validate', '--skip-kinds', 'a/b/c/d', 'valid.yaml'], { cwd: dir });
    expect(badKind.code).toBe(2);
  });

  it('--skip-kinds leaves matching objects unchecked (kubeconform -skip), by kind or apiVersion/kind', async () => {
    expect(
      (await runCli(['validate', '--checks', 'schema', '--skip-kinds', 'Widget', 'unknown_crd.yaml'], { cwd: dir }))
        .code,
    ).toBe(0);
    expect(
      (
        await runCli(
          ['validate', '--checks', 'schema', '--skip-kinds', 'widgets.example.com/v1/Widget', 'unknown_crd.yaml'],
          { cwd: dir },
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await runCli(
          ['validate', '--checks', 'schema', '--skip-kinds', 'widgets.example.com/v2/Widget', 'unknown_crd.yaml'],
          { cwd: dir },
        )
      ).code,
    ).toBe(1);
  });

  it('TAP output, and an empty stdin is a failure, not a clean run', async () => {
    const tap = await runCli(['validate', '--checks', 'schema', '-f', 'tap', 'valid.yaml', 'list_invalid.yaml'], {
      cwd: dir,
    });
    expect(tap.code).toBe(1);
    expect(tap.stdout).toMatch(/^TAP version 13\n1\.\.3\nok 1 - valid\.yaml\nnot ok 2 - list_invalid\.yaml/);
    expect(tap.stdout).toMatch(/line: 19\n/);
    const empty = await runCli(['validate', '-'], { cwd: dir, input: '' });
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('nothing on standard input');
  });

  it('a subfolder of inputs is walked, and JSON/JUnit/SARIF outputs are written beside the console one', async () => {
    mkdirSync(join(dir, 'folder'), { recursive: true });
    writeFileSync(join(dir, 'folder', 'a.yaml'), CASES['list_valid.yaml'][0]);
    const r = await runCli(
      [
        'validate',
        '--checks',
        'schema',
        '-o',
        'junit=out/j.xml',
        '-o',
        'sarif=out/s.sarif',
        '-o',
        'tap=out/t.tap',
        '-f',
        'json',
        'folder',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.resources).toBe(2);
    for (const f of ['j.xml', 's.sarif', 't.tap']) expect(existsSync(join(dir, 'out', f))).toBe(true);
  });
});
