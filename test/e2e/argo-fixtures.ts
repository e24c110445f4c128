/** Manifests the Argo CD e2e tests plant in a copy of infra/gitops. */

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
