import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverOverlays } from '../../src/discover/index.js';
import { assignShards, parseShard, shardSelector } from '../../src/select/index.js';
import { kustomizeBin, repoRoot } from '../helpers.js';
import { cli, freshCopy, historyFixture } from './git-fixture.js';

describe('--shard i/n parsing', () => {
  it('accepts i/n with 1 ≤ i ≤ n', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });
  it.each(['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2'])('refuses %s', (spec) => {
    expect(() => parseShard(spec)).toThrow(/--shard/);
  });
});

describe('shard assignment', () => {
  it('puts the largest first into the lightest bin, ties broken by path', () => {
    const bins = assignShards(
      [
        { path: 'e', bytes: 1 },
        { path: 'a', bytes: 10 },
        { path: 'b', bytes: 9 },
        { path: 'c', bytes: 8 },
        { path: 'd', bytes: 1 },
      ],
      2,
    );
    // a→1 (10); b→2 (9); c→2 (17); d→1 (11); e→1 (12)
    expect(Object.fromEntries(bins)).toEqual({ a: 1, b: 2, c: 2, d: 1, e: 1 });
  });

  it('does not depend on input order', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({
      path: `o/${String(i).padStart(2, '0')}`,
      bytes: (i * 7919) % 97,
    }));
    const forward = assignShards(items, 3);
    const backward = assignShards([...items].reverse(), 3);
    expect(Object.fromEntries(backward)).toEqual(Object.fromEntries(forward));
    const load = [0, 0, 0];
    for (const it of items) load[forward.get(it.path)! - 1] += it.bytes;
    // Greedy LPT keeps every bin within the largest item of the others.
    expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(96);
  });
});

describe('shards of a real tree', () => {
  for (const [name, root] of [
    ['infra/gitops', join(repoRoot, 'infra', 'gitops')],
    ['fixtures/select/history', historyFixture],
  ] as const) {
    it(`${name}: shards 1/n … n/n cover every app overlay exactly once, whole envs, platform overlays in each`, async () => {
      const { overlays } = await discoverOverlays(root, {});
      for (const count of [1, 2, 3]) {
        const kept: string[] = [];
        for (let index = 1; index <= count; index++) {
          const sel = await shardSelector({ root, config: {}, shard: { index, count } })(overlays);
          expect(sel.keep.length + sel.skipped.length).toBe(overlays.length);
          for (const s of sel.skipped) expect(s.reason).toMatch(new RegExp(`^in shard \\d/${count}$`));
          kept.push(...sel.keep.filter((o) => o.layer === 'apps').map((o) => o.path));
          // Platform overlays are every shard's context (policies judge an env with them).
          for (const o of overlays.filter((x) => x.layer !== 'apps')) expect(sel.keep).toContain(o);
          // An env's app overlays stay together.
          const envs = new Set(sel.keep.filter((o) => o.layer === 'apps').map((o) => o.env));
          for (const o of overlays.filter((x) => x.layer === 'apps' && envs.has(x.env))) expect(sel.keep).toContain(o);
        }
        expect(kept.sort()).toEqual(
          overlays
            .filter((o) => o.layer === 'apps')
            .map((o) => o.path)
            .sort(),
        );
      }
    });
  }
});

describe.skipIf(!existsSync(kustomizeBin))('check --shard (CLI, real kustomize)', () => {
  it('two shards together report what one unsharded run reports, with the same fingerprints', async () => {
    const { dir, cleanup } = freshCopy(historyFixture);
    try {
      const run = async (extra: string[]) =>
        JSON.parse((await cli(['check', dir, '--format', 'json', '--no-cache', ...extra])).stdout);
      const [all, one, two] = [await run([]), await run(['--shard', '1/2']), await run(['--shard', '2/2'])];
      const paths = (r: { overlays: { path: string }[] }): string[] => r.overlays.map((o) => o.path);
      expect([...new Set([...paths(one), ...paths(two)])].sort()).toEqual(paths(all));
      expect(paths(one).length).toBeGreaterThan(0);
      expect(paths(two).length).toBeGreaterThan(0);
      type F = { fingerprint: string; ruleId: string; line?: number; overlay?: string };
      const key = (f: F): string => `${f.fingerprint} ${f.ruleId} ${f.line}`;
      const overlayFindings = (r: { findings: F[] }): F[] => r.findings.filter((f) => f.overlay !== undefined);
      expect([...overlayFindings(one), ...overlayFindings(two)].map(key).sort()).toEqual(
        overlayFindings(all).map(key).sort(),
      );
      expect(overlayFindings(all).length).toBeGreaterThan(0);
    } finally {
      cleanup();
    }
  });

  it('`report merge` of the two shard reports equals the unsharded report', async () => {
    const { dir, cleanup } = freshCopy(historyFixture);
    try {
      const files = ['all', '1', '2'].map((n) => join(dir, '..', `${basename(dir)}-${n}.json`));
      await cli(['check', dir, '--no-cache', '-o', `json=${files[0]}`]);
      await cli(['check', dir, '--no-cache', '--shard', '1/2', '-o', `json=${files[1]}`]);
      await cli(['check', dir, '--no-cache', '--shard', '2/2', '-o', `json=${files[2]}`]);
      const merged = await cli(['report', 'merge', files[1], files[2], '--format', 'json']);
      expect(merged.stderr).toBe('');
      const all = JSON.parse(readFileSync(files[0], 'utf8'));
      const joined = JSON.parse(merged.stdout);
      const stable = (r: { summary: Record<string, unknown> }) => ({ ...r, summary: { ...r.summary, durationMs: 0 } });
      expect(stable(joined)).toEqual(stable(all));
      for (const f of files) rmSync(f, { force: true });
    } finally {
      cleanup();
    }
  });

  it('exits 2 on a bad spec', async () => {
    const r = await cli(['check', historyFixture, '--shard', '3/2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard 3\/2: need 1 ≤ i ≤ n/);
  });
});
