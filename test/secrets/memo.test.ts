/**
 * Issue 20: the secret scan's shortcuts change no finding.
 *
 * - The value-verdict memo: a rendered value that a repository file's walk (or an earlier resource) already judged
 *   under the same key and reference flag is not scanned again. Memo on and memo off must report the same findings —
 *   on repositories where the rendered context changes a verdict: a value harmless in a ConfigMap file that a
 *   `replacements` entry makes Secret data, a generator that moves a value under a credential-named key.
 * - The kustomization pre-pass: a kustomization is parsed only when something in it could hide from the line checks.
 *   Parsing every kustomization must report the same findings; hostile spellings kustomize accepts are read.
 *
 * Each repository is rendered once through the real pipeline (real kustomize); the variants scan the same rendered
 * overlays with the same fingerprint key, and their findings are compared whole (rule, file, line, overlay, resource,
 * path, message, fingerprint).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRepo } from '../../bench/generate.mjs';
import { secretsSettings } from '../../src/checks/secrets/config.js';
import { scanForSecrets, type SecretsScanOptions, type SecretsScanResult } from '../../src/checks/secrets/scan.js';
import { runCheck } from '../../src/pipeline.js';
import { createRenderer } from '../../src/render/create.js';
import { RULE_SCAN_FAILED } from '../../src/rules/secrets.js';
import type { Check, RenderedOverlay } from '../../src/types.js';
import { repoRoot, tempCopy } from '../helpers.js';
import { findKustomize, makeRepo, plantRepo, removeDir, tempDir } from './helpers.js';
import { Gen } from './vectors.js';

const kustomize = await findKustomize();
const env = { KFM_SECRETS_FINGERPRINT_KEY: 'memo-differential-key-0123456789abcdef' };
const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await removeDir(r);
});

/** The rendered overlays of a repository, from one run of the real pipeline. */
async function render(root: string): Promise<RenderedOverlay[]> {
  let overlays: RenderedOverlay[] = [];
  const capture: Check = {
    meta: {
      id: 'capture',
      description: 'keeps the rendered overlays',
      docsUrl: '',
      defaultSeverity: 'error',
      errorRuleId: RULE_SCAN_FAILED,
    },
    rules: () => [],
    run: async (ctx) => {
      overlays = ctx.overlays;
    },
  };
  const renderer = createRenderer(kustomize!, 2);
  try {
    await runCheck({
      root,
      config: {},
      checks: [capture],
      kubernetesVersion: '1.33',
      toolVersion: 'test',
      renderer,
      concurrency: 2,
      timeoutMs: 120_000,
      origin: true,
    });
  } finally {
    await renderer.dispose();
  }
  return overlays;
}

type Variant = Pick<SecretsScanOptions, 'memo' | 'walkEveryKustomization'>;

async function scan(root: string, overlays: readonly RenderedOverlay[], variant: Variant): Promise<SecretsScanResult> {
  return scanForSecrets({ root, settings: secretsSettings({}), mode: 'check', overlays, env, ...variant });
}

/** Findings as comparable lines (the resource by its id: the object itself is the same either way). */
const lines = (r: SecretsScanResult): string[] =>
  r.findings.map((f) => JSON.stringify({ ...f, resource: f.resource?.id }));

/** Scans with every shortcut, with the memo off, and with every kustomization parsed; returns the first. */
async function expectSameFindings(root: string, overlays: readonly RenderedOverlay[]): Promise<SecretsScanResult> {
  const fast = await scan(root, overlays, {});
  const noMemo = await scan(root, overlays, { memo: false });
  const everyKustomization = await scan(root, overlays, { memo: false, walkEveryKustomization: true });
  expect(lines(noMemo)).toEqual(lines(fast));
  expect(lines(everyKustomization)).toEqual(lines(fast));
  return fast;
}

/** The comparison is not vacuous: the memo kept the detector from most of the rendered values it would have read. */
async function expectMemoUsed(root: string, overlays: readonly RenderedOverlay[]): Promise<void> {
  const on = (await scan(root, overlays, {})).stats.detector.keywordChars;
  const off = (await scan(root, overlays, { memo: false })).stats.detector.keywordChars;
  expect(on).toBeLessThan(off * 0.75);
}

const copy = (path: string): string => {
  const { dir } = tempCopy(path);
  roots.push(dir);
  return dir;
};

describe.skipIf(!kustomize)('the value memo and the kustomization pre-pass change no finding (needs kustomize)', () => {
  it('where the rendered context changes a verdict: replacements into Secret data, a generator renaming a key', async () => {
    const g = new Gen(20);
    const moved = g.password(18);
    const patched = g.password(18);
    const root = await makeRepo({
      // The comment makes the pre-pass parse the file, so its walk judges (and memoises) `motd: <value>` first.
      'apps/api/base/configmap.yaml': `# Read by the api; no Secret here.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  motd: "${moved}"\n`,
      'apps/api/base/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\n',
      'apps/api/base/notes.txt': moved,
      'apps/api/base/kustomization.yaml': [
        'resources:',
        '  - configmap.yaml',
        '  - secret.yaml',
        'configMapGenerator:',
        '  - name: moved',
        '    files:',
        '      - API_TOKEN=notes.txt',
        'replacements:',
        '  - source: {kind: ConfigMap, name: settings, fieldPath: data.motd}',
        '    targets:',
        '      - select: {kind: Secret, name: creds}',
        '        fieldPaths: [stringData.motd]',
        '        options: {create: true}',
        '',
      ].join('\n'),
      'apps/api/overlays/dev/kustomization.yaml': [
        'resources: [../../base]',
        'namespace: api-dev',
        // A patch in a double-quoted string (escaped line breaks) whose target matches nothing: never rendered,
        // only the kustomization's own parse sees the credential.
        'patches:',
        '  - target: {kind: Job}',
        `    patch: "- op: add\\n  path: /spec/template/spec/containers/0/env/-\\n  value: {name: DB_PASSWORD, value: '${patched}'}"`,
        '',
      ].join('\n'),
    });
    roots.push(root);
    const overlays = await render(root);
    expect(overlays.map((o) => [o.overlay.path, o.status])).toEqual([['apps/api/overlays/dev', 'ok']]);
    const found = await expectSameFindings(root, overlays);
    const where = found.findings.map((f) => `${f.ruleId} ${f.file ?? f.overlay} ${f.resource?.id.kind ?? ''}`);
    // The ConfigMap value under `motd` is no finding; as Secret data and under API_TOKEN it is, only rendered.
    expect(where).toContain('KFM-SEC-001 apps/api/overlays/dev Secret');
    expect(
      found.findings.some((f) => f.resource?.id.kind === 'ConfigMap' && f.path?.join('.') === 'data.API_TOKEN'),
    ).toBe(true);
    expect(found.findings.filter((f) => f.file === 'apps/api/base/configmap.yaml')).toEqual([]);
    // The escaped patch's credential, on its kustomization line.
    expect(
      found.findings.filter((f) => f.file === 'apps/api/overlays/dev/kustomization.yaml').map((f) => f.line),
    ).toEqual([5]);
  }, 120_000);

  it('the planted fixture (every Kubernetes shape, every rule, a render-only secret)', async () => {
    const planted = await plantRepo();
    roots.push(planted.root);
    const found = await expectSameFindings(planted.root, await render(planted.root));
    expect(found.findings.some((f) => f.message.endsWith('(only in the rendered output)'))).toBe(true);
  }, 120_000);

  it.each([['fixtures/secrets/decoys'], ['infra/gitops'], ['fixtures/render/mixed'], ['fixtures/policy']])(
    '%s',
    async (path) => {
      const root = copy(join(repoRoot, path));
      await expectSameFindings(root, await render(root));
    },
    120_000,
  );

  it.each([['small' as const], ['medium' as const]])(
    'the %s bench repo, with a plaintext Secret and a generator moving a ConfigMap value under API_TOKEN',
    async (size) => {
      const root = await tempDir('kfm-memo-bench-');
      roots.push(root);
      generateRepo({ out: root, size, git: false, force: true });
      const app = `apps/${readdirSync(join(root, 'apps')).sort()[0]}/base`;
      const value = new Gen(7).password(20);
      const k = join(root, app, 'kustomization.yaml');
      const text = readFileSync(k, 'utf8');
      if (text.includes('Generator:')) throw new Error('the generated base has a generator already: planting moved');
      writeFileSync(
        k,
        text.replace('resources:\n', 'resources:\n  - planted-secret.yaml\n  - planted-configmap.yaml\n') +
          'configMapGenerator:\n  - name: planted-moved\n    files:\n      - API_TOKEN=planted-notes.txt\n',
      );
      await write(join(root, app, 'planted-notes.txt'), value);
      await write(
        join(root, app, 'planted-configmap.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\ndata:\n  motd: "${value}"\n`,
      );
      await write(
        join(root, app, 'planted-secret.yaml'),
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: planted\nstringData:\n  seed: "${new Gen(8).password(24)}"\n`,
      );
      const overlays = await render(root);
      expect(overlays.filter((o) => o.status !== 'ok').map((o) => o.overlay.path)).toEqual([]);
      const found = await expectSameFindings(root, overlays);
      await expectMemoUsed(root, overlays);
      // The Secret file is reported there once; the moved value once per overlay of the app.
      expect(found.findings.filter((f) => f.file === `${app}/planted-secret.yaml`).map((f) => f.ruleId)).toEqual([
        'KFM-SEC-001',
      ]);
      const rendered = found.findings.filter((f) => f.path?.join('.') === 'data.API_TOKEN');
      expect(rendered.length).toBeGreaterThanOrEqual(1);
      expect(rendered.every((f) => f.message.endsWith('(only in the rendered output)'))).toBe(true);
    },
    300_000,
  );
});

async function write(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

describe('kustomizations kustomize reads in ways the line checks cannot see', () => {
  const g = new Gen(21);
  const cases: [string, (v: string) => string, number][] = [
    [
      'secretGenerator spelt with a long s',
      (v) => `ſecretGenerator:\n  - name: s\n    literals:\n      - motd=${v}\n`,
      4,
    ],
    ['SecretGenerator with LITERALS', (v) => `SecretGenerator:\n  - name: s\n    LITERALS:\n      - motd=${v}\n`, 4],
    [
      // Folded: the parsed patch is `name: DB_PASSWORD\nvalue: …`, an env entry no line of the file shows.
      'a patch in a single-quoted scalar over several lines',
      (v) => `patches:\n  - target: {kind: Job}\n    patch: 'name: DB_PASSWORD\n\n      value: ${v}'\n`,
      3,
    ],
    [
      'a patch with escaped line breaks',
      (v) =>
        `patches:\n  - patch: "apiVersion: batch/v1\\nkind: Job\\nmetadata:\\n  name: j\\nspec:\\n  template:\\n    spec:\\n      containers:\\n        - name: a\\n          env:\\n            - value: '${v}'\\n              name: DB_PASSWORD"\n`,
      2,
    ],
  ];
  it.each(cases)('%s', async (_name, make, line) => {
    const root = await makeRepo({ 'kustomization.yaml': make(g.password(20)) });
    roots.push(root);
    const found = await expectSameFindings(root, []);
    expect(found.findings.map((f) => [f.file, f.line])).toContainEqual(['kustomization.yaml', line]);
  });
});
