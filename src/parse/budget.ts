/**
 * What the positional YAML parser (`yaml`, which keeps a node tree with ranges) may be given. It needs ~10 µs and
 * ~450 bytes per value: 0.4 MB of flow lists took it 3.4 s, a 4.7 MB ConfigMap of them 15 s and 1.6 GB, a 23 MB file
 * ran node out of memory. Every text it reads comes from the repository under check, so each caller asks first and,
 * over a limit, refuses the text (a finding) or goes without positions (a finding without a line), never parses it.
 */

/** The API server refuses a request body over 3 MiB: no larger object can be applied. */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;
/** Values (lines and flow items, counted before parsing) of one document given to the positional parser. */
export const MAX_POSITIONAL_VALUES = 250_000;

export interface PositionalLimits {
  maxDocumentBytes: number;
  maxPositionalValues: number;
}

const DEFAULTS: PositionalLimits = { maxDocumentBytes: MAX_DOCUMENT_BYTES, maxPositionalValues: MAX_POSITIONAL_VALUES };

/** Document markers at the start of a line (`---`, `...`, alone or followed by a blank): where documents can start or end. */
const MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** Where documents can start or end: the offset of every marker line, then the end of the text. */
export function documentBounds(text: string): number[] {
  const bounds: number[] = [];
  for (const m of text.matchAll(MARKER)) bounds.push(m.index);
  bounds.push(text.length);
  return bounds;
}

/**
 * The first stretch between document markers over the byte or value limit (its first line and why), if any. A
 * document cannot span a `---`/`...` line, so the stretch bounds the document it holds.
 */
export function oversizedDocument(
  text: string,
  limits: PositionalLimits = DEFAULTS,
): { line: number; why: string } | undefined {
  // Values are bounded by characters: a text under the limit in both holds no stretch over either.
  if (text.length <= limits.maxPositionalValues && text.length <= limits.maxDocumentBytes) return undefined;
  const ends = documentBounds(text);
  let start = 0;
  for (const end of ends) {
    if (end - start > limits.maxDocumentBytes)
      return { line: lineAt(text, start), why: `is over the limit of ${limits.maxDocumentBytes} bytes` };
    // Lines and commas: every block value takes a line, every flow item but the last a comma (an overestimate
    // inside block scalars, which Kubernetes' 3 MiB request limit keeps small).
    let values = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === NEWLINE || c === COMMA) values++;
    }
    if (values > limits.maxPositionalValues)
      return {
        line: lineAt(text, start),
        why: `holds about ${values} values, over the limit of ${limits.maxPositionalValues} for reading one with positions`,
      };
    start = end;
  }
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
