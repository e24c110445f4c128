/** A repo's own Rego policies: compiled with opa once, cached by hash, evaluated like the built-in ones. */
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createPolicyCheck, testCustomPolicies } from '../../src/checks/policy/index.js';
import { fixtures, tempCopy } from '../helpers.js';
import { brief, checkRepo, hasKustomize, hasOpa, NO_KUSTOMIZE, NO_OPA, opaBin } from './helpers.js';

const NO_OPA_LOOKUP = { opa: '/nonexistent/opa' };
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function customRepo(): Promise<{ dir: string; config: Config }> {
  const copy = tempCopy(join(fixtures, 'policy', 'custom'));
  cleanups.push(copy.cleanup);
  const { config } = await loadConfig({ explicitPath: join(copy.dir, 'kfm-gitops.yaml'), searchDirs: [] });
  return { dir: copy.dir, config };
}

describe.skipIf(!hasKustomize)(`custom policies (${hasKustomize ? 'pinned kustomize' : NO_KUSTOMIZE})`, () => {
  it('says clearly that opa is needed when the custom policies are not compiled yet, and fails', async () => {
    const { dir, config } = await customRepo();
    const report = await checkRepo(dir, [createPolicyCheck({ opa: NO_OPA_LOOKUP })], config);
    const f = report.findings.find((x) => x.ruleId === 'KFM-CONFIG-901');
    expect(f).toMatchObject({ category: 'policy', severity: 'error' });
    expect(f!.message).toMatch(/custom policies in policies did not run: .*needs opa, which was not found/);
    expect(report.summary.findings.error).toBeGreaterThan(0);
  });

  describe.skipIf(!hasOpa)(`compiled with opa (${hasOpa ? 'pinned opa' : NO_OPA})`, () => {
    it('reports the custom rule with its own severity and path, then runs from the cache without opa', async () => {
      const { dir, config } = await customRepo();
      const first = await checkRepo(dir, [createPolicyCheck({ opa: { opa: opaBin } })], config);
      const expected = [
        {
          ruleId: 'KFM-CUSTOM-001',
          severity: 'warning',
          overlay: 'apps/shop/overlays/dev',
          resource: 'Deployment/shop',
          path: 'metadata.labels',
          file: 'apps/shop/base/deployment.yaml',
          line: 3,
        },
      ];
      expect(first.findings.map(brief)).toEqual(expected);
      expect(first.findings[0].message).toBe('Deployment shop has no kfm.dev/team label');
      expect(readdirSync(join(dir, '.kfm-gitops', 'cache', 'policies')).filter((e) => e !== '.gitignore')).toHaveLength(
        1,
      );

      const second = await checkRepo(dir, [createPolicyCheck({ opa: NO_OPA_LOOKUP })], config);
      expect(second.findings.map(brief)).toEqual(expected);

      // Changing a policy invalidates the cache: without opa that is now an error, not a stale pass.
      appendFileSync(join(dir, 'policies', 'team_label.rego'), '\n# changed\n');
      const third = await checkRepo(dir, [createPolicyCheck({ opa: NO_OPA_LOOKUP })], config);
      expect(third.findings.map((f) => f.ruleId)).toEqual(['KFM-CONFIG-901']);
    });

    it("reads any field of the overlay's kustomization (the built-in input carries only `images`)", async () => {
      const { dir, config } = await customRepo();
      writeFileSync(
        join(dir, 'policies', 'namespace_field.rego'),
        [
          '# METADATA',
          '# title: Overlays set their namespace',
          '# custom:',
          '#   id: KFM-CUSTOM-002',
          '#   severity: warning',
          'package custom.namespace_field',
          '',
          'violations contains v if {',
          '\tns := input.overlay.kustomization.namespace',
          '\tv := {"id": "KFM-CUSTOM-002", "msg": concat("", ["namespace ", ns]), "file": input.overlay.kustomizationFile, "path": ["namespace"]}',
          '}',
          '',
        ].join('\n'),
      );
      const report = await checkRepo(dir, [createPolicyCheck({ opa: { opa: opaBin } })], config);
      expect(report.findings.filter((f) => f.ruleId === 'KFM-CUSTOM-002').map((f) => [f.message, f.line])).toEqual([
        ['namespace shop-dev', 3],
      ]);
    });

    it('refuses a custom policy that needs a builtin the host cannot run', async () => {
      const { dir, config } = await customRepo();
      writeFileSync(
        join(dir, 'policies', 'net.rego'),
        '# METADATA\n# title: Calls out\n# custom:\n#   id: KFM-CUSTOM-002\npackage custom.net\n\nviolations contains v if {\n\tr := http.send({"method": "get", "url": "https://example.com"})\n\tv := {"id": "KFM-CUSTOM-002", "msg": "x", "resource": 0, "path": [], "r": r}\n}\n',
      );
      const report = await checkRepo(dir, [createPolicyCheck({ opa: { opa: opaBin } })], config);
      const f = report.findings.find((x) => x.ruleId === 'KFM-CONFIG-901');
      expect(f?.message).toMatch(/undefined function http\.send/);
      expect(report.findings.some((x) => x.ruleId === 'KFM-CUSTOM-001')).toBe(false);
    });

    it('refuses custom rule ids that clash with a built-in rule', async () => {
      const { dir, config } = await customRepo();
      const rego = join(dir, 'policies', 'team_label.rego');
      writeFileSync(
        rego,
        (await import('node:fs')).readFileSync(rego, 'utf8').replaceAll('KFM-CUSTOM-001', 'KFM-DP-001'),
      );
      const report = await checkRepo(dir, [createPolicyCheck({ opa: { opa: opaBin } })], config);
      expect(report.findings.find((x) => x.ruleId === 'KFM-CONFIG-901')?.message).toMatch(
        /KFM-DP-001 is a built-in rule id/,
      );
    });

    it("`policies test` runs the repo's Rego tests with the built-in helpers available", async () => {
      const { dir } = await customRepo();
      const ok = await testCustomPolicies({ root: dir, customDir: 'policies', lookup: { opa: opaBin } });
      expect(ok.passed).toBe(true);
      expect(ok.output).toMatch(/PASS: \d+\/\d+/);
      appendFileSync(join(dir, 'policies', 'team_label_test.rego'), '\ntest_broken if {\n\tfalse\n}\n');
      const bad = await testCustomPolicies({ root: dir, customDir: 'policies', lookup: { opa: opaBin } });
      expect(bad.passed).toBe(false);
      expect(bad.output).toContain('test_broken');
      expect(existsSync(join(dir, '.kfm-gitops'))).toBe(false);
    });
  });
});
