/**
 * No network at render time, by construction (issue 15, item 1). A loopback HTTP server counts every connection,
 * and a fake `git` and `ssh` first on PATH log every start: for each form kustomize can load from, the CLI fails
 * closed (exit 1, KFM-RENDER-003) with both renderers, and nothing connected or started. The renderers on their own
 * (the walk bypassed, as if it missed a field) fail the render the same way, still without a connection.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerRenderer } from '../../src/render/worker.js';
import type { Renderer } from '../../src/render/types.js';
import { kustomizeBin, pinnedRenderer, repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
const workerBin = join(repoRoot, '.tools', 'bin', 'kfm-render');
const OVERLAY = 'apps/kfm-api/overlays/dev';

let server: Server;
let port = 0;
let connections = 0;
let fakeBin: string;
let fakeLog: string;

beforeAll(async () => {
  server = createServer((_req, res) => res.end('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\n'));
  server.on('connection', () => connections++);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  port = (server.address() as { port: number }).port;
  fakeBin = mkdtempSync(join(tmpdir(), 'kfm-fakebin-'));
  fakeLog = join(fakeBin, 'calls.log');
  writeFileSync(fakeLog, '');
  for (const name of ['ssh', 'curl', 'helm'])
    writeFileSync(join(fakeBin, name), `#!/bin/sh\necho "${name} $*" >> "${fakeLog}"\nexit 1\n`);
  // The tool's own local git calls (rev-parse, ls-files) go through; anything that could clone or fetch is logged.
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(fakeBin, 'git'),
    `#!/bin/sh\nfor a in "$@"; do case "$a" in init|clone|fetch|pull|remote|ls-remote|submodule) echo "git $*" >> "${fakeLog}"; exit 1;; esac; done\nexec "${realGit}" "$@"\n`,
  );
  for (const name of ['git', 'ssh', 'curl', 'helm']) chmodSync(join(fakeBin, name), 0o755);
});

afterAll(async () => {
  await new Promise((res) => server.close(res));
  rmSync(fakeBin, { recursive: true, force: true });
});

const url = (path: string): string => `http://127.0.0.1:${port}/${path}`;

interface Form {
  name: string;
  /** Lines appended to the overlay's kustomization. */
  kustomization: () => string;
  /** Further files of the overlay folder. */
  files?: () => Record<string, string>;
}

const FORMS: Form[] = [
  { name: 'resources http', kustomization: () => `resources:\n  - ../../base\n  - ${url('r.yaml')}\n` },
  {
    name: 'resources HTTP upper case',
    kustomization: () => `resources:\n  - ../../base\n  - HTTP://127.0.0.1:${port}/r.yaml\n`,
  },
  {
    name: 'scp form, any user',
    kustomization: () => `resources:\n  - ../../base\n  - deploy@127.0.0.1:org/repo//path\n`,
  },
  { name: 'github.com: form', kustomization: () => `resources:\n  - ../../base\n  - github.com:org/repo//path\n` },
  {
    name: 'GitHub.com/ form',
    kustomization: () => `resources:\n  - ../../base\n  - GitHub.com/org/repo/path?ref=v1\n`,
  },
  {
    name: 'ssh:// form',
    kustomization: () => `resources:\n  - ../../base\n  - ssh://git@127.0.0.1:${port}/org/repo\n`,
  },
  {
    name: 'git:: form',
    kustomization: () => `resources:\n  - ../../base\n  - git::http://127.0.0.1:${port}/org/repo.git\n`,
  },
  { name: 'file:// git form', kustomization: () => `resources:\n  - ../../base\n  - file:///tmp/repo.git\n` },
  { name: 'components', kustomization: () => `components:\n  - https://127.0.0.1:${port}/org/repo//c\n` },
  { name: 'replacements path', kustomization: () => `replacements:\n  - path: ${url('rep.yaml')}\n` },
  { name: 'patches path', kustomization: () => `patches:\n  - path: ${url('p.yaml')}\n` },
  { name: 'configurations', kustomization: () => `configurations:\n  - ${url('c.yaml')}\n` },
  { name: 'crds', kustomization: () => `crds:\n  - ${url('crd.json')}\n` },
  { name: 'openapi path', kustomization: () => `openapi:\n  path: ${url('o.json')}\n` },
  {
    name: 'configMapGenerator files',
    kustomization: () => `configMapGenerator:\n  - name: x\n    files:\n      - k=${url('f')}\n`,
  },
  { name: 'helmCharts repo', kustomization: () => `helmCharts:\n  - name: c\n    repo: ${url('charts')}\n` },
  {
    name: 'transformer config file',
    kustomization: () => 'transformers:\n  - patcher.yaml\n',
    files: () => ({
      'patcher.yaml': `apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: ${url('p.yaml')}\n`,
    }),
  },
  {
    name: 'inline transformer entry',
    kustomization: () =>
      `transformers:\n  - |\n    apiVersion: builtin\n    kind: PatchTransformer\n    metadata:\n      name: p\n    path: ${url('p.yaml')}\n`,
  },
  {
    name: 'generator config file',
    kustomization: () => 'generators:\n  - gen.yaml\n',
    files: () => ({
      'gen.yaml': `apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: g\nfiles:\n  - ${url('f')}\n`,
    }),
  },
  {
    name: 'inline generator entry',
    kustomization: () =>
      `generators:\n  - |\n    apiVersion: builtin\n    kind: SecretGenerator\n    metadata:\n      name: g\n    envs:\n      - ${url('e.env')}\n`,
  },
  {
    name: 'replacement transformer config file',
    kustomization: () => 'transformers:\n  - rep.yaml\n',
    files: () => ({
      'rep.yaml': `apiVersion: builtin\nkind: ReplacementTransformer\nmetadata:\n  name: r\nreplacements:\n  - path: ${url('r.yaml')}\n`,
    }),
  },
  {
    name: 'generators folder from git',
    kustomization: () => 'generators:\n  - github.com/org/repo//gen?ref=v1\n',
  },
  {
    name: 'validator config file in a generators folder',
    kustomization: () => 'validators:\n  - ./v\n',
    files: () => ({
      'v/kustomization.yaml': 'resources:\n  - smp.yaml\n',
      'v/smp.yaml': `apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata:\n  name: s\npaths:\n  - ${url('smp.yaml')}\n`,
    }),
  },
];

const slug = (name: string): string => `net-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;

/** One overlay per form beside the real ones: `resources: [../../base]` plus the form's lines and files. */
function plant(dir: string, form: Form): string {
  const path = `apps/kfm-api/overlays/${slug(form.name)}`;
  const overlay = join(dir, path);
  mkdirSync(overlay, { recursive: true });
  const lines = form.kustomization();
  const text = lines.startsWith('resources:') ? lines : `resources:\n  - ../../base\n${lines}`;
  writeFileSync(join(overlay, 'kustomization.yaml'), text);
  for (const [name, content] of Object.entries(form.files?.() ?? {})) {
    mkdirSync(dirname(join(overlay, name)), { recursive: true });
    writeFileSync(join(overlay, name), content);
  }
  return path;
}

const sealedPath = (): string => `${fakeBin}:${process.env.PATH}`;

describe('no network at render time', () => {
  it.each([
    ['kfm-render', []],
    ['the kustomize CLI', ['--kustomize', kustomizeBin]],
  ])('with %s: the copy passes, and every form is refused (KFM-RENDER-003) without a connection', async (_r, extra) => {
    const { dir, cleanup } = tempCopy(infra);
    try {
      const clean = await runCli(['check', dir, '--no-cache', '--overlay', OVERLAY, ...extra], {
        env: { PATH: sealedPath() },
      });
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      const paths = FORMS.map((form) => plant(dir, form));
      const r = await runCli(
        ['check', dir, '--no-cache', '--overlay', 'apps/kfm-api/overlays/net-*', '--format', 'json', ...extra],
        {
          env: { PATH: sealedPath() },
        },
      );
      expect(r.code, r.stderr).toBe(1);
      const findings = JSON.parse(r.stdout).findings as { ruleId: string; overlay: string }[];
      const refused = (path: string): string[] => findings.filter((f) => f.overlay === path).map((f) => f.ruleId);
      expect(Object.fromEntries(paths.map((p) => [p, refused(p)]))).toEqual(
        Object.fromEntries(paths.map((p) => [p, expect.arrayContaining(['KFM-RENDER-003'])])),
      );
      expect(connections).toBe(0);
      expect(readFileSync(fakeLog, 'utf8')).toBe('');
    } finally {
      cleanup();
    }
  });
});

describe('a field the walk would miss still cannot reach the network', () => {
  const renderers: [string, () => Renderer][] = [
    ['kfm-render', () => new WorkerRenderer(workerBin, 'v5.7.1', 1, undefined)],
    ['kustomize CLI', () => pinnedRenderer()],
  ];
  // Rendered directly, without the walk. Loopback HTTP is left out for the CLI: Go's proxy settings never apply
  // to loopback, so only kfm-render's loader (and the walk, above) can refuse those; a routable host name fails
  // on the unusable proxy instead.
  const forms = (cli: boolean): [string, string][] => [
    ['http resource', cli ? `http://kfm-test.example:${port}/r.yaml` : url('r.yaml')],
    ['replacements', cli ? `http://kfm-test.example:${port}/r.yaml` : url('r.yaml')],
    ['scp form', 'deploy@127.0.0.1:org/repo//path'],
    ['github.com: form', 'github.com:org/repo//path'],
    ['ssh form', `ssh://git@127.0.0.1:${port}/org/repo`],
    ['https git form', `https://${cli ? 'kfm-test.example' : '127.0.0.1'}:${port}/org/repo.git//dir`],
  ];

  it.each(renderers)('%s fails the render and connects nowhere', async (name, make) => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-missed-'));
    const savedPath = process.env.PATH;
    process.env.PATH = sealedPath();
    const renderer = make();
    try {
      for (const [form, value] of forms(name !== 'kfm-render')) {
        const overlay = join(root, form.replace(/\W/g, '-'));
        mkdirSync(overlay);
        const k = form === 'replacements' ? `replacements:\n  - path: ${value}\n` : `resources:\n  - ${value}\n`;
        writeFileSync(join(overlay, 'kustomization.yaml'), k);
        const out = await renderer.render({
          overlay: { path: form, absPath: overlay } as never,
          root,
          timeoutMs: 30_000,
          maxOutputBytes: 1 << 20,
          allowExec: false,
          origin: false,
        } as never);
        expect(out.ok, `${name} ${form}`).toBe(false);
        // No resolver query either: a host name is never looked up (the proxy would have to).
        expect(out.ok ? '' : out.message).not.toMatch(/lookup|no such host/);
      }
      expect(connections).toBe(0);
      expect(readFileSync(fakeLog, 'utf8')).toBe('');
    } finally {
      process.env.PATH = savedPath;
      await renderer.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
