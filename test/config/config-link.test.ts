/**
 * kfm-gitops.yaml is found in the repository under check, and a pull request can commit it as a symbolic link. One
 * pointing out of the repository made the run read a file of the CI host as its config, and an unknown-key error
 * then printed that file's first key (a credential, say) into the job log. A found config must be a file of the
 * repository (links inside it are fine); a config named on the command line is the user's choice and may be anywhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

describe('a kfm-gitops.yaml that is a symbolic link', () => {
  let dir: string;
  let repo: string;
  let outside: string;
  const SECRET = 'AKIA_not_a_real_key_0123456789';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-cfglink-'));
    repo = join(dir, 'repo');
    mkdirSync(join(repo, 'configs'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    outside = join(dir, 'host-file');
    writeFileSync(outside, `${SECRET}: 1\n`);
    writeFileSync(join(repo, 'configs', 'kfm.yaml'), 'failOn: warning\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused, without reading it, when it leaves the repository', async () => {
    rmSync(join(repo, 'kfm-gitops.yaml'), { force: true });
    symlinkSync(outside, join(repo, 'kfm-gitops.yaml'));
    const err = await loadConfig({ searchDirs: [repo] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/outside the repository/);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('is read when it points at a file of the repository', async () => {
    rmSync(join(repo, 'kfm-gitops.yaml'), { force: true });
    symlinkSync(join('configs', 'kfm.yaml'), join(repo, 'kfm-gitops.yaml'));
    expect((await loadConfig({ searchDirs: [repo] })).config).toEqual({ failOn: 'warning' });
  });

  it('is read from anywhere when named on the command line', async () => {
    const named = join(dir, 'named.yaml');
    writeFileSync(named, 'failOn: warning\n');
    expect((await loadConfig({ explicitPath: named, searchDirs: [repo] })).config).toEqual({ failOn: 'warning' });
  });
});
