/**
 * Silent passes of a second probe (committed credential, scan exit 0): each is reported now, at its line, and the
 * value appears in no finding. Look-alikes stay quiet.
 */
import { brotliCompressSync, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SecretFinding } from '../../src/checks/secrets/index.js';
import { mayBeRawDeflate } from '../../src/checks/secrets/unpack.js';
import { findingPlaces as at, useRepoScan } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(4711);
const scan = useRepoScan();

/** The findings, and proof that no finding (message, path, fingerprint) holds any of `secrets`. */
function noLeak(fs: readonly SecretFinding[], ...secrets: string[]): readonly SecretFinding[] {
  const json = JSON.stringify(fs);
  for (const s of secrets) expect(json.includes(s), `a finding shows ${s.slice(0, 3)}…`).toBe(false);
  return fs;
}

describe('G-1: a credential key spelled in another language or in look-alike letters is a credential key', () => {
  it('German, Spanish, Dutch, Portuguese, Finnish and Swedish words for password (ASCII spellings)', async () => {
    const v = Array.from({ length: 7 }, () => g.password(16));
    const fs = await scan({
      'app.yaml': `db:\n  kennwort: ${v[0]}\n  contrasena: "${v[1]}"\n  wachtwoord: '${v[2]}'\n  senha: ${v[3]}\n  salasana: ${v[4]}\n  losenord: ${v[5]}\n  DB_KENNWORT_FILE: /run/secrets/db\n`,
      '.env': `SMTP_KENNWORT=${v[6]}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-070', '.env', 1],
      ['KFM-SEC-070', 'app.yaml', 2],
      ['KFM-SEC-070', 'app.yaml', 3],
      ['KFM-SEC-070', 'app.yaml', 4],
      ['KFM-SEC-070', 'app.yaml', 5],
      ['KFM-SEC-070', 'app.yaml', 6],
      ['KFM-SEC-070', 'app.yaml', 7],
    ]);
  });

  it('words outside ASCII: contraseña, hasło, lösenord, пароль, 密码, パスワード, 비밀번호 (YAML, JSON, .env, .properties)', async () => {
    const v = Array.from({ length: 10 }, () => g.password(16));
    const fs = await scan({
      'app.yaml': `contraseña: ${v[0]}\nhasło: "${v[1]}"\nlösenord: ${v[2]}\nпароль: ${v[3]}\n密码: ${v[4]}\nパスワード: ${v[5]}\n비밀번호: ${v[6]}\n`,
      'app.json': `{"db": {"数据库密码": "${v[7]}"}}\n`,
      'app.env': `ПАРОЛЬ_БД=${v[8]}\n`,
      'app.properties': `db.пароль = ${v[9]}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-070', 'app.env', 1],
      ['KFM-SEC-070', 'app.json', 1],
      ['KFM-SEC-070', 'app.properties', 1],
      ['KFM-SEC-070', 'app.yaml', 1],
      ['KFM-SEC-070', 'app.yaml', 2],
      ['KFM-SEC-070', 'app.yaml', 3],
      ['KFM-SEC-070', 'app.yaml', 4],
      ['KFM-SEC-070', 'app.yaml', 5],
      ['KFM-SEC-070', 'app.yaml', 6],
      ['KFM-SEC-070', 'app.yaml', 7],
    ]);
  });

  it('fullwidth, mathematical and Cyrillic/Greek look-alike spellings of password, secret and token', async () => {
    const v = Array.from({ length: 6 }, () => g.password(18));
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  ｐａｓｓｗｏｒｄ: ${v[0]}\n  раssword: "${v[1]}"\n  ѕесrеt: ${v[2]}\n  𝐭𝐨𝐤𝐞𝐧: ${v[3]}\n  DB_ΡΑSSWORD: ${v[4]}\n`,
      'ci.env': `АРI_KЕY=${v[5]}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-073', 'ci.env', 1],
      ['KFM-SEC-070', 'cm.yaml', 5],
      ['KFM-SEC-070', 'cm.yaml', 6],
      ['KFM-SEC-071', 'cm.yaml', 7],
      ['KFM-SEC-072', 'cm.yaml', 8],
      ['KFM-SEC-070', 'cm.yaml', 9],
    ]);
  });

  it('`credentials:` / `credential:` holding a random value is a secret; names, paths and references stay quiet', async () => {
    const v = [g.password(24), g.alnum(32)];
    const fs = await scan({
      'cfg.yaml': `registry:\n  credentials: ${v[0]}\nupstream:\n  credential: "${v[1]}"\ncredentialsSecret: registry-creds\ncredentials_file: /var/run/creds/token.json\ncredentialName: prod-tls\ncredential_source: Ec2InstanceMetadata\n`,
      'x.yaml': 'credentials: ${{ secrets.REGISTRY }}\ncredential:\n  secretKeyRef: {name: c, key: v}\n',
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-071', 'cfg.yaml', 2],
      ['KFM-SEC-071', 'cfg.yaml', 4],
    ]);
  });

  it('a value below such a key (block scalar, next line) is read too', async () => {
    const v = [g.password(16), g.password(16), g.password(16)];
    const fs = await scan({
      'a.yaml': `db:\n  kennwort: |\n    ${v[0]}\n`,
      'b.yaml': `db:\n  пароль: >-\n    ${v[1]}\n`,
      'c.yaml': `db:\n  ｐａｓｓｗｏｒｄ:\n    ${v[2]}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-070', 'a.yaml', 2],
      ['KFM-SEC-070', 'b.yaml', 2],
      ['KFM-SEC-070', 'c.yaml', 2],
    ]);
  });

  it('text in other languages, and placeholders under foreign keys, stay quiet', async () => {
    const fs = await scan({
      'README.md':
        '# Überblick\n\nDas Kennwort wird über das ExternalSecret geliefert. Пароль хранится в Vault.\n密码由 Vault 提供。\n',
      'app.yaml':
        'kennwort: changeme\nпароль: ${DB_PASSWORD}\n密码: <password>\nｐａｓｓｗｏｒｄ: REPLACE_ME\nnaïve_café: Xq8vLm2pRt7wZk4N\n',
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('G-3: a PostgreSQL password file entry (`host:port:db:user:password`) is a credential (KFM-SEC-079)', () => {
  it('in a .pgpass file (any port), a file of another name, a ConfigMap block and a JSON string', async () => {
    const v = Array.from({ length: 5 }, () => g.password(14));
    const fs = await scan({
      '.pgpass': `# host:port:database:username:password\ndb.internal:15432:app:appuser:${v[0]}\n*:*:*:replicator:${v[1]}\n`,
      'conf/pg.txt': `see below\nlocalhost:5432:*:postgres:${v[2]}\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pg}\ndata:\n  pgpass: |\n    pg-0.pg:5433:app:app:${v[3]}\n`,
      'pg.json': `{"pgpass": "pgbouncer:6432:app:app:${v[4]}\\n"}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-079', '.pgpass', 2],
      ['KFM-SEC-079', '.pgpass', 3],
      ['KFM-SEC-079', 'cm.yaml', 5],
      ['KFM-SEC-079', 'conf/pg.txt', 2],
      ['KFM-SEC-079', 'pg.json', 1],
    ]);
  });

  it('placeholders, variables, times and image references in that shape stay quiet', async () => {
    const fs = await scan({
      '.pgpass': '*:*:*:postgres:postgres\nlocalhost:5432:app:app:${PGPASSWORD}\ndb:5432:app:app:<password>\n',
      'notes.txt': 'at 12:30:00 the job ran\nimage: registry:5000/app:1.2\n',
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('G-4: a kubeadm bootstrap token is a credential, letters only or not (KFM-SEC-078)', () => {
  const token = (): string => `${g.from('abcdefghijklmnopqrstuvwxyz', 6)}.${g.from('abcdefghijklmnopqrstuvwxyz', 16)}`;
  it('in a kubeadm config, a join command, an env file and a bootstrap Secret', async () => {
    const t = [token(), token(), token(), token()];
    const secretPart = g.from('abcdefghijklmnopqrstuvwxyz', 16);
    const fs = await scan({
      'kubeadm.yaml': `apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nbootstrapTokens:\n  - token: ${t[0]}\n    ttl: 24h\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: "${t[1]}"\n`,
      'join.sh': `kubeadm join 10.0.0.1:6443 --token ${t[2]} --discovery-token-ca-cert-hash sha256:${g.hex(64)}\n`,
      'node.env': `KUBEADM_TOKEN=${t[3]}\n`,
      'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: bootstrap-token-abcdef, namespace: kube-system}\ntype: bootstrap.kubernetes.io/token\nstringData:\n  token-id: abcdef\n  token-secret: ${secretPart}\n`,
    });
    expect(at(noLeak(fs, ...t, secretPart))).toEqual([
      ['KFM-SEC-078', 'join.sh', 1],
      ['KFM-SEC-078', 'kubeadm.yaml', 4],
      ['KFM-SEC-078', 'kubeadm.yaml', 11],
      ['KFM-SEC-078', 'node.env', 1],
      ['KFM-SEC-001', 'secret.yaml', 6],
      ['KFM-SEC-001', 'secret.yaml', 7],
      ['KFM-SEC-078', 'secret.yaml', 7],
    ]);
  });

  it("the kubeadm documentation's example token and names of that shape stay quiet", async () => {
    const fs = await scan({
      'kubeadm.yaml': 'bootstrapTokens:\n  - token: abcdef.0123456789abcdef\ntokenFile: /etc/kubernetes/token.csv\n',
      'dns.txt': 'server: abcdef.examplehostnames\n',
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('G-5: a short password under a password key is reported below the entropy floor, placeholders are not', () => {
  it('8 to 11 characters of three or four classes, in YAML, JSON, .env and .ini', async () => {
    const v = ['aaBB11!!', 'xX9#xX9#k', 'Tt55$$uu11', 'Zz8%Zz8%qq'];
    const fs = await scan({
      'app.yaml': `db:\n  password: ${v[0]}\n  admin_password: "${v[1]}"\n`,
      'app.json': `{"password": "${v[2]}"}\n`,
      '.env': `DB_PASSWORD='${v[3]}'\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-070', '.env', 1],
      ['KFM-SEC-070', 'app.json', 1],
      ['KFM-SEC-070', 'app.yaml', 2],
      ['KFM-SEC-070', 'app.yaml', 3],
    ]);
  });

  it('6 and 7 characters under a password key: three classes, or letters and digits (`s3cr3t`, `hunter2`)', async () => {
    const v = ['Xk9#q2', 's3cr3t', 'hunter2'];
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\ndata:\n  POSTGRES_PASSWORD: "${v[0]}"\n  MINIO_ROOT_PASSWORD: ${v[1]}\n`,
      '.env': `DB_PASS=${v[2]}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-070', '.env', 1],
      ['KFM-SEC-070', 'cm.yaml', 5],
      ['KFM-SEC-070', 'cm.yaml', 6],
    ]);
  });

  it('short values that are no password stay quiet, and only a password key judges 6 or 7 characters', async () => {
    const fs = await scan({
      'app.yaml': [
        'a:\n  PASSWORD_HASH: sha512',
        '  password_encoding: base64',
        '  password_charset: utf8mb4',
        '  password: enabled',
        '  password_min: 123456',
        '  password_mode: abc-ab',
        '  API_TOKEN: Xk9#q2a',
        '  secret_key: hunter2',
        '',
      ].join('\n'),
    });
    expect(at(fs)).toEqual([]);
  });

  it('placeholders, defaults, variables and references stay quiet', async () => {
    const fs = await scan({
      'app.yaml': [
        'a:\n  password: changeme',
        '  password2: "<password>"',
        '  password3: ${PASSWORD}',
        '  password4: REPLACE_ME',
        '  password5: password123',
        '  password6: Password1!',
        '  password7: "********"',
        '  passwordSecretRef:\n    secretKeyRef: {name: db, key: password}',
        '  password_min_length: 12',
        '  passwordPolicy: ab-CD-12',
        '',
      ].join('\n'),
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('G-6: a query string under a token-like key is settings, not a secret', () => {
  it('name=value pairs joined by `&` stay quiet; a random value among them is still reported', async () => {
    const secret = g.password(20).replace(/[&=]/g, 'x');
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: oidc}\ndata:\n  TOKEN_PARAMS: "response_type=code&client_id=my-app&scope=openid%20profile"\n  token_query: grant_type=client_credentials&audience=api&x=1\n  AUTH_TOKEN_QUERY: "grant_type=password&client_secret=${secret}"\n`,
    });
    expect(at(noLeak(fs, secret))).toEqual([['KFM-SEC-072', 'cm.yaml', 7]]);
  });
});

describe('G-2: compressed content without a gzip/zlib header in a value is read, or reported when it cannot be', () => {
  const b64 = (b: Buffer): string => b.toString('base64');
  const cm = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n${data}`;
  // The head of a bzip2 stream (magic, block size, block magic, CRC), then bytes: node has no bzip2 decoder.
  const bzip2 = (): Buffer => Buffer.concat([Buffer.from('BZh91AY&SY', 'latin1'), Buffer.from(g.hex(160), 'hex')]);

  it('raw deflate and brotli, base64 in a ConfigMap value or an annotation: the credential inside, at the key', async () => {
    const v = [g.password(20), g.password(20), `ghp_${g.alnum(36)}`];
    const fs = await scan({
      'cm.yaml': cm(
        `  app.conf: ${b64(deflateRawSync(`db:\n  password: ${v[0]}\n`))}\n  app.conf.br: "${b64(brotliCompressSync(`password=${v[1]}\n`))}"\n`,
      ),
      'deploy.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  annotations:\n    kfm.io/blob: ${b64(deflateRawSync(`token: ${v[2]}`))}\n`,
    });
    expect(at(noLeak(fs, ...v))).toEqual([
      ['KFM-SEC-070', 'cm.yaml', 5],
      ['KFM-SEC-070', 'cm.yaml', 6],
      ['KFM-SEC-030', 'deploy.yaml', 6],
    ]);
  });

  it('bzip2 (and xz, zstd), base64 in a value or as a committed file, cannot be read: KFM-SEC-080', async () => {
    const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from(g.hex(120), 'hex')]);
    const fs = await scan(
      { 'cm.yaml': cm(`  blob: ${b64(bzip2())}\n  other: ${b64(xz)}\n`) },
      { 'config.bz2': bzip2() },
    );
    expect(at(fs).filter(([rule]) => rule !== 'KFM-SEC-005')).toEqual([
      ['KFM-SEC-080', 'cm.yaml', 5],
      ['KFM-SEC-080', 'cm.yaml', 6],
      ['KFM-SEC-080', 'config.bz2', undefined],
    ]);
  });

  it('random base64 values (checksums, keys of other formats) and a PNG in binaryData stay quiet', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from(g.hex(200), 'hex')]);
    const fs = await scan({
      'cm.yaml': `${cm(`  checksum: ${b64(Buffer.from(g.hex(64), 'hex'))}\n  nonce: ${b64(Buffer.from(g.hex(48), 'hex'))}\n`)}binaryData:\n  logo.png: ${b64(png)}\n`,
    });
    expect(at(fs)).toEqual([]);
  });
});

describe('G-2: the deflate pre-check is a necessary condition', () => {
  it('every deflate stream of a text passes it (stored, fixed, dynamic; any level); most random bytes do not', () => {
    for (let i = 0; i < 400; i++) {
      const text = `${i % 3 ? `key${i}` : 'пароль'}: ${g.password(8 + (i % 300))}\n${'password: x\n'.repeat(i % 40)}`;
      for (const level of [0, 1, 6, 9])
        expect(mayBeRawDeflate(deflateRawSync(text, { level })), `${level} ${i}`).toBe(true);
    }
    let passed = 0;
    for (let i = 0; i < 2000; i++) if (mayBeRawDeflate(Buffer.from(g.hex(80), 'hex'))) passed++;
    expect(passed).toBeLessThan(100);
  });
});
