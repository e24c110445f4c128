/**
 * The plain block reader (src/discover/block-yaml.ts) must give exactly what js-yaml gives under the core-like
 * schema (loadLikeYaml without it) — same value, same key order, same refusal — on every kustomization and YAML
 * file of the fixtures, infra/gitops and the bench repos, and on hostile variations of them: a text it reads
 * differently would change what discovery, the walks and the policy input see.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fg from 'fast-check';
import glob from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { PLAIN_KEY, plainKey, readPlainBlock } from '../../src/discover/block-yaml.js';
import { loadLikeYaml, loadLikeYamlWithJsYaml, UNTRUSTED, untrusted } from '../../src/discover/kustomization-parse.js';
import { fixtures, hasShared, repoRoot, sharedDir } from '../helpers.js';

/** The generated bench repos (git-ignored: present once `npm run bench` made them). */
const bench = join(repoRoot, 'bench', 'out');
const KUSTOMIZATIONS = ['**/kustomization.yaml', '**/kustomization.yml', '**/Kustomization'];

function corpus(cwd: string, patterns: string[]): string[] {
  if (!existsSync(cwd)) return [];
  return glob.sync(patterns, {
    cwd,
    ignore: ['**/node_modules/**', '**/.git/**', '**/.kfm-gitops/**'],
    absolute: true,
  });
}

/** Equal values with the same key order everywhere (isDeepStrictEqual ignores order; NaN equals NaN there). */
function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b) && JSON.stringify(a) === JSON.stringify(b);
}

/** loadLikeYaml with the plain reader and without: both undefined, or the same value. Returns whether it read. */
function expectSame(text: string): boolean {
  const fast = loadLikeYaml(text);
  const slow = loadLikeYamlWithJsYaml(text);
  if (!same(fast, slow)) expect({ text, fast, slow }).toEqual({ text, fast: slow, slow });
  return fast !== undefined && readPlainBlock(text) !== undefined;
}

const own = {
  kustomizations: [
    ...corpus(fixtures, KUSTOMIZATIONS),
    ...corpus(join(repoRoot, 'infra', 'gitops'), KUSTOMIZATIONS),
    ...corpus(join(repoRoot, 'bench', 'out', 'repo-medium'), KUSTOMIZATIONS),
  ],
  yaml: [
    ...corpus(fixtures, ['**/*.yaml', '**/*.yml']),
    ...corpus(join(repoRoot, 'infra', 'gitops'), ['**/*.yaml', '**/*.yml']),
  ],
};

describe('plain block reader on the repository', () => {
  it('reads every kustomization as js-yaml does, and reads nearly all of them itself', () => {
    expect(own.kustomizations.length).toBeGreaterThan(20);
    const read = own.kustomizations.filter((f) => expectSame(readFileSync(f, 'utf8')));
    // The point of the reader: the common shape must really go through it.
    expect(read.length).toBeGreaterThan(own.kustomizations.length * 0.8);
  });

  it('reads every YAML file of the fixtures and infra/gitops as js-yaml does', () => {
    for (const f of own.yaml) expectSame(readFileSync(f, 'utf8'));
  });

  it.skipIf(!hasShared && !existsSync(bench))(
    'reads every YAML file of the shared corpus and bench repos as js-yaml does',
    () => {
      const files = [
        ...corpus(join(sharedDir, 'corpus'), ['**/*.yaml', '**/*.yml']),
        ...corpus(join(bench, 'repo-medium'), ['**/*.yaml']),
        ...corpus(join(bench, 'repo-large'), KUSTOMIZATIONS),
      ];
      for (const f of files) {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch {
          continue; // a link or an unreadable file of the corpus
        }
        expectSame(text);
      }
    },
  );
});

/** Variations a hand-edited or hostile kustomization shows, each applied at every line. */
const LINE_MUTATIONS: ((line: string) => string)[] = [
  (l) => ` ${l}`,
  (l) => l.replace(/^ /, ''),
  (l) => `${l} #c`,
  (l) => `${l}#c`,
  (l) => `${l}:`,
  (l) => `${l}: x`,
  (l) => `${l}   `,
  (l) => l.replace(/: /, ':'),
  (l) => l.replace(/: (.*)$/, ': "$1"'),
  (l) => l.replace(/: (.*)$/, ": '$1'"),
  (l) => l.replace(/: (.*)$/, ": 'it''s $1'"),
  (l) => l.replace(/: (.*)$/, ': "a\\"b"'),
  (l) => l.replace(/- /, '- - '),
  (l) => l.replace(/- /, '-   '),
  (l) => l.replace(/- (.*)$/, '- $1: '),
  (l) => l.replace(/\|-?$/, '|'),
  (l) => l.replace(/\|-?$/, '|+'),
  (l) => l.replace(/\|-?$/, '>'),
  (l) => l.replace(/\|-?$/, '|2'),
  (l) => l.replace(/\|-?$/, '|- # c'),
  (l) => l.replace(/: .*$/, ': ~'),
  (l) => l.replace(/: .*$/, ': 0o17'),
  (l) => l.replace(/: .*$/, ': 0x1F'),
  (l) => l.replace(/: .*$/, ': -.inf'),
  (l) => l.replace(/: .*$/, ': 1e3'),
  (l) => l.replace(/: .*$/, ': TRUE'),
  (l) => l.replace(/: .*$/, ': yes'),
  (l) => l.replace(/: .*$/, ': 012'),
  (l) => l.replace(/: .*$/, ': 1_000'),
  (l) => l.replace(/: .*$/, ': -'),
  (l) => l.replace(/: .*$/, ': --x'),
  (l) => l.replace(/: .*$/, ': a # b # c'),
  (l) => l.replace(/: .*$/, ': %x'),
  (l) => l.replace(/: .*$/, ': @x'),
  (l) => l.replace(/: .*$/, ': `x'),
  (l) => l.replace(/: .*$/, ': ,x'),
  (l) => l.replace(/: .*$/, ': a,b]'),
  (l) => l.replace(/^(\s*)(\w+):/, '$1"$2":'),
  (l) => l.replace(/^(\s*)(\w+):/, "$1'$2':"),
  (l) => l.replace(/^(\s*)(\w+):/, '$1null:'),
  (l) => l.replace(/^(\s*)(\w+):/, '$1true:'),
  (l) => l.replace(/^(\s*)(\w+):/, '$11:'),
  (l) => l.replace(/^(\s*)(\w+):/, '$1__proto__:'),
  (l) => l.replace(/^(\s*)(\w+):/, '$1"":'),
  (l) => l.replace(/^(\s*)(\w+):/, '$1a b:'),
  (l) => l.replace(/^(\s*)/, '$1# '),
  (l) => l.replace(/^(\s*)\S.*$/, '$1'),
  (l) => l.replace(/^(\s*)\S.*$/, '$1    '),
];

/** Whole-text variations: line breaks and blank lines where the reader must count them. */
const TEXT_MUTATIONS: ((text: string) => string)[] = [
  (t) => t.replace(/\n$/, ''),
  (t) => t.replace(/\n$/, '\n\n\n'),
  (t) => t.replace(/\n$/, '\n   \n'),
  (t) => `\n\n${t}`,
  (t) => `  \n${t}`,
  (t) => t.replace(/\n/g, '\n  ').trimEnd(),
  (t) => t.replace(/(\|-?\n)/g, '$1\n'),
  (t) => t.replace(/(\|-?\n)/g, '$1        \n'),
  (t) => t.replace(/(\|-?\n)(\s*)/g, '$1$2\n$2'),
  (t) => t.replace(/(\|-?\n)([^\n]*\n)/g, '$1$2  # inside\n'),
  (t) => t.replace(/(\|-?\n)([^\n]*\n)/g, '$1$2# outside\n'),
  (t) => t.replace(/(\|-?\n)([^\n]*\n)/g, '$1$2\n\n'),
  (t) => t.replace(/(\|-?\n)([^\n]*\n)/g, '$1$2          deeper\n'),
];

describe('plain block reader on hostile variations', () => {
  const seeds = own.kustomizations.slice(0, 120).map((f) => readFileSync(f, 'utf8'));

  it('reads each line variation as js-yaml does (or leaves it to js-yaml)', () => {
    let read = 0;
    let total = 0;
    for (const text of seeds) {
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        for (const mutate of LINE_MUTATIONS) {
          const changed = mutate(lines[i]);
          if (changed === lines[i]) continue;
          total++;
          if (expectSame([...lines.slice(0, i), changed, ...lines.slice(i + 1)].join('\n'))) read++;
        }
      }
    }
    expect(total).toBeGreaterThan(1000);
    expect(read).toBeGreaterThan(total / 4); // many variations stay plain: the comparison is not vacuous
  });

  it('reads each whole-text variation as js-yaml does', () => {
    for (const text of seeds) for (const mutate of TEXT_MUTATIONS) expectSame(mutate(text));
  });

  it.each([
    ['a sequence at its key’s indent', 'resources:\n- a.yaml\n- b.yaml\nkind: Kustomization\n'],
    ['an empty item', 'resources:\n  -\n  - b.yaml\n'],
    ['an item mapping', 'patches:\n  - path: p.yaml\n    target:\n      kind: Deployment\n'],
    ['an item mapping with spaces', 'patches:\n  -   path: p.yaml\n      target: {}\n'],
    ['literal scalars', 'a: |\n  x\n\n  y\n\n\nb: |-\n    z\n     w\nc: 1\n'],
    ['a literal at the end without a break', 'a: |\n  x'],
    ['a literal with a deeper blank line first', 'a: |\n\n      \n  x\n'],
    ['a literal that is empty', 'a: |\nb: 1\n'],
    ['a literal in an item', 'p:\n  - |\n    x\n'],
    ['a plain scalar over two lines', 'a: b\n  c\n'],
    ['a scalar below its key', 'a:\n  b\n'],
    ['a key without a space', 'a:b\n'],
    ['a value ending in a colon', 'a: b:\n'],
    ['comments everywhere', '# top\na: # after\n  # inside\n  - x # end\n    # deeper\n  - y\n# last'],
    ['quoted keys and values', "\"a\": \"b c\"\n'd': 'e''f'\n"],
    ['an escaped double quote', 'a: "x\\ny"\n'],
    ['numbers and specials', 'a: 010\nb: +5\nc: .5\nd: 1.\ne: .NaN\nf: -.Inf\ng: 0o8\nh: 0xZ\ni: Null\nj: ~\n'],
    ['a root indented', '  a: 1\n  b:\n    - x\n'],
    ['a root that changes indent', '  a: 1\nb: 2\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate nested key', 'a:\n  b: 1\n  b: 1\n'],
    ['a sequence then a deeper line', 'a:\n  - x\n    - y\n'],
    ['an item then a key at the item indent', 'a:\n  - x\n  b: 1\n'],
    ['a constructor key', 'constructor: 1\ntoString: x\nhasOwnProperty: y\n'],
    ['unicode', 'a: é ✓ 日本\n"ü": x\n'],
    ['an empty text', ''],
    ['only comments', '# a\n# b\n'],
  ])('%s', (_name, text) => {
    expectSame(text);
  });

  it('leaves a hostile nesting to js-yaml instead of overflowing the stack', () => {
    const deep = Array.from({ length: 20_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(readPlainBlock(deep)).toBeUndefined();
    const items = Array.from({ length: 20_000 }, (_, i) => `${' '.repeat(2 * i)}- a: 1`).join('\n');
    expect(readPlainBlock(items)).toBeUndefined();
    const shallow = Array.from({ length: 60 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(readPlainBlock(`${shallow} 1\n`)).toBeDefined();
  });

  it('agrees with js-yaml on generated block documents', () => {
    const scalar = fg.oneof(
      fg.constantFrom('a', 'x.yaml', '../base', '1', '-1', '0x1', '0o7', '1.5', 'true', 'null', '~', '', "''", '""'),
      fg.stringMatching(/^[ -~]{0,12}$/),
    );
    const key = fg.oneof(
      fg.constantFrom('a', 'b', 'kind', 'resources', 'x.y/z', 'null', 'true', '"q"'),
      fg.stringMatching(/^[a-z_]{1,4}$/),
    );
    const literal = fg
      .tuple(
        fg.constantFrom('|', '|-', '|+', '>', '|2', '| # c'),
        fg.array(fg.stringMatching(/^[ -~]{0,8}$/), { maxLength: 3 }),
      )
      .map(([head, lines]) => ({ head, lines }));
    const node: fg.Arbitrary<unknown> = fg.letrec((tie) => ({
      value: fg.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, literal, tie('map'), tie('seq')),
      map: fg.array(fg.tuple(key, tie('value')), { minLength: 1, maxLength: 3 }),
      seq: fg.array(tie('value'), { minLength: 1, maxLength: 3 }).map((items) => ({ seq: items })),
    })).value;
    const render = (v: unknown, indent: number): string[] => {
      const pad = ' '.repeat(indent);
      const isLiteral = (x: unknown): x is { head: string; lines: string[] } =>
        typeof x === 'object' && x !== null && 'head' in x;
      if (Array.isArray(v))
        return v.flatMap(([k, val]: [string, unknown]) =>
          typeof val === 'string'
            ? [`${pad}${k}: ${val}`]
            : isLiteral(val)
              ? [`${pad}${k}: ${val.head}`, ...val.lines.map((l) => `${pad}  ${l}`)]
              : [`${pad}${k}:`, ...render(val, indent + 2)],
        );
      if (isLiteral(v)) return [`${pad}${v.head}`, ...v.lines.map((l) => `${pad}  ${l}`)];
      if (v && typeof v === 'object' && 'seq' in v)
        return (v as { seq: unknown[] }).seq.flatMap((item) =>
          typeof item === 'string' ? [`${pad}- ${item}`] : [`${pad}-`, ...render(item, indent + 2)],
        );
      return [`${pad}${String(v)}`];
    };
    const runs = Number(process.env.KFM_FUZZ_RUNS ?? 400);
    let read = 0;
    fg.assert(
      fg.property(fg.array(fg.tuple(key, node), { minLength: 1, maxLength: 4 }), (entries) => {
        const text = `${render(entries, 0).join('\n')}\n`;
        const fast = loadLikeYaml(text);
        const slow = loadLikeYamlWithJsYaml(text);
        if (readPlainBlock(text)) read++;
        return same(fast, slow);
      }),
      { numRuns: runs, seed: Number(process.env.KFM_FUZZ_SEED ?? 20261205) },
    );
    expect(read).toBeGreaterThan(runs / 10); // the generated documents do reach the reader
  });
});

describe('the screen before the readers', () => {
  it('untrusted() answers as the UNTRUSTED alternation on generated texts', () => {
    const piece = fg.oneof(
      fg.constantFrom('&a', '*a', '!t', '? ', '?', ']:', '} :', '<<:', '"#', "'#", '%', '---', '---\n', '...', '.. .'),
      fg.constantFrom('\n', ' ', '-', ':', 'a', '#', '"', "'", '\t', '\r', '\u2028', '\ufeff', '\u0085'),
      fg.stringMatching(/^[ -~]{0,6}$/),
      fg.constant('x'.repeat(999)),
    );
    fg.assert(
      fg.property(fg.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        return untrusted(text) === UNTRUSTED.test(text);
      }),
      { numRuns: 3000, seed: 20261205 },
    );
    for (const f of own.kustomizations) {
      const text = readFileSync(f, 'utf8');
      expect(untrusted(text)).toBe(UNTRUSTED.test(text));
    }
  });
});

describe('plainKey', () => {
  it('matches as PLAIN_KEY does', () => {
    fg.assert(
      fg.property(fg.stringMatching(/^[a-zA-Z0-9_./: #"'-]{0,10}$/), (text) => {
        const m = PLAIN_KEY.exec(text);
        const k = plainKey(text);
        return m ? k?.key === m[1] && k.length === m[0].length : k === undefined;
      }),
      { numRuns: 5000, seed: 20261205 },
    );
  });
});
