import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanForSecrets, secretsSettings, type SecretsScanResult } from '../../src/checks/secrets/index.js';
import { readForScan } from '../../src/checks/secrets/files.js';
import { GitIgnore } from '../../src/checks/secrets/gitignore.js';
import { useTempRepos } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(51);
const repo = useTempRepos();
const run = (root: string, config: Record<string, unknown> = {}): Promise<SecretsScanResult> =>
  scanForSecrets({ root, settings: secretsSettings(config), mode: 'check', overlays: [], env: {} });
const secretEnv = (): string => `DB_PASSWORD=${g.password(20)}\n`;
const files = (r: SecretsScanResult): string[] => [...new Set(r.findings.map((f) => f.file ?? ''))].sort();

describe('which files are scanned', () => {
  it('in a Git work tree: what Git tracks or would track, relative to the root, .gitignore honoured', async () => {
    const top = await repo({
      '.gitignore': 'ignored.env\nbuild/\n',
      'outside-root.env': secretEnv(),
      'gitops/app.env': secretEnv(),
      'gitops/ignored.env': secretEnv(),
      'gitops/build/out.env': secretEnv(),
      'gitops/nested/.gitignore': '*.local\n!keep.local\n',
      'gitops/nested/x.local': secretEnv(),
      'gitops/nested/keep.local': secretEnv(),
    });
    execFileSync('git', ['init', '-q'], { cwd: top });
    const result = await run(join(top, 'gitops'));
    expect(result.stats.via).toBe('git');
    expect(files(result)).toEqual(['app.env', 'nested/keep.local']);
  });

  it('in a Git work tree whose file list git cannot give (a corrupt index), the scan fails: it never walks instead', async () => {
    const top = await repo({ 'app.env': secretEnv() });
    execFileSync('git', ['init', '-q'], { cwd: top });
    execFileSync('git', ['add', '-A'], { cwd: top });
    await writeFile(join(top, '.git', 'index'), 'not an index');
    await expect(run(top)).rejects.toThrow(/git ls-files failed in a Git work tree/);
  });

  it('outside Git: the tree is walked and every .gitignore is honoured (negation included)', async () => {
    const root = await repo({
      '.gitignore': '# comment\n*.secret\n/top-only.env\nlogs/\n',
      'a.env': secretEnv(),
      'x.secret': secretEnv(),
      'sub/y.secret': secretEnv(),
      'top-only.env': secretEnv(),
      'sub/top-only.env': secretEnv(),
      'logs/z.env': secretEnv(),
      'sub/.gitignore': '!keep.secret\n',
      'sub/keep.secret': secretEnv(),
    });
    const result = await run(root);
    expect(result.stats.via).toBe('walk');
    expect(files(result)).toEqual(['a.env', 'sub/keep.secret', 'sub/top-only.env']);
  });

  it('never follows a symbolic link, least of all out of the root', async () => {
    const outside = await repo({}); // an empty temp folder, removed after the test like the others
    await writeFile(join(outside, 'leak.env'), secretEnv());
    await mkdir(join(outside, 'dir'));
    await writeFile(join(outside, 'dir', 'deep.env'), secretEnv());
    const root = await repo({ 'a.txt': 'nothing here\n' });
    await symlink(join(outside, 'leak.env'), join(root, 'link.env'));
    await symlink(join(outside, 'dir'), join(root, 'linkdir'));
    const result = await run(root);
    expect(result.findings).toEqual([]);
    expect(result.stats.symlinksSkipped).toEqual(['link.env', 'linkdir']);
    expect(result.stats.filesScanned).toBe(1);
  });

  it('binary files are counted in one info finding; key stores are findings', async () => {
    const root = await repo({ 'a.env': 'X=1\n' });
    await writeFile(join(root, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3]));
    await writeFile(join(root, 'client.p12'), Buffer.from([0x30, 0x82, 0, 0, 1, 2, 3, 4]));
    const result = await run(root);
    expect(result.findings.map((f) => [f.ruleId, f.severity ?? 'default', f.file ?? null, f.message])).toEqual([
      [
        'KFM-SEC-005',
        'info',
        null,
        '2 binary file(s) were searched only for the text they hold, gzip, zip and zlib content unpacked (client.p12, logo.png)',
      ],
      ['KFM-SEC-006', 'default', 'client.p12', 'Key store file committed: binary key store (8 bytes)'],
    ]);
    expect(result.stats.binarySkipped).toEqual(['client.p12', 'logo.png']);
  });

  it("a credential in a file's name is a finding; its location does not print it back", async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo({ [`docs/${token}.txt`]: 'nothing here\n', 'a.env': 'X=1\n' });
    const result = await run(root);
    const named = result.findings.filter((f) => f.message.includes("(in the file's name)"));
    // Shown masked, here and in every report (test/e2e/noleak.test.ts plants such a file).
    expect(named.map((f) => [f.ruleId, f.file])).toEqual([['KFM-SEC-030', 'docs/ghp_\u2026 (40 chars).txt']]);
  });

  it('a file over secrets.maxFileBytes is not read and fails closed', async () => {
    const root = await repo({ 'big.yaml': `# ${'x'.repeat(3000)}\n`, 'small.env': secretEnv() });
    const result = await run(root, { maxFileBytes: 2048 });
    expect(result.findings.map((f) => [f.ruleId, f.file, f.message])).toEqual([
      ['KFM-SEC-003', 'big.yaml', 'File too large to scan for secrets: 3003 bytes, over secrets.maxFileBytes (2048)'],
      ['KFM-SEC-070', 'small.env', 'Password assigned in plain text: … (20 chars)'],
    ]);
  });

  it('secrets.exclude skips files by glob, and counts them', async () => {
    const root = await repo({ 'docs/examples/a.env': secretEnv(), 'docs/b.env': secretEnv(), 'c.env': secretEnv() });
    const result = await run(root, { exclude: ['docs/examples/**'] });
    expect(files(result)).toEqual(['', 'c.env', 'docs/b.env']);
    expect(result.stats.excluded).toBe(1);
    expect(result.findings.find((f) => !f.file)?.ruleId).toBe('KFM-SEC-906');
  });

  it("secrets.exclude (the repository's own config) cannot hide a known credential format or a key store", async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo({
      'docs/a.env': `DB_PASSWORD=${g.password(20)}\nGH=${token}\n`,
      'docs/allowed.txt': `GH=${token} # kfm-gitops:allow KFM-SEC-030 revoked test token of the docs\n`,
    });
    const result = await run(root, { exclude: ['**'] });
    const shown = result.findings.map((f) => [f.ruleId, f.file, f.line, f.suppressed?.by ?? null]);
    expect(shown).toEqual([
      ['KFM-SEC-906', undefined, undefined, null],
      ['KFM-SEC-030', 'docs/a.env', 2, null],
      ['KFM-SEC-030', 'docs/allowed.txt', 1, 'inline'],
    ]);
    expect(result.findings.find((f) => f.ruleId === 'KFM-SEC-906')?.message).toContain(
      '2 file(s) skipped by secrets.exclude',
    );
  });

  it('a root that is not a folder is an error, not an empty pass', async () => {
    await expect(run('/nonexistent/kfm-root')).rejects.toThrow('the checked root is not a readable folder');
  });
});

describe('the .gitignore fallback matcher', () => {
  it('follows Git for anchoring, folders, globs and negation', () => {
    const ig = new GitIgnore();
    ig.add('', '*.log\n!important.log\n/only-top\ndir/\n**/deep/*.tmp\na/**/b\n[Tt]emp\n');
    ig.add('sub', 'local.*\n');
    const cases: [string, boolean][] = [
      ['x.log', true],
      ['a/b/x.log', true],
      ['important.log', false],
      ['only-top', true],
      ['sub/only-top', false],
      ['dir/file', true],
      ['x/dir/file', true],
      ['dir', false],
      ['q/deep/z.tmp', true],
      ['deep/z.tmp', true],
      ['a/x/y/b', true],
      ['Temp', true],
      ['sub/local.env', true],
      ['local.env', false],
    ];
    expect(cases.map(([p]) => [p, ig.ignores(p)])).toEqual(cases);
  });
});

describe('reading one file (one descriptor, never through a link)', () => {
  it('a regular file, a link to it, a folder, a FIFO and a missing path each get their own outcome', async () => {
    const root = await repo({ 'a.env': secretEnv(), 'sub/x': 'y\n' });
    await symlink(join(root, 'a.env'), join(root, 'link.env'));
    const fifo = join(root, 'pipe');
    let haveFifo = true;
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      haveFifo = false; // no mkfifo on this platform: the other cases still run
    }
    const kind = (rel: string): string => readForScan(join(root, rel), 1024 * 1024).kind;
    expect(kind('a.env')).toBe('text');
    expect(kind('link.env')).toBe('symlink');
    expect(kind('sub')).toBe('not-a-file');
    expect(kind('nope')).toBe('missing');
    // Opening a FIFO must not wait for a writer.
    if (haveFifo) expect(kind('pipe')).toBe('not-a-file');
    expect(readForScan(join(root, 'a.env'), 4)).toEqual({ kind: 'too-large', bytes: expect.any(Number) });
  });
});
