/**
 * The positional YAML parser is never given a text too costly for it (parse/budget.ts): each reader of repository
 * text asks first, then refuses the text with a line or goes without positions. Dense flow lists are the hostile
 * shape: ~10 µs and ~450 bytes per value in the positional parser, seconds and GBs for a few MB.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_POSITIONAL_VALUES, oversizedDocument } from '../../src/parse/budget.js';
import { parseKustomizationCareful } from '../../src/discover/kustomization-parse.js';
import { scanConfigText } from '../../src/discover/loader-refs.js';
import { firstYamlError } from '../../src/render/errors.js';
import { readArgoView } from '../../src/argo/applications.js';

/** `rows` lines of 20-item flow lists under `key`: 20 values a line. */
const dense = (key: string, rows: number): string =>
  `${key}:\n${Array.from({ length: rows }, () => `  - [${Array(20).fill('a').join(',')}]`).join('\n')}\n`;
const HOSTILE_ROWS = 15_000; // 300,000 values, ~0.7 MB

function timed<T>(f: () => T): { value: T; ms: number } {
  const started = Date.now();
  const value = f();
  return { value, ms: Date.now() - started };
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('the positional parse budget', () => {
  it('counts values per document stretch and names the stretch line', () => {
    const small = 'a: 1\n';
    expect(oversizedDocument(small)).toBeUndefined();
    // Many small documents add up past the limit; none is over it.
    const many = Array.from({ length: 30_000 }, (_, i) => `k${i}: [a, b, c, d, e, f, g, h, i, j]`).join('\n---\n');
    expect(many.split(/[\n,]/).length).toBeGreaterThan(MAX_POSITIONAL_VALUES);
    expect(oversizedDocument(many)).toBeUndefined();
    const over = oversizedDocument(`a: 1\n---\n${dense('rows', HOSTILE_ROWS)}`);
    expect(over).toMatchObject({ line: 2 });
    expect(over!.why).toMatch(/holds about \d+ values, over the limit of 250000/);
  });

  it('a hostile kustomization read carefully is refused at its line, in bounded time', () => {
    // An anchor keeps it off the fast reader: the careful (positional) parse is what it reaches.
    const text = `resources: &r [base]\n${dense('junk', HOSTILE_ROWS)}`;
    const { value, ms } = timed(() => parseKustomizationCareful('/x/kustomization.yaml', text));
    expect(ms).toBeLessThan(2_000);
    expect(value.error).toMatchObject({ line: 1 });
    expect(value.error!.message).toMatch(/over the limit of 250000/);
  });

  it('a hostile generator or transformer config is refused (the walk refuses what it cannot read), in bounded time', () => {
    const { value, ms } = timed(() => scanConfigText(`apiVersion: builtin\nkind: X\n${dense('junk', HOSTILE_ROWS)}`));
    expect(ms).toBeLessThan(2_000);
    expect(value.error).toMatch(/over the limit of 250000/);
  });

  it('a render error is not located in a hostile file (kustomize message stands), in bounded time', () => {
    const { value, ms } = timed(() => firstYamlError(`${dense('junk', HOSTILE_ROWS)}bad: [`));
    expect(ms).toBeLessThan(2_000);
    expect(value).toBeUndefined();
  });

  it('a dense Argo CD Application under the byte limit that needs the positional parser is KFM-RENDER-024 material, not parsed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-budget-'));
    dirs.push(root);
    mkdirSync(join(root, 'argocd'));
    const app = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata: &m {name: dense}', // an anchor: the positional parser's, not the block reader's
      'spec:',
      '  source: {repoURL: https://git.example.org/x.git, path: apps/x}',
      '  destination: {namespace: x}',
      dense('  info', HOSTILE_ROWS).replace(/\n {2}- /g, '\n    - '),
    ].join('\n');
    expect(app.length).toBeLessThan(1024 * 1024);
    writeFileSync(join(root, 'argocd', 'app.yaml'), app);
    const started = Date.now();
    const view = await readArgoView(root);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(view.deployments).toEqual([]);
    expect(view.unevaluable).toEqual([expect.objectContaining({ kind: 'Manifest', file: 'argocd/app.yaml', line: 1 })]);
  });
});
