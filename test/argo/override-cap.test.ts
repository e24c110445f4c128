/**
 * A hostile ApplicationSet may generate thousands of Applications, each with its own sync-time override: the run
 * renders at most a bounded number of them and says, with a guard finding, that the rest were not checked.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArgoDeployment, ArgoView } from '../../src/argo/applications.js';
import { renderArgoOverrides } from '../../src/argo/overrides-check.js';
import { memoWalks } from '../../src/discover/walks.js';
import type { Renderer } from '../../src/render/types.js';
import { isGuard } from '../../src/rules/index.js';
import type { FindingInput } from '../../src/types.js';

const root = mkdtempSync(join(tmpdir(), 'kfm-override-cap-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('override renders are bounded', () => {
  it('renders up to the cap and reports the rest as not checked (guard), on the ApplicationSet line', async () => {
    mkdirSync(join(root, 'app'));
    writeFileSync(join(root, 'app', 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    writeFileSync(join(root, 'app', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n');
    let renders = 0;
    const renderer: Renderer = {
      command: 'fake',
      version: 'v0',
      render: () => {
        renders++;
        return Promise.resolve({ ok: true, text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p-cm\n' });
      },
    } as unknown as Renderer;
    const deployments: ArgoDeployment[] = Array.from({ length: 5 }, (_, i) => ({
      sourcePath: 'app',
      kind: 'ApplicationSet',
      name: 'many',
      appName: `many-${i}`,
      namespace: 'kfm-dev',
      file: 'bootstrap/appset.yaml',
      line: 7,
      source: { path: 'app', kustomize: { namePrefix: `p${i}-` } },
    })) as ArgoDeployment[];
    const view = {
      deployments,
      unevaluable: [],
      identity: { keys: new Set<string>() },
      inputs: [],
      specs: [],
    } as ArgoView;
    const found: FindingInput[] = [];
    await renderArgoOverrides(
      {
        root,
        view,
        overlays: [],
        envOrder: ['dev', 'stage', 'prod'],
        renderer,
        timeoutMs: 10_000,
        allowExec: false,
        walk: memoWalks(root, { allowExec: false }),
        concurrency: 1,
        maxRenders: 2,
      },
      (f) => found.push(f),
    );
    expect(renders).toBe(2);
    const capped = found.filter((f) => f.message.includes('more than the 2 one run renders'));
    expect(capped).toHaveLength(1);
    expect(isGuard(capped[0].ruleId)).toBe(true);
    expect(capped[0]).toMatchObject({ file: 'bootstrap/appset.yaml', line: 7 });
    expect(capped[0].message).toContain('3 of them');
  });
});
