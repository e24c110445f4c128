/**
 * `check --changed-since <ref>` reads the change's commits (issue 16): a credential added in the first commit of a
 * branch and deleted in the second is gone from the tree but stays in the repository's history.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, repoRoot, runCli } from '../helpers.js';
import { leakedFragments } from '../secrets/helpers.js';
import { Gen } from '../secrets/vectors.js';

const g = new Gen(1616);
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sh = git;

/** infra/gitops on `main`, then a `feature` branch of two commits: `docs/db.env` added, then deleted. */
function branchRepo(password: string): { root: string; first: string } {
  const root = join(mkdtempSync(join(tmpdir(), 'kfm-history-')), 'repo');
  made.push(root);
  cpSync(join(repoRoot, 'infra', 'gitops'), root, { recursive: true });
  sh(root, 'init', '-q', '-b', 'main');
  sh(root, 'add', '-A');
  sh(root, 'commit', '-qm', 'base');
  sh(root, 'checkout', '-qb', 'feature');
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'db.env'), `HOST=db\nDB_PASSWORD=${password}\n`);
  sh(root, 'add', '-A');
  sh(root, 'commit', '-qm', 'add the database settings');
  const first = sh(root, 'rev-parse', 'HEAD').trim().slice(0, 12);
  sh(root, 'rm', '-q', 'docs/db.env');
  sh(root, 'commit', '-qm', 'remove them');
  return { root, first };
}

describe('check --changed-since <ref> scans the commits of the change', () => {
  it('a secret added in commit 1 and removed in commit 2 fails the run, naming the commit and file:line', async () => {
    const password = g.password(22);
    const { root, first } = branchRepo(password);
    const r = await runCli(['check', '.', '--changed-since', 'main', '--format', 'json'], { cwd: root });
    expect(r.code).toBe(1);
    const findings = (
      JSON.parse(r.stdout) as { findings: { ruleId: string; file?: string; line?: number; message: string }[] }
    ).findings;
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'KFM-SEC-070',
        file: 'docs/db.env',
        line: 2,
        message: expect.stringContaining(`added in commit ${first}`),
      }),
    );
    expect(leakedFragments(r.stdout + r.stderr, [password])).toEqual([]);

    // Text output names the commit too.
    const text = await runCli(['check', '.', '--changed-since', 'main'], { cwd: root });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`docs/db.env:2`);
    expect(text.stdout).toContain(`added in commit ${first}`);
    expect(leakedFragments(text.stdout + text.stderr, [password])).toEqual([]);
  });

  it('the same branch with a placeholder instead of the secret passes', async () => {
    const { root } = branchRepo('${DB_PASSWORD}');
    const r = await runCli(['check', '.', '--changed-since', 'main'], { cwd: root });
    expect(r.stdout).not.toContain('KFM-SEC');
    expect(r.code).toBe(0);
  });

  it('a ref that is not an ancestor of HEAD is said (info), and the files changed since the merge-base are scanned', async () => {
    const password = g.password(22);
    const { root } = branchRepo(password);
    // main moves on after the branch was cut: main is no longer an ancestor of HEAD.
    sh(root, 'checkout', '-q', 'main');
    writeFileSync(join(root, 'NOTES.md'), 'moved on\n');
    sh(root, 'add', '-A');
    sh(root, 'commit', '-qm', 'main moves');
    sh(root, 'checkout', '-q', 'feature');
    const token = g.password(24);
    writeFileSync(join(root, 'docs', 'app.env'), `API_PASSWORD=${token}\n`);
    const r = await runCli(['check', '.', '--changed-since', 'main', '--format', 'json'], { cwd: root });
    const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; file?: string }[] })
      .findings;
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'KFM-SEC-905', severity: 'info' }));
    // The work-tree change is still scanned; the deleted commit-1 value is not (that is what the info says).
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'KFM-SEC-070', file: 'docs/app.env' }));
    expect(findings.filter((f) => f.file === 'docs/db.env')).toEqual([]);
    expect(r.code).toBe(1);
    expect(leakedFragments(r.stdout + r.stderr, [password, token])).toEqual([]);
  });
});
