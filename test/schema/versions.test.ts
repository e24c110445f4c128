/**
 * Kubernetes releases 1.27 to the newest: each one validates with its own definitions, an API removed in a release
 * is reported for that release only, and the enumerations the API documents are enforced in every release.
 */
import { describe, expect, it } from 'vitest';
import { kubernetesVersionFor } from '../../src/cli/context.js';
import { shippedKubernetesVersions } from '../../src/checks/schema/index.js';
import { kubernetesForOpenShift, OPENSHIFT_KUBERNETES } from '../../src/checks/schema/openshift.js';
import { checkText } from './helpers.js';

const flowSchema = (apiVersion: string): string => `apiVersion: ${apiVersion}
kind: FlowSchema
metadata:
  name: probes
spec:
  priorityLevelConfiguration:
    name: exempt
  matchingPrecedence: 1000
  rules:
    - subjects:
        - kind: Group
          group:
            name: system:unauthenticated
      nonResourceRules:
        - verbs: ['get']
          nonResourceURLs: ['/healthz']
`;

const pod = (pullPolicy: string, extra = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      imagePullPolicy: ${pullPolicy}
${extra}`;

describe('Kubernetes releases', () => {
  it('flowcontrol v1beta2 is served (deprecated) up to 1.28 and reported as removed from 1.29 on', async () => {
    for (const release of ['1.27', '1.28']) {
      const found = await checkText(flowSchema('flowcontrol.apiserver.k8s.io/v1beta2'), { kubernetesVersion: release });
      // Served, so validated: only the notice that it goes away in 1.29.
      expect(found.map((f) => f.ruleId)).toEqual(['KFM-SCHEMA-006']);
      expect(found[0].message).toContain('is deprecated since Kubernetes 1.26 and removed in 1.29');
    }
    const removed = await checkText(flowSchema('flowcontrol.apiserver.k8s.io/v1beta2'), { kubernetesVersion: '1.29' });
    expect(removed.map((f) => [f.ruleId, f.path])).toEqual([['KFM-SCHEMA-006', 'apiVersion']]);
    expect(removed[0].message).toContain('is no longer served since Kubernetes 1.29 (validating for 1.29)');
    // Removed means not validated further: a broken spec gets no other finding.
    const broken = flowSchema('flowcontrol.apiserver.k8s.io/v1beta2').replace(
      'matchingPrecedence: 1000',
      'matchingPrecedence: high',
    );
    expect((await checkText(broken, { kubernetesVersion: '1.28' })).map((f) => f.ruleId).sort()).toEqual([
      'KFM-SCHEMA-001',
      'KFM-SCHEMA-006',
    ]);
    expect((await checkText(broken, { kubernetesVersion: '1.29' })).map((f) => f.ruleId)).toEqual(['KFM-SCHEMA-006']);
    expect(await checkText(flowSchema('flowcontrol.apiserver.k8s.io/v1'), { kubernetesVersion: '1.29' })).toEqual([]);
  });

  it('a kind new in a release is unknown before it (ValidatingAdmissionPolicy v1 arrived in 1.30)', async () => {
    const vap = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [deployments]
  validations:
    - expression: object.spec.replicas <= 5
`;
    expect(await checkText(vap, { kubernetesVersion: '1.30' })).toEqual([]);
    expect((await checkText(vap, { kubernetesVersion: '1.29' })).map((f) => f.ruleId)).toEqual(['KFM-SCHEMA-005']);
  });

  it.each(['1.27', '1.33', '1.37'])('%s: imagePullPolicy: Sometimes is KFM-SCHEMA-001 at its line', async (release) => {
    const found = await checkText(pod('Sometimes'), { kubernetesVersion: release });
    expect(found.map((f) => [f.ruleId, f.path, f.line])).toEqual([
      ['KFM-SCHEMA-001', 'spec.containers[0].imagePullPolicy', 9],
    ]);
    expect(found[0].message).toContain('`IfNotPresent`');
  });

  it('documented values, the empty string (defaulted) and null (absent) pass', async () => {
    for (const v of ['Always', 'IfNotPresent', 'Never', '""', 'null']) expect(await checkText(pod(v))).toEqual([]);
  });

  it('other enumerations: Service type, port protocol, restart policy, toleration operator, access modes', async () => {
    const text = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: Internal
  ports:
    - port: 80
      protocol: HTTP
---
${pod('Always', '  restartPolicy: Sometimes\n  tolerations:\n    - key: a\n      operator: Maybe\n')}---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteSometimes]
  resources:
    requests:
      storage: 1Gi
`;
    const found = await checkText(text);
    expect(found.map((f) => [f.ruleId, f.path]).sort()).toEqual(
      [
        ['KFM-SCHEMA-001', 'spec.type'],
        ['KFM-SCHEMA-001', 'spec.ports[0].protocol'],
        ['KFM-SCHEMA-001', 'spec.restartPolicy'],
        ['KFM-SCHEMA-001', 'spec.tolerations[0].operator'],
        ['KFM-SCHEMA-001', 'spec.accessModes[0]'],
      ].sort(),
    );
  });
});

describe('--openshift-version', () => {
  it('maps each OpenShift release to the Kubernetes release it runs, and every one ships', () => {
    expect(kubernetesForOpenShift('4.14')).toBe('1.27');
    expect(kubernetesForOpenShift('4.16')).toBe('1.29');
    expect(kubernetesForOpenShift('v4.20.3')).toBe('1.33');
    for (const k of Object.values(OPENSHIFT_KUBERNETES)) expect(shippedKubernetesVersions()).toContain(k);
  });

  it('refuses unknown or hostile values with one line, and a contradicting --kubernetes-version', () => {
    for (const bad of ['4.13', '3.11', '4', 'latest', '__proto__', '4.16; rm -rf /', 'toString']) {
      expect(kubernetesForOpenShift(bad)).toBeUndefined();
      expect(() => kubernetesVersionFor(undefined, {}, bad)).toThrow(/is not known; choose one of 4\.14/);
    }
    expect(kubernetesVersionFor(undefined, {}, '4.16')).toBe('1.29');
    expect(kubernetesVersionFor('1.29', {}, '4.16')).toBe('1.29');
    expect(() => kubernetesVersionFor('1.30', {}, '4.16')).toThrow('runs Kubernetes 1.29, not 1.30');
  });
});
