import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseResources } from '../../src/parse/index.js';
import { parseGenerated } from '../../src/parse/fast.js';
import { formatPath, parsePath } from '../../src/parse/path.js';

const opts = { overlay: 'apps/x/overlays/dev', file: 'in.yaml' };

describe('parseResources', () => {
  it('keeps document index, start line and locates paths to their line', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: a',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  namespace: kfm-dev',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: nginx:1.25',
    ].join('\n');
    const { resources, findings } = parseResources(text, opts);
    expect(findings).toEqual([]);
    expect(resources.map((r) => [r.id.kind, r.docIndex, r.rendered.line])).toEqual([
      ['ConfigMap', 0, 1],
      ['Deployment', 1, 6],
    ]);
    expect(resources[1].id).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kfm-dev', name: 'web' });
    expect(resources[1].locate(['spec', 'template', 'spec', 'containers', 0, 'image'])?.line).toBe(16);
    // A missing field resolves to its nearest existing parent.
    expect(resources[1].locate(['spec', 'replicas'])?.line).toBe(11);
  });

  it('reports duplicate keys with their line instead of silently keeping one value', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n';
    const { resources, findings } = parseResources(text, opts);
    expect(resources).toHaveLength(0);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-011', line: 5 });
  });

  it('reports duplicate resources in one stream', () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: n\n';
    const { findings } = parseResources(`${doc}---\n${doc}`, opts);
    expect(findings.map((f) => f.ruleId)).toEqual(['KFM-RENDER-014']);
    expect(findings[0].message).toContain('ConfigMap n/a');
  });

  it('refuses alias bombs without expanding them', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`,
      );
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
    const started = Date.now();
    const { resources, findings } = parseResources(text, opts);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(resources).toHaveLength(0);
    expect(findings[0].ruleId).toBe('KFM-RENDER-012');
  });

  it('refuses an oversized document before parsing it, at its line, and parses many small ones adding up past the limit', () => {
    const limits = { maxDocumentBytes: 1000 };
    const small = (i: number): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n  k: v\n`;
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: "${'x'.repeat(2000)}"\n`;
    const refused = parseResources(`${small(1)}---\n${big}---\n${small(2)}`, { ...opts, limits });
    expect(refused.resources).toHaveLength(0);
    expect(refused.findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-012', line: 7 })]);
    // `...` ends a document too: the big one after it is still found.
    expect(parseResources(`${small(1)}...\n${big}`, { ...opts, limits }).findings[0]).toMatchObject({ line: 7 });
    const many = Array.from({ length: 40 }, (_, i) => small(i)).join('---\n');
    expect(many.length).toBeGreaterThan(1000);
    const ok = parseResources(many, { ...opts, limits });
    expect(ok.findings).toEqual([]);
    expect(ok.resources).toHaveLength(40);
  });

  it('refuses a document of too many values for the positional parser before parsing it, in bounded time', () => {
    // 300,000 flow items on a few lines: under the byte limit, ~1.6 GB and seconds for the positional parser.
    const rows = Array.from({ length: 15_000 }, () => `    - [${Array(20).fill('a').join(',')}]`).join('\n');
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nrows:\n${rows}\n`;
    expect(text.length).toBeLessThan(DEFAULT_LIMITS.maxDocumentBytes);
    const started = Date.now();
    const { resources, findings } = parseResources(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n${text}`,
      opts,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(resources).toHaveLength(0);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-012', line: 4 })]);
    expect(findings[0].message).toMatch(/holds about \d+ values, over the limit of 250000/);
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    const { findings } = parseResources(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: ${deep}\n`, opts);
    expect(findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-012' });
    expect(findings[0].message).toMatch(/deeper than 64/);
  });

  it('reports syntax errors, non-objects, custom tags and NUL bytes as findings', () => {
    expect(parseResources('a: [1, 2\nb: c', opts).findings[0].ruleId).toBe('KFM-RENDER-010');
    expect(parseResources('- 1\n- 2\n', opts).findings[0].ruleId).toBe('KFM-RENDER-013');
    expect(parseResources('apiVersion: v1\nkind: ConfigMap\n', opts).findings[0].ruleId).toBe('KFM-RENDER-013');
    expect(
      parseResources('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: !!js/function "x"\n', opts)
        .findings[0].ruleId,
    ).toBe('KFM-RENDER-010');
    expect(parseResources('apiVersion: v1\u0000', opts).findings[0].ruleId).toBe('KFM-RENDER-010');
  });

  it('skips empty documents and strips kustomize build annotations, keeping the origin', () => {
    const text = [
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  annotations:',
      '    config.kubernetes.io/origin: |',
      '      path: ../../apps/x/base/cm.yaml',
      '    alpha.config.kubernetes.io/transformations: |',
      '      - configuredIn: ../../apps/x/overlays/dev/kustomization.yaml',
      '        configuredBy:',
      '          apiVersion: builtin',
      '          kind: NamespaceTransformer',
      '  name: a',
      '---',
    ].join('\n');
    const { resources } = parseResources(text, { ...opts, originPath: (p) => p.replace('../../', '') });
    expect(resources).toHaveLength(1);
    expect(resources[0].object.metadata).toEqual({ name: 'a' });
    expect(resources[0].origin?.file).toBe('apps/x/base/cm.yaml');
    expect(resources[0].transformedBy).toEqual([
      { file: 'apps/x/overlays/dev/kustomization.yaml', kind: 'NamespaceTransformer' },
    ]);
  });
});

describe('JSON paths', () => {
  it('formats and parses paths both ways', () => {
    const path = ['spec', 'template', 'spec', 'containers', 0, 'image'];
    expect(formatPath(path)).toBe('spec.template.spec.containers[0].image');
    expect(parsePath('spec.template.spec.containers[0].image')).toEqual(path);
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe(
      'metadata.labels["app.kubernetes.io/name"]',
    );
    expect(parsePath('metadata.labels["app.kubernetes.io/name"]')).toEqual([
      'metadata',
      'labels',
      'app.kubernetes.io/name',
    ]);
    expect(parsePath('spec..x')).toBeUndefined();
  });
});

describe('fast path for rendered streams', () => {
  const rendered = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: a',
    'data:',
    '  script: |',
    '    echo "---"',
    '    --- not a separator',
    '  n: "0755"',
    '---',
    '# a comment between documents',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  replicas: 2',
    '  template:',
    '    spec:',
    '      containers:',
    '      - image: quay.io/kfm/web@sha256:abc',
    '        name: web',
    '        args: ["--x=1", \'*\']',
    '',
  ].join('\n');

  it('gives the same objects, lines and located spans as the full parser', () => {
    const slow = parseResources(rendered, opts);
    const fast = parseResources(rendered, { ...opts, generated: true });
    expect(fast.findings).toEqual(slow.findings);
    expect(fast.resources.map((r) => r.object)).toEqual(slow.resources.map((r) => r.object));
    expect(fast.resources.map((r) => r.rendered)).toEqual(slow.resources.map((r) => r.rendered));
    const path = ['spec', 'template', 'spec', 'containers', 0, 'args', 1];
    expect(fast.resources[1].locate(path)).toEqual(slow.resources[1].locate(path));
    expect(fast.resources[1].locate(path)?.line).toBe(23);
    // And the fast path really took it (not a silent fallback).
    expect(parseGenerated(rendered, DEFAULT_LIMITS)?.map((d) => d.line)).toEqual([1, 12]);
  });

  it('falls back to the full parser (same findings) for duplicate keys, anchors and tags', () => {
    for (const text of [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\ndata: *m\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: !!js/function "x"\n',
    ]) {
      expect(parseResources(text, { ...opts, generated: true })).toEqual(
        expect.objectContaining({ findings: parseResources(text, opts).findings }),
      );
    }
  });
});
