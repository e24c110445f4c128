import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchRenderCache } from '../../bench/lib/render-cache.js';
import { historyFixture } from '../select/git-fixture.js';

/** Stands in for the built CLI: the first run in a root "renders" slowly and leaves a cache, later runs are fast. */
const FAKE_CLI = `
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [, , command, root] = process.argv;
if (command !== 'check') process.exit(2);
const marker = join(root, '.kfm-gitops', 'cache', 'render', 'entry');
const warm = existsSync(marker);
const until = Date.now() + (warm ? 20 : 400);
while (Date.now() < until);
mkdirSync(join(root, '.kfm-gitops', 'cache', 'render'), { recursive: true });
writeFileSync(marker, '');
process.stdout.write(JSON.stringify({ summary: { overlays: 5, rendered: warm ? 0 : 5, cachedRenders: warm ? 5 : 0 } }));
`;

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'kfm-bench-test-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('benchRenderCache', () => {
  it('times a cold check of a fresh copy against warm ones, leaving the measured root untouched', async () => {
    const cliBin = join(work, 'fake-cli.mjs');
    writeFileSync(cliBin, FAKE_CLI);
    const before = readdirSync(historyFixture).sort();
    const r = await benchRenderCache({ root: historyFixture, cliBin, warmRuns: 3 });
    expect(r.cold).toMatchObject({ exitCode: 0, overlays: 5, rendered: 5, cachedRenders: 0 });
    expect(r.warm).toMatchObject({ exitCode: 0, rendered: 0, cachedRenders: 5 });
    expect(r.warmRuns).toHaveLength(3);
    expect(r.cold.ms).toBeGreaterThanOrEqual(400);
    expect(r.speedup).toBeGreaterThan(1);
    expect(readdirSync(historyFixture).sort()).toEqual(before);
  });

  it("does not copy the root's own .kfm-gitops caches: the first run is cold even when the root is warm", async () => {
    const cliBin = join(work, 'fake-cli.mjs');
    writeFileSync(cliBin, FAKE_CLI);
    const root = join(work, 'root');
    mkdirSync(join(root, '.kfm-gitops', 'cache', 'render'), { recursive: true });
    writeFileSync(join(root, '.kfm-gitops', 'cache', 'render', 'entry'), '');
    const r = await benchRenderCache({ root, cliBin, warmRuns: 1 });
    expect(r.cold.cachedRenders).toBe(0);
    expect(existsSync(join(root, '.kfm-gitops', 'cache', 'render', 'entry'))).toBe(true);
  });

  it('fails loudly when the CLI prints no report', async () => {
    const cliBin = join(work, 'broken.mjs');
    writeFileSync(cliBin, "process.stderr.write('boom\\n'); process.exit(2);\n");
    await expect(benchRenderCache({ root: historyFixture, cliBin })).rejects.toThrow(
      /printed no JSON report \(exit 2\): boom/,
    );
  });
});
