/**
 * Validation throughput on generated resources, for `npm run bench` (bench/schema.bench.mjs) and the tests.
 *   cold       fresh process state, nothing cached: release file loaded, every validator compiled;
 *   cold+disk  fresh process state, validators imported from the disk cache (a second CLI run);
 *   warm       validators in memory (mean of three passes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../../src/types.js';
import { ValidatorDiskCache } from '../../src/checks/schema/disk-cache.js';
import { readSchemaConfig } from '../../src/checks/schema/config.js';
import { resetEngines, shippedKubernetesVersions } from '../../src/checks/schema/engine.js';
import { ResourceValidator } from '../../src/checks/schema/validate.js';

export interface BenchPass {
  resources: number;
  /** Wall-clock time. */
  ms: number;
  /** CPU time of this process (user + system): the fair figure on a shared machine ("on one core"). */
  cpuMs: number;
  /** Resources per second of CPU time. */
  perSecond: number;
  /** Resources per second of wall-clock time. */
  wallPerSecond: number;
  violations: number;
}

export interface SchemaBenchResult {
  release: string;
  kinds: number;
  cold: BenchPass;
  coldDisk: BenchPass;
  warm: BenchPass;
}

function deployment(i: number): Record<string, unknown> {
  const name = `app-${i}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: `team-${i % 7}`,
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'bench' },
    },
    spec: {
      replicas: 1 + (i % 3),
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: {
          serviceAccountName: name,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: `registry.example.org/${name}@sha256:${'0123456789abcdef'.repeat(4)}`,
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

function others(i: number): Record<string, unknown>[] {
  const name = `app-${i}`;
  const ns = `team-${i % 7}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, namespace: ns },
      data: { 'app.yaml': `name: ${name}\n` },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: ns },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${name}-ingress`, namespace: ns },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': name } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }],
            ports: [{ port: 8080, protocol: 'TCP' }],
          },
        ],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ],
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.org/apps.git', path: `apps/${name}`, targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: ns },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    },
  ];
}

/** `count` resources: one Deployment and six other kinds per group, like a small app repo repeated. */
export function generateResources(count: number): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; out.length < count; i++) {
    for (const object of [deployment(i), ...others(i)]) {
      if (out.length >= count) break;
      const meta = object.metadata as { name: string; namespace?: string };
      out.push({
        id: {
          apiVersion: object.apiVersion as string,
          kind: object.kind as string,
          name: meta.name,
          namespace: meta.namespace,
        },
        overlay: `bench/${i % 12}`,
        object,
        rendered: { file: 'bench', line: 1, column: 1 },
        docIndex: out.length,
        locate: () => undefined,
      });
    }
  }
  return out;
}

interface Clock {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

const now = (): Clock => ({ wall: performance.now(), cpu: process.cpuUsage() });

function since(start: Clock): { ms: number; cpuMs: number } {
  const cpu = process.cpuUsage(start.cpu);
  return { ms: performance.now() - start.wall, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function pass(validator: ResourceValidator, resources: Resource[]): { ms: number; cpuMs: number; violations: number } {
  const start = now();
  let violations = 0;
  for (const r of resources) violations += validator.validate(r).length;
  return { ...since(start), violations };
}

function result(count: number, t: { ms: number; cpuMs: number }, violations: number): BenchPass {
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    resources: count,
    ms: round(t.ms),
    cpuMs: round(t.cpuMs),
    perSecond: Math.round(count / (t.cpuMs / 1000)),
    wallPerSecond: Math.round(count / (t.ms / 1000)),
    violations,
  };
}

/** One run from a fresh engine: create, prepare (load or compile), validate everything. */
async function fromScratch(
  release: string,
  resources: Resource[],
  cache: ValidatorDiskCache | undefined,
): Promise<BenchPass> {
  resetEngines();
  const start = now();
  const validator = new ResourceValidator({
    release,
    config: readSchemaConfig(undefined),
    root: process.cwd(),
    resources,
  });
  await validator.prepare(resources, cache);
  const { violations } = pass(validator, resources);
  return result(resources.length, since(start), violations);
}

export async function runSchemaBench(options: { count?: number; release?: string } = {}): Promise<SchemaBenchResult> {
  const count = options.count ?? 5000;
  const release = options.release ?? shippedKubernetesVersions().at(-1)!;
  const resources = generateResources(count);
  const tmp = mkdtempSync(join(tmpdir(), 'kfm-schema-bench-'));
  try {
    const cold = await fromScratch(release, resources, undefined);
    const env = { XDG_CACHE_HOME: join(tmp, 'key') };
    await fromScratch(release, resources, ValidatorDiskCache.open(join(tmp, 'cache'), env));
    const coldDisk = await fromScratch(release, resources, ValidatorDiskCache.open(join(tmp, 'cache'), env));
    const validator = new ResourceValidator({
      release,
      config: readSchemaConfig(undefined),
      root: process.cwd(),
      resources,
    });
    let ms = 0;
    let cpuMs = 0;
    let violations = 0;
    for (let i = 0; i < 3; i++) {
      const p = pass(validator, resources);
      ms += p.ms;
      cpuMs += p.cpuMs;
      violations = p.violations;
    }
    return {
      release,
      kinds: new Set(resources.map((r) => r.id.kind)).size,
      cold,
      coldDisk,
      warm: result(count, { ms: ms / 3, cpuMs: cpuMs / 3 }, violations),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
