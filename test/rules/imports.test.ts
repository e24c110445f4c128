/**
 * Issue 13, item 5: stage imports flow one way and src/ has no import cycle; bench and test code live outside src/.
 * Static value imports only (`import type` vanishes at compile time; dynamic imports are lazy-loading edges).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';

const src = join(repoRoot, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Static value imports and re-exports of a module, as absolute .ts paths inside src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    // `import { type A, type B } from` is erased too; a default or namespace import is not.
    const braces = /^(?:import|export)\s+\{([^}]*)\}\s+from/.exec(m[0])?.[1];
    const items =
      braces
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? [];
    if (items.length > 0 && items.every((s) => s.startsWith('type '))) continue;
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

const rel = (p: string): string => relative(repoRoot, p);

describe('src/ structure', () => {
  const files = sources(src);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(src))]));

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map(rel).join(' → '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('keeps report, promote, findings and the stages below them from importing the pipeline', () => {
    const pipeline = join(src, 'pipeline.ts');
    const offenders = files.filter(
      (f) => !rel(f).startsWith('src/cli/') && f !== pipeline && (graph.get(f) ?? []).includes(pipeline),
    );
    expect(offenders.map(rel)).toEqual([]);
  });

  it('lets the registry depend on nothing but types, shared data and utilities', () => {
    const rules = files.filter((f) => rel(f).startsWith('src/rules/'));
    const allowed = (t: string): boolean =>
      /^src\/(rules|util)\//.test(rel(t)) || rel(t) === 'src/types.ts' || rel(t) === 'src/checks/secrets/text.ts';
    const bad = rules.flatMap((f) =>
      (graph.get(f) ?? []).filter((t) => !allowed(t)).map((t) => `${rel(f)} → ${rel(t)}`),
    );
    expect(bad).toEqual([]);
  });

  it('holds no bench or test code', () => {
    expect(files.map(rel).filter((f) => /bench|\.test\.ts$/.test(f))).toEqual([]);
  });
});
