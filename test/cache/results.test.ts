/**
 * Whole-run result cache: a second run with nothing changed reuses the findings (and says so), with exceptions —
 * container selectors included — applied exactly as on a fresh run; any change runs the checks again.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli } from '../helpers.js';

const work = mkdtempSync(join(tmpdir(), 'kfm-results-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stable(report: { findings: unknown[]; suppressed: unknown[]; summary: { findings: unknown } }) {
  return { findings: report.findings, suppressed: report.suppressed, counts: report.summary.findings };
}

describe('result cache', () => {
  it('reuses findings when nothing changed, with exceptions applied the same way, and re-runs after a change', async () => {
    const repo = join(work, 'dp-violation');
    cpSync(join(fixtures, 'policy', 'dp-violation'), repo, { recursive: true });
    const configDir = join(work, 'exceptions', 'dp-valid');
    cpSync(join(fixtures, 'policy', 'exceptions', 'dp-valid'), configDir, { recursive: true });
    const run = async () => JSON.parse((await runCli(['check', '--format', 'json'], { cwd: configDir })).stdout);

    const cold = await run();
    expect(cold.summary.cachedResults).toBeUndefined();
    expect(cold.suppressed.length).toBeGreaterThan(0);
    const warm = await run();
    expect(warm.summary.cachedResults).toBe(true);
    expect(stable(warm)).toEqual(stable(cold));

    // Any change to a file under the root (here a comment in a base) runs every check again.
    appendFileSync(join(repo, 'apps', 'web', 'base', 'deployment.yaml'), '# touched\n');
    const changed = await run();
    expect(changed.summary.cachedResults).toBeUndefined();
    expect(stable(changed)).toEqual(stable(cold));
  });

  it('--no-cache never reuses results', async () => {
    const repo = join(work, 'plain');
    cpSync(join(fixtures, 'policy', 'dp-violation'), repo, { recursive: true });
    await runCli(['check', repo, '--format', 'json']);
    const again = JSON.parse((await runCli(['check', repo, '--format', 'json', '--no-cache'])).stdout);
    expect(again.summary.cachedResults).toBeUndefined();
    expect(again.findings.length).toBeGreaterThan(0);
  });
});
