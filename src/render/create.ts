import { KustomizeRenderer } from './kustomize.js';
import type { KustomizeCommand } from './resolve.js';
import type { Renderer } from './types.js';
import { WorkerRenderer } from './worker.js';

/** The renderer for a resolved kustomize: long-lived kfm-render workers, or a kustomize process per overlay. */
export function createRenderer(cmd: KustomizeCommand, concurrency = 1): Renderer {
  return cmd.worker
    ? new WorkerRenderer(cmd.file, cmd.version, concurrency, process.env, cmd.helm)
    : new KustomizeRenderer(cmd);
}
