/**
 * Whole-run result cache: a second run with nothing changed reuses the findings (and says so), with exceptions —
 * container selectors included — applied exactly as on a fresh run; any change runs the checks again.
 */
import {
  appendFileSync,
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, kustomizeBin, runCli } from '../helpers.js';

const work = mkdtempSync(join(tmpdir(), 'kfm-results-'));
// One repository for the config folder and the root it names (`root: ../../dp-violation` must stay inside it).
execFileSync('git', ['init', '-q'], { cwd: work });
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

  it('a warm run with nothing changed under the root neither discovers nor renders; any touched file runs it all again', async () => {
    const repo = join(work, 'tree');
    cpSync(join(fixtures, 'policy', 'dp-violation'), repo, { recursive: true });
    // A kustomize that logs each build, so "nothing rendered" is observed, not inferred from the report.
    const log = join(work, 'builds.log');
    writeFileSync(log, '');
    const kustomize = join(work, 'logging-kustomize');
    writeFileSync(
      kustomize,
      `#!/usr/bin/env bash\n[ "$1" = build ] && echo "$2" >> ${log}\nexec ${kustomizeBin} "$@"\n`,
    );
    chmodSync(kustomize, 0o755);
    const builds = (): number => readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    const run = async (...extra: string[]) =>
      JSON.parse((await runCli(['check', repo, '--format', 'json', '--kustomize', kustomize, ...extra])).stdout);

    const cold = await run();
    const coldBuilds = builds();
    expect(coldBuilds).toBeGreaterThan(0);
    const warm = await run();
    expect(builds()).toBe(coldBuilds);
    expect(warm.summary).toMatchObject({ cachedResults: true, rendered: 0, overlays: cold.summary.overlays });
    expect(warm.summary.resources).toBe(cold.summary.resources);
    expect(warm.overlays.map((o: { path: string }) => o.path)).toEqual(
      cold.overlays.map((o: { path: string }) => o.path),
    );
    expect(stable(warm)).toEqual(stable(cold));

    // Same bytes, new mtime: the tree key misses, the content-keyed render cache answers, the results are the same.
    const file = join(repo, 'apps', 'web', 'base', 'deployment.yaml');
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    const touched = await run();
    expect(builds()).toBe(coldBuilds);
    expect(stable(touched)).toEqual(stable(cold));

    // An overlay filter is part of the key: its report lists only what it selected.
    const dev = await run('--env', 'dev');
    expect(dev.summary.cachedResults).toBeUndefined();
    expect(dev.overlays.every((o: { env: string }) => o.env === 'dev')).toBe(true);
    const devAgain = await run('--env', 'dev');
    expect(devAgain.summary.cachedResults).toBe(true);
    expect(devAgain.overlays).toEqual(dev.overlays.map((o: object) => ({ ...o, cached: true })));
  });

  it('stays warm on a repo with a broken overlay: the deterministic render failure is reused, not re-rendered', async () => {
    const repo = join(work, 'broken');
    cpSync(join(fixtures, 'policy', 'dp-violation'), repo, { recursive: true });
    // One overlay that kustomize refuses (a resource that does not exist): the same inputs fail the same way.
    mkdirSync(join(repo, 'apps', 'web', 'overlays', 'broken'));
    writeFileSync(
      join(repo, 'apps', 'web', 'overlays', 'broken', 'kustomization.yaml'),
      'resources:\n  - ../../base\npatches:\n  - path: missing-patch.yaml\n',
    );
    const run = async () => JSON.parse((await runCli(['check', repo, '--format', 'json'])).stdout);
    const cold = await run();
    expect(cold.findings.some((f: { ruleId: string }) => f.ruleId === 'KFM-RENDER-001')).toBe(true);
    expect(cold.summary.cachedResults).toBeUndefined();
    const warm = await run();
    expect(warm.summary.cachedResults).toBe(true);
    expect(stable(warm)).toEqual(stable(cold));
    expect(warm.overlays.map((o: { status: string }) => o.status)).toEqual(
      cold.overlays.map((o: { status: string }) => o.status),
    );
  });

  it('stays warm when an overlay renders to nothing (every resource deleted by a patch): the empty render is reused', async () => {
    const repo = join(work, 'emptied');
    cpSync(join(fixtures, 'policy', 'dp-violation'), repo, { recursive: true });
    // gitops-catalog's web-terminal shape: kustomize succeeds and prints nothing, the same way every time.
    const dir = join(repo, 'apps', 'web', 'overlays', 'emptied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - ../../base\npatches:\n  - path: delete.yaml\n');
    writeFileSync(
      join(dir, 'delete.yaml'),
      '$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    );
    const run = async () => {
      const r = await runCli(['check', repo, '--format', 'json']);
      return { code: r.code, report: JSON.parse(r.stdout) };
    };
    const cold = await run();
    expect(cold.code).toBe(1);
    expect(
      cold.report.findings.some(
        (f: { ruleId: string; overlay?: string }) =>
          f.ruleId === 'KFM-RENDER-006' && f.overlay === 'apps/web/overlays/emptied',
      ),
    ).toBe(true);
    expect(cold.report.summary.cachedResults).toBeUndefined();
    const warm = await run();
    // Reused, and still failing: a cached failure is never a pass.
    expect(warm.code).toBe(1);
    expect(warm.report.summary.cachedResults).toBe(true);
    expect(stable(warm.report)).toEqual(stable(cold.report));
  });

  it('a changed file whose name holds a newline still misses the whole-run cache (the tree walk is not a glob)', async () => {
    const repo = join(work, 'odd-names');
    cpSync(join(fixtures, 'policy', 'dp-violation'), repo, { recursive: true });
    // Hostile: glob libraries skip such names, so the file was left out of the tree key and a warm run reused the
    // findings of its old content.
    const odd = join(repo, 'apps', 'web', 'base', 'notes\n.txt');
    writeFileSync(odd, 'nothing here\n');
    const run = async () => JSON.parse((await runCli(['check', repo, '--format', 'json'])).stdout);
    await run();
    expect((await run()).summary.cachedResults).toBe(true);
    writeFileSync(odd, 'nothing here either, and longer\n');
    expect((await run()).summary.cachedResults).toBeUndefined();
  });
});
