/**
 * Suppressions with accountability.
 *
 * Inline: `kfm-gitops:allow <ruleId>[,<ruleId>…] <reason>` in a comment on the finding's line, or alone on the
 * line above it. No reason (or no rule id) → KFM-SEC-901 and nothing is suppressed; a rule outside
 * `secrets.allowRules` → KFM-SEC-903 and nothing is suppressed.
 *
 * Baseline: a JSON file `{version, key, entries: [{fingerprint, ruleId, file, line?, reason}]}`. `fingerprint` is
 * the secret's keyed hash (see redact.ts; `key` is the HMAC key of this repository), `file` the repo file or, for a
 * finding only the render reveals, the overlay path. An entry suppresses the finding with the same rule,
 * fingerprint and file. An entry without a reason suppresses nothing and is itself a finding (KFM-SEC-902).
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { locateInDocument } from '../../parse/index.js';
import { matchesAny } from '../../util/glob.js';
import type { LineIndex } from './text.js';

export const ALLOW_MARKER = 'kfm-gitops:allow';

export interface InlineAllow {
  /** 1-based line of the comment. */
  line: number;
  rules: string[];
  reason: string;
  /** Lines whose findings it may suppress. */
  lines: number[];
}

export interface AllowProblem {
  line: number;
  kind: 'no-reason' | 'not-permitted';
  rule?: string;
}

const RULE_ID = /^KFM-[A-Z]+-[0-9]{3}$/;
const COMMENT_OPENERS = /^(?:#+|\/\/+|\/\*+|<!--|;+|--|%+|REM\b|')?\s*$/i;

/** Finds every allow comment of a file. */
export function parseInlineAllows(text: string, lines: LineIndex): InlineAllow[] {
  const out: InlineAllow[] = [];
  let i = text.indexOf(ALLOW_MARKER);
  while (i !== -1) {
    const lineIdx = lines.lineOf(i);
    const lineStart = lines.lineStart(lineIdx);
    const lineEnd = lines.lineEnd(lineIdx);
    const before = text.slice(lineStart, i);
    const after = text
      .slice(i + ALLOW_MARKER.length, lineEnd)
      .replace(/\r$/, '')
      .replace(/(?:-->|\*\/)\s*$/, '')
      .trim();
    const [first = '', ...rest] = after.split(/\s+/);
    // Documentation of the syntax (`kfm-gitops:allow <ruleId> <reason>`, in backticks) is not an allow: only a
    // bare marker or one followed by something shaped like a rule id is taken as an attempt to suppress.
    if (text.charAt(i - 1) === '`' || (first !== '' && !/^KFM-/i.test(first))) {
      i = text.indexOf(ALLOW_MARKER, lineEnd);
      continue;
    }
    const rules = first.split(',').filter((r) => r !== '');
    const valid = rules.length > 0 && rules.every((r) => RULE_ID.test(r));
    const reason = valid
      ? rest
          .join(' ')
          .replace(/^["']|["']$/g, '')
          .trim()
      : '';
    const standalone = COMMENT_OPENERS.test(before.trim());
    const line = lineIdx + 1;
    out.push({ line, rules: valid ? rules : [], reason, lines: standalone ? [line, line + 1] : [line] });
    i = text.indexOf(ALLOW_MARKER, lineEnd);
  }
  return out;
}

export class InlineAllows {
  readonly problems: AllowProblem[] = [];
  private readonly byLine = new Map<number, InlineAllow[]>();

  constructor(allows: InlineAllow[], allowRules: readonly string[]) {
    for (const a of allows) {
      if (a.rules.length === 0 || a.reason === '') {
        this.problems.push({ line: a.line, kind: 'no-reason' });
        continue;
      }
      const refused = a.rules.filter((r) => !matchesAny(r, allowRules));
      for (const r of refused) this.problems.push({ line: a.line, kind: 'not-permitted', rule: r });
      const permitted = { ...a, rules: a.rules.filter((r) => !refused.includes(r)) };
      if (permitted.rules.length === 0) continue;
      for (const l of a.lines) {
        const list = this.byLine.get(l) ?? [];
        list.push(permitted);
        this.byLine.set(l, list);
      }
    }
  }

  /** The reason an allow gives for `ruleId` at `line`, if any. */
  reasonFor(ruleId: string, line: number | undefined): string | undefined {
    if (line === undefined) return undefined;
    return this.byLine.get(line)?.find((a) => a.rules.includes(ruleId))?.reason;
  }
}

// ── baseline ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  file: string;
  /** Informational: where the value was when the entry was written. Not used for matching. */
  line?: number;
  reason: string;
}

export interface BaselineFile {
  version: 1;
  /** HMAC key of this repository's secret fingerprints (not a secret value; see redact.ts). */
  key: string;
  entries: BaselineEntry[];
}

export type BaselineLoad =
  | { status: 'missing' }
  | { status: 'invalid'; reason: string }
  | { status: 'ok'; baseline: BaselineFile; entryLines: (number | undefined)[] };

export async function loadBaseline(abs: string): Promise<BaselineLoad> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'missing' };
    return { status: 'invalid', reason: `cannot be read (${code ?? 'error'})` };
  }
  return parseBaseline(text);
}

/**
 * Largest baseline read. Its entry lines come from the positional YAML parser (about 1.1 s per MB of this JSON), and
 * the file is committed by the change under check; 4 MiB holds ~25,000 entries.
 */
export const MAX_BASELINE_BYTES = 4 * 1024 * 1024;

export function parseBaseline(text: string): BaselineLoad {
  if (text.length > MAX_BASELINE_BYTES)
    return {
      status: 'invalid',
      reason: `is ${text.length} characters, over the ${MAX_BASELINE_BYTES / 1024 / 1024} MiB limit`,
    };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { status: 'invalid', reason: 'is not valid JSON' };
  }
  const v = value as Partial<BaselineFile> | null;
  if (!v || typeof v !== 'object' || v.version !== 1 || !Array.isArray(v.entries)) {
    return { status: 'invalid', reason: 'needs `version: 1` and an `entries` array' };
  }
  if (v.key !== undefined && (typeof v.key !== 'string' || v.key.length < 16)) {
    return { status: 'invalid', reason: '`key` must be a string of at least 16 characters' };
  }
  const entries: BaselineEntry[] = [];
  for (const [i, e] of v.entries.entries()) {
    const entry = e as Partial<BaselineEntry> | null;
    if (
      !entry ||
      typeof entry !== 'object' ||
      typeof entry.fingerprint !== 'string' ||
      typeof entry.ruleId !== 'string' ||
      typeof entry.file !== 'string'
    ) {
      return { status: 'invalid', reason: `entry ${i + 1} needs string \`fingerprint\`, \`ruleId\` and \`file\`` };
    }
    entries.push({
      fingerprint: entry.fingerprint,
      ruleId: entry.ruleId,
      file: entry.file,
      ...(typeof entry.line === 'number' ? { line: entry.line } : {}),
      reason: typeof entry.reason === 'string' ? entry.reason : '',
    });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc }) as Document.Parsed;
  const entryLines = entries.map((_, i) => locateInDocument(doc, lc, ['entries', i], '')?.line);
  return { status: 'ok', baseline: { version: 1, key: typeof v.key === 'string' ? v.key : '', entries }, entryLines };
}

export function baselineKey(ruleId: string, fingerprint: string, file: string): string {
  return `${ruleId}\u0000${fingerprint}\u0000${file}`;
}

/** Serialises a baseline: stable order and layout, so regenerating it gives a reviewable diff. */
export function formatBaseline(b: BaselineFile): string {
  const entries = [...b.entries].sort(
    (x, y) =>
      x.file.localeCompare(y.file) ||
      x.ruleId.localeCompare(y.ruleId) ||
      (x.line ?? 0) - (y.line ?? 0) ||
      x.fingerprint.localeCompare(y.fingerprint),
  );
  return `${JSON.stringify({ version: 1, key: b.key, entries }, null, 2)}\n`;
}
