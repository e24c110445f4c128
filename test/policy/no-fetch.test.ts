/**
 * Issue 20: the OPA SDK's loadPolicy asks `instanceof Response`, and Node's global Response loads the whole fetch
 * implementation on first touch (~35 ms of CPU per process). Loading and evaluating the built-in policy must not
 * load it, and the global must still work afterwards for anyone who uses it. Runs the built engine in a fresh
 * process, where nothing else touched the global first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = join(__dirname, '..', '..', 'dist', 'checks', 'policy', 'index.js');

describe('policy engine start-up', () => {
  it.skipIf(!existsSync(built))('loads and evaluates the policy without loading Node’s fetch implementation', () => {
    const script = `
      import { PolicyEngine, readBundle, ENTRYPOINT } from ${JSON.stringify(pathToFileURL(built).href)};
      const bundle = await readBundle();
      const engine = await PolicyEngine.load(bundle.wasm, ENTRYPOINT, bundle.catalogue.rules.map((r) => r.id));
      const found = await engine.evaluate({
        overlay: { path: 'apps/a/overlays/dev', env: 'dev', layer: 'apps', kustomization: null, kustomizationFile: null },
        resources: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'team-a' },
          spec: { template: { spec: { containers: [{ name: 'c', image: 'quay.io/x/y:latest' }] } } } }],
        run: { appProjects: [] },
        params: {},
      });
      const fetchLoaded = process.moduleLoadList.some((m) => m.includes('undici'));
      const responseWorks = (await new Response('ok').text()) === 'ok';
      console.log(JSON.stringify({ ids: found.map((v) => v.id).sort(), fetchLoaded, responseWorks }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const got = JSON.parse(out.trim().split('\n').pop()!) as {
      ids: string[];
      fetchLoaded: boolean;
      responseWorks: boolean;
    };
    expect(got.ids).toContain('KFM-DP-002');
    expect(got.fetchLoaded).toBe(false);
    expect(got.responseWorks).toBe(true);
  });
});
