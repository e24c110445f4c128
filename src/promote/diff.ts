/**
 * Pure diffs: a line diff (Myers' O(ND) algorithm) printed as unified hunks, and a per-resource diff of two
 * rendered YAML streams (resources matched by apiVersion/kind/namespace/name, so reordering is not a change).
 * Reusable by a general `diff` command.
 */
import { parseAllDocuments } from 'yaml';

export type LineOp = { op: 'equal' | 'delete' | 'insert'; line: string };

/** Shortest edit script turning `a` into `b`, as a sequence of kept, deleted and inserted lines. */
export function diffLines(a: readonly string[], b: readonly string[]): LineOp[] {
  // Trim the common prefix and suffix first: promotions change a line or two in hundreds.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  return [
    ...a.slice(0, start).map((line) => ({ op: 'equal' as const, line })),
    ...middle,
    ...a.slice(endA).map((line) => ({ op: 'equal' as const, line })),
  ];
}

/** Past this many differing lines the diff gives up on minimality (memory grows with the square). */
const MAX_EDIT_DISTANCE = 4000;

function myers(a: readonly string[], b: readonly string[]): LineOp[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  // trace[d] keeps only the diagonals round d can read (k in [-d-1, d+1]): O(D²) memory, not O(D·(N+M)).
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= Math.min(max, MAX_EDIT_DISTANCE) && !found; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  if (!found)
    return [
      ...a.map((line) => ({ op: 'delete' as const, line })),
      ...b.map((line) => ({ op: 'insert' as const, line })),
    ];
  // Walk the trace backwards to recover the script.
  const ops: LineOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const at = (k: number): number => trace[d][k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: 'equal', line: a[x - 1] });
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === prevX) ops.push({ op: 'insert', line: b[y - 1] });
    else ops.push({ op: 'delete', line: a[x - 1] });
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

export interface UnifiedOptions {
  fromLabel: string;
  toLabel: string;
  /** Context lines around each change (default 3). */
  context?: number;
}

/** `diff -u` style text; empty when both sides are equal. */
export function unifiedDiff(before: string, after: string, options: UnifiedOptions): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const context = options.context ?? 3;
  const out = [`--- ${options.fromLabel}`, `+++ ${options.toLabel}`];
  // Positions of changes, grouped into hunks whose context windows touch.
  const changed = ops.map((o, i) => (o.op === 'equal' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    let j = i;
    while (j + 1 < changed.length && changed[j + 1] - changed[j] <= 2 * context) j++;
    const from = Math.max(0, changed[i] - context);
    const to = Math.min(ops.length, changed[j] + context + 1);
    let aStart = 0;
    let bStart = 0;
    for (let p = 0; p < from; p++) {
      if (ops[p].op !== 'insert') aStart++;
      if (ops[p].op !== 'delete') bStart++;
    }
    const body: string[] = [];
    let aLen = 0;
    let bLen = 0;
    for (let p = from; p < to; p++) {
      const o = ops[p];
      if (o.op === 'equal') {
        body.push(` ${o.line}`);
        aLen++;
        bLen++;
      } else if (o.op === 'delete') {
        body.push(`-${o.line}`);
        aLen++;
      } else {
        body.push(`+${o.line}`);
        bLen++;
      }
    }
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`, ...body);
    i = j + 1;
  }
  return `${out.join('\n')}\n`;
}

function range(start: number, length: number): string {
  // Unified format: 1-based start; an empty range names the line before it.
  const first = length === 0 ? start : start + 1;
  return length === 1 ? `${first}` : `${first},${length}`;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface ResourceDiff {
  /** `apiVersion/Kind/namespace/name` (namespace left out for cluster-scoped objects). */
  key: string;
  change: 'added' | 'removed' | 'changed';
  /** Unified diff of the resource's YAML. */
  diff: string;
}

/** Splits a rendered stream into documents keyed by identity; documents without one keep their position. */
export function splitResources(stream: string): Map<string, string> {
  const out = new Map<string, string>();
  let docs;
  try {
    docs = parseAllDocuments(stream);
  } catch {
    return new Map([['(stream)', stream]]);
  }
  if (!Array.isArray(docs)) return new Map([['(stream)', stream]]);
  docs.forEach((doc, i) => {
    const range = doc.range;
    let text = stream.slice(range[0], range[2]).replace(/^---[^\n]*\n/, '');
    if (!text.endsWith('\n')) text += '\n';
    const obj = doc.errors.length === 0 ? (doc.toJS() as Record<string, unknown> | null) : null;
    const meta = (obj?.metadata ?? {}) as Record<string, unknown>;
    const key =
      obj && typeof obj.kind === 'string' && typeof meta.name === 'string'
        ? [obj.apiVersion, obj.kind, meta.namespace, meta.name]
            .filter((s) => typeof s === 'string' && s !== '')
            .join('/')
        : `(document ${i + 1})`;
    if (text.trim() !== '') out.set(out.has(key) ? `${key} (${i + 1})` : key, text);
  });
  return out;
}

/** Per-resource unified diffs between two rendered streams, in the order of the `after` stream (removals last). */
export function diffRendered(before: string, after: string, options: { context?: number } = {}): ResourceDiff[] {
  const a = splitResources(before);
  const b = splitResources(after);
  const out: ResourceDiff[] = [];
  for (const [key, text] of b) {
    const old = a.get(key);
    if (old === text) continue;
    out.push({
      key,
      change: old === undefined ? 'added' : 'changed',
      diff: unifiedDiff(old ?? '', text, {
        fromLabel: old === undefined ? '/dev/null' : `a/${key}`,
        toLabel: `b/${key}`,
        context: options.context,
      }),
    });
  }
  for (const [key, text] of a) {
    if (b.has(key)) continue;
    out.push({
      key,
      change: 'removed',
      diff: unifiedDiff(text, '', { fromLabel: `a/${key}`, toLabel: '/dev/null', context: options.context }),
    });
  }
  return out;
}
