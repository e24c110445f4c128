/**
 * "Never had" means: not in the kustomization now, nor in any version of it in git history. One `git log -p` with
 * whole-file context gives every version of the file in one process (the lines of each diff before and after a
 * commit), instead of one `git show` per commit.
 */
import type { DigestHistory } from './plan.js';
import { readImagesText } from './kustomization.js';
import { findRepo, git, repoPath, type GitRepo } from './git.js';

/** Whole-file context: each diff then carries the complete file before and after the commit. */
const FULL_CONTEXT = '-U100000000';

/**
 * Versions of a file from `git log -p` output (full context): for every diff, the text before (' ' and '-' lines)
 * and after (' ' and '+' lines). Pure, for tests.
 */
export function versionsFromLogPatch(output: string): string[] {
  const versions: string[] = [];
  let before: string[] | undefined;
  let after: string[] | undefined;
  let inHunk = false;
  const flush = (): void => {
    if (before && before.length > 0) versions.push(before.join('\n') + '\n');
    if (after && after.length > 0) versions.push(after.join('\n') + '\n');
    before = undefined;
    after = undefined;
    inHunk = false;
  };
  for (const line of output.split('\n')) {
    if (line.startsWith('diff --git ') || line.startsWith('\u0000commit ')) {
      flush();
      continue;
    }
    if (line.startsWith('@@ ')) {
      inHunk = true;
      before ??= [];
      after ??= [];
      continue;
    }
    if (!inHunk || !before || !after) continue;
    if (line.startsWith(' ')) {
      before.push(line.slice(1));
      after.push(line.slice(1));
    } else if (line.startsWith('-')) before.push(line.slice(1));
    else if (line.startsWith('+')) after.push(line.slice(1));
    else if (line.startsWith('\\'))
      continue; // "\ No newline at end of file"
    else if (line === '') continue; // separator between commits' patches
  }
  flush();
  return versions;
}

/** Digests per image entry name, over every version of the file. */
export function digestsOfVersions(versions: readonly string[]): Map<string, Set<string>> {
  const digests = new Map<string, Set<string>>();
  for (const text of versions) {
    const { images } = readImagesText(text);
    for (const image of images) {
      if (!image.digest) continue;
      if (!digests.has(image.name)) digests.set(image.name, new Set());
      digests.get(image.name)!.add(image.digest);
    }
  }
  return digests;
}

/**
 * Every digest the kustomization at `abs` has held in the history of HEAD (`--follow` keeps renames).
 * `repo` may be passed when already known; undefined history when the file is not in a git repository.
 */
export async function digestHistory(
  abs: string,
  dir: string,
  known?: GitRepo | null,
  /** The commit whose history is read (default HEAD; `verify --base`: the base, not the change under review). */
  rev = 'HEAD',
): Promise<DigestHistory> {
  const repo = known === undefined ? await findRepo(dir) : (known ?? undefined);
  if (!repo || !repo.hasHead) return { available: false, digests: new Map() };
  const path = repoPath(repo, abs);
  const out = await git(
    ['log', '--format=%x00commit %H', '-p', FULL_CONTEXT, '--no-color', '--no-ext-diff', '--follow', rev, '--', path],
    {
      cwd: repo.top,
    },
  );
  return { available: true, shallow: repo.shallow, digests: digestsOfVersions(versionsFromLogPatch(out.stdout)) };
}

/** Digests per image at a given ref (for `verify --base`): what the file said before the change under review. */
export function digestsAt(text: string | undefined): Map<string, Set<string>> {
  return text === undefined ? new Map() : digestsOfVersions([text]);
}
