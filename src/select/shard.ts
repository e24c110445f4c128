/**
 * `--shard i/n`: split the overlays over n CI runners, deterministically (every runner computes the same split
 * from the same checkout) and balanced by size — the bytes of every file an overlay's render reads, which tracks
 * render and check time far better than a count. Greedy largest-first into the lightest bin; ties broken by path
 * so the split never depends on discovery or filesystem order. The unit of the split is an env of app overlays
 * (see shardSelector).
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
    // Policies judge an env as a whole (an app overlay against the others of its env and the platform overlays),
    // so a shard holds whole envs of app overlays, and every shard renders the platform overlays as context: the
    // merged shards then report exactly what one run reports (identical findings of the repeated platform
    // overlays collapse in `report merge`).
    const unitOf = (o: Overlay): string | undefined => (o.layer === 'apps' ? `env:${o.env}` : undefined);
    const sized = await mapPool(overlays, options.concurrency ?? 8, async (o) => ({
      unit: unitOf(o),
      bytes: (await overlayDeps(options.root, o, { allowExec, walk })).bytes,
    }));
    const units = new Map<string, number>();
    for (const { unit, bytes } of sized) if (unit !== undefined) units.set(unit, (units.get(unit) ?? 0) + bytes);
    const bins = assignShards(
      [...units].map(([path, bytes]) => ({ path, bytes })),
      count,
    );
    const selection: Selection = { keep: [], skipped: [] };
    for (const o of overlays) {
      const unit = unitOf(o);
      const bin = unit === undefined ? index : bins.get(unit)!;
      if (bin === index) selection.keep.push(o);
      else selection.skipped.push({ path: o.path, reason: `in shard ${bin}/${count}` });
    }
    return selection;
  };
}
