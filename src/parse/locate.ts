/** The span of a JSON path inside a parsed YAML document (`yaml` CST): config errors, kustomizations, secrets. */
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import * as yaml from 'yaml';
import type { JsonPath, Span } from '../types.js';

/**
 * Span of `path` inside a parsed document: the key of the deepest existing map entry, or the sequence item.
 * A path that does not exist (a missing required field) resolves to its deepest existing parent.
 */
export function locateInDocument(
  doc: Document.Parsed,
  lc: LineCounter,
  path: JsonPath,
  file: string,
): Span | undefined {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml;
  let node: unknown = doc.contents;
  let best: number | undefined = (node as YamlNode | null)?.range?.[0];
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      best = (pair.key as YamlNode).range?.[0] ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else {
      break;
    }
  }
  if (best === undefined) return undefined;
  const pos = lc.linePos(best);
  return { file, line: pos.line, column: pos.col };
}
