/**
 * SARIF output: the structure code scanning reads (rules, levels, repository-relative locations, fingerprints,
 * suppressions), validated against the SARIF 2.1.0 schema with ajv and with Microsoft's SARIF multitool.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../src/report/index.js';
import { FINGERPRINT_KEY, formatSarif, SARIF_SCHEMA, SRCROOT, toSarif } from '../../src/report/sarif.js';
import type { Report } from '../../src/types.js';
import { sampleReport, sampleRules } from './sample.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- SARIF is asserted as the JSON a consumer reads */
type Json = any;

const require = createRequire(import.meta.url);
/** The multitool ships per platform; its package also carries the official SARIF 2.1.0 JSON schema. */
function multitoolPackage(): string | undefined {
  try {
    return dirname(require.resolve(`@microsoft/sarif-multitool-${process.platform}/package.json`));
  } catch {
    return undefined;
  }
}
const multitoolDir = multitoolPackage();

function sarif(report: Report = sampleReport(), uriPrefix = 'infra/gitops'): Json {
  return JSON.parse(formatSarif(report, { rules: sampleRules, uriPrefix }));
}

const emptyReport = (): Report => ({
  tool: { name: 'kfm-gitops', version: '0.1.0', kubernetesVersion: '1.33' },
  summary: { overlays: 0, resources: 0, findings: { error: 0, warning: 0 }, durationMs: 0 },
  overlays: [],
  findings: [],
});

describe('SARIF structure', () => {
  const log = sarif();
  const run = log.runs[0];
  const results: Json[] = run.results;
  const byFingerprint = (fp: string): Json => results.find((r) => r.partialFingerprints[FINGERPRINT_KEY] === fp);

  it('is one SARIF 2.1.0 run of kfm-gitops with its version and home page', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe(SARIF_SCHEMA);
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver).toMatchObject({
      name: 'kfm-gitops',
      version: '0.1.0',
      semanticVersion: '0.1.0',
      informationUri: expect.stringMatching(/^https:\/\//),
    });
    expect(run.originalUriBaseIds[SRCROOT]).toBeDefined();
  });

  it('lists every documented rule plus any undocumented rule found, each with its docs, sorted', () => {
    const ids = run.tool.driver.rules.map((r: Json) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('KFM-ARGO-001'); // documented, never reported in this run
    for (const id of [
      'KFM-SCHEMA-001',
      'KFM-DP-001',
      'KFM-RENDER-001',
      'KFM-SEC-001',
      'KFM-CONFIG-001',
      'KFM-POLICY-999',
    ])
      expect(ids).toContain(id);
    const dp = run.tool.driver.rules.find((r: Json) => r.id === 'KFM-DP-001');
    expect(dp.shortDescription.text).toBe('Image not pinned by digest');
    expect(dp.fullDescription.text).toBe('Stage and prod must run images by digest.');
    expect(dp.help.text).toBe('Use `kfm-gitops promote` to pin the digest.');
    expect(dp.help.markdown).toContain('kfm-gitops explain KFM-DP-001');
    expect(dp.helpUri).toMatch(/#kfm-dp-001$/);
    expect(dp.defaultConfiguration.level).toBe('error');
    expect(run.tool.driver.rules.find((r: Json) => r.id === 'KFM-ARGO-001').defaultConfiguration.level).toBe('warning');
  });

  it('lists only the rules found when no rule docs are given', () => {
    const ids = toSarif(sampleReport()).runs as Json;
    expect(ids[0].tool.driver.rules.map((r: Json) => r.id)).not.toContain('KFM-ARGO-001');
    expect(ids[0].tool.driver.rules.map((r: Json) => r.id)).toContain('KFM-DP-001');
  });

  it('gives each place to fix and each suppressed finding a result whose ruleIndex points at its rule', () => {
    // 7 findings (two of them the same base line in dev and prod) + 2 suppressed.
    expect(results).toHaveLength(8);
    for (const r of results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
  });

  it('maps severities to SARIF levels', () => {
    expect(byFingerprint('fp-schema-dev').level).toBe('error');
    expect(byFingerprint('fp-dp-prod').level).toBe('warning');
    expect(byFingerprint('fp-sec-dev').level).toBe('note');
  });

  it('points at the base file line and column, relative to the repository root', () => {
    const r = byFingerprint('fp-schema-dev');
    expect(r.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'infra/gitops/apps/kfm-api/base/deployment.yaml', uriBaseId: SRCROOT },
      region: { startLine: 9, startColumn: 13 },
    });
    // dev and prod render it into different namespaces: the common object has none.
    expect(r.locations[0].logicalLocations[0]).toMatchObject({
      name: 'kfm-api',
      fullyQualifiedName: 'Deployment/kfm-api',
      kind: 'resource',
    });
    expect(r.properties).toMatchObject({
      overlays: ['apps/kfm-api/overlays/dev', 'apps/kfm-api/overlays/prod'],
      envs: ['dev', 'prod'],
      fingerprints: ['fp-schema-dev', 'fp-schema-prod'],
      path: 'spec.replicas',
      category: 'schema',
    });
  });

  it('reports a base line once, naming every overlay it affects, with the first overlay fingerprint', () => {
    const dev = byFingerprint('fp-schema-dev');
    expect(byFingerprint('fp-schema-prod')).toBeUndefined();
    expect(results.filter((r) => r.message.text.startsWith('spec.replicas must be integer'))).toHaveLength(1);
    expect(dev.message.text).toBe(
      'spec.replicas must be integer (Deployment kfm-api, in 2 overlays (dev, prod): apps/kfm-api/overlays/dev, apps/kfm-api/overlays/prod, at spec.replicas)',
    );
  });

  it('leaves the column out when unknown and percent-encodes paths', () => {
    expect(byFingerprint('fp-render-stage').locations[0].physicalLocation.region).toEqual({ startLine: 4 });
    expect(byFingerprint('fp-sec-dev').locations[0].physicalLocation.artifactLocation.uri).toBe(
      'infra/gitops/apps/kfm-api/base/config%20map.yaml',
    );
  });

  it('uses the report path as is without a prefix, and a file URI for a file outside the repository', () => {
    const plain = sarif(sampleReport(), '').runs[0].results;
    expect(
      plain.find((r: Json) => r.partialFingerprints[FINGERPRINT_KEY] === 'fp-schema-dev').locations[0].physicalLocation
        .artifactLocation.uri,
    ).toBe('apps/kfm-api/base/deployment.yaml');
    expect(byFingerprint('fp-config').locations[0].physicalLocation.artifactLocation).toEqual({
      uri: 'file:///home/ci/repo/kfm-gitops.yaml',
    });
  });

  it('gives a finding with no place no location, and keeps it in the log', () => {
    const r = byFingerprint('fp-check-failed');
    expect(r.locations).toBeUndefined();
    expect(r.message.text).toContain('wasm trap');
  });

  it('marks suppressed findings with external (exception) and inSource (inline) suppressions', () => {
    const ex = byFingerprint('fp-suppressed-exception');
    expect(ex.suppressions).toEqual([
      expect.objectContaining({
        kind: 'external',
        status: 'accepted',
        justification: 'vendor image not mirrored (TICKET-1) (owner platform, expires 2099-01-31)',
      }),
    ]);
    expect(byFingerprint('fp-suppressed-inline').suppressions[0]).toMatchObject({
      kind: 'inSource',
      justification: 'documented example',
    });
    expect(byFingerprint('fp-schema-dev').suppressions).toBeUndefined();
  });

  it('is registered as --format sarif and takes the uri prefix from the format options', () => {
    const out = JSON.parse(
      FORMATTERS.sarif(sampleReport(), { color: false, rules: sampleRules, uriPrefix: 'gitops/' }),
    );
    const located = out.runs[0].results.find(
      (r: Json) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uriBaseId,
    );
    expect(located.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^gitops\/apps\//);
  });
});

describe.skipIf(!multitoolDir)('SARIF validity (needs @microsoft/sarif-multitool for this platform)', () => {
  const schemaFile = multitoolDir ? join(multitoolDir, 'sarif-2.1.0.json') : '';

  it('passes the official SARIF 2.1.0 JSON schema (ajv), and the schema rejects a broken log', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
    for (const log of [sarif(), sarif(sampleReport(), ''), sarif(emptyReport())]) {
      const ok = validate(log);
      expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
    const broken = sarif();
    broken.runs[0].results[0].level = 'fatal';
    expect(validate(broken)).toBe(false);
  });

  it("passes the SARIF multitool's validate with no error or warning; a broken log fails it", async () => {
    const tool: string = require(`@microsoft/sarif-multitool-${process.platform}`);
    expect(existsSync(tool), `${tool} missing`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'kfm-sarif-'));
    try {
      const good = join(dir, 'good.sarif');
      const empty = join(dir, 'empty.sarif');
      const broken = join(dir, 'broken.sarif');
      writeFileSync(good, formatSarif(sampleReport(), { rules: sampleRules, uriPrefix: 'infra/gitops' }));
      writeFileSync(empty, formatSarif(emptyReport(), {}));
      const bad = sarif();
      bad.runs[0].results[0].ruleIndex = 999;
      writeFileSync(broken, JSON.stringify(bad));
      const out = join(dir, 'validation.sarif');
      await new Promise<void>((resolve, reject) => {
        execFile(
          tool,
          ['validate', good, empty, broken, '-o', out, '--log', 'ForceOverwrite'],
          { timeout: 180_000 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`multitool failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve(),
        );
      });
      const findings: Json[] = JSON.parse(readFileSync(out, 'utf8')).runs[0].results ?? [];
      const about = (file: string): Json[] =>
        findings.filter((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri?.endsWith(`/${file}`));
      const describeAll = (list: Json[]): string =>
        JSON.stringify(list.map((r) => [r.ruleId, r.message?.arguments ?? r.message?.text]));
      expect(
        about('good.sarif').filter((r) => r.level === 'error' || r.level === 'warning'),
        describeAll(about('good.sarif')),
      ).toEqual([]);
      expect(
        about('empty.sarif').filter((r) => r.level === 'error' || r.level === 'warning'),
        describeAll(about('empty.sarif')),
      ).toEqual([]);
      // The control: the validator does see errors in what we feed it.
      expect(about('broken.sarif').some((r) => r.level === 'error' && r.ruleId === 'SARIF1009')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
