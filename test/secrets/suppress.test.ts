import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  scanForSecrets,
  secretsSettings,
  writeSecretsBaseline,
  type SecretFinding,
} from '../../src/checks/secrets/index.js';
import { findKustomize, runSecretsCheck, runSecretsCli, useTempRepos } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(41);
const repo = useTempRepos();
const kustomize = await findKustomize();
async function scan(
  root: string,
  config: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<SecretFinding[]> {
  return (await scanForSecrets({ root, settings: secretsSettings(config), mode: 'check', overlays: [], env })).findings;
}
const view = (fs: SecretFinding[]): unknown[] => fs.map((f) => [f.ruleId, f.file, f.line, f.suppressed ?? null]);

describe('inline allows', () => {
  const gh = (): string => `ghp_${g.alnum(36)}`;

  it('on the same line or alone on the line above, with a reason: listed as suppressed', async () => {
    const root = await repo({
      'a.yaml': `token: ${gh()} # kfm-gitops:allow KFM-SEC-030 docs example token\n# kfm-gitops:allow KFM-SEC-030,KFM-SEC-050 test fixtures of the client\nother: ${gh()}\nthird: ${gh()}\n`,
    });
    expect(view(await scan(root))).toEqual([
      ['KFM-SEC-030', 'a.yaml', 1, { by: 'inline', reason: 'docs example token' }],
      ['KFM-SEC-030', 'a.yaml', 3, { by: 'inline', reason: 'test fixtures of the client' }],
      ['KFM-SEC-030', 'a.yaml', 4, null],
    ]);
  });

  it('without a reason: nothing is suppressed and the allow itself is a finding', async () => {
    const root = await repo({ 'b.env': `GH=${gh()} # kfm-gitops:allow KFM-SEC-030\n# kfm-gitops:allow\nX=${gh()}\n` });
    expect(view(await scan(root))).toEqual(
      [
        ['KFM-SEC-030', 'b.env', 1, null],
        ['KFM-SEC-901', 'b.env', 1, null],
        ['KFM-SEC-030', 'b.env', 3, null],
        ['KFM-SEC-901', 'b.env', 2, null],
      ].sort((x, y) => (x[2] as number) - (y[2] as number) || String(x[0]).localeCompare(String(y[0]))),
    );
  });

  it('for the wrong rule: nothing is suppressed', async () => {
    const root = await repo({ 'c.env': `GH=${gh()} # kfm-gitops:allow KFM-SEC-036 wrong rule named\n` });
    expect(view(await scan(root))).toEqual([['KFM-SEC-030', 'c.env', 1, null]]);
  });

  it('for a rule outside secrets.allowRules: refused, and reported', async () => {
    const root = await repo({ 'd.env': `GH=${gh()} # kfm-gitops:allow KFM-SEC-030 reviewed\n` });
    expect(view(await scan(root, { allowRules: ['KFM-SEC-07?'] }))).toEqual([
      ['KFM-SEC-030', 'd.env', 1, null],
      ['KFM-SEC-903', 'd.env', 1, null],
    ]);
  });

  it('documentation of the syntax is not an allow', async () => {
    const root = await repo({
      'README.md': 'Mark a test value with `kfm-gitops:allow <ruleId> <reason>` on its line.\n',
    });
    expect(await scan(root)).toEqual([]);
  });
});

describe('baseline', () => {
  it('`secrets baseline` writes fingerprints and a per-repo key, never values; entries need a reason', async () => {
    const pw = g.password(20);
    const root = await repo({
      'app.env': `DB_PASSWORD=${pw}\n`,
      'k.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  seed: ${g.alnum(30)}\n`,
    });
    const written = await writeSecretsBaseline({ root, env: {} });
    expect(written).toMatchObject({ entries: 2, added: 2, kept: 0, withoutReason: 2 });
    expect(written.path).toBe(join(root, '.kfm-gitops/secrets-baseline.json'));
    const text = await readFile(written.path, 'utf8');
    expect(text).not.toContain(pw.slice(0, 8));
    const file = JSON.parse(text) as {
      version: number;
      key: string;
      entries: { fingerprint: string; ruleId: string; file: string; line: number; reason: string }[];
    };
    expect(file.version).toBe(1);
    expect(file.key).toMatch(/^[0-9a-f]{64}$/);
    expect(file.entries.map((e) => [e.ruleId, e.file, e.line, e.reason])).toEqual([
      ['KFM-SEC-070', 'app.env', 1, ''],
      ['KFM-SEC-001', 'k.yaml', 5, ''],
    ]);
    // No reason yet: the findings still fail, and each entry is a finding of its own.
    const before = await scan(root);
    expect(view(before)).toEqual([
      ['KFM-SEC-902', '.kfm-gitops/secrets-baseline.json', 5, null],
      ['KFM-SEC-902', '.kfm-gitops/secrets-baseline.json', 12, null],
      ['KFM-SEC-070', 'app.env', 1, null],
      ['KFM-SEC-001', 'k.yaml', 5, null],
    ]);
    // The fingerprints are keyed with the baseline's key: the same value under another key hashes differently.
    expect(before.find((f) => f.ruleId === 'KFM-SEC-070')!.secretHash).toBe(file.entries[0].fingerprint);
    const otherKey = await scanForSecrets({
      root: await repo({ 'app.env': `DB_PASSWORD=${pw}\n` }),
      settings: secretsSettings({}),
      mode: 'check',
      overlays: [],
      env: {},
    });
    expect(otherKey.findings[0].secretHash).not.toBe(file.entries[0].fingerprint);

    file.entries[0].reason = 'rotated on 2025-01-02, value is dead';
    file.entries[1].reason = 'seed of the local demo only';
    await writeFile(written.path, JSON.stringify(file, null, 2));
    expect(view(await scan(root))).toEqual([
      ['KFM-SEC-070', 'app.env', 1, { by: 'baseline', reason: 'rotated on 2025-01-02, value is dead' }],
      ['KFM-SEC-001', 'k.yaml', 5, { by: 'baseline', reason: 'seed of the local demo only' }],
    ]);

    // Rewriting keeps the key and the reasons, drops stale entries, adds new ones without a reason.
    await writeFile(join(root, 'app.env'), `DB_PASSWORD=${g.password(20)}\n`);
    const again = await writeSecretsBaseline({ root, env: {} });
    expect(again).toMatchObject({ entries: 2, added: 1, kept: 1, withoutReason: 1 });
    const file2 = JSON.parse(await readFile(written.path, 'utf8')) as typeof file;
    expect(file2.key).toBe(file.key);
    expect(file2.entries.map((e) => e.reason)).toEqual(['', 'seed of the local demo only']);
  });

  it('an entry matches the rule, the fingerprint and the file: the same value elsewhere still fails', async () => {
    const pw = g.password(20);
    const root = await repo({ 'a.env': `DB_PASSWORD=${pw}\n` });
    await writeSecretsBaseline({ root, env: {}, reason: 'accepted for a.env' });
    await writeFile(join(root, 'b.env'), `DB_PASSWORD=${pw}\n`);
    expect(view(await scan(root))).toEqual([
      ['KFM-SEC-070', 'a.env', 1, { by: 'baseline', reason: 'accepted for a.env' }],
      ['KFM-SEC-070', 'b.env', 1, null],
    ]);
  });

  it('an invalid baseline file is a finding and suppresses nothing', async () => {
    const root = await repo({
      'a.env': `DB_PASSWORD=${g.password(20)}\n`,
      'custom/baseline.json': '{"version": 1, "entries": "nope"}',
    });
    expect(view(await scan(root, { baseline: 'custom/baseline.json' }))).toEqual([
      ['KFM-SEC-070', 'a.env', 1, null],
      ['KFM-SEC-904', 'custom/baseline.json', undefined, null],
    ]);
  });

  it('a baseline over the size limit is a finding, refused before its lines are parsed', async () => {
    const entries = Array.from({ length: 30_000 }, (_, i) => ({
      fingerprint: 'f'.repeat(64),
      ruleId: 'KFM-SEC-070',
      file: `apps/x/f${i}.yaml`,
      reason: 'r',
    }));
    const root = await repo({
      'a.env': `DB_PASSWORD=${g.password(20)}\n`,
      'custom/baseline.json': JSON.stringify({ version: 1, entries }),
    });
    const started = Date.now();
    expect(view(await scan(root, { baseline: 'custom/baseline.json' }))).toEqual([
      ['KFM-SEC-070', 'a.env', 1, null],
      ['KFM-SEC-904', 'custom/baseline.json', undefined, null],
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('the CLI command writes it and says what is left to do', async () => {
    const root = await repo({ 'a.env': `DB_PASSWORD=${g.password(20)}\n` });
    const { code, out, err } = await runSecretsCli(root, ['baseline', '.', '--reason', 'initial import']);
    expect(code).toBe(0);
    expect(out).toBe('wrote .kfm-gitops/secrets-baseline.json: 1 entries (1 new, 0 kept); 0 without a reason\n');
    expect(err).toBe('');
    expect(view(await scan(root))).toEqual([['KFM-SEC-070', 'a.env', 1, { by: 'baseline', reason: 'initial import' }]]);
  });

  it('--reason fills the entries a first run wrote without one, and keeps reasons already written', async () => {
    const root = await repo({
      'a.env': `DB_PASSWORD=${g.password(20)}\n`,
      'b.env': `API_SECRET=${g.password(24)}\n`,
    });
    const run = async (...args: string[]): Promise<void> => {
      await runSecretsCli(root, ['baseline', '.', ...args]);
    };
    await run();
    // Written without reasons: each entry fails the run.
    expect((view(await scan(root)) as unknown[][]).filter(([id]) => id === 'KFM-SEC-902')).toHaveLength(2);
    const file = join(root, '.kfm-gitops/secrets-baseline.json');
    const first = JSON.parse(await readFile(file, 'utf8'));
    first.entries[0].reason = 'written by hand';
    await writeFile(file, JSON.stringify(first));
    await run('--reason', 'accepted in review 42');
    const reasons = JSON.parse(await readFile(file, 'utf8')).entries.map((e: { reason: string }) => e.reason);
    expect(reasons).toEqual(['written by hand', 'accepted in review 42']);
    expect((view(await scan(root)) as unknown[][]).filter(([id]) => id === 'KFM-SEC-902')).toEqual([]);
  });
});

describe.skipIf(!kustomize)('an inline allow covers its own line only (needs kustomize)', () => {
  it('an allow in docs/example.env does not silence the same value in a Secret only the render reveals', async () => {
    const value = g.password(22);
    const root = await repo({
      'docs/example.env': `DB_PASSWORD=${value} # kfm-gitops:allow KFM-SEC-070 the documented example value\n`,
      // The overlay's env file is git-ignored: the value reaches Git nowhere else, only the rendered Secret.
      'apps/db/overlays/dev/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n  - name: db\n    envs:\n      - local.env\n',
      'apps/db/overlays/dev/.gitignore': 'local.env\n',
      'apps/db/overlays/dev/local.env': `DB_PASSWORD=${value}\n`,
    });
    const { report } = await runSecretsCheck(root, kustomize!);
    expect(report.overlays.map((o) => [o.path, o.status])).toEqual([['apps/db/overlays/dev', 'ok']]);
    // The allowed line is suppressed where it is…
    expect((report.suppressed ?? []).map((f) => [f.ruleId, f.file, f.line, f.suppressed?.by])).toEqual([
      ['KFM-SEC-070', 'docs/example.env', 1, 'inline'],
    ]);
    // …and the rendered Secret holding the same value still fails the run, hard rule and content rule.
    const rendered = report.findings.filter((f) => f.overlay === 'apps/db/overlays/dev');
    expect(rendered.map((f) => [f.ruleId, f.resource?.kind, f.path])).toEqual([
      ['KFM-SEC-001', 'Secret', 'data.DB_PASSWORD'],
      ['KFM-SEC-070', 'Secret', 'data.DB_PASSWORD'],
    ]);
    expect(rendered.every((f) => f.suppressed === undefined)).toBe(true);
  });
});
