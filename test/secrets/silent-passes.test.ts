/** Silent passes a security probe found (plaintext committed, `check` exit 0): each is reported now. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { needsStructure } from '../../src/checks/secrets/structure.js';
import { findingPlaces as at, useRepoScan } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(2026);
const scan = useRepoScan();

describe('SP-1: only the exact SOPS value shape is ciphertext', () => {
  const b64 = (n: number): string => Buffer.from(g.alnum(n)).toString('base64');
  // SOPS's `data` is AES-GCM output: bytes, not text (the hex digits of g.hex read as bytes).
  const cipher = (n: number): string => Buffer.from(g.hex(2 * n), 'hex').toString('base64');
  const sopsValue = (): string => `ENC[AES256_GCM,data:${cipher(18)},iv:${b64(24)},tag:${b64(12)},type:str]`;
  const sopsMeta =
    'sops:\n  mac: ENC[AES256_GCM,data:abc=,iv:abc=,tag:abc=,type:str]\n  lastmodified: "2026-01-01T00:00:00Z"\n';

  it('plaintext inside `ENC[AES256_GCM, … ]` in a Secret is plaintext: KFM-SEC-001 and the token rule', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const fs = await scan({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  app.properties: |\n    ENC[AES256_GCM,\n    github.token=${token}\n    ]\n`,
    });
    expect(at(fs)).toEqual(
      expect.arrayContaining([
        ['KFM-SEC-001', 's.yaml', 5],
        ['KFM-SEC-030', 's.yaml', 5],
      ]),
    );
  });

  it('a SOPS-shaped value without `sops:` metadata is a plaintext Secret value', async () => {
    const fs = await scan({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  pw: ${sopsValue()}\n`,
    });
    expect(at(fs)).toEqual([['KFM-SEC-001', 's.yaml', 5]]);
  });

  it('a secretGenerator literal `ENC[AES256_GCM,<plaintext>]` is a plaintext literal', async () => {
    const fs = await scan({
      'kustomization.yaml': `secretGenerator:\n  - name: db\n    literals:\n      - DB_PASSWORD=ENC[AES256_GCM,${g.alnum(20)}]\n`,
    });
    expect(at(fs)).toEqual([['KFM-SEC-002', 'kustomization.yaml', 4]]);
  });

  it('a SOPS-shaped value whose `data` is base64 of text is plaintext, fake `sops:` metadata or not', async () => {
    const creds = `[default]\naws_secret_access_key = ${g.alnum(20)}/${g.alnum(19)}\n`;
    const value = `ENC[AES256_GCM,data:${Buffer.from(creds).toString('base64')},iv:${b64(24)},tag:${b64(12)},type:str]`;
    const fs = await scan({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  creds: ${value}\n${sopsMeta}`,
    });
    expect(at(fs)).toEqual(expect.arrayContaining([['KFM-SEC-001', 's.yaml', 5]]));
  });

  it('a SOPS-encrypted Secret (exact value shape and `sops:` metadata) is not reported', async () => {
    const fs = await scan({
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  pw: ${sopsValue()}\n  url: ${sopsValue()}\n${sopsMeta}`,
      'v.yaml': `db:\n  password: ${sopsValue()}\n${sopsMeta}`,
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-2: a SealedSecret template writes its data into the Secret in clear text', () => {
  // kubeseal output: padded base64 of high-entropy bytes (the alphabet's 6 bits per character, re-encoded).
  const sealed = (): string => Buffer.from(g.hex(1200), 'hex').toString('base64');
  const doc = (template: string): string =>
    `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db}\nspec:\n  encryptedData:\n    password: ${sealed()}\n  template:\n    type: Opaque\n${template}`;

  it('a literal in spec.template.data is KFM-SEC-009 at its line', async () => {
    const fs = await scan({ 'ss.yaml': doc(`    data:\n      admin-pin: ${g.alnum(20)}\n`) });
    expect(at(fs)).toEqual([['KFM-SEC-009', 'ss.yaml', 10]]);
  });

  it('a template that reads the sealed keys is not reported', async () => {
    const fs = await scan({
      'ss.yaml': doc(`    data:\n      url: 'postgres://app:{{ index . "password" }}@db:5432/app'\n`),
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-6/SP-7: a byte order mark cannot hide the text behind it', () => {
  const utf32 = (text: string, little: boolean): Buffer => {
    const points = [...text].map((c) => c.codePointAt(0)!);
    const out = Buffer.alloc(4 + points.length * 4);
    if (little) out.writeUInt32LE(0xfeff, 0);
    else out.writeUInt32BE(0xfeff, 0);
    points.forEach((p, i) => (little ? out.writeUInt32LE(p, 4 + i * 4) : out.writeUInt32BE(p, 4 + i * 4)));
    return out;
  };

  it('`FF FE` or `FE FF` in front of ASCII: the ASCII is scanned, at its lines', async () => {
    const body = `# deploy settings\nGITHUB_TOKEN=ghp_${g.alnum(36)}\n`;
    const fs = await scan(
      {},
      {
        'le.env': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body)]),
        'be.env': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(body)]),
      },
    );
    expect(at(fs)).toEqual([
      ['KFM-SEC-030', 'be.env', 2],
      ['KFM-SEC-030', 'le.env', 2],
    ]);
  });

  it('UTF-32 with a BOM (LE and BE) is decoded as UTF-32', async () => {
    const body = `a: 1\ntoken: ghp_${g.alnum(36)}\n`;
    const fs = await scan({}, { 'le.yaml': utf32(body, true), 'be.yaml': utf32(body, false) });
    expect(at(fs)).toEqual([
      ['KFM-SEC-030', 'be.yaml', 2],
      ['KFM-SEC-030', 'le.yaml', 2],
    ]);
  });
});

describe('SP-8: base64 wrapped over lines is decoded as one run', () => {
  const wrap = (text: string, width: number, indent = ''): string =>
    Buffer.from(text)
      .toString('base64')
      .match(new RegExp(`.{1,${width}}`, 'g'))!
      .map((l) => `${indent}${l}`)
      .join('\n');

  it('a PEM private key, base64 at 76 columns in a ConfigMap block scalar: KFM-SEC-010 at its key', async () => {
    const pem = `${g.pem('RSA PRIVATE KEY')}\n`;
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: git}\ndata:\n  deploy-key.b64: |\n${wrap(pem, 76, '    ')}\n`,
    });
    expect(at(fs)).toEqual([['KFM-SEC-010', 'cm.yaml', 5]]);
  });

  it('a PEM private key, base64 at 64 columns in a file: KFM-SEC-010 at line 1', async () => {
    const pem = `${g.pem('RSA PRIVATE KEY')}\n`;
    const fs = await scan({ '.ci/deploy_key.b64': `${wrap(pem, 64)}\n` });
    expect(at(fs)).toEqual([['KFM-SEC-010', '.ci/deploy_key.b64', 1]]);
  });

  it('a PEM certificate chain is not a finding', async () => {
    const fs = await scan({ 'ca.pem': `${g.pem('CERTIFICATE')}\n${g.pem('CERTIFICATE')}\n` });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-10: an option and its value in consecutive list items are judged as a pair', () => {
  const pod = (args: string): string =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: db}\nspec:\n  containers:\n    - name: db\n      image: postgres\n${args}`;

  it('`--replication-password`, `<pw>` is judged like `--replication-password=<pw>`', async () => {
    const fs = await scan({
      'block.yaml': pod(
        `      args:\n        - postgres\n        - --replication-password\n        - ${g.alnum(20)}\n`,
      ),
      'flow.yaml': pod(`      args: ["postgres", "--api-key", "${g.alnum(24)}"]\n`),
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'block.yaml', 11],
      ['KFM-SEC-073', 'flow.yaml', 8],
    ]);
  });

  it('options whose next item is a path, a name, a flag or a short option are not reported', async () => {
    const fs = await scan({
      'ok.yaml': pod(
        `      args: ["--token-file", "/var/run/secrets/token", "--db-secret", "kfm-db-credentials", "--password", "--verbose", "-p", "${g.alnum(20)}"]\n`,
      ),
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-10: the pre-pass asks for the walk on option items only', () => {
  it('a Helm template line with a credential word and dashes is not an option', () => {
    const line = '  name: {{ include "external-secrets.fullname" . }}-dashboard\n';
    expect(needsStructure(line, false).needed).toBe(false);
    expect(needsStructure('  args: ["--db-password", x]\n', false).needed).toBe(true);
  });
});

describe('SP-3: external-secrets literals written into the Secret', () => {
  it('a templateFrom literal is read with every content rule', async () => {
    const fs = await scan({
      'es.yaml': `apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: minio}\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target:\n    name: minio\n    template:\n      engineVersion: v2\n      templateFrom:\n        - target: Data\n          literal: |\n            user: '{{ .user }}'\n            mc-alias.json: '{"url":"http://minio:9000","accessKey":"{{ .user }}","secretKey":"${g.alnum(20)}"}'\n  data:\n    - secretKey: user\n      remoteRef: {key: minio, property: user}\n`,
    });
    expect(at(fs)).toEqual([['KFM-SEC-071', 'es.yaml', 12]]);
  });

  it('a Fake generator value (and a ClusterGenerator fakeSpec value) is KFM-SEC-009', async () => {
    const fs = await scan({
      'fake.yaml': `apiVersion: generators.external-secrets.io/v1alpha1\nkind: Fake\nmetadata: {name: boot}\nspec:\n  data:\n    root-password: ${g.alnum(20)}\n`,
      'cluster.yaml': `apiVersion: generators.external-secrets.io/v1alpha1\nkind: ClusterGenerator\nmetadata: {name: boot}\nspec:\n  kind: Fake\n  generator:\n    fakeSpec:\n      data:\n        pin: ${g.alnum(16)}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-009', 'cluster.yaml', 9],
      ['KFM-SEC-009', 'fake.yaml', 6],
    ]);
  });
});

describe('SP-5: a `!!binary` value is judged once parsed', () => {
  it('the bytes of a !!binary scalar are read like a base64 value', async () => {
    const token = Buffer.from(`ghp_${g.alnum(36)}`).toString('base64');
    const fs = await scan({
      '.ci/a.yaml': `app:\n  note: "caf\\u00e9"\n  blob: !!binary ${token}\n`,
      '.ci/b.yaml': `app:\n  <<: {}\n  blob: !!binary |\n    ${token}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-030', '.ci/a.yaml', 3],
      ['KFM-SEC-030', '.ci/b.yaml', 3],
    ]);
  });
});

describe('SP-4: a value the parse drops (a repeated key, an overridden merge key) is still read', () => {
  it('the first of two equal keys, and a merged key an explicit key overrides, are reported at their lines', async () => {
    const fs = await scan({
      '.ci/dup.yaml': `app:\n  token: ghp_${g.alnum(36)}\n  token: none\n`,
      '.ci/merge.yaml': `app:\n  <<: {token: ghp_${g.alnum(36)}}\n  token: none\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-030', '.ci/dup.yaml', 2],
      ['KFM-SEC-030', '.ci/merge.yaml', 2],
    ]);
  });
});

describe('SP-9: YAML embedded in a string value is read as YAML', () => {
  it('an env pair in a ConfigMap `*.yaml` value and a value below its key in Argo CD helm.values', async () => {
    // (a digit in each value: the generic gate takes a value of letters only for a word)
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: jobs}\ndata:\n  jobs.yaml: |\n    - name: nightly\n      env:\n        - name: EXPORT_DB_PASSWORD\n          value: ${g.alnum(16)}7${g.alnum(3)}\n`,
      'app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: pgb}\nspec:\n  source:\n    chart: pgbouncer\n    helm:\n      values: |\n        auth:\n          adminPassword:\n            ${g.alnum(16)}4${g.alnum(3)}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'app.yaml', 8],
      ['KFM-SEC-070', 'cm.yaml', 5],
    ]);
  });
});

describe('SP-11: a certificate block is public only when its body is base64', () => {
  // A real key's DER (PKCS#1), as `openssl genrsa -traditional` writes it.
  const der = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'der' });
  const body = (bytes: Buffer): string => bytes.toString('base64').replace(/.{64}/g, '$&\n');
  const key = `-----BEGIN RSA PRIVATE KEY-----\n${body(der)}\n-----END RSA PRIVATE KEY-----`;
  const indent = (t: string): string => t.replace(/^/gm, '    ');
  const secret = (value: string): string =>
    `apiVersion: v1\nkind: Secret\nmetadata: {name: t}\nstringData:\n  tls.crt: |\n${indent(value)}\n`;

  it('a private key block nested inside a CERTIFICATE block (Go pem.Decode reads it out) is a private key', async () => {
    const fs = await scan({ 's.yaml': secret(`-----BEGIN CERTIFICATE-----\n${key}\n-----END CERTIFICATE-----`) });
    expect(at(fs)).toEqual(
      expect.arrayContaining([
        ['KFM-SEC-001', 's.yaml', 5],
        ['KFM-SEC-010', 's.yaml', 5],
      ]),
    );
  });

  it('a token between CERTIFICATE lines is plaintext data', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const fs = await scan({ 's.yaml': secret(`-----BEGIN CERTIFICATE-----\n${token}\n-----END CERTIFICATE-----`) });
    expect(at(fs)).toEqual(
      expect.arrayContaining([
        ['KFM-SEC-001', 's.yaml', 5],
        ['KFM-SEC-030', 's.yaml', 5],
      ]),
    );
  });

  it("a private key's DER under a CERTIFICATE label is still read: a key store finding", async () => {
    const fs = await scan({ 's.yaml': secret(`-----BEGIN CERTIFICATE-----\n${body(der)}\n-----END CERTIFICATE-----`) });
    expect(at(fs)).toEqual([['KFM-SEC-006', 's.yaml', 5]]);
  });

  it('a real certificate (a throw-away self-signed one) alone stays quiet', async () => {
    const cert = [
      '-----BEGIN CERTIFICATE-----',
      'MIIBiDCCAS+gAwIBAgIUXbFol9lqKk+h91QPav+8wAf5fJYwCgYIKoZIzj0EAwIw',
      'GjEYMBYGA1UEAwwPYXBwLmV4YW1wbGUub3JnMB4XDTI2MTIwNjIyMDg1OVoXDTI2',
      'MTIwNzIyMDg1OVowGjEYMBYGA1UEAwwPYXBwLmV4YW1wbGUub3JnMFkwEwYHKoZI',
      'zj0CAQYIKoZIzj0DAQcDQgAEKba3EKFwWJl7GuAXMorkDlGV7zr0O5eKIM9BADIz',
      'z/RTwWM/BPD65hLIe+n4fw/7ppKPFzSIxjY3qJ+d2lc2jKNTMFEwHQYDVR0OBBYE',
      'FHkTHirMBMm6E/K0cl3Ehg8JdoM3MB8GA1UdIwQYMBaAFHkTHirMBMm6E/K0cl3E',
      'hg8JdoM3MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIga2C79vsZ',
      'h8KN8ptY21x9hXIPlZvMPhWs/AWeBmrMnXgCIHA9tG5Ht9GY8rtm30v4eN9x/J+0',
      'mFHjvtnMrfEOXVAd',
      '-----END CERTIFICATE-----',
    ].join('\n');
    expect(at(await scan({ 's.yaml': secret(`${cert}\n${cert}`) }))).toEqual([]);
  });
});

describe('SP-12: a value that starts with `!`, `*`, `&` or `$` is a reference only when a name follows', () => {
  it('passwords and tokens starting with a sigil are reported, in YAML, a URL and a .env file', async () => {
    const pw = (): string => g.password(20);
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  DATABASE_URL: "postgres://app:!${pw()}@db.svc:5432/app"\n  SMTP_PASSWORD: "!${pw()}"\n  API_TOKEN: "&${pw()}"\n  SIGNING_SECRET: "*${pw()}"\n`,
      'app.env': `DB_PASSWORD=!${pw()}\nREDIS_PASSWORD=$${pw()}\n`,
    });
    expect(at(fs)).toEqual(
      expect.arrayContaining([
        ['KFM-SEC-061', 'cm.yaml', 5],
        ['KFM-SEC-070', 'cm.yaml', 6],
        ['KFM-SEC-072', 'cm.yaml', 7],
        ['KFM-SEC-071', 'cm.yaml', 8],
        ['KFM-SEC-070', 'app.env', 1],
        ['KFM-SEC-070', 'app.env', 2],
      ]),
    );
    expect(fs).toHaveLength(6);
  });

  it('tags, aliases, anchors and variable references stay quiet', async () => {
    const fs = await scan({
      'values.yaml': `base: &dbCredentials2\n  user: app\ndb:\n  password: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n  secret: *dbCredentials2\n  api_token: !!binary ''\n`,
      'app.env': `DB_PASSWORD=$DB_PASSWORD_FROM_VAULT\nAPI_TOKEN=%API_TOKEN_2024%\nCLIENT_SECRET=*client_secret_ref\n`,
    });
    expect(at(fs).filter(([rule]) => rule !== 'KFM-SEC-008')).toEqual([]);
  });
});

describe('SP-13: an external-secrets Webhook generator sends its headers and body as written', () => {
  const generator = (spec: string): string =>
    `apiVersion: generators.external-secrets.io/v1alpha1\nkind: Webhook\nmetadata: {name: token}\nspec:\n  url: https://auth.example.org/oauth/token\n  method: POST\n${spec}`;

  it('a literal token in a header, and a client secret in the body, are reported at their lines', async () => {
    const fs = await scan({
      'gen.yaml': generator(
        `  headers:\n    Content-Type: application/x-www-form-urlencoded\n    X-API-Key: ${g.alnum(32)}\n  body: grant_type=client_credentials&client_id=app&client_secret=${g.alnum(32)}\n`,
      ),
      'cluster-gen.yaml': `apiVersion: generators.external-secrets.io/v1alpha1\nkind: ClusterGenerator\nmetadata: {name: token}\nspec:\n  kind: Webhook\n  generator:\n    webhookSpec:\n      url: https://auth.example.org/oauth/token\n      headers:\n        Authorization: Bearer ${g.alnum(40)}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-009', 'cluster-gen.yaml', 10],
      ['KFM-SEC-067', 'cluster-gen.yaml', 10],
      ['KFM-SEC-009', 'gen.yaml', 9],
      ['KFM-SEC-071', 'gen.yaml', 10],
    ]);
  });

  it('headers and a body that read the generator secrets are quiet', async () => {
    const fs = await scan({
      'gen.yaml': generator(
        `  headers:\n    Authorization: 'Basic {{ print .auth.username ":" .auth.password | b64enc }}'\n  body: '{"user": "{{ .auth.username }}"}'\n  secrets:\n    - name: auth\n      secretRef: {name: webhook-credentials}\n`,
      ),
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-14: a credential in an Authorization header is reported (KFM-SEC-067)', () => {
  it('Bearer in an nginx snippet and a curl line, Basic in a JSON header map', async () => {
    const basic = Buffer.from(`deploy:${g.password(20)}`).toString('base64');
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      proxy_set_header Authorization "Bearer ${g.alnum(32)}";\ndata:\n  headers.json: '{"Authorization": "Basic ${basic}"}'\n  probe.sh: 'curl -fsS -H "Authorization: Bearer ${g.b64url(40)}" https://api.example.org/health'\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-067', 'cm.yaml', 6],
      ['KFM-SEC-067', 'cm.yaml', 9],
      ['KFM-SEC-067', 'cm.yaml', 10],
    ]);
  });
});

describe('SP-15: a key that ends in PASS names a password (RABBITMQ_DEFAULT_PASS, SMTP_PASS, sftp_pass)', () => {
  it('is reported as a password; a shell command substitution and names stay quiet', async () => {
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  RABBITMQ_DEFAULT_PASS: "${g.password(20)}"\n  smtpPass: ${g.alnum(18)}7Q\n  tlsPassthrough: "true"\n  bypassList: internal.example.org\n`,
      'init.sh': `sftp_pass="${g.password(16)}"\nrandom_pass=$(openssl rand -base64 32)\nDB_PASSWORD=$(kubectl get secret db -o jsonpath="{.data.password}" | base64 -d)\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'cm.yaml', 5],
      ['KFM-SEC-070', 'cm.yaml', 6],
      ['KFM-SEC-070', 'init.sh', 1],
    ]);
  });
});

describe('SP-16: NULs past the probed head of a text file cannot hide a token', () => {
  it('UTF-16 text after 8 KB of ASCII is read without its NULs, at its line', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const notes = Buffer.concat([
      Buffer.from('release notes, nothing to see here\n'.repeat(300)),
      Buffer.from(`github: ${token}\n`, 'utf16le'),
    ]);
    expect(at(await scan({}, { 'notes.txt': notes }))).toEqual([['KFM-SEC-030', 'notes.txt', 301]]);
  });
});

describe('SP-17: a pair js-yaml drops as a repeated key keeps its line findings, however the key is spelled', () => {
  // js-yaml keeps the last of repeated keys; the `yaml` CST, which says which line findings a judged scalar covers,
  // must see the same keys, or the dropped pair's token is neither judged nor reported by the line patterns.
  const token = `ghp_${g.alnum(36)}`;
  it('a key behind a lone CR (a line break to js-yaml, part of the key to the `yaml` library)', async () => {
    const fs = await scan({ 'notes.yaml': `\ra: |\n  x\n  # ${token}\na: |\n  x\n` });
    expect(at(fs)).toEqual([['KFM-SEC-030', 'notes.yaml', 3]]);
  });

  it('a collection key (`[a]:` is the key `a` to js-yaml)', async () => {
    const fs = await scan({ 'notes.yaml': `[a]: |\n  # ${token}\na: x\n` });
    expect(at(fs)).toEqual([['KFM-SEC-030', 'notes.yaml', 2]]);
  });
});

describe('SP-18: a .netrc password and an Azure SAS signature are credentials (KFM-SEC-068, KFM-SEC-029)', () => {
  it('a .netrc entry over several lines, and SAS URLs in a ConfigMap, are reported at their lines', async () => {
    const sig = (): string => Buffer.from(g.hex(64), 'hex').toString('base64');
    const fs = await scan({
      '.netrc': `machine git.example.org\n  login deploy\n  password ${g.password(24)}\nmachine ci.example.org login ci password \${CI_TOKEN}\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: backup}\ndata:\n  BACKUP_URL: "https://acct.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00:00:00Z&spr=https&sig=${encodeURIComponent(sig())}"\n  BUS: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=ns.servicebus.windows.net&sig=${sig()}&se=1900000000&skn=send"\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-068', '.netrc', 1],
      ['KFM-SEC-029', 'cm.yaml', 5],
      ['KFM-SEC-029', 'cm.yaml', 6],
    ]);
  });
});

describe('SP-19: a Helm template default is the value it stands for', () => {
  it('`default "<password>"` and a leading literal in actions are reported; names and `required` messages are not', async () => {
    const fs = await scan({
      'chart/templates/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\ndata:\n  password: {{ .Values.db.password | default "${g.password(20)}" | b64enc | quote }}\n  api-token: {{ "${g.alnum(24)}" | b64enc }}\n  user: {{ .Values.db.user | default "app" | b64enc }}\n  check: {{ required "the database password is required" .Values.db.password | b64enc }}\n`,
      'chart/templates/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  DB_PASSWORD: '{{ .Values.db.password | default \`${g.alnum(20)}\` }}'\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'chart/templates/cm.yaml', 5],
      ['KFM-SEC-070', 'chart/templates/secret.yaml', 6],
      ['KFM-SEC-072', 'chart/templates/secret.yaml', 7],
    ]);
  });
});

describe('SP-20: a secret in an XML element or setting is reported (KFM-SEC-069)', () => {
  it('Maven settings.xml and NuGet.config credentials, at their lines', async () => {
    const fs = await scan({
      'settings.xml': `<settings>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>deploy</username>\n      <password>${g.password(22)}</password>\n    </server>\n  </servers>\n</settings>\n`,
      'NuGet.config': `<configuration>\n  <packageSourceCredentials>\n    <feed>\n      <add key="Username" value="ci" />\n      <add key="ClearTextPassword" value="${g.alnum(22)}" />\n    </feed>\n  </packageSourceCredentials>\n</configuration>\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-069', 'NuGet.config', 5],
      ['KFM-SEC-069', 'settings.xml', 6],
    ]);
  });
});

describe('SP-21: a credential written on a command line is reported (KFM-SEC-074)', () => {
  const pw = (): string => `${g.alnum(7)}9${g.alnum(6)}`;

  it('curl -u/--user, mysql -p, sshpass, docker login -p, --password <value>, redis-cli -a, --from-literal', async () => {
    const fs = await scan({
      'scripts/deploy.sh': [
        '#!/bin/sh',
        `curl -sf -u admin:${pw()} https://nexus.corp.example/repository/`,
        `curl --user deploy:${pw()} -X POST https://api.corp.internal/hook`,
        `mysql -h db -u root -p${pw()} app < dump.sql`,
        `kubectl create secret generic app --from-literal=value=${g.alnum(32)}`,
        `kubectl create secret generic app --from-literal conf=${g.alnum(24)} --dry-run=client -o yaml`,
        `sshpass -p ${pw()} ssh ops@bastion`,
        `docker login -u ci -p ${pw()} registry.corp.example`,
        `helm repo add corp https://charts.corp.example --username ci --password ${pw()}`,
        `redis-cli -h cache -a ${pw()} ping`,
        '',
      ].join('\n'),
    });
    expect(at(fs)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10].map((l) => ['KFM-SEC-074', 'scripts/deploy.sh', l]));
  });

  it('registry copy credentials: skopeo --src-creds/--dest-creds, --creds user:password', async () => {
    const fs = await scan({
      'scripts/mirror.sh': [
        '#!/bin/sh',
        `skopeo copy --src-creds pull:${pw()} docker://quay.io/kfm/api:1 docker://registry.corp.example/kfm/api:1`,
        `skopeo copy --dest-creds=push:${pw()} docker://quay.io/kfm/ui:1 docker://registry.corp.example/kfm/ui:1`,
        `skopeo inspect --creds "ci:${pw()}" docker://registry.corp.example/kfm/api:1`,
        'skopeo copy --dest-creds "$PUSH_USER:$PUSH_PASSWORD" docker://a docker://b',
        '',
      ].join('\n'),
    });
    expect(at(fs)).toEqual([2, 3, 4].map((l) => ['KFM-SEC-074', 'scripts/mirror.sh', l]));
  });

  it('in a CronJob argument list, a ConfigMap script and a README code block', async () => {
    const fs = await scan({
      'cronjob.yaml': `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: backup}\nspec:\n  schedule: "0 1 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: b\n              image: curlimages/curl\n              args: ["-u", "backup:${pw()}", "https://store.corp.example/upload"]\n          restartPolicy: Never\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata:\n  run.sh: |\n    #!/bin/sh\n    curl -sf -u svc:${pw()} https://registry.corp.example/v2/\n`,
      'job.yaml': `apiVersion: batch/v1\nkind: Job\nmetadata: {name: seed}\nspec:\n  template:\n    spec:\n      containers:\n        - name: b\n          image: mysql\n          command: ["sh", "-c", "mysql -uroot -p${pw()} -h db < /seed.sql"]\n          livenessProbe: {exec: {command: ["mysqladmin", "ping", "-uroot", "-p${pw()}"]}}\n`,
      'README.md': `# Setup\n\n\`\`\`sh\ncurl -u admin:${pw()} https://grafana.corp.example/api/dashboards\n\`\`\`\n`,
    });
    expect(at(fs)).toEqual([
      // A block scalar's findings are reported at its key.
      ['KFM-SEC-074', 'cm.yaml', 5],
      ['KFM-SEC-074', 'cronjob.yaml', 13],
      ['KFM-SEC-074', 'job.yaml', 10],
      ['KFM-SEC-074', 'job.yaml', 11],
      ['KFM-SEC-074', 'README.md', 4],
    ]);
  });

  it('variables, placeholders, prompts, user ids and neutral literals are not credentials', async () => {
    const fs = await scan({
      'ok.sh': [
        'curl -u "$NEXUS_USER:$NEXUS_PASSWORD" https://nexus.corp.example/',
        'curl -u admin:changeme http://localhost:8080/',
        'curl --user "${CREDS}" https://api.corp.example/',
        'docker run -u 1000:1000 --rm busybox',
        'docker run --user nobody:nogroup busybox',
        'mysql -h db -u root -p app',
        'mysql -u root -p"$MYSQL_ROOT_PASSWORD" app',
        'kubectl create configmap cfg --from-literal=LOG_LEVEL=debug --from-literal=mode=production',
        'kubectl create secret generic db --from-literal=password="${DB_PASSWORD}"',
        'echo "$PW" | docker login -u ci --password-stdin registry.corp.example',
        'helm repo add corp https://charts.corp.example --username ci --password $HELM_PASSWORD',
        'vault login --password-file /run/secrets/vault-password',
        'argocd login argocd.corp.example --username admin --password <password>',
        'sshpass -p "$SSH_PASS" ssh ops@bastion',
        'redis-cli -a "$(cat /run/secrets/redis)" ping',
        'psql --password --username app',
        'kubectl create secret generic oidc --from-literal=customScopes=custom,scopes',
        'kubectl create secret generic git --from-literal="GIT_HOST_TYPES=git.example.com=bitbucket-server"',
        'kubectl create secret generic hmac --from-literal="hmac-key=<hmac-key value>"',
        'MARIADB="mariadb -h db -P 3306 -u root -p$${ROOT_PWD}"',
        '',
      ].join('\n'),
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-22: a password hash (htpasswd, bcrypt, crypt) is a crackable credential (KFM-SEC-075)', () => {
  const crypt = (n: number): string => g.from('./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', n);

  it('htpasswd lines, a basic-auth ConfigMap, a Dex static password hash', async () => {
    const fs = await scan({
      'auth/.htpasswd': `admin:$apr1$${crypt(8)}$${crypt(22)}\nops:$2y$10$${crypt(53)}\nci:{SHA}${Buffer.from(g.hex(40), 'hex').toString('base64')}\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: basic-auth}\ndata:\n  auth: |\n    admin:$2y$05$${crypt(53)}\n  users: "ops:$6$${crypt(16)}$${crypt(86)}"\n`,
      'dex.yaml': `staticPasswords:\n  - email: admin@corp.example\n    hash: "$2a$10$${crypt(53)}"\n    username: admin\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-075', 'auth/.htpasswd', 1],
      ['KFM-SEC-075', 'auth/.htpasswd', 2],
      ['KFM-SEC-075', 'auth/.htpasswd', 3],
      // A block scalar's findings are reported at its key.
      ['KFM-SEC-075', 'cm.yaml', 5],
      ['KFM-SEC-075', 'cm.yaml', 7],
      ['KFM-SEC-075', 'dex.yaml', 3],
    ]);
  });

  it('hash prefixes in prose, truncated and filler hashes are not reported', async () => {
    const fs = await scan({
      'README.md': 'Generate the hash with `htpasswd -nbB admin pw` (it starts with `$2y$10$`).\n',
      'values.yaml': `hash: "$2a$10$${'x'.repeat(53)}"\nshort: "$2a$10$${crypt(20)}"\n`,
      // Dex's example hash (of \`password\`), copied into many products' docs.
      'dex.md': 'hash: "$2a$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W"\n',
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-23: Twilio auth tokens by their SID, TOTP seeds, single-case random passwords', () => {
  const rare = (n: number, alphabet: string): string => g.from(alphabet, n);

  it('a 32-hex auth value beside a Twilio Account SID is the auth token (KFM-SEC-053)', async () => {
    const fs = await scan({
      'sms.env': `ACCOUNT_SID=AC${g.hex(32)}\nAUTH=${g.hex(32)}\n`,
      'twilio.yaml': `twilio:\n  sid: AC${g.hex(32)}\n  auth: "${g.hex(32)}"\n`,
      'checksums.yaml': `auth: ${g.hex(32)}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-053', 'sms.env', 2],
      ['KFM-SEC-053', 'twilio.yaml', 3],
    ]);
  });

  it('a TOTP seed in an otpauth URI is reported (KFM-SEC-076), whatever its letters', async () => {
    const fs = await scan({
      'mfa.yaml': `mfa:\n  uri: otpauth://totp/Corp:ops@corp.example?secret=${rare(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}&issuer=Corp\n`,
      'docs.md': 'Scan `otpauth://totp/Corp:you?issuer=Corp&secret=<SEED>` with your app.\n',
    });
    expect(at(fs)).toEqual([['KFM-SEC-076', 'mfa.yaml', 2]]);
  });

  it('a single-case random password is a password; single-case words stay quiet', async () => {
    const fs = await scan({
      'db.yaml': `db:\n  password: ${rare(16, 'bcdfghjklmnpqrstvwxz')}\n`,
      'app.env': `ADMIN_PASSWORD=${rare(14, 'BCDFGHJKLMNPQRSTVWXZ')}\n`,
      'ok.yaml':
        'a:\n  password: postgresql\nb:\n  password: mysecretpassword\nc:\n  secret: elasticsearch\nd:\n  token: kubernetesadmin\ne:\n  password: supersecretpassword\n',
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'app.env', 1],
      ['KFM-SEC-070', 'db.yaml', 2],
    ]);
  });
});

describe('SP-24: an explicit YAML key (`? password` then `: value`) is a key', () => {
  it('the value of an explicit credential key is judged under its key', async () => {
    const fs = await scan({
      'app.yaml': `db:\n  ? password\n  : ${g.alnum(10)}7${g.alnum(9)}\n`,
      'list.yaml': `- ? api_token\n  : ${g.alnum(10)}7${g.alnum(13)}\n`,
    });
    expect(at(fs)).toEqual([
      // At the explicit key's line.
      ['KFM-SEC-070', 'app.yaml', 2],
      ['KFM-SEC-072', 'list.yaml', 1],
    ]);
  });

  it('a question mark in a URL or a sentence is no key', () => {
    expect(needsStructure('url: https://example.org/?password\nq: is it? yes\n', false).needed).toBe(false);
  });
});

describe('SP-25: a token written as the user of a URL is reported (KFM-SEC-077)', () => {
  const b32 = (n: number): string => g.from('abcdefghijklmnopqrstuvwxyz234567', n);

  it('an Argo CD repoURL with an Azure DevOps PAT, a clone URL with a 40-hex token', async () => {
    const fs = await scan({
      'app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source:\n    repoURL: https://${b32(52)}@dev.azure.com/corp/platform/_git/gitops\n`,
      'clone.sh': `git clone https://${g.hex(40)}@github.com/corp/gitops.git\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-077', 'app.yaml', 6],
      ['KFM-SEC-077', 'clone.sh', 1],
    ]);
  });

  it('user names, image digests and variables before the @ are not tokens', async () => {
    const fs = await scan({
      'ok.yaml': [
        'a: https://x-access-token@github.com/corp/repo.git',
        'b: https://platform-team-service-account@dev.azure.com/corp/_git/repo',
        'c: ssh://git@github.com/corp/repo.git',
        'd: oci://ghcr.io/corp/chart@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
        'e: https://${GITHUB_TOKEN}@github.com/corp/repo.git',
        'f: https://firstname.lastname.contractor@bitbucket.org/corp/repo.git',
        '',
      ].join('\n'),
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('SP-26: a key that ends in PW names a password (bindPW, ROOT_PW, rootpw), also over a block scalar', () => {
  it('is reported as a password; words that hold `pw` stay quiet', async () => {
    const fs = await scan({
      'ldap.yaml': `ldap:\n  bindDN: cn=admin,dc=corp,dc=example\n  bindPW: ${g.alnum(10)}7${g.alnum(9)}\n`,
      'db.env': `ROOT_PW=${g.alnum(10)}7${g.alnum(7)}\nADMIN_PASSWORD=wrap(${g.alnum(10)}7${g.alnum(7)})\n`,
      'slapd.yaml': `olc:\n  rootpw: >-\n    ${g.alnum(10)}7${g.alnum(8)}\n`,
      'smtp.yaml': `smtp:\n  SMTP_PASS: >-\n    ${g.alnum(10)}7${g.alnum(8)}\n`,
      'ok.yaml': 'upwards: scaleUpwardsPolicy\nbindPW: ${LDAP_BIND_PW}\n',
      'ui.tsx': 'export const ChipWrap = styled(Chip)`\n  margin: 0;\n`;\n',
      'Config.groovy': 'public static final String DEFAULT_ADMIN_PW = generatePassword()\n',
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'db.env', 1],
      ['KFM-SEC-070', 'db.env', 2],
      ['KFM-SEC-070', 'ldap.yaml', 3],
      ['KFM-SEC-070', 'slapd.yaml', 2],
      ['KFM-SEC-070', 'smtp.yaml', 2],
    ]);
  });
});

describe("SP-27: a JSON Web Key's private part (`d`, `k`), in JSON text or written as YAML", () => {
  it('is KFM-SEC-019 wherever it sits; a public JWKS and a `d` of no JWK stay quiet', async () => {
    const d = g.b64url(43);
    const fs = await scan({
      'jwks.json': `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"${g.b64url(43)}","d":"${d}"}]}\n`,
      'values.yaml': `oidc:\n  keys:\n    - kty: RSA\n      kid: a\n      e: AQAB\n      n: ${g.b64url(342)}\n      d: ${g.b64url(342)}\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  JWKS: '{"keys":[{"k":"${g.b64url(22)}","kty":"oct"}]}'\n`,
      'public.yaml': `keys:\n  - kty: EC\n    crv: P-256\n    x: ${g.b64url(43)}\n    y: ${g.b64url(43)}\n`,
      'other.yaml': `point:\n  d: ${g.b64url(43)}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-019', 'cm.yaml', 5],
      ['KFM-SEC-019', 'jwks.json', 1],
      ['KFM-SEC-019', 'values.yaml', 7],
    ]);
  });
});

describe('SP-28: a password as a server configuration directive (blanks, no `=` or `:`)', () => {
  it('Redis, Sentinel, Redis ACL, HAProxy and keepalived passwords are KFM-SEC-081; variables and hashes are not', async () => {
    const pw = (): string => `${g.alnum(9)}7${g.alnum(6)}`;
    const fs = await scan({
      'redis.conf': `port 6379\nrequirepass ${pw()}\nmasterauth "${pw()}"\n`,
      'sentinel.conf': `sentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-pass mymaster ${pw()}\n`,
      'users.acl': `user default off\nuser app on >${pw()} ~cache:* +get\n`,
      'haproxy.cfg': `userlist admins\n  user admin insecure-password ${pw()}\nlisten stats\n  stats auth admin:${pw()}\n`,
      'keepalived.conf': `vrrp_instance VI_1 {\n  authentication {\n    auth_type PASS\n    auth_pass ${pw()}\n  }\n}\n`,
      'ok.conf': `# requirepass foobared\nrequirepass \${REDIS_PASSWORD}\nuser default on nopass ~* +@all\nstats auth admin:\${STATS_PW}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-081', 'haproxy.cfg', 2],
      ['KFM-SEC-081', 'haproxy.cfg', 4],
      ['KFM-SEC-081', 'keepalived.conf', 4],
      ['KFM-SEC-081', 'redis.conf', 2],
      ['KFM-SEC-081', 'redis.conf', 3],
      ['KFM-SEC-081', 'sentinel.conf', 2],
      ['KFM-SEC-081', 'users.acl', 2],
    ]);
  });
});

describe('SP-29: a JSON document on one line, or with escapes, inside a string is read as a document', () => {
  it('a key spelled with \\u escapes inside JSON in a ConfigMap value is KFM-SEC-070 at the value', async () => {
    const [a, b] = [`${g.alnum(12)}7${g.alnum(7)}`, `${g.alnum(12)}4${g.alnum(7)}`];
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  db.json: "{\\"db\\": {\\"pass\\\\u0077ord\\": \\"${a}\\"}}"\n  DB_CONFIG: '{"pass\\u0077ord": "${b}"}'\n  plain: '{"user": "app", "host": "db"}'\n`,
    });
    expect(JSON.stringify(fs)).not.toMatch(new RegExp(`${a}|${b}`));
    expect(at(fs)).toEqual([
      ['KFM-SEC-070', 'cm.yaml', 5],
      ['KFM-SEC-070', 'cm.yaml', 6],
    ]);
  });
});
