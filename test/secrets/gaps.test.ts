/**
 * Silent passes of a second probe (committed credential, scan exit 0): each is reported now, at its line, and the
 * value appears in no finding. Look-alikes stay quiet.
 */
import { describe, expect, it } from 'vitest';
import type { SecretFinding } from '../../src/checks/secrets/index.js';
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
