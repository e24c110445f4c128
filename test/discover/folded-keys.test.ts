/**
 * Keys kustomize (Go's encoding/json) reads as a field name whatever their case: the walk must read them the same
 * way or refuse them (see test/e2e/folded-keys.test.ts for the run).
 */
import { describe, expect, it } from 'vitest';
import { goFold, parseKustomization } from '../../src/discover/kustomization-parse.js';
import { scanConfigText } from '../../src/discover/loader-refs.js';

describe('keys matched without regard to case', () => {
  it('folds as encoding/json does for the characters that fold to ASCII letters', () => {
    expect(goFold('resources')).toBe(goFold('RESOURCES'));
    expect(goFold('re\u017fources')).toBe(goFold('resources'));
    expect(goFold('\u212aind')).toBe(goFold('kind'));
    expect(goFold('\u0131mages')).toBe(goFold('images'));
    expect(goFold('r\u00e9sources')).not.toBe(goFold('resources'));
  });

  it.each([
    ['Resources:\n  - ../x\n', 'resources', 1],
    ['kind: Kustomization\nNamespace: a\n', 'namespace', 2],
    ['patches:\n  - Path: /etc/passwd\n', 'path', 2],
    ['secretGenerator:\n  - name: s\n    ENVS: [/etc/passwd]\n', 'envs', 3],
    ['helmCharts:\n  - name: c\n    Repo: https://example.com\n', 'repo', 3],
    ['openapi:\n  PATH: https://example.com/s.json\n', 'path', 2],
  ])('refuses %j, naming the field and the line (both parses)', (text, field, line) => {
    const parsed = parseKustomization('/k/kustomization.yaml', text);
    expect(parsed.error?.message).toContain(`\`${field}\``);
    expect(parsed.error?.line).toBe(line);
  });

  it('leaves exact names and data maps alone', () => {
    const text =
      'resources:\n  - a.yaml\ncommonLabels:\n  Resources: x\nhelmCharts:\n  - name: c\n    valuesInline:\n      Repo: y\n';
    expect(parseKustomization('/k/kustomization.yaml', text).error).toBeUndefined();
  });

  it('finds loader references in plugin configs under any spelling of the key', () => {
    const scan = scanConfigText(
      'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\nPATH: /etc/passwd\n',
    );
    expect(scan.refs).toEqual([{ key: 'path', value: '/etc/passwd' }]);
  });
});

describe('plugin configs read as kustomize reads them', () => {
  it('refuses a line break that only kustomize breaks lines at (a key hidden in a comment here)', () => {
    const scan = scanConfigText(
      'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\n# none\rpath: /etc/passwd\n',
    );
    expect(scan.error).toMatch(/line 5: .*line break/);
  });

  it('finds a loader reference inside a merge key and behind an alias', () => {
    const head = 'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\n';
    expect(scanConfigText(`${head}<<: {path: /etc/passwd}\n`).refs).toEqual([{ key: 'path', value: '/etc/passwd' }]);
    expect(scanConfigText(`${head}  annotations: {a: &p /etc/passwd}\npath: *p\n`).refs).toEqual([
      { key: 'path', value: '/etc/passwd' },
    ]);
  });
});
