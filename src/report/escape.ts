/**
 * Text from the repository under check (file names, kustomize's messages quoting it, policy messages) printed to
 * a terminal or a CI log is hostile: an ANSI escape rewrites the terminal, a newline in a file name starts a line
 * of the attacker's choosing — in a GitHub Actions log a line `::error file=…::` (leading blanks allowed, the
 * runner trims them) or anything holding `##[` is a workflow command.
 *
 * `safeText` makes one field printable on one line: C0/C1 controls, DEL, line and paragraph separators and bidi
 * overrides become visible escapes (`\n`, `\x1b`, `\u202e`). `safeLines` keeps the message's own line breaks
 * (kustomize's messages are multi-line) and escapes everything else the same way. Both neutralise the runner's
 * command markers: `::` at the start of a line and `##[` anywhere.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what this escapes
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function neutraliseCommands(line: string): string {
  return line.replace(/^(\s*)::/, '$1\\::').replace(/##\[/g, '##\\[');
}

/** One field on one line (paths, ids, reasons): newlines and tabs escaped too. */
export function safeText(text: string): string {
  return neutraliseCommands(text.replace(/[\n\t]/g, escapeChar).replace(UNSAFE, escapeChar));
}

/** A message keeping its own line breaks (CRLF shown as `\r`); every line is safe on its own. */
export function safeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => neutraliseCommands(line.replace(/\t/g, '  ').replace(UNSAFE, escapeChar)))
    .join('\n');
}

/**
 * Control characters other than line breaks, escaped visibly: for formats whose own escaping carries CR and LF
 * exactly (github workflow-command data), so an annotation round-trips while no escape sequence reaches a log.
 */
export function safeControls(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === '\r' ? ch : escapeChar(ch)));
}

/**
 * Messages quote the repository and kustomize: a terminal escape in a manifest must not recolour or rewrite the
 * user's terminal. Control characters other than newline are shown as `?`.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
}
