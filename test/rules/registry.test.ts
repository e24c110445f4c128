/**
 * Issue 13: one rule registry, and a gate the repository under check cannot switch off. The config lives in that
 * repository, so every way a pull request could lower a guard rule must stop the run (exit 2) with one line.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { resolveSeverity } from '../../src/findings/severity.js';
import { allRules, isGuard, ruleById } from '../../src/rules/index.js';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

const cfg = (text: string): Promise<unknown> => parseConfig(text, 'kfm-gitops.yaml');

describe('config validation from the registry', () => {
  it('refuses switching off, or lowering, a guard rule, naming the rule and why', async () => {
    await expect(cfg('rules:\n  KFM-SCHEMA-000: "off"\n')).rejects.toThrow(
      /kfm-gitops\.yaml:2: `rules\.KFM-SCHEMA-000: off` is not allowed: KFM-SCHEMA-000 .*could not be checked/,
    );
    await expect(cfg('rules:\n  KFM-RENDER-010: info\n')).rejects.toThrow(/KFM-RENDER-010: info` is not allowed/);
    await expect(cfg('rules:\n  KFM-RENDER-001: warning\n')).rejects.toThrow(/not allowed/);
  });

  it('lets a guard rule be raised or restated, and a non-guard rule be lowered or switched off', async () => {
    await expect(cfg('rules:\n  KFM-SCHEMA-005: error\n')).resolves.toBeTruthy();
    await expect(cfg('rules:\n  KFM-ARGO-004: "off"\n  KFM-DP-001: warning\n')).resolves.toBeTruthy();
  });

  it('refuses an unknown rule id with the closest known one', async () => {
    await expect(cfg('rules:\n  KFM-ARGO-044: warning\n')).rejects.toThrow(
      /kfm-gitops\.yaml:2: `rules` names unknown rule KFM-ARGO-044 \(did you mean KFM-ARGO-00\d\?\)/,
    );
    await expect(cfg('rules:\n  KFM-RENDR-003: warning\n')).rejects.toThrow(/did you mean KFM-RENDER-003/);
    // Not even shaped like an id: named, with the closest id, never the schema's regex.
    await expect(cfg('rules:\n  kfm-argo-04: warning\n')).rejects.toThrow(
      /kfm-gitops\.yaml:2: `rules` names "kfm-argo-04", which is not a rule id .*did you mean KFM-ARGO-004\?/,
    );
  });

  it('accepts ids of a custom family only when custom policies are configured', async () => {
    await expect(cfg('rules:\n  KFM-CUSTOM-001: warning\n')).rejects.toThrow(/unknown rule KFM-CUSTOM-001/);
    await expect(cfg('policy:\n  customDir: policies\nrules:\n  KFM-CUSTOM-001: warning\n')).resolves.toBeTruthy();
    // A built-in family stays closed even then: a typo there is still a typo.
    await expect(cfg('policy:\n  customDir: policies\nrules:\n  KFM-ARGO-044: warning\n')).rejects.toThrow(
      /unknown rule KFM-ARGO-044/,
    );
  });

  it('refuses an exception for a guard rule, and one for an unknown rule', async () => {
    const exception = (rule: string): string =>
      `exceptions:\n  - rule: ${rule}\n    reason: vendor image not yet mirrored (TICKET-1)\n    owner: platform-team\n    expires: 2099-01-01\n`;
    await expect(cfg(exception('KFM-RENDER-001'))).rejects.toThrow(
      /kfm-gitops\.yaml:2: exception 1 targets KFM-RENDER-001 .*guard rules cannot be excepted/,
    );
    await expect(cfg(exception('KFM-DP-999'))).rejects.toThrow(/unknown rule KFM-DP-999/);
    await expect(cfg(exception('KFM-DP-001'))).resolves.toBeTruthy();
  });

  it('refuses secrets.allowRules that would let an inline comment silence a guard', async () => {
    await expect(cfg('secrets:\n  allowRules: ["KFM-SEC-00?"]\n')).rejects.toThrow(/guard rules cannot be allowed/);
  });
});

describe('the severity lock', () => {
  it('never lowers a guard, whatever settings reach it', () => {
    expect(resolveSeverity('KFM-SCHEMA-000', { 'KFM-SCHEMA-000': 'off' })).toBe('error');
    expect(resolveSeverity('KFM-RENDER-010', { 'KFM-RENDER-010': 'info' })).toBe('error');
    expect(resolveSeverity('KFM-ARGO-004', { 'KFM-ARGO-004': 'off' })).toBe('off');
    expect(resolveSeverity('KFM-ARGO-004', { 'KFM-ARGO-004': 'warning' })).toBe('warning');
  });
});

describe('the registry', () => {
  it('declares every rule once, guards at severity error, with why and fix', () => {
    const rules = allRules();
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^KFM-[A-Z]+-\d{3}$/);
      if (r.guard) expect(r.severity, r.id).toBe('error');
    }
    for (const id of ['KFM-RENDER-001', 'KFM-RENDER-010', 'KFM-SCHEMA-000', 'KFM-SCHEMA-005', 'KFM-SEC-000'])
      expect(isGuard(id), id).toBe(true);
    for (const id of ['KFM-CONFIG-900', 'KFM-CONFIG-901', 'KFM-CONFIG-003', 'KFM-DP-103'])
      expect(isGuard(id), id).toBe(true);
    expect(isGuard('KFM-ARGO-004')).toBe(false);
    // One category per rule, from the registry: the engine rules are policy rules, as their docs always said.
    expect(ruleById('KFM-CONFIG-900')?.category).toBe('policy');
  });

  it('is the only place in src/ that spells a rule id', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (p !== join(repoRoot, 'src', 'rules')) walk(p);
        } else if (p.endsWith('.ts')) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/['"`]KFM-[A-Z]+-\d{3}['"`]/.test(line)) offenders.push(`${relative(repoRoot, p)}:${i + 1}`);
            });
        }
      }
    };
    walk(join(repoRoot, 'src'));
    expect(offenders).toEqual([]);
  });
});

describe('the CLI refuses a config that opens the gate', () => {
  const cases: [string, RegExp][] = [
    ['rules:\n  KFM-SCHEMA-000: "off"\n', /KFM-SCHEMA-000: off` is not allowed/],
    ['rules:\n  KFM-RENDER-010: info\n', /KFM-RENDER-010: info` is not allowed/],
    ['rules:\n  KFM-ARGO-044: warning\n', /unknown rule KFM-ARGO-044/],
    [
      'exceptions:\n  - rule: KFM-SCHEMA-005\n    reason: vendor image not yet mirrored (TICKET-1)\n    owner: platform-team\n    expires: 2099-01-01\n',
      /guard rules cannot be excepted/,
    ],
  ];
  it.each(cases)('%j → exit 2 with one line', async (config, reason) => {
    const repo = tempCopy(join(repoRoot, 'infra', 'gitops'));
    try {
      writeFileSync(join(repo.dir, 'kfm-gitops.yaml'), config);
      for (const args of [
        ['check', repo.dir, '--no-cache'],
        ['validate', join(repo.dir, 'core')],
      ]) {
        const run = await runCli(args, { cwd: repo.dir });
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(reason);
        expect(run.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
      }
    } finally {
      repo.cleanup();
    }
  });

  it('still runs with a non-guard rule switched off', async () => {
    const repo = tempCopy(join(repoRoot, 'infra', 'gitops'));
    try {
      writeFileSync(join(repo.dir, 'kfm-gitops.yaml'), 'rules:\n  KFM-ARGO-004: "off"\n');
      const run = await runCli(['check', repo.dir, '--no-cache']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});
