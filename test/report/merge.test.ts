/** `report merge`: shard reports joined equal the unsharded report; incompatible shards are refused. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { compareFindings, runCheck } from '../../src/pipeline.js';
import { createRenderer } from '../../src/render/create.js';
import { resolveKustomize } from '../../src/render/resolve.js';
import { MergeError, mergeReports, parseReport } from '../../src/report/merge.js';
import type { Check, Finding, Overlay, Report } from '../../src/types.js';
import { deploymentProbe, fixtures } from '../helpers.js';
import { sampleReport } from './sample.js';
import { parseXml } from './xml.js';

const DEV = 'apps/kfm-api/overlays/dev';

/** The sample as the pipeline would have produced it in one run: sorted findings, consistent summary. */
function whole(): Report {
  const r = sampleReport();
  r.findings.sort(compareFindings);
  r.suppressed!.sort(compareFindings);
  r.summary.rendered = 1;
  r.summary.cachedRenders = 1;
  return r;
}

/** Splits a report the way `--shard` does: each shard checks some overlays and skips the others. */
function shard(
  full: Report,
  keep: (overlay: string) => boolean,
  reason: string,
  meta: { rendered: number; cached: number; ms: number },
): Report {
  const own = (f: Finding): boolean => f.overlay === undefined || keep(f.overlay);
  return {
    tool: { ...full.tool },
    summary: { ...full.summary, rendered: meta.rendered, cachedRenders: meta.cached, durationMs: meta.ms },
    overlays: full.overlays.filter((o) => keep(o.path)),
    // Repository-level findings (config, a failed check) are reported by every shard.
    findings: full.findings.filter(own),
    suppressed: full.suppressed!.filter(own),
    skipped: [...full.skipped!, ...full.overlays.filter((o) => !keep(o.path)).map((o) => ({ path: o.path, reason }))],
  };
}

const withoutDuration = (r: Report): unknown => ({ ...r, summary: { ...r.summary, durationMs: 0 } });

describe('mergeReports', () => {
  const full = whole();
  const a = shard(full, (p) => p === DEV, 'shard 1/2', { rendered: 1, cached: 0, ms: 700 });
  const b = shard(full, (p) => p !== DEV, 'shard 2/2', { rendered: 0, cached: 1, ms: 900 });
  const merged = mergeReports([
    { name: 'a.json', report: a },
    { name: 'b.json', report: b },
  ]);

  it('joins two halves into the whole report (same overlays, findings, fingerprints, summary)', () => {
    expect(withoutDuration(merged)).toEqual(withoutDuration(full));
    expect(merged.findings.map((f) => f.fingerprint)).toEqual(full.findings.map((f) => f.fingerprint));
  });

  it('lists as skipped only what no shard checked, and takes the slowest shard as the duration', () => {
    expect(merged.skipped).toEqual([{ path: 'apps/kfm-ui/overlays/dev', reason: 'not changed since origin/main' }]);
    expect(merged.summary.durationMs).toBe(900);
  });

  it('is independent of the order of the shards', () => {
    const reversed = mergeReports([
      { name: 'b.json', report: b },
      { name: 'a.json', report: a },
    ]);
    expect(withoutDuration(reversed)).toEqual(withoutDuration(merged));
  });

  it('keeps one copy of a finding two shards both report, but not of two overlays at the same line', () => {
    const twice = mergeReports([
      { name: 'x', report: full },
      { name: 'y', report: whole() },
    ]);
    expect(twice.findings).toHaveLength(full.findings.length);
    expect(twice.findings.filter((f) => f.file === 'apps/kfm-api/base/deployment.yaml' && f.line === 9)).toHaveLength(
      2,
    );
  });

  it('refuses reports of other tool or Kubernetes versions, or another kustomize, naming both files', () => {
    const other = (change: (r: Report) => void): Report => {
      const r = whole();
      change(r);
      return r;
    };
    const cases: [(r: Report) => void, RegExp][] = [
      [(r) => (r.tool.version = '0.2.0'), /a\.json was made with kfm-gitops version 0\.1\.0 but b\.json with 0\.2\.0/],
      [(r) => (r.tool.kubernetesVersion = '1.32'), /Kubernetes version 1\.33 but b\.json with 1\.32/],
      [(r) => (r.tool.kustomize = 'v5.4.0'), /kustomize version v5\.7\.1 but b\.json with v5\.4\.0/],
    ];
    for (const [change, message] of cases) {
      expect(() =>
        mergeReports([
          { name: 'a.json', report: whole() },
          { name: 'b.json', report: other(change) },
        ]),
      ).toThrow(message);
    }
    expect(() => mergeReports([])).toThrow(MergeError);
  });
});

describe('parseReport', () => {
  it('accepts a JSON report and refuses what is not one, naming the file', () => {
    expect(parseReport(JSON.stringify(sampleReport()), 'r.json').findings).toHaveLength(7);
    expect(() => parseReport('{', 'r.json')).toThrow(/r\.json is not JSON/);
    expect(() => parseReport('{"version":"2.1.0","runs":[]}', 'x.sarif')).toThrow(
      /x\.sarif is not a kfm-gitops JSON report/,
    );
    const noFindings = { ...sampleReport(), findings: undefined };
    expect(() => parseReport(JSON.stringify(noFindings), 'r.json')).toThrow(/r\.json: findings must be a list/);
    const badFinding = { ...sampleReport(), findings: [{ ruleId: 'X' }] };
    expect(() => parseReport(JSON.stringify(badFinding), 'r.json')).toThrow(/findings\[0\] is not a finding/);
  });
});

/** Reports on every Deployment, like a policy would: one finding per overlay, mapped to the base line. */
const imageProbe: Check = deploymentProbe((r, ctx) =>
  ctx.report({ ruleId: 'KFM-SCHEMA-001', message: 'probe replicas', resource: r, path: ['spec', 'replicas'] }),
);

describe('shards of a real run', () => {
  const root = join(fixtures, 'sourcemap', 'repo');
  let unsharded: Report;
  let shards: Report[];

  beforeAll(async () => {
    const renderer = createRenderer(await resolveKustomize({}), 2);
    const run = (
      select?: (o: Overlay[]) => Promise<{ keep: Overlay[]; skipped: { path: string; reason: string }[] }>,
    ): Promise<Report> =>
      runCheck({
        root,
        config: {},
        checks: [imageProbe],
        kubernetesVersion: '1.33',
        toolVersion: 'test',
        renderer,
        concurrency: 2,
        timeoutMs: 60_000,
        origin: true,
        select,
      });
    const half = (i: number) => async (overlays: Overlay[]) => ({
      keep: overlays.filter((_, n) => n % 2 === i),
      skipped: overlays.filter((_, n) => n % 2 !== i).map((o) => ({ path: o.path, reason: `shard ${2 - i}/2` })),
    });
    try {
      unsharded = await run();
      shards = [await run(half(0)), await run(half(1))];
    } finally {
      await renderer.dispose();
    }
  });

  it('merged, equal the unsharded run: same findings with the same fingerprints and lines, same overlays', () => {
    expect(unsharded.findings.length).toBeGreaterThanOrEqual(3);
    expect(shards.every((s) => s.skipped!.length > 0)).toBe(true);
    const merged = mergeReports(shards.map((report, i) => ({ name: `shard-${i}.json`, report })));
    expect(merged.findings).toEqual(unsharded.findings);
    expect(merged.overlays).toEqual(unsharded.overlays);
    expect(merged.skipped).toEqual([]);
    expect(merged.summary.findings).toEqual(unsharded.summary.findings);
    expect(merged.summary.resources).toBe(unsharded.summary.resources);
  });
});

describe('kfm-gitops report merge', () => {
  let dir: string;
  const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const io: CliIO = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      stdin: async () => '',
      isTTY: false,
      env: { NO_COLOR: '1' },
      cwd: dir,
    };
    const code = await main(['report', 'merge', ...args], io);
    return { code, out, err };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-merge-'));
    const full = whole();
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify(shard(full, (p) => p === DEV, 'shard 1/2', { rendered: 1, cached: 0, ms: 1 })),
    );
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify(shard(full, (p) => p !== DEV, 'shard 2/2', { rendered: 0, cached: 1, ms: 2 })),
    );
    const newer = whole();
    newer.tool.version = '9.9.9';
    writeFileSync(join(dir, 'newer.json'), JSON.stringify(newer));
    const clean = whole();
    clean.findings = [];
    clean.summary.findings = { error: 0, warning: 0, info: 0 };
    writeFileSync(join(dir, 'clean.json'), JSON.stringify(clean));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the merged report as JSON and exits 1 for its errors', async () => {
    const r = await run(['a.json', 'b.json', '--format', 'json']);
    expect(r.code).toBe(1);
    const merged = JSON.parse(r.out) as Report;
    expect(withoutDuration(merged)).toEqual(withoutDuration(whole()));
  });

  it('writes SARIF to -o <file> and JUnit to -o junit=<file>, printing the summary line', async () => {
    const r = await run([
      'a.json',
      'b.json',
      '--format',
      'sarif',
      '-o',
      'merged.sarif',
      '-o',
      'junit=out/merged.xml',
      '--uri-prefix',
      'infra/gitops',
    ]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^✖ 5 errors, 1 warning in 3 overlays/);
    const sarif = JSON.parse(readFileSync(join(dir, 'merged.sarif'), 'utf8'));
    expect(sarif.runs[0].results).toHaveLength(9);
    const uris = sarif.runs[0].results.map(
      (x: { locations?: { physicalLocation?: { artifactLocation: { uri: string } } }[] }) =>
        x.locations?.[0]?.physicalLocation?.artifactLocation.uri,
    );
    expect(uris).toContain('infra/gitops/apps/kfm-api/base/deployment.yaml');
    expect(parseXml(readFileSync(join(dir, 'out', 'merged.xml'), 'utf8')).attrs.failures).toBe('5');
  });

  it('exits 0 on a clean report, and 1 for warnings with --fail-on warning', async () => {
    const clean = await run(['clean.json', '--format', 'github']);
    expect(clean.code).toBe(0);
    const strict = await run(['clean.json', '--fail-on', 'warning']);
    expect(strict.code).toBe(0);
    const warned = await run(['b.json', '--fail-on', 'warning', '--format', 'github']);
    expect(warned.code).toBe(1);
    expect(warned.out).toMatch(
      /^::warning file=apps\/kfm-api\/overlays\/prod\/kustomization\.yaml,line=12,title=KFM-DP-001::/m,
    );
  });

  it('exits 2 with the reason for shards of different versions, unreadable files and unknown formats', async () => {
    const mixed = await run(['a.json', 'newer.json']);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/a\.json was made with kfm-gitops version 0\.1\.0 but newer\.json with 9\.9\.9/);
    const missing = await run(['a.json', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read nope\.json: ENOENT/);
    const format = await run(['a.json', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.err).toMatch(/unknown --format "xml"/);
  });
});
