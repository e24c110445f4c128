import { afterEach, describe, expect, it } from 'vitest';
import { scanForSecrets, secretsSettings, type SecretFinding } from '../../src/checks/secrets/index.js';
import { parseResources } from '../../src/parse/index.js';
import type { Overlay, RenderedOverlay } from '../../src/types.js';
import { makeRepo, removeDir } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(31);
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await removeDir(r);
});

async function scanRepo(files: Record<string, string>, config: Record<string, unknown> = {}): Promise<SecretFinding[]> {
  const root = await makeRepo(files);
  roots.push(root);
  const result = await scanForSecrets({
    root,
    settings: secretsSettings(config),
    mode: 'check',
    overlays: [],
    env: {},
  });
  return result.findings;
}
const brief = (fs: SecretFinding[]): [string, string | undefined, number | undefined][] =>
  fs.map((f) => [f.ruleId, f.file, f.line]);

describe('Kubernetes shapes in repository files', () => {
  it('a Secret inside a List, and one in a last-applied-configuration annotation', async () => {
    const inner = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x' },
      data: { seed: b64(g.alnum(30)) },
    });
    const fs = await scanRepo({
      'list.yaml': `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: a}\n    stringData:\n      seed: ${g.alnum(24)}\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '${inner}'\ndata: {}\n`,
    });
    expect(brief(fs)).toEqual([
      ['KFM-SEC-001', 'cm.yaml', 6],
      ['KFM-SEC-001', 'list.yaml', 8],
    ]);
  });

  it('SealedSecret ciphertext and SOPS values are not secrets; a plaintext value next to them is', async () => {
    const fs = await scanRepo({
      'sealed.yaml': `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s}\nspec:\n  encryptedData:\n    password: AgB${g.b64(400)}\n    token: AgA${g.b64(300)}\n`,
      'sops.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: ENC[AES256_GCM,data:${g.b64(30)},iv:${g.b64(43)}=,tag:${g.b64(22)}==,type:str]\n  plain_unencrypted: ${b64(g.alnum(20))}\nsops:\n  mac: ENC[AES256_GCM,data:${g.b64(60)},type:str]\n  lastmodified: "2025-01-01T00:00:00Z"\n`,
      'app.sops.env': `DB_PASSWORD=ENC[AES256_GCM,data:${g.b64(20)},iv:${g.b64(43)}=,tag:${g.b64(22)}==,type:str]\nsops_mac=ENC[AES256_GCM,data:${g.b64(40)},type:str]\n`,
    });
    expect(brief(fs)).toEqual([['KFM-SEC-001', 'sops.yaml', 6]]);
  });

  it('a certificate-only Secret is fine; a TLS key beside it is a private key', async () => {
    const cert = g.pem('CERTIFICATE', 900);
    const key = g.pem('EC PRIVATE KEY', 300);
    const fs = await scanRepo({
      'tls.yaml': `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: t}\ndata:\n  tls.crt: ${b64(cert)}\n  tls.key: ${b64(key)}\n`,
    });
    // The certificate line is clean; the key line carries the hard rule and the private-key rule.
    expect(fs.map((f) => [f.ruleId, f.line, f.message])).toEqual([
      ['KFM-SEC-001', 7, `Kubernetes Secret with plaintext data: data.tls.key … (${key.length} bytes)`],
      ['KFM-SEC-011', 7, 'EC private key: … (300 chars) in Secret data `tls.key` (base64-decoded)'],
    ]);
  });

  it('data that is not base64, and binary data, are still plaintext Secret data', async () => {
    const fs = await scanRepo({
      'bad.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: b}\ndata:\n  weird: "not base64 at all!"\n  blob: ${Buffer.from([0, 1, 2, 250, 251, 252, 0, 9]).toString('base64')}\n`,
    });
    expect(fs.map((f) => [f.ruleId, f.line, f.message])).toEqual([
      ['KFM-SEC-001', 5, 'Kubernetes Secret with plaintext data: data.weird … (18 bytes, not valid base64)'],
      ['KFM-SEC-001', 6, 'Kubernetes Secret with plaintext data: data.blob … (8 bytes, binary)'],
    ]);
  });

  it('ExternalSecret references are not credentials, even with secret-looking names', async () => {
    const fs = await scanRepo({
      'es.yaml': `apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: e}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  data:\n    - secretKey: api-token\n      remoteRef: {key: kfm/prod/api, property: token}\n    - secretKey: password\n      remoteRef:\n        key: kfm/prod/db\n        property: Xk9-${g.alnum(12)}\n`,
    });
    expect(fs).toEqual([]);
  });

  it('a secret in a YAML comment is found by the text scan', async () => {
    const token = `glpat-${g.b64url(20)}`;
    const fs = await scanRepo({
      'app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n# old token: ${token}\ndata: {}\n`,
    });
    expect(brief(fs)).toEqual([['KFM-SEC-036', 'app.yaml', 4]]);
    expect(fs[0].column).toBe(14);
  });

  it('YAML that does not parse (a Helm template) is still scanned as text', async () => {
    const fs = await scanRepo({
      'templates/secret.yaml': `{{- if .Values.enabled }}\napiVersion: v1\nkind: Secret\nstringData:\n  token: {{ .Values.token | quote }}\n  fallback: "glpat-${g.b64url(20)}"\n{{- end }}\n`,
    });
    // Template actions blanked, the Secret is read: the hard rule and the token rule at the literal's line.
    expect(brief(fs)).toEqual([
      ['KFM-SEC-001', 'templates/secret.yaml', 6],
      ['KFM-SEC-036', 'templates/secret.yaml', 6],
    ]);
  });

  it('one content finding per secret and line (the most specific rule), beside the hard rule', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const fs = await scanRepo({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  github_token: ${token}\n`,
    });
    expect(brief(fs)).toEqual([
      ['KFM-SEC-001', 's.yaml', 5],
      ['KFM-SEC-030', 's.yaml', 5],
    ]);
  });
});

describe('kustomize inline patches', () => {
  it('an env entry added by an inline JSON 6902 or strategic-merge patch pairs its name and value', async () => {
    const a = g.password(22);
    const b = g.password(22);
    const fs = await scanRepo({
      'overlay/kustomization.yaml': [
        'resources: [../base]',
        'patches:',
        '  - target: {kind: Deployment, name: api}',
        `    patch: '[{"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "API_KEY", "value": "${a}"}}]'`,
        '  - patch: |-',
        '      apiVersion: apps/v1',
        '      kind: Deployment',
        '      metadata: {name: api}',
        '      spec:',
        '        template:',
        '          spec:',
        '            containers:',
        '              - name: api',
        '                env:',
        '                  - name: SESSION_TOKEN',
        `                    value: "${b}"`,
        '',
      ].join('\n'),
    });
    expect(fs.map((f) => [f.ruleId, f.line, f.path])).toEqual([
      ['KFM-SEC-073', 4, ['patches', 0, 'patch', 0, 'value', 'value']],
      ['KFM-SEC-072', 5, ['patches', 1, 'patch', 'spec', 'template', 'spec', 'containers', 0, 'env', 0, 'value']],
    ]);
  });
});

describe('kustomize inline patches written by an attacker', () => {
  it('a billion-laughs patch ends quickly and hides nothing; a patch with an anchor still pairs name and value', async () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      laughs.push(
        `${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
      );
    }
    const secret = g.password(22);
    const started = performance.now();
    const fs = await scanRepo({
      'overlay/kustomization.yaml': [
        'resources: [../base]',
        'patches:',
        '  - patch: |-',
        ...laughs.map((l) => `      ${l}`),
        '  - patch: |-',
        '      kind: Deployment',
        '      metadata: {name: &n api}',
        '      spec:',
        '        template:',
        '          spec:',
        '            containers:',
        '              - name: *n',
        '                env:',
        '                  - name: SESSION_TOKEN',
        `                    value: "${secret}"`,
        '',
      ].join('\n'),
    });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(fs.map((f) => [f.ruleId, f.line])).toContainEqual(['KFM-SEC-072', 16]);
  });
});

describe('validate mode scans only the input files', () => {
  it('reports at the input file and line, and reads nothing else under the root', async () => {
    const root = await makeRepo({ 'other.env': `DB_PASSWORD=${g.password(20)}\n` });
    roots.push(root);
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  seed: ${g.alnum(30)}\n`;
    const overlay: Overlay = {
      path: 'input.yaml',
      absPath: `${root}/input.yaml`,
      env: 'none',
      layer: 'none',
      kustomizationFile: '',
    };
    const parsed = parseResources(text, { overlay: 'input.yaml', file: 'input.yaml' });
    const ro: RenderedOverlay = { overlay, status: 'ok', text, resources: parsed.resources, durationMs: 0 };
    const result = await scanForSecrets({
      root,
      settings: secretsSettings({}),
      mode: 'validate',
      overlays: [ro],
      env: {},
    });
    expect(brief(result.findings)).toEqual([['KFM-SEC-001', 'input.yaml', 6]]);
    expect(result.stats.via).toBe('inputs');
  });
});
