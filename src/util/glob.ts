/**
 * Glob matching on POSIX paths for overlay filters, config selectors and .gitignore lines: `*`, `**`, `?`,
 * `[...]` classes (`[!...]` negated), `\` escapes and, unless turned off (gitignore has none), `{a,b}`.
 * Written here rather than pulled in: the patterns are short, user-supplied and matched against a few paths.
 */
export interface GlobOptions {
  /** `{a,b}` alternatives (default true; .gitignore syntax has none). */
  braces?: boolean;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Regular-expression source (no anchors) for a glob. */
export function globSource(glob: string, options: GlobOptions = {}): string {
  const braces = options.braces !== false;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` matches everything below.
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      re += escapeRegExp(glob[i + 1]);
      i++;
    } else if (c === '{' && braces && glob.indexOf('}', i) !== -1) {
      const end = glob.indexOf('}', i);
      re += `(?:${glob
        .slice(i + 1, end)
        .split(',')
        .map((alt) => globSource(alt, options))
        .join('|')})`;
      i = end;
    } else re += escapeRegExp(c);
  }
  return re;
}

export function globToRegExp(glob: string, options: GlobOptions = {}): RegExp {
  return new RegExp(`^${globSource(glob, options)}$`);
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  const clean = path.replace(/\/+$/, '');
  return globs.some((g) => globToRegExp(g.replace(/\/+$/, '')).test(clean));
}
