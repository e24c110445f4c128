import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leakedFragments, runSecretsCli, useTempRepos } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(1606);
const repo = useTempRepos();
const sh = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });

const run = (root: string, base: string): ReturnType<typeof runSecretsCli> =>
  runSecretsCli(root, ['scan', '.', '--history', base]);

describe('secrets scan --history <base> (issue 16)', () => {
  it('a secret added in commit 1 and removed in commit 2 is reported with the commit and its line; without it, clean', async () => {
    const password = g.password(22);
    const root = await repo({ 'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\n' });
    sh(root, 'init', '-q', '-b', 'main');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'base');
    sh(root, 'checkout', '-qb', 'feature');
    await writeFile(join(root, 'app/db.env'), `HOST=db\nDB_PASSWORD=${password}\n`);
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'add');
    const first = sh(root, 'rev-parse', 'HEAD').trim();
    await rm(join(root, 'app/db.env'));
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'remove');

    const r = await run(root, 'main');
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `${first.slice(0, 12)} app/db.env:2: KFM-SEC-070 Password assigned in plain text: … (22 chars) (added in commit ${first.slice(0, 12)})\n`,
    );
    expect(leakedFragments(r.out + r.err, [password])).toEqual([]);

    // The same branch shape without the secret: clean.
    const clean = await repo({ 'app/config.yaml': 'a: 1\n' });
    sh(clean, 'init', '-q', '-b', 'main');
    sh(clean, 'add', '-A');
    sh(clean, 'commit', '-qm', 'base');
    sh(clean, 'checkout', '-qb', 'feature');
    await writeFile(join(clean, 'app/db.env'), 'HOST=db\nDB_PASSWORD=${DB_PASSWORD}\n');
    sh(clean, 'add', '-A');
    sh(clean, 'commit', '-qm', 'add');
    await rm(join(clean, 'app/db.env'));
    sh(clean, 'add', '-A');
    sh(clean, 'commit', '-qm', 'remove');
    const c = await run(clean, 'main');
    expect(c.out).toBe('');
    expect(c.code).toBe(0);
  });

  it('binary blobs (a key store, UTF-16 text without a BOM), oversize files and a token inside a block scalar count too', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo({
      'ci/pipeline.yaml': 'ci:\n  script: |\n    echo build\n    echo test\n',
      'kfm-gitops.yaml': 'secrets:\n  maxFileBytes: 4096\n',
    });
    sh(root, 'init', '-q', '-b', 'main');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'base');
    sh(root, 'checkout', '-qb', 'feature');
    await writeFile(join(root, 'ci/token.txt'), Buffer.from(`token: ${token}\n`, 'utf16le'));
    await writeFile(
      join(root, 'ci/release.p12'),
      Buffer.from([0x30, 0x82, 0x0a, 0x01, 0x02, 0x01, 0x03, 0x30, 0, 0, 1]),
    );
    await writeFile(join(root, 'ci/big.txt'), `token: ${token}\n${'x'.repeat(5000)}\n`);
    await writeFile(
      join(root, 'ci/pipeline.yaml'),
      `ci:\n  script: |\n    echo build\n    export GITHUB_TOKEN=${token}\n    echo test\n`,
    );
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'add');
    await rm(join(root, 'ci/token.txt'));
    await rm(join(root, 'ci/release.p12'));
    await rm(join(root, 'ci/big.txt'));
    await writeFile(join(root, 'ci/pipeline.yaml'), 'ci:\n  script: |\n    echo build\n    echo test\n');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'remove');

    const r = await run(root, 'main');
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    for (const [file, rule] of [
      ['ci/token.txt', 'KFM-SEC-030'],
      ['ci/release.p12', 'KFM-SEC-006'],
      ['ci/big.txt', 'KFM-SEC-003'],
      ['ci/pipeline.yaml', 'KFM-SEC-030'],
    ])
      expect(
        lines.some((l) => l.includes(` ${file}`) && l.includes(rule)),
        `${file} ${rule}\n${r.out}`,
      ).toBe(true);
    expect(leakedFragments(r.out + r.err, [token])).toEqual([]);
  });

  it('a base that is not a commit fails with exit 2', async () => {
    const root = await repo({ 'a.txt': 'x\n' });
    sh(root, 'init', '-q');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'one');
    await expect(run(root, 'no-such-ref')).rejects.toMatchObject({ exitCode: 2 });
  });

  it("a token written as the name of a file added in one commit and removed in the next is the commit's", async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo({ 'README.md': 'docs\n' });
    sh(root, 'init', '-q', '-b', 'main');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'base');
    sh(root, 'checkout', '-qb', 'feature');
    // An empty file has no line a patch shows: only its name holds the token.
    await writeFile(join(root, `cache-${token}`), '');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'add');
    const first = sh(root, 'rev-parse', 'HEAD').trim().slice(0, 12);
    sh(root, 'rm', '-q', `cache-${token}`);
    sh(root, 'commit', '-qm', 'remove');

    const r = await run(root, 'main');
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `${first} cache-ghp_… (40 chars): KFM-SEC-030 GitHub personal access token (classic): ghp_… (40 chars) (in the file's name) (added in commit ${first})\n`,
    );
    expect(leakedFragments(r.out + r.err, [token])).toEqual([]);
  });
});
