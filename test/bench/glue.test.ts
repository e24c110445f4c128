/**
 * The glue baseline must be honest: kubeconform gets the same schemas (release, strictness) and conftest the same
 * rules as `kfm-gitops check`. These tests pin the pieces the bench builds (bench/glue/*), and — when the glue tools
 * are built (`npm run bench:tools`) — that they really reject what the tool rejects.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_JSON, writeConftestPolicies } from '../../bench/glue/conftest-policies.mjs';
import { kindSuffix, writeKubeconformSchemas } from '../../bench/glue/kubeconform-schemas.mjs';
import { repoRoot } from '../helpers.js';

const run = promisify(execFile);
const benchBin = join(repoRoot, '.tools', 'bench-bin');
const conftest = join(benchBin, 'conftest');
const kubeconform = join(benchBin, 'kubeconform');

const digest = `sha256:${'a'.repeat(64)}`;
const deployment = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo-api
  namespace: kfm-demo-prod
spec:
  selector:
    matchLabels: {app: demo-api}
  template:
    metadata:
      labels: {app: demo-api}
    spec:
      containers:
        - name: api
          image: ${image}
`;
const prodApplication = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: demo-prod
  namespace: openshift-gitops
spec:
  project: kfm-apps
  source: {repoURL: https://git.example.org/x.git, path: apps/demo/overlays/prod, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: kfm-demo-prod}
  syncPolicy:
    automated: {prune: true}
`;

describe('kubeconform schema layout', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-bench-kc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names files the way kubeconform looks them up', () => {
    expect(kindSuffix('v1')).toBe('-v1');
    expect(kindSuffix('apps/v1')).toBe('-apps-v1');
    expect(kindSuffix('networking.k8s.io/v1')).toBe('-networking-v1');
    expect(kindSuffix('autoscaling/v2')).toBe('-autoscaling-v2');
  });

  it('writes one standalone strict schema per kind of the shipped release', () => {
    const r = writeKubeconformSchemas({ release: '1.37', outDir: dir });
    expect(r.kubernetesVersion).toBe('1.37.0');
    const folder = join(dir, 'v1.37.0-standalone-strict');
    const files = readdirSync(folder);
    expect(files).toContain('deployment-apps-v1.json');
    expect(files).toContain('networkpolicy-networking-v1.json');
    expect(files.length).toBe(r.files);
    const schema = JSON.parse(readFileSync(join(folder, 'deployment-apps-v1.json'), 'utf8'));
    const refs = JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const ref of refs) {
      const name = /#\/\$defs\/(.*)"$/.exec(ref)?.[1];
      expect(name, ref).toBeDefined();
      expect(schema.$defs[name!], ref).toBeDefined();
    }
    expect(schema.$defs[schema.$ref.slice('#/$defs/'.length)].additionalProperties).toBe(false);
  });

  describe.skipIf(!existsSync(kubeconform))('with kubeconform (built by `npm run bench:tools`)', () => {
    it('rejects an unknown field the way the schema check does, and accepts the clean object', async () => {
      const r = writeKubeconformSchemas({ release: '1.37', outDir: dir });
      const args = [
        '-strict',
        '-summary',
        '-kubernetes-version',
        r.kubernetesVersion,
        '-schema-location',
        r.schemaLocations[0],
        '-schema-location',
        r.schemaLocations[1],
      ];
      const good = join(dir, 'good.yaml');
      const bad = join(dir, 'bad.yaml');
      writeFileSync(good, deployment(`quay.io/kfm/demo@${digest}`));
      writeFileSync(bad, deployment(`quay.io/kfm/demo@${digest}`).replace('  selector:', '  replicaz: 2\n  selector:'));
      const ok = await run(kubeconform, [...args, good]);
      expect(ok.stdout).toContain('Valid: 1, Invalid: 0, Errors: 0');
      const failed = await run(kubeconform, [...args, bad]).catch((e: { stdout: string }) => e);
      expect(failed.stdout).toMatch(/additional properties 'replicaz' not allowed/);
    });
  });
});

describe.skipIf(!existsSync(conftest))('conftest adapter (conftest built by `npm run bench:tools`)', () => {
  let dir = '';
  let policies = '';
  const overlay = 'apps/demo/overlays/prod';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-bench-ct-'));
    policies = join(dir, 'policy');
    writeConftestPolicies(policies);
    mkdirSync(join(dir, 'rendered'));
    mkdirSync(join(dir, overlay), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function conftestOn(rendered: string, kustomization: string): Promise<string> {
    const file = join(dir, 'rendered', `${overlay.replace(/\//g, '__')}.yaml`);
    writeFileSync(file, rendered);
    writeFileSync(join(dir, overlay, 'kustomization.yaml'), kustomization);
    const args = [
      'test',
      '--combine',
      '--no-color',
      '-p',
      policies,
      '--data',
      RULES_JSON,
      file,
      join(dir, overlay, 'kustomization.yaml'),
    ];
    const r = await run(conftest, args).catch((e: { stdout: string }) => e);
    return r.stdout;
  }

  it('passes a clean prod overlay', async () => {
    const out = await conftestOn(
      deployment(`quay.io/kfm/demo@${digest}`),
      `images:\n  - name: quay.io/kfm/demo\n    digest: ${digest}\n`,
    );
    expect(out).toMatch(/0 failures/);
    expect(out).not.toMatch(/^FAIL/m);
  });

  it('reports the same rule ids as the tool: digest pinning, latest tag, kustomization digest', async () => {
    const out = await conftestOn(
      deployment('quay.io/kfm/demo:latest'),
      'images:\n  - name: quay.io/kfm/demo\n    newTag: latest\n',
    );
    expect(out).toMatch(/^FAIL - .* KFM-DP-001 apps\/demo\/overlays\/prod: image "quay.io\/kfm\/demo:latest"/m);
    expect(out).toMatch(/^FAIL - .* KFM-DP-002 /m);
    expect(out).toMatch(/^FAIL - .* KFM-DP-003 .*quay.io\/kfm\/demo has no sha256 digest/m);
  });

  it('evaluates an overlay as a whole: a store with its default-deny in the same stream passes, without it fails', async () => {
    // conftest gives every document of a stream its own --combine entry; rules that relate objects need them together.
    const store = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: demo-db
  namespace: kfm-demo-prod
  labels: {kfm.dev/tier: store}
spec:
  serviceName: demo-db
  selector:
    matchLabels: {app: demo-db}
  template:
    metadata:
      labels: {app: demo-db, kfm.dev/tier: store}
    spec:
      containers:
        - name: db
          image: docker.io/postgis/postgis@${digest}
`;
    const deny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: demo-db-default-deny-ingress
  namespace: kfm-demo-prod
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;
    const k = `images:\n  - name: docker.io/postgis/postgis\n    digest: ${digest}\n`;
    const together = await conftestOn(`${store}---\n${deny}`, k);
    expect(together).toMatch(/0 failures/);
    const alone = await conftestOn(store, k);
    expect(alone).toMatch(
      /^FAIL - .* KFM-TM-003 apps\/demo\/overlays\/prod: namespace kfm-demo-prod holds stores \(StatefulSet demo-db\)/m,
    );
  });

  it('maps warning rules to conftest warnings (automated sync of a prod Application)', async () => {
    const out = await conftestOn(prodApplication, 'resources: []\n');
    expect(out).toMatch(/^WARN - .* KFM-ARGO-004 .*prod Application demo-prod syncs automatically/m);
    expect(out).not.toMatch(/^FAIL/m);
  });
});
