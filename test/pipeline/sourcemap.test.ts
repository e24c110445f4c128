/**
 * Findings on rendered resources land on the line a person edits: the base file, the overlay patch that set the
 * field, or the overlay's images:/namespace: entry — once per overlay.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/pipeline.js';
import { createRenderer } from '../../src/render/create.js';
import { resolveKustomize } from '../../src/render/resolve.js';
import type { Check, Finding, JsonPath } from '../../src/types.js';
import { deploymentProbe, fixtures } from '../helpers.js';

const root = join(fixtures, 'sourcemap', 'repo');

/** A check that reports fixed paths on every Deployment, like a real check would. */
function probe(paths: JsonPath[]): Check {
  return deploymentProbe((r, ctx) => {
    // Strategic-merge patches reorder containers (prod renders `web` first): address the web container by name.
    const containers = (r.object as { spec: { template: { spec: { containers: { name: string }[] } } } }).spec.template
      .spec.containers;
    const web = containers.findIndex((c) => c.name === 'web');
    for (const p of paths) {
      const path = p.map((seg) => (seg === 'WEB' ? web : seg));
      ctx.report({ ruleId: 'KFM-SCHEMA-001', message: `probe ${p.join('.')}`, resource: r, path });
    }
  });
}

let findings: Finding[];

beforeAll(async () => {
  const renderer = createRenderer(await resolveKustomize({}), 2);
  const report = await runCheck({
    root,
    config: {},
    checks: [
      probe([
        ['spec', 'template', 'spec', 'containers', 'WEB', 'ports', 0, 'containerPort'],
        ['spec', 'replicas'],
        ['spec', 'template', 'spec', 'containers', 'WEB', 'image'],
        ['spec', 'template', 'spec', 'containers', 'WEB', 'resources', 'limits', 'memory'],
        ['metadata', 'namespace'],
      ]),
    ],
    kubernetesVersion: '1.33',
    toolVersion: 'test',
    renderer,
    concurrency: 2,
    timeoutMs: 60_000,
    origin: true,
  });
  await renderer.dispose();
  findings = report.findings;
});

const at = (overlay: string, path: string): Pick<Finding, 'file' | 'line'> => {
  const f = findings.find((x) => x.overlay === `apps/web/overlays/${overlay}` && x.message === `probe ${path}`);
  return { file: f?.file, line: f?.line };
};

describe('source mapping', () => {
  it('points a field that comes from the base at the base file line, once per overlay', () => {
    for (const env of ['dev', 'stage', 'prod']) {
      expect(at(env, 'spec.template.spec.containers.WEB.ports.0.containerPort')).toEqual({
        file: 'apps/web/base/deployment.yaml',
        line: 24,
      });
    }
    expect(
      findings.filter((f) => f.message === 'probe spec.template.spec.containers.WEB.ports.0.containerPort'),
    ).toHaveLength(3);
  });

  it('points a field set by an overlay patch at the patch line', () => {
    expect(at('prod', 'spec.replicas')).toEqual({ file: 'apps/web/overlays/prod/scale.yaml', line: 6 });
    expect(at('dev', 'spec.replicas')).toEqual({ file: 'apps/web/base/deployment.yaml', line: 9 });
    // Matched by container name, not index: the rendered list has `web` first, the base second, the patch alone.
    expect(at('prod', 'spec.template.spec.containers.WEB.resources.limits.memory')).toEqual({
      file: 'apps/web/overlays/prod/scale.yaml',
      line: 13,
    });
  });

  it('points an image set by images: at that entry of the overlay kustomization', () => {
    expect(at('prod', 'spec.template.spec.containers.WEB.image')).toEqual({
      file: 'apps/web/overlays/prod/kustomization.yaml',
      line: 12,
    });
    expect(at('dev', 'spec.template.spec.containers.WEB.image')).toEqual({
      file: 'apps/web/overlays/dev/kustomization.yaml',
      line: 7,
    });
  });

  it('points a namespace set by the overlay at its namespace: line', () => {
    expect(at('stage', 'metadata.namespace')).toEqual({ file: 'apps/web/overlays/stage/kustomization.yaml', line: 3 });
  });

  it('keeps fingerprints stable across runs and distinct across overlays', () => {
    const fps = findings.map((f) => f.fingerprint);
    expect(new Set(fps).size).toBe(fps.length);
    expect(fps.every((f) => /^[0-9a-f]{32}$/.test(f))).toBe(true);
  });
});
