/**
 * Secret suppressions a change adds are weakenings of the gate like a rule switched off: a pull request that adds a
 * credential and, in the same change, a secrets-baseline entry or an inline `kfm-gitops:allow` for it passed with
 * exit 0 (hostile review, "suppression without audit"). An entry or allow already at the change's base is not the
 * change's: an allow is new when the text of its lines — the comment's, and the next line's for a comment alone on
 * its line — is not at the base as often as it is now (moving or editing around it is no new allow; a new value on
 * the line it covers is), a baseline entry when its rule, fingerprint and file are not at the base. Allows and entries that suppress nothing (no reason, a rule outside secrets.allowRules) are
 * findings of their own and no weakening. Nothing here quotes a line: an allow may share its line with the value.
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
import type { ChangedFiles } from '../select/git.js';
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
  for (const file of changes.inRoot) {
    const size = await stat(join(root, file)).then(
      (s) => (s.isFile() ? s.size : -1),
      () => -1, // deleted
    );
    if (size < 0 || size > settings.maxFileBytes) continue; // too large: not scanned, reported by the scan itself
    const text = await readFile(join(root, file), 'utf8').catch(() => '');
    if (file === baselineFile) out.push(...newBaselineEntries(file, text, await atBase(file)));
    else if (text.includes(ALLOW_MARKER) && !text.slice(0, BINARY_PROBE).includes('\0'))
      out.push(...newInlineAllows(file, text, await atBase(file), settings.allowRules));
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

function newInlineAllows(file: string, text: string, before: string, allowRules: readonly string[]): Weakening[] {
  // The allows at the base by the text of the lines they cover (trimmed: re-indenting is no new allow), counted.
  const covered = (lines: LineIndex, allow: InlineAllow): string =>
    allow.lines.map((l) => lines.line(l).trim()).join('\n');
  const baseIndex = new LineIndex(before);
  const atBase = new Map<string, number>();
  for (const allow of parseInlineAllows(before, baseIndex)) {
    const key = covered(baseIndex, allow);
    atBase.set(key, (atBase.get(key) ?? 0) + 1);
  }
  const lines = new LineIndex(text);
  const out: Weakening[] = [];
  for (const allow of parseInlineAllows(text, lines)) {
    const key = covered(lines, allow);
    const left = atBase.get(key) ?? 0;
    if (left > 0) {
      atBase.set(key, left - 1);
      continue;
    }
    const rules = allow.reason === '' ? [] : allow.rules.filter((r) => matchesAny(r, allowRules));
    if (rules.length === 0) continue;
    out.push({ what: `a new inline \`${ALLOW_MARKER} ${rules.join(',')}\``, mentions: rules, file, line: allow.line });
  }
  return out;
}
