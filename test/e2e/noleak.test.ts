/**
 * The no-leak promise end to end: planted secrets never appear (no 8-character substring) in anything the CLI
 * prints or writes — every console format, every report file, stderr, and the cache files it leaves behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyReportFile, filesUnder, runCli } from '../helpers.js';
import { leakedFragments, plantRepo, removeDir, type PlantedRepo } from '../secrets/helpers.js';
import { freshGitCopy } from './infra-copy.js';

let planted: PlantedRepo;

beforeAll(async () => {
  planted = await plantRepo(23);
});
afterAll(async () => {
  if (planted) await removeDir(planted.root);
});

describe('no secret leaves the tool', () => {
  it.each(['text', 'json', 'sarif', 'junit', 'github'])(
    'console format %s, stderr and report files',
    async (format) => {
      const out = join(planted.root, '..', `${format}-reports`);
      const r = await runCli(['check', planted.root, '--format', format, ...everyReportFile(out)]);
      expect(r.code).toBe(1);
      // The run did find the secrets (otherwise "no leak" would prove nothing).
      const report = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'));
      expect(report.findings.filter((f: { category: string }) => f.category === 'secret').length).toBeGreaterThan(40);
      const everything = [r.stdout, r.stderr, ...filesUnder(out).map((f) => readFileSync(f, 'utf8'))].join('\n');
      expect(leakedFragments(everything, planted.secrets)).toEqual([]);
    },
  );

  it('leaves no secret in clear in the caches it wrote', async () => {
    await runCli(['check', planted.root, '--format', 'json']);
    const cacheFiles = filesUnder(join(planted.root, '.kfm-gitops'));
    expect(cacheFiles.some((f) => f.includes(`${join('cache', 'render')}`))).toBe(true);
    const text = cacheFiles.map((f) => readFileSync(f).toString('latin1')).join('\n');
    expect(leakedFragments(text, planted.secrets)).toEqual([]);
  });
});

describe('a credential in a path', () => {
  const copy = freshGitCopy();

  it('is reported, and no finding about that file prints it back in its location or message', async () => {
    const token = `ghp_${'k7Qz2Xw9Lm4R'.repeat(3)}`;
    writeFileSync(
      join(copy.root, 'docs', `${token}.yaml`),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n',
    );
    const r = await runCli(['check', copy.root, '--format', 'json', '--no-cache']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; file?: string; message: string }[] };
    const ids = report.findings.map((f) => [f.ruleId, f.file]);
    // The name's own finding, and coverage's (a manifest nothing renders), both at the masked path.
    expect(ids).toEqual(
      expect.arrayContaining([
        ['KFM-SEC-030', 'docs/ghp_\u2026 (40 chars).yaml'],
        ['KFM-RENDER-021', 'docs/ghp_\u2026 (40 chars).yaml'],
      ]),
    );
    expect(leakedFragments(r.stdout + r.stderr, [token.slice(4)])).toEqual([]);
  });
});
