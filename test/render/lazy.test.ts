import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CachingRenderer } from '../../src/render/cache.js';
import { createRenderer } from '../../src/render/create.js';
import { LazyRenderer } from '../../src/render/lazy.js';
import type { KustomizeCommand } from '../../src/render/resolve.js';

/** What the whole-run cache keys on and the report names must not depend on whether the renderer was loaded. */
const identity = (r: { command: string; version: string; lanes?: number; helm?: string }) => ({
  command: r.command,
  version: r.version,
  lanes: r.lanes,
  helm: r.helm,
});

const dir = mkdtempSync(join(tmpdir(), 'kfm-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const commands: KustomizeCommand[] = [
  {
    file: '/opt/kfm-render',
    prefixArgs: [],
    source: 'bundled',
    display: 'kfm-render',
    version: 'v5.7.1',
    worker: true,
  },
  {
    file: '/opt/kfm-render',
    prefixArgs: [],
    source: 'bundled',
    display: 'kfm-render',
    version: 'v5.7.1',
    worker: true,
    helm: '/opt/helm',
  },
  {
    file: '/usr/bin/kubectl',
    prefixArgs: ['kustomize'],
    source: 'kubectl',
    display: 'kubectl kustomize',
    version: 'v5.4.2',
  },
  { file: '/usr/bin/kustomize', prefixArgs: [], source: 'path', display: 'kustomize', version: 'v5.7.1', helm: '/h' },
];

describe('LazyRenderer', () => {
  for (const cmd of commands) {
    for (const cached of [false, true]) {
      it(`names the renderer as the real one would (${cmd.display}${cmd.helm ? ' + helm' : ''}, cache ${cached})`, async () => {
        const real = cached
          ? new CachingRenderer(createRenderer(cmd, 3), { dir: join(dir, 'render') })
          : createRenderer(cmd, 3);
        const lazy = new LazyRenderer(cmd, { concurrency: 3, ...(cached ? { cacheDir: join(dir, 'render') } : {}) });
        expect(identity(lazy)).toEqual(identity(real));
        // Loaded, it is the same kind of renderer, with the same identity.
        const loaded = await lazy.load();
        expect(loaded.constructor).toBe(real.constructor);
        expect(identity(loaded)).toEqual(identity(lazy));
        await lazy.dispose();
        await real.dispose();
      });
    }
  }

  it('loads nothing and disposes of nothing when nothing rendered', async () => {
    const lazy = new LazyRenderer(commands[0], { concurrency: 2, cacheDir: join(dir, 'unused') });
    expect(lazy.warnings).toEqual([]);
    await lazy.dispose();
  });
});
