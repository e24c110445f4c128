#!/usr/bin/env node
/**
 * The render floor of kfm-gitops's own renderer: the kfm-render workers (tools/kfm-render, the kustomize API of the
 * pinned release) rendering every overlay at the same parallelism as the other modes, output discarded, nothing
 * else. Beside bench/floor.sh (a `kustomize build` process per overlay) it shows how much of a check is rendering.
 *
 * usage: floor-worker.mjs <root> <overlay-list-file> <parallelism>     env: KFM_RENDER (the kfm-render binary)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerRenderer } from '../dist/render/worker.js';

const [root, listFile, parallelism] = process.argv.slice(2);
const overlays = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
const renderer = new WorkerRenderer(process.env.KFM_RENDER, "bench", Number(parallelism));
let next = 0;
let failed = 0;
async function lane() {
  while (next < overlays.length) {
    const path = overlays[next++];
    const out = await renderer.render({
      overlay: { path, absPath: join(root, path), env: '', layer: '', kustomizationFile: 'kustomization.yaml' },
      root,
      timeoutMs: 120_000,
      origin: false,
      allowExec: false,
      maxOutputBytes: 256 * 1024 * 1024,
    });
    if (!out.ok) {
      failed++;
      console.error(`${path}: ${out.message}`);
    }
  }
}
await Promise.all(Array.from({ length: renderer.lanes }, lane));
await renderer.dispose();
process.exit(failed > 0 ? 1 : 0);
