#!/usr/bin/env node
/**
 * Synthetic desired-state repo for `npm run bench`, shaped like infra/gitops (same conventions, scaled out):
 *
 *   apps/<app>/base                 api (+ RBAC, Route, router NetworkPolicy, settings ConfigMap),
 *                                   optional web front end, optional store (PostGIS or MinIO) behind its own
 *                                   default-deny + governed-API NetworkPolicies
 *   apps/<app>/overlays/{dev,stage,prod}
 *                                   namespace kfm-<team>-<env>, labels, the shared component, feature-flag
 *                                   ConfigMap generator, JSON patches (Route hosts, storage), replicas, images
 *                                   pinned by digest, the store credential (SealedSecret or ExternalSecret);
 *                                   prod adds PodDisruptionBudgets and HorizontalPodAutoscalers
 *   components/app-defaults         kind: Component used by every app overlay (pod annotations, managed-by label)
 *   components/argocdproj           AppProjects kfm-platform and kfm-apps
 *   components/applicationsets      per team: tenants-<team>-nonprod (automated) and tenants-<team>-prod (manual)
 *   core/<team>-baseline            Namespaces, default-deny ingress, quotas, limit ranges, ClusterSecretStore
 *   core/gitops-controller          the Application that reconciles bootstrap
 *   bootstrap/{base,overlays/default}
 *
 * Deterministic: the same size and seed give byte-identical files (a seeded PRNG, no clock, no randomness from the
 * platform). The output is a git repository with one commit (fixed author and dates), so `--changed-since` can be
 * measured against it.
 *
 * CLI: node bench/generate.mjs --size small|medium|large|xlarge --out <dir> [--seed <text>] [--broken <fraction>] [--force] [--no-git]
 *
 * --broken 0.05 makes about 5% of the overlays fail to render, deterministically (see breakOverlays): the shape of
 * gitops-catalog, where a repo with broken overlays must stay as warm as a clean one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Overlay count = 3 × apps + teams (one core baseline each) + 2 (core/gitops-controller, bootstrap/overlays/default).
 * small 3×5+3+2 = 20, medium 3×95+13+2 = 300, large 3×480+58+2 = 1,500, xlarge 3×2,400+298+2 = 7,500 (issue 20:
 * memory must stay flat and time linear as the repo grows); about 20 resources per app overlay.
 */
export const SIZES = {
  small: { apps: 5, teams: 3 },
  medium: { apps: 95, teams: 13 },
  large: { apps: 480, teams: 58 },
  xlarge: { apps: 2400, teams: 298 },
};

export const ENVS = ['dev', 'stage', 'prod'];
export const DEFAULT_SEED = 'kfm-bench-1';

// Bumped whenever the generated content changes, so a cached repo in bench/out is regenerated.
export const GENERATOR_VERSION = 1;

const TEAM_WORDS = [
  'atlas', 'beacon', 'cartography', 'delta', 'ecology', 'fauna', 'geodesy', 'harvest', 'hydrology', 'imagery',
  'journeys', 'karst', 'lidar', 'meridian', 'nomads', 'orbit', 'prairie', 'quarry', 'rivers', 'survey',
  'terrain', 'uplands', 'vector', 'wetlands', 'xeric', 'yield', 'zenith', 'archives', 'bison', 'canyon',
  'dunes', 'estuary', 'flint', 'glacier', 'heritage', 'isotope', 'junction', 'kestrel', 'loess', 'mesa',
  'nebula', 'oxbow', 'pioneer', 'quartz', 'ridge', 'sandhill', 'tallgrass', 'uranium', 'valley', 'wheat',
  'xenolith', 'yucca', 'zephyr', 'aquifer', 'bluestem', 'chalk', 'drift', 'elm', 'ford', 'grove',
];
const APP_ADJ = [
  'amber', 'bold', 'calm', 'deep', 'early', 'fair', 'grand', 'high', 'iron', 'jade', 'keen', 'long', 'mild',
  'north', 'open', 'plain', 'quick', 'red', 'still', 'true', 'upper', 'vast', 'west', 'young', 'blue', 'clear',
  'dry', 'east', 'far', 'gold',
];
const APP_NOUN = [
  'archive', 'basin', 'catalog', 'census', 'claims', 'deeds', 'depot', 'ferry', 'gazette', 'harbor', 'index',
  'ledger', 'locator', 'maps', 'notary', 'parcels', 'permits', 'plats', 'portal', 'records', 'registry',
  'routes', 'search', 'stories', 'surveys', 'tiles', 'trails', 'viewer', 'wells', 'zoning',
];

// ------------------------------------------------------------------------------------------------ randomness

/** mulberry32 seeded from a text: fast, deterministic across platforms and Node versions. */
export function rng(seedText) {
  let a = createHash('sha256').update(seedText).digest().readUInt32LE(0);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

/** A realistic image digest: sha256 of a seeded build id. */
function digest(...parts) {
  return `sha256:${createHash('sha256').update(parts.join('/')).digest('hex')}`;
}

/** Sealed-secret ciphertext shape: base64 of a 512-byte blob whose first byte pair gives the usual `Ag…` prefix. */
function sealedValue(r) {
  const bytes = Buffer.alloc(512);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r.next() * 256);
  bytes[0] = 0x02;
  bytes[1] = 0x00;
  return bytes.toString('base64');
}

// ------------------------------------------------------------------------------------------------ model

/** The plan of the repo: teams, apps and what each app has. Pure data, derived from size + seed only. */
export function planRepo({ apps, teams, seed = DEFAULT_SEED }) {
  if (!Number.isInteger(apps) || apps < 1) throw new Error('apps must be a positive integer');
  if (!Number.isInteger(teams) || teams < 1) throw new Error('teams must be a positive integer');
  const r = rng(`${seed}:plan`);
  // Past the word lists (xlarge), names repeat with a round number: the smaller sizes stay byte-identical.
  const nth = (list, i) => (i < list.length ? list[i] : `${list[i % list.length]}${Math.floor(i / list.length) + 1}`);
  const teamNames = Array.from({ length: teams }, (_, i) => nth(TEAM_WORDS, i));
  // Every adjective × noun pair once, in a seeded order: unique names, none of them a store image name.
  const pairs = [];
  for (const a of APP_ADJ) for (const n of APP_NOUN) pairs.push(`${a}-${n}`);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  const appList = [];
  for (let i = 0; i < apps; i++) {
    const roll = r.next();
    appList.push({
      name: nth(pairs, i),
      team: teamNames[i % teams],
      web: r.chance(0.8),
      store: roll < 0.5 ? 'postgis' : roll < 0.8 ? 'minio' : null,
      version: `${r.int(1, 4)}.${r.int(0, 19)}.${r.int(0, 9)}`,
      apiReplicas: { dev: 1, stage: 2, prod: r.int(3, 5) },
      storageGi: { dev: 10, stage: r.pick([20, 50]), prod: r.pick([100, 200, 500]) },
      features: ['SEARCH', 'EXPORT', 'STORY_MAPS', 'BULK_EDIT', 'AUDIT_TRAIL'].filter(() => r.chance(0.6)),
      // dev runs the newest build; stage and prod the promoted one (prod ⊆ stage ⊆ dev history).
      builds: { dev: r.int(100, 999), promoted: r.int(10, 99) },
    });
  }
  return { seed, teams: teamNames, apps: appList };
}

/** Overlay paths the repo will have (what discovery must find), sorted. */
export function expectedOverlays(plan) {
  const out = ['bootstrap/overlays/default', 'core/gitops-controller'];
  for (const t of plan.teams) out.push(`core/${t}-baseline`);
  for (const a of plan.apps) for (const env of ENVS) out.push(`apps/${a.name}/overlays/${env}`);
  return out.sort();
}

/** Resources each overlay renders to (kustomize output documents), keyed by overlay path. */
export function expectedResourceCounts(plan) {
  const counts = {};
  for (const a of plan.apps) {
    for (const env of ENVS) {
      // api: SA, Role, RoleBinding, Deployment, Service, Route, NetworkPolicy, settings + features ConfigMaps
      let n = 9;
      if (a.web) n += 6; // SA, Deployment, Service, Route, NetworkPolicy, features ConfigMap
      if (a.store) n += 7; // SA, StatefulSet, Service, headless Service, 2 NetworkPolicies, credential
      if (env === 'prod') n += a.web ? 4 : 2; // PDB + HPA per Deployment
      counts[`apps/${a.name}/overlays/${env}`] = n;
    }
  }
  for (const t of plan.teams) counts[`core/${t}-baseline`] = 13; // 3 × (Namespace, NetworkPolicy, quota, limits) + store
  counts['core/gitops-controller'] = 1;
  // 2 Namespaces, OperatorGroup, Subscription, ArgoCD, 1 + teams Applications, 2 AppProjects, 2 ApplicationSets per team
  counts['bootstrap/overlays/default'] = 5 + 1 + plan.teams.length + 2 + 2 * plan.teams.length;
  return counts;
}

// ------------------------------------------------------------------------------------------------ files

const REPO_URL = 'https://git.example.org/kfm/desired-state.git';

function labels(app, component, indent, extra = {}) {
  const pad = ' '.repeat(indent);
  const pairs = { 'app.kubernetes.io/name': `${app.name}-${component}`, 'app.kubernetes.io/part-of': app.name, 'app.kubernetes.io/component': component, ...extra };
  return Object.entries(pairs)
    .map(([k, v]) => `${pad}${k}: ${/^[a-z0-9.-]+$/i.test(v) && v !== 'true' ? v : JSON.stringify(v)}`)
    .join('\n');
}

function appBaseFiles(app) {
  const f = {};
  const api = `${app.name}-api`;
  const web = `${app.name}-web`;
  const db = `${app.name}-db`;
  const resources = [
    'serviceaccount-api.yaml',
    'role-api.yaml',
    'rolebinding-api.yaml',
    'configmap-api-settings.yaml',
    'deployment-api.yaml',
    'service-api.yaml',
    'route-api.yaml',
    'networkpolicy-api-allow-router.yaml',
  ];
  const storeEnv =
    app.store === 'postgis'
      ? `
            - name: DB_HOST
              value: ${db}
            - name: DB_PORT
              value: "5432"
            - name: DB_USER
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: username
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: password`
      : app.store === 'minio'
        ? `
            - name: OBJECT_STORE_ENDPOINT
              value: http://${db}:9000
            - name: OBJECT_STORE_ACCESS_KEY_ID
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: api-access-key-id
            - name: OBJECT_STORE_SECRET_ACCESS_KEY
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: api-secret-access-key`
        : '';

  f['serviceaccount-api.yaml'] = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${api}
  labels:
${labels(app, 'api', 4)}
# The API reads its runtime ConfigMaps through the Kubernetes API, so it needs a token (see role-api.yaml).
automountServiceAccountToken: true
`;
  f['role-api.yaml'] = `# Read-only access to ConfigMaps in its own namespace (hot-reloaded settings). No Secrets, no writes.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${api}-config-reader
  labels:
${labels(app, 'api', 4)}
rules:
  - apiGroups:
      - ""
    resources:
      - configmaps
    verbs:
      - get
      - list
      - watch
`;
  f['rolebinding-api.yaml'] = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${api}-config-reader
  labels:
${labels(app, 'api', 4)}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${api}-config-reader
subjects:
  - kind: ServiceAccount
    name: ${api}
`;
  f['configmap-api-settings.yaml'] = `# Settings that do not change per environment; per-env flags come from the overlay's generator.
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${api}-settings
  labels:
${labels(app, 'api', 4)}
data:
  LOG_FORMAT: json
  HTTP_PORT: "8080"
  REQUEST_TIMEOUT_SECONDS: "30"
  CACHE_TTL_SECONDS: "300"
  OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector.observability.svc:4317
  OTEL_SERVICE_NAME: ${api}
`;
  f['deployment-api.yaml'] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${api}
  labels:
${labels(app, 'api', 4)}
spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${api}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
${labels(app, 'api', 8)}
        # The governed API: store NetworkPolicies admit only pods carrying this label.
        kfm.dev/governed-api: "true"
    spec:
      serviceAccountName: ${api}
      automountServiceAccountToken: true
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: api
          # The tag documents the release line; every overlay pins the digest.
          image: quay.io/kfm/${api}:${app.version}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          env:
            - name: APP_NAME
              value: ${app.name}${storeEnv}
          envFrom:
            - configMapRef:
                name: ${api}-settings
            - configMapRef:
                name: ${api}-features
          resources:
            requests:
              cpu: 100m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 512Mi
          startupProbe:
            httpGet:
              path: /healthz/live
              port: http
            periodSeconds: 5
            failureThreshold: 24
          livenessProbe:
            httpGet:
              path: /healthz/live
              port: http
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /healthz/ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
`;
  f['service-api.yaml'] = service(app, 'api', api, 'http', 8080);
  f['route-api.yaml'] = route(app, 'api', api);
  f['networkpolicy-api-allow-router.yaml'] = allowRouter(app, 'api', api);

  if (app.web) {
    resources.push('serviceaccount-web.yaml', 'deployment-web.yaml', 'service-web.yaml', 'route-web.yaml', 'networkpolicy-web-allow-router.yaml');
    f['serviceaccount-web.yaml'] = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${web}
  labels:
${labels(app, 'web', 4)}
automountServiceAccountToken: false
`;
    f['deployment-web.yaml'] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${web}
  labels:
${labels(app, 'web', 4)}
spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${web}
  template:
    metadata:
      labels:
${labels(app, 'web', 8)}
    spec:
      serviceAccountName: ${web}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: web
          image: quay.io/kfm/${web}:${app.version}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          envFrom:
            - configMapRef:
                name: ${web}-features
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              cpu: 250m
              memory: 128Mi
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 5
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          # nginx needs writable cache and pid locations; the image stays read-only.
          volumeMounts:
            - name: nginx-cache
              mountPath: /var/cache/nginx
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: nginx-cache
          emptyDir:
            sizeLimit: 64Mi
        - name: tmp
          emptyDir:
            sizeLimit: 16Mi
`;
    f['service-web.yaml'] = service(app, 'web', web, 'http', 8080);
    f['route-web.yaml'] = route(app, 'web', web);
    f['networkpolicy-web-allow-router.yaml'] = allowRouter(app, 'web', web);
  }

  if (app.store) {
    const pg = app.store === 'postgis';
    const port = pg ? 5432 : 9000;
    const portName = pg ? 'postgres' : 's3';
    const component = pg ? 'database' : 'object-store';
    const storeLabels = (indent) => labels(app, component, indent, { 'app.kubernetes.io/name': db, 'kfm.dev/tier': 'store' });
    resources.push(
      'serviceaccount-db.yaml',
      'statefulset-db.yaml',
      'service-db.yaml',
      'service-db-headless.yaml',
      'networkpolicy-db-default-deny-ingress.yaml',
      'networkpolicy-db-allow-governed-api.yaml',
    );
    f['serviceaccount-db.yaml'] = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${db}
  labels:
${labels(app, component, 4, { 'app.kubernetes.io/name': db })}
automountServiceAccountToken: false
`;
    const container = pg
      ? `        - name: postgis
          # The tag documents the PostgreSQL/PostGIS line; every overlay pins the digest.
          image: docker.io/postgis/postgis:16-3.4
          imagePullPolicy: IfNotPresent
          ports:
            - name: postgres
              containerPort: 5432
              protocol: TCP
          env:
            - name: POSTGRES_DB
              value: ${app.name.replace(/-/g, '_')}
            - name: POSTGRES_USER
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: username
            - name: POSTGRES_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: password
            - name: PGDATA
              value: /var/lib/postgresql/data/pgdata
          resources:
            requests:
              cpu: 250m
              memory: 512Mi
            limits:
              cpu: "2"
              memory: 2Gi
          readinessProbe:
            exec:
              command:
                - pg_isready
                - --host=127.0.0.1
                - --port=5432
            periodSeconds: 5
            timeoutSeconds: 3
          livenessProbe:
            exec:
              command:
                - pg_isready
                - --host=127.0.0.1
                - --port=5432
            periodSeconds: 15
            timeoutSeconds: 5
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
            - name: run
              mountPath: /var/run/postgresql
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: run
          emptyDir:
            sizeLimit: 16Mi
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi`
      : `        - name: minio
          image: quay.io/minio/minio:RELEASE.2024-11-07T00-52-20Z
          imagePullPolicy: IfNotPresent
          args:
            - server
            - /data
            - --address=:9000
          ports:
            - name: s3
              containerPort: 9000
              protocol: TCP
          env:
            - name: MINIO_ROOT_USER
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: root-user
            - name: MINIO_ROOT_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: ${db}-credentials
                  key: root-password
            # No web console: the only client is the governed API over S3.
            - name: MINIO_BROWSER
              value: "off"
          resources:
            requests:
              cpu: 100m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 1Gi
          livenessProbe:
            httpGet:
              path: /minio/health/live
              port: s3
            periodSeconds: 15
          readinessProbe:
            httpGet:
              path: /minio/health/ready
              port: s3
            periodSeconds: 5
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          volumeMounts:
            - name: data
              mountPath: /data
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi`;
    f['statefulset-db.yaml'] = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${db}
  labels:
${storeLabels(4)}
spec:
  serviceName: ${db}-headless
  replicas: 1
  podManagementPolicy: OrderedReady
  updateStrategy:
    type: RollingUpdate
  # Keep the data volume when the StatefulSet is deleted or scaled down.
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Retain
    whenScaled: Retain
  selector:
    matchLabels:
      app.kubernetes.io/name: ${db}
  template:
    metadata:
      labels:
${storeLabels(8)}
    spec:
      serviceAccountName: ${db}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
${container}
  volumeClaimTemplates:
    - metadata:
        name: data
        labels:
          app.kubernetes.io/name: ${db}
      spec:
        accessModes:
          - ReadWriteOnce
        resources:
          requests:
            storage: 10Gi
`;
    f['service-db.yaml'] = `# Store Service: ClusterIP only; the governed API is the only client.
apiVersion: v1
kind: Service
metadata:
  name: ${db}
  labels:
${storeLabels(4)}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${db}
  ports:
    - name: ${portName}
      port: ${port}
      targetPort: ${portName}
      protocol: TCP
`;
    f['service-db-headless.yaml'] = `# Governing Service of the StatefulSet (stable pod DNS names); headless.
apiVersion: v1
kind: Service
metadata:
  name: ${db}-headless
  labels:
${storeLabels(4)}
spec:
  type: ClusterIP
  clusterIP: None
  publishNotReadyAddresses: true
  selector:
    app.kubernetes.io/name: ${db}
  ports:
    - name: ${portName}
      port: ${port}
      targetPort: ${portName}
      protocol: TCP
`;
    f['networkpolicy-db-default-deny-ingress.yaml'] = `# The store carries its own default-deny, so it stays closed even where the team baseline is missing.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${db}-default-deny-ingress
  labels:
${labels(app, component, 4, { 'app.kubernetes.io/name': db })}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`;
    f['networkpolicy-db-allow-governed-api.yaml'] = `# The single way in: this app's governed API, on the store port.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${db}-allow-governed-api
  labels:
${labels(app, component, 4, { 'app.kubernetes.io/name': db })}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${db}
      kfm.dev/tier: store
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: ${api}
              kfm.dev/governed-api: "true"
      ports:
        - protocol: TCP
          port: ${port}
`;
  }

  f['kustomization.yaml'] = `# ${app.name} (team ${app.team}): governed API${app.web ? ', web front end' : ''}${app.store ? `, ${app.store} store` : ''}.
# Overlays set the namespace, pin images by digest, add feature flags, Route hosts and the store credential.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
${resources.map((r) => `  - ${r}`).join('\n')}
`;
  return f;
}

function service(app, component, name, portName, port) {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
${labels(app, component, 4)}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: ${portName}
      port: ${port}
      targetPort: ${portName}
      protocol: TCP
`;
}

function route(app, component, name) {
  return `# Public entry point (edge TLS, HTTP redirected). Each overlay sets spec.host.
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: ${name}
  labels:
${labels(app, component, 4)}
spec:
  to:
    kind: Service
    name: ${name}
    weight: 100
  port:
    targetPort: http
  tls:
    termination: edge
    insecureEdgeTerminationPolicy: Redirect
  wildcardPolicy: None
`;
}

function allowRouter(app, component, name) {
  return `# With default-deny ingress in every team namespace, only the OpenShift router reaches this component.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}-allow-router
  labels:
${labels(app, component, 4)}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              policy-group.network.openshift.io/ingress: ""
      ports:
        - protocol: TCP
          port: 8080
`;
}

function hostFor(app, component, env) {
  return env === 'prod' ? `${app.name}-${component}.apps.example.org` : `${app.name}-${component}.${env}.apps.example.org`;
}

function appOverlayFiles(app, env, r) {
  const f = {};
  const api = `${app.name}-api`;
  const web = `${app.name}-web`;
  const db = `${app.name}-db`;
  const ns = `kfm-${app.team}-${env}`;
  const resources = ['../../base'];
  const build = env === 'dev' ? app.builds.dev : app.builds.promoted;
  if (app.store === 'postgis') {
    resources.push(`sealedsecret-${db}-credentials.yaml`);
    f[`sealedsecret-${db}-credentials.yaml`] = `# Sealed with kubeseal (strict scope) for ${ns}: only that namespace can decrypt it, under this name.
# Re-seal rather than edit: \`kubeseal --scope strict -n ${ns} --format yaml < secret.yaml\`.
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: ${db}-credentials
  labels:
    app.kubernetes.io/name: ${db}
    app.kubernetes.io/part-of: ${app.name}
spec:
  encryptedData:
    username: ${sealedValue(r)}
    password: ${sealedValue(r)}
  template:
    metadata:
      name: ${db}-credentials
      labels:
        app.kubernetes.io/name: ${db}
        app.kubernetes.io/part-of: ${app.name}
    type: Opaque
`;
  } else if (app.store === 'minio') {
    resources.push(`externalsecret-${db}-credentials.yaml`);
    const key = `${env}/${app.name}/minio`;
    f[`externalsecret-${db}-credentials.yaml`] = `# MinIO credentials stay in Vault (${key}); only this reference is in Git.
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: ${db}-credentials
  labels:
    app.kubernetes.io/name: ${db}
    app.kubernetes.io/part-of: ${app.name}
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: ClusterSecretStore
    name: kfm-vault-${app.team}
  target:
    name: ${db}-credentials
    creationPolicy: Owner
    deletionPolicy: Retain
  data:
${['root-user', 'root-password', 'api-access-key-id', 'api-secret-access-key']
  .map(
    (p) => `    - secretKey: ${p}
      remoteRef:
        key: ${key}
        property: ${p}`,
  )
  .join('\n')}
`;
  }
  if (env === 'prod') {
    for (const [component, name] of [['api', api], ...(app.web ? [['web', web]] : [])]) {
      resources.push(`poddisruptionbudget-${component}.yaml`, `horizontalpodautoscaler-${component}.yaml`);
      f[`poddisruptionbudget-${component}.yaml`] = `# Keep at least two pods through node drains and cluster upgrades.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
  labels:
${labels(app, component, 4)}
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
`;
      f[`horizontalpodautoscaler-${component}.yaml`] = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
  labels:
${labels(app, component, 4)}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  minReplicas: ${component === 'api' ? app.apiReplicas.prod : 3}
  maxReplicas: ${component === 'api' ? app.apiReplicas.prod + 5 : 6}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: ${component === 'api' ? 70 : 75}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
`;
    }
  }

  const flag = (name, on) => `      - FEATURE_${name}=${on ? 'true' : 'false'}`;
  const enabled = (name) => env === 'dev' || (env === 'stage' ? app.features.indexOf(name) % 2 === 0 : false);
  const generators = [
    `  - name: ${api}-features
    options:
      labels:
        app.kubernetes.io/name: ${api}
        app.kubernetes.io/part-of: ${app.name}
    literals:
      - ENVIRONMENT=${env}
      - PUBLIC_BASE_URL=https://${hostFor(app, 'api', env)}
      - LOG_LEVEL=${env === 'dev' ? 'debug' : 'info'}
${app.features.map((n) => flag(n, enabled(n))).join('\n')}`.replace(/\n$/, ''),
  ];
  if (app.web) {
    generators.push(`  - name: ${web}-features
    options:
      labels:
        app.kubernetes.io/name: ${web}
        app.kubernetes.io/part-of: ${app.name}
    literals:
      - ENVIRONMENT=${env}
      - API_BASE_URL=https://${hostFor(app, 'api', env)}
      - FEEDBACK_WIDGET=${env === 'prod' ? 'false' : 'true'}`);
  }

  const patches = [
    `  - target:
      kind: Route
      name: ${api}
    patch: |-
      - op: add
        path: /spec/host
        value: ${hostFor(app, 'api', env)}`,
  ];
  if (app.web) {
    patches.push(`  - target:
      kind: Route
      name: ${web}
    patch: |-
      - op: add
        path: /spec/host
        value: ${hostFor(app, 'web', env)}`);
  }
  if (app.store) {
    const bigger = env === 'prod';
    patches.push(`  - target:
      kind: StatefulSet
      name: ${db}
    patch: |-
      - op: replace
        path: /spec/volumeClaimTemplates/0/spec/resources/requests/storage
        value: ${app.storageGi[env]}Gi${
          bigger
            ? `
      - op: replace
        path: /spec/template/spec/containers/0/resources
        value:
          requests:
            cpu: 500m
            memory: 2Gi
          limits:
            cpu: "4"
            memory: 8Gi`
            : ''
        }`);
  }

  const images = [
    { name: `quay.io/kfm/${api}`, d: digest(app.name, 'api', build) },
    ...(app.web ? [{ name: `quay.io/kfm/${web}`, d: digest(app.name, 'web', build) }] : []),
    ...(app.store === 'postgis' ? [{ name: 'docker.io/postgis/postgis', d: digest('postgis', '16-3.4', env === 'dev' ? 2 : 1) }] : []),
    ...(app.store === 'minio' ? [{ name: 'quay.io/minio/minio', d: digest('minio', 'RELEASE.2024-11-07', env === 'dev' ? 2 : 1) }] : []),
  ];

  f['kustomization.yaml'] = `# ${app.name} in ${env}${env === 'dev' ? ': newest CI build' : env === 'stage' ? ': release candidate promoted from dev' : ': promoted from stage, autoscaled, disruption budgets'}.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

namespace: ${ns}

resources:
${resources.map((x) => `  - ${x}`).join('\n')}

components:
  - ../../../../components/app-defaults

labels:
  - pairs:
      kfm.dev/env: ${env}
      kfm.dev/team: ${app.team}

# Feature flags and non-secret settings; the hash suffix rolls the pods when a flag changes.
configMapGenerator:
${generators.join('\n')}

patches:
${patches.join('\n')}
${
  env === 'dev'
    ? ''
    : `
replicas:
  - name: ${api}
    count: ${app.apiReplicas[env]}
`
}
# Pinned by digest in every environment; promotion rewrites only the digests below.
images:
${images.map((i) => `  - name: ${i.name}\n    newName: ${i.name}\n    digest: ${i.d}`).join('\n')}
`;
  return f;
}

function componentFiles() {
  return {
    'kustomization.yaml': `# Defaults every app overlay pulls in: scrape annotations on the pods and the managed-by label.
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component

labels:
  - pairs:
      app.kubernetes.io/managed-by: argocd

patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/metadata/annotations
        value:
          prometheus.io/scrape: "true"
          prometheus.io/port: "8080"
          prometheus.io/path: /metrics
`,
  };
}

function teamBaselineFiles(team) {
  const envs = ENVS.map((env) => ({ env, ns: `kfm-${team}-${env}` }));
  const quota = { dev: ['4', '8Gi', '12', '24Gi', '100Gi'], stage: ['6', '12Gi', '16', '32Gi', '200Gi'], prod: ['12', '24Gi', '24', '48Gi', '1Ti'] };
  return {
    'kustomization.yaml': `# Platform baseline for team ${team}: namespaces, default-deny ingress, quotas, limit ranges and the team's
# secret store. Namespaced objects carry their namespace explicitly (one per environment).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - namespaces.yaml
  - default-deny-ingress.yaml
  - resourcequotas.yaml
  - limitranges.yaml
  - clustersecretstore.yaml

labels:
  - pairs:
      app.kubernetes.io/part-of: kfm-platform
      kfm.dev/team: ${team}
`,
    'namespaces.yaml': envs
      .map(
        ({ env, ns }) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    kfm.dev/env: ${env}
    argocd.argoproj.io/managed-by: openshift-gitops
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
`,
      )
      .join('---\n'),
    'default-deny-ingress.yaml': envs
      .map(
        ({ ns }) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`,
      )
      .join('---\n'),
    'resourcequotas.yaml': envs
      .map(({ env, ns }) => {
        const [rc, rm, lc, lm, st] = quota[env];
        return `apiVersion: v1
kind: ResourceQuota
metadata:
  name: team-quota
  namespace: ${ns}
spec:
  hard:
    requests.cpu: "${rc}"
    requests.memory: ${rm}
    limits.cpu: "${lc}"
    limits.memory: ${lm}
    requests.storage: ${st}
    persistentvolumeclaims: "10"
    # No externally exposed Services: traffic enters through Routes only.
    services.loadbalancers: "0"
    services.nodeports: "0"
`;
      })
      .join('---\n'),
    'limitranges.yaml': envs
      .map(
        ({ ns }) => `apiVersion: v1
kind: LimitRange
metadata:
  name: container-defaults
  namespace: ${ns}
spec:
  limits:
    - type: Container
      defaultRequest:
        cpu: 50m
        memory: 64Mi
      default:
        cpu: 250m
        memory: 256Mi
`,
      )
      .join('---\n'),
    'clustersecretstore.yaml': `# Team ${team}'s view of Vault: only its own namespaces may use it (KV v2 mount kfm-${team}).
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: kfm-vault-${team}
spec:
  provider:
    vault:
      server: https://vault.example.org
      path: kfm-${team}
      version: v2
      auth:
        kubernetes:
          mountPath: kubernetes
          role: kfm-${team}-external-secrets
          serviceAccountRef:
            name: external-secrets
            namespace: external-secrets
  conditions:
    - namespaces:
${envs.map(({ ns }) => `        - ${ns}`).join('\n')}
`,
  };
}

function application(name, path, wave, comment) {
  return `# ${comment}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: openshift-gitops
  annotations:
    argocd.argoproj.io/sync-wave: "${wave}"
spec:
  project: kfm-platform
  source:
    repoURL: ${REPO_URL}
    targetRevision: main
    path: ${path}
  destination:
    server: https://kubernetes.default.svc
    namespace: openshift-gitops
  syncPolicy:
    automated:
      prune: false
      selfHeal: true
    retry:
      limit: 5
      backoff:
        duration: 10s
        factor: 2
        maxDuration: 5m
`;
}

function bootstrapFiles(plan) {
  const base = {};
  const resources = [
    'gitops-operator-namespace.yaml',
    'gitops-operator-operatorgroup.yaml',
    'gitops-operator-subscription.yaml',
    'argocd-namespace.yaml',
    'argocd.yaml',
    'application-kfm-gitops-controller.yaml',
  ];
  base['gitops-operator-namespace.yaml'] = `apiVersion: v1
kind: Namespace
metadata:
  name: openshift-gitops-operator
  annotations:
    argocd.argoproj.io/sync-wave: "-3"
`;
  base['gitops-operator-operatorgroup.yaml'] = `# No targetNamespaces: the GitOps operator watches all namespaces.
apiVersion: operators.coreos.com/v1
kind: OperatorGroup
metadata:
  name: openshift-gitops-operator
  namespace: openshift-gitops-operator
  annotations:
    argocd.argoproj.io/sync-wave: "-3"
spec:
  upgradeStrategy: Default
`;
  base['gitops-operator-subscription.yaml'] = `apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: openshift-gitops-operator
  namespace: openshift-gitops-operator
  annotations:
    argocd.argoproj.io/sync-wave: "-2"
spec:
  channel: gitops-1.16
  installPlanApproval: Automatic
  name: openshift-gitops-operator
  source: redhat-operators
  sourceNamespace: openshift-marketplace
`;
  base['argocd-namespace.yaml'] = `apiVersion: v1
kind: Namespace
metadata:
  name: openshift-gitops
  labels:
    openshift.io/cluster-monitoring: "true"
  annotations:
    argocd.argoproj.io/sync-wave: "-2"
`;
  base['argocd.yaml'] = `# The cluster's Argo CD instance, HA.
apiVersion: argoproj.io/v1beta1
kind: ArgoCD
metadata:
  name: openshift-gitops
  namespace: openshift-gitops
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true
spec:
  ha:
    enabled: true
  controller:
    resources:
      requests:
        cpu: "1"
        memory: 2Gi
      limits:
        cpu: "4"
        memory: 8Gi
  server:
    replicas: 2
    route:
      enabled: true
      tls:
        termination: reencrypt
        insecureEdgeTerminationPolicy: Redirect
  repo:
    replicas: 3
  resourceTrackingMethod: annotation
  rbac:
    defaultPolicy: ""
    scopes: "[groups]"
    policy: |
      g, system:cluster-admins, role:admin
      g, kfm-platform-admins, role:admin
`;
  base['application-kfm-gitops-controller.yaml'] = application(
    'kfm-gitops-controller',
    'core/gitops-controller',
    -1,
    'The controller syncs its own configuration (core/gitops-controller → bootstrap/overlays/default).',
  );
  for (const team of plan.teams) {
    const file = `application-kfm-core-${team}-baseline.yaml`;
    resources.push(file);
    base[file] = application(`kfm-core-${team}-baseline`, `core/${team}-baseline`, -1, `Team ${team}'s namespaces and guard rails, synced before its workloads.`);
  }
  base['kustomization.yaml'] = `# Bootstrap: what a fresh cluster needs before Argo CD takes over.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
${resources.map((x) => `  - ${x}`).join('\n')}

labels:
  - pairs:
      app.kubernetes.io/part-of: kfm-platform
`;
  const overlay = {
    'kustomization.yaml': `# The single-cluster bootstrap: base + AppProjects + tenant ApplicationSets.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - ../../base

components:
  - ../../../components/argocdproj
  - ../../../components/applicationsets
`,
  };
  return { base, overlay };
}

function argocdProjectFiles() {
  const envDest = ENVS.map((env) => `    - server: https://kubernetes.default.svc\n      namespace: kfm-*-${env}`).join('\n');
  return {
    'kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component

resources:
  - appproject-kfm-platform.yaml
  - appproject-kfm-apps.yaml
`,
    'appproject-kfm-apps.yaml': `# Tenant workloads (apps/*): only this repository, only team namespaces, no cluster-scoped kinds.
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: kfm-apps
  namespace: openshift-gitops
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
spec:
  description: KFM team workloads in dev, stage and prod
  sourceRepos:
    - ${REPO_URL}
  destinations:
${envDest}
  clusterResourceWhitelist: []
  namespaceResourceBlacklist:
    - group: ""
      kind: ResourceQuota
    - group: ""
      kind: LimitRange
  orphanedResources:
    warn: true
`,
    'appproject-kfm-platform.yaml': `# Platform-owned state (bootstrap/ and core/); every kind listed explicitly.
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: kfm-platform
  namespace: openshift-gitops
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
spec:
  description: KFM platform - GitOps controller, AppProjects, ApplicationSets and team baselines
  sourceRepos:
    - ${REPO_URL}
  destinations:
    - server: https://kubernetes.default.svc
      namespace: openshift-gitops
    - server: https://kubernetes.default.svc
      namespace: openshift-gitops-operator
${envDest}
  clusterResourceWhitelist:
    - group: ""
      kind: Namespace
    - group: external-secrets.io
      kind: ClusterSecretStore
  namespaceResourceWhitelist:
    - group: argoproj.io
      kind: ArgoCD
    - group: argoproj.io
      kind: AppProject
    - group: argoproj.io
      kind: Application
    - group: argoproj.io
      kind: ApplicationSet
    - group: operators.coreos.com
      kind: OperatorGroup
    - group: operators.coreos.com
      kind: Subscription
    - group: networking.k8s.io
      kind: NetworkPolicy
    - group: ""
      kind: ResourceQuota
    - group: ""
      kind: LimitRange
  orphanedResources:
    warn: true
`,
  };
}

function applicationSetFiles(plan) {
  const files = {};
  const resources = [];
  for (const team of plan.teams) {
    const apps = plan.apps.filter((a) => a.team === team);
    for (const kind of ['nonprod', 'prod']) {
      const envs = kind === 'prod' ? ['prod'] : ['dev', 'stage'];
      const elements = [];
      for (const a of apps) for (const env of envs) elements.push(`          - app: ${a.name}\n            env: ${env}\n            namespace: kfm-${team}-${env}`);
      const file = `tenants-${team}-${kind}.yaml`;
      resources.push(file);
      const sync =
        kind === 'prod'
          ? `      # Prod Applications are generated but synced by a release manager.
      syncPolicy:
        syncOptions:
          - PruneLast=true`
          : `      syncPolicy:
        automated:
          prune: true
          selfHeal: true
        syncOptions:
          - PruneLast=true`;
      files[file] = `# Team ${team}, ${kind}: one Application per app × env.
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: tenants-${team}-${kind}
  namespace: openshift-gitops
${kind === 'prod' ? 'spec:\n  syncPolicy:\n    preserveResourcesOnDeletion: true\n  generators:' : 'spec:\n  generators:'}
    - list:
        elements:
${elements.length > 0 ? elements.join('\n') : '          []'}
  template:
    metadata:
      name: "{{app}}-{{env}}"
      labels:
        kfm.dev/app: "{{app}}"
        kfm.dev/env: "{{env}}"
        kfm.dev/team: ${team}
    spec:
      project: kfm-apps
      source:
        repoURL: ${REPO_URL}
        targetRevision: main
        path: "apps/{{app}}/overlays/{{env}}"
      destination:
        server: https://kubernetes.default.svc
        namespace: "{{namespace}}"
${sync}
`;
    }
  }
  files['kustomization.yaml'] = `# Tenant ApplicationSets, two per team (nonprod automated, prod manual).
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component

resources:
${resources.map((x) => `  - ${x}`).join('\n')}
`;
  return files;
}

/** Every file of the repo as { relativePath: content }. */
export function repoFiles(plan) {
  const files = {};
  const put = (dir, map) => {
    for (const [name, text] of Object.entries(map)) files[`${dir}/${name}`] = text;
  };
  for (const app of plan.apps) {
    put(`apps/${app.name}/base`, appBaseFiles(app));
    for (const env of ENVS) put(`apps/${app.name}/overlays/${env}`, appOverlayFiles(app, env, rng(`${plan.seed}:${app.name}:${env}`)));
  }
  put('components/app-defaults', componentFiles());
  put('components/argocdproj', argocdProjectFiles());
  put('components/applicationsets', applicationSetFiles(plan));
  for (const team of plan.teams) put(`core/${team}-baseline`, teamBaselineFiles(team));
  put('core/gitops-controller', {
    'kustomization.yaml': `# Self-management: the controller syncs its own bootstrap overlay from Git.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - application-kfm-bootstrap.yaml

labels:
  - pairs:
      app.kubernetes.io/part-of: kfm-platform
`,
    'application-kfm-bootstrap.yaml': application('kfm-bootstrap', 'bootstrap/overlays/default', 0, 'Reconciles bootstrap/overlays/default; no automatic prune of the controller itself.'),
  });
  const boot = bootstrapFiles(plan);
  put('bootstrap/base', boot.base);
  put('bootstrap/overlays/default', boot.overlay);
  files['.gitignore'] = '.kfm-gitops/\n';
  files['README.md'] = `# Synthetic desired-state repo (kfm-gitops benchmark)

Generated by bench/generate.mjs (seed \`${plan.seed}\`, generator v${GENERATOR_VERSION}): ${plan.apps.length} apps of
${plan.teams.length} teams × dev/stage/prod, shaped like infra/gitops. Do not edit: regenerate.
`;
  return files;
}

// ------------------------------------------------------------------------------------------------ broken overlays

/**
 * Makes round(fraction × overlays) app overlays fail to render, chosen by the seed, in place in `files`; returns their
 * paths, sorted. Two deterministic kustomize failures, alternating (kustomize exits 1 the same way on every run, so a
 * check may reuse the result — what the broken bench measures): a resource file that does not exist, and a JSON
 * patch whose `test` operation fails. Nothing else changes, so every other overlay and file stays as clean.
 */
export function breakOverlays(files, plan, fraction) {
  if (!(fraction > 0)) return [];
  const candidates = plan.apps.flatMap((app) => ENVS.map((env) => `apps/${app.name}/overlays/${env}`));
  const want = Math.min(candidates.length, Math.round(fraction * expectedOverlays(plan).length));
  const random = rng(`${plan.seed}:broken`);
  const pool = [...candidates];
  const chosen = [];
  while (chosen.length < want) chosen.push(pool.splice(random.int(0, pool.length - 1), 1)[0]);
  chosen.sort();
  chosen.forEach((overlay, i) => {
    const file = `${overlay}/kustomization.yaml`;
    const text = files[file];
    if (i % 2 === 1 && /^patches:\n/m.test(text)) {
      files[file] = text.replace(
        /^patches:\n/m,
        'patches:\n  - target:\n      kind: Deployment\n    patch: |-\n      - op: test\n        path: /metadata/name\n        value: bench-broken-overlay\n',
      );
    } else {
      files[file] = text.replace(/^resources:\n/m, 'resources:\n  - bench-broken-missing.yaml\n');
    }
    if (files[file] === text) throw new Error(`could not break ${overlay}: its kustomization has no resources or patches list`);
  });
  return chosen;
}

// ------------------------------------------------------------------------------------------------ writing

/**
 * Writes the repo into `out` (emptied first when `force`), commits it (unless git: false) and returns the plan and
 * what a check must find. Files are written sorted so the commit is reproducible.
 */
export function generateRepo({ out, size = 'medium', apps, teams, seed = DEFAULT_SEED, broken = 0, force = false, git = true }) {
  const shape = SIZES[size];
  if (!shape && (apps === undefined || teams === undefined)) throw new Error(`unknown size ${JSON.stringify(size)} (${Object.keys(SIZES).join(', ')})`);
  const plan = planRepo({ apps: apps ?? shape.apps, teams: teams ?? shape.teams, seed });
  const dir = resolve(out);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!force) throw new Error(`${dir} is not empty (pass --force to replace it)`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const files = repoFiles(plan);
  const brokenOverlays = breakOverlays(files, plan, broken);
  let bytes = 0;
  for (const rel of Object.keys(files).sort()) {
    const abs = join(dir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, files[rel]);
    bytes += Buffer.byteLength(files[rel]);
  }
  if (git) commitAll(dir, `synthetic desired state: ${plan.apps.length} apps, ${plan.teams.length} teams (seed ${seed}${broken > 0 ? `, ${brokenOverlays.length} broken overlays` : ''})`);
  const overlays = expectedOverlays(plan);
  const counts = expectedResourceCounts(plan);
  const manifest = {
    generator: GENERATOR_VERSION,
    size: shape ? size : 'custom',
    seed,
    apps: plan.apps.length,
    teams: plan.teams.length,
    overlays: overlays.length,
    resources: Object.values(counts).reduce((a, b) => a + b, 0),
    files: Object.keys(files).length,
    bytes,
    // A base file whose change affects exactly its app's three overlays (what `--changed-since` is measured with).
    touchFile: `apps/${plan.apps[0].name}/base/configmap-api-settings.yaml`,
    touchedOverlays: ENVS.map((env) => `apps/${plan.apps[0].name}/overlays/${env}`),
    // Overlays made to fail to render (--broken): each is one render finding, the rest of the repo stays clean.
    broken: { fraction: broken, overlays: brokenOverlays },
  };
  return { dir, plan, manifest, overlays, resourceCounts: counts };
}

function commitAll(dir, message) {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'kfm-bench',
    GIT_AUTHOR_EMAIL: 'bench@example.org',
    GIT_COMMITTER_NAME: 'kfm-bench',
    GIT_COMMITTER_EMAIL: 'bench@example.org',
    GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const git = (...args) => execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, env, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', message);
}

// ------------------------------------------------------------------------------------------------ CLI

function parseArgs(argv) {
  const opts = { size: 'medium', seed: DEFAULT_SEED, force: false, git: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--size') opts.size = value();
    else if (a === '--out') opts.out = value();
    else if (a === '--seed') opts.seed = value();
    else if (a === '--apps') opts.apps = Number(value());
    else if (a === '--teams') opts.teams = Number(value());
    else if (a === '--broken') opts.broken = Number(value());
    else if (a === '--force') opts.force = true;
    else if (a === '--no-git') opts.git = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.out) throw new Error('--out <dir> is required');
  if (!(opts.broken === undefined || (opts.broken >= 0 && opts.broken < 1))) throw new Error('--broken is a fraction in [0, 1)');
  return opts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    const { dir, manifest } = generateRepo(parseArgs(process.argv.slice(2)));
    console.log(JSON.stringify({ dir, ...manifest }, null, 2));
  } catch (err) {
    console.error(`generate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
