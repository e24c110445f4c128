/**
 * Issue 20: a Wasm memory never shrinks, so the engine drops an instance that an evaluation grew past
 * MAX_RETAINED_MEMORY_BYTES and makes a fresh one for the next input; results stay the same.
 */
import { describe, expect, it } from 'vitest';
import { ENTRYPOINT, PolicyEngine, readBundle } from '../../src/checks/policy/index.js';
import { MAX_RETAINED_MEMORY_BYTES, type PolicyInput } from '../../src/checks/policy/engine.js';

function input(count: number): PolicyInput {
  const resources = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `d${i}`, namespace: 'team-a', labels: { app: `d${i}`, filler: 'x'.repeat(4000) } },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'quay.io/x/y:latest' }] } } },
  }));
  return {
    overlay: { path: 'apps/a/overlays/dev', env: 'dev', layer: 'apps', kustomization: null, kustomizationFile: null },
    resources,
    run: { appProjects: [] },
    params: {},
  };
}

describe('policy engine memory (issue 20)', () => {
  it('drops an instance grown past the limit and evaluates the next input on a fresh one', async () => {
    const bundle = await readBundle();
    const engine = await PolicyEngine.load(
      bundle.wasm,
      ENTRYPOINT,
      bundle.catalogue.rules.map((r) => r.id),
    );
    const small = await engine.evaluate(input(2));
    expect(small.map((v) => v.id).sort()).toEqual(['KFM-DP-002', 'KFM-DP-002', 'KFM-TM-007']);
    expect(engine.memoryBytes).toBeGreaterThan(0);
    expect(engine.memoryBytes).toBeLessThanOrEqual(MAX_RETAINED_MEMORY_BYTES);
    const big = await engine.evaluate(input(6000));
    expect(big.filter((v) => v.id === 'KFM-DP-002')).toHaveLength(6000);
    expect(engine.memoryBytes).toBe(0); // it grew past the limit: dropped
    expect(await engine.evaluate(input(2))).toEqual(small);
    expect(engine.memoryBytes).toBeLessThanOrEqual(MAX_RETAINED_MEMORY_BYTES);
  }, 120_000);
});
