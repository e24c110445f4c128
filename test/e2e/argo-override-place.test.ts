/**
 * What an Application's `kustomize:` overrides add is checked where Argo CD puts it: objects that name no namespace
 * go to the destination namespace, so a Route a component adds joins prod's database Service (KFM-TM-001). It passed
 * before: the override's render kept the Route outside any namespace, so it joined nothing (its only findings were
 * KFM-RENDER-021 on the component's files, which a component also used elsewhere would not have had).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { addToController, application, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; overlay?: string; message: string };

const ROUTE =
  'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: db\nspec:\n  to:\n    kind: Service\n    name: postgis\n';
const STORE_SERVICE = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: devdb',
  '  labels:',
  '    kfm.dev/tier: store',
  'spec:',
  '  selector:',
  '    app: devdb',
  '  ports:',
  '    - port: 5432',
  '',
].join('\n');
const DEFAULT_DENY =
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: harmless\ndata:\n  a: b\n';

describe('Argo CD overrides in the destination namespace (e2e)', () => {
  const copy = freshGitCopy();

  it('a Route a `kustomize.components` override adds to a folder deployed to kfm-prod is checked in kfm-prod', async () => {
    const app = join(copy.root, 'extras', 'app');
    const evil = join(copy.root, 'extras', 'evil');
    mkdirSync(app, { recursive: true });
    mkdirSync(evil, { recursive: true });
    writeFileSync(join(app, 'cm.yaml'), CM);
    writeFileSync(join(app, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
    writeFileSync(join(evil, 'route.yaml'), ROUTE);
    writeFileSync(
      join(evil, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [route.yaml]\n',
    );
    const extra = ['    kustomize:', '      components:', '        - ../evil'].join('\n');
    addToController(copy.root, {
      'application-app.yaml': application('app', 'infra/gitops/extras/app', extra, { namespace: 'kfm-prod' }),
    });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const findings = (JSON.parse(r.stdout) as { findings: Found[] }).findings;
    // Reported at the override, and the component's files count as checked (they were: the override render read them).
    expect(findings.map((f) => [f.ruleId, f.file, f.overlay])).toEqual([
      ['KFM-TM-001', 'core/gitops-controller/application-app.yaml', 'extras/app@app'],
    ]);
    expect(r.code).toBe(1);
  }, 120_000);
  /**
   * `extras/<name>` holding a Route to `devdb` (no namespace; with a kustomization when `kustomize`), deployed to
   * kfm-prod and kfm-dev, and a store Service `devdb` in kfm-dev only. The folder's own render is placed in kfm-prod
   * (the strictest env), where nothing is named devdb: only a kfm-dev copy joins it. Returns the findings.
   */
  async function deployedTwice(name: string, kustomize: boolean): Promise<[string, string?, string?][]> {
    const app = join(copy.root, 'extras', name);
    const db = join(copy.root, 'extras', 'devdb');
    mkdirSync(app, { recursive: true });
    mkdirSync(db, { recursive: true });
    writeFileSync(join(app, 'route.yaml'), ROUTE.replace('name: postgis', 'name: devdb'));
    if (kustomize) writeFileSync(join(app, 'kustomization.yaml'), 'resources: [route.yaml]\n');
    writeFileSync(join(db, 'service.yaml'), STORE_SERVICE);
    writeFileSync(join(db, 'deny.yaml'), DEFAULT_DENY);
    writeFileSync(join(db, 'kustomization.yaml'), 'namespace: kfm-dev\nresources: [service.yaml, deny.yaml]\n');
    const path = `infra/gitops/extras/${name}`;
    addToController(copy.root, {
      [`application-${name}-prod.yaml`]: application(`${name}-prod`, path, '', { namespace: 'kfm-prod' }),
      [`application-${name}-dev.yaml`]: application(`${name}-dev`, path, '', { namespace: 'kfm-dev' }),
      'application-devdb.yaml': application('devdb', 'infra/gitops/extras/devdb', '', { namespace: 'kfm-dev' }),
    });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    expect(r.code).toBe(1);
    return (JSON.parse(r.stdout) as { findings: Found[] }).findings.map((f) => [f.ruleId, f.file, f.overlay]);
  }

  it('a kustomize folder deployed to kfm-prod and kfm-dev is also checked in kfm-dev, where its Route reaches a database', async () => {
    expect(await deployedTwice('app', true)).toEqual([
      ['KFM-TM-001', 'core/gitops-controller/application-app-dev.yaml', 'extras/app@app-dev'],
    ]);
  }, 120_000);

  it('so is a plain folder (a directory source)', async () => {
    expect(await deployedTwice('raw', false)).toEqual([
      ['KFM-TM-001', 'core/gitops-controller/application-raw-dev.yaml', 'extras/raw@raw-dev'],
    ]);
  }, 120_000);
});
