import { afterAll, describe, expect, it } from 'vitest';
import { scanForSecrets, secretsSettings } from '../../src/checks/secrets/index.js';
import { Detector, KeywordIndex } from '../../src/checks/secrets/detector.js';
import { CONTENT_RULES } from '../../src/rules/secret-patterns.js';
import { needsStructure } from '../../src/checks/secrets/structure.js';
import { makeRepo, removeDir } from './helpers.js';
import { rng } from './vectors.js';

const MB = 1024 * 1024;
const keywords = CONTENT_RULES.flatMap((r) => r.keywords);
const fill = (unit: string, n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** Crafted single-line inputs: dense keywords with and without matches, matches that are all rejected, … */
const SHAPES: Record<string, (n: number) => string> = {
  'no keyword': (n) => 'a'.repeat(n),
  'dense keyword, never a match': (n) => fill('ghp_', n),
  'PEM headers without a body': (n) => fill('-----BEGIN RSA PRIVATE KEY-----', n),
  'assignments that tile the line': (n) => fill('password=', n),
  'matches all rejected as placeholders': (n) => fill('password=Ab1!Ab1!Ab1! ', n),
  'every keyword of every rule': (n) => fill(`${keywords.join(' ')} `, n),
  'every keyword, no separators': (n) => fill(keywords.join(''), n),
  'URLs with passwords that are placeholders': (n) => fill('postgres://u:password@h ', n),
  'long base64 run': (n) =>
    fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk', n),
};

/** Characters every pass read: keyword automaton, assignment gate, DFA, capture engine. Deterministic, unlike a clock. */
function work(text: string): { chars: number; truncated: boolean } {
  const d = new Detector();
  const r = d.detect(text);
  return {
    chars: d.stats.keywordChars + d.stats.gateChars + d.stats.testChars + d.stats.matcherChars,
    truncated: r.truncated,
  };
}

describe('linear-time scanning of crafted single-line files', () => {
  for (const [name, make] of Object.entries(SHAPES)) {
    it(`${name}: twice the input, at most about twice the work, and a bounded amount per character`, () => {
      const one = work(make(MB));
      const two = work(make(2 * MB));
      expect(two.chars / one.chars).toBeLessThan(2.3);
      expect(two.chars / (2 * MB)).toBeLessThan(20);
    });
  }

  it('the keyword pass reads each character once, whatever the keywords', () => {
    const index = new KeywordIndex(['ab', 'abab', 'b', 'bab']);
    const hits = index.scan('ABABAB');
    expect(hits).toEqual([
      [0, 2, 4],
      [0, 2],
      [1, 3, 5],
      [1, 3],
    ]);
  });

  it('finds every occurrence of every rule keyword, overlaps included, as a search for each keyword does', () => {
    const keywords = [...new Set(CONTENT_RULES.flatMap((r) => r.keywords))];
    const index = new KeywordIndex(keywords);
    const next = rng(99);
    const pieces = [...keywords, ...keywords.map((k) => k.toUpperCase()), 'a', 's', 'k', '_', ':', '/', ' ', '\n'];
    pieces.push('\u017f', '\u212a', 'é', 'SS', 'pa', 'ss', 'word');
    let found = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let j = Math.floor(next() * 12); j > 0; j--) text += pieces[Math.floor(next() * pieces.length)];
      const lower = text
        .replace(/\u017f/g, 's')
        .replace(/\u212a/g, 'k')
        .toLowerCase();
      const expected = keywords.map((k) => {
        const at: number[] = [];
        for (let p = lower.indexOf(k); p !== -1; p = lower.indexOf(k, p + 1)) at.push(p);
        return at.length > 0 ? at : undefined;
      });
      expect(index.scan(text), JSON.stringify(text)).toEqual(expected);
      found += expected.filter(Boolean).length;
    }
    expect(found).toBeGreaterThan(5000);
  });
});

describe('a crafted 5 MB file in a repository', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await removeDir(r);
  });

  it('is scanned (or stopped, failing closed) in bounded time, never stalls', async () => {
    const big = SHAPES['matches all rejected as placeholders'](5 * MB - 1024);
    const root = await makeRepo({ 'crafted.yaml': `x: ${big}\n` });
    roots.push(root);
    const started = performance.now();
    const result = await scanForSecrets({ root, settings: secretsSettings({}), mode: 'check', overlays: [], env: {} });
    const seconds = (performance.now() - started) / 1000;
    expect(result.findings.map((f) => [f.ruleId, f.file])).toEqual([['KFM-SEC-007', 'crafted.yaml']]);
    // Far more than the few seconds it takes on a shared 2-core box; a super-linear scan would take hours.
    expect(seconds).toBeLessThan(60);
  });
});

describe('the structural pre-pass (which files need a YAML parse) is linear', () => {
  const KB = 1024;
  // Shapes that made the old backtracking patterns (`name…\n…value:`, `password…: |`) quadratic, none of which
  // carries a marker that ends the pass early: every line is read.
  const STRUCTURE_SHAPES: Record<string, (n: number) => string> = {
    'runs of =': (n) => fill('=', n),
    'runs of quotes': (n) => fill(`"'`, n),
    'runs of ": "': (n) => fill(': ', n),
    'name: lines with ": " runs': (n) => fill(`name: ${': '.repeat(200)}\n`, n),
    'growing indentation': (n) => {
      let s = '';
      for (let d = 0; s.length < n; d = (d + 1) % 4000) s += `${' '.repeat(d)}k: v\n`;
      return s.slice(0, n);
    },
    'credential names without values': (n) => fill('- name: password_token_secret_key\n  valueFrom: x\n', n),
    'sequence markers': (n) => fill('- ', n),
    // `Secret` inside keys (whole lines: a cut word would be a value): each occurrence read to the end of its word.
    'keys naming a Secret': (n) => 'existingSecret: v\n'.repeat(Math.floor(n / 18)),
    'long keys made of Secret': (n) => `${'Secret'.repeat(500)}: v\n`.repeat(Math.floor(n / 3004)),
  };
  const sizes = [64 * KB, 256 * KB, MB, 5 * MB];
  for (const [name, make] of Object.entries(STRUCTURE_SHAPES)) {
    it(`${name}: steps per character stay constant from 64 KB to 5 MB`, () => {
      const perChar = sizes.map((n) => {
        const text = make(n);
        const d = needsStructure(text, false);
        expect(d.needed).toBe(false);
        return d.steps / text.length;
      });
      for (const r of perChar) {
        expect(r).toBeLessThan(20);
        expect(r / perChar[0]).toBeLessThan(1.1);
      }
    });
  }

  it('a 5 MB adversarial Secret (structure needed: a real parse) is scanned in seconds, with its finding', async () => {
    const root = await makeRepo({
      'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  x: '${fill('=: "', 5 * MB - 100)}'\n`,
    });
    try {
      const started = performance.now();
      const result = await scanForSecrets({
        root,
        settings: secretsSettings({}),
        mode: 'check',
        overlays: [],
        env: {},
      });
      const seconds = (performance.now() - started) / 1000;
      expect(result.findings.map((f) => f.ruleId)).toContain('KFM-SEC-001');
      expect(seconds).toBeLessThan(20);
    } finally {
      await removeDir(root);
    }
  });
});
