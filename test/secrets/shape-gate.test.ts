/**
 * The shape gates of the specific rules (src/checks/secrets/shape-gate.ts) and the assignment gate on the AWS secret
 * key rule are fast paths: they may only skip work, never a finding. Proven three ways: every match RE2 finds over a
 * whole line holds a hit the gate lets through; the gated detector finds exactly what the ungated one finds (RE2 on
 * every keyword window) on generated lines, the rule vectors, the fixtures and the shared corpus; and the cut is
 * real — the shapes of a clean repository never reach RE2.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { Detector } from '../../src/checks/secrets/detector.js';
import { gatedHits } from '../../src/checks/secrets/gate.js';
import { shapeAt, type ShapeGate } from '../../src/checks/secrets/shape-gate.js';
import { CONTENT_RULES, type ContentRule } from '../../src/rules/secret-patterns.js';
import { filesUnder, fixtures, hasShared, sharedDir } from '../helpers.js';
import { buildVectors, candidateShape, Gen, keywordHits, rng } from './vectors.js';

/** Rules gated by shape, and the specific (non-generic) rules on the assignment gate. */
const SHAPED = CONTENT_RULES.filter((r) => r.gate !== undefined && (r.gate !== 'assignment' || !r.generic));
const fast = new Detector();
const slow = new Detector(undefined, { gate: false });

/** Lines built from the pieces the gates read, with near misses: case, folded letters, quotes, blanks, separators. */
function generatedLines(seed: number, count: number): string[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const g = new Gen(seed);
  const blanks = ['', ' ', '  ', '\t', '\f', '\v', '\u00a0'];
  const quotes = ['', '"', "'", '`'];
  const schemes = [
    'postgres',
    'postgresql',
    'postgresql+psycopg2',
    'POSTGRES',
    'po\u017ftgres',
    'mysql',
    'mysqlx+abc',
    'MariaDB',
    'mongodb+srv',
    'mongodb',
    'redis',
    'rediss',
    'redi\u017f\u017f',
    'amqp',
    'AMQPS',
    'https',
    'http',
    'ftp',
    'sftp',
    'ssh',
    'git',
    'ldaps',
    'smtp',
    'nats',
    'mqtts',
    'xyz',
  ];
  const userParts = ['', 'u', 'admin', 'a.b-c', 'us@r', 'a/b', 'a b', '"u', "'", '\f', '\v', 'é', '%40'];
  const passParts = ['', 'p', g.password(12), 'a:b:c', 'x/y', 'p w', '"q', 'é\u017f', '\f', '\v', 'pa@ss'];
  const hosts = ['', 'db', 'db.svc:5432/app', '/path', ' host', '"h', '@h', 'h@i'];
  const url = (): string =>
    `${pick(['', 'url: ', 'DATABASE_URL=', '"', '- ', 'x'])}${pick(schemes)}${pick(['://', '://', '://', ':/', '//', ':///', ' ://'])}` +
    `${pick(userParts)}${pick([':', ':', ':', '', '::', ':@'])}${pick(passParts)}${pick(['@', '@', '@', '', '@@', '/@'])}${pick(hosts)}`;
  const auth = (): string =>
    `${pick(['', '"', '{"', '  ', '"auths": {"r": {"'])}${pick(['auth', 'AUTH', 'Auth', 'auths', 'xauth', 'basic_auth'])}` +
    `${pick(['', '"', "'"])}${pick(blanks)}${pick([':', '=', '', '::'])}${pick(blanks)}${pick(['', '"', "'"])}` +
    `${pick([g.b64(4 + Math.floor(next() * 20)), Buffer.from(`u:${g.password(10)}`).toString('base64'), 'dXNlcjpwYXNz-', 'a===='])}` +
    `${pick(['', '"', '"}', '=', '-', '.'])}`;
  const npm = (): string =>
    `${pick(['', '//registry.npmjs.org/:', ' ', 'x'])}${pick(['_authToken', '_auth', '_password', '_AUTHTOKEN', '_authtoken', '_authTokenX', '_auth_token', '_Password', '_PASSWORD'])}` +
    `${pick(blanks)}${pick(['=', ':', '==', ''])}${pick(blanks)}${pick(quotes)}${pick([g.alnum(5 + Math.floor(next() * 10)), '${NPM_TOKEN}', 'a b c d e f g h', g.password(16)])}`;
  const sid = (): string =>
    `${pick(['', 'x', '_', '-', ' '])}${pick(['SK', 'sk', 'Sk', '\u017fK', 'S\u212a'])}` +
    `${pick([g.hex(32), g.hex(31), g.hex(33), `${g.hex(16)}g${g.hex(15)}`, g.hex(32).toUpperCase(), g.alnum(32)])}${pick(['', ' ', 'g', '0'])}`;
  const aws = (): string =>
    `${pick(['', 'export ', '"', '- '])}${pick(['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'secretAccessKey', 'aws-secret-key', 'awsSecretKey', 'secret.access.key', 'AWS_SECRET', 'aws_\u017fecret_\u212aey', 'secret_access_key_id'])}` +
    `${pick(['', '"', "'"])}${pick(blanks)}${pick([':', '=', ':=', '=>', '', '-'])}${pick(blanks)}${pick(quotes)}` +
    `${pick([g.b64(40), g.b64(39), g.b64(41), g.alnum(40), `${g.b64(20)} ${g.b64(19)}`, g.b64(7)])}${pick(['', '"', ' ', '/'])}`;
  const xml = (): string =>
    next() < 0.5
      ? `${pick(['', '  ', '<server>', 'x'])}<${pick(['password', 'Password', 'db.password', 'ns:secret', 'apiKey', 'api_key', 'tokenValue', 'pa\u017f\u017fword', 'passwd', 'x'])}` +
        `${pick(['', ' ', '>', '/'])}>${pick(blanks)}${pick([g.password(12), g.alnum(7), 'a b c d e f g h', '<x>', g.alnum(20)])}${pick(blanks)}${pick(['</', '</x>', '', '<'])}`
      : `<add ${pick(['key', 'KEY', 'Key', 'xkey'])}="${pick(['ClearTextPassword', 'ApiToken', 'Secret', 'x', 'a"b', 'pass<'])}"` +
        `${pick(['', ' ', '\n', '\t\t', '\f'])}${pick(['value', 'VALUE', 'Value', 'valu'])}="${pick([g.alnum(12), g.alnum(7), 'a"b', '<x>', g.password(10)])}"`;
  const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bootstrap = (): string =>
    `${pick(['', '- ', '  ', '"', 'kubeadm join x --', 'KUBEADM_'])}${pick(['token', 'TOKEN', 'Token', 'tlsBootstrapToken', 'to\u212aen', 'token-secret', 'tokens', 'tokenx'])}` +
    `${pick(['', '"', "'"])}${pick(blanks)}${pick([':', '=', '', ' ', ':='])}${pick(blanks)}${pick(quotes)}` +
    `${pick([`${g.from(lower, 6)}.${g.from(lower, 16)}`, g.from(lower, 16), `${g.from(lower, 5)}.${g.from(lower, 16)}`, `${g.alnum(6)}.${g.alnum(16)}`, g.from(lower, 6)])}${pick(['', ' ', 'x', '"'])}`;
  const makers = [url, auth, npm, sid, aws, xml, bootstrap];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(next() * 3);
    const parts: string[] = [];
    for (let j = 0; j < n; j++) parts.push(pick(makers)());
    lines.push(parts.join(pick([' ', ', ', '; ', '', '\t', '&'])));
  }
  return lines;
}

function passing(rule: ContentRule, line: string): number[] {
  const hits = keywordHits(rule.keywords, line);
  if (rule.gate === 'assignment') return gatedHits(line, hits, { n: 0 }).hits;
  return hits.filter((p) => shapeAt(rule.gate as ShapeGate, line, p));
}

/** Every text file of the fixtures and (when present) the shared corpus. */
function treeTexts(): string[] {
  const roots = [fixtures, ...(hasShared ? [join(sharedDir, 'corpus')] : [])];
  const out: string[] = [];
  for (const root of roots)
    for (const file of filesUnder(root)) {
      const bytes = readFileSync(file);
      if (bytes.length < 2_000_000 && !bytes.subarray(0, 8000).includes(0)) out.push(bytes.toString('utf8'));
    }
  return out;
}

describe('shape gates: exact fast paths for the specific rules', () => {
  it('gate the URL, Docker auth, npmrc, Twilio SID, AWS secret key, XML setting and bootstrap token rules', () => {
    expect(SHAPED.map((r) => `${r.id}:${r.gate}`).sort()).toEqual([
      'KFM-SEC-021:assignment',
      'KFM-SEC-052:hex-sid',
      'KFM-SEC-056:npmrc',
      'KFM-SEC-058:docker-auth',
      'KFM-SEC-061:url-credentials',
      'KFM-SEC-062:url-credentials',
      'KFM-SEC-063:url-credentials',
      'KFM-SEC-064:url-credentials',
      'KFM-SEC-065:url-credentials',
      'KFM-SEC-066:url-credentials',
      'KFM-SEC-069:xml-setting',
      'KFM-SEC-078:bootstrap-token',
    ]);
  });

  it('every whole-line RE2 match holds a hit the gate lets through', () => {
    const lines = [
      ...generatedLines(2027, 8000),
      ...buildVectors().flatMap((v) => [v.positive.text, ...v.negatives.map((n) => n.text)]),
    ];
    let matches = 0;
    for (const rule of SHAPED) {
      const re = RE2JS.compile(rule.pattern);
      let ruleMatches = 0;
      for (const line of lines) {
        const m = re.matcher(line);
        let passed: number[] | undefined;
        while (m.find()) {
          passed ??= passing(rule, line);
          const inside = passed.some((p) => p >= m.start() && p < m.end());
          expect(inside, `${rule.id} ${JSON.stringify(m.group())} in ${JSON.stringify(line)}`).toBe(true);
          ruleMatches++;
        }
      }
      // The generated lines do reach each rule's regex (a gate tested on lines that never match proves nothing).
      expect(ruleMatches, rule.id).toBeGreaterThan(5);
      matches += ruleMatches;
    }
    expect(matches).toBeGreaterThan(500);
  });

  it('finds what the ungated detector finds: generated lines, rule vectors, fixtures and the shared corpus', () => {
    const lines = generatedLines(1717, 4000);
    const texts = [
      ...lines,
      lines.join('\n'),
      lines.join('\r\n'),
      ...buildVectors().flatMap((v) => [v.positive.text, ...v.negatives.map((n) => n.text)]),
      ...treeTexts(),
    ];
    let findings = 0;
    for (const text of texts) {
      const a = fast.detect(text);
      const b = slow.detect(text);
      expect(candidateShape(a.candidates), JSON.stringify(text.slice(0, 200))).toEqual(candidateShape(b.candidates));
      expect(a.truncated).toBe(b.truncated);
      findings += a.candidates.filter((c) => SHAPED.includes(c.rule)).length;
    }
    expect(findings).toBeGreaterThan(300);
  });

  it('a clean manifest never reaches RE2: service URLs, RBAC groups, env names, hex digests', () => {
    const d = new Detector();
    const text = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'env:',
      '  - name: OTEL_EXPORTER_OTLP_ENDPOINT',
      '    value: http://otel-collector.observability.svc:4317',
      '  - name: PUBLIC_BASE_URL',
      '    value: https://api.apps.example.org/v1',
      '  - name: DB_PASSWORD',
      '    valueFrom: {secretKeyRef: {name: db, key: password}}',
      '  - name: AWS_SECRET_ACCESS_KEY',
      '    valueFrom: {secretKeyRef: {name: s3, key: api-secret-access-key}}',
      '  - name: DATABASE_HOST',
      '    value: postgres.db.svc',
      'checksum: sk8YRr/Dwa48oFyxRgM7eXbZhdBM6YjB8C',
      '_PASSWORD: ${DB}',
    ].join('\n');
    expect(d.detect(text).candidates).toEqual([]);
    expect(d.stats.testCalls).toBe(0);
    // One character makes each a credential again, and RE2 runs.
    const g = new Gen(4);
    const dirty = [
      `url: postgres://app:${g.password(14)}@db.svc:5432/app`,
      `"auth": "${Buffer.from(`user:${g.alnum(16)}`).toString('base64')}"`,
      `//registry.npmjs.org/:_authToken=${g.alnum(36)}`,
      `sid: SK${g.hex(32)}`,
      `aws_secret_access_key = ${g.b64(40)}`,
    ];
    for (const line of dirty) expect(d.detect(line).candidates.length, line).toBe(1);
  });
});
