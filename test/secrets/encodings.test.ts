/** Issue 16, "every file, every encoding": names, encodings and YAML constructs that hid Secrets from the walk. */
import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SecretFinding } from '../../src/checks/secrets/index.js';
import { findingPlaces as at, useRepoScan } from './helpers.js';
import { base32, Gen } from './vectors.js';

const g = new Gen(1604);
const scan = useRepoScan();
const secretDoc = (value: string): string =>
  `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  seed: ${value}\n`;

describe('every file, every encoding (issue 16)', () => {
  it('a Secret in files of any name: .bak, .orig, .txt, .tmpl, .j2, none, a name with a newline', async () => {
    const names = ['a.yaml.bak', 'b.yml.orig', 'c.txt', 'd.tmpl', 'e.yaml.j2', 'noext', 'new\nline.yaml'];
    const fs = await scan(Object.fromEntries(names.map((n) => [n, secretDoc(g.alnum(24))])));
    expect(
      fs
        .filter((f) => f.ruleId === 'KFM-SEC-001')
        .map((f) => f.file)
        .sort(),
    ).toEqual([...names].sort());
  });

  it('a token base32-encoded into a ConfigMap (a constant-looking capital run) is reported, its value never shown', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const encoded = base32(Buffer.from(token));
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  seed: ${encoded}\n`,
    });
    expect(fs.map((f) => [f.ruleId, f.file, f.line, f.message])).toEqual([
      ['KFM-SEC-030', 'cm.yaml', 5, 'GitHub personal access token (classic): ghp_… (40 chars) (base32-decoded)'],
    ]);
    expect(JSON.stringify(fs)).not.toContain(token.slice(4));
  });

  it('the same token base32-encoded in lowercase is reported too', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const encoded = base32(Buffer.from(token)).toLowerCase().replace(/=+$/, '');
    const fs = await scan({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  seed: "${encoded}"\n`,
    });
    expect(fs.map((f) => [f.ruleId, f.file, f.line, f.message])).toEqual([
      ['KFM-SEC-030', 'cm.yaml', 5, 'GitHub personal access token (classic): ghp_… (40 chars) (base32-decoded)'],
    ]);
    expect(JSON.stringify(fs)).not.toContain(token.slice(4));
    expect(JSON.stringify(fs)).not.toContain(encoded);
  });

  it('a UTF-16 (BOM) Secret is text: scanned and reported at its line', async () => {
    const doc = secretDoc(g.alnum(24));
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc, 'utf16le')]);
    const fs = await scan({}, { 'utf16.yaml': le });
    expect(at(fs)).toEqual([['KFM-SEC-001', 'utf16.yaml', 5]]);
  });

  it('a YAML file with one malformed line: every content rule still runs, and a guard says the structure was not read', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const fs = await scan({
      'bad.yaml': `apiVersion: v1\nkind: Secret\nstringData:\n  a: [unclosed\n  token: ${token}\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-008', 'bad.yaml', expect.any(Number) as unknown as number],
      ['KFM-SEC-030', 'bad.yaml', 5],
    ]);
  });

  it('aliases over the budget are a guard finding, not a skip', async () => {
    let doc = 'apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++)
      doc += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const fs = await scan({ 'bomb.yaml': doc });
    expect(fs.map((f) => f.ruleId)).toEqual(['KFM-SEC-008']);
  });

  it('kind through an anchor, a merge key, a comment before the value, a token split by an escaped line break', async () => {
    const half = g.alnum(18);
    const rest = g.alnum(18);
    const fs = await scan({
      'anchor.yaml': `x: &k Secret\napiVersion: v1\nkind: *k\nmetadata: {name: s}\nstringData:\n  seed: ${g.alnum(24)}\n`,
      'merge.yaml': `base: &b\n  apiVersion: v1\n  kind: Secret\nitems:\n  - <<: *b\n    metadata: {name: s}\n    stringData:\n      seed: ${g.alnum(24)}\n`,
      'comment.yaml': `apiVersion: v1\nkind: # the kind\n  Secret\nmetadata: {name: s}\nstringData:\n  seed: ${g.alnum(24)}\n`,
      'split.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  token: "ghp_${half}\\\n    ${rest}"\n`,
    });
    expect(at(fs)).toEqual([
      ['KFM-SEC-001', 'anchor.yaml', 6],
      ['KFM-SEC-001', 'comment.yaml', 6],
      ['KFM-SEC-001', 'merge.yaml', 8],
      ['KFM-SEC-030', 'split.yaml', 5],
    ]);
  });
  describe('text a binary holds (UTF-16 without a BOM, strings among other bytes)', () => {
    const creds = (): string => `[default]\naws_secret_access_key = ${g.alnum(20)}/${g.alnum(19)}\n`;
    const where = (fs: SecretFinding[]): [string, string | undefined, number | undefined, boolean][] =>
      fs
        .filter((f) => f.ruleId !== 'KFM-SEC-005')
        .map((f) => [f.ruleId, f.file, f.line, f.message.includes('(in the text of a binary file)')]);

    it('a credentials file in UTF-16, either byte order, no BOM: found, at no line', async () => {
      const text = creds();
      const be = Buffer.from(text, 'utf16le').swap16();
      const fs = await scan({}, { 'creds.txt': Buffer.from(text, 'utf16le'), 'creds-be.txt': be });
      expect(where(fs).sort()).toEqual([
        ['KFM-SEC-021', 'creds-be.txt', undefined, true],
        ['KFM-SEC-021', 'creds.txt', undefined, true],
      ]);
      // Still listed as binary (searched for the text it holds).
      expect(fs.find((f) => f.ruleId === 'KFM-SEC-005')?.message).toContain('creds-be.txt, creds.txt');
    });

    it('a token among binary bytes; an allow comment in a binary silences nothing (no reviewer can read it)', async () => {
      const token = `ghp_${g.alnum(36)}`;
      const blob = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0xff, 0x10]),
        Buffer.from(`token: ${token} # kfm-gitops:allow KFM-SEC-030 a test fixture\n`),
        Buffer.from([0, 0, 0x1f, 0x8b, 7]),
      ]);
      const fs = await scan({}, { 'logo.png': blob });
      expect(where(fs).length).toBeGreaterThan(0);
      expect(fs.filter((f) => f.file === 'logo.png').every((f) => f.suppressed === undefined)).toBe(true);
    });

    it('a token spelled with an escape only the YAML parse decodes, under a key that names nothing', async () => {
      const token = `ghp_${g.alnum(36)}`;
      const fs = await scan({
        'hex.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h\ndata:\n  e: "gh\\x70${token.slice(3)}"\n`,
        'uni.json': `{"data": {"k": "\\u0067${token.slice(1)}"}}\n`,
      });
      expect(at(fs).sort()).toEqual([
        ['KFM-SEC-030', 'hex.yaml', 6],
        ['KFM-SEC-030', 'uni.json', 1],
      ]);
    });

    it('base64 of UTF-16 text in a ConfigMap binaryData and a value with NULs between its characters', async () => {
      const text = creds();
      const fs = await scan({
        'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData:\n  creds: ${Buffer.from(text, 'utf16le').toString('base64')}\n`,
        'nul.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata:\n  creds: "${[...text.trim()].map((c) => (c === '\n' ? '\\n' : c)).join('\\0')}"\n`,
      });
      expect(at(fs).sort()).toEqual([
        ['KFM-SEC-021', 'cm.yaml', 5],
        ['KFM-SEC-021', 'nul.yaml', 5],
      ]);
    });
  });
  describe('compressed content (gzip, zip) is unpacked', () => {
    const creds = (): string => `[default]\naws_secret_access_key = ${g.alnum(20)}/${g.alnum(19)}\n`;
    const rules = (fs: SecretFinding[], file: string): string[] =>
      fs.filter((f) => f.file === file && f.ruleId !== 'KFM-SEC-005').map((f) => f.ruleId);

    it('a credentials file gzipped, zipped (deflate and stored), and a zip inside a gzip', async () => {
      const text = creds();
      const fs = await scan(
        {},
        {
          'creds.gz': gzipSync(text),
          'bundle.zip': zip([
            ['a.txt', Buffer.from('hello'), 8],
            ['creds', Buffer.from(text), 8],
          ]),
          'stored.zip': zip([['creds', Buffer.from(text), 0]]),
          'nested.gz': gzipSync(zip([['inner/creds', Buffer.from(text), 8]])),
        },
      );
      for (const f of ['creds.gz', 'bundle.zip', 'stored.zip', 'nested.gz'])
        expect(rules(fs, f), f).toEqual(['KFM-SEC-021']);
      expect(fs.find((f) => f.file === 'nested.gz')?.message).toContain('(in gzip content) (in zip content)');
      // The value is never printed.
      expect(JSON.stringify(fs)).not.toContain(text.split('= ')[1].trim());
    });

    it('gzip in a ConfigMap binaryData (what a configMapGenerator makes of a .gz file)', async () => {
      const fs = await scan({
        'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData:\n  creds.gz: ${gzipSync(creds()).toString('base64')}\n`,
      });
      expect(at(fs)).toEqual([['KFM-SEC-021', 'cm.yaml', 5]]);
    });

    it('zlib (deflate with its 2-byte header: Python zlib.compress, Java Deflater) in a file and a binaryData', async () => {
      const fs = await scan(
        {
          'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData:\n  creds.z: ${deflateSync(creds()).toString('base64')}\n`,
        },
        { 'creds.zz': deflateSync(creds(), { level: 1 }) },
      );
      expect(at(fs.filter((f) => f.ruleId !== 'KFM-SEC-005'))).toEqual([
        ['KFM-SEC-021', 'cm.yaml', 5],
        // A binary file's findings have no line.
        ['KFM-SEC-021', 'creds.zz', undefined],
      ]);
      expect(fs.find((f) => f.file === 'creds.zz')?.message).toContain('(in zlib content)');
    });

    it('a short zlib-compressed env line in a binaryData value (its base64 looks random) is read', async () => {
      const fs = await scan({
        'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData:\n  app.env.z: ${deflateSync(`DB_PASSWORD=${g.password(16)}\n`).toString('base64')}\n`,
      });
      expect(at(fs)).toEqual([['KFM-SEC-070', 'cm.yaml', 5]]);
    });

    it('bytes that only start like a zlib header are binary, not a damaged stream', async () => {
      const fs = await scan({}, { 'noise.bin': Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03]) });
      expect(fs.filter((f) => f.file === 'noise.bin' && f.ruleId !== 'KFM-SEC-005')).toEqual([]);
    });

    it('a decompression bomb stops at secrets.maxFileBytes and fails closed', async () => {
      const bomb = gzipSync(Buffer.concat([Buffer.alloc(6 * 1024 * 1024), Buffer.from(creds())]));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const fs = await scan({}, { 'big.gz': bomb });
      expect(fs.filter((f) => f.file === 'big.gz').map((f) => [f.ruleId, f.message.includes('maxFileBytes')])).toEqual([
        ['KFM-SEC-003', true],
      ]);
    });

    it('an encrypted zip member is named as not read (info), the others are read', async () => {
      const fs = await scan(
        {},
        {
          'mixed.zip': zip([
            ['locked', Buffer.from('x'.repeat(64)), 0, 1],
            ['creds', Buffer.from(creds()), 8],
          ]),
        },
      );
      expect(
        fs
          .filter((f) => f.file === 'mixed.zip')
          .map((f) => [f.ruleId, f.severity ?? 'default'])
          .sort(),
      ).toEqual([
        ['KFM-SEC-005', 'info'],
        ['KFM-SEC-021', 'default'],
      ]);
      expect(fs.find((f) => f.file === 'mixed.zip' && f.ruleId === 'KFM-SEC-005')?.message).toContain(
        'an encrypted zip member',
      );
    });

    it('one budget for all a file unpacks: a zip of gzips that each unpack to near the limit fails closed once', async () => {
      const member = gzipSync(Buffer.alloc(4 * 1024 * 1024)); // 4 MB of zeros: ~4 KB compressed
      const members: [string, Buffer, number][] = Array.from({ length: 40 }, (_, i) => [`m${i}.gz`, member, 0]);
      const started = performance.now();
      const fs = await scan({}, { 'nested.zip': zip(members) });
      expect(fs.filter((f) => f.file === 'nested.zip').map((f) => f.ruleId)).toEqual(['KFM-SEC-003']);
      // 40 × 4 MB was read before the shared budget; now at most secrets.maxFileBytes (5 MB) is.
      expect(performance.now() - started).toBeLessThan(5000);
    });

    it('one budget through nested encodings: gzips in base64 in decoded text fail closed once, in bounded time', async () => {
      // A value decoding to text of 300 base64 gzips, each 4 MB of zeros: each read with its own budget made the
      // value unpack 1.2 GB; the decoded layers now share the value's budget (secrets.maxFileBytes, 5 MB).
      const member = gzipSync(Buffer.alloc(4 * 1024 * 1024)).toString('base64');
      const inner = Array.from({ length: 300 }, (_, i) => `m${i}: ${member}`).join('\n');
      const started = performance.now();
      const fs = await scan({
        'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  blob: ${Buffer.from(inner).toString('base64')}\n`,
        'notes.txt': `blob ${Buffer.from(inner).toString('hex')}\n`,
      });
      expect(at(fs).filter(([rule]) => rule !== 'KFM-SEC-005')).toEqual([
        ['KFM-SEC-003', 'cm.yaml', 5],
        ['KFM-SEC-003', 'notes.txt', 1],
      ]);
      expect(performance.now() - started).toBeLessThan(8000);
    });

    it('a damaged gzip: what decompresses before the damage is read', async () => {
      const whole = gzipSync(creds() + g.alnum(4000));
      const fs = await scan({}, { 'cut.gz': whole.subarray(0, whole.length - 40) });
      expect(rules(fs, 'cut.gz')).toEqual(['KFM-SEC-021']);
    });
  });
});

/** A zip of the given members ([name, bytes, method 0 stored | 8 deflate]), central directory included. */
function zip(members: [string, Buffer, number, number?][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data, method, flags = 0] of members) {
    const body = method === 8 ? deflateRawSync(data) : data;
    const n = Buffer.from(name);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(flags, 6);
    head.writeUInt16LE(method, 8);
    head.writeUInt32LE(crc32(data), 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(flags, 8);
    dir.writeUInt16LE(method, 10);
    dir.writeUInt32LE(crc32(data), 16);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(n.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(head, n, body);
    central.push(dir, n);
    offset += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
