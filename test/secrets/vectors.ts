/**
 * Test vectors for every credential rule: a true positive (built at run time from a seeded generator, so this
 * repository carries no string that looks like a live credential to other scanners) and false positives (the
 * look-alikes each rule must ignore: placeholders, wrong lengths, public halves, test-mode keys).
 */

/** Deterministic PRNG (mulberry32): the same "secrets" on every run, none of them committed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;
const BECH32 = 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L';
const DIGITS = '0123456789';
const PASSWORD = `${ALNUM}!@#%^-_+=.`;

export class Gen {
  private readonly next: () => number;
  constructor(seed = 1) {
    this.next = rng(seed);
  }
  from(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
  alnum(n: number): string {
    return this.from(ALNUM, n);
  }
  hex(n: number): string {
    return this.from(HEX, n);
  }
  b64(n: number): string {
    return this.from(B64, n);
  }
  b64url(n: number): string {
    return this.from(B64URL, n);
  }
  digits(n: number): string {
    return this.from('123456789', 1) + this.from(DIGITS, n - 1);
  }
  upper32(n: number): string {
    return this.from(UPPER32, n);
  }
  bech32(n: number): string {
    return this.from(BECH32, n);
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-${this.hex(4)}-${this.hex(4)}-${this.hex(12)}`;
  }
  /** A password-like value: starts alphanumeric, mixes classes. */
  password(n = 20): string {
    return `${this.from(ALNUM, 1)}${this.from(PASSWORD, n - 3)}${this.from(DIGITS, 1)}${this.from('!@#%', 1)}`;
  }
  /** PEM body lines (64 columns) of `n` base64 characters. */
  pemBody(n: number, eol = '\n'): string {
    const body = this.b64(n);
    return body.match(/.{1,64}/g)!.join(eol);
  }
  pem(label: string, n = 1600, eol = '\n'): string {
    return `-----BEGIN ${label}-----${eol}${this.pemBody(n, eol)}${eol}-----END ${label}-----`;
  }
}

export interface Vector {
  ruleId: string;
  /** Text holding exactly one credential of the rule, and the credential itself (the part that must never leak). */
  positive: { text: string; secret: string };
  /** Texts in which the rule must not fire. `quiet` (default true): no rule at all may fire. */
  negatives: { text: string; quiet?: boolean }[];
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** The part of a credential that is not the format's public prefix (what must never leak). */
const after = (s: string, prefix: string): string => (s.startsWith(prefix) ? s.slice(prefix.length) : s);
/** The last path segment of a webhook URL: the token part. */
const lastSegment = (url: string): string => url.slice(url.lastIndexOf('/') + 1);
const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');

export function buildVectors(seed = 7): Vector[] {
  const g = new Gen(seed);
  const v: Vector[] = [];
  const add = (
    ruleId: string,
    text: string,
    secret: string,
    negatives: (string | { text: string; quiet?: boolean })[],
  ): void => {
    v.push({
      ruleId,
      positive: { text, secret },
      negatives: negatives.map((n) => (typeof n === 'string' ? { text: n } : n)),
    });
  };
  const pemRule = (ruleId: string, label: string, extraHeader = ''): void => {
    const body = g.pemBody(1600);
    add(
      ruleId,
      `key: |\n  -----BEGIN ${label}-----\n  ${extraHeader}${body.split('\n').join('\n  ')}\n  -----END ${label}-----\n`,
      body.replace(/\n/g, '').slice(0, 64),
      [
        `-----BEGIN ${label}-----\n...\n-----END ${label}-----`,
        `-----BEGIN ${label}-----\n<paste the key here>\n-----END ${label}-----`,
        `-----BEGIN ${label}-----\n${'A'.repeat(64)}\n${'A'.repeat(64)}\n-----END ${label}-----`,
        `# generate one with: openssl genpkey; it starts with -----BEGIN ${label}-----`,
      ],
    );
  };

  pemRule(
    'KFM-SEC-010',
    'RSA PRIVATE KEY',
    'Proc-Type: 4,ENCRYPTED\n  DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n  ',
  );
  pemRule('KFM-SEC-011', 'EC PRIVATE KEY');
  pemRule('KFM-SEC-012', 'DSA PRIVATE KEY');
  pemRule('KFM-SEC-013', 'OPENSSH PRIVATE KEY');
  pemRule('KFM-SEC-014', 'PGP PRIVATE KEY BLOCK', 'Version: GnuPG v2\n\n  ');
  {
    const body = g.pemBody(1600, '\\n');
    add(
      'KFM-SEC-015',
      `{"tls_key": "-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----\\n"}`,
      body.replace(/\\n/g, '').slice(0, 64),
      [
        `-----BEGIN PUBLIC KEY-----\n${g.pemBody(400)}\n-----END PUBLIC KEY-----`,
        `-----BEGIN CERTIFICATE-----\n${g.pemBody(900)}\n-----END CERTIFICATE-----`,
        '-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----',
      ],
    );
  }
  {
    const priv = g.pemBody(900);
    add(
      'KFM-SEC-016',
      `PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: kfm-deploy\nPublic-Lines: 2\n${g.pemBody(128)}\nPrivate-Lines: 4\n${priv}\nPrivate-MAC: ${g.hex(64)}\n`,
      priv.replace(/\n/g, '').slice(0, 64),
      ['PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 2\nAAAA\nPrivate-Lines: 4\n<redacted>\n'],
    );
  }
  {
    const s = `AGE-SECRET-KEY-1${g.bech32(58)}`;
    add(
      'KFM-SEC-017',
      `# created: 2024-01-01\n# public key: age1${g.from('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}\n${s}\n`,
      after(s, 'AGE-SECRET-KEY-1'),
      [
        `recipient: age1${g.from('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}`,
        'AGE-SECRET-KEY-1XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      ],
    );
  }
  {
    const data = b64(g.pem('RSA PRIVATE KEY', 1200));
    add('KFM-SEC-018', `users:\n- name: kfm\n  user:\n    client-key-data: ${data}\n`, data.slice(0, 64), [
      `users:\n- name: kfm\n  user:\n    client-certificate-data: ${b64(g.pem('CERTIFICATE', 900))}\n`,
      // Not a key, but a long random-looking value under a `client-key` name: the generic API-key rule may speak.
      {
        text: `    client-key-data: ${b64('not a key at all, just a long enough string to be base64 encoded here')}\n`,
        quiet: false,
      },
    ]);
  }
  {
    const d = g.b64url(43);
    const x = g.b64url(43);
    const y = g.b64url(43);
    add('KFM-SEC-019', `{"keys":[{"kty":"EC","crv":"P-256","x":"${x}","y":"${y}","d":"${d}"}]}\n`, d, [
      // The public half of the same key, and a public RSA JWKS.
      `{"keys":[{"kty":"EC","crv":"P-256","kid":"signing-2024","x":"${x}","y":"${y}"}]}`,
      `{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"${g.b64url(342)}","e":"AQAB"}]}`,
      // A short `d` is no key material, and a `d` far from any JWK is not one's.
      `{"kty":"oct","k":"c2VjcmV0"}`,
      `{"kty":"EC"}${' '.repeat(9000)}{"d":"${g.b64url(43)}"}`,
    ]);
  }
  {
    const s = `AKIA${g.upper32(16)}`;
    add('KFM-SEC-020', `aws_access_key_id = ${s}\n`, after(s, 'AKIA'), [
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      `id: AKIA${g.upper32(10)}`,
      `x${s}`,
    ]);
  }
  {
    const s = `${g.b64(18)}A1a/${g.b64(18)}`;
    add('KFM-SEC-021', `[default]\naws_secret_access_key = ${s}\n`, s, [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}',
      { text: `aws_secret_access_key = ${g.b64(30)}`, quiet: false },
    ]);
  }
  {
    const body = g.pemBody(1600, '\\n');
    add(
      'KFM-SEC-022',
      JSON.stringify(
        {
          type: 'service_account',
          project_id: 'kfm-prod',
          private_key_id: g.hex(40),
          private_key: `-----BEGIN PRIVATE KEY-----\n${body.replace(/\\n/g, '\n')}\n-----END PRIVATE KEY-----\n`,
          client_email: 'kfm@kfm-prod.iam.gserviceaccount.com',
        },
        null,
        2,
      ),
      body.replace(/\\n/g, '').slice(0, 64),
      [
        JSON.stringify(
          { type: 'service_account', project_id: 'kfm-prod', private_key_id: '', private_key: '' },
          null,
          2,
        ),
      ],
    );
  }
  {
    const s = `AIza${g.b64url(35)}`;
    add('KFM-SEC-023', `maps: ${s}\n`, after(s, 'AIza'), [`maps: AIza${g.b64url(20)}`]);
  }
  {
    const s = `GOCSPX-${g.b64url(28)}`;
    add('KFM-SEC-024', `oauth: ${s}\n`, after(s, 'GOCSPX-'), [
      'oauth: GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      `oauth: GOCSPX-${g.alnum(10)}`,
    ]);
  }
  {
    const s = `${g.b64(86)}==`;
    add(
      'KFM-SEC-025',
      `STORAGE=DefaultEndpointsProtocol=https;AccountName=kfmstore;AccountKey=${s};EndpointSuffix=core.windows.net\n`,
      s,
      [
        'DefaultEndpointsProtocol=https;AccountName=kfmstore;AccountKey=<storage-account-key>;EndpointSuffix=core.windows.net',
        'AccountKey=${AZURE_STORAGE_KEY}',
      ],
    );
  }
  {
    const s = `${g.b64(43)}=`;
    add(
      'KFM-SEC-026',
      `BUS=Endpoint=sb://kfm.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${s}\n`,
      s,
      ['Endpoint=sb://kfm.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey'],
    );
  }
  {
    const s = `${g.alnum(3)}8Q~${g.from(`${ALNUM}_~.-`, 33)}${g.alnum(1)}`;
    add('KFM-SEC-027', `azure_client_credential: "${s}"\n`, s, ['note: Q~ appears in math', 'value: abc8Q~short']);
  }
  {
    const s = `hvs.${g.b64url(90)}`;
    add('KFM-SEC-028', `VAULT_TOKEN=${s}\n`, after(s, 'hvs.'), [
      'path: hvs.token',
      'VAULT_TOKEN=hvs.xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    ]);
  }
  for (const [id, p] of [
    ['KFM-SEC-030', 'ghp_'],
    ['KFM-SEC-031', 'gho_'],
    ['KFM-SEC-032', 'ghu_'],
    ['KFM-SEC-033', 'ghs_'],
    ['KFM-SEC-034', 'ghr_'],
  ] as const) {
    const s = `${p}${g.alnum(36)}`;
    add(id, `GH=${s}\n`, after(s, p), [`GH=${p}${'x'.repeat(36)}`, `GH=${p}${g.alnum(30)}`, `GH=${p}${g.alnum(90)}`]);
  }
  {
    const s = `github_pat_${g.alnum(22)}_${g.alnum(59)}`;
    add('KFM-SEC-035', `GH=${s}\n`, after(s, 'github_pat_'), [`GH=github_pat_${g.alnum(10)}`]);
  }
  {
    const s = `glpat-${g.b64url(20)}`;
    add('KFM-SEC-036', `GITLAB=${s}\n`, after(s, 'glpat-'), [
      'GITLAB=glpat-xxxxxxxxxxxxxxxxxxxx',
      'GITLAB=glpat-short',
    ]);
  }
  {
    const s = `glptt-${g.hex(40)}`;
    add('KFM-SEC-037', `TRIGGER=${s}\n`, after(s, 'glptt-'), [`TRIGGER=glptt-${g.hex(20)}`]);
  }
  {
    const s = `glrt-${g.b64url(20)}`;
    add('KFM-SEC-038', `RUNNER=${s}\n`, after(s, 'glrt-'), ['RUNNER=glrt-abc', 'RUNNER=GR1348941']);
  }
  {
    const s = `gldt-${g.b64url(20)}`;
    add('KFM-SEC-039', `DEPLOY=${s}\n`, after(s, 'gldt-'), ['DEPLOY=gldt-abc']);
  }
  {
    const s = `xoxb-${g.digits(11)}-${g.digits(13)}-${g.alnum(24)}`;
    add('KFM-SEC-040', `SLACK=${s}\n`, after(s, 'xoxb-'), [
      'SLACK=xoxb-123',
      'SLACK=xoxb-xxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx',
    ]);
  }
  {
    const s = `xoxp-${g.digits(11)}-${g.digits(11)}-${g.digits(12)}-${g.hex(32)}`;
    add('KFM-SEC-041', `SLACK=${s}\n`, after(s, 'xoxp-'), ['SLACK=xoxp-1234']);
  }
  {
    const s = `xapp-1-A${g.upper32(10)}-${g.digits(13)}-${g.hex(64)}`;
    add('KFM-SEC-042', `SLACK=${s}\n`, after(s, 'xapp-1-'), ['SLACK=xapp-1-ABC']);
  }
  {
    const s = `https://hooks.slack.com/services/T${g.upper32(8)}/B${g.upper32(10)}/${g.alnum(24)}`;
    add('KFM-SEC-043', `webhook: ${s}\n`, lastSegment(s), [
      'webhook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'docs: https://hooks.slack.com/services/',
    ]);
  }
  {
    const s = `M${g.b64url(25)}.${g.b64url(6)}.${g.b64url(38)}`;
    add('KFM-SEC-044', `discord_bot: ${s}\n`, s, [
      'discord: MTIz',
      `unrelated: M${g.b64url(25)}.${g.b64url(6)}.${g.b64url(38)}`,
    ]);
  }
  {
    const s = `https://discord.com/api/webhooks/${g.digits(18)}/${g.b64url(68)}`;
    add('KFM-SEC-045', `hook: ${s}\n`, lastSegment(s), ['hook: https://discord.com/api/webhooks/123/abc']);
  }
  {
    const s = `https://kfm.webhook.office.com/webhookb2/${g.uuid()}@${g.uuid()}/IncomingWebhook/${g.hex(32)}/${g.uuid()}`;
    add('KFM-SEC-046', `teams: ${s}\n`, lastSegment(s), [
      'teams: https://kfm.webhook.office.com/webhookb2/<connector-id>',
    ]);
  }
  {
    const s = `sk_live_${g.alnum(32)}`;
    add('KFM-SEC-050', `STRIPE=${s}\n`, after(s, 'sk_live_'), [
      `STRIPE=sk_test_${g.alnum(32)}`,
      'STRIPE=sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    ]);
  }
  {
    const s = `rk_live_${g.alnum(32)}`;
    add('KFM-SEC-051', `STRIPE=${s}\n`, after(s, 'rk_live_'), [`STRIPE=rk_test_${g.alnum(32)}`]);
  }
  {
    const s = `SK${g.hex(32)}`;
    add('KFM-SEC-052', `TWILIO_KEY_SID=${s}\n`, after(s, 'SK'), [`DISK${g.hex(32)}`, `SK${g.hex(20)}`]);
  }
  {
    const s = g.hex(32);
    add('KFM-SEC-053', `twilio_auth_token: ${s}\n`, s, ['twilio_auth_token: ${TWILIO_AUTH_TOKEN}']);
  }
  {
    const s = `SG.${g.b64url(22)}.${g.b64url(43)}`;
    add('KFM-SEC-054', `SENDGRID=${s}\n`, after(s, 'SG.'), ['SENDGRID=SG.xxxx', 'host: smtp.SG.example']);
  }
  {
    const s = `npm_${g.alnum(36)}`;
    add('KFM-SEC-055', `NPM=${s}\n`, after(s, 'npm_'), [
      'NPM=npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'script: npm_config_cache',
    ]);
  }
  {
    const s = g.uuid();
    add('KFM-SEC-056', `//registry.npmjs.org/:_authToken=${s}\n`, s, [
      '//registry.npmjs.org/:_authToken=${NPM_TOKEN}',
      'always-auth=true',
    ]);
  }
  {
    const s = `pypi-AgEIcHlwaS5vcmc${g.b64url(60)}`;
    add('KFM-SEC-057', `password = ${s}\n`, after(s, 'pypi-AgEIcHlwaS5vcmc'), [
      { text: 'password = pypi-AgEIcHlwaS5vcmc', quiet: false },
    ]);
  }
  {
    const s = b64(`kfm-bot:${g.alnum(24)}`);
    add('KFM-SEC-058', `{"auths":{"ghcr.io":{"auth":"${s}"}}}`, s.slice(12), [
      `{"auths":{"ghcr.io":{"auth":"${b64('kfm-bot:${REGISTRY_PASSWORD}')}"}}}`,
      `{"auths":{"ghcr.io":{"auth":"${b64('username')}"}}}`,
      'oauth: enabled',
    ]);
  }
  {
    const s = `dckr_pat_${g.b64url(27)}`;
    add('KFM-SEC-059', `DOCKERHUB=${s}\n`, after(s, 'dckr_pat_'), ['DOCKERHUB=dckr_pat_xxx']);
  }
  {
    const s = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'kfm-bot', iat: 1700000000 })}.${g.b64url(43)}`;
    add('KFM-SEC-060', `bearer: ${s}\n`, lastSegment(s.replace(/\./g, '/')), [
      `bearer: ${b64url({ alg: 'none' })}.${b64url({ sub: 'x' })}.`,
      `bearer: ${b64url({ alg: 'none' })}.${b64url({ sub: 'kfm-bot-user' })}.${g.b64url(43)}`,
      'note: eyJhbGciOi is how JWT headers start',
    ]);
  }
  const dbNegatives = (scheme: string): string[] => [
    `url: ${scheme}://kfm:\${DB_PASSWORD}@db.kfm.svc:5432/kfm`,
    `url: ${scheme}://kfm@db.kfm.svc:5432/kfm`,
    `url: ${scheme}://${scheme.split('+')[0]}:${scheme.split('+')[0]}@localhost/kfm`,
    `url: ${scheme}://user:<password>@host/db`,
  ];
  for (const [id, scheme] of [
    ['KFM-SEC-061', 'postgresql'],
    ['KFM-SEC-062', 'mysql'],
    ['KFM-SEC-063', 'mongodb+srv'],
    ['KFM-SEC-064', 'redis'],
    ['KFM-SEC-065', 'amqps'],
    ['KFM-SEC-066', 'https'],
  ] as const) {
    const pw = g.alnum(18);
    add(id, `url: ${scheme}://kfm-app:${pw}@db.kfm.svc:5432/kfm\n`, pw, dbNegatives(scheme));
  }
  {
    const s = g.alnum(40);
    add('KFM-SEC-067', `proxy_set_header Authorization "Bearer ${s}";\n`, s, [
      'proxy_set_header Authorization "Bearer __BEARER_TOKEN__";',
      'curl -H "Authorization: Bearer ${TOKEN}" https://api.example.org',
      'headers: {Authorization: "Bearer <token>"}',
      'Basic authentication and Bearer authentication are both supported.',
      `Authorization: Basic ${Buffer.from('admin:changeme').toString('base64')}`,
      'bearerTokenSecret: {name: metrics-token, key: token}',
    ]);
  }
  {
    // An HMAC-SHA256 signature: 32 bytes, base64, URL-encoded in a URL.
    const sig = Buffer.from(g.hex(64), 'hex').toString('base64');
    const s = encodeURIComponent(sig);
    add(
      'KFM-SEC-029',
      `backup: "https://kfm.blob.core.windows.net/velero?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00:00:00Z&spr=https&sig=${s}"\n`,
      s,
      [
        'backup: "https://kfm.blob.core.windows.net/velero?sv=2022-11-02&sp=r&sig=<signature>"',
        'sas: "https://kfm.blob.core.windows.net/velero?sv=2022-11-02&sp=r&sig=${AZURE_SAS_SIG}"',
        `note: "sig=${g.b64(40)} is not a signature of 32 bytes"`,
      ],
    );
  }
  {
    const s = g.password(24);
    add('KFM-SEC-068', `machine git.kfm.example\n  login kfm-bot\n  password ${s}\n`, s, [
      'machine github.com login x-access-token password ${GITHUB_TOKEN}',
      'machine github.com login kfm password $(cat /run/secrets/github)',
      'machine api.example.org login USERNAME password YOUR_PERSONAL_ACCESS_TOKEN',
      'The machine learning password reset flow is documented elsewhere.',
    ]);
  }
  {
    const s = g.alnum(22);
    add('KFM-SEC-069', `<server>\n  <id>nexus</id>\n  <password>${s}</password>\n</server>\n`, s, [
      '<password>${env.NEXUS_PASSWORD}</password>',
      '<password>{COQLCE6DU6GtcS5P1ZwPcJHFdJbvE5Wm0fBm1C0dqD8=}</password>',
      '<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />',
      '<secretName>kfm-db-credentials</secretName>',
    ]);
  }
  {
    const s = g.alnum(18);
    add('KFM-SEC-074', `curl -sf -u deploy:${s} https://nexus.kfm.example/repository/\n`, s, [
      'curl -u "$NEXUS_USER:$NEXUS_PASSWORD" https://nexus.kfm.example/',
      'docker run -u 1000:1000 --rm busybox',
      'mysql -h db -u root -p app',
      'kubectl create configmap cfg --from-literal=LOG_LEVEL=debug',
      'echo "$PW" | docker login -u ci --password-stdin registry.kfm.example',
      'helm repo add kfm https://charts.kfm.example --username ci --password $HELM_PASSWORD',
      'sshpass -p "$SSH_PASS" ssh ops@bastion',
    ]);
  }
  {
    const crypt = g.from(`${ALNUM}./`, 53);
    const s = `$2y$10$${crypt}`;
    add('KFM-SEC-075', `admin:${s}\n`, crypt, [
      'The hash starts with `$2y$10$` for bcrypt.',
      `admin:$2y$10$${'x'.repeat(53)}`,
      `admin:$apr1$${g.alnum(8)}$short`,
    ]);
  }
  {
    const s = g.upper32(32);
    add('KFM-SEC-076', `uri: otpauth://totp/KFM:ops@kfm.example?secret=${s}&issuer=KFM\n`, s, [
      'uri: otpauth://totp/KFM:you?issuer=KFM&secret=<SEED>',
      // The Google Authenticator documentation's seed (the generic secret rule reads `JBSW…&issuer=…` as a value).
      { text: 'uri: otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example', quiet: false },
    ]);
  }
  {
    const s = g.from('abcdefghijklmnopqrstuvwxyz234567', 52);
    add('KFM-SEC-077', `repoURL: https://${s}@dev.azure.com/kfm/platform/_git/gitops\n`, s, [
      'repoURL: https://x-access-token@github.com/kfm/gitops.git',
      'repoURL: https://${AZDO_PAT}@dev.azure.com/kfm/platform/_git/gitops',
      'maintainers: [{name: kfm, email: platform-team@kfm.example}]',
    ]);
  }
  {
    const s = `${g.from('abcdefghijklmnopqrstuvwxyz0123456789', 6)}.${g.from('abcdefghijklmnopqrstuvwxyz', 16)}`;
    add('KFM-SEC-078', `kubeadm join 10.0.0.1:6443 --token ${s} --discovery-token-unsafe-skip-ca-verification\n`, s, [
      'bootstrapTokens:\n  - token: abcdef.0123456789abcdef',
      'token: xxxxxx.xxxxxxxxxxxxxxxx',
      'tokenServer: ab12cd.examplehostnames.local',
      'token-id: abcdef',
    ]);
  }
  {
    const s = g.password(18).replace(/[:\\"']/g, 'x');
    add('KFM-SEC-079', `echo "pg.internal:5432:kfm:kfm_app:${s}" > ~/.pgpass\n`, s, [
      '*:*:*:postgres:postgres',
      'localhost:5432:kfm:kfm:${PGPASSWORD}',
      'at 10:30:00 the backup ran',
      'image: registry.kfm.example:5000/kfm/api:1.2.3',
    ]);
  }
  {
    const s = `${g.alnum(10)}7${g.alnum(7)}`;
    add('KFM-SEC-081', `bind 0.0.0.0\nport 6379\nrequirepass ${s}\n`, s, [
      '# requirepass foobared',
      'requirepass ${REDIS_PASSWORD}',
      'masterauth $(MASTER_AUTH)',
      'user default on nopass ~* +@all',
      // A hash: the password-hash rule speaks, not this one.
      { text: `rootpw {SSHA}${g.b64(32)}`, quiet: false },
      'the user stats are shown > 10 times',
      'stats auth admin:${STATS_PASSWORD}',
    ]);
  }
  const genericNegatives = (key: string): string[] => [
    `${key}: changeme`,
    `${key}: \${DB_SECRET}`,
    `${key}: "{{ .Values.${key} }}"`,
    `${key}: <redacted>`,
    `${key}: ENC[AES256_GCM,data:${g.b64(20)},iv:${g.b64(22)},tag:${g.b64(22)},type:str]`,
    `${key}: kfm-db-credentials`,
    `${key}: /var/run/secrets/kfm/${key}`,
    `${key}: "********"`,
    `${key}: example-${key}-value`,
    `${key}Ref:\n  name: kfm-${key}`,
    `${key}: xxxxxxxxxxxx`,
    `${key}: dummy-value-1`,
  ];
  {
    const s = g.password(20);
    add('KFM-SEC-070', `DB_PASSWORD=${s}\n`, s, genericNegatives('password'));
  }
  {
    const s = g.password(24);
    add('KFM-SEC-071', `client_secret: "${s}"\n`, s, [
      ...genericNegatives('secret'),
      'secretName: kfm-api-tls',
      'secretKey: root-password',
    ]);
  }
  {
    const s = g.password(28);
    add('KFM-SEC-072', `refresh_token = '${s}'\n`, s, [
      ...genericNegatives('token'),
      'serviceAccountToken: true',
      'tokenTTL: 24h',
    ]);
  }
  {
    const s = g.password(32);
    add('KFM-SEC-073', `X_API_KEY: ${s}\n`, s, [
      ...genericNegatives('api_key'),
      'apiKeySecretRef: {name: kfm-api-key}',
    ]);
  }
  return v;
}

/** Candidates as comparable strings (rule, range, value): what a differential test compares. */
export function candidateShape(
  cs: readonly { rule: { id: string }; start: number; end: number; value: string }[],
): string[] {
  return cs.map((c) => `${c.rule.id}@${c.start}-${c.end}:${c.value}`);
}

/** Keyword hits as the detector's keyword pass finds them (case-folded; long s and Kelvin sign read as `s`, `k`). */
export function keywordHits(keywords: readonly string[], line: string): number[] {
  const lower = line
    .replace(/\u017f/g, 's')
    .replace(/\u212a/g, 'k')
    .toLowerCase();
  const hits: number[] = [];
  for (let i = 0; i < line.length; i++) if (keywords.some((k) => lower.startsWith(k, i))) hits.push(i);
  return hits;
}

/** RFC 4648 base32, padded (the tests' own encoder: Node has none). */
export function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out + '='.repeat((8 - (out.length % 8)) % 8);
}
