/**
 * Secret suppressions a change adds are weakenings of the gate like a rule switched off: a pull request that adds a
 * credential and, in the same change, a secrets-baseline entry or an inline `kfm-gitops:allow` for it passed with
 * exit 0 (hostile review, "suppression without audit"). An entry or allow already at the change's base is not the
 * change's: an allow is new when the text of its lines — the comment's, and the next line's for a comment alone on
 * its line — is not at the base as often as it is now (moving or editing around it is no new allow; a new value on
 * the line it covers is), a baseline entry when its rule, fingerprint and file are not at the base. An allow that a
 * commit of the change added and a later one deleted counts too: the history scan reads that commit with it. Allows
 * and entries that suppress nothing (no reason, a rule outside secrets.allowRules) are findings of their own and no
 * weakening. Nothing here quotes a line: an allow may share its line with the value.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { secretsSettings } from '../checks/secrets/config.js';
import {
  ALLOW_MARKER,
  baselineKey,
  parseBaseline,
  parseInlineAllows,
  type InlineAllow,
} from '../checks/secrets/suppress.js';
import { LineIndex } from '../checks/secrets/text.js';
import type { Config } from '../config/types.js';
import { redactPathFormats } from '../redact/index.js';
import { commitPatchArgs, type ChangedFiles } from '../select/git.js';
import { runGit } from '../util/git.js';
import { matchesAny } from '../util/glob.js';
import type { Weakening } from './weakening.js';

/** Bytes Git reads to call a file binary (an allow in a binary suppresses nothing: the scan ignores it). */
const BINARY_PROBE = 8000;

export async function suppressionWeakenings(root: string, config: Config, changes: ChangedFiles): Promise<Weakening[]> {
  const settings = secretsSettings(config.secrets as Record<string, unknown> | undefined);
  const baselineFile = posix.normalize(settings.baseline.split(sep).join('/'));
  const atBase = async (file: string): Promise<string> => {
    const path = relative(changes.top, join(root, file)).split(sep).join('/');
    return runGit(['show', `${changes.base}:${path}`], { cwd: changes.top }).then(
      (r) => r.stdout,
      () => '', // not at the base: everything in it is new
    );
  };
  const out: Weakening[] = [];
  /** The allows of the work tree by file, keyed (allowKey): a commit's allow still there is judged against the base. */
  const inTree = new Map<string, Set<string>>();
  for (const file of changes.inRoot) {
    const size = await stat(join(root, file)).then(
      (s) => (s.isFile() ? s.size : -1),
      () => -1, // deleted
    );
    if (size < 0 || size > settings.maxFileBytes) continue; // too large: not scanned, reported by the scan itself
    const text = await readFile(join(root, file), 'utf8').catch(() => '');
    if (file === baselineFile) out.push(...newBaselineEntries(file, text, await atBase(file)));
    else if (text.includes(ALLOW_MARKER) && !text.slice(0, BINARY_PROBE).includes('\0')) {
      inTree.set(file, new Set(allowKeys(text)));
      out.push(...newInlineAllows(file, text, await atBase(file), settings.allowRules));
    }
  }
  out.push(...(await commitAllows(root, changes, settings.allowRules, inTree)));
  return out;
}

/**
 * Allows a commit of the change added that the work tree no longer holds: the history scan (history.ts) reads each
 * commit with its own allows, so a token and its allow added in one commit and deleted in the next passed, while the
 * token stays in the repository for good. Only commits whose patch adds an allow line are read.
 */
async function commitAllows(
  root: string,
  changes: ChangedFiles,
  allowRules: readonly string[],
  inTree: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<Weakening[]> {
  const git = (args: string[]): Promise<string> =>
    runGit(args, { cwd: changes.top }).then(
      (r) => r.stdout,
      () => '',
    );
  const prefix = relative(changes.top, root).split(sep).join('/');
  const commits = await changes.commits().catch(() => []);
  const out: Weakening[] = [];
  for (const commit of commits) {
    const patch = await git(commitPatchArgs(commit));
    if (!patch.includes(ALLOW_MARKER)) continue;
    for (const m of patch.matchAll(/^\+\+\+ b\/(.+)$/gm)) {
      const path = m[1];
      const file = prefix === '' ? path : path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
      if (file === undefined) continue; // outside the root
      const text = await git(['show', `${commit}:${path}`]);
      if (!text.includes(ALLOW_MARKER) || text.slice(0, BINARY_PROBE).includes('\0')) continue;
      const still = inTree.get(file);
      const short = commit.slice(0, 12);
      for (const w of newInlineAllows(file, text, await git(['show', `${commit}^:${path}`]), allowRules))
        if (!still?.has(w.key)) out.push({ ...w, what: `${w.what} (added in commit ${short})` });
    }
  }
  return out;
}

function newBaselineEntries(file: string, text: string, before: string): Weakening[] {
  const now = parseBaseline(text);
  if (now.status !== 'ok') return []; // an invalid baseline fails the scan (KFM-SEC-904) and suppresses nothing
  const then = parseBaseline(before);
  const had = new Set(
    then.status === 'ok' ? then.baseline.entries.map((e) => baselineKey(e.ruleId, e.fingerprint, e.file)) : [],
  );
  const out: Weakening[] = [];
  now.baseline.entries.forEach((e, i) => {
    if (e.reason.trim() === '' || had.has(baselineKey(e.ruleId, e.fingerprint, e.file))) return;
    out.push({
      what: `a new secrets baseline entry for ${e.ruleId} in \`${redactPathFormats(e.file)}\``,
      mentions: [e.ruleId],
      file,
      line: now.entryLines[i],
    });
  });
  return out;
}

/** An allow by the text of the lines it covers (trimmed: re-indenting is no new allow). */
const covered = (lines: LineIndex, allow: InlineAllow): string =>
  allow.lines.map((l) => lines.line(l).trim()).join('\n');

function allowKeys(text: string): string[] {
  const lines = new LineIndex(text);
  return parseInlineAllows(text, lines).map((a) => covered(lines, a));
}

function newInlineAllows(
  file: string,
  text: string,
  before: string,
  allowRules: readonly string[],
): (Weakening & { key: string })[] {
  // The allows at the base, counted by key.
  const atBase = new Map<string, number>();
  for (const key of allowKeys(before)) atBase.set(key, (atBase.get(key) ?? 0) + 1);
  const lines = new LineIndex(text);
  const out: (Weakening & { key: string })[] = [];
  for (const allow of parseInlineAllows(text, lines)) {
    const key = covered(lines, allow);
    const left = atBase.get(key) ?? 0;
    if (left > 0) {
      atBase.set(key, left - 1);
      continue;
    }
    const rules = allow.reason === '' ? [] : allow.rules.filter((r) => matchesAny(r, allowRules));
    if (rules.length === 0) continue;
    out.push({
      what: `a new inline \`${ALLOW_MARKER} ${rules.join(',')}\``,
      mentions: rules,
      file,
      line: allow.line,
      key,
    });
  }
  return out;
}
