/**
 * A line diff (Myers' O(ND) algorithm, after trimming the common head and tail) and unified-diff hunks, for the
 * rendered diff. Pure functions; small inputs (one resource's YAML) are the common case, and a pathological pair
 * degrades to "replace the middle" instead of burning CPU.
 */

export interface Edit {
  op: ' ' | '-' | '+';
  line: string;
}

/** Above this many differences the middle is reported as removed-then-added (still a correct diff, just not minimal). */
const MAX_EDIT_DISTANCE = 2000;

export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out: Edit[] = a.slice(0, head).map((line) => ({ op: ' ', line }));
  out.push(...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)));
  out.push(...a.slice(a.length - tail).map((line) => ({ op: ' ' as const, line })));
  return out;
}

function middle(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ op: '+', line }));
  if (m === 0) return a.map((line) => ({ op: '-', line }));
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
  // Walk the trace back from (n, m) to (0, 0), collecting snakes and single edits.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: ' ', line: a[--x] });
      y--;
    }
    if (x === prevX) edits.push({ op: '+', line: b[--y] });
    else edits.push({ op: '-', line: a[--x] });
  }
  while (x > 0 && y > 0) {
    edits.push({ op: ' ', line: a[--x] });
    y--;
  }
  return edits.reverse();
}

export interface Hunk {
  /** 1-based start line and length in the old text (start is the line before when the length is 0, as diff(1) does). */
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  edits: Edit[];
}

/** Groups edits into hunks with `context` unchanged lines around each change. No hunks when nothing changed. */
export function hunks(edits: readonly Edit[], context = 3): Hunk[] {
  const out: Hunk[] = [];
  const changed = edits.map((e, i) => (e.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return out;
  // Line numbers before each edit.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let nw = 0;
  for (const e of edits) {
    oldAt.push(o);
    newAt.push(nw);
    if (e.op !== '+') o++;
    if (e.op !== '-') nw++;
  }
  let start = Math.max(0, changed[0] - context);
  let end = Math.min(edits.length, changed[0] + context + 1);
  const flush = (): void => {
    const slice = edits.slice(start, end);
    const oldLines = slice.filter((e) => e.op !== '+').length;
    const newLines = slice.filter((e) => e.op !== '-').length;
    out.push({
      oldStart: oldLines === 0 ? oldAt[start] : oldAt[start] + 1,
      oldLines,
      newStart: newLines === 0 ? newAt[start] : newAt[start] + 1,
      newLines,
      edits: slice,
    });
  };
  for (const i of changed.slice(1)) {
    if (i - context <= end) {
      end = Math.min(edits.length, i + context + 1);
    } else {
      flush();
      start = i - context;
      end = Math.min(edits.length, i + context + 1);
    }
  }
  flush();
  return out;
}

/** Unified diff of two texts (hunks only, no file header); empty when they are equal. */
export function unifiedDiff(oldText: string, newText: string, options: { context?: number } = {}): string {
  const split = (t: string): string[] => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const out: string[] = [];
  for (const h of hunks(diffLines(split(oldText), split(newText)), options.context ?? 3)) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const e of h.edits) out.push(`${e.op}${e.line}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function range(start: number, lines: number): string {
  return lines === 1 ? String(start) : `${start},${lines}`;
}
