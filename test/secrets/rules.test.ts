import { describe, expect, it } from 'vitest';
import { createSecretsCheck } from '../../src/checks/secrets/index.js';
import { Detector } from '../../src/checks/secrets/detector.js';
import { CONTENT_RULES } from '../../src/rules/secret-patterns.js';
import { buildVectors, Gen } from './vectors.js';

const detector = new Detector();
const vectors = buildVectors();
const ids = (text: string): string[] => detector.detect(text).candidates.map((c) => c.rule.id);

describe('credential rules', () => {
  it('has at least 40 credential rules, each documented with what, why and how to fix', () => {
    expect(CONTENT_RULES.length).toBeGreaterThanOrEqual(40);
    const docs = createSecretsCheck().rules();
    for (const rule of CONTENT_RULES) {
      const doc = docs.find((d) => d.id === rule.id);
      expect(doc, rule.id).toBeDefined();
      expect(doc!.category).toBe('secret');
      expect(doc!.description.length).toBeGreaterThan(60);
      expect(doc!.remediation.length).toBeGreaterThan(40);
      expect(rule.id).toMatch(/^KFM-SEC-\d{3}$/);
    }
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
  });

  it('has a true-positive and at least one false-positive vector for every credential rule', () => {
    const covered = new Set(vectors.map((v) => v.ruleId));
    expect([...CONTENT_RULES.map((r) => r.id)].filter((id) => !covered.has(id))).toEqual([]);
    for (const v of vectors) expect(v.negatives.length, v.ruleId).toBeGreaterThan(0);
  });

  for (const v of vectors) {
    it(`${v.ruleId} finds its credential`, () => {
      const found = detector.detect(v.positive.text).candidates;
      expect(found.map((c) => c.rule.id)).toEqual([v.ruleId]);
      // The reported range holds the planted credential (PEM bodies: its first line).
      expect(found[0].value).toContain(v.positive.secret);
    });
    it(`${v.ruleId} finds it far into a long line, and after a long file (search windows, chunks)`, () => {
      const filler = 'z '.repeat(20_000);
      expect(ids(`${filler}${v.positive.text}`)).toEqual([v.ruleId]);
      expect(ids(`${'line\n'.repeat(5_000)}${v.positive.text}${filler}`)).toEqual([v.ruleId]);
    });
    it(`${v.ruleId} ignores its look-alikes`, () => {
      for (const n of v.negatives) {
        const found = ids(n.text);
        expect(found, n.text).not.toContain(v.ruleId);
        if (n.quiet !== false) expect(found, n.text).toEqual([]);
      }
    });
  }

  it('keywords are sound: every rule fires only where one of its keywords occurs', () => {
    for (const v of vectors) {
      const rule = CONTENT_RULES.find((r) => r.id === v.ruleId)!;
      expect(
        rule.keywords.some((k) => v.positive.text.toLowerCase().includes(k)),
        v.ruleId,
      ).toBe(true);
      expect(
        rule.keywords.every((k) => k === k.toLowerCase()),
        v.ruleId,
      ).toBe(true);
    }
  });

  it('keywords are complete: every separator spelling a key pattern allows is found (`client.key`, `secret_access.key`)', () => {
    const g = new Gen(21);
    const seps = ['', '_', '.', '-'];
    const value = g.alnum(12) + '7Qz';
    const awsValue = `${g.alnum(20)}/${g.alnum(19)}`;
    for (const w of ['api', 'access', 'auth', 'app', 'client', 'master', 'signing', 'encryption'])
      for (const sep of seps)
        for (const key of [`${w}${sep}key`, `${w.toUpperCase()}${sep}KEY`, `my.${w}${sep}key.v2`])
          expect(ids(`${key}: ${value}`), key).toEqual(['KFM-SEC-073']);
    for (const a of seps)
      for (const b of seps)
        for (const key of [`secret${a}access${b}key`, `aws${a}secret${b}access${a}key`, `AWS${a}SECRET${b}KEY`])
          expect(ids(`${key} = ${awsValue}`), key).toEqual(['KFM-SEC-021']);
  });

  it('reports one finding for a secret that several rules match: the most specific', () => {
    const token = `ghp_${vectors.find((v) => v.ruleId === 'KFM-SEC-030')!.positive.secret}`;
    expect(ids(`github_token: ${token}`)).toEqual(['KFM-SEC-030']);
    expect(ids(`{"api_key": "${token}"}`)).toEqual(['KFM-SEC-030']);
  });

  it('checks token boundaries against the whole text, not the search window', () => {
    const token = `ghp_${vectors.find((v) => v.ruleId === 'KFM-SEC-030')!.positive.secret}`;
    expect(ids(`a${token}`)).toEqual([]);
    expect(ids(`${token}b`)).toEqual([]);
    expect(ids(`"${token}"`)).toEqual(['KFM-SEC-030']);
    // Far from the keyword's window start, in a long line: still exact.
    expect(ids(`${'z '.repeat(50_000)}${token} ${'z '.repeat(50_000)}`)).toEqual(['KFM-SEC-030']);
  });

  it('finds the same secret whatever the layout: YAML block, JSON escapes and .pem files hash alike', () => {
    const pemVector = vectors.find((v) => v.ruleId === 'KFM-SEC-010')!;
    const [candidate] = detector.detect(pemVector.positive.text).candidates;
    const block = pemVector.positive.text.replace(/^key: \|\n/, '').replace(/^ {2}/gm, '');
    const asJson = JSON.stringify({ key: block });
    const [fromJson] = detector.detect(asJson).candidates;
    expect(fromJson.rule.id).toBe('KFM-SEC-010');
    expect(fromJson.value).toBe(candidate.value);
  });

  it('honours extra stop words from the config', () => {
    const v = vectors.find((x) => x.ruleId === 'KFM-SEC-070')!;
    expect(detector.detect(v.positive.text, { stopWords: [v.positive.secret.slice(2, 8)] }).candidates).toEqual([]);
  });

  it("the config's stop words (the repository's own) never silence a specific format: stopWords [ghp] keeps a GitHub token", () => {
    const gh = vectors.find((x) => x.ruleId === 'KFM-SEC-030')!.positive;
    const words = [gh.secret.slice(0, 3), gh.secret.slice(4, 10)];
    expect(detector.detect(gh.text, { stopWords: words }).candidates.map((c) => c.rule.id)).toEqual(['KFM-SEC-030']);
  });

  it('keeps generic rules off for references (ExternalSecret) but not specific formats', () => {
    const pw = vectors.find((x) => x.ruleId === 'KFM-SEC-070')!.positive;
    const gh = vectors.find((x) => x.ruleId === 'KFM-SEC-030')!.positive;
    expect(detector.detect(pw.text, { skipGeneric: true }).candidates).toEqual([]);
    expect(detector.detect(gh.text, { skipGeneric: true }).candidates.map((c) => c.rule.id)).toEqual(['KFM-SEC-030']);
  });
});
