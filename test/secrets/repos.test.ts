import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_RULES } from '../../src/rules/secret-patterns.js';
import type { Finding, Report } from '../../src/types.js';
import {
  copyTemplate,
  findKustomize,
  lineOf,
  plantRepo,
  projectRoot,
  removeDir,
  runSecretsCheck,
  type PlantedRepo,
} from './helpers.js';
import { Gen } from './vectors.js';

const kustomize = await findKustomize();
const secretFindings = (r: Report): Finding[] => r.findings.filter((f) => f.ruleId.startsWith('KFM-SEC-'));

describe.skipIf(!kustomize)(
  'planted repo: every Kubernetes shape and every credential rule is detected (needs kustomize)',
  () => {
    let planted: PlantedRepo;
    let report: Report;
    beforeAll(async () => {
      planted = await plantRepo();
      ({ report } = await runSecretsCheck(planted.root, kustomize!));
    });
    afterAll(async () => removeDir(planted.root));

    it('renders the overlay', () => {
      // The repo has no Argo CD Application, so its plain folders are validated as directory sources: the chart
      // values file (no Chart.yaml beside it) is scanned for secrets and named as no Kubernetes object.
      expect(report.overlays.map((o) => [o.path, o.status])).toEqual([
        ['apps/api/overlays/dev', 'ok'],
        ['charts/api', 'parse-error'],
      ]);
      expect([
        ...new Set(report.findings.filter((f) => !f.ruleId.startsWith('KFM-SEC-')).map((f) => `${f.ruleId} ${f.file}`)),
      ]).toEqual(['KFM-RENDER-013 charts/api/values.yaml']);
    });

    it('reports every credential rule', () => {
      const seen = new Set(secretFindings(report).map((f) => f.ruleId));
      expect(CONTENT_RULES.map((r) => r.id).filter((id) => !seen.has(id))).toEqual([]);
      for (const r of CONTENT_RULES) {
        const f = secretFindings(report).find((x) => x.file === `creds/${r.id}.txt`);
        expect(f?.ruleId, r.id).toBe(r.id);
      }
    });

    const at = (file: string, line: number): Finding[] =>
      secretFindings(report).filter((f) => f.file === file && f.line === line);
    /** The one content finding at the line (a Secret's line also carries the hard rule, KFM-SEC-001). */
    const expectAt = async (file: string, needle: string, ruleId: string): Promise<Finding> => {
      const line = await lineOf(planted.root, file, needle);
      const all = at(file, line);
      const found = ruleId === 'KFM-SEC-001' ? all : all.filter((f) => f.ruleId !== 'KFM-SEC-001');
      expect(
        found.map((f) => f.ruleId),
        `${file}:${line} (${needle})`,
      ).toEqual([ruleId]);
      return found[0];
    };

    it('kustomize secretGenerator: literals, envs and files, each reported once at the right place', async () => {
      const k = 'apps/api/base/kustomization.yaml';
      const literal = await expectAt(k, 'DB_PASSWORD=', 'KFM-SEC-002');
      expect(literal.message).toMatch(
        /^kustomize secretGenerator with plaintext values in Git: `api-literals` literal `DB_PASSWORD` … \(20 chars\)$/,
      );
      expect((await expectAt(k, 'GITHUB_TOKEN=', 'KFM-SEC-030')).message).toBe(
        'GitHub personal access token (classic): ghp_… (40 chars) in secretGenerator `api-literals` literal `GITHUB_TOKEN`',
      );
      // envs: SMTP_PASSWORD is reported in app.env itself; FEATURE_SEED only the generator makes a secret.
      const env = await expectAt(k, '- app.env', 'KFM-SEC-002');
      expect(env.message).toContain('env file `apps/api/base/app.env` key `FEATURE_SEED`');
      await expectAt('apps/api/base/app.env', 'SMTP_PASSWORD=', 'KFM-SEC-070');
      // files: server.key reports its private key; the generator entry does not repeat it.
      expect(at(k, await lineOf(planted.root, k, 'tls.key=server.key'))).toEqual([]);
      await expectAt('apps/api/base/server.key', '-----BEGIN RSA PRIVATE KEY-----', 'KFM-SEC-010');
    });

    it('Secret data before kind, base64 decoded; stringData', async () => {
      const f = 'apps/api/base/secret-data-first.yaml';
      const payload = await expectAt(f, 'payload:', 'KFM-SEC-001');
      expect(payload.message).toBe('Kubernetes Secret with plaintext data: data.payload … (40 bytes)');
      expect(payload.path).toBe('data.payload');
      const aws = await expectAt(f, 'aws-key-id:', 'KFM-SEC-020');
      expect(aws.message).toBe('AWS access key ID: AKIA… (20 chars) in Secret data `aws-key-id` (base64-decoded)');
      await expectAt('apps/api/base/secret-stringdata.yaml', 'session-seed:', 'KFM-SEC-001');
    });

    it('credentials in container env values, annotations, ConfigMaps, Helm values and .env files', async () => {
      const d = 'apps/api/base/deployment.yaml';
      await expectAt(d, 'kfm.io/notify:', 'KFM-SEC-043');
      const stripe = await expectAt(d, 'value: sk_live_', 'KFM-SEC-050');
      expect(stripe.path).toBe('spec.template.spec.containers[0].env[0].value');
      // `- name: API_TOKEN` and its value sit on two lines: only the parsed env entry pairs them.
      await expectAt(d, `value: "${planted.values.ENV_TOKEN}"`, 'KFM-SEC-072');
      await expectAt('apps/api/base/configmap.yaml', 'DATABASE_URL:', 'KFM-SEC-061');
      await expectAt('apps/api/base/configmap.yaml', 'application.properties:', 'KFM-SEC-070');
      await expectAt('charts/api/values.yaml', 'password:', 'KFM-SEC-070');
      await expectAt('charts/api/values.yaml', 'url: redis://', 'KFM-SEC-064');
      await expectAt('.env', 'MONGO_URL=', 'KFM-SEC-063');
    });

    it('reports a secret only a render reveals, once, at the overlay; everything else only at its repository file', () => {
      const rendered = secretFindings(report).filter((f) => f.overlay !== undefined);
      // The hard rule (any plaintext Secret) stands beside the content rule.
      expect(rendered.map((f) => [f.overlay, f.ruleId, f.resource?.kind, f.path])).toEqual([
        ['apps/api/overlays/dev', 'KFM-SEC-001', 'Secret', 'data.RENDER_ONLY_TOKEN'],
        ['apps/api/overlays/dev', 'KFM-SEC-072', 'Secret', 'data.RENDER_ONLY_TOKEN'],
      ]);
      expect(rendered[1].message).toBe(
        'Token assigned in plain text: … (24 chars) in Secret data `RENDER_ONLY_TOKEN` (base64-decoded) (only in the rendered output)',
      );
    });

    it('never fingerprints a secret with a plain hash, and keeps fingerprints stable across runs', async () => {
      const again = await runSecretsCheck(planted.root, kustomize!);
      expect(secretFindings(again.report).map((f) => f.fingerprint)).toEqual(
        secretFindings(report).map((f) => f.fingerprint),
      );
      const other = await runSecretsCheck(planted.root, kustomize!, {
        env: { KFM_SECRETS_FINGERPRINT_KEY: 'another-repository-key' },
      });
      const before = new Set(secretFindings(report).map((f) => f.fingerprint));
      const contentFindings = secretFindings(other.report).filter((f) => f.ruleId !== 'KFM-SEC-005');
      expect(contentFindings.filter((f) => before.has(f.fingerprint))).toEqual([]);
    });
  },
);

describe.skipIf(!kustomize)('decoy repo: look-alikes produce zero findings (needs kustomize)', () => {
  let root: string;
  let report: Report;
  beforeAll(async () => {
    const g = new Gen(5);
    root = await copyTemplate('decoys', {
      TEST_GITHUB_TOKEN: `ghp_${g.alnum(36)}`,
      TEST_STRIPE_KEY: `sk_live_${g.alnum(32)}`,
    });
    ({ report } = await runSecretsCheck(root, kustomize!));
  });
  afterAll(async () => removeDir(root));

  it('renders and reports nothing', () => {
    expect(report.overlays.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    // No finding at all: no secret, and the plain folders nothing renders (a chart's values, test keys) are validated
    // as directory sources (the repo has no Argo CD Application), whose YAML files without an object Argo CD skips.
    expect([...new Set(report.findings.map((f) => `${f.ruleId} ${f.file}`))]).toEqual([]);
  });

  it('lists the allowed test keys as suppressed, with their reasons', () => {
    expect((report.suppressed ?? []).map((f) => [f.ruleId, f.file, f.line, f.suppressed])).toEqual([
      [
        'KFM-SEC-030',
        'test-keys/allowed.yaml',
        3,
        { by: 'inline', reason: "generated test token for the client library's unit tests" },
      ],
      [
        'KFM-SEC-050',
        'test-keys/allowed.yaml',
        4,
        { by: 'inline', reason: 'generated test key, never issued by Stripe' },
      ],
    ]);
  });
});

const infra = join(projectRoot, 'infra', 'gitops');
describe.skipIf(!kustomize || !existsSync(infra))('infra/gitops (needs kustomize)', () => {
  it('has no secret findings', async () => {
    const { report, check } = await runSecretsCheck(infra, kustomize!);
    expect(secretFindings(report)).toEqual([]);
    expect(check.lastStats()!.filesScanned).toBeGreaterThan(10);
    expect(check.lastStats()!.via).toBe('git');
  });
});

describe.skipIf(!kustomize)('fixture templates carry no credentials themselves', () => {
  it('the planted template, unfilled, reports only what needs no generated value', async () => {
    // Placeholders stay placeholders: `@@NAME@@` is not a credential.
    const root = await copyTemplate(
      'planted',
      new Proxy({}, { get: (_t, name) => `@@${String(name)}@@` }) as Record<string, string>,
    );
    try {
      await writeFile(join(root, 'apps/api/overlays/dev/local.env'), 'RENDER_ONLY_TOKEN=\n');
      const { check } = await runSecretsCheck(root, kustomize!);
      const contentRules = new Set(CONTENT_RULES.map((r) => r.id));
      expect(check.lastFindings().filter((f) => contentRules.has(f.ruleId))).toEqual([]);
    } finally {
      await removeDir(root);
    }
  });
});
