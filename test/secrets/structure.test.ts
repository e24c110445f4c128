import { describe, expect, it } from 'vitest';
import { kustomizationNeedsWalk, needsStructure } from '../../src/checks/secrets/structure.js';

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
