/**
 * The Argo CD view skips YAML files that cannot hold an Argo CD manifest without parsing them (most of a repository).
 * That byte test must not be a hiding place: a YAML escape spells `argoproj.io` without those bytes, and Argo CD
 * (through kustomize's YAML reader) applies such an Application like any other, overrides included.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { namesArgo, readArgoView } from '../../src/argo/applications.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kfm-view-'));
  dirs.push(root);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return root;
}

const app = (apiVersion: string, path: string): string =>
  [
    `apiVersion: ${apiVersion}`,
    'kind: Application',
    'metadata:',
    `  name: ${path.replace(/\W/g, '-')}`,
    'spec:',
    '  source:',
    '    repoURL: https://git.example.org/kfm/kfm.git',
    `    path: ${path}`,
    '    kustomize:',
    '      images: [web=registry.example/web:latest]',
    '  destination: {server: https://kubernetes.default.svc, namespace: ns}',
    '',
  ].join('\n');

describe('which files the Argo CD view reads', () => {
  it('an Application whose apiVersion is spelled with YAML escapes is in the view, overrides and line included', async () => {
    const root = tree({
      'plain.yaml': app('argoproj.io/v1alpha1', 'apps/plain'),
      'hex.yaml': app('"\\x61rgoproj.io/v1alpha1"', 'apps/hex'),
      'unicode.yml': app('"\\u0061rgoproj\\u002eio/v1alpha1"', 'apps/unicode'),
      'folded.yaml': app('"argo\\\n  proj.io/v1alpha1"', 'apps/folded'),
      'not-argo.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {re: "a\\\\d+"}\n',
    });
    const view = await readArgoView(root);
    const found = view.deployments.map((d) => [d.file, d.sourcePath, d.line, Object.keys(d.keyLines ?? {}).length > 0]);
    expect(found.sort()).toEqual([
      ['folded.yaml', 'apps/folded', 9, true],
      ['hex.yaml', 'apps/hex', 8, true],
      ['plain.yaml', 'apps/plain', 8, true],
      ['unicode.yml', 'apps/unicode', 8, true],
    ]);
  });

  it('skips a file that names the group only in annotations; an Application spelled through an alias, a merge key or an escape is read', async () => {
    const withKind = (kindLine: string, path: string, before = ''): string =>
      before + app('argoproj.io/v1alpha1', path).replace('kind: Application', kindLine);
    const root = tree({
      'ns.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  annotations:\n    argocd.argoproj.io/sync-wave: "1"\n',
      // The kind is copied from text elsewhere in the file: the word is still in its bytes.
      'alias.yaml': withKind('kind: *k', 'apps/alias', 'x: &k Application\n---\n').replace(
        '---\napiVersion',
        '---\nk: &k Application\napiVersion',
      ),
      'merge.yaml': withKind('<<: {kind: ApplicationSet}', 'apps/merge').replace(
        'spec:\n  source:',
        'spec:\n  generators: [{list: {elements: [{}]}}]\n  template:\n    metadata: {name: m}\n    spec:\n      source:',
      ),
      // Escaped: no `Application` in the bytes, but a backslash sends the file to the parser.
      'escaped.yaml': withKind('kind: "\\x41pplication"', 'apps/escaped'),
    });
    const seen = new Map<string, boolean>();
    const view = await readArgoView(root, undefined, {
      files: ['alias.yaml', 'escaped.yaml', 'merge.yaml', 'ns.yaml'],
      seen: (f, m) => seen.set(f, m),
    });
    expect(Object.fromEntries(seen)).toEqual({
      'alias.yaml': true,
      'escaped.yaml': true,
      'merge.yaml': true,
      'ns.yaml': false,
    });
    expect(view.deployments.map((d) => [d.file, d.kind]).sort()).toEqual([
      ['alias.yaml', 'Application'],
      ['escaped.yaml', 'Application'],
    ]);
  });

  it('a document naming the group only in an annotation is not read, however large; the Application beside it is', async () => {
    // Over the positional limit and unreadable by js-yaml (`@` starts no plain scalar): as a possible Argo CD object it
    // would be reported unread.
    const junk = Array.from({ length: 40_000 }, (_, i) => `  k${i}: @reserved-indicator-${i}`).join('\n');
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  annotations: {argocd.argoproj.io/sync-wave: "1"}\ndata:\n${junk}\n`;
    expect(cm.length).toBeGreaterThan(1024 * 1024);
    const root = tree({ 'mixed.yaml': `${cm}---\n${app('argoproj.io/v1alpha1', 'apps/beside')}` });
    const view = await readArgoView(root);
    expect(view.unevaluable).toEqual([]);
    expect(view.deployments.map((d) => [d.sourcePath, d.line])).toEqual([['apps/beside', cm.split('\n').length + 8]]);
  });

  it('reads every text file whatever its name (kustomize renders app.YAML, app.json, app.txt); never a binary', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
      Buffer.from(app('argoproj.io/v1alpha1', 'apps/png')),
    ]);
    const root = tree({
      'upper.YAML': app('argoproj.io/v1alpha1', 'apps/upper'),
      'as.json': JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'j' },
        spec: { source: { repoURL: 'https://git.example.org/kfm/kfm.git', path: 'apps/json' } },
      }),
      'notes/app.txt': app('argoproj.io/v1alpha1', 'apps/txt'),
    });
    writeFileSync(join(root, 'logo.png'), png);
    const view = await readArgoView(root);
    expect(view.deployments.map((d) => [d.file, d.sourcePath]).sort()).toEqual([
      ['as.json', 'apps/json'],
      ['notes/app.txt', 'apps/txt'],
      ['upper.YAML', 'apps/upper'],
    ]);
  });

  it('a large CRD bundle mentioning argoproj.io is sniffed, not parsed with positions; the Application after it keeps its line', async () => {
    // A CRD of the argoproj.io group (as in an Argo CD install bundle) of ~200 KB, then an Application.
    const props = Array.from(
      { length: 4000 },
      (_, i) => `            f${i}: {type: string, description: "field ${i} of argoproj.io"}`,
    );
    const crd = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata: {name: applications.argoproj.io}',
      'spec:',
      '  group: argoproj.io',
      '  versions:',
      '    - name: v1alpha1',
      '      schema:',
      '        openAPIV3Schema:',
      '          properties:',
      ...props,
    ].join('\n');
    expect(crd.length).toBeGreaterThan(64 * 1024);
    const root = tree({ 'install.yaml': `${crd}\n---\n${app('argoproj.io/v1alpha1', 'apps/after')}` });
    const started = Date.now();
    const view = await readArgoView(root);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(view.unevaluable).toEqual([]);
    // The CRD's lines, the separator, then the Application's `path:` on its 8th line.
    expect(view.deployments.map((d) => [d.file, d.sourcePath, d.line])).toEqual([
      ['install.yaml', 'apps/after', crd.split('\n').length + 1 + 8],
    ]);
  });

  it('a hostile Application too large to read with positions is reported where it starts, in bounded time, never skipped', async () => {
    // Flow collections: the positional parser needs seconds and hundreds of MB per MB of them.
    const junk = Array.from({ length: 60_000 }, (_, i) => `    - k${i}: [${Array(20).fill('aa').join(',')}]`).join(
      '\n',
    );
    const big = `${app('argoproj.io/v1alpha1', 'apps/big')}  junk:\n${junk}\n`;
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const root = tree({ 'apps.yaml': `${app('argoproj.io/v1alpha1', 'apps/small')}---\n${big}` });
    const started = Date.now();
    const view = await readArgoView(root);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(view.deployments.map((d) => d.sourcePath)).toEqual(['apps/small']);
    expect(view.unevaluable).toEqual([
      expect.objectContaining({ kind: 'Manifest', file: 'apps.yaml', line: app('x', 'y').split('\n').length }), // its `---` line
    ]);
  });

  it('reads past backslashes that spell no Argo CD name (regex patterns of CRDs, templates), never past escapes that do', async () => {
    // Each escape form YAML's double-quoted scalars have, in the group or in the kind.
    expect(namesArgo('apiVersion: "\\U00000061rgoproj.io/v1alpha1"\nkind: Application')).toBe(true);
    expect(namesArgo('apiVersion: "argoproj\\x2Eio/v1alpha1"\nkind: Application')).toBe(true);
    expect(namesArgo('apiVersion: argoproj.io/v1alpha1\nkind: "Applic\\\n      ation"')).toBe(true);
    expect(namesArgo('apiVersion: "argoproj\\u002eio\\/v1alpha1"\nkind: "\\x41pplicationSet"')).toBe(true);
    expect(namesArgo('apiVersion: argoproj.io/v1alpha1\nkind: Application')).toBe(true);
    // A CRD whose descriptions say "Application" and whose patterns hold backslashes names no Argo CD object.
    const crd = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata: {name: secretstores.external-secrets.io}',
      'spec:',
      '  versions:',
      '    - schema:',
      '        openAPIV3Schema:',
      '          properties:',
      '            appID: {description: The Application ID, type: string, pattern: "^[a-z0-9]([-a-z0-9]*)(\\\\.[a-z0-9]+)*$"}',
      '',
    ].join('\n');
    expect(namesArgo(crd)).toBe(false);
    const root = tree({
      'crd.yaml': `${crd.replace('secretstores', 'a')}---\n${crd.replace('secretstores', 'b')}`,
      'app.yaml': `${crd}---\n${app('"\\x61rgoproj.io/v1alpha1"', 'apps/hex')}`,
    });
    const seen = new Map<string, boolean>();
    const view = await readArgoView(root, undefined, {
      files: ['app.yaml', 'crd.yaml'],
      seen: (f, m) => seen.set(f, m),
    });
    expect(Object.fromEntries(seen)).toEqual({ 'app.yaml': true, 'crd.yaml': false });
    expect(view.deployments.map((d) => [d.file, d.sourcePath, d.line])).toEqual([
      ['app.yaml', 'apps/hex', crd.split('\n').length + 8],
    ]);
  });

  it('reads sources as Argo CD does: merge keys merged, no path as the repository top, a ref-only source as none', async () => {
    const root = tree({
      'merged.yaml': [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: {name: merged}',
        'x-base: &src {repoURL: https://git.example.org/kfm/kfm.git, path: apps/merged}',
        'spec:',
        '  sources:',
        '    - <<: *src',
        '    - {repoURL: https://git.example.org/kfm/kfm.git, directory: {recurse: true}}',
        '    - {repoURL: https://git.example.org/kfm/kfm.git, path: null}',
        '    - {repoURL: https://git.example.org/kfm/kfm.git, ref: values}',
        '    - {repoURL: https://git.example.org/kfm/kfm.git, ref: values, path: apps/ref}',
        '  destination: {server: https://kubernetes.default.svc, namespace: ns}',
        '',
      ].join('\n'),
    });
    const view = await readArgoView(root);
    expect(view.deployments.map((d) => d.sourcePath)).toEqual(['apps/merged', '', '', 'apps/ref']);
  });
});
