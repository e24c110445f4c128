/**
 * The history of a change (`secrets scan --history <base>`): every line added by every commit in `<base>..HEAD`,
 * scanned with the same rules, redaction, inline allows and baseline as the work tree. A credential added in one
 * commit and deleted in the next is gone from the tree but stays in the repository for good: this finds it.
 *
 * For each commit, `git diff-tree -p -U0` (first parent; the root commit against the empty tree) gives the added
 * line numbers per file; the file's content at that commit is scanned whole (so YAML structure and context are
 * there) and only findings on added lines are kept. Git runs through the shared runner in src/select/git.ts.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { git, gitTopLevel, resolveCommit } from '../../select/git.js';
import { matchesAny } from '../../util/glob.js';
import type { SecretsSettings } from './config.js';
import { decodeForScan } from './files.js';
import { applyBaselineTo, prepareScanner, scanOneText, type SecretFinding } from './scan.js';

export interface HistoryScanOptions {
  root: string;
  base: string;
  settings: SecretsSettings;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface HistoryScanResult {
  findings: SecretFinding[];
  commits: number;
  filesScanned: number;
}

/** Added line numbers (1-based, at the new side) per file path of one commit's patch. */
export function addedLines(patch: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let file: string | undefined;
  let next = 0;
  let remaining = 0;
  for (const line of patch.split('\n')) {
    if (remaining > 0 && (line.startsWith('+') || line.startsWith('-') || line.startsWith(' '))) {
      if (line.startsWith('+')) {
        if (file !== undefined) out.get(file)!.add(next);
        next++;
        remaining--;
      }
      continue;
    }
    if (line.startsWith('+++ ')) {
      const target = line.slice(4);
      file = target === '/dev/null' ? undefined : unquotePath(target).replace(/^b\//, '');
      if (file !== undefined && !out.has(file)) out.set(file, new Set());
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      next = Number(hunk[1]);
      remaining = hunk[2] === undefined ? 1 : Number(hunk[2]);
    }
  }
  return out;
}

/** Git quotes unusual paths as C strings (`"a\nb"`); core.quotePath=false leaves UTF-8 as it is. */
function unquotePath(p: string): string {
  if (!p.startsWith('"') || !p.endsWith('"')) return p;
  try {
    return JSON.parse(
      p.replace(/\\([0-7]{3})/g, (_m, o: string) => `\\u00${parseInt(o, 8).toString(16).padStart(2, '0')}`),
    ) as string;
  } catch {
    return p.slice(1, -1);
  }
}

export async function scanHistory(options: HistoryScanOptions): Promise<HistoryScanResult> {
  const { root, settings } = options;
  const g = { signal: options.signal };
  const top = await gitTopLevel(root, g);
  const base = await resolveCommit(top, options.base, g);
  const rootPrefix = posix.relative(top.split('\\').join('/'), (await realpath(root)).split('\\').join('/'));
  const commits = (await git(top, ['rev-list', '--reverse', `${base}..HEAD`], g)).split('\n').filter(Boolean);
  const { scanner, baseline, baselinePath } = await prepareScanner(root, settings, options.env);
  const findings: SecretFinding[] = [];
  let filesScanned = 0;
  for (const commit of commits) {
    const patch = await git(
      top,
      [
        '--no-pager',
        'diff-tree',
        '-p',
        '-U0',
        '--no-color',
        '--no-ext-diff',
        '--no-renames',
        '--root',
        '-m',
        '--first-parent',
        '--no-commit-id',
        commit,
      ],
      g,
    );
    for (const [path, lines] of addedLines(patch)) {
      if (lines.size === 0) continue;
      const rel =
        rootPrefix === '' ? path : path.startsWith(`${rootPrefix}/`) ? path.slice(rootPrefix.length + 1) : undefined;
      if (rel === undefined) continue; // outside the root
      // secrets.exclude quiets the generic rules only, as in the work-tree scan: known formats are still looked for.
      const excluded = settings.exclude.length > 0 && matchesAny(rel, settings.exclude);
      const blob = await gitBlob(top, `${commit}:${path}`, options.signal);
      if (blob === undefined || blob.length > settings.maxFileBytes) continue;
      const read = decodeForScan(blob);
      if (read === undefined) continue;
      filesScanned++;
      const short = commit.slice(0, 12);
      const found = excluded
        ? scanner.scanExcluded(rel, { kind: 'text', bytes: blob.length, ...read })
        : scanOneText(scanner, rel, read.text, read.raw);
      for (const f of found) {
        if (f.line !== undefined && !lines.has(f.line)) continue;
        findings.push({ ...f, message: `${f.message} (added in commit ${short})`, commit: short });
      }
    }
  }
  applyBaselineTo(findings, root, baselinePath, baseline);
  return { findings, commits: commits.length, filesScanned };
}

/**
 * A blob's bytes. The shared runner (src/select/git.ts) decodes UTF-8, which would hide UTF-16 and binary content,
 * so this one call keeps Buffers; same hardening: no hooks, no pager, C locale, no prompt.
 */
function gitBlob(top: string, spec: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((res) => {
    execFile(
      'git',
      ['-c', 'core.hooksPath=/dev/null', '--no-pager', 'cat-file', 'blob', spec],
      {
        cwd: top,
        encoding: 'buffer',
        maxBuffer: 256 * 1024 * 1024,
        signal,
        env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
      },
      (err, stdout) => res(err ? undefined : stdout),
    );
  });
}
