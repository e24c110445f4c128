/**
 * Whether one line of YAML leaves a flow collection or a quoted scalar open at its end: the constructs whose
 * continuation lines parsers read differently (discover/kustomization-parse.ts), and inside which a line can look
 * like structure it is not (parse/unusual.ts). Both err towards "open".
 */

/** Brackets and braces that do not balance on the line (inside quotes and plain scalars too). */
export function flowOpenAt(line: string): boolean {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth !== 0;
}

/**
 * A quote that opens a scalar and does not close on the line. A quote is taken to open wherever a node may start
 * (after a space, `:`, `-`, `[`, `{`, `,`, `?` or at the line's start); a comment (` #`) ends the line.
 */
export function quoteOpenAt(line: string): boolean {
  let prev = ' '; // last character outside quotes
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '#' && (prev === ' ' || i === 0)) break; // a comment
    if ((c === '"' || c === "'") && ' :-[{,?'.includes(prev)) {
      let closed = false;
      for (i++; i < line.length; i++) {
        if (c === '"' && line[i] === '\\') i++;
        else if (c === "'" && line[i] === "'" && line[i + 1] === "'") i++;
        else if (line[i] === c) {
          closed = true;
          break;
        }
      }
      if (!closed) return true;
      prev = c;
      continue;
    }
    prev = c;
  }
  return false;
}
