/**
 * Atomic file replacement: a temp file beside the target (same folder, so the rename is atomic), fsync, rename,
 * fsync of the folder. Temp names carry the pid, so leftovers of a killed run can be told from a live run's.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `.kustomization.yaml.kfm-promote-<pid>-<random>.tmp`: hidden, same folder (rename stays atomic), traceable to a process. */
export const TEMP_NAME = /^\..+\.kfm-promote-(\d+)-[0-9a-f]+\.tmp$/;

export async function writeTemp(file: string, content: string): Promise<string> {
  const temp = join(
    dirname(file),
    `.${basename(file)}.kfm-promote-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  // Keep the permissions of the file being replaced (the temp file becomes it).
  const mode = await stat(file).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  );
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

export async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; not every platform can open a directory, so this is best effort.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignore
  }
}

/** Temp files of an earlier promote that was killed before its rename; a live process keeps its own. */
export async function removeStaleTemps(file: string): Promise<void> {
  const dir = dirname(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
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
export async function replaceFileAtomic(file: string, content: string): Promise<void> {
  const temp = await writeTemp(file, content);
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(file));
}
