/**
 * The one file-stamp format of every cache: inode, size, modification and change times. ctime is in it because it
 * moves on any write even when a tool restores the mtime; the inode because a rename-over keeps size and times.
 * Stats read with `{ bigint: true }` give nanoseconds; plain stats (fast-glob) give milliseconds, kept as such —
 * stamps are only ever compared with stamps of the same source.
 */
import type { BigIntStats, Stats } from 'node:fs';

export function fileStamp(s: Pick<Stats, 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'> | BigIntStats): string {
  return 'mtimeNs' in s
    ? `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
    : `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}
