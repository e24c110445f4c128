/**
 * `kfm-gitops new-app`: a base and one overlay per env in the conventions of infra/gitops (kfm-ui is the model),
 * closed by default — its own default-deny plus an allow for the governed API only, no Route — so it passes
 * `check` whatever image it runs (even a store image), and list elements appended to the ApplicationSets.
 *
 * Planned as data (files to create, files to change), written by the CLI step; existing files are never replaced.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import type { Config } from '../config/types.js';
import { appendMapsToBlockSeq } from './edit.js';
import { replaceFileAtomic } from './fsutil.js';
import { envOrderOf, PromoteUsageError } from './inputs.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface ScaffoldRequest {
  root: string;
  config: Config;
  name: string;
  /** `registry/repo[:tag]@sha256:<64 hex>`. */
  image: string;
  /** Container port (default 8080). */
  port?: number;
}

export interface ScaffoldPlan {
  /** Root-relative path → content, all new. */
  create: { file: string; content: string }[];
  /** Root-relative path → new content of an existing file (ApplicationSets). */
  update: { file: string; before: string; after: string; added: Record<string, string>[] }[];
  /** Envs no ApplicationSet generator lists, so the app could not be registered for them. */
  unregistered: string[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IMAGE = /^((?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._/-]+)(?::([\w][\w.-]{0,127}))?@(sha256:[a-f0-9]{64})$/;

export function parsePinnedImage(image: string): { repository: string; tag?: string; digest: string } {
  const m = IMAGE.exec(image);
  if (!m)
    throw new PromoteUsageError(
      `--image must be pinned by digest, like quay.io/kfm/my-app:1.0.0@sha256:<64 hex> (got ${JSON.stringify(image)})`,
    );
  return { repository: m[1], tag: m[2], digest: m[3] };
}

export async function planScaffold(request: ScaffoldRequest): Promise<ScaffoldPlan> {
  const { name, root } = request;
  if (!NAME.test(name) || name.length > 40) {
    throw new PromoteUsageError(
      `app name ${JSON.stringify(name)} must be a DNS label (lowercase letters, digits, '-'), at most 40 characters`,
    );
  }
  const image = parsePinnedImage(request.image);
  const port = request.port ?? 8080;
  if (existsSync(join(root, 'apps', name))) throw new PromoteUsageError(`apps/${name} already exists`);
  const envOrder = envOrderOf(request.config);
  const registration = await planRegistration(root, name, envOrder);
  const namespaceOf = (env: string): string => registration.namespaces.get(env) ?? `kfm-${env}`;
  const create = [
    ...baseFiles(name, image.repository, image.tag, port),
    ...envOrder.map((env, i) => ({
      file: `apps/${name}/overlays/${env}/kustomization.yaml`,
      content: overlayKustomization(name, env, namespaceOf(env), image.repository, image.digest, envOrder[i - 1]),
    })),
  ];
  return { create, update: registration.update, unregistered: registration.unregistered };
}

const labels = (name: string, indent: string): string =>
  [`app.kubernetes.io/name: ${name}`, 'app.kubernetes.io/part-of: kfm', `app.kubernetes.io/component: ${name}`]
    .map((l) => `${indent}${l}`)
    .join('\n');

function baseFiles(
  name: string,
  repository: string,
  tag: string | undefined,
  port: number,
): { file: string; content: string }[] {
  const dir = `apps/${name}/base`;
  return [
    {
      file: `${dir}/kustomization.yaml`,
      content: `# ${name}: scaffolded by \`kfm-gitops new-app\`. Closed by default: no Route, ingress only
# from the governed API (kfm.dev/governed-api: "true"). Overlays set the
# namespace and pin the image by digest.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - serviceaccount.yaml
  - deployment.yaml
  - service.yaml
  - networkpolicy-default-deny-ingress.yaml
  - networkpolicy-allow-governed-api.yaml
`,
    },
    {
      file: `${dir}/serviceaccount.yaml`,
      content: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  labels:
${labels(name, '    ')}
automountServiceAccountToken: false
`,
    },
    {
      file: `${dir}/deployment.yaml`,
      content: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
${labels(name, '    ')}
spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
${labels(name, '        ')}
    spec:
      serviceAccountName: ${name}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: ${name}
          # ${tag ? 'The tag documents the release line; every overlay pins the digest.' : 'Every overlay pins the digest.'}
          image: ${repository}${tag ? `:${tag}` : ''}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: ${port}
              protocol: TCP
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              cpu: 250m
              memory: 256Mi
          readinessProbe:
            tcpSocket:
              port: http
            periodSeconds: 5
          livenessProbe:
            tcpSocket:
              port: http
            periodSeconds: 10
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
`,
    },
    {
      file: `${dir}/service.yaml`,
      content: `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
${labels(name, '    ')}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: http
      port: ${port}
      targetPort: http
      protocol: TCP
`,
    },
    {
      file: `${dir}/networkpolicy-default-deny-ingress.yaml`,
      content: `# The app carries its own default-deny, so it stays closed even in a
# namespace where the platform baseline is missing.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}-default-deny-ingress
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: kfm
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`,
    },
    {
      file: `${dir}/networkpolicy-allow-governed-api.yaml`,
      content: `# The single way in: pods of the governed API in the same namespace. Widen it
# (e.g. the OpenShift router, with a Route) only after review.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}-allow-governed-api
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: kfm
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              kfm.dev/governed-api: "true"
      ports:
        - protocol: TCP
          port: ${port}
`,
    },
  ];
}

function overlayKustomization(
  name: string,
  env: string,
  namespace: string,
  repository: string,
  digest: string,
  previous: string | undefined,
): string {
  const origin = previous ? `promoted from ${previous}` : 'the first environment';
  return `# ${name} in ${env} (${origin}).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

namespace: ${namespace}

resources:
  - ../../base

labels:
  - pairs:
      kfm.dev/env: ${env}

# Pinned by digest in every environment. Promotion (\`kfm-gitops promote ${name}
# --from <env> --to <env>\`) rewrites only the digest below.
images:
  - name: ${repository}
    newName: ${repository}
    digest: ${digest}
`;
}

interface Registration {
  update: ScaffoldPlan['update'];
  unregistered: string[];
  namespaces: Map<string, string>;
}

/**
 * For each env, the first ApplicationSet under components/applicationsets whose list generator already has
 * elements for that env gets one more, copied from such an element with the app name swapped in.
 */
async function planRegistration(root: string, name: string, envOrder: string[]): Promise<Registration> {
  const files = (await fg(['components/applicationsets/**/*.{yaml,yml}'], { cwd: root, onlyFiles: true })).sort();
  const texts = new Map<string, string>();
  const namespaces = new Map<string, string>();
  const pending = new Map<string, Record<string, string>[]>();
  const unregistered: string[] = [];
  const found: { file: string; seqIndex: number; env: string; template: Record<string, string> }[] = [];
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    texts.set(file, text);
    listSeqs(text).forEach(({ seq }, seqIndex) => {
      for (const item of seq.items) {
        if (!isMap(item)) continue;
        const el = plainMap(item);
        if (!el || typeof el.env !== 'string' || typeof el.app !== 'string') continue;
        if (!found.some((f) => f.env === el.env)) found.push({ file, seqIndex, env: el.env, template: el });
      }
    });
  }
  for (const env of envOrder) {
    const at = found.find((f) => f.env === env);
    if (!at) {
      unregistered.push(env);
      continue;
    }
    const template = at.template;
    const element = Object.fromEntries(
      Object.entries(template).map(([k, v]) => [
        k,
        k === 'app' ? name : k === 'env' ? env : v.split(template.app).join(name),
      ]),
    );
    if (element.namespace) namespaces.set(env, element.namespace);
    const key = `${at.file}\u0000${at.seqIndex}`;
    pending.set(key, [...(pending.get(key) ?? []), element]);
  }
  const update: ScaffoldPlan['update'] = [];
  const byFile = new Map<string, { seqIndex: number; elements: Record<string, string>[] }[]>();
  for (const [key, elements] of pending) {
    const [file, seqIndex] = key.split('\u0000');
    byFile.set(file, [...(byFile.get(file) ?? []), { seqIndex: Number(seqIndex), elements }]);
  }
  for (const [file, edits] of byFile) {
    const before = texts.get(file)!;
    let after = before;
    // Later sequences first: appending to one does not move the ones before it.
    for (const edit of edits.sort((a, b) => b.seqIndex - a.seqIndex)) {
      const seq = listSeqs(after)[edit.seqIndex]?.seq;
      const next = seq ? appendMapsToBlockSeq(after, seq, edit.elements) : undefined;
      if (next === undefined)
        throw new PromoteUsageError(
          `cannot append to the list generator in ${file} (only block-style lists are edited); register ${name} there by hand`,
        );
      after = next;
    }
    update.push({ file, before, after, added: edits.flatMap((e) => e.elements) });
  }
  return { update, unregistered, namespaces };
}

/** Every `spec.generators[*].list.elements` block sequence of every ApplicationSet document in the text. */
function listSeqs(text: string): { seq: YAMLSeq }[] {
  const out: { seq: YAMLSeq }[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0 || !isMap(doc.contents) || doc.get('kind') !== 'ApplicationSet') continue;
    const generators = doc.getIn(['spec', 'generators'], true);
    if (!isSeq(generators)) continue;
    for (const g of generators.items) {
      const elements = isMap(g) ? (g as YAMLMap).getIn(['list', 'elements'], true) : undefined;
      if (isSeq(elements)) out.push({ seq: elements });
    }
  }
  return out;
}

function plainMap(map: YAMLMap): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of map.items) {
    if (!isScalar(pair.key) || !isScalar(pair.value)) return undefined;
    out[String(pair.key.value)] = String(pair.value.value);
  }
  return out;
}

/** Creates the new files (never replacing one) and rewrites the ApplicationSets atomically. Returns what it wrote. */
export async function writeScaffold(root: string, plan: ScaffoldPlan): Promise<string[]> {
  const written: string[] = [];
  for (const u of plan.update) {
    const now = await readFile(join(root, u.file), 'utf8');
    if (now !== u.before) throw new PromoteUsageError(`${u.file} changed while new-app was running; run it again`);
  }
  for (const c of plan.create) {
    const abs = join(root, c.file);
    await writeFileAtomic(abs, c.content, { exclusive: true });
    written.push(c.file);
  }
  for (const u of plan.update) {
    await replaceFileAtomic(join(root, u.file), u.after);
    written.push(u.file);
  }
  return written;
}
