/**
 * Whether a rendered stream holds a construct the fast parsers must leave to the full parser (UNUSUAL below:
 * anchors, aliases, tags, merge keys, tabs, NUL), reading past the text of block scalars (`key: |`).
 *
 * Scripts embedded in ConfigMaps, Jobs and Tekton tasks are full of `&&`, `&>`, `*"…"*`, `[*]` and `!`: UNUSUAL
 * matched them, and each such stream went to the full parser. On redhat-cop/gitops-catalog that was every one of the
 * 91 streams the fast path refused (issue 20: ~0.4 s of node CPU of a check). Inside a block scalar YAML reads every
 * character as text, so the pattern is tested only on the lines outside them.
 *
 * Wrong here means a construct read by js-yaml instead of the full parser, so every doubt answers "unusual":
 * - a block scalar starts only at a line ending in a bare `|` or `>` (optional chomping indicator), after nothing but
 *   `- ` entries and a key (plain without `: ` or ` #`, or quoted on that line); an explicit indentation indicator,
 *   a comment or anything else after it is not recognised, and that line and the following ones are tested;
 * - its text is the following lines indented as its first non-empty line is, and more than the key (or the last
 *   `-`): YAML's own rule, so a line that is not text for a YAML reader is never skipped;
 * - a line outside block scalars that leaves a quoted scalar or a flow collection open (`"a` … `b"` over lines) makes
 *   the whole stream unusual: a line inside such a scalar could look like a block scalar's start (parse/open-lines.ts,
 *   as the kustomization fast parse decides it).
 */
import { flowOpenAt, quoteOpenAt } from './open-lines.js';

/**
 * Anchors (&a), aliases (*a), explicit tags (!x), merge keys: the constructs whose handling must stay the full parser's.
 * A node property starts a line or follows white space or a flow indicator (`[`, `{`, `,`); after `-` or `:` with no
 * space it is part of a plain scalar (`kfm-*-dev`, an AppProject's namespace glob), which sent whole rendered streams
 * (the bootstrap overlay's, 55 KB) to the full parser: ~0.2-0.5 s CPU of a cold check on the medium bench repo.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what must send a stream to the careful parser
export const UNUSUAL = /(?:^|[\s[{,])[&*!][^\s]|<<\s*:|\t|\u0000/m;
// eslint-disable-next-line no-control-regex -- NUL is unusual anywhere, even in a block scalar's text
const ANYWHERE = /\u0000/;
/** `- - key: |-` → [indent, dashes, key or undefined]. The key: plain, or quoted on the line. */
const BLOCK_HEADER =
  /^( *)((?:- +)*)(?:((?:[^\s#'"&*!|>%@`{}[\],?-][^#]*?|-[^\s#][^#]*?|'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"))( *): +)?[|>][-+]?$/;

/**
 * Characters without which UNUSUAL cannot match: one character-class scan settles most rendered streams (the
 * alternation costs ~3 ns a byte, ~25 ms of CPU over the medium bench repo's rendered text).
 */
// eslint-disable-next-line no-control-regex -- NUL, as in UNUSUAL
const TRIGGERS = /[&*!<\t\u0000]/;

export function isUnusual(text: string): boolean {
  if (!TRIGGERS.test(text) || !UNUSUAL.test(text)) return false;
  if (ANYWHERE.test(text)) return true;
  let parent = -1; // the column block scalar text must be indented past; -1: not in a block scalar
  let textIndent = -1; // the indent of the block scalar's first non-empty line; -1: none yet
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end);
    start = end + 1;
    if (parent >= 0) {
      const indent = leadingSpaces(line);
      if (indent === line.length) continue; // an empty line: text of the scalar (or nothing)
      if (textIndent < 0 && indent > parent) textIndent = indent;
      if (textIndent >= 0 && indent >= textIndent) continue;
      parent = -1;
    }
    if (UNUSUAL.test(line) || quoteOpenAt(line) || flowOpenAt(line)) return true;
    const header = BLOCK_HEADER.exec(line);
    if (header && (header[3] === undefined || !header[3].includes(': '))) {
      const [, indent, dashes, key] = header;
      const lastDash = dashes.length > 0 ? dashes.trimEnd().lastIndexOf('-') : -1;
      parent = key !== undefined ? indent.length + dashes.length : indent.length + lastDash;
      if (key === undefined && lastDash < 0) return true; // a bare `|` line: not a shape this reads
      textIndent = -1;
    }
  }
  return false;
}

function leadingSpaces(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 0x20) i++;
  return i;
}
