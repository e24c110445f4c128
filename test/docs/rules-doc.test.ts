import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../../src/rules/index.js';
import { formatRulesDoc } from '../../src/report/rules-doc.js';
import { repoRoot } from '../helpers.js';

describe('docs/rules.md', () => {
  it('is up to date with the rule metadata (run `npm run docs:rules`)', () => {
    expect(readFileSync(join(repoRoot, 'docs', 'rules.md'), 'utf8')).toBe(formatRulesDoc(allRules()));
  });

  it('documents every rule with why and how to fix, ids unique and well formed', () => {
    const rules = allRules();
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^KFM-[A-Z]+-\d{3}$/);
      expect(r.description.length, r.id).toBeGreaterThan(20);
      expect(r.remediation.length, r.id).toBeGreaterThan(10);
    }
  });
});
