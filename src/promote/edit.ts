/**
 * Applies image edits to a kustomization's text so that a byte diff shows only what promotion changes.
 *
 * yaml's Document API locates the nodes (with source ranges); the change itself is spliced into the original
 * text, one edit at a time. Re-stringifying the whole document would be simpler but is not byte-faithful (quotes,
 * flow collections, long lines, comment spacing can all move), and a promotion PR must show the digest lines and
 * nothing else. Layouts the splicer does not handle (flow-style `images:`, block scalars) fall back to the
 * Document API's own output. Either way the result is re-parsed and compared with the intended object.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isPair, isScalar, isSeq, parse, parseDocument, Scalar } from 'yaml';
import type { Document, Pair, YAMLMap, YAMLSeq } from 'yaml';

export interface ImageEditSpec {
  /** Entry to change (matched on `name:`), appended when missing. */
  name: string;
  newName: string;
  digest: string;
}

export class KustomizationEditError extends Error {}

type Splice = { start: number; end: number; text: string };

/** Returns the edited text; the input is not modified. Throws KustomizationEditError on an unusable kustomization. */
export function editKustomizationImages(original: string, edits: readonly ImageEditSpec[]): string {
  if (edits.length === 0) return original;
  let text = original;
  for (const edit of edits) {
    // One splice per round, re-parsing in between: ranges always refer to the current text.
    for (let round = 0; round < 8; round++) {
      const doc = parseChecked(text);
      const step = nextSplice(text, doc, edit);
      if (step === 'done') break;
      if (step === 'fallback') {
        text = viaDocument(text, edit);
        break;
      }
      text = text.slice(0, step.start) + step.text + text.slice(step.end);
    }
  }
  verify(original, text, edits);
  return text;
}

function parseChecked(text: string): Document.Parsed {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new KustomizationEditError(`not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (doc.contents !== null && !isMap(doc.contents))
    throw new KustomizationEditError('a kustomization must be a YAML mapping');
  return doc;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

/** The next change this edit needs, 'done' when the entry already says what the edit wants. */
function nextSplice(text: string, doc: Document.Parsed, edit: ImageEditSpec): Splice | 'done' | 'fallback' {
  const root = doc.contents as YAMLMap | null;
  const imagesPair = root ? pairOf(root, 'images') : undefined;
  if (!root || !imagesPair) return appendImagesBlock(text, edit);
  const seq = imagesPair.value;
  if (seq === null || (isScalar(seq) && (seq.value === null || seq.value === undefined))) {
    // `images:` with no list yet: put the list under the key, dropping a `~`/`null` left on its line.
    const key = imagesPair.key as Scalar;
    const lineStart = startOfLine(text, key.range![0]);
    const end = endOfLine(text, isScalar(seq) && seq.range ? seq.range[1] : key.range![1]);
    const indent = text.slice(lineStart, key.range![0]);
    return { start: lineStart, end, text: `${indent}images:\n${entryText(`${indent}  - `, `${indent}    `, edit)}` };
  }
  if (!isSeq(seq)) throw new KustomizationEditError('`images:` must be a list');
  if (seq.flow) return 'fallback';
  const item = seq.items.find(
    (i) => isMap(i) && isScalar(pairOf(i, 'name')?.value) && (pairOf(i, 'name')!.value as Scalar).value === edit.name,
  ) as YAMLMap | undefined;
  if (!item) return appendItem(text, seq, edit);
  if (item.flow) return 'fallback';
  for (const [key, value] of [
    ['newName', edit.newName],
    ['digest', edit.digest],
  ] as const) {
    const pair = pairOf(item, key);
    if (!pair) return insertKey(text, item, key, value);
    const node = pair.value;
    if (!isScalar(node) || !node.range) return 'fallback';
    if (node.value === value) continue;
    if (node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL) return 'fallback';
    return { start: node.range[0], end: node.range[1], text: scalarText(value, node.type) };
  }
  const stale = pairOf(item, 'newTag');
  if (stale) return removePair(text, item, stale);
  return 'done';
}

function appendImagesBlock(text: string, edit: ImageEditSpec): Splice {
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { start: text.length, end: text.length, text: `${sep}images:\n${entryText('  - ', '    ', edit)}` };
}

function appendItem(text: string, seq: YAMLSeq, edit: ImageEditSpec): Splice | 'fallback' {
  const at = seqAppendPoint(text, seq);
  if (!at) return 'fallback';
  return { start: at.offset, end: at.offset, text: at.lead + entryText(at.dashPrefix, at.keyIndent, edit) };
}

/** Where and how a new entry goes at the end of a block sequence of maps: after the last one, laid out like the first. */
function seqAppendPoint(
  text: string,
  seq: YAMLSeq,
): { offset: number; lead: string; dashPrefix: string; keyIndent: string } | undefined {
  const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] } | undefined;
  const first = seq.items[0] as { range?: [number, number, number] } | undefined;
  if (seq.flow || !last?.range || !first?.range) return undefined;
  const lineStart = startOfLine(text, first.range[0]);
  const prefix = text.slice(lineStart, first.range[0]);
  const dash = prefix.indexOf('-');
  if (dash < 0 || prefix.slice(0, dash).trim() !== '' || prefix.slice(dash + 1).trim() !== '') return undefined;
  const offset = endOfLine(text, last.range[1]);
  const lead = offset === text.length && !text.endsWith('\n') ? '\n' : '';
  return { offset, lead, dashPrefix: prefix, keyIndent: ' '.repeat(prefix.length) };
}

/**
 * Appends maps of plain strings to a block sequence (e.g. ApplicationSet list elements), copying the layout of its
 * first item and leaving every other byte alone. Undefined when the sequence is not a non-empty block list.
 */
export function appendMapsToBlockSeq(
  text: string,
  seq: YAMLSeq,
  maps: readonly Record<string, string>[],
): string | undefined {
  const at = seqAppendPoint(text, seq);
  if (!at) return undefined;
  const block = maps
    .map((m) =>
      Object.entries(m)
        .map(([k, v], i) => `${i === 0 ? at.dashPrefix : at.keyIndent}${scalarText(k)}: ${scalarText(v)}\n`)
        .join(''),
    )
    .join('');
  return text.slice(0, at.offset) + at.lead + block + text.slice(at.offset);
}

function insertKey(text: string, map: YAMLMap, key: string, value: string): Splice | 'fallback' {
  const firstKey = (map.items[0] as Pair | undefined)?.key as Scalar | undefined;
  const lastPair = map.items[map.items.length - 1] as Pair | undefined;
  const lastEnd = (lastPair?.value as Scalar | null)?.range?.[1] ?? (lastPair?.key as Scalar | undefined)?.range?.[1];
  if (!firstKey?.range || lastEnd === undefined) return 'fallback';
  const column = firstKey.range[0] - startOfLine(text, firstKey.range[0]);
  const at = endOfLine(text, lastEnd);
  const lead = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return { start: at, end: at, text: `${lead}${' '.repeat(column)}${key}: ${scalarText(value)}\n` };
}

/** Removes a key/value pair with its line; when the pair sits on the entry's dash line, the next key moves up. */
function removePair(text: string, map: YAMLMap, pair: Pair): Splice | 'fallback' {
  const key = pair.key as Scalar;
  const valueEnd = (pair.value as Scalar | null)?.range?.[1] ?? key.range?.[1];
  if (!key.range || valueEnd === undefined) return 'fallback';
  const lineStart = startOfLine(text, key.range[0]);
  const end = endOfLine(text, valueEnd);
  if (text.slice(lineStart, key.range[0]).trim() === '') return { start: lineStart, end, text: '' };
  const next = map.items[map.items.indexOf(pair) + 1] as Pair | undefined;
  const nextStart = (next?.key as Scalar | undefined)?.range?.[0];
  if (nextStart === undefined) return 'fallback';
  return { start: key.range[0], end: nextStart, text: '' };
}

function entryText(dashPrefix: string, keyIndent: string, edit: ImageEditSpec): string {
  return `${dashPrefix}name: ${scalarText(edit.name)}\n${keyIndent}newName: ${scalarText(edit.newName)}\n${keyIndent}digest: ${scalarText(edit.digest)}\n`;
}

/** A scalar in the style it had (quotes kept), plain when that reads back as the same string. */
function scalarText(value: string, style?: Scalar.Type): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  const plainSafe = /^[A-Za-z0-9_./@+][A-Za-z0-9_./@:+-]*$/.test(value) && !value.includes(': ');
  if (plainSafe) {
    try {
      if (parse(value) === value) return value;
    } catch {
      // not plain-safe after all
    }
  }
  return JSON.stringify(value);
}

function startOfLine(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the newline ending the line that holds `offset - 1` (a range end), or the text's end. */
function endOfLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** Layouts the splicer leaves alone: let the Document API edit and print (formatting may move, content is right). */
function viaDocument(text: string, edit: ImageEditSpec): string {
  const doc = parseChecked(text);
  const images = doc.get('images', true);
  const entries = isSeq(images) ? images : undefined;
  const item = entries?.items.find((i) => isMap(i) && i.get('name') === edit.name) as YAMLMap | undefined;
  if (item) {
    item.set('newName', edit.newName);
    item.set('digest', edit.digest);
    item.delete('newTag');
  } else if (entries) {
    entries.add(doc.createNode({ name: edit.name, newName: edit.newName, digest: edit.digest }));
  } else {
    doc.set('images', doc.createNode([{ name: edit.name, newName: edit.newName, digest: edit.digest }]));
  }
  return doc.toString({ lineWidth: 0 });
}

/** The edited text must mean exactly "the original with these image entries set", or nothing is written. */
function verify(original: string, edited: string, edits: readonly ImageEditSpec[]): void {
  const before = (parse(original) ?? {}) as Record<string, unknown>;
  const after = (parse(edited) ?? {}) as Record<string, unknown>;
  const expected: Record<string, unknown> = { ...before };
  const images = Array.isArray(before.images)
    ? (before.images as Record<string, unknown>[]).map((i) => ({ ...i }))
    : [];
  for (const e of edits) {
    const entry = images.find((i) => i && i.name === e.name);
    if (entry) {
      entry.newName = e.newName;
      entry.digest = e.digest;
      delete entry.newTag;
    } else {
      images.push({ name: e.name, newName: e.newName, digest: e.digest });
    }
  }
  expected.images = images;
  if (!isDeepStrictEqual(normalize(after), normalize(expected))) {
    throw new KustomizationEditError(
      'the edited kustomization does not say what the plan intended (refusing to write it)',
    );
  }
}

/** Key order inside an entry does not matter for the comparison; appended keys land at the end. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
}
