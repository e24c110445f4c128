/**
 * Issue 20 guard: making `check` cheaper must not change what it reports. The small bench repo, with violations
 * planted across envs and layers (a team baseline without its stage/prod default-deny, so the cross-overlay
 * trust-membrane rules fire for every app of that team; a tag instead of a digest in prod; an unknown field in a
 * shared base; a plaintext Secret in a repository file and one only the render reveals), is checked by the built
 * CLI and its JSON report — findings and counts, not timings — is compared with a committed report written by the
 * code before the issue 20 changes (`KFM_UPDATE_REPORT_FIXTURE=1` rewrites it after a deliberate change of findings).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRepo } from '../../bench/generate.mjs';
import { kustomizeBin, repoRoot, runCli } from '../helpers.js';

const FIXTURE = join(repoRoot, 'test', 'bench', 'fixtures', 'planted-small.report.json');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function edit(file: string, change: (text: string) => string): void {
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`planting changed nothing in ${file}: the generator's output moved`);
  writeFileSync(file, after);
}

/** The small bench repo with violations that exercise every check and the per-env (cross-overlay) rules. */
function plantedRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-planted-'));
  dirs.push(dir);
  generateRepo({ out: dir, size: 'small', git: false, force: true });
  // Team atlas loses its stage and prod default-deny, and both its apps their store's own: in dev the namespace is
  // still closed by another overlay (the team baseline), in stage and prod the per-env trust membrane fails.
  edit(join(dir, 'core/atlas-baseline/default-deny-ingress.yaml'), (t) => t.split('\n---\n')[0] + '\n');
  for (const app of ['grand-routes', 'young-notary'])
    edit(join(dir, 'apps', app, 'base/kustomization.yaml'), (t) =>
      t.replace('  - networkpolicy-db-default-deny-ingress.yaml\n', ''),
    );
  // young-catalog prod runs a tag: digest rules on the rendered image and on the kustomization override.
  edit(join(dir, 'apps/young-catalog/overlays/prod/kustomization.yaml'), (t) =>
    t.replace(
      /(name: quay\.io\/kfm\/young-catalog-api\n\s+newName: [^\n]+\n\s+)digest: sha256:[0-9a-f]+/,
      '$1newTag: 1.4.2',
    ),
  );
  // An unknown field in a base three overlays share: a schema error in each of them.
  edit(join(dir, 'apps/quick-records/base/deployment-api.yaml'), (t) =>
    t.replace('  revisionHistoryLimit: 5\n', '  revisionHistoryLimit: 5\n  replicaz: 3\n'),
  );
  // A plaintext Secret in a repository file (reported on the file, not again per overlay) …
  writeFileSync(
    join(dir, 'apps/grand-routes/overlays/dev/secret-plain.yaml'),
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: grand-routes-plain\ntype: Opaque\nstringData:\n  password: "q7Rz!x2Lw9#pVd4Km8sT"\n',
  );
  edit(join(dir, 'apps/grand-routes/overlays/dev/kustomization.yaml'), (t) =>
    t.replace('resources:\n', 'resources:\n  - secret-plain.yaml\n'),
  );
  // … and one that only the render reveals (a secretGenerator literal), in another env.
  edit(join(dir, 'apps/west-registry/overlays/stage/kustomization.yaml'), (t) =>
    t.replace(
      'configMapGenerator:\n',
      'secretGenerator:\n  - name: west-registry-token\n    literals:\n      - token=Zk3pQ9vX2mLr7TbW5yHc\n\nconfigMapGenerator:\n',
    ),
  );
  return dir;
}

interface ReportShape {
  summary: Record<string, unknown>;
  findings: Record<string, unknown>[];
}

/** What a user sees of a report, without timings or anything machine-specific. */
function stable(report: ReportShape): unknown {
  const summary = { ...report.summary };
  for (const k of Object.keys(summary)) if (/duration|ms$|Ms$|cached/i.test(k)) delete summary[k];
  return {
    summary,
    findings: report.findings.map((f) => {
      const { durationMs: _d, ...rest } = f;
      return rest;
    }),
  };
}

describe('issue 20: the report of a planted bench repo does not change', () => {
  it.skipIf(!existsSync(kustomizeBin))(
    'same findings, lines, fingerprints and counts as the committed report',
    async () => {
      const repo = plantedRepo();
      const r = await runCli(['check', repo, '--format', 'json', '--no-cache', '--concurrency', '2'], {
        env: { KFM_TOOLS_DIR: join(repoRoot, '.tools', 'bin'), KFM_SECRETS_FINGERPRINT_KEY: '' },
      });
      expect(r.code, r.stderr).toBe(1);
      const actual = stable(JSON.parse(r.stdout) as ReportShape);
      if (process.env.KFM_UPDATE_REPORT_FIXTURE === '1') writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { findings: { ruleId: string }[] };
      // The planted violations really fire (a fixture of nothing would compare equal to a broken run).
      const rules = new Set(expected.findings.map((f) => f.ruleId));
      for (const prefix of ['KFM-TM-', 'KFM-DP-', 'KFM-SCHEMA-', 'KFM-SEC-'])
        expect(
          [...rules].some((id) => id.startsWith(prefix)),
          prefix,
        ).toBe(true);
      expect(actual).toEqual(expected);
    },
    180_000,
  );
});
