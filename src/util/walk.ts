/** The one walk of a folder tree that sees every name (see walkTree). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every entry under `root` (folders marked with a trailing `/`), `.git` left out, symbolic links listed but never
 * followed. A plain readdir walk: glob libraries skip names a pattern's `.` cannot match (a newline in a name).
 * The secret scan (outside Git) and the whole-run cache key list files with it, so both see the same files.
 * `skip` leaves out an entry (and, for a folder, everything under it); `unreadable` hears of each folder that could not
 * be listed (its root-relative path, '' for the root), which the walk otherwise passes over.
 */
export async function walkTree(
  root: string,
  options: { skip?: (path: string) => boolean; unreadable?: (path: string) => void } = {},
): Promise<string[]> {
  const out: string[] = [];
  const folders = [''];
  while (folders.length > 0) {
    const rel = folders.pop()!;
    let dirents;
    try {
      dirents = await readdir(join(root, rel), { withFileTypes: true });
    } catch {
      options.unreadable?.(rel);
      continue; // unreadable folder: as fast-glob's suppressErrors did
    }
    for (const d of dirents) {
      if (d.name === '.git') continue;
      const path = rel === '' ? d.name : `${rel}/${d.name}`;
      if (options.skip?.(path)) continue;
      if (d.isDirectory()) {
        out.push(`${path}/`);
        folders.push(path);
      } else out.push(path);
    }
  }
  return out;
}
