/**
 * Issue 20: the built-in policies' parts are evaluated while the overlays render (checks/policy/early.ts), and run()
 * takes a kept verdict only for a part whose input is made of the very same objects. Whatever order the overlays
 * render in, whatever arrives late (an AppProject, a ClusterRole, an overlay joining a namespace its kustomization
 * did not announce), the findings must be exactly those of the evaluation after the last render.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPolicyCheck } from '../../src/checks/policy/index.js';
import { EarlyPolicy } from '../../src/checks/policy/early.js';
import { PolicyEngine, type JsonInput } from '../../src/checks/policy/engine.js';
import { renderOrder } from '../../src/pipeline.js';
import type { Check, FindingInput, RenderedOverlay, StartContext } from '../../src/types.js';
import { overlayFromYaml, runOn } from './helpers.js';
import { byObjectEnv } from '../../src/argo/object-env.js';
import { DEFAULT_ENV_ORDER } from '../../src/discover/env.js';

const DIGEST = `@sha256:${'a'.repeat(64)}`;

const store = (name: string, ns: string): string => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}-db, namespace: ${ns}}
spec:
  template:
    metadata: {labels: {app: ${name}-db}}
    spec:
      containers:
        - name: db
          image: docker.io/postgis/postgis:16${DIGEST}
          envFrom: [{secretRef: {name: ${name}-db-credentials}}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}-db, namespace: ${ns}}
spec: {selector: {app: ${name}-db}}
`;

/** An app: a Deployment (pinned or not), a Route to its store when it has one, a RoleBinding to a ClusterRole. */
const web = (name: string, ns: string, opts: { pinned: boolean; routeTo?: string; reader?: string }): string =>
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: quay.io/kfm/${name}:1.0${opts.pinned ? DIGEST : ''}
` +
  (opts.routeTo
    ? `---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: to-db, namespace: ${ns}}
spec: {to: {kind: Service, name: ${opts.routeTo}-db}}
`
    : '') +
  (opts.reader
    ? `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: ${ns}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${opts.reader}}
subjects: [{kind: ServiceAccount, name: ${name}}]
`
    : '');

const PROJECT = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: apps, namespace: openshift-gitops}
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
  clusterResourceWhitelist: [{group: '*', kind: '*'}]
`;

const CLUSTER_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
`;

interface Planned {
  rendered: RenderedOverlay;
  /** The namespace its kustomization sets (what the plan announces). */
  ns?: string;
}

function overlay(layer: string, name: string, env: string, yaml: string, ns?: string): Planned {
  return {
    rendered: overlayFromYaml(yaml, {
      path: `${layer}/${name}/overlays/${env}`,
      env,
      layer,
      ...(layer === 'apps' ? { app: name } : {}),
    }),
    ...(ns ? { ns } : {}),
  };
}

/**
 * Two envs of twelve apps in four team namespaces each (apps of a team share a namespace: one part), stores, routes
 * to them, unpinned images, RoleBindings to a ClusterRole; platform overlays with default-deny for some namespaces,
 * the ClusterRole and the AppProject.
 */
function repo(): Planned[] {
  const out: Planned[] = [];
  for (const env of ['dev', 'prod']) {
    for (let i = 0; i < 12; i++) {
      const ns = `team-${i % 4}-${env}`;
      const name = `app-${String(i).padStart(2, '0')}`;
      const yaml =
        i % 4 === 0
          ? store(name, ns)
          : web(name, ns, {
              pinned: i % 3 !== 0,
              routeTo: i % 4 === 1 ? `app-${String(i - 1).padStart(2, '0')}` : undefined,
              // secret-reader is the platform's; late-reader is declared only by a late overlay (zz-roles).
              ...(i % 5 === 0 ? { reader: 'secret-reader' } : i % 4 === 2 ? { reader: 'late-reader' } : {}),
            });
      out.push(overlay('apps', name, env, yaml, ns));
    }
    out.push(
      overlay(
        'core',
        'baseline',
        env,
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: team-1-${env}}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
${CLUSTER_ROLE}`,
      ),
    );
  }
  out.push(overlay('bootstrap', 'argocd', 'default', PROJECT));
  return out.sort((a, b) => a.rendered.overlay.path.localeCompare(b.rendered.overlay.path));
}

const brief = (f: FindingInput): string =>
  JSON.stringify([f.ruleId, f.overlay, f.resource?.id.kind, f.resource?.id.name, f.path, f.message]);

/** What the check reports when it sees the overlays only after the last render (no early round). */
async function afterLastRender(planned: Planned[]): Promise<string[]> {
  return (
    await runOn(
      createPolicyCheck({ offThread: false }),
      planned.map((p) => p.rendered),
    )
  ).map(brief);
}

const namespacesOf = (planned: Planned[]): Map<string, string> =>
  new Map(planned.filter((p) => p.ns).map((p) => [p.rendered.overlay.path, p.ns!]));

/** The pipeline's render order for these overlays. */
const orderOf = (planned: Planned[]): number[] =>
  renderOrder(
    planned.map((p) => p.rendered.overlay),
    namespacesOf(planned),
  );

/**
 * The check as the pipeline drives it: observe() as each overlay renders, in `order`, then run(). Each render waits
 * for the early round it started (renders take long next to a round on a real run; here the test decides).
 */
async function runObserved(
  check: Check,
  planned: Planned[],
  order: number[],
  options: {
    placed?: Promise<unknown>;
    released?: Promise<unknown>;
    observedConfig?: StartContext['config'];
    split?: boolean;
  } = {},
): Promise<FindingInput[]> {
  const overlays = planned.map((p) => p.rendered);
  const ctx: StartContext = {
    root: '/nonexistent',
    config: options.observedConfig ?? {},
    kubernetesVersion: '1.33',
    mode: 'check',
    plan: {
      overlays: overlays.map((o) => o.overlay),
      placed: options.placed ?? Promise.resolve(),
      namespaces: namespacesOf(planned),
      ...(options.released ? { released: options.released } : {}),
    },
  };
  const observe = vi.spyOn(EarlyPolicy.prototype, 'observe');
  await new Promise<void>((res) => setImmediate(res)); // the plan's `placed` is read
  for (const i of order) {
    check.observe!(overlays[i], ctx);
    await (observe.mock.instances.at(-1) as EarlyPolicy | undefined)?.settled();
  }
  observe.mockRestore();
  // The pipeline hands the checks each overlay split by the env its objects' namespaces name (argo/object-env.ts).
  return runOn(check, options.split ? byObjectEnv(overlays, DEFAULT_ENV_ORDER) : overlays);
}

function takenCount() {
  const take = vi.spyOn(EarlyPolicy.prototype, 'take');
  return {
    spy: take,
    count: () => take.mock.results.filter((r) => r.value !== undefined).length,
    restore: () => take.mockRestore(),
  };
}

/** Watches the early rounds (none may start in some states). */
const spyOnRounds = () =>
  vi.spyOn(EarlyPolicy.prototype as unknown as { evaluateRound: () => Promise<void> }, 'evaluateRound');

afterEach(() => vi.restoreAllMocks());

describe('policy parts evaluated while the overlays render (issue 20)', () => {
  it('takes the early verdicts and reports exactly what the evaluation after the last render reports', async () => {
    const planned = repo();
    const after = await afterLastRender(planned);
    const rules = new Set(after.map((b) => (JSON.parse(b) as string[])[0]));
    expect(rules.size).toBeGreaterThanOrEqual(3);
    const order = orderOf(planned);
    for (const offThread of [false, true]) {
      const taken = takenCount();
      const early = (await runObserved(createPolicyCheck({ offThread }), planned, order)).map(brief);
      expect(taken.count(), `offThread ${offThread}: parts taken from the early rounds`).toBeGreaterThan(0);
      taken.restore();
      expect(early).toEqual(after);
    }
  });

  it("takes the early verdicts when a platform overlay's objects name env namespaces (split as the pipeline splits)", async () => {
    // A platform overlay outside envOrder whose objects sit in dev and prod namespaces: the pipeline judges them in
    // those envs, as parts of their own. The early rounds must split it the same way, or no early verdict holds
    // (every part has the platform objects in view): medium bench repo, node CPU +0.7 s.
    const build = (): Planned[] => [
      ...repo(),
      overlay(
        'core',
        'shared',
        'baseline',
        `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: shared, namespace: team-2-dev}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
${web('shared-web', 'team-3-prod', { pinned: false })}`,
      ),
    ];
    const expected = (
      await runOn(
        createPolicyCheck({ offThread: false }),
        byObjectEnv(
          build().map((p) => p.rendered),
          DEFAULT_ENV_ORDER,
        ),
      )
    ).map(brief);
    // The platform's unpinned image is judged in prod.
    expect(expected.some((b) => b.includes('KFM-DP-001') && b.includes('core/shared'))).toBe(true);
    const planned = build();
    const taken = takenCount();
    const got = (
      await runObserved(createPolicyCheck({ offThread: false }), planned, orderOf(planned), { split: true })
    ).map(brief);
    expect(got).toEqual(expected);
    expect(taken.count(), 'parts taken from the early rounds').toBeGreaterThan(0);
    // Every early verdict held: none was made for parts the pipeline's split changed.
    expect((taken.spy.mock.instances[0] as unknown as EarlyPolicy).unused, 'early verdicts not taken').toBe(0);
    taken.restore();
  });

  it('evaluates again what changed after its early round: a late AppProject, a late ClusterRole, an unannounced join', async () => {
    const planned = repo();
    const after = await afterLastRender(planned);
    // Apps in path order, platform last: the AppProject and the ClusterRole come after every app's first round.
    const appsFirst = [
      ...planned.flatMap((p, i) => (p.rendered.overlay.layer === 'apps' ? [i] : [])),
      ...planned.flatMap((p, i) => (p.rendered.overlay.layer !== 'apps' ? [i] : [])),
    ];
    expect((await runObserved(createPolicyCheck({ offThread: false }), planned, appsFirst)).map(brief)).toEqual(after);

    // An overlay that announces team-9 but renders into team-2-prod, last: it joins a part evaluated early.
    const liar = overlay(
      'apps',
      'zz-liar',
      'prod',
      web('zz-liar', 'team-2-prod', { pinned: false, reader: 'secret-reader' }),
      'team-9-prod',
    );
    // A late app overlay declaring the ClusterRole that earlier dev apps bind (KFM-RBAC-005 once it is known).
    const roles = overlay(
      'apps',
      'zz-roles',
      'dev',
      CLUSTER_ROLE.replace('secret-reader', 'late-reader'),
      'team-8-dev',
    );
    // A late AppProject in an app overlay, in every part's input: the apps' project, allowing team-0 only (KFM-FK-002
    // for every other app's objects, in both envs).
    const project = overlay(
      'apps',
      'zz-project',
      'dev',
      PROJECT.replace('name: apps', 'name: kfm-apps').replace("namespace: '*'}]", "namespace: 'team-0-*'}]"),
      'team-7-dev',
    );
    // Each late overlay alone, then all three: renders that take a while, so that every round runs (team-1's and
    // team-2's parts, which the late objects change, are evaluated early).
    for (const [late, expectTaken] of [
      [[project], false], // in every part's input: no early verdict holds
      [[roles], true], // context of the other dev parts; prod's parts hold
      [[liar], true], // joins team-2-prod's part; the others hold
      [[liar, roles, project], false],
    ] as [Planned[], boolean][]) {
      const all = [...planned, ...late];
      const expected = await afterLastRender(all);
      const order = orderOf(all);
      // The late ones come last (their announced namespaces sort last).
      expect(order.slice(-late.length).every((i) => all[i].rendered.overlay.app?.startsWith('zz-'))).toBe(true);
      const taken = takenCount();
      const got = (await runObserved(createPolicyCheck({ offThread: false }), all, order)).map(brief);
      const name = late.map((p) => p.rendered.overlay.app).join('+');
      expect(got, name).toEqual(expected);
      // What only the late objects bring, on parts evaluated long before them.
      const brought = expected.filter((b) => !after.includes(b)).map((b) => JSON.parse(b) as string[]);
      if (late.includes(project))
        expect(brought.filter((f) => f[0] === 'KFM-FK-002' && !f[1].includes('zz-')).length, name).toBeGreaterThan(5);
      if (late.includes(roles))
        expect(
          brought.filter((f) => f[0] === 'KFM-RBAC-005' && f[1].startsWith('apps/app-')).length,
          name,
        ).toBeGreaterThan(0);
      if (late.includes(liar)) expect(brought.filter((f) => f[1].includes('zz-liar')).length, name).toBeGreaterThan(0);
      if (expectTaken) expect(taken.count(), name).toBeGreaterThan(0);
      else {
        // Early verdicts were made, and none held.
        expect(taken.count(), name).toBe(0);
        expect((taken.spy.mock.instances[0] as unknown as EarlyPolicy).unused, name).toBeGreaterThan(5);
      }
      taken.restore();
    }
  });

  it('guesses nothing before the envs are placed, nor when the engine would be a new worker for a small run', async () => {
    const planned = repo();
    const order = renderOrder(planned.map((p) => p.rendered.overlay));
    const evaluate = spyOnRounds();
    let place: () => void = () => undefined;
    const placed = new Promise<void>((res) => (place = res));
    const check = createPolicyCheck({ offThread: false });
    const after = await afterLastRender(planned);
    const found = runObserved(check, planned, order, { placed });
    const result = (await found).map(brief);
    expect(evaluate).not.toHaveBeenCalled();
    place();
    expect(result).toEqual(after);
    evaluate.mockClear();
    // Default options, a small run (no worker, memory not kept small): no round evaluates anything.
    const taken = takenCount();
    expect((await runObserved(createPolicyCheck(), planned, order)).map(brief)).toEqual(after);
    expect(taken.count()).toBe(0);
    taken.restore();
  });

  it("guesses nothing while discovery's memory is held (its memo not yet written), and the verdicts stay the same", async () => {
    const planned = repo();
    const order = renderOrder(planned.map((p) => p.rendered.overlay));
    const evaluate = spyOnRounds();
    const after = await afterLastRender(planned);
    let release: () => void = () => undefined;
    const released = new Promise<void>((res) => (release = res));
    const held = await runObserved(createPolicyCheck({ offThread: false }), planned, order, { released });
    expect(evaluate).not.toHaveBeenCalled();
    expect(held.map(brief)).toEqual(after);
    release();
    // Released (a failed write releases too): rounds run as before.
    const taken = takenCount();
    const done = Promise.reject(new Error('memo not written'));
    done.catch(() => undefined);
    expect(
      (await runObserved(createPolicyCheck({ offThread: false }), planned, order, { released: done })).map(brief),
    ).toEqual(after);
    expect(evaluate).toHaveBeenCalled();
    expect(taken.count()).toBeGreaterThan(0);
    taken.restore();
  });

  it('takes no early verdict made with other params than the run has', async () => {
    const planned = repo();
    const after = await afterLastRender(planned);
    const taken = takenCount();
    const observedConfig = { policy: { appProject: 'elsewhere' } } as StartContext['config'];
    const got = await runObserved(createPolicyCheck({ offThread: false }), planned, orderOf(planned), {
      observedConfig,
    });
    expect(got.map(brief)).toEqual(after);
    expect(taken.count()).toBe(0);
    expect((taken.spy.mock.instances[0] as unknown as EarlyPolicy).unused).toBeGreaterThan(5);
    taken.restore();
  });

  it('evaluates each overlay early at most once: a part that keeps growing is left to the end', async () => {
    // Five overlays announcing no namespace but rendering into one (a part that grows a member at a time), each
    // followed by seven apps of their own namespaces, so that the growing part is never among the last rendered.
    const planned: Planned[] = [overlay('core', 'baseline', 'prod', CLUSTER_ROLE)];
    const order = [0];
    for (let a = 0; a < 5; a++) {
      const name = `grow-${a}`;
      order.push(planned.push(overlay('apps', name, 'prod', web(name, 'shared', { pinned: a % 2 === 0 }))) - 1);
      for (let b = 0; b < 7; b++) {
        const other = `own-${a}-${b}`;
        order.push(planned.push(overlay('apps', other, 'prod', web(other, other, { pinned: true }), other)) - 1);
      }
    }
    const total = planned.reduce((n, p) => n + p.rendered.resources.length, 0);
    const after = await afterLastRender(planned);
    const evaluate = vi.spyOn(PolicyEngine.prototype, 'evaluate');
    const check = createPolicyCheck({ offThread: false });
    let early = 0;
    const run = check.run.bind(check);
    check.run = (ctx) => {
      // What was evaluated before run(): the early rounds' work.
      early = evaluate.mock.calls.reduce((n, [input]) => n + (input as JsonInput).resourceCount, 0);
      return run(ctx);
    };
    expect((await runObserved(check, planned, order)).map(brief)).toEqual(after);
    expect(early).toBeGreaterThan(total / 2); // the rounds did evaluate
    expect(early).toBeLessThanOrEqual(total);
  });

  it('renders platform overlays first, then apps grouped by the namespace their kustomization sets', () => {
    const o = (path: string, layer: string) => ({
      path,
      absPath: `/r/${path}`,
      env: 'dev',
      layer,
      kustomizationFile: 'kustomization.yaml',
    });
    const overlays = [
      o('apps/a/overlays/dev', 'apps'),
      o('apps/b/overlays/dev', 'apps'),
      o('apps/c/overlays/dev', 'apps'),
      o('apps/d/overlays/dev', 'apps'),
      o('core/x', 'core'),
      o('bootstrap/overlays/default', 'bootstrap'),
    ];
    const ns = new Map([
      ['apps/a/overlays/dev', 'team-2'],
      ['apps/b/overlays/dev', 'team-1'],
      ['apps/c/overlays/dev', 'team-2'],
    ]);
    expect(renderOrder(overlays, ns).map((i) => overlays[i].path)).toEqual([
      'core/x',
      'bootstrap/overlays/default',
      'apps/d/overlays/dev', // no namespace announced: first, in path order
      'apps/b/overlays/dev',
      'apps/a/overlays/dev',
      'apps/c/overlays/dev',
    ]);
    expect(renderOrder(overlays)).toEqual([4, 5, 0, 1, 2, 3]);
  });
});
