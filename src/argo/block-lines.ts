/**
 * The fast read of one Argo CD manifest document: its value from js-yaml (read exactly as `yaml`'s core schema reads
 * it, discover/kustomization-parse.ts loadLikeYaml) and the line of every key and node from the indentation of its
 * block structure, without the positional parser. That parser was most of a cold run's Argo CD view (~0.25 s CPU for
 * the medium bench repo's 58 KB of Applications and ApplicationSets: `yaml` runs cold, once per run; issue 20).
 *
 * Only plain block YAML is read this way: block maps with plain or simply quoted keys, block sequences, scalars and
 * flow collections on one line, block scalars with a plain header. Anything else (a compact nested sequence, a key
 * that is not a simple word, a structure that does not match the value js-yaml read) returns undefined and the
 * caller parses the document with positions, as it always did. The lines are those `yaml` gives the same nodes
 * (range start of a node, of a key), which test/argo/block-lines.test.ts compares on every path of every manifest
 * of infra/gitops, the fixtures, the bench repos and the shared corpus.
 */
import { loadLikeYaml } from '../discover/kustomization-parse.js';
import { isItem, RESOLVING_KEY } from '../discover/block-yaml.js';

type Path = readonly (string | number)[];

export interface LinedDocument {
  value: unknown;
  /** 1-based line of the node at `path` in the whole file; the document's first line when there is none. */
  lineOf(path: Path): number;
  /** The line of the key of the pair at `path` (`images:`), else lineOf(path). */
  keyLineOf(path: Path): number;
}

interface LineNode {
  /** 0-based line in the document text. */
  line: number;
  /** A block map: its keys' lines and values. */
  map?: Map<string, { keyLine: number; node: LineNode }>;
  /** A block sequence: its items. */
  items?: LineNode[];
  /** A flow collection on one line: everything under it is on that line. */
  flow?: boolean;
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

/** Plain keys that are words, not numbers, booleans or null under the core schema (those are left to `yaml`). */
const PLAIN_KEY = /^([A-Za-z_/][\w./-]*)[ ]*:(?: |$)/;
const QUOTED_KEY = /^(?:"([^"\\]*)"|'([^']*)')[ ]*:(?: |$)/;
const BLOCK_HEADER = /^[|>][-+]?(?: +#.*)?$/;
const MARKER_LINE = /^---[ ]*$/;

class Unreadable extends Error {}

/**
 * The document of `text` (one stretch between document markers, its own `---` line first or not) with lines, or
 * undefined when it is not plain block YAML. `lineBase` is the number of lines of the file before the stretch.
 */
export function readBlockDocument(text: string, lineBase: number): LinedDocument | undefined {
  let body = text;
  let skipped = 0;
  const firstEnd = text.indexOf('\n');
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (first.startsWith('---') || first.startsWith('...')) {
    if (!MARKER_LINE.test(first)) return undefined;
    body = firstEnd < 0 ? '' : text.slice(firstEnd + 1);
    skipped = 1;
  }
  const loaded = loadLikeYaml(body);
  if (!loaded) return undefined;
  const lines: Line[] = [];
  body.split('\n').forEach((raw, no) => {
    const text = raw.trimStart();
    if (text === '' || text.startsWith('#')) return;
    lines.push({ no, indent: raw.length - text.length, text });
  });
  let root: LineNode | undefined;
  try {
    const reader = new BlockReader(lines);
    root = reader.document();
  } catch (err) {
    if (err instanceof Unreadable) return undefined;
    throw err;
  }
  if (!sameShape(root, loaded.value)) return undefined;
  const offset = lineBase + skipped + 1;
  const firstLine = lineBase + 1;
  const value = loaded.value;
  const find = (path: Path): { node: LineNode } | { flow: LineNode } | undefined => {
    let node = root;
    let v = value;
    for (let i = 0; i < path.length; i++) {
      if (!node) return undefined;
      if (node.flow) return has(v, path.slice(i)) ? { flow: node } : undefined;
      const seg = path[i];
      if (node.map && typeof seg === 'string') node = node.map.get(seg)?.node;
      else if (node.items && typeof seg === 'number') node = node.items[seg];
      else return undefined;
      v = step(v, seg);
    }
    return node ? { node } : undefined;
  };
  const lineOf = (path: Path): number => {
    const found = find(path);
    if (!found) return firstLine;
    return offset + ('node' in found ? found.node.line : found.flow.line);
  };
  return {
    value,
    lineOf,
    keyLineOf(path) {
      const parent = find(path.slice(0, -1));
      const last = path[path.length - 1];
      if (parent && 'node' in parent && parent.node.map && typeof last === 'string') {
        const pair = parent.node.map.get(last);
        if (pair) return offset + pair.keyLine;
      }
      if (parent && typeof last === 'string') {
        const flow = 'flow' in parent ? parent.flow : parent.node.flow ? parent.node : undefined;
        if (flow && has(valueAt(value, path.slice(0, -1)), [last]) && isMapValue(valueAt(value, path.slice(0, -1))))
          return offset + flow.line;
      }
      return lineOf(path);
    },
  };
}

/** Reads the block structure from the document's significant lines (blank and comment lines left out). */
class BlockReader {
  private at = 0;
  constructor(private readonly lines: Line[]) {}

  document(): LineNode | undefined {
    if (this.lines.length === 0) return undefined;
    const node = this.node(-1);
    if (this.at < this.lines.length) throw new Unreadable();
    return node;
  }

  /** The node starting at the current line, which is indented more than `parent` (or a sequence at its indent). */
  private node(parent: number): LineNode {
    const line = this.lines[this.at];
    if (isItem(line.text)) return this.sequence(line.indent);
    if (keyOf(line.text)) return this.mapping(line.indent);
    this.at++;
    const flow = line.text.startsWith('[') || line.text.startsWith('{');
    this.skipMoreIndented(parent); // a plain scalar continued on the next lines
    return flow ? { line: line.no, flow: true } : { line: line.no };
  }

  private mapping(indent: number): LineNode {
    const map = new Map<string, { keyLine: number; node: LineNode }>();
    const node: LineNode = { line: this.lines[this.at].no, map };
    while (this.at < this.lines.length && this.lines[this.at].indent === indent) {
      const line = this.lines[this.at];
      const key = keyOf(line.text);
      if (!key || map.has(key.key)) throw new Unreadable();
      this.at++;
      map.set(key.key, { keyLine: line.no, node: this.value(line, indent, key.rest) });
    }
    if (this.at < this.lines.length && this.lines[this.at].indent > indent) throw new Unreadable();
    return node;
  }

  private sequence(indent: number): LineNode {
    const items: LineNode[] = [];
    const node: LineNode = { line: this.lines[this.at].no, items };
    while (this.at < this.lines.length && this.lines[this.at].indent === indent && isItem(this.lines[this.at].text)) {
      const line = this.lines[this.at];
      const rest = line.text.slice(1).trimStart();
      const column = indent + (line.text.length - rest.length);
      if (rest === '' || rest.startsWith('#')) {
        this.at++;
        items.push(this.childOrEmpty(line, indent, false));
      } else if (isItem(rest)) {
        throw new Unreadable(); // `- - x`: a compact nested sequence
      } else {
        // The rest of the line is a node of its own at its column (`- key: v` opens a mapping there).
        this.lines[this.at] = { no: line.no, indent: column, text: rest };
        items.push(this.node(indent));
      }
    }
    if (this.at < this.lines.length && this.lines[this.at].indent > indent) throw new Unreadable();
    return node;
  }

  /** The value of a key whose line was just consumed: on its line, or the block below it. */
  private value(line: Line, indent: number, rest: string): LineNode {
    if (rest === '' || rest.startsWith('#')) return this.childOrEmpty(line, indent, true);
    if (rest.startsWith('|') || rest.startsWith('>')) {
      if (!BLOCK_HEADER.test(rest)) throw new Unreadable();
      this.skipMoreIndented(indent); // block scalar content (comment-like lines in it included: they are content)
      return { line: line.no };
    }
    this.skipMoreIndented(indent);
    return rest.startsWith('[') || rest.startsWith('{') ? { line: line.no, flow: true } : { line: line.no };
  }

  /** The block under a line that ended after its key or dash: more indented, or (for a key) a sequence at its indent. */
  private childOrEmpty(line: Line, indent: number, key: boolean): LineNode {
    const next = this.lines[this.at];
    if (next && (next.indent > indent || (key && next.indent === indent && isItem(next.text))))
      return this.node(indent);
    return { line: line.no, empty: true } as LineNode; // a null: where `yaml` puts it is checked by the caller
  }

  private skipMoreIndented(indent: number): void {
    while (this.at < this.lines.length && this.lines[this.at].indent > indent) this.at++;
  }
}

function keyOf(text: string): { key: string; rest: string } | undefined {
  const plain = PLAIN_KEY.exec(text);
  if (plain) {
    // A key the core schema resolves (a boolean, null) is no string key for `yaml`; `__proto__` is set differently
    // by the two libraries.
    if (RESOLVING_KEY.test(plain[1]) || plain[1] === '__proto__') throw new Unreadable();
    return { key: plain[1], rest: text.slice(plain[0].length).trimStart() };
  }
  const quoted = QUOTED_KEY.exec(text);
  if (quoted) {
    const key = quoted[1] ?? quoted[2];
    if (key === '__proto__') throw new Unreadable();
    return { key, rest: text.slice(quoted[0].length).trimStart() };
  }
  if (/^[^\s#'"[{]*[^\s]:(?: |$)/.test(text) || text.startsWith('"') || text.startsWith("'")) throw new Unreadable();
  return undefined;
}

/** The structure read from the lines is the value's: same keys, same lengths, collections where it has them. */
function sameShape(node: LineNode | undefined, value: unknown): boolean {
  if (node === undefined) return value === null || value === undefined;
  if ((node as { empty?: boolean }).empty) return false; // a null's position: left to `yaml`
  if (node.flow) return typeof value === 'object' && value !== null;
  if (node.map) {
    if (!isMapValue(value)) return false;
    const keys = Object.keys(value);
    if (keys.length !== node.map.size) return false;
    for (const k of keys) {
      const entry = node.map.get(k);
      if (!entry || !sameShape(entry.node, value[k])) return false;
    }
    return true;
  }
  if (node.items) {
    if (!Array.isArray(value) || value.length !== node.items.length) return false;
    return node.items.every((item, i) => sameShape(item, value[i]));
  }
  return value === null || typeof value !== 'object';
}

function isMapValue(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function step(v: unknown, seg: string | number): unknown {
  if (typeof seg === 'number') return Array.isArray(v) ? v[seg] : undefined;
  return isMapValue(v) && Object.prototype.hasOwnProperty.call(v, seg) ? v[seg] : undefined;
}

function valueAt(v: unknown, path: Path): unknown {
  let at = v;
  for (const seg of path) at = step(at, seg);
  return at;
}

/** The path exists under `v` (a key of a map, an index of a list), whatever its value. */
function has(v: unknown, path: Path): boolean {
  let at = v;
  for (const seg of path) {
    if (
      typeof seg === 'number'
        ? !Array.isArray(at) || seg >= at.length || seg < 0
        : !isMapValue(at) || !Object.prototype.hasOwnProperty.call(at, seg)
    )
      return false;
    at = step(at, seg);
  }
  return true;
}
