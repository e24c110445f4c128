/** Temp copies of infra/gitops for the issue-14 e2e tests, and the manifests they plant in them. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { repoRoot } from '../helpers.js';

export interface Copy {
  /** The top of the temp repo (a Git work tree holding infra/gitops). */
  top: string;
  /** Its infra/gitops. */
  root: string;
  cleanup: () => void;
}

/** A temp Git repo with infra/gitops copied in, as the project's own repo is laid out. */
export function gitCopy(): Copy {
  const top = mkdtempSync(join(tmpdir(), 'kfm-coverage-'));
  const root = join(top, 'infra', 'gitops');
  mkdirSync(root, { recursive: true });
  cpSync(join(repoRoot, 'infra', 'gitops'), root, { recursive: true, filter: (src) => !src.includes('.kfm-gitops') });
  execFileSync('git', ['init', '-q', top]);
  return { top, root, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}

/** A fresh git copy for each test of the enclosing describe, removed after it (read its fields inside tests). */
export function freshGitCopy(): Copy {
  let current: Copy | undefined;
  beforeEach(() => {
    current = gitCopy();
  });
  afterEach(() => current?.cleanup());
  const now = (): Copy => {
    if (!current) throw new Error('the copy exists only inside a test');
    return current;
  };
  return {
    get top() {
      return now().top;
    },
    get root() {
      return now().root;
    },
    cleanup: () => now().cleanup(),
  };
}

/**
 * Adds files (Applications, mostly) to the gitops controller overlay, an app of apps, listed in its resources;
 * `kustomization` text is appended to its kustomization.
 */
export function addToController(root: string, files: Record<string, string | Buffer>, kustomization = ''): void {
  const controller = join(root, 'core', 'gitops-controller');
  for (const [file, content] of Object.entries(files)) writeFileSync(join(controller, file), content);
  const kfile = join(controller, 'kustomization.yaml');
  const listed = Object.keys(files)
    .map((f) => `  - ${f}\n`)
    .join('');
  writeFileSync(
    kfile,
    readFileSync(kfile, 'utf8').replace(
      '  - application-kfm-bootstrap.yaml\n',
      `  - application-kfm-bootstrap.yaml\n${listed}`,
    ) + kustomization,
  );
}

/** What a careless or hostile folder deploys: every pod of kfm-dev's default ServiceAccount is cluster-admin. */
export const CLUSTER_ADMIN_ROLEBINDING = [
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: RoleBinding',
  'metadata:',
  '  name: everyone-admin',
  '  namespace: kfm-dev',
  'roleRef:',
  '  apiGroup: rbac.authorization.k8s.io',
  '  kind: ClusterRole',
  '  name: cluster-admin',
  'subjects:',
  '  - kind: ServiceAccount',
  '    name: default',
  '    namespace: kfm-dev',
  '',
].join('\n');

/**
 * An Application of the KFM project deploying `path` of its repository (to kfm-dev under kfm-platform unless `where`
 * says otherwise); `extra` lines go in its source.
 */
export const application = (
  name: string,
  path: string,
  extra = '',
  where: { namespace?: string; project?: string } = {},
): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Application',
    'metadata:',
    `  name: ${name}`,
    '  namespace: openshift-gitops',
    'spec:',
    `  project: ${where.project ?? 'kfm-platform'}`,
    '  source:',
    '    repoURL: https://git.example.org/kfm/kfm.git',
    '    targetRevision: main',
    `    path: ${path}`,
    ...(extra ? [extra] : []),
    '  destination:',
    '    server: https://kubernetes.default.svc',
    `    namespace: ${where.namespace ?? 'kfm-dev'}`,
    '',
  ].join('\n');

/**
 * The overlays deploying to kfm-prod, and the platform overlays (every env's context): a changed-only run that
 * selects one checks them all (select/siblings.ts).
 */
export const PROD_NAMESPACE = [
  'apps/kfm-api/overlays/prod',
  'apps/kfm-ui/overlays/prod',
  'apps/minio/overlays/prod',
  'apps/postgis/overlays/prod',
  'bootstrap/overlays/default',
  'core/baseline',
  'core/gitops-controller',
];
