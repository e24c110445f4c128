/**
 * The fast kustomization parse (js-yaml, lines on demand) must give exactly what the careful `yaml` parse gives —
 * object, kind, references with their lines, plugin fields, helm charts, error with its line — for every input:
 * the repo's own kustomizations, and generated ones bent by the mutations broken files show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  parseKustomization,
  parseKustomizationCareful,
  parseKustomizationFast,
  type ParsedKustomization,
} from '../../src/discover/kustomization-parse.js';
import { fixtures, repoRoot } from '../helpers.js';

const RUNS = Number(process.env.KFM_FUZZ_RUNS ?? 400);
const SEED = Number(process.env.KFM_FUZZ_SEED ?? 20261126);

/** A parse with its refs as plain values (a fast parse's refs read their line through an accessor). */
function plain(p: ParsedKustomization): ParsedKustomization {
  return { ...p, refs: p.refs.map(({ field, value, line, kind }) => ({ field, value, line, kind })) };
}

/** Same result, lines included (reading `line` runs the careful parse behind a fast result). */
function expectSame(text: string): 'fast' | 'careful' {
  const careful = parseKustomizationCareful('/k/kustomization.yaml', text);
  const chosen = parseKustomization('/k/kustomization.yaml', text);
  expect(plain(chosen)).toEqual(plain(careful));
  // toEqual treats a missing key and an undefined one alike: the keys themselves must match too.
  expect(Object.keys(chosen).sort()).toEqual(Object.keys(careful).sort());
  expect(JSON.stringify(chosen.refs)).toBe(JSON.stringify(careful.refs));
  return parseKustomizationFast('/k/kustomization.yaml', text) ? 'fast' : 'careful';
}

describe('fast kustomization parse on the repository', () => {
  const files = fg.sync(['**/kustomization.yaml', '**/kustomization.yml', '**/Kustomization'], {
    cwd: repoRoot,
    ignore: ['**/node_modules/**', '**/.git/**', 'bench/out/**', 'dist/**'],
    absolute: true,
  });

  it('finds the fixtures and infra/gitops kustomizations', () => {
    expect(files.some((f) => f.startsWith(fixtures))).toBe(true);
    expect(files.some((f) => f.startsWith(join(repoRoot, 'infra', 'gitops')))).toBe(true);
  });

  it('gives the careful result for every one of them, and takes the fast path for plain files', () => {
    const paths = files.map((f) => expectSame(readFileSync(f, 'utf8')));
    // Plain kustomizations are the point of the fast path: it must really be taken for them.
    expect(paths.filter((p) => p === 'fast').length).toBeGreaterThan(files.length * 0.8);
  });
});

describe('fast kustomization parse: cases that must go to the careful parse', () => {
  it.each([
    ['an anchor and alias', 'resources: &r\n  - a.yaml\nbases: *r\n'],
    ['a tag', 'resources:\n  - !!str a.yaml\n'],
    ['a duplicate key', 'resources:\n  - a.yaml\nresources:\n  - b.yaml\n'],
    ['a null key', 'resources:\n  - a.yaml\n~: x\n'],
    ['a complex key', '? resources\n: [a.yaml]\n'],
    ['a root that is a list', '- a.yaml\n'],
    ['a root that is a scalar', 'resources\n'],
    ['a syntax error', 'resources:\n  - a.yaml\n - b.yaml\n'],
    ['tabs', 'resources:\n\t- a.yaml\n'],
    ['a helm chart', 'helmCharts:\n  - name: x\n    repo: https://charts.example.org\n'],
    [
      'an inline function',
      'generators:\n  - |\n    metadata:\n      annotations:\n        config.kubernetes.io/function: x\n',
    ],
    ['a multi-line flow list', 'resources: [a.yaml,\n  b.yaml]\n'],
    // Found by the generated cases below: js-yaml accepts both, `yaml` rejects them.
    ['a quoted scalar continued below its indentation', "kind: 'Compon\nent'\nresources: []\n"],
    ['a comment glued to a token', 'bases: []#\nresources: []\n'],
  ])('%s', (_name, text) => {
    expect(parseKustomizationFast('/k/kustomization.yaml', text)).toBeUndefined();
    expectSame(text);
  });

  it('reports a reference line only when read, and the careful line', () => {
    const text = '# c\nresources:\n  - ../../base\n\n  - "x.yaml"\npatches:\n  - path: p.yaml\n';
    const fast = parseKustomizationFast('/k/kustomization.yaml', text)!;
    expect(fast).toBeDefined();
    expect(fast.refs.map((r) => [r.field, r.value, r.line])).toEqual([
      ['resources[0]', '../../base', 3],
      ['resources[1]', 'x.yaml', 5],
      ['patches[0].path', 'p.yaml', 7],
    ]);
  });

  it('resolves plain scalars as the yaml core schema does', () => {
    const text = `kind: Kustomization\nvalues: [${NUMBER_LIKE.join(', ')}]\n`;
    expect(expectSame(text)).toBe('fast');
  });
});

// --- generated kustomizations -------------------------------------------------------------------------------------

/** Plain scalars the two libraries' default schemas read differently (YAML 1.1 vs 1.2 habits). */
const NUMBER_LIKE = [
  '0o17',
  '0x1F',
  '012',
  '1_000',
  '.5',
  '1e3',
  '+1',
  '-0',
  'True',
  'yes',
  'Null',
  '.NaN',
  '-.inf',
  '0b1',
];

const SCALARS = [
  ...NUMBER_LIKE,
  '../../base',
  'deployment.yaml',
  'https://github.com/org/repo//base?ref=v1',
  'key=path/file.env',
  'a b',
  'x: y',
  '- z',
  '#c',
  'q"uote',
  "it's",
  '[a]',
  '{b}',
  'null',
  '~',
  '',
  '.nan',
  '2024-01-01',
  'multi\nline',
  'trailing ',
  '__proto__',
  'constructor',
  '&a',
  '*a',
  '!t',
  '|',
  '>',
  '%x',
  '---',
  'é ☃',
];
const scalar = fc.oneof(
  fc.constantFrom(...SCALARS),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);
const pathList = fc.array(fc.oneof(fc.constantFrom(...SCALARS), scalar), { maxLength: 4 });
const extra = fc.dictionary(fc.constantFrom(...SCALARS, 'namespace', 'images', 'labels'), scalar, { maxKeys: 3 });

const kustomization = fc.record(
  {
    apiVersion: fc.constant('kustomize.config.k8s.io/v1beta1'),
    kind: fc.constantFrom('Kustomization', 'Component', 7),
    resources: fc.oneof(pathList, scalar),
    bases: pathList,
    components: pathList,
    crds: pathList,
    generators: fc.array(fc.oneof(scalar, fc.constant('exec:\n  path: ./x\n')), { maxLength: 2 }),
    patches: fc.array(fc.record({ path: scalar, target: extra }, { requiredKeys: [] }), { maxLength: 3 }),
    patchesJson6902: fc.array(fc.record({ path: scalar }), { maxLength: 2 }),
    configMapGenerator: fc.array(
      fc.record(
        { name: scalar, files: pathList, envs: pathList, env: scalar, literals: pathList },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    openapi: fc.record({ path: scalar }),
    helmCharts: fc.array(fc.record({ name: scalar, repo: scalar }, { requiredKeys: [] }), { maxLength: 1 }),
    extra,
  },
  { requiredKeys: [] },
);

const style = fc.record({
  flowLevel: fc.constantFrom(-1, 0, 1, 2),
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
  indentSeq: fc.boolean(),
  indent: fc.constantFrom(2, 4),
});

const CHARS = [
  ':',
  '-',
  ' ',
  '\n',
  '#',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '|',
  '>',
  '?',
  '&',
  '*',
  '!',
  '%',
  '@',
  '`',
  '\t',
  '\r',
  '~',
];
/** Mutations broken kustomizations show: stray YAML characters, lost and doubled lines, shifted indentation. */
const mutation = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...CHARS)).map(([n, c]) => (s: string) => {
    const i = n % (s.length + 1);
    return `${s.slice(0, i)}${c}${s.slice(i)}`;
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })).map(([n, k]) => (s: string) => {
    const i = n % (s.length + 1);
    return s.slice(0, i) + s.slice(i + k);
  }),
  fc.tuple(fc.nat(), fc.constantFrom(' ', '  ', '- ')).map(([n, pre]) => (s: string) => {
    const lines = s.split('\n');
    const i = n % lines.length;
    lines[i] = pre + lines[i];
    return lines.join('\n');
  }),
  fc.nat().map((n) => (s: string) => {
    const lines = s.split('\n');
    const i = n % lines.length;
    lines.splice(i, 0, lines[i]);
    return lines.join('\n');
  }),
);

/** What a file may open with: nothing, a `---` line (read fast), or markers, directives and comments (careful). */
const opening = fc.oneof(
  { arbitrary: fc.constantFrom('', '---\n', '---  \n'), weight: 8 },
  {
    arbitrary: fc.constantFrom('--- \n---\n', '---\n...\n', '--- #c\n', '--- |\n', '%YAML 1.2\n---\n', '#c\n---\n'),
    weight: 2,
  },
);

describe('fast kustomization parse: generated kustomizations', () => {
  it('equals the careful parse, lines and errors included', () => {
    const taken = { fast: 0, careful: 0 };
    fc.assert(
      fc.property(kustomization, style, fc.array(mutation, { maxLength: 3 }), (k, s, mutations) => {
        const { extra: more, ...fields } = k;
        const text = mutations.reduce((t, m) => m(t), stringify({ ...fields, ...more }, s));
        taken[expectSame(text)]++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Both paths must really be exercised, or the comparison proves nothing.
    expect(taken.fast).toBeGreaterThan(RUNS / 10);
    expect(taken.careful).toBeGreaterThan(RUNS / 10);
  });

  it('equals the careful parse for files that open with a marker line, a directive or a comment', () => {
    const taken = { fast: 0, careful: 0 };
    fc.assert(
      fc.property(kustomization, style, fc.array(mutation, { maxLength: 2 }), opening, (k, s, mutations, open) => {
        const { extra: more, ...fields } = k;
        const text = open + mutations.reduce((t, m) => m(t), stringify({ ...fields, ...more }, s));
        const path = expectSame(text);
        taken[path]++;
        // Only a bare opening `---` line is read fast; every other opening is the careful parse's.
        if (!/^(---[ ]*\n)?$/.test(open)) expect(path).toBe('careful');
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(taken.fast).toBeGreaterThan(RUNS / 20);
    expect(taken.careful).toBeGreaterThan(RUNS / 10);
  });
});

describe('line breaks only kustomize sees', () => {
  // kustomize reads a kustomization with a libyaml reader, which breaks lines at a lone CR, NEL, LS and PS; the `yaml`
  // parser does not. `# none<CR>components: [outside]` was one comment for the pre-render walk and a field for
  // kustomize: a component outside the checked root rendered without a finding.
  it.each([
    ['a lone CR', '\r'],
    ['NEL', '\u0085'],
    ['LS', '\u2028'],
    ['PS', '\u2029'],
  ])('refuses %s with its line, fast or careful', (_name, brk) => {
    const text = `resources:\n  - a.yaml\n# none${brk}components:\n  - ../../../../outside\n`;
    for (const parsed of [
      parseKustomization('/k/kustomization.yaml', text),
      parseKustomizationCareful('/k/kustomization.yaml', text),
    ]) {
      expect(parsed.error).toEqual({ message: expect.stringContaining('line break'), line: 3 });
      expect(parsed.refs).toEqual([]);
    }
  });

  it('still reads CR LF line ends', () => {
    const parsed = parseKustomization('/k/kustomization.yaml', 'resources:\r\n  - a.yaml\r\n');
    expect(parsed.error).toBeUndefined();
    expect(parsed.refs.map((r) => r.value)).toEqual(['a.yaml']);
  });
});

describe('anchors, aliases and merge keys, which kustomize resolves', () => {
  // kustomize reads a kustomization through sigs.k8s.io/yaml (go-yaml v2), which resolves aliases and applies merge
  // keys; the walk read the nodes as written, so `components: *x` or `<<: {components: […]}` named nothing to it and
  // a component outside the checked root rendered without a finding.
  const refs = (text: string) => parseKustomization('/k/kustomization.yaml', text).refs.map((r) => [r.field, r.value]);

  it('follows aliases to the references they stand for, in values, items and keys', () => {
    expect(refs('crds: &x [../../outside]\ncomponents: *x\n')).toContainEqual(['components[0]', '../../outside']);
    expect(refs('commonAnnotations: {note: &a ../../outside}\ncomponents: [*a]\n')).toEqual([
      ['components[0]', '../../outside'],
    ]);
    expect(refs('commonAnnotations: {&k components: x}\n*k : [../../outside]\n')).toEqual([
      ['components[0]', '../../outside'],
    ]);
  });

  it('refuses a merge key, with its line: the walk cannot say what kustomize merges', () => {
    const parsed = parseKustomization('/k/kustomization.yaml', 'resources: []\n<<: {components: [../../outside]}\n');
    expect(parsed.error).toEqual({ message: expect.stringContaining('merge key'), line: 2 });
    expect(refs('resources: []\n"<<": x\n')).toEqual([]); // quoted: a key like any other, for kustomize too
    expect(parseKustomization('/k/kustomization.yaml', 'resources: []\n"<<": x\n').error).toBeUndefined();
  });
});
