/**
 * `--shard i/n`: split the overlays over n CI runners, deterministically (every runner computes the same split
 * from the same checkout) and balanced by size — the bytes of every file an overlay's render reads, which tracks
 * render and check time far better than a count. Greedy largest-first into the lightest bin; ties broken by path
 * so the split never depends on discovery or filesystem order.
 */
import type { Config } from '../config/types.js';
import type { Overlay } from '../types.js';
import { mapPool } from '../util/pool.js';
import { overlayDeps } from './graph.js';
import type { Selection, Selector } from './types.js';

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

export class ShardSpecError extends Error {}

/** Parses `i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardSpecError(`--shard takes i/n (e.g. 2/4), not ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new ShardSpecError(`--shard ${text}: need 1 ≤ i ≤ n`);
  return { index, count };
}

/** Pure assignment: overlay path → 1-based shard number. */
export function assignShards(sized: { path: string; bytes: number }[], count: number): Map<string, number> {
  const order = [...sized].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const load = new Array<number>(count).fill(0);
  const out = new Map<string, number>();
  for (const item of order) {
    let bin = 0;
    for (let i = 1; i < count; i++) if (load[i] < load[bin]) bin = i;
    load[bin] += item.bytes;
    out.set(item.path, bin + 1);
  }
  return out;
}

export function shardSelector(options: {
  root: string;
  config: Config;
  shard: ShardSpec;
  concurrency?: number;
}): Selector {
  const { index, count } = options.shard;
  return async (overlays: Overlay[], walk): Promise<Selection> => {
    const allowExec = options.config.kustomize?.allowExec === true;
    const sized = await mapPool(overlays, options.concurrency ?? 8, async (o) => ({
      path: o.path,
      bytes: (await overlayDeps(options.root, o, { allowExec, walk })).bytes,
    }));
    const bins = assignShards(sized, count);
    const selection: Selection = { keep: [], skipped: [] };
    for (const o of overlays) {
      const bin = bins.get(o.path)!;
      if (bin === index) selection.keep.push(o);
      else selection.skipped.push({ path: o.path, reason: `in shard ${bin}/${count}` });
    }
    return selection;
  };
}
