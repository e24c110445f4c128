/**
 * Promote's writes go through the one atomic writer (util/atomic-write.ts) with promote's settings: durable (fsync
 * of the temp file and the folder), the replaced file's permissions kept, and temp names that carry the pid, so
 * leftovers of a killed run can be told from a live run's.
 */
import { randomBytes } from 'node:crypto';
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stageWrite, writeFileAtomic, type AtomicWriteOptions, type StagedWrite } from '../util/atomic-write.js';

/** `.kustomization.yaml.kfm-promote-<pid>-<random>.tmp`: hidden, same folder (rename stays atomic), traceable to a process. */
export const TEMP_NAME = /^\..+\.kfm-promote-(\d+)-[0-9a-f]+\.tmp$/;

const PROMOTE_WRITE: AtomicWriteOptions = {
  mkdir: false,
  keepMode: true,
  durable: true,
  tempName: (file) =>
    join(dirname(file), `.${basename(file)}.kfm-promote-${process.pid}-${randomBytes(4).toString('hex')}.tmp`),
};

/** Phase one of a promote write: the new content beside the file, renamed into place by `commit`. */
export function stageReplace(file: string, content: string): Promise<StagedWrite> {
  return stageWrite(file, content, PROMOTE_WRITE);
}

/** Temp files of an earlier promote that was killed before its rename; a live process keeps its own. */
export async function removeStaleTemps(file: string): Promise<void> {
  const dir = dirname(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // nothing to tidy: the write that follows fails on the same folder and says why
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || !name.startsWith(`.${basename(file)}.`)) continue;
    if (Number(m[1]) !== process.pid && isAlive(Number(m[1]))) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Replaces (or creates) `file` atomically; a crash leaves either the old or the new content. */
export function replaceFileAtomic(file: string, content: string): Promise<void> {
  return writeFileAtomic(file, content, PROMOTE_WRITE);
}
