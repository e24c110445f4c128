/**
 * Renders start before the Argo CD view is read and envs are placed (issue 20, src/pipeline.ts): the report must
 * still carry the envs the Argo CD Applications place, and a run that selects by env must never render an overlay
 * of another env (selection keeps the old order).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type CheckRunOptions } from '../../src/pipeline.js';
import { createRenderer } from '../../src/render/create.js';
import { resolveKustomize } from '../../src/render/resolve.js';
import type { Renderer } from '../../src/render/types.js';

let root: string;

const FILES: Record<string, string> = {
  'apps/web/base/kustomization.yaml': 'resources:\n  - configmap.yaml\n',
  'apps/web/base/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n',
  // Folder names that are no env: only the Argo CD Applications below place them.
  'apps/web/overlays/blue/kustomization.yaml': 'resources:\n  - ../../base\n',
  'apps/web/overlays/green/kustomization.yaml': 'resources:\n  - ../../base\n',
  'argocd/kustomization.yaml': 'resources:\n  - app-blue.yaml\n  - app-green.yaml\n',
  'argocd/app-blue.yaml': application('blue', 'web-dev'),
  'argocd/app-green.yaml': application('green', 'web-prod'),
};

function application(name: string, namespace: string): string {
  return [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Application',
    'metadata:',
    `  name: web-${name}`,
    '  namespace: argocd',
    'spec:',
    '  project: default',
    '  source:',
    `    path: apps/web/overlays/${name}`,
    '  destination:',
    `    namespace: ${namespace}`,
    '',
  ].join('\n');
}

/** The real renderer, recording which overlays it was asked to render. */
async function recording(): Promise<{ renderer: Renderer; asked: string[] }> {
  const inner = createRenderer(await resolveKustomize({}), 2);
  const asked: string[] = [];
  const renderer: Renderer = {
    command: inner.command,
    version: inner.version,
    ...(inner.lanes !== undefined ? { lanes: inner.lanes } : {}),
    render: (request) => {
      asked.push(request.overlay.path);
      return inner.render(request);
    },
    warmUp: () => inner.warmUp?.(),
    dispose: () => inner.dispose(),
  };
  return { renderer, asked };
}

async function check(
  discover: CheckRunOptions['discover'] = {},
  /** Another repository and config than the shared one, and a hook around the renderer. */
  other: { root: string; config: CheckRunOptions['config']; wrap: (r: Renderer) => void } | undefined = undefined,
): Promise<{ envs: Record<string, string>; asked: string[] }> {
  const { renderer, asked } = await recording();
  other?.wrap(renderer);
  try {
    const report = await runCheck({
      root: other?.root ?? root,
      config: other?.config ?? {},
      checks: [],
      kubernetesVersion: '1.33',
      toolVersion: 'test',
      renderer,
      concurrency: 2,
      timeoutMs: 60_000,
      origin: false,
      discover,
    });
    return { envs: Object.fromEntries(report.overlays.map((o) => [o.path, o.env])), asked: asked.sort() };
  } finally {
    await renderer.dispose();
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kfm-early-'));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('renders started before env placement', () => {
  it('reports the envs the Argo CD Applications place', async () => {
    const { envs, asked } = await check();
    expect(envs).toEqual({ argocd: 'argocd', 'apps/web/overlays/blue': 'dev', 'apps/web/overlays/green': 'prod' });
    expect(asked).toEqual(['apps/web/overlays/blue', 'apps/web/overlays/green', 'argocd']);
  });

  it('renders only the selected env’s overlays when --env selects (placement first)', async () => {
    const { envs, asked } = await check({ envs: ['prod'] });
    expect(asked).toEqual(['apps/web/overlays/green']);
    expect(envs).toEqual({ 'apps/web/overlays/green': 'prod' });
  });

  it('renders only the --overlay matches', async () => {
    const { asked } = await check({ overlayGlobs: ['apps/web/overlays/blue'] });
    expect(asked).toEqual(['apps/web/overlays/blue']);
  });
});

describe('discovery memo', () => {
  it('is written while the workers render, not after the last render', async () => {
    // Memory (issue 20): what the memo holds is dropped once discovery and coverage are done, before the renders end.
    const repo = mkdtempSync(join(tmpdir(), 'kfm-early-memo-'));
    const cache = mkdtempSync(join(tmpdir(), 'kfm-early-memo-cache-'));
    try {
      for (const [file, text] of Object.entries(FILES)) {
        mkdirSync(dirname(join(repo, file)), { recursive: true });
        writeFileSync(join(repo, file), text);
      }
      // The memo remembers nothing stamped within 2 s of a write (git's racy case): the files age first.
      await new Promise((r) => setTimeout(r, 2_200));
      const memoFile = join(cache, 'discover', 'discover.sealed');
      const seen: boolean[] = [];
      await check(
        {},
        {
          root: repo,
          config: { cache: { dir: cache } },
          wrap: (renderer) => {
            const inner = renderer.render;
            renderer.render = async (request) => {
              const out = await inner(request);
              // Each render returns only once the memo is on disk (or 20 s passed): a memo written after the renders
              // would make every render wait, and say so.
              const until = Date.now() + 20_000;
              while (!existsSync(memoFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
              seen.push(existsSync(memoFile));
              return out;
            };
          },
        },
      );
      expect(seen).toEqual([true, true, true]);
      expect(existsSync(memoFile)).toBe(true);
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  }, 90_000);
});
