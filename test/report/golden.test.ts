/**
 * Golden output ("screenshots as text"): what a person sees from `check` on fixtures/report/golden — a base line
 * rendered by two overlays, a prod-only finding, a typo — in the text and GitHub formats and the GitHub step
 * summary. Only the duration and the kustomize path are normalised. KFM_UPDATE_GOLDEN=1 rewrites the expected files
 * (review the diff: it is the user-visible change).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, kustomizeBin, repoRoot, runCli, tempCopy } from '../helpers.js';

const expectedDir = join(repoRoot, 'test', 'report', 'golden');

function normalise(text: string): string {
  return text.replace(/, \d+ ms$/gm, ', N ms').replace(/ — \S+ (v\d+\.\d+\.\d+)/g, ' — kustomize $1');
}

function golden(name: string, actual: string): void {
  const file = join(expectedDir, name);
  if (process.env.KFM_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe.skipIf(!existsSync(kustomizeBin))('golden output on fixtures/report/golden (real kustomize)', () => {
  let dir: string;
  let cleanup: () => void;
  const tmp = mkdtempSync(join(tmpdir(), 'kfm-golden-'));
  beforeAll(() => ({ dir, cleanup } = tempCopy(join(fixtures, 'report', 'golden'))));
  afterAll(() => {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('text', async () => {
    const r = await runCli(['check', dir, '--no-cache'], { env: { KFM_KUSTOMIZE: kustomizeBin } });
    expect(r.code).toBe(1);
    golden('check.txt', normalise(r.stdout));
    // No finding printed twice for the same rule, file and line.
    const places = r.stdout
      .split('\n')
      .flatMap((l) => /^(?:error|warning|info) +(\S+) +(\S+)/.exec(l)?.slice(1, 3).join(' ') ?? []);
    expect(places.length).toBe(3);
    expect(new Set(places).size).toBe(places.length);
  });

  it('GitHub annotations and step summary', async () => {
    const summary = join(tmp, 'step-summary.md');
    writeFileSync(summary, '');
    const r = await runCli(['check', dir, '--no-cache', '--format', 'github'], {
      env: { KFM_KUSTOMIZE: kustomizeBin, GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.code).toBe(1);
    golden('check.github.txt', normalise(r.stdout));
    golden('check.step-summary.md', normalise(readFileSync(summary, 'utf8')));
  });
});
