import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasMarker, kustomizationNeedsWalk, MARKERS, needsStructure } from '../../src/checks/secrets/structure.js';
import { filesUnder, fixtures, hasShared, sharedDir } from '../helpers.js';
import { rng } from './vectors.js';

// The pre-pass decides which files get a YAML parse. It must say yes for every shape only a parse can read, and
// may say no for the shapes that made it parse most files of a clean tree (the tree bench's throughput).
describe('the structural pre-pass', () => {
  const needed = (text: string): boolean => needsStructure(text, false).needed;

  it.each([
    ['kind: Secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n'],
    ['kind: SealedSecret', 'kind: SealedSecret\nspec: {}\n'],
    ['kind in JSON', '{"apiVersion":"v1","kind":"Secret","data":{}}'],
    ['kind in a flow mapping', '{kind: ExternalSecret, spec: {}}\n'],
    ['kind after a comment', 'kind: # the kind\n  Secret\n'],
    ['kind through an anchor', 'x: &k Secret\n---\nkind: *k\n'],
    ['quoted kind', "kind: 'SecretStore'\n"],
    ['kind as the last word', 'kind: ClusterSecretStore'],
    ['a kind going on with a capital after a plural in prose', '# Secrets\nkind: SecretStore\n'],
    ['an env value before its name in one entry', '- value: x\n  name: DB_PASSWORD\n'],
    ['an env name before its value', '- name: DB_PASSWORD\n  value: x\n'],
    // Words are compared case-insensitively in place; a key with a non-ASCII letter that lowercases to ASCII (the
    // Kelvin sign to `k`) is lowercased as a whole, as `toLowerCase` would.
    ['upper-case NAME and VALUE keys', '- NAME: Db_Password\n  VALUE: x\n'],
    ['a credential key spelt with a Kelvin sign, value on the next line', 'api_to\u212Aen:\n  x\n'],
    ['a quoted credential key opening a block scalar', '"Secret_Token": |\n  x\n'],
    ['an escaped line break in a double-quoted value', 'note: "abc\\\n  def"\n'],
    ['a credential key spelt with a long s, value on the next line', 'pa\u017F\u017Fword:\n  x\n'],
    ['an env entry in a flow sequence value', 'env: [{name: API_TOKEN, value: x}]\n'],
    ['an env entry in a nested flow collection', 'containers: [{name: a, env: [{name: DB_PASSWORD, value: x}]}]\n'],
    ['a flow env entry going on below its name', 'env: [{name: API_TOKEN,\n       value: x}]\n'],
  ])('parses %s', (_name, text) => {
    expect(needed(text)).toBe(true);
  });

  it.each([
    [
      'a Helm values key naming a Secret',
      'postgresql:\n  auth:\n    existingSecret: db\n    existingSecretName: "db"\n',
    ],
    ['a quoted JSON key naming a Secret', '{"existingSecret":"db"}'],
    ['prose about Secrets in a comment', '# Read-only. No Secrets, no writes.\nkind: Role\nrules: []\n'],
    [
      'the value of one env entry followed by the name of the next',
      '- name: SETTING\n  value: "x"\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}\n',
    ],
    ['a closed flow mapping naming a Secret key', 'secret: {secretName: tls}\nenv: [{name: X, valueFrom: {}}]\n'],
  ])('does not parse %s', (_name, text) => {
    expect(needed(text)).toBe(false);
  });
});

// Kustomizations are parsed when the pre-pass asks, or when kustomizationNeedsWalk finds what only kustomize's own
// decoding reads (test/secrets/memo.test.ts proves the findings equal to parsing every kustomization).
describe('the kustomization pre-pass', () => {
  it.each([
    ['a secretGenerator', 'secretGenerator:\n  - name: s\n'],
    ['a secretGenerator in capitals', 'SECRETGENERATOR:\n  - name: s\n'],
    ['a field spelt with a long s', 'ſecretGenerator: []\n'],
    ['any escape', 'patches:\n  - patch: "a\\nb"\n'],
    ['a double-quoted scalar over two lines', 'patches:\n  - patch: "name: x\n\n      value: y"\n'],
    ['a single-quoted scalar over two lines', "patches:\n  - patch: 'name: x\n\n      value: y'\n"],
    ['a quote after a flow indicator', "patches: [{patch: 'name: x\n\n   value: y'}]\n"],
  ])('parses %s', (_name, text) => {
    expect(kustomizationNeedsWalk(text)).toBe(true);
  });

  it.each([
    [
      'an overlay with block-scalar JSON patches, generators of ConfigMaps and digests',
      'resources:\n  - ../../base\nconfigMapGenerator:\n  - name: f\n    literals:\n      - LOG_LEVEL=info\npatches:\n  - target: {kind: Route, name: api}\n    patch: |-\n      - op: add\n        path: /spec/host\n        value: api.example.org\nimages:\n  - name: a\n    digest: sha256:0123\n',
    ],
    [
      'closed quotes, an apostrophe in a word and in a comment',
      'namePrefix: \'x-\'\nlabels:\n  - pairs: {"a": "b"}\n# don\'t\nnameSuffix: it\'s\n',
    ],
  ])('does not parse %s', (_name, text) => {
    expect(kustomizationNeedsWalk(text)).toBe(false);
  });
});

/** Manifest-like texts built from the line shapes the pre-pass reads, credential words rare as in a real tree. */
function generatedTexts(seed: number, count: number): string[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const indents = ['', '  ', '    ', '\t', '      '];
  const items = ['', '', '', '- ', '-', '- - ', '-  '];
  const plainKeys = ['name', 'NAME', 'value', 'Value', 'x', 'kind', 'env', 'image', 'labels', 'spec', 'valueFrom'];
  const credKeys = [
    'password',
    'db_password',
    'API_TOKEN',
    'apiKey',
    'secret',
    'secretKeyRef',
    'auth',
    'pwd',
    'Credentials',
  ];
  const seps = [': ', ':', ' : ', '', ':\t'];
  const values = [
    ...['', 'plain', 'x', 'a: b', '"quoted"', '# note', 'x # c', 'DB_PASSWORD', 'my_token', 'Secret', 'SealedSecrets'],
    ...[
      '|',
      '>-',
      '*a',
      '&a x',
      '!!binary',
      '"abc',
      "'x",
      "'it''s'",
      '{name: API_TOKEN, value: x}',
      '[{name: DB_PASSWORD,',
    ],
    ...['value: x}]', '{secretName: tls}', '[a, b]', '{', '}', '"abc\\'],
  ];
  const other = ['', '  ', '\r', '# password here', '#', '---', '- ', 'value: x}]', '{name: API_TOKEN,', '  value: 1}'];
  const texts: string[] = [];
  for (let t = 0; t < count; t++) {
    const lines: string[] = [];
    const n = 1 + Math.floor(next() * 30);
    for (let i = 0; i < n; i++) {
      if (next() < 0.2) {
        lines.push(pick(other));
        continue;
      }
      const key = next() < 0.15 ? pick(credKeys) : pick(plainKeys);
      lines.push(
        `${pick(indents)}${pick(items)}${key}${pick(seps)}${next() < 0.3 ? pick(values) : pick(['1', 'app', 'v1', '"x y"'])}`,
      );
    }
    texts.push(lines.join(next() < 0.8 ? '\n' : '\r\n') + pick(['', '\n', '\n\n']));
  }
  return texts;
}

describe('the pre-pass reads only the lines where a check can fire', () => {
  const full = (text: string): boolean => needsStructure(text, false, { lines: 'all' }).needed;
  const fast = (text: string): boolean => needsStructure(text, false).needed;

  it('decides as the pass over every line: generated texts, fixtures and the shared corpus', () => {
    const texts = generatedTexts(2020, 20_000);
    for (const root of [fixtures, ...(hasShared ? [join(sharedDir, 'corpus')] : [])])
      for (const file of filesUnder(root)) {
        const bytes = readFileSync(file);
        if (bytes.length < 2_000_000 && !bytes.subarray(0, 8000).includes(0)) texts.push(bytes.toString('utf8'));
      }
    let yes = 0;
    for (const text of texts) {
      const expected = full(text);
      expect(fast(text), JSON.stringify(text)).toBe(expected);
      if (expected) yes++;
    }
    // Both verdicts are common in the inputs (a test where one side always wins proves nothing).
    expect(yes).toBeGreaterThan(2000);
    expect(texts.length - yes).toBeGreaterThan(2000);
  });

  it('finds a check far below a long run of lines without credential words', () => {
    const filler = Array.from({ length: 2000 }, (_, i) => `  label${i}: value${i}`).join('\n');
    for (const tail of [
      '- name: DB_PASSWORD\n  value: x',
      '- value: x\n  name: API_TOKEN',
      'token:\n  x',
      'password: |\n  x',
    ])
      expect(fast(`${filler}\n# comment\n\n${tail}\n`), tail).toBe(true);
    // The content line before the credential line is read even across blank and comment lines.
    expect(fast(`${filler}\n- value: x\n\n# c\n  name: DB_PASSWORD\n`)).toBe(true);
    expect(fast(`${filler}\n- name: x\n  value: y\n`)).toBe(false);
  });

  it('finds a marker as the search for each marker does', () => {
    const next = rng(5);
    const pieces = [
      ...MARKERS,
      ':',
      '*',
      ' ',
      '-',
      ',',
      '[',
      '\\',
      'u',
      'x',
      'U',
      '<',
      'a',
      '\n',
      'secret',
      'Generator',
    ];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const n = Math.floor(next() * 8);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(next() * pieces.length)];
      expect(hasMarker(text), JSON.stringify(text)).toBe(MARKERS.some((m) => text.includes(m)));
    }
  });
});
