/**
 * Issue 20 guard: making `check` cheaper must not change what it reports. The small bench repo, with violations
 * planted across envs and layers (a team baseline without its stage/prod default-deny, so the cross-overlay
 * trust-membrane rules fire for every app of that team; a tag instead of a digest in prod; an unknown field in a
 * shared base; a plaintext Secret in a repository file and one only the render reveals), is checked by the built
 * CLI and its JSON report — findings and counts, not timings — is compared with a committed report written by the
 * code before the issue 20 changes (`KFM_UPDATE_REPORT_FIXTURE=1` rewrites it after a deliberate change of findings).
 *
 * The medium repo (13 teams sharing namespaces across apps) gets the shapes whose verdict joins objects of different
 * overlays, namespaces and layers, which is what the policy check's partitioning and streaming must preserve: a
 * Route, a NetworkPolicy, a Job (credentials, claim) in one app reaching another app's store in the same namespace;
 * an ExternalName Service and an HTTPRoute crossing into another team's namespace; RoleBindings granting
 * ClusterRoles declared in another overlay (platform layer), one admin-equivalent; a CRD declared by one platform
 * overlay making an apps kind cluster-scoped; Argo CD wildcards and the default project; digest rules in prod.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRepo } from '../../bench/generate.mjs';
import { kustomizeBin, repoRoot, runCli } from '../helpers.js';

const FIXTURE = join(repoRoot, 'test', 'bench', 'fixtures', 'planted-small.report.json');
const MEDIUM_FIXTURE = join(repoRoot, 'test', 'bench', 'fixtures', 'planted-medium.report.json');
const LATER_FIXTURE = join(repoRoot, 'test', 'bench', 'fixtures', 'planted-later.report.json');
/** A Secret value rendered by the last overlay of the run, quoted by a finding on an earlier overlay. */
const LATER_SECRET = 'Vq8LmZ2xR4tKp9Wc';
/** Secret values several overlays render (issue 20: each overlay's walk runs as it renders, dedupe must hold). */
const REPEATED_SECRET = 'Tz6pWq2LmX9vRk4H';
const REPEATED_LITERAL = 'Jc5nYb8QsV3mZt7D';
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

/** Adds a manifest file to a kustomization's `resources:` list. */
function addResource(dir: string, folder: string, name: string, yaml: string): void {
  writeFileSync(join(dir, folder, name), yaml);
  edit(join(dir, folder, 'kustomization.yaml'), (t) => t.replace('resources:\n', `resources:\n  - ${name}\n`));
}

/** The medium bench repo with violations whose verdicts join objects of different overlays and namespaces. */
function plantedMediumRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-planted-medium-'));
  dirs.push(dir);
  generateRepo({ out: dir, size: 'medium', git: false, force: true });
  // Team imagery: blue-portal (no store) reaches amber-deeds' store in their shared namespace, every env.
  addResource(
    dir,
    'apps/blue-portal/base',
    'route-deeds-db.yaml',
    'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: deeds-db\nspec:\n  to:\n    kind: Service\n    name: amber-deeds-db\n',
  );
  addResource(
    dir,
    'apps/blue-portal/base',
    'networkpolicy-deeds-db-open.yaml',
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deeds-db-open\nspec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: amber-deeds-db\n  policyTypes:\n    - Ingress\n  ingress:\n    - {}\n',
  );
  // Team atlas: a Job of blue-tiles uses blue-depot's store credentials and mounts its data claim.
  addResource(
    dir,
    'apps/blue-tiles/base',
    'job-depot-dump.yaml',
    [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: depot-dump',
      'spec:',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers:',
      '        - name: dump',
      '          image: quay.io/kfm/tools@sha256:' + 'a'.repeat(64),
      '          envFrom:',
      '            - secretRef:',
      '                name: blue-depot-db-credentials',
      '      volumes:',
      '        - name: data',
      '          persistentVolumeClaim:',
      '            claimName: data-blue-depot-db-0',
      '',
    ].join('\n'),
  );
  // Across namespaces, prod only: geodesy's bold-permits reaches atlas' store through an ExternalName Service behind
  // an Ingress; harvest's bold-surveys through an HTTPRoute backendRef naming atlas' namespace.
  addResource(
    dir,
    'apps/bold-permits/overlays/prod',
    'service-depot-alias.yaml',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: depot-alias\nspec:\n  type: ExternalName\n  externalName: blue-depot-db.kfm-atlas-prod.svc.cluster.local\n',
  );
  addResource(
    dir,
    'apps/bold-permits/overlays/prod',
    'ingress-depot.yaml',
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: depot\nspec:\n  defaultBackend:\n    service:\n      name: depot-alias\n      port:\n        number: 5432\n',
  );
  addResource(
    dir,
    'apps/bold-surveys/overlays/prod',
    'httproute-tiles-db.yaml',
    'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: tiles-db\nspec:\n  rules:\n    - backendRefs:\n        - name: blue-tiles-db\n          namespace: kfm-atlas-prod\n          port: 5432\n',
  );
  // RBAC across overlays: ClusterRoles declared by platform baselines, granted by apps and by another baseline.
  addResource(
    dir,
    'core/atlas-baseline',
    'clusterrole-secret-reader.yaml',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: kfm-secret-reader\nrules:\n  - apiGroups: [""]\n    resources: ["secrets"]\n    verbs: ["get", "list"]\n',
  );
  addResource(
    dir,
    'apps/amber-maps/base',
    'rolebinding-secret-reader.yaml',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: secret-reader\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: kfm-secret-reader\nsubjects:\n  - kind: ServiceAccount\n    name: amber-maps-api\n',
  );
  addResource(
    dir,
    'core/cartography-baseline',
    'clusterrole-everything.yaml',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: kfm-everything\nrules:\n  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]\n',
  );
  addResource(
    dir,
    'core/beacon-baseline',
    'clusterrolebinding-everything.yaml',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: beacon-everything\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: kfm-everything\nsubjects:\n  - kind: Group\n    name: beacon-operators\n    apiGroup: rbac.authorization.k8s.io\n',
  );
  // A CRD in delta's baseline makes Widget cluster-scoped; karst's amber-plats creates one in prod.
  addResource(
    dir,
    'core/delta-baseline',
    'crd-widgets.yaml',
    [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: widgets.example.kfm.dev',
      'spec:',
      '  group: example.kfm.dev',
      '  scope: Cluster',
      '  names:',
      '    kind: Widget',
      '    plural: widgets',
      '    singular: widget',
      '  versions:',
      '    - name: v1',
      '      served: true',
      '      storage: true',
      '      schema:',
      '        openAPIV3Schema:',
      '          type: object',
      '          x-kubernetes-preserve-unknown-fields: true',
      '',
    ].join('\n'),
  );
  addResource(
    dir,
    'apps/amber-plats/overlays/prod',
    'widget.yaml',
    'apiVersion: example.kfm.dev/v1\nkind: Widget\nmetadata:\n  name: plats-widget\n',
  );
  // Argo CD: a wildcard source repository in the apps project, an Application in the default project.
  edit(join(dir, 'components/argocdproj/appproject-kfm-apps.yaml'), (t) =>
    t.replace('  sourceRepos:\n', '  sourceRepos:\n    - https://*\n'),
  );
  edit(join(dir, 'bootstrap/base/application-kfm-gitops-controller.yaml'), (t) =>
    t.replace(/project: [a-z-]+/, 'project: default'),
  );
  // Team beacon's prod namespace loses the baseline's default-deny and its apps their stores' own (lateral movement
  // in prod, store namespaces open in every env); blue-wells prod runs a tag instead of a digest.
  edit(join(dir, 'core/beacon-baseline/default-deny-ingress.yaml'), (t) =>
    t
      .split('\n---\n')
      .filter((doc) => !doc.includes('namespace: kfm-beacon-prod'))
      .join('\n---\n'),
  );
  for (const app of readdirSync(join(dir, 'apps'))) {
    const base = join(dir, 'apps', app, 'base', 'kustomization.yaml');
    const prod = readFileSync(join(dir, 'apps', app, 'overlays', 'prod', 'kustomization.yaml'), 'utf8');
    if (prod.includes('namespace: kfm-beacon-prod\n') && readFileSync(base, 'utf8').includes('db-default-deny'))
      edit(base, (t) => t.replace('  - networkpolicy-db-default-deny-ingress.yaml\n', ''));
  }
  edit(join(dir, 'apps/blue-wells/overlays/prod/kustomization.yaml'), (t) =>
    t.replace(
      /(name: quay\.io\/kfm\/blue-wells-api\n\s+newName: [^\n]+\n\s+)digest: sha256:[0-9a-f]+/,
      '$1newTag: 2.0.1',
    ),
  );
  return dir;
}

/** A CustomResourceDefinition of `kind` (group stream.kfm.dev) whose `spec.<field>` has the given type. */
function crd(kind: string, field: string, type: string): string {
  const plural = `${kind.toLowerCase()}s`;
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    `  name: ${plural}.stream.kfm.dev`,
    'spec:',
    '  group: stream.kfm.dev',
    '  scope: Namespaced',
    '  names:',
    `    kind: ${kind}`,
    `    plural: ${plural}`,
    '  versions:',
    '    - name: v1',
    '      served: true',
    '      storage: true',
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    '          properties:',
    '            spec:',
    '              type: object',
    '              properties:',
    `                ${field}:`,
    `                  type: ${type}`,
    '',
  ].join('\n');
}

/**
 * The small bench repo with what only the LAST overlay of the run (core/gitops-controller) declares deciding the
 * verdicts of earlier overlays (issue 20: overlays are checked from a compact form, not all held as objects): a CRD
 * whose schema judges an apps overlay's custom resource, a CRD of another kind that an apps overlay also declares
 * (its own wins for it, the first in run order for a third overlay), and a Secret whose value an earlier overlay's
 * finding quotes (the redactor must know it before any message is formatted).
 */
function plantedLaterRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-planted-later-'));
  dirs.push(dir);
  generateRepo({ out: dir, size: 'small', git: false, force: true });
  const last = 'core/gitops-controller';
  addResource(dir, last, 'crd-gizmos.yaml', crd('Gizmo', 'size', 'integer'));
  addResource(dir, last, 'crd-gadgets.yaml', crd('Gadget', 'level', 'integer'));
  addResource(
    dir,
    last,
    'secret-later.yaml',
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: later-token\n  namespace: kfm-gitops\ntype: Opaque\nstringData:\n  token: "${LATER_SECRET}"\n`,
  );
  // Judged by the CRD the last overlay declares; the message quotes the Secret value, which must not show.
  addResource(
    dir,
    'apps/grand-routes/overlays/stage',
    'gizmo.yaml',
    `apiVersion: stream.kfm.dev/v1\nkind: Gizmo\nmetadata:\n  name: routes-gizmo\nspec:\n  size: "${LATER_SECRET}"\n`,
  );
  // young-notary dev declares Gadget with a string level: its own CRD judges its Gadget (valid), and it is the
  // first Gadget CRD of the run, so it judges grand-routes dev's (an integer: invalid) before the later one.
  addResource(dir, 'apps/young-notary/overlays/dev', 'crd-gadgets.yaml', crd('Gadget', 'level', 'string'));
  addResource(
    dir,
    'apps/young-notary/overlays/dev',
    'gadget.yaml',
    'apiVersion: stream.kfm.dev/v1\nkind: Gadget\nmetadata:\n  name: notary-gadget\nspec:\n  level: high\n',
  );
  addResource(
    dir,
    'apps/grand-routes/overlays/dev',
    'gadget.yaml',
    'apiVersion: stream.kfm.dev/v1\nkind: Gadget\nmetadata:\n  name: routes-gadget\nspec:\n  level: 3\n',
  );
  // A built-in kind judged by a CRD the last overlay declares (a run CRD wins over the release's own schema, even for
  // a built-in group): the release accepts routes-priority's integer `value`, the CRD asks for a string.
  addResource(
    dir,
    'apps/grand-routes/overlays/dev',
    'priorityclass.yaml',
    'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: routes-priority\nvalue: 1000\n',
  );
  addResource(
    dir,
    last,
    'crd-priorityclasses.yaml',
    [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: priorityclasses.scheduling.k8s.io',
      'spec:',
      '  group: scheduling.k8s.io',
      '  scope: Cluster',
      '  names:',
      '    kind: PriorityClass',
      '    plural: priorityclasses',
      '  versions:',
      '    - name: v1',
      '      served: true',
      '      storage: true',
      '      schema:',
      '        openAPIV3Schema:',
      '          type: object',
      '          properties:',
      '            value:',
      '              type: string',
      '',
    ].join('\n'),
  );
  // Secret values repeated across overlays: one in a base three overlays render (reported on its file, not again
  // per overlay), one a generator literal of two overlays (reported per kustomization and per rendered overlay).
  addResource(
    dir,
    'apps/quick-records/base',
    'secret-shared.yaml',
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: quick-records-shared\ntype: Opaque\nstringData:\n  password: "${REPEATED_SECRET}"\n`,
  );
  for (const overlay of ['apps/young-notary/overlays/dev', 'apps/quick-records/overlays/prod'])
    edit(join(dir, overlay, 'kustomization.yaml'), (t) =>
      t.replace(
        'configMapGenerator:\n',
        `secretGenerator:\n  - name: shared-token\n    literals:\n      - token=${REPEATED_LITERAL}\n\nconfigMapGenerator:\n`,
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

async function checkReport(repo: string, mustNotShow?: string): Promise<unknown> {
  const r = await runCli(['check', repo, '--format', 'json', '--no-cache', '--concurrency', '2'], {
    env: {
      KFM_TOOLS_DIR: join(repoRoot, '.tools', 'bin'),
      KFM_SECRETS_FINGERPRINT_KEY: '',
      KFM_UNPACKED_RESOURCES: '0',
    },
  });
  expect(r.code, r.stderr).toBe(1);
  if (mustNotShow !== undefined) expect(r.stdout + r.stderr).not.toContain(mustNotShow);
  return stable(JSON.parse(r.stdout) as ReportShape);
}

describe('issue 20: the report of a planted bench repo does not change', () => {
  it.skipIf(!existsSync(kustomizeBin))(
    'same findings, lines, fingerprints and counts as the committed report',
    async () => {
      const repo = plantedRepo();
      const actual = await checkReport(repo);
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
  it.skipIf(!existsSync(kustomizeBin))(
    'medium repo with cross-overlay, cross-namespace and cross-layer violations: same report as before',
    async () => {
      const actual = await checkReport(plantedMediumRepo());
      if (process.env.KFM_UPDATE_REPORT_FIXTURE === '1')
        writeFileSync(MEDIUM_FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(MEDIUM_FIXTURE, 'utf8')) as { findings: { ruleId: string }[] };
      // Every planted shape fires (an expected report of nothing would compare equal to a broken run).
      const rules = new Set(expected.findings.map((f) => f.ruleId));
      for (const id of [
        'KFM-TM-001',
        'KFM-TM-003',
        'KFM-TM-004',
        'KFM-TM-005',
        'KFM-TM-006',
        'KFM-TM-009',
        'KFM-RBAC-001',
        'KFM-RBAC-003',
        'KFM-RBAC-005',
        'KFM-FK-001',
        'KFM-ARGO-001',
        'KFM-ARGO-003',
        'KFM-DP-001',
        'KFM-DP-003',
      ])
        expect(rules.has(id), id).toBe(true);
      expect(actual).toEqual(expected);
    },
    300_000,
  );
  it.skipIf(!existsSync(kustomizeBin))(
    'CRDs and Secret values of the last overlay decide earlier overlays: same report as before',
    async () => {
      const actual = await checkReport(plantedLaterRepo(), LATER_SECRET);
      const shown = JSON.stringify(actual);
      expect(shown).not.toContain(REPEATED_SECRET);
      expect(shown).not.toContain(REPEATED_LITERAL);
      if (process.env.KFM_UPDATE_REPORT_FIXTURE === '1')
        writeFileSync(LATER_FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(LATER_FIXTURE, 'utf8')) as {
        findings: { ruleId: string; overlay?: string; message: string; resource?: { name: string } }[];
      };
      // The planted shapes fire where they should (an expected report of nothing would compare equal to a broken run).
      const on = (name: string) => expected.findings.filter((f) => f.resource?.name === name);
      expect(on('routes-gizmo').some((f) => /integer/.test(f.message))).toBe(true);
      expect(on('routes-gadget').some((f) => /expected string/.test(f.message))).toBe(true);
      expect(on('notary-gadget')).toEqual([]);
      // A CRD naming the built-in PriorityClass decides nothing (the API server serves the built-in): it is reported.
      expect(on('routes-priority').some((f) => /expected string/.test(f.message))).toBe(false);
      expect(on('priorityclasses.scheduling.k8s.io').map((f) => f.ruleId)).toContain('KFM-SCHEMA-007');
      const inFile = (file: string) =>
        expected.findings.filter((f) => (f as { file?: string }).file === file).map((f) => f.ruleId);
      expect(inFile('apps/quick-records/base/secret-shared.yaml')).toContain('KFM-SEC-001');
      for (const o of ['apps/young-notary/overlays/dev', 'apps/quick-records/overlays/prod'])
        expect(inFile(`${o}/kustomization.yaml`)).toContain('KFM-SEC-002');
      expect(actual).toEqual(expected);
    },
    180_000,
  );
});
