/** The policy check as the pipeline sees it: findings with resource, path, severity and file/line; engine failures. */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPolicyCheck, PolicyBundleError } from '../../src/checks/policy/index.js';
import { hasOpa, NO_OPA, opaBin, overlayFromYaml, policiesDir, runOn } from './helpers.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'kfm-policy-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PROD_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: kfm-prod
spec:
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: ghcr.io/kfm/api:1.2.3
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: kfm-prod
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

describe('policy check', () => {
  it('reports a violation on the resource with its path, the rule severity and the overlay', async () => {
    const overlay = overlayFromYaml(PROD_DEPLOYMENT, { path: 'apps/api/overlays/prod', env: 'prod' });
    const found = await runOn(createPolicyCheck(), [overlay]);
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f).toMatchObject({
      ruleId: 'KFM-DP-001',
      severity: 'error',
      overlay: 'apps/api/overlays/prod',
      path: ['spec', 'template', 'spec', 'containers', 0, 'image'],
    });
    expect(f.resource).toBe(overlay.resources[0]);
    expect(f.message).toBe(
      'image "ghcr.io/kfm/api:1.2.3" of container api in Deployment api is not pinned by digest (@sha256:...), required in env prod',
    );
    expect(f.resource!.locate(f.path!)?.line).toBe(14);
  });

  it('uses the severity the rule declares (warning rules stay warnings)', async () => {
    const overlay = overlayFromYaml(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
  - apiGroups: [""]
    resources: ["*"]
    verbs: ["get"]
`,
      { path: 'core/rbac', layer: 'core', env: 'rbac' },
    );
    const found = await runOn(createPolicyCheck(), [overlay]);
    expect(found.map((f) => [f.ruleId, f.severity, f.path])).toEqual([
      ['KFM-RBAC-003', 'warning', ['rules', 0, 'resources', 0]],
    ]);
  });

  it('passes the `policy:` config section as parameters', async () => {
    const overlay = overlayFromYaml(PROD_DEPLOYMENT, { path: 'apps/api/overlays/prod', env: 'prod' });
    expect(await runOn(createPolicyCheck(), [overlay], { config: { policy: { digestEnvs: ['stage'] } } })).toEqual([]);
  });

  it('points kustomization findings at the line of the images entry', async () => {
    const root = join(tmp, 'kust');
    mkdirSync(join(root, 'apps/api/overlays/prod'), { recursive: true });
    writeFileSync(
      join(root, 'apps/api/overlays/prod/kustomization.yaml'),
      `resources:
  - ../../base
images:
  - name: ghcr.io/kfm/api
    digest: sha256:${'0'.repeat(64)}
  - name: ghcr.io/kfm/sidecar
    newTag: "2.0"
`,
    );
    const overlay = overlayFromYaml(
      PROD_DEPLOYMENT.replace('ghcr.io/kfm/api:1.2.3', `ghcr.io/kfm/api@sha256:${'0'.repeat(64)}`),
      {
        path: 'apps/api/overlays/prod',
        env: 'prod',
      },
    );
    const found = await runOn(createPolicyCheck(), [overlay], { root });
    expect(found).toEqual([
      expect.objectContaining({
        ruleId: 'KFM-DP-003',
        file: 'apps/api/overlays/prod/kustomization.yaml',
        line: 6,
        path: ['images', 1],
      }),
    ]);
    expect(found[0].resource).toBeUndefined();
    expect(found[0].message).toBe(
      'kustomization images entry ghcr.io/kfm/sidecar has no sha256 digest, required in env prod',
    );
  });

  it('gives every AppProject of the run to every overlay (FK-002 across overlays)', async () => {
    const projects = overlayFromYaml(
      `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: kfm-apps
  namespace: openshift-gitops
spec:
  sourceRepos: ["https://git.example/infra.git"]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: kfm-dev
  namespaceResourceBlacklist:
    - { group: "", kind: ResourceQuota }
    - { group: "", kind: LimitRange }
`,
      { path: 'components/argocdproj', layer: 'components', env: 'argocdproj' },
    );
    const app = overlayFromYaml(PROD_DEPLOYMENT.replace(/1\.2\.3/, `1.2.3@sha256:${'1'.repeat(64)}`), {
      path: 'apps/api/overlays/prod',
      env: 'prod',
    });
    const found = await runOn(createPolicyCheck(), [projects, app]);
    // Both objects of the prod overlay (the Deployment and its namespace's default-deny policy) are outside.
    expect(found.map((f) => [f.ruleId, f.overlay, f.resource?.id.kind, f.path]).sort()).toEqual([
      ['KFM-FK-002', 'apps/api/overlays/prod', 'Deployment', ['metadata', 'namespace']],
      ['KFM-FK-002', 'apps/api/overlays/prod', 'NetworkPolicy', ['metadata', 'namespace']],
    ]);
  });

  it('turns a malformed engine result into a KFM-CONFIG-900 finding for the overlay, never a pass', async () => {
    // A bundle whose catalogue lacks the ids the module emits: every result is malformed for this host.
    const dir = join(tmp, 'bundle-no-catalogue');
    cpSync(join(policiesDir, 'bundle'), dir, { recursive: true });
    const rules = JSON.parse(readFileSync(join(dir, 'rules.json'), 'utf8'));
    writeFileSync(
      join(dir, 'rules.json'),
      JSON.stringify({ ...rules, rules: rules.rules.filter((r: { id: string }) => r.id !== 'KFM-DP-001') }),
    );
    const overlay = overlayFromYaml(PROD_DEPLOYMENT, { path: 'apps/api/overlays/prod', env: 'prod' });
    const found = await runOn(createPolicyCheck({ bundleDir: dir }), [overlay]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ruleId: 'KFM-CONFIG-900', severity: 'error', overlay: 'apps/api/overlays/prod' });
    expect(found[0].message).toContain('rule id KFM-DP-001 is not in the catalogue');
  });

  it('refuses a bundle whose wasm does not match its manifest', async () => {
    const dir = join(tmp, 'bundle-tampered');
    cpSync(join(policiesDir, 'bundle'), dir, { recursive: true });
    const wasm = readFileSync(join(dir, 'policy.wasm'));
    wasm[wasm.length - 1] ^= 0xff;
    writeFileSync(join(dir, 'policy.wasm'), wasm);
    const overlay = overlayFromYaml(PROD_DEPLOYMENT);
    await expect(runOn(createPolicyCheck({ bundleDir: dir }), [overlay])).rejects.toThrow(PolicyBundleError);
  });

  it('rejects unknown `policy:` settings instead of ignoring them', async () => {
    const overlay = overlayFromYaml(PROD_DEPLOYMENT);
    await expect(
      runOn(createPolicyCheck(), [overlay], { config: { policy: { digestEnv: ['prod'] } } }),
    ).rejects.toThrow(/policy\.digestEnv is not a policy setting/);
  });
});

describe.skipIf(!hasOpa)(
  `policy check with a module needing a builtin the host lacks (${hasOpa ? 'pinned opa' : NO_OPA})`,
  () => {
    it('reports KFM-CONFIG-900 for each overlay instead of passing', async () => {
      // Compiled WITHOUT the host capabilities file, as a careless build would: time.now_ns is an import the
      // JavaScript SDK does not implement, so evaluation throws inside the wasm.
      const dir = join(tmp, 'bundle-missing-builtin');
      mkdirSync(dir, { recursive: true });
      const src = join(dir, 'p.rego');
      writeFileSync(
        src,
        'package kfm_main\n\nviolations := [{"id": "KFM-DP-001", "msg": "now", "resource": 0, "path": [], "t": time.now_ns()}]\n',
      );
      await run(opaBin, ['build', '-t', 'wasm', '-e', 'kfm_main/violations', '-o', join(dir, 'b.tar.gz'), src]);
      const { extractFromTarGz } = await import('../../src/checks/policy/custom.js');
      const wasm = extractFromTarGz(readFileSync(join(dir, 'b.tar.gz')), 'policy.wasm');
      writeFileSync(join(dir, 'policy.wasm'), wasm);
      copyFileSync(join(policiesDir, 'bundle', 'rules.json'), join(dir, 'rules.json'));
      const manifest = JSON.parse(readFileSync(join(policiesDir, 'bundle', 'manifest.json'), 'utf8'));
      const { createHash } = await import('node:crypto');
      manifest.wasmSha256 = createHash('sha256').update(wasm).digest('hex');
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));

      const a = overlayFromYaml(PROD_DEPLOYMENT, { path: 'apps/a/overlays/prod' });
      const b = overlayFromYaml(PROD_DEPLOYMENT, { path: 'apps/b/overlays/prod' });
      const found = await runOn(createPolicyCheck({ bundleDir: dir }), [a, b]);
      expect(found.map((f) => [f.ruleId, f.overlay])).toEqual([
        ['KFM-CONFIG-900', 'apps/a/overlays/prod'],
        ['KFM-CONFIG-900', 'apps/b/overlays/prod'],
      ]);
      expect(found[0].message).toMatch(/not implemented: built-in function .*time\.now_ns/);
    });
  },
);
