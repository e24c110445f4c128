/**
 * No committed cache is trusted (issue 15, item 3). The attacker runs kfm-gitops on their own machine (their own
 * per-user key), builds cache entries that would make a failing tree pass — a no-op policy.wasm compiled by opa
 * under the real policies' hash, a results entry with no findings under the tree's key, render entries of a clean
 * render under the failing render's keys — and commits them. On a CI machine (a fresh key) every planted entry
 * is ignored and rebuilt: the findings are there, and a second run (now from the CI's own entries) agrees.
 * The control: with the attacker's key the same planted files do turn the run green, so the test can fail.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheAuth } from '../../src/util/cache-auth.js';
import { decodeEntry, encodeEntry } from '../../src/render/cache.js';
import { repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
const hasOpa = existsSync(join(repoRoot, '.tools', 'bin', 'opa'));
const OVERLAY = 'apps/kfm-api/overlays/dev';
const CONFIG = 'root: .\npolicy:\n  customDir: policies\n';
const META = `# METADATA
# title: Deployments are audited
# custom:
#   id: KFM-CUSTOM-042
#   severity: error
package custom.audited

`;
const REAL = `${META}violations contains v if {
\tsome i, r in input.resources
\tr.kind == "Deployment"
\tnot r.metadata.labels["kfm.dev/audited"]
\tv := {"id": "KFM-CUSTOM-042", "msg": concat("", ["Deployment ", r.metadata.name, " is not audited"]), "resource": i, "path": ["metadata", "labels"]}
}
`;
/** Allows everything: the no-op an attacker would compile and plant. */
const NOOP = `${META}violations := set()
`;

let base: string;
const cleanups: (() => void)[] = [];
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'kfm-planted-'));
});
afterAll(() => {
  for (const c of cleanups) c();
  rmSync(base, { recursive: true, force: true });
});

function repo(policy: string, audited: boolean): string {
  const { dir, cleanup } = tempCopy(infra);
  cleanups.push(cleanup);
  rmSync(join(dir, '.kfm-gitops'), { recursive: true, force: true });
  writeFileSync(join(dir, 'kfm-gitops.yaml'), CONFIG);
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'audited.rego'), policy);
  if (audited) {
    const file = join(dir, 'apps/kfm-api/base/deployment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  labels:\n', '  labels:\n    kfm.dev/audited: "yes"\n'));
  }
  return dir;
}

const run = (dir: string, xdg: string, extra: string[] = []): ReturnType<typeof runCli> =>
  runCli(['check', '--overlay', OVERLAY, '--format', 'json', ...extra], {
    cwd: dir,
    env: { XDG_CACHE_HOME: xdg },
  });
const ids = (stdout: string): string[] =>
  (JSON.parse(stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
const entries = (dir: string): string[] => readdirSync(dir).filter((e) => e !== '.gitignore');

describe.skipIf(!hasOpa)('planted cache entries (needs the pinned opa)', () => {
  it('are ignored and rebuilt on a machine with another key; the findings stay', async () => {
    const attackerXdg = join(base, 'attacker');
    const ciXdg = join(base, 'ci');
    const target = repo(REAL, false);
    const evil = repo(NOOP, true);
    const cache = (dir: string, sub: string): string => join(dir, '.kfm-gitops', 'cache', sub);

    // The attacker's runs: the failing tree (for the keys it uses) and a clean one (for the entries to plant).
    const failing = await run(target, attackerXdg);
    expect(failing.code, failing.stderr).toBe(1);
    expect(ids(failing.stdout)).toContain('KFM-CUSTOM-042');
    expect((await run(evil, attackerXdg)).code).toBe(0);
    const key = readFileSync(join(attackerXdg, 'kfm-gitops', 'cache.key'));
    const attacker = CacheAuth.withSecret(key);

    // 1. The no-op policy under the real policies' hash, with a MAC made with the attacker's key.
    const [realHash] = entries(cache(target, 'policies'));
    const [noopHash] = entries(cache(evil, 'policies'));
    const wasm = readFileSync(join(cache(evil, 'policies'), noopHash, 'policy.wasm'));
    const rules = readFileSync(join(cache(evil, 'policies'), noopHash, 'rules.json'), 'utf8');
    writeFileSync(join(cache(target, 'policies'), realHash, 'policy.wasm'), wasm);
    writeFileSync(join(cache(target, 'policies'), realHash, 'rules.json'), rules);
    writeFileSync(join(cache(target, 'policies'), realHash, 'entry.mac'), attacker.mac(realHash, wasm, rules));
    // 2. Render entries of the clean (audited) render under the failing render's keys.
    const renderKey = readFileSync(join(attackerXdg, 'kfm-gitops', 'render-cache.key'));
    const cleanText = new Map<string, string>();
    for (const name of entries(cache(evil, 'render'))) {
      const buf = readFileSync(join(cache(evil, 'render'), name));
      const header = JSON.parse(buf.subarray(0, buf.indexOf(0x0a)).toString()) as { key: string; overlay: string };
      cleanText.set(header.overlay, decodeEntry(buf, header.key, renderKey)!.text);
    }
    let plantedRenders = 0;
    for (const name of entries(cache(target, 'render'))) {
      const buf = readFileSync(join(cache(target, 'render'), name));
      const header = JSON.parse(buf.subarray(0, buf.indexOf(0x0a)).toString()) as { key: string; overlay: string };
      const text = cleanText.get(header.overlay);
      if (!text) continue;
      writeFileSync(
        join(cache(target, 'render'), name),
        encodeEntry({ key: header.key, overlay: header.overlay, text, origin: true }, renderKey),
      );
      plantedRenders++;
    }
    expect(plantedRenders).toBeGreaterThan(0);
    // 3. Every results entry (the tree key's and the run key's; their names are keyed hashes) with no findings.
    const prefix = 'kfm-results-v4 mac=';
    const plantedResults = new Map<string, string>();
    for (const resultsFile of entries(cache(target, 'results'))) {
      const resultsKey = resultsFile.replace(/\.json$/, '');
      const body = JSON.parse(
        attacker.unseal(prefix, resultsKey, readFileSync(join(cache(target, 'results'), resultsFile), 'utf8'))!,
      ) as Record<string, unknown>;
      plantedResults.set(
        resultsFile,
        attacker.seal(prefix, resultsKey, JSON.stringify({ ...body, findings: [], containers: {} })),
      );
    }
    expect(plantedResults.size).toBeGreaterThan(0);
    const plantResults = (): void =>
      plantedResults.forEach((text, file) => writeFileSync(join(cache(target, 'results'), file), text));
    plantResults();

    // Control: for the attacker's own key the plants are good — the results entries alone turn the run green,
    // and without them the planted policy and render entries do (--no-cache would turn the policy cache off too, so the results
    // entries are removed instead).
    const control = await run(target, attackerXdg);
    expect(control.code, control.stdout).toBe(0);
    for (const file of plantedResults.keys()) rmSync(join(cache(target, 'results'), file), { force: true });
    const controlPolicy = await run(target, attackerXdg);
    expect(controlPolicy.code, controlPolicy.stdout).toBe(0);
    expect(ids(controlPolicy.stdout)).not.toContain('KFM-CUSTOM-042');
    plantResults(); // the control runs may have rewritten the entries

    // The CI machine: a fresh key. Every plant is ignored; the finding is there; the entries are rebuilt.
    const ci = await run(target, ciXdg);
    expect(ci.code, ci.stderr).toBe(1);
    expect(ids(ci.stdout)).toContain('KFM-CUSTOM-042');
    const ciKey = CacheAuth.withSecret(readFileSync(join(ciXdg, 'kfm-gitops', 'cache.key')));
    const rebuiltWasm = readFileSync(join(cache(target, 'policies'), realHash, 'policy.wasm'));
    const rebuiltRules = readFileSync(join(cache(target, 'policies'), realHash, 'rules.json'), 'utf8');
    const rebuiltMac = readFileSync(join(cache(target, 'policies'), realHash, 'entry.mac'), 'utf8').trim();
    expect(ciKey.verify(rebuiltMac, realHash, rebuiltWasm, rebuiltRules)).toBe(true);
    expect(rebuiltWasm.equals(wasm)).toBe(false);
    // Warm CI run from its own entries: the same verdict.
    const warm = await run(target, ciXdg);
    expect(warm.code).toBe(1);
    expect(ids(warm.stdout)).toEqual(ids(ci.stdout));
  }, 240_000);
});
