/**
 * A policy worker that is started and never disposed (the policy check starts its worker while overlays render; a
 * run whose results are reused after the renders never runs the check) must not keep the CLI's process alive: the
 * report was printed, then the process hung. The built module is run in a child process, as the CLI runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';

const dist = (p: string): string => pathToFileURL(join(repoRoot, 'dist', p)).href;
const built = existsSync(join(repoRoot, 'dist', 'checks', 'policy', 'sandbox.js'));

describe.skipIf(!built)('policy worker and process exit', () => {
  it('a loaded worker that is never disposed lets the process exit; a call in flight still gets its answer', () => {
    const script = `
      const { SandboxedPolicy } = await import(${JSON.stringify(dist('checks/policy/sandbox.js'))});
      const { readBundle } = await import(${JSON.stringify(dist('checks/policy/bundle.js'))});
      const b = await readBundle();
      const p = await SandboxedPolicy.load({ wasm: b.wasm, entrypoint: b.manifest.entrypoint || 'kfm/violations',
        knownIds: b.catalogue.rules.map((r) => r.id) });
      const input = { env: 'dev', overlays: [], owners: [], resources: [], shared: [], run: { appProjects: [] }, params: {} };
      const json = new TextEncoder().encode(JSON.stringify(input)).buffer;
      const found = await p.evaluate({ json, resourceCount: 0 });
      console.log('answered ' + found.length);
    `;
    const dir = mkdtempSync(join(tmpdir(), 'kfm-sandbox-exit-'));
    const file = join(dir, 'run.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.signal).toBeNull(); // not killed by the timeout: it exited by itself
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('answered 0');
    expect(r.status).toBe(0);
  });
});
