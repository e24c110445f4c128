/**
 * The path patterns of ApplicationSet git generators, matched without regular-expression backtracking: both the
 * pattern and the folder names are written by the repository under check, and `*a*a*a*b` against a long name would
 * make a backtracking matcher run for hours. A memoised walk over (pattern token, path position) is polynomial.
 *
 * `go` is Go's path.Match (git directories): `*`, `?`, `[...]` (`^` negates), `\` escapes, all within one segment.
 * `doublestar` adds `**` across segments (`**\/` = zero or more folders) and `{a,b}` (git files, Argo CD's globbing).
 * `argoGlobMatch` is Argo CD's util/glob (gobwas/glob without separators: a directory source's include/exclude),
 * where `*`, `?` and classes match `/` too.
 */

type Token =
  | { t: 'lit'; c: string }
  | { t: 'one' }
  | { t: 'class'; re: RegExp }
  | { t: 'star' }
  | { t: 'globstar' }
  | { t: 'globstarSlash' };

/** At most this many `{a,b}` alternatives per pattern: a hostile brace bomb is refused (matches nothing). */
const MAX_ALTERNATIVES = 256;
const MAX_PATTERN = 1024;

function tokens(pattern: string, doublestar: boolean): Token[] | undefined {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (doublestar && pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        out.push({ t: slash ? 'globstarSlash' : 'globstar' });
        i += slash ? 2 : 1;
      } else {
        while (pattern[i + 1] === '*') i++; // Go: `**` is `*`
        out.push({ t: 'star' });
      }
    } else if (c === '?') out.push({ t: 'one' });
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) return undefined; // Go: ErrBadPattern
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^') || body.startsWith('!');
      if (negate) body = body.slice(1);
      let cls = '';
      for (let k = 0; k < body.length; k++) {
        const b = body[k] === '\\' && k + 1 < body.length ? body[++k]! : body[k]!;
        // An unescaped `-` keeps its range meaning; a backslash, `]`, `^`, `[` and escaped characters stand for themselves.
        cls += b === '-' && body[k - 1] !== '\\' ? '-' : /[\]\\^[-]/.test(b) ? `\\${b}` : b;
      }
      try {
        out.push({ t: 'class', re: new RegExp(`^[${negate ? '^' : ''}${cls}]$`) });
      } catch {
        return undefined; // Go's ErrBadPattern: matches nothing, as in Argo CD (withinBudget covers the rest)
      }
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) out.push({ t: 'lit', c: pattern[++i]! });
    else out.push({ t: 'lit', c });
  }
  return out;
}

/** `{a,b}` alternatives expanded (innermost first), or undefined past MAX_ALTERNATIVES. */
function expandBraces(pattern: string): string[] | undefined {
  let pending = [pattern];
  const done: string[] = [];
  while (pending.length > 0) {
    const p = pending.pop()!;
    const m = /\{([^{}]*)\}/.exec(p);
    if (!m || !m[1]!.includes(',')) {
      done.push(p);
    } else {
      pending = pending.concat(
        m[1]!.split(',').map((alt) => p.slice(0, m.index) + alt + p.slice(m.index + m[0].length)),
      );
    }
    if (done.length + pending.length > MAX_ALTERNATIVES) return undefined;
  }
  return done;
}

function matchTokens(toks: Token[], path: string, separator = '/'): boolean {
  const memo = new Map<number, boolean>();
  const width = path.length + 1;
  const at = (i: number, j: number): boolean => {
    if (i === toks.length) return j === path.length;
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const tok = toks[i]!;
    const ch = path[j];
    let ok = false;
    switch (tok.t) {
      case 'lit':
        ok = ch === tok.c && at(i + 1, j + 1);
        break;
      case 'one':
        ok = ch !== undefined && ch !== separator && at(i + 1, j + 1);
        break;
      case 'class':
        ok = ch !== undefined && ch !== separator && tok.re.test(ch) && at(i + 1, j + 1);
        break;
      case 'star':
        ok = at(i + 1, j) || (ch !== undefined && ch !== separator && at(i, j + 1));
        break;
      case 'globstar':
        ok = at(i + 1, j) || (ch !== undefined && at(i, j + 1));
        break;
      case 'globstarSlash':
        // Zero folders, or any run of characters up to and including a `/`.
        ok = at(i + 1, j);
        for (let k = j; !ok && k < path.length; k++) if (path[k] === '/') ok = at(i + 1, k + 1);
        break;
    }
    memo.set(key, ok);
    return ok;
  };
  return at(0, 0);
}

/**
 * Whether a pattern is within what these matchers evaluate: past MAX_PATTERN characters or MAX_ALTERNATIVES brace
 * alternatives they answer "no match", which for an include pattern would hide what Argo CD deploys, so the
 * generator refuses such a pattern instead of matching with it.
 */
export function withinBudget(pattern: string, doublestar: boolean): boolean {
  return pattern.length <= MAX_PATTERN && (!doublestar || expandBraces(pattern) !== undefined);
}

/** Go's path.Match (git directories generator). A malformed pattern matches nothing, as in Argo CD. */
export function goPathMatch(pattern: string, path: string): boolean {
  if (pattern.length > MAX_PATTERN) return false;
  const toks = tokens(pattern, false);
  return toks !== undefined && matchTokens(toks, path);
}

/** Doublestar globbing (git files generator): `**`, `{a,b}`, and the rest as in Go. */
export function doublestarMatch(pattern: string, path: string): boolean {
  return braceMatch(pattern, path, true, '/');
}

/** Any `{a,b}` alternative of the pattern matches (with `**` tokens when `doublestar`, `separator` as `/`). */
function braceMatch(pattern: string, path: string, doublestar: boolean, separator: string): boolean {
  if (pattern.length > MAX_PATTERN) return false;
  const alternatives = expandBraces(pattern);
  if (!alternatives) return false;
  return alternatives.some((alt) => {
    const toks = tokens(alt, doublestar);
    return toks !== undefined && matchTokens(toks, path, separator);
  });
}

/**
 * Argo CD's glob (util/glob: gobwas/glob compiled without separators), as a directory source's `include`/`exclude`
 * is matched against each file's path relative to the source folder: `*` and `**` match any run of characters, `/`
 * included, `?` and classes any one character, `{a,b}` alternatives. Matched with `*` kept within a folder, as
 * before, `include: "*.yaml"` with `recurse: true` listed no file of a subfolder that Argo CD applies (nor did an
 * exclude leave out what Argo CD leaves out).
 */
export function argoGlobMatch(pattern: string, path: string): boolean {
  return braceMatch(pattern, path, false, '');
}

/**
 * Git's pathspec match without magic (`git ls-files -- <pattern>`, how Argo CD's git files generator lists files
 * unless the controller enables its newer doublestar globbing): wildmatch without WM_PATHNAME, so `*` and `?` match
 * `/` too; no `{a,b}`; a pattern without wildcards also matches everything under the folder it names.
 */
export function gitPathspecMatch(pattern: string, path: string): boolean {
  if (pattern.length > MAX_PATTERN) return false;
  const clean = pattern.replace(/\/+$/, '');
  if (!/[*?[\\]/.test(clean)) return path === clean || path.startsWith(`${clean}/`);
  const toks = tokens(clean, false);
  return toks !== undefined && matchTokens(toks, path, '');
}
