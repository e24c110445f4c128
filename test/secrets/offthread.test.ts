/**
 * Issue 20: `check` scans the repository's files for secrets on a worker thread, started before discovery
 * (checks/secrets/offthread.ts). That scan must be the in-process scan — the same findings, hashes and counts — and a
 * thread that cannot give one must leave the check to scan in-process, never to skip the files.
 *
 * The worker runs the compiled module (dist/checks/secrets/repo-worker.js), so this test uses the built code, as the
 * CLI does.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers.js';
import { plantRepo, removeDir } from './helpers.js';

type Offthread = typeof import('../../src/checks/secrets/offthread.js');
type Scan = typeof import('../../src/checks/secrets/scan.js');
type Config = typeof import('../../src/checks/secrets/config.js');
type Redact = typeof import('../../src/redact/index.js');
const dist = (m: string) => join(repoRoot, 'dist', 'checks', 'secrets', m);
const { startRepoScan, takeRepoScan } = (await import(dist('offthread.js'))) as Offthread;
const { repoScanData, scanRepository } = (await import(dist('scan.js'))) as Scan;
const { secretsSettings } = (await import(dist('config.js'))) as Config;
const { redactPathFormats } = (await import(join(repoRoot, 'dist', 'redact', 'index.js'))) as Redact;

const planted = await plantRepo(23);
afterAll(() => removeDir(planted.root));

describe('the secret scan of the repository files on a worker thread', () => {
  it('is the in-process scan: the same findings, secret hashes, suppressions and counts', async () => {
    // One fingerprint key for both (the worker thread has this process's environment).
    process.env.KFM_SECRETS_FINGERPRINT_KEY = 'offthread-differential-key-0123456789abcdef';
    const config = { allowRules: ['KFM-SEC-020'] };
    startRepoScan(planted.root, config);
    const taken = takeRepoScan(planted.root, config);
    const off = await taken?.result;
    expect(off).toBeDefined();
    const here = repoScanData(
      await scanRepository({ root: planted.root, settings: secretsSettings(config), mode: 'check' }),
    );
    expect(off!.out.length).toBeGreaterThan(20); // the planted credentials were found at all
    expect(off!.out).toEqual(here.out);
    expect([...off!.repoHashes].sort()).toEqual([...here.repoHashes].sort());
    expect(off!.key).toEqual(here.key);
    expect(off!.baseline).toEqual(here.baseline);
    const { durationMs: _a, detector: da, ...offStats } = off!.stats;
    const { durationMs: _b, detector: db, ...hereStats } = here.stats;
    expect(offStats).toEqual(hereStats);
    expect(da).toEqual(db);
  });

  it('is taken once, only for the root and config it was started for; another is stopped, not used', async () => {
    startRepoScan(planted.root, undefined);
    expect(takeRepoScan(planted.root, { exclude: ['**/*.txt'] })).toBeUndefined();
    expect(takeRepoScan(planted.root, undefined)).toBeUndefined(); // stopped by the mismatch above
    startRepoScan(planted.root, undefined);
    expect(takeRepoScan(join(planted.root, 'apps'), undefined)).toBeUndefined();
    startRepoScan(planted.root, undefined);
    const first = takeRepoScan(planted.root, undefined);
    expect(takeRepoScan(planted.root, undefined)).toBeUndefined();
    expect(await first?.result).toBeDefined();
  });

  it('a scan the thread cannot make settles with nothing (the check then scans in-process)', async () => {
    startRepoScan(join(planted.root, 'no-such-folder'), undefined);
    expect(await takeRepoScan(join(planted.root, 'no-such-folder'), undefined)?.result).toBeUndefined();
  });

  it('`check` reports the files the worker thread scanned, and no planted value appears in any output', async () => {
    const r = await runCli(['check', planted.root, '--format', 'json', '--no-cache'], {
      env: { KFM_SECRETS_FINGERPRINT_KEY: 'offthread-differential-key-0123456789abcdef' },
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; file?: string }[] };
    const here = await scanRepository({ root: planted.root, settings: secretsSettings(undefined), mode: 'check' });
    // Every finding of the files' scan is in the report, on its file (a file name holding a credential is masked).
    const reported = new Set(report.findings.map((f) => `${f.ruleId} ${f.file ?? ''}`));
    const expected = here.out
      .filter((f) => !f.suppressed && f.file)
      .map((f) => `${f.ruleId} ${redactPathFormats(f.file!)}`);
    expect(expected.length).toBeGreaterThan(20);
    for (const e of expected) expect(reported.has(e), e).toBe(true);
    for (const s of planted.secrets) expect(r.stdout + r.stderr).not.toContain(s);
  });
});
