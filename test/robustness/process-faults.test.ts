/**
 * kustomize misbehaving: hanging (with grandchildren), crashing, printing garbage, printing too much, printing
 * nothing. Each must be a finding with exit 1 — never a pass, never a hang, never a leftover process.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCleanInterrupt, fixtures, processesWith, runCli } from '../helpers.js';

const good = join(fixtures, 'render', 'mixed');

/** A fake kustomize: answers `version` like the real one, does `body` on `build`. */
function fakeKustomize(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-fake-'));
  const file = join(dir, 'kustomize');
  writeFileSync(file, `#!/usr/bin/env bash\nif [ "$1" = version ]; then echo v5.7.1; exit 0; fi\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

async function checkWith(body: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(
    ['check', good, '--overlay', 'apps/good/**', '--format', 'json', '--kustomize', fakeKustomize(body), ...extra],
    { env },
  );
  return { ...r, report: r.stdout ? JSON.parse(r.stdout) : undefined };
}

describe('kustomize process faults', () => {
  it('a hung render times out as a finding and its grandchildren are killed', async () => {
    const marker = `kfm-hang-${process.pid}-${Date.now()}`;
    const r = await checkWith(`bash -c "exec -a ${marker} sleep 300" & bash -c "exec -a ${marker} sleep 300"; wait`, [
      '--timeout',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.report.findings).toEqual([
      expect.objectContaining({ ruleId: 'KFM-RENDER-002', overlay: 'apps/good/overlays/dev' }),
    ]);
    expect(r.report.findings[0].message).toMatch(/timed out after 1 s/);
    await new Promise((res) => setTimeout(res, 300));
    expect(processesWith(marker)).toBe('');
  });

  it('a crash is a finding with the exit status', async () => {
    const r = await checkWith('echo "panic: runtime error" >&2; exit 2');
    expect(r.code).toBe(1);
    expect(r.report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-001' });
    expect(r.report.findings[0].message).toContain('panic: runtime error');
    expect(r.report.findings[0].message).toContain('exit status 2');
  });

  it('garbage output is a parse finding, not a crash', async () => {
    const r = await checkWith("printf 'apiVersion: v1\\nkind: [unclosed\\n\\x01\\x02: :\\n'");
    expect(r.code).toBe(1);
    expect(r.report.findings[0].ruleId).toBe('KFM-RENDER-010');
  });

  it('an empty render of a non-empty overlay is a finding', async () => {
    const r = await checkWith('exit 0');
    expect(r.code).toBe(1);
    expect(r.report.findings[0].ruleId).toBe('KFM-RENDER-006');
  });

  it('huge output is stopped at the limit and reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-limit-'));
    // The root on the command line: a config may not point its root out of its own repository.
    writeFileSync(join(dir, 'kfm-gitops.yaml'), `kustomize:\n  maxOutputMegabytes: 1\n`);
    const kustomize = fakeKustomize('yes "# filler line of a very large render" | head -c 50000000');
    const r = await runCli(
      [
        'check',
        good,
        '--config',
        join(dir, 'kfm-gitops.yaml'),
        '--overlay',
        'apps/good/**',
        '--format',
        'json',
        '--kustomize',
        kustomize,
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-007' });
  });

  it('SIGINT during a run kills children, removes temp folders and exits 130', async () => {
    const marker = `kfm-sigint-${process.pid}-${Date.now()}`;
    const kustomize = fakeKustomize(`exec -a ${marker} sleep 300`);
    await expectCleanInterrupt(['check', good, '--kustomize', kustomize], marker);
  });
});
