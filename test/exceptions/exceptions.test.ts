import { describe, expect, it } from 'vitest';
import { applyExceptions, containerNameAt } from '../../src/exceptions/index.js';
import type { ExceptionEntry } from '../../src/config/types.js';
import type { Finding, Resource } from '../../src/types.js';

const deployment = {
  id: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kfm-dev', name: 'legacy' },
  object: { spec: { template: { spec: { containers: [{ name: 'app' }, { name: 'exporter' }] } } } },
} as unknown as Resource;

const finding = (path: string, fp: string): Finding => ({
  ruleId: 'KFM-DP-001',
  category: 'policy',
  severity: 'error',
  message: 'image not pinned by digest',
  overlay: 'apps/legacy/overlays/dev',
  resource: deployment.id,
  path,
  fingerprint: fp,
});

const base: ExceptionEntry = {
  rule: 'KFM-DP-001',
  reason: 'vendor image not mirrored yet',
  owner: 'platform',
  expires: '2027-01-31',
  line: 7,
};
const options = {
  today: '2026-11-26',
  containerOf: (f: Finding) => containerNameAt(f, deployment),
  reportUnused: true,
};

describe('exceptions', () => {
  it('suppresses only the container it names, and lists what it suppressed', () => {
    const findings = [
      finding('spec.template.spec.containers[0].image', 'a'),
      finding('spec.template.spec.containers[1].image', 'b'),
    ];
    const out = applyExceptions(
      findings,
      [{ ...base, resource: { kind: 'Deployment', name: 'legacy' }, container: 'exporter' }],
      options,
    );
    expect(out.findings.map((f) => f.fingerprint)).toEqual(['a']);
    expect(out.suppressed).toEqual([
      expect.objectContaining({
        fingerprint: 'b',
        suppressed: { by: 'exception', reason: base.reason, owner: 'platform', expires: '2027-01-31' },
      }),
    ]);
    expect(out.problems).toEqual([]);
  });

  it('matches by JSON path prefix and overlay glob', () => {
    const findings = [finding('spec.template.spec.containers[0].image', 'a')];
    expect(
      applyExceptions(findings, [{ ...base, path: 'spec.template.spec.containers[0]' }], options).findings,
    ).toEqual([]);
    expect(
      applyExceptions(findings, [{ ...base, path: 'spec.template.spec.containers[1]' }], options).findings,
    ).toHaveLength(1);
    expect(applyExceptions(findings, [{ ...base, overlay: 'apps/legacy/**' }], options).findings).toEqual([]);
    expect(applyExceptions(findings, [{ ...base, overlay: 'apps/other/**' }], options).findings).toHaveLength(1);
  });

  it('an expired exception suppresses nothing and is itself a finding at its line', () => {
    const out = applyExceptions([finding('spec', 'a')], [{ ...base, expires: '2026-11-25' }], options);
    expect(out.findings).toHaveLength(1);
    expect(out.problems).toEqual([
      { ruleId: 'KFM-CONFIG-001', message: expect.stringContaining('expired on 2026-11-25'), line: 7 },
    ]);
  });

  it('applies through its expiry day', () => {
    expect(applyExceptions([finding('spec', 'a')], [{ ...base, expires: '2026-11-26' }], options).findings).toEqual([]);
  });

  it('an unused exception is reported in a full run, not in a filtered one', () => {
    const other = { ...base, rule: 'KFM-TM-001' };
    expect(applyExceptions([], [other], options).problems.map((p) => p.ruleId)).toEqual(['KFM-CONFIG-002']);
    expect(applyExceptions([], [other], { ...options, reportUnused: false }).problems).toEqual([]);
  });
});
