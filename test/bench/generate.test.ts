/**
 * The benchmark's synthetic repo (bench/generate.mjs): the shape the issue asks for (overlay counts, resources per
 * overlay, the conventions of infra/gitops), reproducibility, and that kfm-gitops discovers what was generated.
 * Timings are not asserted here; `npm run bench` measures them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverOverlays } from '../../src/discover/index.js';
import {
  expectedOverlays,
  expectedResourceCounts,
  generateRepo,
  planRepo,
  repoFiles,
  SIZES,
} from '../../bench/generate.mjs';
import { kustomizeBin, runCli } from '../helpers.js';

const run = promisify(execFile);

describe('bench generator: small repo on disk', () => {
  let dir = '';
  let generated: ReturnType<typeof generateRepo>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-bench-gen-'));
    generated = generateRepo({ out: join(dir, 'repo'), size: 'small' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has 20 overlays: 5 apps × dev/stage/prod, 3 team baselines, the controller and bootstrap', () => {
    expect(generated.manifest.overlays).toBe(20);
    expect(generated.overlays).toHaveLength(20);
    expect(generated.overlays.filter((o) => /^apps\/[^/]+\/overlays\/(dev|stage|prod)$/.test(o))).toHaveLength(15);
    expect(generated.overlays).toContain('bootstrap/overlays/default');
    expect(generated.overlays).toContain('core/gitops-controller');
    expect(generated.overlays.filter((o) => /^core\/[a-z]+-baseline$/.test(o))).toHaveLength(3);
  });

  it('is what kfm-gitops discovers: bases and components are not overlays', async () => {
    const found = await discoverOverlays(generated.dir, {});
    expect(found.overlays.map((o) => o.path).sort()).toEqual(generated.overlays);
    const prod = found.overlays.find((o) => o.path.startsWith('apps/') && o.path.endsWith('/prod'))!;
    expect(prod.env).toBe('prod');
    expect(prod.layer).toBe('apps');
    expect(found.bases).toContain('components/app-defaults');
  });

  it('is a git repository with exactly one commit and a clean tree', () => {
    const log = execFileSync('git', ['log', '--oneline'], { cwd: generated.dir, encoding: 'utf8' }).trim().split('\n');
    expect(log).toHaveLength(1);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: generated.dir, encoding: 'utf8' })).toBe('');
  });

  it('pins every image by digest in every app overlay and pulls in the shared component', () => {
    for (const overlay of generated.overlays.filter((o) => o.startsWith('apps/'))) {
      const k = readFileSync(join(generated.dir, overlay, 'kustomization.yaml'), 'utf8');
      expect(k, overlay).toContain('../../../../components/app-defaults');
      const digests = k.match(/digest: sha256:[0-9a-f]{64}\n/g) ?? [];
      const images = k.match(/^ {2}- name: /gm) ?? [];
      expect(digests.length, overlay).toBeGreaterThan(0);
      expect(digests.length, overlay).toBe(k.split('\nimages:\n')[1]!.match(/- name: /g)!.length);
      expect(images.length).toBeGreaterThan(0);
    }
  });

  it('gives the touch file of --changed-since to exactly its app’s three overlays', () => {
    const app = generated.manifest.touchFile.split('/')[1];
    expect(existsSync(join(generated.dir, generated.manifest.touchFile))).toBe(true);
    expect(generated.manifest.touchedOverlays).toEqual(
      ['dev', 'stage', 'prod'].map((e) => `apps/${app}/overlays/${e}`),
    );
  });

  describe.skipIf(!existsSync(kustomizeBin))(
    'rendered with kustomize (needs `npm run tools` for .tools/bin/kustomize)',
    () => {
      it('renders every overlay to the planned number of resources, about 20 per app overlay', async () => {
        const counts: Record<string, number> = {};
        for (const overlay of generated.overlays) {
          const { stdout } = await run(kustomizeBin, ['build', join(generated.dir, overlay)], {
            maxBuffer: 16 * 1024 * 1024,
          });
          counts[overlay] = (stdout.match(/^kind: /gm) ?? []).length;
        }
        expect(counts).toEqual(generated.resourceCounts);
        const app = Object.entries(counts).filter(([o]) => o.startsWith('apps/'));
        const mean = app.reduce((n, [, c]) => n + c, 0) / app.length;
        expect(mean).toBeGreaterThan(15);
        expect(mean).toBeLessThan(26);
      });
    },
  );
});

describe('bench generator: sizes and determinism (planned, not written)', () => {
  it('medium has 300 overlays and about 6,000 resources; large 1,500 and about 30,000; xlarge 7,500 and about 150,000', () => {
    for (const [size, overlays, resources] of [
      ['medium', 300, 6000],
      ['large', 1500, 30000],
      ['xlarge', 7500, 150000],
    ] as const) {
      const plan = planRepo(SIZES[size]);
      expect(expectedOverlays(plan), size).toHaveLength(overlays);
      const total = Object.values(expectedResourceCounts(plan)).reduce((a, b) => a + b, 0);
      expect(total, size).toBeGreaterThan(resources * 0.9);
      expect(total, size).toBeLessThan(resources * 1.1);
    }
  });

  it('gives byte-identical files for the same seed and different ones for another seed', () => {
    const a = repoFiles(planRepo({ ...SIZES.small, seed: 'one' }));
    const b = repoFiles(planRepo({ ...SIZES.small, seed: 'one' }));
    const c = repoFiles(planRepo({ ...SIZES.small, seed: 'two' }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('refuses to overwrite a non-empty folder without force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-gen-'));
    try {
      generateRepo({ out: dir, size: 'small', git: false });
      expect(() => generateRepo({ out: dir, size: 'small', git: false })).toThrow(/not empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench generator: --broken', () => {
  it('breaks the asked share of overlays, each one render finding, and the repo stays warm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-broken-'));
    try {
      const { manifest } = generateRepo({ out: join(dir, 'repo'), size: 'small', broken: 0.1 });
      // 10% of 20 overlays, app overlays only, chosen by the seed (the same every time).
      expect(manifest.broken.overlays).toHaveLength(2);
      expect(manifest.broken.overlays.every((o) => /^apps\/[^/]+\/overlays\/(dev|stage|prod)$/.test(o))).toBe(true);
      const again = generateRepo({ out: join(dir, 'again'), size: 'small', broken: 0.1 });
      expect(again.manifest.broken.overlays).toEqual(manifest.broken.overlays);

      const check = async () => {
        const r = await runCli(['check', join(dir, 'repo'), '--format', 'json']);
        return { code: r.code, report: JSON.parse(r.stdout) };
      };
      const cold = await check();
      expect(cold.code).toBe(1);
      const where = (report: { findings: { ruleId: string; overlay?: string }[] }) =>
        report.findings.map((f) => `${f.ruleId} ${f.overlay}`).sort();
      expect(where(cold.report)).toEqual(manifest.broken.overlays.map((o) => `KFM-RENDER-001 ${o}`));
      const warm = await check();
      expect(warm.code).toBe(1);
      expect(warm.report.summary.cachedResults).toBe(true);
      expect(where(warm.report)).toEqual(where(cold.report));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
