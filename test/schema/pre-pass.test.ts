/**
 * Issue 20: the schema check validates each overlay's resources of the release's own kinds as the overlay renders
 * (observe), and run() reports those verdicts. The report must be the one run() alone gives, whatever renders later:
 * a CRD of a later overlay redefining a kind already validated, an overlay never observed (Argo CD renders), a run
 * under another config, an interrupted run.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSchemaCheck } from '../../src/checks/schema/index.js';
import { formatPath } from '../../src/parse/path.js';
import type { CheckContext, FindingInput, RenderedOverlay, Resource, StartContext } from '../../src/types.js';
import { parse, projectRoot } from './helpers.js';
import { countObjectReads, PERMISSIVE_DEPLOYMENT_CRD } from '../helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DEPLOYMENT = (name: string, extra = ''): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicaz: 3\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n        - name: c\n          image: nginx\n${extra}`;

function overlay(path: string, text: string): RenderedOverlay {
  return {
    overlay: { path, absPath: `/x/${path}`, env: 'dev', layer: 'apps', kustomizationFile: 'kustomization.yaml' },
    status: 'ok',
    text: '',
    resources: parse(text, path),
    durationMs: 0,
  };
}

interface Run {
  config?: StartContext['config'];
  root?: string;
  signal?: AbortSignal;
}

function startContext(run: Run): StartContext {
  return {
    root: run.root ?? projectRoot,
    config: run.config ?? { cache: { enabled: false } },
    kubernetesVersion: '1.37',
    mode: 'check',
    ...(run.signal ? { signal: run.signal } : {}),
  };
}

/** Observes `observed` in order (as the renders finish), then runs over `all` in run order. */
async function findings(
  all: RenderedOverlay[],
  observed: RenderedOverlay[],
  run: Run = {},
  runWith: Run = run,
): Promise<string[]> {
  const check = createSchemaCheck();
  const start = startContext(run);
  for (const r of observed) check.observe!(r, start);
  const found: FindingInput[] = [];
  const ctx: CheckContext = {
    ...(runWith === run ? start : startContext(runWith)),
    overlays: all,
    resources: all.flatMap((r) => r.resources),
    report: (f) => found.push(f),
  };
  await check.run(ctx);
  return found.map(
    (f) =>
      `${f.ruleId} ${f.overlay ?? ''} ${f.resource?.id.name ?? ''} ${f.path ? formatPath(f.path) : ''} ${f.message}`,
  );
}

describe('schema pre-pass while overlays render', () => {
  it('reports what run() alone reports, without reading the objects it validated again', async () => {
    const a = overlay('apps/a/overlays/dev', DEPLOYMENT('a'));
    const b = overlay(
      'apps/b/overlays/dev',
      `${DEPLOYMENT('b')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {k: 1}\n`,
    );
    const alone = await findings([a, b], []);
    expect(alone.filter((f) => f.includes('replicaz'))).toHaveLength(2);
    expect(alone.some((f) => f.includes('data.k'))).toBe(true);
    // Observed (in another order than the run's), the objects are not read again by run().
    const a2 = overlay('apps/a/overlays/dev', DEPLOYMENT('a'));
    const b2 = overlay(
      'apps/b/overlays/dev',
      `${DEPLOYMENT('b')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {k: 1}\n`,
    );
    const check = createSchemaCheck();
    const start = startContext({});
    const reads = [countObjectReads([a2]), countObjectReads([b2])];
    check.observe!(b2, start);
    check.observe!(a2, start);
    expect(reads.map((r) => r.reads())).toEqual([1, 2]); // read once each, as the overlay renders
    reads.forEach((r) => r.reset());
    const found: FindingInput[] = [];
    await check.run({
      ...start,
      overlays: [a2, b2],
      resources: [a2, b2].flatMap((r) => r.resources),
      report: (f) => found.push(f),
    });
    expect(
      found.map(
        (f) =>
          `${f.ruleId} ${f.overlay ?? ''} ${f.resource?.id.name ?? ''} ${f.path ? formatPath(f.path) : ''} ${f.message}`,
      ),
    ).toEqual(alone);
    expect(reads.map((r) => r.reads())).toEqual([0, 0]);
  });

  it("never gives a resource another one's early verdict when the run's resources are not its overlays' in order", async () => {
    // Early verdicts are kept per overlay by index (issue 20): a run whose resources are a subset, or in another
    // order, must judge each resource by itself.
    const make = (): RenderedOverlay[] => [
      overlay('apps/a/overlays/dev', DEPLOYMENT('a')),
      overlay('apps/b/overlays/dev', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {k: 1}\n`),
    ];
    const alone = async (pick: (o: RenderedOverlay[]) => Resource[]): Promise<string[]> => {
      const fresh = make();
      const check = createSchemaCheck();
      const found: FindingInput[] = [];
      await check.run({ ...startContext({}), overlays: fresh, resources: pick(fresh), report: (f) => found.push(f) });
      return found.map((f) => `${f.ruleId} ${f.resource?.id.name ?? ''} ${f.message}`);
    };
    for (const pick of [
      (o: RenderedOverlay[]) => [...o[1].resources, ...o[0].resources],
      (o: RenderedOverlay[]) => o[1].resources,
    ]) {
      const observed = make();
      const check = createSchemaCheck();
      const start = startContext({});
      for (const r of observed) check.observe!(r, start);
      const found: FindingInput[] = [];
      await check.run({ ...start, overlays: observed, resources: pick(observed), report: (f) => found.push(f) });
      const expected = await alone(pick);
      expect(expected.length).toBeGreaterThan(0);
      expect(found.map((f) => `${f.ruleId} ${f.resource?.id.name ?? ''} ${f.message}`)).toEqual(expected);
    }
  });

  it('a CRD naming a built-in kind decides nothing: the built-in schema judges it, early or late, and the CRD is reported', async () => {
    // A permissive CRD for `apps/v1 Deployment` switched schema validation off for every Deployment of the run, though
    // no API server serves a CRD in place of a built-in.
    const apps = () => overlay('apps/a/overlays/dev', DEPLOYMENT('a'));
    const platform = () => overlay('core/platform', PERMISSIVE_DEPLOYMENT_CRD);
    const alone = await findings([apps(), platform()], []);
    expect(alone.filter((f) => f.includes('replicaz'))).toHaveLength(1);
    expect(alone.filter((f) => f.includes('which the API server serves itself'))).toHaveLength(1);
    const first = apps();
    const later = platform();
    expect(await findings([first, later], [first, later])).toEqual(alone);
  });

  it('the same for a kind of an OpenShift API server group (route.openshift.io), while a later CRD still decides a CRD-backed kind of the shipped sets', async () => {
    const route = (name: string) =>
      `apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: ${name}\nspec:\n  to: {kind: Service, name: s}\n  hostz: x\n`;
    const crdFor = (name: string, group: string, kind: string, plural: string) =>
      PERMISSIVE_DEPLOYMENT_CRD.replace('name: deployments.apps', `name: ${name}`)
        .replace('group: apps', `group: ${group}`)
        .replace('{kind: Deployment, plural: deployments}', `{kind: ${kind}, plural: ${plural}}`);
    const routeCrd = crdFor('routes.route.openshift.io', 'route.openshift.io', 'Route', 'routes');
    const served = await findings([overlay('apps/a/overlays/dev', route('r')), overlay('core/platform', routeCrd)], []);
    expect(served.filter((f) => f.includes('hostz'))).toHaveLength(1);
    // A console link (console.openshift.io: CRDs) with an unknown field, validated early against the shipped set.
    const link = () =>
      overlay(
        'apps/a/overlays/dev',
        'apiVersion: console.openshift.io/v1\nkind: ConsoleLink\nmetadata:\n  name: l\nspec:\n  href: https://x\n  location: HelpMenu\n  text: x\n  hostz: x\n',
      );
    const early = link();
    expect((await findings([early], [early])).filter((f) => f.includes('hostz'))).toHaveLength(1);
    const linkCrd = crdFor('consolelinks.console.openshift.io', 'console.openshift.io', 'ConsoleLink', 'consolelinks');
    const alone = await findings([link(), overlay('core/platform', linkCrd)], []);
    expect(alone.filter((f) => f.includes('hostz'))).toEqual([]);
    const first = link();
    const later = overlay('core/platform', linkCrd);
    expect(await findings([first, later], [first, later])).toEqual(alone);
  });

  it('an overlay never observed (Argo CD override and Helm renders) is validated by run()', async () => {
    const seen = overlay('apps/a/overlays/dev', DEPLOYMENT('a'));
    const argo = overlay('bootstrap/argo', DEPLOYMENT('argo-helm'));
    const got = await findings([seen, argo], [seen]);
    expect(got.filter((f) => f.includes('replicaz')).map((f) => f.split(' ')[2])).toEqual(['a', 'argo-helm']);
  });

  it('verdicts of a run under another config or root are not used', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-schema-pre-'));
    dirs.push(root);
    // The repo's own schema folder claims the console link kind and lets anything through: the run's config names it.
    mkdirSync(join(root, 'schemas', 'console.openshift.io'), { recursive: true });
    writeFileSync(join(root, 'schemas', 'console.openshift.io', 'consolelink_v1.json'), '{"type":"object"}');
    const link = () =>
      overlay(
        'apps/a/overlays/dev',
        'apiVersion: console.openshift.io/v1\nkind: ConsoleLink\nmetadata:\n  name: l\nspec:\n  href: https://x\n  location: HelpMenu\n  text: x\n  hostz: x\n',
      );
    const a = link();
    const strict = { cache: { enabled: false } };
    const folder = { cache: { enabled: false }, schema: { extraDirs: ['schemas'] } };
    const got = await findings([a], [a], { config: strict, root }, { config: folder, root });
    expect(got.filter((f) => f.includes('hostz'))).toEqual([]);
    // The same config under which the overlays were observed: the folder decides as well.
    const b = link();
    expect((await findings([b], [b], { config: folder, root })).filter((f) => f.includes('hostz'))).toEqual([]);
    // A folder claiming a built-in kind decides nothing: the built-in schema judges it.
    mkdirSync(join(root, 'schemas', 'apps'), { recursive: true });
    writeFileSync(join(root, 'schemas', 'apps', 'deployment_v1.json'), '{"type":"object"}');
    const c = overlay('apps/a/overlays/dev', DEPLOYMENT('a'));
    expect((await findings([c], [c], { config: folder, root })).filter((f) => f.includes('replicaz'))).toHaveLength(1);
  });

  it('stops on the run signal: nothing is validated early once the run is interrupted', async () => {
    const controller = new AbortController();
    controller.abort();
    const a = overlay('apps/a/overlays/dev', DEPLOYMENT('a'));
    const check = createSchemaCheck();
    const config = { cache: { enabled: false } };
    const { reads, reset } = countObjectReads([a]);
    check.observe!(a, startContext({ config, signal: controller.signal }));
    reset();
    await check.run({
      ...startContext({ config }),
      overlays: [a],
      resources: a.resources,
      report: () => undefined,
    });
    expect(reads()).toBeGreaterThan(0); // run() validated it itself
  });
});
