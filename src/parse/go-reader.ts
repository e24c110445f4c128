/**
 * Where go-yaml v2 (sigs.k8s.io/yaml: what Argo CD and kubectl decode a manifest with) builds a different object from
 * the same text than the `yaml` parser does. A file read as it is (an Argo CD directory source, `validate` input) is
 * applied as Go reads it, so such a text is refused rather than checked our way. Each difference below was measured
 * against apimachinery's YAMLOrJSONDecoder (sigs.k8s.io/yaml v1.6, go.yaml.in/yaml/v2).
 *
 * Rendered streams need neither test: kustomize reads its inputs with a libyaml reader too and prints what it read
 * through go-yaml's emitter, which writes no such line break outside a quoted or block scalar and no anchor.
 */
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import * as yaml from 'yaml';

/**
 * libyaml breaks lines at LF, CR LF, a lone CR, NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (YAML 1.1); the `yaml`
 * parser (YAML 1.2) only at LF and CR LF. After `# reviewed` on a line, a CR and `name: cluster-admin` is one comment
 * here and a key for Go, which then wins over the key before it.
 */
const GO_ONLY_BREAK = /\r(?!\n)|[\u0085\u2028\u2029]/;

const BREAK_NAMES: Record<string, string> = {
  '\r': 'a carriage return not followed by a line feed',
  '\u0085': 'NEXT LINE (U+0085)',
  '\u2028': 'LINE SEPARATOR (U+2028)',
  '\u2029': 'PARAGRAPH SEPARATOR (U+2029)',
};

/** The first line break that Go's YAML reader sees and ours does not: its line (1-based, counted at LF) and name. */
export function goOnlyLineBreak(text: string): { line: number; what: string } | undefined {
  const m = GO_ONLY_BREAK.exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
  return { line, what: BREAK_NAMES[m[0]] };
}

/**
 * A merge key (`<<: *anchor`) that sets a key the mapping already set before it. The YAML merge type (and the `yaml`
 * parser) keeps the earlier value; go-yaml v2 applies a mapping's entries in order, so the merged value overwrites
 * it (`name: view` then `<<: *u` holding `name: cluster-admin` is a binding to cluster-admin in the cluster). Two
 * merge keys in one mapping setting the same key differ the same way. Explicit keys after a merge, and the entries
 * of one merged sequence (earlier wins in both), read alike and are accepted.
 */
export function mergeOverride(
  doc: Document.Parsed,
  lineCounter: LineCounter,
): { line: number; key: string } | undefined {
  const { isMap, isSeq, isPair, isScalar, isAlias } = yaml;
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const keysOf = (node: unknown): string[] => {
    const source = resolve(node);
    if (isSeq(source)) return source.items.flatMap((item) => keysOf(item));
    if (!isMap(source)) return [];
    const value = source.toJS(doc, { maxAliasCount: 100 }) as unknown;
    return value && typeof value === 'object' ? Object.keys(value) : [];
  };
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) stack.push(...node.items);
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      stack.push(pair.value);
      const { key } = pair;
      if (isScalar(key) && isMergeSymbol(key.value)) {
        const merged = keysOf(pair.value);
        const again = merged.find((k) => seen.has(k));
        if (again !== undefined) {
          const offset = (key as YamlNode).range?.[0] ?? 0;
          return { line: lineCounter.linePos(offset).line, key: again };
        }
        merged.forEach((k) => seen.add(k));
      } else {
        seen.add(String(isScalar(key) ? key.value : key));
      }
    }
  }
  return undefined;
}

/** The value the `yaml` parser gives a merge key (`<<` plain or `!!merge`) when merges are on. */
function isMergeSymbol(value: unknown): boolean {
  return typeof value === 'symbol' && value.description === '<<';
}
