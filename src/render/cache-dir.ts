import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { cacheRootDir } from '../util/paths.js';

/**
 * `<cache root>/render`, where the cache root is `--cache-dir`, else config `cache.dir` (relative to the root), else
 * `<root>/.kfm-gitops/cache`. A module of its own: `check` needs the folder before it knows whether anything renders,
 * and the render cache's module (crypto, sealing) is loaded only when something does (render/lazy.ts).
 */
export function renderCacheDir(root: string, config: Config, flagDir?: string): string {
  return join(cacheRootDir(root, flagDir ?? config.cache?.dir), 'render');
}
