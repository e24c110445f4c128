/** A hand-built report with every shape of finding the CI formatters must handle. */
import type { Finding, Report, RuleDoc } from '../../src/types.js';

/** Quotes kustomize/PR content: workflow-command injection, XML specials, control characters, a lone surrogate. */
export const HOSTILE = 'bad: 100%, a,b\r\n::set-output name=x::y <script>&amp; "q" \'s\' \u0000\u001b[31m\ud800 ✓';

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kfm-dev', name: 'kfm-api' };

export const findings: Finding[] = [
  {
    ruleId: 'KFM-SCHEMA-001',
    category: 'schema',
    severity: 'error',
    message: 'spec.replicas must be integer',
    overlay: 'apps/kfm-api/overlays/dev',
    resource: deployment,
    path: 'spec.replicas',
    file: 'apps/kfm-api/base/deployment.yaml',
    line: 9,
    column: 13,
    fingerprint: 'fp-schema-dev',
  },
  {
    ruleId: 'KFM-SCHEMA-001',
    category: 'schema',
    severity: 'error',
    message: 'spec.replicas must be integer',
    overlay: 'apps/kfm-api/overlays/prod',
    resource: { ...deployment, namespace: 'kfm-prod' },
    path: 'spec.replicas',
    file: 'apps/kfm-api/base/deployment.yaml',
    line: 9,
    column: 13,
    fingerprint: 'fp-schema-prod',
  },
  {
    ruleId: 'KFM-DP-001',
    category: 'policy',
    severity: 'warning',
    message: HOSTILE,
    overlay: 'apps/kfm-api/overlays/prod',
    resource: { ...deployment, namespace: 'kfm-prod' },
    path: 'spec.template.spec.containers[0].image',
    file: 'apps/kfm-api/overlays/prod/kustomization.yaml',
    line: 12,
    fingerprint: 'fp-dp-prod',
  },
  {
    ruleId: 'KFM-RENDER-001',
    category: 'render',
    severity: 'error',
    message: 'kustomize: accumulating resources: missing.yaml: no such file (exit status 1)',
    overlay: 'apps/kfm-api/overlays/stage',
    file: 'apps/kfm-api/overlays/stage/kustomization.yaml',
    line: 4,
    fingerprint: 'fp-render-stage',
  },
  {
    ruleId: 'KFM-SEC-001',
    category: 'secret',
    severity: 'info',
    message: 'a token-like value in a ConfigMap',
    overlay: 'apps/kfm-api/overlays/dev',
    file: 'apps/kfm-api/base/config map.yaml',
    line: 3,
    fingerprint: 'fp-sec-dev',
  },
  {
    ruleId: 'KFM-CONFIG-001',
    category: 'config',
    severity: 'error',
    message: 'exception for KFM-DP-001 expired on 2020-01-01',
    file: '/home/ci/repo/kfm-gitops.yaml',
    line: 7,
    fingerprint: 'fp-config',
  },
  {
    ruleId: 'KFM-POLICY-999',
    category: 'policy',
    severity: 'error',
    message: 'the policy check failed and could not vouch for anything: wasm trap',
    fingerprint: 'fp-check-failed',
  },
];

export const suppressed: Finding[] = [
  {
    ruleId: 'KFM-DP-001',
    category: 'policy',
    severity: 'error',
    message: 'image is not pinned by digest',
    overlay: 'apps/kfm-api/overlays/dev',
    resource: deployment,
    path: 'spec.template.spec.containers[1].image',
    file: 'apps/kfm-api/base/deployment.yaml',
    line: 30,
    fingerprint: 'fp-suppressed-exception',
    suppressed: {
      reason: 'vendor image not mirrored (TICKET-1)',
      owner: 'platform',
      expires: '2099-01-31',
      by: 'exception',
    },
  },
  {
    ruleId: 'KFM-SEC-001',
    category: 'secret',
    severity: 'error',
    message: 'a password-like value',
    file: 'docs/example.yaml',
    line: 2,
    fingerprint: 'fp-suppressed-inline',
    suppressed: { reason: 'documented example', by: 'inline' },
  },
];

export function sampleReport(): Report {
  return {
    tool: {
      name: 'kfm-gitops',
      version: '0.1.0',
      kustomize: 'v5.7.1',
      kustomizeCommand: 'kustomize',
      kubernetesVersion: '1.33',
    },
    summary: {
      overlays: 3,
      resources: 9,
      findings: { error: 5, warning: 1, info: 1 },
      suppressed: 2,
      rendered: 2,
      cachedRenders: 0,
      durationMs: 1234,
    },
    overlays: [
      { path: 'apps/kfm-api/overlays/dev', env: 'dev', layer: 'apps', resources: 5, status: 'ok' },
      { path: 'apps/kfm-api/overlays/prod', env: 'prod', layer: 'apps', resources: 4, status: 'ok', cached: true },
      { path: 'apps/kfm-api/overlays/stage', env: 'stage', layer: 'apps', resources: 0, status: 'render-error' },
    ],
    findings: structuredClone(findings),
    suppressed: structuredClone(suppressed),
    skipped: [{ path: 'apps/kfm-ui/overlays/dev', reason: 'not changed since origin/main' }],
  };
}

export const sampleRules: RuleDoc[] = [
  {
    id: 'KFM-SCHEMA-001',
    title: 'Schema violation',
    category: 'schema',
    severity: 'error',
    description: 'The resource does not conform to its schema.',
    remediation: 'Fix the field named in the message.',
  },
  {
    id: 'KFM-DP-001',
    title: 'Image not pinned by digest',
    category: 'policy',
    severity: 'error',
    description: 'Stage and prod must run images by digest.',
    remediation: 'Use `kfm-gitops promote` to pin the digest.',
  },
  {
    id: 'KFM-ARGO-001',
    title: 'Unused rule in this report',
    category: 'policy',
    severity: 'warning',
    description: 'Listed to show that every documented rule is in the SARIF rules.',
    remediation: 'Nothing.',
  },
];
