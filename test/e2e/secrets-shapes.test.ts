/**
 * Issue 16 end to end, through the built CLI: `validate -` scans stdin like a file, and the shapes the scanner
 * decodes (dockerconfigjson, base64 PEM in a ConfigMap, a token split by an escaped line break, SealedSecret,
 * ExternalSecret template, SecretStore fake/webhook, a DER key) never leave the tool — in no console format, no
 * report file and no cache file. Every value is generated at run time.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyReportFile, filesUnder, runCli } from '../helpers.js';
import { leakedFragments } from '../secrets/helpers.js';
import { Gen } from '../secrets/vectors.js';

const g = new Gen(1661);
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

interface Finding {
  ruleId: string;
  file?: string;
  overlay?: string;
}

describe('validate - (stdin)', () => {
  it('a Secret piped in is scanned like a file: exit 1, KFM-SEC-001 at its line, the value nowhere', async () => {
    const seed = g.alnum(30);
    const input = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  seed: ${seed}\n`;
    const r = await runCli(['validate', '-', '--format', 'json'], { input });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as (Finding & { line?: number })[];
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'KFM-SEC-001', line: 6 }));
    expect(leakedFragments(r.stdout + r.stderr, [seed])).toEqual([]);
  });
});

describe('the decoded shapes leave no trace in any output or cache', () => {
  let top: string;
  let root: string;
  const secrets: string[] = [];
  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'kfm-shapes-'));
    root = join(top, 'repo');
    const registryPassword = g.password(22);
    const auth = b64(`robot:${registryPassword}`);
    const dockerconfig = b64(JSON.stringify({ auths: { 'registry.example.org': { auth } } }));
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string;
    const pemBody = pem.split('\n').slice(1, -2).join('');
    const half = g.alnum(18);
    const rest = g.alnum(18);
    const sealedPassword = g.password(18);
    const templateLiteral = g.alnum(32);
    const fakeValue = g.password(20);
    const bearer = g.alnum(40);
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });
    secrets.push(
      registryPassword,
      auth,
      dockerconfig,
      pemBody,
      b64(pem),
      half,
      rest,
      sealedPassword,
      b64(sealedPassword),
      templateLiteral,
      fakeValue,
      bearer,
      b64(der),
    );
    const shapes = [
      `apiVersion: v1\nkind: Secret\nmetadata: {name: pull}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${dockerconfig}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tls}\ndata:\n  tls: ${b64(pem)}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: split}\ndata:\n  token: "ghp_${half}\\\n    ${rest}"\n`,
      `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: sealed}\nspec:\n  encryptedData:\n    password: ${b64(sealedPassword)}\n`,
      `apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: es}\nspec:\n  secretStoreRef: {name: fake, kind: SecretStore}\n  target:\n    template:\n      data:\n        apikey: ${templateLiteral}\n`,
      `apiVersion: external-secrets.io/v1beta1\nkind: SecretStore\nmetadata: {name: fake}\nspec:\n  provider:\n    fake:\n      data:\n        - key: /db/password\n          value: ${fakeValue}\n`,
      `apiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata: {name: hook}\nspec:\n  provider:\n    webhook:\n      url: https://vault.internal/v1/{{ .remoteRef.key }}\n      headers:\n        Authorization: Bearer ${bearer}\n`,
    ].join('---\n');
    const files: Record<string, string | Buffer> = {
      'apps/shapes/overlays/dev/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - shapes.yaml\n',
      'apps/shapes/overlays/dev/shapes.yaml': shapes,
      'keys/client.der': der,
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), content);
    }
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('every console format and report file, then the caches the runs wrote', async () => {
    const out = join(top, 'reports');
    const everything: string[] = [];
    for (const format of ['text', 'json', 'sarif', 'junit', 'github']) {
      const r = await runCli(['check', root, '--format', format, ...everyReportFile(out)]);
      expect(r.code, format).toBe(1);
      everything.push(r.stdout, r.stderr, ...filesUnder(out).map((f) => readFileSync(f, 'utf8')));
    }
    // The run found every shape (otherwise "no leak" would prove nothing).
    const findings = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8')).findings as Finding[];
    const shapes = 'apps/shapes/overlays/dev/shapes.yaml';
    const seen = new Set(findings.map((f) => `${f.ruleId} ${f.file ?? f.overlay}`));
    for (const expected of [
      `KFM-SEC-001 ${shapes}`, // dockerconfigjson: the hard rule…
      `KFM-SEC-058 ${shapes}`, // …and the registry auth inside it
      `KFM-SEC-010 ${shapes}`, // base64 PEM in a ConfigMap
      `KFM-SEC-030 ${shapes}`, // token split by an escaped line break
      `KFM-SEC-009 ${shapes}`, // SealedSecret not sealed, ExternalSecret template, SecretStore fake/webhook
      'KFM-SEC-006 keys/client.der', // DER private key by content
    ])
      expect(seen, expected).toContain(expected);
    expect(findings.filter((f) => f.ruleId === 'KFM-SEC-009')).toHaveLength(4);
    expect(leakedFragments(everything.join('\n'), secrets)).toEqual([]);

    const cacheFiles = filesUnder(join(root, '.kfm-gitops', 'cache'));
    expect(cacheFiles.some((f) => f.includes(join('cache', 'render')))).toBe(true);
    const cached = cacheFiles.map((f) => readFileSync(f).toString('latin1')).join('\n');
    expect(leakedFragments(cached, secrets)).toEqual([]);
  });
});
