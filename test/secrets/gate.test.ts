/**
 * The generic rules' assignment gate (src/checks/secrets/gate.ts) is a fast path: it may only skip work, never a
 * finding. Differential tests over generated and hostile inputs: the gated detector finds exactly what the ungated
 * one finds (RE2 on every keyword window), and, per rule, exactly what RE2 run over the whole line finds.
 */
import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { Detector } from '../../src/checks/secrets/detector.js';
import { foldCredentialKeys } from '../../src/checks/secrets/fold.js';
import { decodeText } from '../../src/checks/secrets/files.js';
import { gatedHits } from '../../src/checks/secrets/gate.js';
import { Scanner } from '../../src/checks/secrets/scan.js';
import { SecretHasher } from '../../src/checks/secrets/redact.js';
import { secretsSettings } from '../../src/checks/secrets/index.js';
import { looksLikeGenericSecret } from '../../src/checks/secrets/text.js';
import { ASSIGNMENT_TAIL, CONTENT_RULES } from '../../src/rules/secret-patterns.js';
import { buildVectors, candidateShape, Gen, keywordHits, rng } from './vectors.js';

// The generic rules; the AWS secret key rule shares the gate for its key only (test/secrets/shape-gate.test.ts).
const GATED = CONTENT_RULES.filter((r) => r.gate === 'assignment' && r.generic);
const fast = new Detector();
const slow = new Detector(undefined, { gate: false });

const shape = candidateShape;

/** Lines built from the pieces the gate reads: keys around keywords, quotes, blanks, operators, values. */
function generatedLines(seed: number, count: number): string[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const g = new Gen(seed);
  const keywords = GATED.flatMap((r) => r.keywords);
  const folded = (k: string): string =>
    next() < 0.2 ? k.replace(/s/g, '\u017f').replace(/k/g, '\u212a') : next() < 0.5 ? k.toUpperCase() : k;
  const keyParts = ['', 'db_', 'DB_', 'x.', 'my-', 'A', '_2', '\u017f', '\u212a', 'é', 'Ǆ'];
  const quotes = ['', '"', "'", '`'];
  const blanks = ['', ' ', '  ', '\t', ' \t ', '\v', '\f', '\u00a0'];
  const ops = [':', '=', ':=', '=>', '==', ': =', '=:', '', '-', '>'];
  const valueChars = [
    g.alnum(40),
    g.password(30),
    'abc def ghi jkl',
    '\u00a0\u00a0xY7#kq!2Lm\u00a0',
    '\vAb3$dEf6^gH\v',
    'ghp_' + g.alnum(36),
    '{secretName: x}',
    '[a, b]',
    'a,b;c`d{e}f[g]h',
    '${DB_PASSWORD}',
    'changeme',
    'é'.repeat(12),
    g.b64(300),
    g.b64(255),
    g.b64(258),
    g.alnum(7),
    g.alnum(8),
  ];
  const value = (): string => {
    const v = pick(valueChars);
    const cut = next() < 0.3 ? v.slice(0, Math.floor(next() * v.length)) : v;
    const q = pick(quotes);
    const close = next() < 0.8 ? q : '';
    return `${q}${cut}${close}`;
  };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const n = 1 + Math.floor(next() * 3);
    for (let j = 0; j < n; j++) {
      const key = `${pick(keyParts)}${folded(pick(keywords))}${pick(keyParts)}`;
      parts.push(
        `${pick(['', '- ', '  ', '{', '"'])}${key}${pick(quotes)}${pick(blanks)}${pick(ops)}${pick(blanks)}${value()}`,
      );
    }
    lines.push(parts.join(pick([' ', ', ', '; ', '', '\t'])));
  }
  return lines;
}

describe('assignment gate: exact fast path for the generic rules', () => {
  it('the gated rules have the shape the gate reads', () => {
    expect(GATED.map((r) => r.id).sort()).toEqual(['KFM-SEC-070', 'KFM-SEC-071', 'KFM-SEC-072', 'KFM-SEC-073']);
    for (const r of GATED) {
      expect(r.pattern.startsWith('(?i)([A-Za-z0-9_.-]*'), r.id).toBe(true);
      expect(r.pattern.endsWith(ASSIGNMENT_TAIL), r.id).toBe(true);
      expect(r.generic, r.id).toBe(true);
    }
  });

  it('finds what the ungated detector finds, on generated lines, files of them and every rule vector', () => {
    const lines = generatedLines(1616, 4000);
    const texts = [
      ...lines,
      lines.join('\n'),
      lines.join('\r\n'),
      ...buildVectors().flatMap((v) => [v.positive.text, ...v.negatives.map((n) => n.text)]),
    ];
    let findings = 0;
    for (const text of texts) {
      // The config's stop words refuse more values: the capture skip must use them as the candidate check does.
      for (const stopWords of [[], ['abc', 'ghp_']]) {
        const a = fast.detect(text, { stopWords });
        const b = slow.detect(text, { stopWords });
        expect(shape(a.candidates), JSON.stringify(text.slice(0, 200))).toEqual(shape(b.candidates));
        expect(a.truncated).toBe(b.truncated);
        findings += a.candidates.length;
      }
    }
    // The generated inputs do exercise both verdicts: many lines report, and the gate skipped most windows.
    expect(findings).toBeGreaterThan(300);
    expect(fast.stats.gatedOut).toBeGreaterThan(1000);
  });

  it('per rule, finds what RE2 over the whole line finds (no keyword window, no gate)', () => {
    const lines = generatedLines(2026, 3000);
    for (const rule of GATED) {
      const re = RE2JS.compile(rule.pattern);
      const one = new Detector([rule]);
      for (const line of lines) {
        // The line as written, and again with its keys outside ASCII folded (fold.ts): values as written.
        const found: [number, number][] = [];
        const folded = foldCredentialKeys(line);
        for (const text of folded === undefined ? [line] : [line, folded]) {
          const m = re.matcher(text);
          while (m.find()) {
            const g = rule.secretGroups.find((k) => m.group(k) !== null)!;
            if (looksLikeGenericSecret(line.slice(m.start(g), m.end(g)), [], rule.shortPasswords))
              found.push([m.start(g), m.end(g)]);
          }
        }
        // Overlapping readings of one value: the longer wins (detector.ts resolveOverlaps).
        found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
        const kept: [number, number][] = [];
        for (const c of found) {
          const last = kept[kept.length - 1];
          if (last && c[0] < last[1]) {
            if (c[1] - c[0] > last[1] - last[0]) kept[kept.length - 1] = c;
          } else kept.push(c);
        }
        const expected = kept.map(([s, e]) => `${s}-${e}`);
        const got = one.detect(line).candidates.map((c) => `${c.start}-${c.end}`);
        expect(got, `${rule.id} ${JSON.stringify(line)}`).toEqual(expected);
      }
    }
  });

  it('every whole-line RE2 match holds a hit the gate lets through', () => {
    const lines = generatedLines(77, 3000);
    for (const rule of GATED) {
      const re = RE2JS.compile(rule.pattern);
      for (const line of lines) {
        const m = re.matcher(line);
        const passed = gatedHits(line, keywordHits(rule.keywords, line), { n: 0 }).hits;
        while (m.find()) {
          const inside = passed.some((p) => p >= m.start() && p < m.end());
          expect(inside, `${rule.id} ${JSON.stringify(m.group())}`).toBe(true);
        }
      }
    }
  });

  it('a keyword written with the long s or the Kelvin sign is found, as RE2 (?i) matches it', () => {
    const g = new Gen(9);
    const value = g.password(24);
    for (const key of ['pa\u017f\u017fword', 'api_\u212aey', 'TO\u212aEN', '\u017fecret']) {
      const found = fast.detect(`${key}: ${value}`).candidates;
      expect(
        found.map((c) => c.value),
        key,
      ).toEqual([value]);
    }
  });

  it('a value the rule refuses (too long, a name) skips the capture pass; one character less is still reported', () => {
    const g = new Gen(3);
    const base = g.alnum(256);
    const d = new Detector();
    expect(d.detect(`password: ${base}x`).candidates).toEqual([]);
    expect(d.stats.matcherCalls).toBe(0);
    expect(d.detect(`password: "${base}x"`).candidates).toEqual([]);
    expect(d.detect('SECRET_NAME: db-credentials-secret').candidates).toEqual([]);
    expect(d.detect('secret: {secretName: api-gateway-tls}').candidates).toEqual([]);
    expect(d.stats.matcherCalls).toBe(0);
    // 256 characters: at the limit, reported; a non-ASCII space at the end is trimmed, so it is checked too.
    expect(d.detect(`password: ${base}`).candidates.map((c) => c.value.length)).toEqual([256]);
    expect(d.detect(`password: "${base}\u00a0"`).candidates.length).toBe(1);
    // The long value cut by the search window is what the ungated detector sees too.
    const long = `password: ${g.alnum(400)}`;
    expect(shape(d.detect(long).candidates)).toEqual(shape(slow.detect(long).candidates));
  });
});

describe('assignment gate inside a whole scan: hostile shapes report the same findings with and without it', () => {
  const settings = secretsSettings({});
  const scanner = (gate: boolean): Scanner =>
    new Scanner(new Detector(undefined, { gate }), new SecretHasher('k'), settings);
  const on = scanner(true);
  const off = scanner(false);
  const g = new Gen(1605);
  const pw = g.password(22);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const files: Record<string, string> = {
    'escaped-break.yaml': `env:\n  password: "${pw.slice(0, 9)}\\\n    ${pw.slice(9)}"\n`,
    'keyword-split.yaml': `x: "pass\\\n  word: ${pw}"\n`,
    'escapes.yaml': `token: "\\u0074${g.alnum(20)}\\x41"\n`,
    'block.yaml': `secret: |\n  ${g.alnum(30)}\n`,
    'env-pair.yaml': `env:\n  - name: DB_PASSWORD\n    value: ${pw}\n`,
    'flow.yaml': `env: [{name: API_TOKEN, value: "${g.alnum(30)}"}]\n`,
    'configmap-b64.yaml': `apiVersion: v1\nkind: ConfigMap\ndata:\n  conf: ${b64(`password=${pw}\n`)}\n`,
    'sealed.yaml': `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n    password: AgB${g.b64(600)}\n    token: ${b64(pw)}\n`,
    'json.json': `{"auth": {"clientSecret": "${g.alnum(32)}", "password":"${pw}"}}`,
    'dotenv.env': `DB_PASSWORD=${pw}\nexport API_KEY='${g.alnum(30)}'\nSECRET_NAME=db-secret\n`,
    'long-line.txt': `${'token '.repeat(400)}password: ${pw} ${'secret: {x} '.repeat(200)}`,
    'crlf.yaml': `a: 1\r\npassword: ${pw}\r\ntoken:\t'${g.alnum(24)}'\r\n`,
    'kelvin.yaml': `api_\u212aey: ${g.alnum(30)}\npa\u017f\u017fword: ${pw}\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    it(name, () => {
      const view = (s: Scanner): string[] =>
        s
          .scanText(name, text)
          .findings.map((f) => `${f.ruleId}:${f.line}:${f.secretHash}`)
          .sort();
      const a = view(on);
      expect(a).toEqual(view(off));
      expect(a.length, 'each hostile file holds a credential').toBeGreaterThan(0);
    });
  }

  it('a UTF-16 file (BOM) decodes to the same findings', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`password: ${pw}\n`, 'utf16le')]);
    const text = decodeText(bytes)!;
    const ids = (s: Scanner): string[] => s.scanText('u.yaml', text).findings.map((f) => f.ruleId);
    expect(ids(on)).toEqual(['KFM-SEC-070']);
    expect(ids(off)).toEqual(ids(on));
  });
});
