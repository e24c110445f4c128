/**
 * Folders Argo CD deploys that discovery does not render (a base deployed on its own, a plain folder) are checked
 * under the env their Applications deploy them to, and as Argo CD builds them. Each case passed `check` before: the
 * folder was placed by its name ("base", "plain": no env, so the promoted-env rules such as digest pinning never
 * ran on what goes to kfm-prod), and a `directory:` source on a kustomize folder was built with kustomize, though
 * Argo CD applies its raw manifests then (an explicit source type wins over what the folder holds).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { addToController, application, freshGitCopy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; overlay?: string; message: string };

async function digestFindings(root: string): Promise<string[]> {
  const r = await runCli(['check', root, '--format', 'json']);
  return (JSON.parse(r.stdout) as { findings: Found[] }).findings
    .filter((f) => f.ruleId === 'KFM-DP-001')
    .map((f) => `${f.file} ${f.message.slice(f.message.lastIndexOf(' '))}`)
    .sort();
}

const prod = { namespace: 'kfm-prod' };

const ROUTE =
  'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata:\n  name: db\nspec:\n  to:\n    kind: Service\n    name: postgis\n';

const POD =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: quay.io/kfm/tool:1.0\n';

describe('Argo CD sources under the env they are deployed to (e2e)', () => {
  const copy = freshGitCopy();

  it('a kustomize base deployed on its own to kfm-prod obeys prod’s rules', async () => {
    addToController(copy.root, {
      'application-base.yaml': application('base', 'infra/gitops/apps/kfm-api/base', '', prod),
    });
    expect(await digestFindings(copy.root)).toEqual(['apps/kfm-api/base/deployment.yaml  prod']);
  }, 120_000);

  it('a plain folder deployed to kfm-prod obeys prod’s rules', async () => {
    mkdirSync(join(copy.root, 'extras', 'plain'), { recursive: true });
    writeFileSync(join(copy.root, 'extras', 'plain', 'pod.yaml'), POD);
    addToController(copy.root, {
      'application-plain.yaml': application('plain', 'infra/gitops/extras/plain', '', prod),
    });
    expect(await digestFindings(copy.root)).toEqual(['extras/plain/pod.yaml  prod']);
  }, 120_000);

  it('`directory:` on a kustomize folder applies its raw manifests, which are checked as such', async () => {
    // The kustomization pins the image by digest; the raw manifest this source applies does not.
    const dir = join(copy.root, 'extras', 'pinned');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pod.yaml'), POD);
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `resources: [pod.yaml]\nimages:\n  - name: quay.io/kfm/tool\n    digest: sha256:${'a'.repeat(64)}\n`,
    );
    const kustomize = application('built', 'infra/gitops/extras/pinned', '', prod);
    addToController(copy.root, { 'application-built.yaml': kustomize });
    expect(await digestFindings(copy.root)).toEqual([]); // built: pinned
    const raw = ['    directory:', "      exclude: 'kustomization.yaml'"].join('\n');
    addToController(copy.root, { 'application-raw.yaml': application('raw', 'infra/gitops/extras/pinned', raw, prod) });
    expect(await digestFindings(copy.root)).toEqual(['extras/pinned/pod.yaml  prod']);
  }, 120_000);

  it('directory include/exclude are matched as Argo CD does: `*` crosses folders', async () => {
    // recurse + include "*.yaml" applies sub/pod.yaml too; exclude "*skip.yaml" drops sub/deep/skip.yaml.
    const dir = join(copy.root, 'extras', 'globbed');
    mkdirSync(join(dir, 'sub', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'pod.yaml'), POD);
    writeFileSync(join(dir, 'sub', 'deep', 'skip.yaml'), POD);
    const raw = [
      '    directory:',
      '      recurse: true',
      "      include: '*.yaml'",
      "      exclude: '*skip.yaml'",
    ].join('\n');
    addToController(copy.root, {
      'application-globbed.yaml': application('globbed', 'infra/gitops/extras/globbed', raw, prod),
    });
    expect(await digestFindings(copy.root)).toEqual(['extras/globbed/sub/pod.yaml  prod']);
  }, 120_000);

  it('objects of a deployed folder that name no namespace are in the destination namespace (a Route to the database)', async () => {
    mkdirSync(join(copy.root, 'extras', 'public'), { recursive: true });
    writeFileSync(join(copy.root, 'extras', 'public', 'route.yaml'), ROUTE);
    addToController(copy.root, {
      'application-public.yaml': application('public', 'infra/gitops/extras/public', '', prod),
    });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const tm = (JSON.parse(r.stdout) as { findings: Found[] }).findings.filter((f) => f.ruleId === 'KFM-TM-001');
    expect(tm.map((f) => f.file)).toEqual(['extras/public/route.yaml']);
    expect(r.code).toBe(1);
  }, 120_000);

  it('an overlay without `namespace:` deployed to kfm-prod has its objects there too (a Route to the database)', async () => {
    const dir = join(copy.root, 'apps', 'public', 'overlays', 'prod');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'route.yaml'), ROUTE);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [route.yaml]\n');
    addToController(copy.root, {
      'application-public.yaml': application('public', 'infra/gitops/apps/public/overlays/prod', '', prod),
    });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const tm = (JSON.parse(r.stdout) as { findings: Found[] }).findings.filter((f) => f.ruleId === 'KFM-TM-001');
    expect(tm.map((f) => f.file)).toEqual(['apps/public/overlays/prod/route.yaml']);
  }, 120_000);

  it('a second Application to another namespace does not keep the objects out of prod’s namespace', async () => {
    // Deployed to kfm-dev and kfm-prod alike: the prod copy routes to prod's database and is checked there.
    const dir = join(copy.root, 'apps', 'public', 'overlays', 'prod');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'route.yaml'), ROUTE);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [route.yaml]\n');
    const path = 'infra/gitops/apps/public/overlays/prod';
    addToController(copy.root, {
      'application-public.yaml': application('public', path, '', prod),
      'application-public-dev.yaml': application('public-dev', path, '', { namespace: 'kfm-dev' }),
    });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    const tm = (JSON.parse(r.stdout) as { findings: Found[] }).findings.filter((f) => f.ruleId === 'KFM-TM-001');
    expect(tm.map((f) => f.file)).toEqual(['apps/public/overlays/prod/route.yaml']);
  }, 120_000);

  it('a directory source skips the files Argo CD skips (a kustomization of resources only), never one it may apply', async () => {
    // The layout of redhat-developer/openshift-gitops-getting-started: `directory: {recurse: true}` on a folder
    // whose kustomization.yaml names no apiVersion or kind. Argo CD applies the manifests and skips that file.
    const dir = join(copy.root, 'extras', 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pod.yaml'), POD);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n- pod.yaml\n');
    // Keys go-yaml decodes (a `!!binary` key spelling `kind`) and a kind without apiVersion are reported, not skipped.
    writeFileSync(join(dir, 'binary.yaml'), '? !!binary a2luZA==\n: Pod\nspec: {}\n');
    writeFileSync(join(dir, 'nokind.yaml'), 'kind: Pod\nspec: {}\n');
    // A JSON file is decoded strictly by Argo CD: without a kind the sync fails, so it is reported.
    writeFileSync(join(dir, 'renovate.json'), '{"extends": ["config:base"]}\n');
    const raw = ['    directory:', '      recurse: true'].join('\n');
    addToController(copy.root, { 'application-app.yaml': application('app', 'infra/gitops/extras/app', raw, prod) });
    const r = await runCli(['check', copy.root, '--format', 'json']);
    // Once or twice: the folder is also an overlay discovery renders (under the same env).
    const found = [
      ...new Set(
        (JSON.parse(r.stdout) as { findings: Found[] }).findings
          .filter((f) => f.file?.startsWith('extras/app/'))
          .map((f) => `${f.ruleId} ${f.file}`),
      ),
    ].sort();
    expect(found).toEqual([
      'KFM-DP-001 extras/app/pod.yaml',
      'KFM-RENDER-013 extras/app/binary.yaml',
      'KFM-RENDER-013 extras/app/nokind.yaml',
      'KFM-RENDER-013 extras/app/renovate.json',
    ]);
  }, 120_000);
});
