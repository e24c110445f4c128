import { statSync } from 'node:fs';

/**
 * Whether `p` (links followed) is a folder or a regular file. Nothing there (a missing path, a dangling link, a link
 * loop, a file in the way of a folder) is a no; any other failure (no permission, an I/O error) is thrown: what a
 * caller decides from the answer (the repo's layout, the kind of an Argo CD source) must not be guessed past a path
 * that could not be looked at.
 */
export function isKind(p: string, kind: 'folder' | 'file'): boolean {
  try {
    const s = statSync(p);
    return kind === 'folder' ? s.isDirectory() : s.isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return false;
    throw new Error(`cannot tell whether ${p} is a ${kind} (${code ?? String(err)})`, { cause: err });
  }
}
