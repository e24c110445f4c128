/**
 * Overlay selection for `check`: `--changed-since <ref>` then `--shard i/n`, as one `select` hook for runCheck.
 * Everything that can be wrong with the request (not a Git work tree, unknown ref, bad shard spec) is found here,
 * before anything renders, and thrown as a SelectError (the CLI exits 2 with its message).
 */
import type { Config } from '../config/types.js';
import { changedSelector } from './changed.js';
import { changedFilesSince, GitError, type ChangedFiles } from './git.js';
import { parseShard, shardSelector, ShardSpecError, type ShardSpec } from './shard.js';
import { composeSelectors, type Selector } from './types.js';

export { composeSelectors, type Selection, type Selector } from './types.js';
export { changedSelector, globalChange, globalInputs } from './changed.js';
export { assignShards, parseShard, shardSelector, type ShardSpec } from './shard.js';
export { changedFilesSince, type ChangedFiles } from './git.js';
export { affects, overlayDeps, type OverlayDeps } from './graph.js';

export class SelectError extends Error {}

export interface SelectRequest {
  /** Absolute checked root. */
  root: string;
  config: Config;
  configFile?: string;
  changedSince?: string;
  /** `i/n` as typed. */
  shard?: string;
  signal?: AbortSignal;
}

export interface PreparedSelection {
  select?: Selector;
  changes?: ChangedFiles;
  shard?: ShardSpec;
}

export async function prepareSelection(request: SelectRequest): Promise<PreparedSelection> {
  let shard: ShardSpec | undefined;
  let changes: ChangedFiles | undefined;
  try {
    if (request.shard !== undefined) shard = parseShard(request.shard);
    if (request.changedSince !== undefined)
      changes = await changedFilesSince(request.root, request.changedSince, { signal: request.signal });
  } catch (err) {
    if (err instanceof GitError) throw new SelectError(`--changed-since ${request.changedSince}: ${err.message}`);
    if (err instanceof ShardSpecError) throw new SelectError(err.message);
    throw err;
  }
  const select = composeSelectors(
    changes
      ? changedSelector({ root: request.root, config: request.config, configFile: request.configFile, changes })
      : undefined,
    shard ? shardSelector({ root: request.root, config: request.config, shard }) : undefined,
  );
  return { select, changes, shard };
}
