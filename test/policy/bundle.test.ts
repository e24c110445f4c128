/** The committed bundle matches the Rego sources (no opa needed) and documents every rule. */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBundle, sourcesDigest } from '../../src/checks/policy/bundle.js';
import { createPolicyCheck } from '../../src/checks/policy/index.js';
import { tempCopy } from '../helpers.js';
import { policiesDir } from './helpers.js';

const manifest = JSON.parse(readFileSync(join(policiesDir, 'bundle', 'manifest.json'), 'utf8'));
const catalogue = JSON.parse(readFileSync(join(policiesDir, 'bundle', 'rules.json'), 'utf8'));

describe('committed policy bundle', () => {
  it('is not stale: the Rego sources and capabilities hash to what the bundle was built from', async () => {
    const digest = await sourcesDigest(policiesDir);
    // When this fails: run `npm run policies:build` and commit policies/bundle.
    expect(digest, 'policies/bundle is stale; run `npm run policies:build`').toBe(manifest.sourcesSha256);
  });

  it('notices a one-character change in any Rego source', async () => {
    const { dir, cleanup } = tempCopy(policiesDir);
    try {
      appendFileSync(join(dir, 'dp', 'image_digest.rego'), '\n');
      expect(await sourcesDigest(dir)).not.toBe(manifest.sourcesSha256);
    } finally {
      cleanup();
    }
  });

  it('names every source file with its own hash, so a stale file is easy to spot', () => {
    for (const [file, sha] of Object.entries(manifest.sources as Record<string, string>)) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(policiesDir, file)))
          .digest('hex'),
        file,
      ).toBe(sha);
    }
  });

  it('ships a wasm module matching its manifest', async () => {
    const bundle = await readBundle(join(policiesDir, 'bundle'));
    expect(bundle.manifest.entrypoint).toBe('kfm_main/violations');
    expect(bundle.wasm.subarray(0, 4).toString('latin1')).toBe('\0asm');
  });

  it('documents one rule per rule file, each with a test file beside it', () => {
    const ruleFiles: string[] = [];
    for (const family of ['tm', 'dp', 'fk', 'rbac', 'argo']) {
      for (const f of readdirSync(join(policiesDir, family))) {
        if (f.endsWith('.rego') && !f.endsWith('_test.rego')) ruleFiles.push(`policies/${family}/${f}`);
      }
    }
    expect(catalogue.rules.map((r: { file: string }) => r.file).sort()).toEqual(ruleFiles.sort());
    for (const f of ruleFiles)
      expect(existsSync(join(policiesDir, '..', f.replace(/\.rego$/, '_test.rego'))), `${f} has no test`).toBe(true);
  });

  it('gives rules() a title, description, remediation and severity for every id, engine errors included', () => {
    const docs = createPolicyCheck().rules();
    const ids = docs.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'KFM-TM-001',
        'KFM-DP-003',
        'KFM-FK-002',
        'KFM-RBAC-004',
        'KFM-ARGO-004',
        'KFM-CONFIG-900',
        'KFM-CONFIG-901',
      ]),
    );
    for (const d of docs) {
      expect(d.id).toMatch(/^KFM-(TM|DP|FK|RBAC|ARGO|CONFIG)-\d{3}$/);
      expect(d.category).toBe('policy');
      expect(['error', 'warning']).toContain(d.severity);
      expect(d.title.length).toBeGreaterThan(10);
      expect(d.description.length).toBeGreaterThan(60);
      expect(d.remediation.length).toBeGreaterThan(20);
    }
    expect(docs.find((d) => d.id === 'KFM-RBAC-003')?.severity).toBe('warning');
    expect(docs.find((d) => d.id === 'KFM-ARGO-004')?.severity).toBe('warning');
  });

  it('carries the default parameters, matching the config schema keys', () => {
    const schema = JSON.parse(readFileSync(join(policiesDir, '..', 'schemas', 'config', 'policy.json'), 'utf8'));
    for (const key of Object.keys(catalogue.defaultParams)) expect(Object.keys(schema.properties)).toContain(key);
    expect(catalogue.defaultParams.digestEnvs).toEqual(['stage', 'prod']);
    expect(catalogue.defaultParams.governedApiSelector).toEqual({ 'kfm.dev/governed-api': 'true' });
  });
});
