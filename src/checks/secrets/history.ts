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
import { commitPatchArgs, git, gitTopLevel, resolveCommit } from '../../select/git.js';
import { matchesAny } from '../../util/glob.js';
import type { AskedGit } from '../../types.js';
import type { SecretsSettings } from './config.js';
import { decodeForScan } from './files.js';
import { RULE_TOO_LARGE, RULE_UNREADABLE } from '../../rules/secrets.js';
import { ruleTitle } from '../../rules/secret-patterns.js';
import {
  applyBaselineTo,
  keystoreFinding,
  prepareScanner,
  scanOneText,
  type Scanner,
  type SecretFinding,
} from './scan.js';

export interface HistoryScanOptions {
  root: string;
  base: string;
  settings: SecretsSettings;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** What `check --changed-since` already asked git (`base` is then the merge-base commit); unset: asked here. */
  git?: AskedGit;
}

export interface HistoryScanResult {
  findings: SecretFinding[];
  commits: number;
  filesScanned: number;
}

/** Marks a file git shows as binary: it has no lines, every finding in it is the commit's. */
export const BINARY = 0;

/** Added line numbers (1-based, at the new side) per file path of one commit's patch; BINARY for a binary file. */
export function addedLines(patch: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let file: string | undefined;
  let next = 0;
  let remaining = 0;
  for (const line of patch.split('\n')) {
    // A binary file (NULs: a key store, UTF-16 text without a BOM) has no hunks, only this line: it was skipped,
    // and a key store or a token added in one commit and deleted in the next stayed in the history unreported.
    const binary = /^Binary files (?:"(?:[^"\\]|\\.)*"|\S+) and ("(?:[^"\\]|\\.)*"|\S+) differ$/.exec(line);
    if (binary) {
      if (binary[1] !== '/dev/null') out.set(unquotePath(binary[1]).replace(/^b\//, ''), new Set([BINARY]));
      continue;
    }
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
  const top = options.git?.top ?? (await gitTopLevel(root, g));
  const commits = options.git
    ? await options.git.commits()
    : (await git(top, ['rev-list', '--reverse', `${await resolveCommit(top, options.base, g)}..HEAD`], g))
        .split('\n')
        .filter(Boolean);
  const rootPrefix = posix.relative(top.split('\\').join('/'), (await realpath(root)).split('\\').join('/'));
  const { scanner, baseline, baselinePath } = await prepareScanner(root, settings, options.env);
  const findings: SecretFinding[] = [];
  let filesScanned = 0;
  const underRoot = (path: string): string | undefined =>
    rootPrefix === '' ? path : path.startsWith(`${rootPrefix}/`) ? path.slice(rootPrefix.length + 1) : undefined;
  for (const commit of commits) {
    // The names of the files the commit adds, as the work-tree scan reads names: a token written as a file's name
    // (an empty file has no line a patch would show) and removed in the next commit stayed in the history unreported.
    const addedNames = (
      await git(
        top,
        [
          ...commitPatchArgs(commit).filter((a) => a !== '-p' && a !== '-U0'),
          '-r',
          '-z',
          '--name-only',
          '--diff-filter=A',
        ],
        g,
      )
    )
      .split('\0')
      .map(underRoot)
      .filter((f): f is string => f !== undefined && f !== '');
    for (const f of scanner.scanNames(addedNames)) {
      const short = commit.slice(0, 12);
      findings.push({ ...f, message: `${f.message} (added in commit ${short})`, commit: short });
    }
    const patch = await git(top, commitPatchArgs(commit), g);
    for (const [path, lines] of addedLines(patch)) {
      if (lines.size === 0) continue;
      const rel = underRoot(path);
      if (rel === undefined) continue; // outside the root
      // secrets.exclude quiets the generic rules only, as in the work-tree scan: known formats are still looked for.
      const excluded = settings.exclude.length > 0 && matchesAny(rel, settings.exclude);
      const short = commit.slice(0, 12);
      const blob = await gitBlob(top, `${commit}:${path}`, options.signal);
      const note = (f: SecretFinding): void => {
        findings.push({ ...f, message: `${f.message} (added in commit ${short})`, commit: short });
      };
      // What the work-tree scan reports of a file it cannot read is reported here too: unread is never clean.
      if (blob === undefined) {
        note({
          ruleId: RULE_UNREADABLE,
          message: `${ruleTitle(RULE_UNREADABLE)}: git could not read it`,
          file: rel,
          fingerprintParts: ['history', short],
        });
        continue;
      }
      if (blob.length > settings.maxFileBytes) {
        note({
          ruleId: RULE_TOO_LARGE,
          message: `${ruleTitle(RULE_TOO_LARGE)}: ${blob.length} bytes, over secrets.maxFileBytes (${settings.maxFileBytes})`,
          file: rel,
          fingerprintParts: ['too-large', short],
        });
        continue;
      }
      filesScanned++;
      const found = scanBlob(scanner, rel, blob, excluded);
      // A credential is the commit's when it sits on a line the commit added, or when the file held no such value
      // before it: one written inside a block scalar is reported on the key's line, which the commit did not add.
      const before = lines.has(BINARY) ? undefined : await gitBlob(top, `${commit}^:${path}`, options.signal);
      const known = new Set(before ? scanBlob(scanner, rel, before, excluded).map((f) => f.secretHash) : []);
      for (const f of found) {
        const added = lines.has(BINARY) || f.line === undefined || lines.has(f.line);
        if (added || (f.secretHash !== undefined && !known.has(f.secretHash))) note(f);
      }
    }
  }
  applyBaselineTo(findings, root, baselinePath, baseline);
  return { findings, commits: commits.length, filesScanned };
}

/** Findings in one version of a file, text or binary, as the work-tree scan reads it. */
function scanBlob(scanner: Scanner, rel: string, blob: Buffer, excluded: boolean): SecretFinding[] {
  const read = decodeForScan(blob);
  if (read !== undefined)
    return excluded
      ? scanner.scanExcluded(rel, { kind: 'text', bytes: blob.length, ...read })
      : scanOneText(scanner, rel, read.text, read.raw);
  const keystore = keystoreFinding(rel, blob.subarray(0, 8192), blob.length);
  if (keystore) return [keystore];
  return scanner.scanBinary(rel, blob, excluded ? { skipGeneric: true } : {});
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
