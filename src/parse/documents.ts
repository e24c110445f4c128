/**
 * Rendered documents that kfm-render also sent as JSON (tools/kfm-render/documents.go): JSON.parse instead of a YAML
 * parser. js-yaml was ~560 ms CPU of a cold check on the medium bench repo (6,172 resources), JSON.parse of the same
 * documents ~35 ms (issue 20). The YAML text stays the reference: spans, locators and the secret scan read it, and
 * the values must be exactly what parseGenerated (js-yaml, core schema) reads from it, so that no finding changes.
 *
 * The JSON is what the Go YAML parser reads back from that text, in its order. The two readers differ only in how a
 * plain scalar resolves: YAML 1.1 (Go) against the 1.2 core schema (js-yaml). Go's emitter quotes every string that
 * it would itself read as something else, so a difference needs a string that Go writes plain and js-yaml would read
 * as a null, boolean or number (`0x1F`, `1_000`, `.inf`, `+1`…). Any document holding such a string (as a key or a
 * value) is read from its YAML with js-yaml instead; everything else about the text (anchors, tags, tabs, merge keys,
 * the limits) is decided exactly as in parseGenerated, on the same text.
 */
import jsyaml from 'js-yaml';
import type { ParseLimits } from './index.js';
import { depthOver, lazyLocator, type FastDocument } from './fast.js';
import { isUnusual } from './unusual.js';

const SEPARATOR_TAIL = /^[ \t]*$/;
interface ImplicitType {
  resolve(data: string): boolean;
}
/**
 * js-yaml's own resolvers of the core schema's implicit types (exported by js-yaml 4, not declared by its typings), so
 * the question "what would js-yaml read" is answered by js-yaml. Missing (another js-yaml): every candidate counts as
 * ambiguous, and such documents are read from their YAML.
 */
const exported = (jsyaml as unknown as { types?: Record<string, ImplicitType | undefined> }).types;
const CORE_IMPLICIT: ImplicitType[] = ['null', 'bool', 'int', 'float'].map(
  (name) => exported?.[name] ?? { resolve: () => true },
);

/** First characters of every plain scalar the core schema reads as a null, boolean or number (`~`, n, t, f, digits, sign, dot). */
function mayResolve(first: number): boolean {
  return (
    (first >= 0x30 && first <= 0x39) || // 0-9
    first === 0x2b || // +
    first === 0x2d || // -
    first === 0x2e || // .
    first === 0x7e || // ~
    first === 0x6e || // n
    first === 0x4e || // N
    first === 0x74 || // t
    first === 0x54 || // T
    first === 0x66 || // f
    first === 0x46 // F
  );
}

/** Strings Go's YAML 1.1 reader takes for a null, boolean or number: its emitter always quotes them. */
const QUOTED_BY_GO = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)$/;

/** Would js-yaml read this string, written as a plain scalar, as something other than this string? */
export function readsOtherwiseWhenPlain(s: string): boolean {
  if (s === '' || !mayResolve(s.charCodeAt(0))) return false;
  if (QUOTED_BY_GO.test(s)) return false;
  return CORE_IMPLICIT.some((t) => t.resolve(s));
}

/** What one walk of a document found: a key or string that could read differently from its YAML, nesting over the limit. */
const AMBIGUOUS = 1;
const TOO_DEEP = 2;

/**
 * One walk of a document's value for both questions parseWithDocuments asks (two walks were ~45 ms CPU of a cold check
 * on the medium bench repo): stops at the first ambiguous string (the document is then read from its YAML and its depth
 * measured on that value); nesting is measured as depthOver does (the document is 1, each map or list one more).
 */
function walk(value: unknown, maxDepth: number): number {
  let found = 0;
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (typeof node === 'string') {
      if (readsOtherwiseWhenPlain(node)) return AMBIGUOUS;
    } else if (node !== null && typeof node === 'object') {
      if (depth > maxDepth) found = TOO_DEEP;
      if (Array.isArray(node)) {
        for (const item of node) {
          nodes.push(item);
          depths.push(depth + 1);
        }
      } else {
        for (const key in node) {
          if (readsOtherwiseWhenPlain(key)) return AMBIGUOUS;
          nodes.push((node as Record<string, unknown>)[key]);
          depths.push(depth + 1);
        }
      }
    }
  }
  return found;
}

/**
 * The documents of a rendered stream from its JSON, or undefined when parseGenerated must read the text (anything
 * unusual in it, JSON that is not one value per document, a document over a limit: the full parser reports those).
 */
export function parseWithDocuments(text: string, json: string, limits: ParseLimits): FastDocument[] | undefined {
  if (isUnusual(text)) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(json);
  } catch {
    return undefined; // the caller parses the YAML text instead (the reference): same result, slower
  }
  if (!Array.isArray(values)) return undefined;
  // Document boundaries exactly as parseGenerated finds them: `---` lines (kfm-render writes "---\n" between
  // documents and nothing before the first). A document ends before the newline that precedes its separator.
  if (/^---[ \t]*(?:\n|$)/.test(text)) return undefined;
  const starts = [0];
  const ends: number[] = [];
  for (let i = text.indexOf('\n---'); i >= 0; i = text.indexOf('\n---', i + 1)) {
    const eol = text.indexOf('\n', i + 1);
    const after = eol < 0 ? text.length : eol;
    if (!SEPARATOR_TAIL.test(text.slice(i + 4, after))) continue;
    ends.push(i);
    starts.push(eol < 0 ? text.length : eol + 1);
  }
  ends.push(text.length);
  if (starts.length !== values.length || values.length > limits.maxDocuments) return undefined;
  const docs: FastDocument[] = [];
  let line = 1;
  for (let d = 0; d < starts.length; d++) {
    const chunk = text.slice(starts[d], ends[d]);
    if (chunk.length > limits.maxDocumentBytes) return undefined;
    // kfm-render prints no blank or comment lines: a document's content starts on its first line.
    if (chunk === '' || !startsWithContent(chunk)) return undefined;
    const lineCount = countLines(chunk);
    let value = values[d] as unknown;
    const found = walk(value, limits.maxDepth);
    if (found === TOO_DEEP) return undefined;
    if (found === AMBIGUOUS) {
      try {
        value = jsyaml.load(chunk, { schema: jsyaml.CORE_SCHEMA, json: false });
      } catch {
        return undefined; // the full parser reads the text again and reports the error with its line
      }
      if (depthOver(value, limits.maxDepth)) return undefined;
    }
    docs.push({ value, line, locate: lazyLocator(text, line - 1, line - 1 + lineCount) });
    line += lineCount + 1; // this document's lines and its separator
  }
  return docs;
}

/** The first character is content: not a comment, a blank or a line break. */
function startsWithContent(chunk: string): boolean {
  const c = chunk.charCodeAt(0);
  return c !== 0x23 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff;
}

/** Lines of a chunk as `split('\n')` counts them. */
function countLines(chunk: string): number {
  let n = 1;
  for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) n++;
  return n;
}
