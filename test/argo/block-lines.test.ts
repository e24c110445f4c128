/**
 * The Argo CD view's fast read (src/argo/block-lines.ts) must give every path the line the positional parser gives
 * it, and the same value: compared on every node and key of every YAML document of infra/gitops, the fixtures, the
 * tests' own trees, the bench repo when generated and the shared corpus, and on crafted shapes. Where it cannot
 * promise that, it must decline (the positional parser then reads the document).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseAllDocuments } from 'yaml';
import { positioned } from '../../src/argo/applications.js';
import { readBlockDocument, type LinedDocument } from '../../src/argo/block-lines.js';
import { fixtures, hasShared, repoRoot, sharedDir } from '../helpers.js';

type Path = (string | number)[];

/** Every path to a node under `v` (the root included), and for maps one key that is not there. */
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) {
    v.forEach((item, i) => paths(item, [...at, i], out));
    out.push([...at, v.length]);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) paths(child, [...at, k], out);
    out.push([...at, 'no-such-key'], [...at, 0]);
  }
  return out;
}

/** The stretches readArgoView reads one at a time: cut before each `---`/`...` line. */
function stretches(text: string): { chunk: string; lineBase: number }[] {
  const bounds = [...text.matchAll(/^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm)].map((m) => m.index);
  bounds.push(text.length);
  const out: { chunk: string; lineBase: number }[] = [];
  let start = 0;
  let line = 0;
  for (const end of bounds) {
    const chunk = text.slice(start, end);
    out.push({ chunk, lineBase: line });
    line += chunk.split('\n').length - 1;
    start = end;
  }
  return out;
}

/** The positional parser's reading of a stretch (the one document it holds, errors skipped as readArgoView does). */
function careful(chunk: string, lineBase: number): LinedDocument[] {
  const lc = new LineCounter();
  return parseAllDocuments(chunk, { lineCounter: lc, uniqueKeys: false })
    .filter((d) => 'contents' in d && d.errors.length === 0)
    .map((d) => positioned(d, lc, lineBase));
}

/** Compares the fast read with the careful one; returns whether the fast read took the stretch. */
function compare(chunk: string, lineBase: number, where: string): boolean {
  const fast = readBlockDocument(chunk, lineBase);
  if (!fast) return false;
  const docs = careful(chunk, lineBase);
  const value = docs.length === 0 ? undefined : docs[0].value;
  expect(docs.length <= 1, where).toBe(true);
  expect(fast.value ?? null, where).toEqual(value ?? null);
  if (docs.length === 0) return true;
  for (const p of paths(value)) {
    expect([where, p, fast.lineOf(p)]).toEqual([where, p, docs[0].lineOf(p)]);
    expect([where, p, 'key', fast.keyLineOf(p)]).toEqual([where, p, 'key', docs[0].keyLineOf(p)]);
  }
  return true;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return fg.sync(['**/*.yaml', '**/*.yml'], { cwd: dir, absolute: true, ignore: ['**/node_modules/**', '**/.git/**'] });
}

describe('the Argo CD view reads plain block YAML without the positional parser, with the same lines', () => {
  it('every document of infra/gitops, the fixtures and the shared corpus: same value, same line for every path', () => {
    const files = [
      ...yamlFiles(join(repoRoot, 'infra', 'gitops')),
      ...yamlFiles(fixtures),
      ...(hasShared ? yamlFiles(join(sharedDir, 'corpus')) : []),
    ];
    const bench = join(repoRoot, 'bench', 'out', 'repo-medium');
    if (existsSync(bench)) files.push(...yamlFiles(bench).filter((f) => /argoproj\.io/.test(readFileSync(f, 'utf8'))));
    let fast = 0;
    let argoFast = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { chunk, lineBase } of stretches(text)) {
        if (compare(chunk, lineBase, file)) {
          fast++;
          if (chunk.includes('argoproj.io')) argoFast++;
        }
      }
    }
    expect(fast).toBeGreaterThan(100);
    expect(argoFast).toBeGreaterThan(5); // infra/gitops' Applications take the fast read
  });

  it('crafted shapes: the lines agree where it reads, and it declines what it does not model', () => {
    const cases: Record<string, string> = {
      compactMaps: 'a:\n- b: 1\n  c: [x, y]\n-   d: {e: f}\n    g: h\n',
      nested:
        'spec:\n  # comment\n\n  source:\n    path: apps/x   # trailing\n    kustomize:\n      images:\n        - web=x\n',
      blockScalars: 'a: |\n  line\n  # not a comment\n\n  more\nb: >-\n   folded\nc: 1\n',
      plainContinued: 'a: one\n  two\n  three\nb: "quoted"\nc: \'single\'\n',
      seqOfSeqs: 'a:\n  -\n    - 1\n    - 2\n  - - 3\n',
      quotedKeys: '"a b": 1\n\'c\': {d: e}\nf: g\n',
      nulls: 'a:\nb: ~\nc: null\n',
      marker: '---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nspec: {source: {path: p}}\n',
      markerComment: '--- # c\na: 1\n',
      anchors: 'a: &x 1\nb: *x\n',
      flowSpanning: 'a: [1,\n  2]\n',
      numericKey: '1: a\nb: c\n',
      boolKey: 'true: a\n',
      proto: '__proto__: {a: 1}\n',
      deep: 'a:\n  b:\n    c:\n      - d:\n          e: f\n        g: [h]\n',
      emptyItem: 'a:\n  -\n  - b\n',
      rootSeq: '- a\n- b: c\n',
      rootScalar: 'just text\n',
      commentsOnly: '# nothing\n',
      indentedRoot: '  a: 1\n  b:\n    c: 2\n',
    };
    const took: string[] = [];
    for (const [name, text] of Object.entries(cases)) if (compare(text, 3, name)) took.push(name);
    expect(took.sort()).toEqual(
      [
        'blockScalars',
        'commentsOnly',
        'compactMaps',
        'deep',
        'indentedRoot',
        'marker',
        'nested',
        'plainContinued',
        'quotedKeys',
        'rootScalar',
        'rootSeq',
      ].sort(),
    );
  });
});
