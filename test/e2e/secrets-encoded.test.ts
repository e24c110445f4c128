/**
 * Encodings a credential was deployed under while `check` exited 0 (hostile review, "encoding limits"): hex (`xxd -p`,
 * either case, wrapped or not), URL percent-encoding (every byte or some), and base64 nested 4 deep or mixed with hex.
 * Each is read like base64 is: through the CLI, exit 1, the credential's rule at the value's file and line, the value
 * in no output. Digests (a git sha, an image digest, a sha512) and URLs with a few escapes stay silent.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { leakedFragments } from '../secrets/helpers.js';
import { Gen } from '../secrets/vectors.js';

const g = new Gen(1702);
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Finding {
  ruleId: string;
  file?: string;
  line?: number;
  message: string;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');
/** `xxd -p`: 60 hex digits a line. */
const xxd = (s: string | Buffer, upper = false): string[] => {
  const h = upper ? hex(s).toUpperCase() : hex(s);
  return h.match(/.{1,60}/g) ?? [];
};
const percentAll = (s: string): string =>
  [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** One overlay (`ci/`) of one ConfigMap whose `data` is `lines` (already indented by two): a check of it renders. */
function repo(lines: string[]): string {
  const top = mkdtempSync(join(tmpdir(), 'kfm-encoded-'));
  made.push(top);
  mkdirSync(join(top, 'ci'));
  writeFileSync(join(top, 'ci', 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
  writeFileSync(
    join(top, 'ci', 'cm.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ci\ndata:\n${lines.join('\n')}\n`,
  );
  return top;
}

async function check(top: string, secrets: string[]): Promise<{ code: number; findings: Finding[] }> {
  const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: top });
  expect(leakedFragments(r.stdout + r.stderr, secrets)).toEqual([]);
  const text = await runCli(['check', '.', '--no-cache'], { cwd: top });
  expect(leakedFragments(text.stdout + text.stderr, secrets)).toEqual([]);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
}

/** Rule, file and line of the secret findings (the ConfigMap is in `ci/cm.yaml`, its data from line 7). */
const places = (fs: Finding[]): [string, string | undefined, number | undefined][] =>
  fs.filter((f) => f.ruleId.startsWith('KFM-SEC-')).map((f) => [f.ruleId, f.file, f.line]);

describe('hex, percent-encoded and deeply nested credentials fail the check', () => {
  it('a GitHub token as hex: lower case, upper case, and `xxd -p` lines in a block scalar', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const top = repo([
      `  lower: ${hex(token)}`,
      `  upper: "${hex(token).toUpperCase()}"`,
      '  wrapped: |',
      ...xxd(token, true).map((l) => `    ${l}`),
    ]);
    const r = await check(top, [token, hex(token)]);
    expect(r.code).toBe(1);
    // A block scalar's finding is at its first line.
    expect(places(r.findings)).toEqual([
      ['KFM-SEC-030', 'ci/cm.yaml', 7],
      ['KFM-SEC-030', 'ci/cm.yaml', 8],
      ['KFM-SEC-030', 'ci/cm.yaml', 10],
    ]);
    for (const f of r.findings) expect(f.message).toContain('(hex-decoded)');
  });

  it('a private key as hex: PKCS#8 DER (a key store finding) and a PEM text', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const der = key.export({ type: 'pkcs8', format: 'der' });
    const pem = key.export({ type: 'sec1', format: 'pem' }) as string;
    const body = pem.split('\n').slice(1, -2).join('');
    const top = repo(['  der: |', ...xxd(der).map((l) => `    ${l}`), `  pem: ${hex(pem)}`]);
    const r = await check(top, [hex(der).slice(40, 120), body, hex(pem).slice(80, 160)]);
    expect(r.code).toBe(1);
    expect(places(r.findings)).toEqual([
      ['KFM-SEC-006', 'ci/cm.yaml', 8],
      ['KFM-SEC-011', 'ci/cm.yaml', 7 + xxd(der).length + 1],
    ]);
  });

  it('a GitHub token URL-encoded: every byte, and only some', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const some = token.replace(/[A-Z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    // Quoted: a plain YAML scalar cannot start with `%` (a directive).
    const top = repo([`  all: "${percentAll(token)}"`, `  url: "https://ci.example.org/hook/${some}?x=1"`]);
    const r = await check(top, [token, percentAll(token), some]);
    expect(r.code).toBe(1);
    expect(places(r.findings)).toEqual([
      ['KFM-SEC-030', 'ci/cm.yaml', 7],
      ['KFM-SEC-030', 'ci/cm.yaml', 8],
    ]);
    for (const f of r.findings) expect(f.message).toContain('(percent-decoded)');
  });

  it('base64 four and five deep, and base64 of hex of base64', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const four = b64(b64(b64(b64(token))));
    const five = b64(four);
    const mixed = b64(hex(b64(token)));
    const top = repo([`  four: ${four}`, `  five: ${five}`, `  mixed: ${mixed}`]);
    const r = await check(top, [token, four, five, mixed]);
    expect(r.code).toBe(1);
    expect(places(r.findings)).toEqual([
      ['KFM-SEC-030', 'ci/cm.yaml', 7],
      ['KFM-SEC-030', 'ci/cm.yaml', 8],
      ['KFM-SEC-030', 'ci/cm.yaml', 9],
    ]);
  });

  it('digests, shas, hex ids and URLs with a few escapes stay silent (exit 0)', async () => {
    const h = (bytes: number): string => g.hex(bytes * 2);
    const top = repo([
      `  image: registry.example.org/kfm/api@sha256:${h(32)}`,
      `  digest: sha256:${h(32)}`,
      `  commit: ${h(20)}`,
      `  sha512: ${h(64)}`,
      `  md5: ${h(16)}`,
      `  upper: "${h(32).toUpperCase()}"`,
      `  id: ${h(4)}-${h(2)}-${h(2)}-${h(2)}-${h(6)}`,
      `  random: ${h(48)}`,
      '  docs: "https://example.org/search?q=a%20b%20c&lang=en%2Dgb&path=%2Fdocs%2Fx"',
      '  text: "caf%C3%A9 au lait 100%25 %3Cb%3E"',
    ]);
    const r = await check(top, []);
    expect(places(r.findings)).toEqual([]);
    expect(r.code).toBe(0);
  });
});
