/**
 * A small `.gitignore` reader for roots that are not inside a Git work tree (a tarball, a CI artifact). Inside a
 * work tree the scanner asks Git itself (`git ls-files -co --exclude-standard`), which is always right; this is the
 * fallback and covers the common syntax: blank lines and `#` comments, `!` negation (last match wins), a leading
 * or inner `/` anchoring the pattern to the file's folder, a trailing `/` for folders only, `*`, `**`, `?`, `[…]`.
 * Patterns become RE2 expressions (linear time, whatever a .gitignore holds).
 */
import { RE2JS } from 're2js';
import { escapeRegExp, globSource } from '../../util/glob.js';

interface IgnoreRule {
  re: RE2JS;
  negate: boolean;
  dirOnly: boolean;
}

export class GitIgnore {
  private readonly rules: IgnoreRule[] = [];

  /** Adds the patterns of the `.gitignore` found in folder `dir` (repo-relative POSIX, '' for the root). */
  add(dir: string, text: string): void {
    for (const raw of text.split('\n')) {
      let line = raw.replace(/\r$/, '');
      if (line.trim() === '' || line.startsWith('#')) continue;
      line = line.replace(/(?<!\\)\s+$/, '');
      let negate = false;
      if (line.startsWith('!')) {
        negate = true;
        line = line.slice(1);
      }
      if (line.startsWith('\\')) line = line.slice(1);
      let dirOnly = false;
      if (line.endsWith('/')) {
        dirOnly = true;
        line = line.slice(0, -1);
      }
      if (line === '') continue;
      const anchored = line.includes('/');
      if (line.startsWith('/')) line = line.slice(1);
      const prefix = dir === '' ? '' : `${escapeRegExp(dir)}/`;
      const body = globSource(line, { braces: false });
      const source = anchored ? `${prefix}${body}` : `${prefix}(?:.*/)?${body}`;
      try {
        this.rules.push({ re: RE2JS.compile(`^${source}$`), negate, dirOnly });
      } catch {
        // A pattern Git would accept but we cannot translate is ignored (Git is the authority in a work tree).
      }
    }
  }

  /** True when Git would ignore the file at repo-relative POSIX `path` (a folder above it may be what is ignored). */
  ignores(path: string): boolean {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      const isDir = i < parts.length;
      let ignored = false;
      for (const r of this.rules) {
        if (r.dirOnly && !isDir) continue;
        if (r.re.matches(sub)) ignored = !r.negate;
      }
      // Git cannot re-include a file whose folder is excluded.
      if (ignored) return true;
    }
    return false;
  }
}
