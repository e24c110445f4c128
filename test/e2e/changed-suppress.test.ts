/**
 * A pull request may not accept its own leak (hostile review, "suppression without audit"): on a `check
 * --changed-since <base>` run, a secrets-baseline entry or an inline `kfm-gitops:allow` of a credential rule that the
 * change adds weakens the gate like a rule switched off (KFM-CONFIG-003), unless an ADR added or edited in the change
 * names the rule. Entries and allows already at the base are not the change's. The suppressed finding stays counted.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, repoRoot, runCli } from '../helpers.js';
import { leakedFragments } from '../secrets/helpers.js';
import { Gen } from '../secrets/vectors.js';

const g = new Gen(1703);
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sh = git;

interface Finding {
  ruleId: string;
  file?: string;
  line?: number;
  message: string;
}
interface Report {
  summary: { suppressed: number };
  findings: Finding[];
  suppressed: { ruleId: string; file?: string }[];
}

const BASELINE = '.kfm-gitops/secrets-baseline.json';
const REASON = 'revoked test token kept for the parser tests';

/** infra/gitops committed on `main`, `setup` run there first (committed too), then a `feature` branch. */
async function repo(setup?: (root: string) => Promise<void> | void): Promise<string> {
  const root = join(mkdtempSync(join(tmpdir(), 'kfm-self-allow-')), 'repo');
  made.push(root);
  cpSync(join(repoRoot, 'infra', 'gitops'), root, { recursive: true });
  mkdirSync(join(root, '.ci'));
  await setup?.(root);
  sh(root, 'init', '-q', '-b', 'main');
  sh(root, 'add', '-A');
  sh(root, 'commit', '-qm', 'base');
  sh(root, 'checkout', '-qb', 'feature');
  return root;
}

function commit(root: string, message: string): void {
  sh(root, 'add', '-A');
  sh(root, 'commit', '-qm', message);
}

async function writeBaseline(root: string): Promise<void> {
  const r = await runCli(['secrets', 'baseline', '.', '--reason', REASON], { cwd: root });
  expect(r.code, r.stderr).toBe(0);
}

async function check(root: string, secrets: string[]): Promise<{ code: number; report: Report }> {
  const r = await runCli(['check', '.', '--changed-since', 'main', '--format', 'json', '--no-cache'], { cwd: root });
  expect(leakedFragments(r.stdout + r.stderr, secrets)).toEqual([]);
  const text = await runCli(['check', '.', '--changed-since', 'main', '--no-cache'], { cwd: root });
  expect(leakedFragments(text.stdout + text.stderr, secrets)).toEqual([]);
  expect(text.code).toBe(r.code);
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

const places = (fs: Finding[]): [string, string | undefined, number | undefined][] =>
  fs.map((f) => [f.ruleId, f.file, f.line]);

describe('check --changed-since: a change that suppresses its own credential needs an ADR', () => {
  it('a token and its own new baseline entry: exit 1, KFM-CONFIG-003 at the entry, the token counted as suppressed', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo();
    writeFileSync(join(root, '.ci', 'x.yaml'), `ci:\n  token: ${token}\n`);
    await writeBaseline(root);
    commit(root, 'add the parser fixture');
    const r = await check(root, [token]);
    expect(r.code).toBe(1);
    expect(places(r.report.findings)).toEqual([['KFM-CONFIG-003', BASELINE, 5]]);
    expect(r.report.findings[0].message).toContain('KFM-SEC-030');
    expect(r.report.findings[0].message).toContain('.ci/x.yaml');
    expect(r.report.summary.suppressed).toBe(1);
    expect(r.report.suppressed.map((s) => [s.ruleId, s.file])).toEqual([['KFM-SEC-030', '.ci/x.yaml']]);
  });

  it('a token under its own new inline allow: exit 1, KFM-CONFIG-003 at the allow', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo();
    writeFileSync(
      join(root, '.ci', 'x.yaml'),
      `ci:\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${token}\n  other: ghp_${g.alnum(36)} # kfm-gitops:allow KFM-SEC-030 ${REASON}\n`,
    );
    commit(root, 'add the parser fixture');
    const r = await check(root, [token]);
    expect(r.code).toBe(1);
    expect(places(r.report.findings)).toEqual([
      ['KFM-CONFIG-003', '.ci/x.yaml', 2],
      ['KFM-CONFIG-003', '.ci/x.yaml', 4],
    ]);
    expect(r.report.summary.suppressed).toBe(2);
  });

  it('the same change with an ADR naming the rule passes, the suppressions still counted', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo();
    writeFileSync(join(root, '.ci', 'x.yaml'), `ci:\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${token}\n`);
    writeFileSync(join(root, '.ci', 'y.yaml'), `ci:\n  token: ghp_${g.alnum(36)}\n`);
    await writeBaseline(root);
    writeFileSync(
      join(root, 'docs', 'adr', '0042-parser-fixture-tokens.md'),
      '# Parser fixture tokens\n\nThe parser tests keep two revoked GitHub tokens: KFM-SEC-030 is allowed for them.\n',
    );
    commit(root, 'add the parser fixtures');
    const r = await check(root, [token]);
    expect(places(r.report.findings)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report.summary.suppressed).toBe(2);
  });

  it('a new value under an allow already at the base is the change: exit 1, KFM-CONFIG-003 at the allow', async () => {
    const revoked = `ghp_${g.alnum(36)}`;
    const live = `ghp_${g.alnum(36)}`;
    const root = await repo((r) =>
      writeFileSync(join(r, '.ci', 'x.yaml'), `ci:\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${revoked}\n`),
    );
    writeFileSync(join(root, '.ci', 'x.yaml'), `ci:\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${live}\n`);
    commit(root, 'refresh the fixture');
    const r = await check(root, [revoked, live]);
    expect(r.code).toBe(1);
    expect(places(r.report.findings)).toEqual([['KFM-CONFIG-003', '.ci/x.yaml', 2]]);
  });

  it('a token and its allow added in one commit and deleted in the next: exit 1, KFM-CONFIG-003 naming the commit', async () => {
    // The history scan reads the first commit with its allow (the token stays in Git for good); the tree holds neither.
    const token = `ghp_${g.alnum(36)}`;
    const root = await repo();
    writeFileSync(join(root, '.ci', 'x.yaml'), `ci:\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${token}\n`);
    commit(root, 'add the parser fixture');
    const first = sh(root, 'rev-parse', 'HEAD').trim().slice(0, 12);
    sh(root, 'rm', '-q', '.ci/x.yaml');
    commit(root, 'remove it');
    const r = await check(root, [token]);
    expect(r.code).toBe(1);
    expect(places(r.report.findings)).toEqual([['KFM-CONFIG-003', '.ci/x.yaml', 2]]);
    expect(r.report.findings[0].message).toContain(`commit ${first}`);
    expect(r.report.summary.suppressed).toBe(1);
  });

  it('entries and allows already at the base are not the change: exit 0 when the change edits around them', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const other = `ghp_${g.alnum(36)}`;
    const root = await repo(async (r) => {
      writeFileSync(join(r, '.ci', 'x.yaml'), `ci:\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${token}\n`);
      writeFileSync(join(r, '.ci', 'y.yaml'), `ci:\n  token: ${other}\n`);
      await writeBaseline(r);
    });
    // The change moves both down a line and rewrites the baseline (same entries, new lines).
    writeFileSync(
      join(root, '.ci', 'x.yaml'),
      `ci:\n  name: parser\n  # kfm-gitops:allow KFM-SEC-030 ${REASON}\n  token: ${token}\n`,
    );
    writeFileSync(join(root, '.ci', 'y.yaml'), `ci:\n  name: parser\n  token: ${other}\n`);
    await writeBaseline(root);
    commit(root, 'name the fixtures');
    const r = await check(root, [token, other]);
    expect(places(r.report.findings)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report.summary.suppressed).toBe(2);
  });
});
