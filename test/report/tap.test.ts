import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { formatTap } from '../../src/report/tap.js';
import { HOSTILE, sampleReport } from './sample.js';

/** Test points and their YAML blocks, parsed the way a TAP 13 consumer does (line by line). */
function parseTap(text: string) {
  const lines = text.split('\n');
  expect(lines[0]).toBe('TAP version 13');
  const plan = Number(/^1\.\.(\d+)$/.exec(lines[1])?.[1]);
  const points: { ok: boolean; n: number; rest: string; yaml?: unknown }[] = [];
  for (let i = 2; i < lines.length; i++) {
    const m = /^(ok|not ok) (\d+) - (.*)$/.exec(lines[i]);
    if (m) {
      points.push({ ok: m[1] === 'ok', n: Number(m[2]), rest: m[3] });
      continue;
    }
    if (lines[i] === '  ---') {
      const end = lines.indexOf('  ...', i);
      expect(end).toBeGreaterThan(i);
      points[points.length - 1].yaml = load(lines.slice(i + 1, end).join('\n'));
      i = end;
      continue;
    }
    expect(lines[i]).toBe(''); // nothing else: no stray line a consumer would misread
  }
  expect(points.map((p) => p.n)).toEqual(points.map((_, i) => i + 1));
  expect(points).toHaveLength(plan);
  return points;
}

describe('formatTap', () => {
  it('one point per overlay plus the repository; failing ones carry their findings', () => {
    const points = parseTap(formatTap(sampleReport()));
    const byName = new Map(points.map((p) => [p.rest.replace(/ \(.*$| #.*$/, ''), p]));
    expect(byName.get('apps/kfm-api/overlays/dev')?.ok).toBe(false);
    expect(byName.get('apps/kfm-api/overlays/stage')?.ok).toBe(false);
    expect(byName.get('apps/kfm-ui/overlays/dev')?.rest).toMatch(/# SKIP not changed since origin\/main$/);
    expect(byName.has('repository')).toBe(true);
    const dev = byName.get('apps/kfm-api/overlays/dev')!.yaml as { findings: Record<string, unknown>[] };
    expect(dev.findings[0]).toMatchObject({
      ruleId: 'KFM-SCHEMA-001',
      line: 9,
      file: 'apps/kfm-api/base/deployment.yaml',
    });
  });

  it('a warning fails its point only with --fail-on warning; the hostile message stays inside its block', () => {
    const report = sampleReport();
    report.findings = report.findings.filter((f) => f.severity === 'warning');
    const prod = (text: string) => parseTap(text).find((p) => p.rest.startsWith('apps/kfm-api/overlays/prod'))!;
    expect(prod(formatTap(report)).ok).toBe(true);
    const strict = prod(formatTap(report, { failOn: 'warning' }));
    expect(strict.ok).toBe(false);
    const messages = (strict.yaml as { findings: { message: string }[] }).findings.map((f) => f.message);
    expect(messages).toContain(HOSTILE);
  });

  it('a hostile overlay or file name cannot add a line, a directive or a fake point', () => {
    const report = sampleReport();
    report.skipped = [];
    report.overlays = [
      {
        path: 'a # TODO\nok 99 - forged',
        env: 'x',
        layer: 'x',
        resources: 0,
        status: 'skipped',
        reason: 'r\nnot ok 5',
      },
    ];
    const text = formatTap(report);
    const points = parseTap(text);
    expect(points.some((p) => p.n === 99)).toBe(false);
    expect(text).toContain('a \\# TODO ok 99 - forged');
  });
});
