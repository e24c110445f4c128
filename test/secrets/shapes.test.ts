/**
 * Issue 16: shapes, encodings and file names that used to pass. Every credential is generated at run time.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { scanForSecrets, secretsSettings, type SecretFinding } from '../../src/checks/secrets/index.js';
import { privateKeyKind } from '../../src/checks/secrets/decode.js';
import { makeRepo, removeDir } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(1601);
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await removeDir(r);
});

async function scan(files: Record<string, string | Buffer>): Promise<SecretFinding[]> {
  const root = await makeRepo({});
  roots.push(root);
  const { writeFile, mkdir } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
  return (await scanForSecrets({ root, settings: secretsSettings({}), mode: 'check', overlays: [], env: {} })).findings;
}
const rules = (fs: SecretFinding[], file?: string): string[] =>
  [...new Set(fs.filter((f) => file === undefined || f.file === file).map((f) => f.ruleId))].sort();
const pemKey = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

describe('Kubernetes shapes, decoded (issue 16)', () => {
  it('a dockerconfigjson Secret with registry auth = base64 user:password: the hard rule and the auth rule', async () => {
    const auth = b64(`robot:${g.password(22)}`);
    const config = JSON.stringify({ auths: { 'registry.example.org': { auth } } });
    const fs = await scan({
      'pull.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: pull}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${b64(config)}\n`,
    });
    expect(rules(fs)).toEqual(['KFM-SEC-001', 'KFM-SEC-058']);
    expect(fs.find((f) => f.ruleId === 'KFM-SEC-001')?.line).toBe(6);
  });

  it('a Secret value with a placeholder-looking part, or a whole placeholder, is still KFM-SEC-001', async () => {
    const fs = await scan({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  a: "${g.alnum(20)}}}"\n  b: "example-${g.alnum(16)}"\n  c: changeme\n`,
    });
    expect(fs.filter((f) => f.ruleId === 'KFM-SEC-001').map((f) => f.line)).toEqual([5, 6, 7]);
  });

  it('a base64 PEM private key in a ConfigMap value, a base64 token in an annotation and an env value', async () => {
    const gh = `ghp_${g.alnum(36)}`;
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    x.io/blob: ${b64(`token=${gh}`)}\ndata:\n  tls: ${b64(pemKey())}\n`,
      'deploy.env': `SEED_B64=${b64(`api_token: ${gh}\n`)}\n`,
    });
    expect(rules(fs, 'cm.yaml')).toEqual(['KFM-SEC-010', 'KFM-SEC-030']);
    expect(fs.find((f) => f.ruleId === 'KFM-SEC-010')?.line).toBe(8);
    expect(rules(fs, 'deploy.env')).toEqual(['KFM-SEC-030']);
  });

  it('binary DER private keys and key stores by content, whatever the name', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    const sec1 = privateKey.export({ type: 'sec1', format: 'der' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'der' });
    const fs = await scan({
      'server.der': pkcs8,
      'key.bin': rsa,
      blob: sec1,
      'store.dat': Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), randomBytes(200)]),
      'image.png': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), randomBytes(300)]),
    });
    const keyed = fs.filter((f) => f.ruleId === 'KFM-SEC-006').map((f) => f.file);
    expect(keyed.sort()).toEqual(['blob', 'key.bin', 'server.der', 'store.dat']);
    // a public key or certificate is not a private key
    const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    expect(privateKeyKind(pub)).toBeUndefined();
  });

  it('a SealedSecret whose encryptedData is base64 of a password; real-looking ciphertext passes', async () => {
    const fs = await scan({
      'sealed.yaml': `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s}\nspec:\n  encryptedData:\n    password: ${b64(g.password(18))}\n    token: ${randomBytes(400).toString('base64')}\n`,
    });
    expect(fs.map((f) => [f.ruleId, f.line])).toEqual([['KFM-SEC-009', 6]]);
  });

  it('ExternalSecret template literals, SecretStore fake values and webhook Authorization headers', async () => {
    const fs = await scan({
      'es.yaml': `apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: e}\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target:\n    template:\n      data:\n        dsn: "postgres://app:{{ .password }}@db/app"\n        apikey: ${g.alnum(32)}\n  data:\n    - secretKey: password\n      remoteRef: {key: db/app, property: password}\n`,
      'store.yaml': `apiVersion: external-secrets.io/v1beta1\nkind: SecretStore\nmetadata: {name: s}\nspec:\n  provider:\n    fake:\n      data:\n        - key: /db/password\n          value: ${g.password(20)}\n---\napiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata: {name: w}\nspec:\n  provider:\n    webhook:\n      url: https://vault.internal/v1/{{ .remoteRef.key }}\n      headers:\n        Authorization: Bearer ${g.alnum(40)}\n`,
    });
    expect(fs.filter((f) => f.ruleId === 'KFM-SEC-009').map((f) => [f.file, f.line])).toEqual([
      ['es.yaml', 10],
      ['store.yaml', 9],
      ['store.yaml', 19],
    ]);
  });

  it('secretGenerator literals that are well-known defaults (minioadmin) are found', async () => {
    const fs = await scan({
      'kustomization.yaml': `secretGenerator:\n  - name: minio\n    literals:\n      - MINIO_ROOT_USER=minioadmin\n      - MINIO_ROOT_PASSWORD=minioadmin\n      - FROM_ENV=\${MINIO_PASSWORD}\n`,
    });
    expect(fs.filter((f) => f.ruleId === 'KFM-SEC-002').map((f) => f.line)).toEqual([4, 5]);
  });
});
