/**
 * The JSON documents kfm-render sends beside its YAML (parse/documents.ts) must read exactly as the YAML does —
 * values, key order, lines, locators, findings — or not be used. The reference is the YAML path (js-yaml, core
 * schema), which the fixtures and the bench's report-stable test pin.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { readsOtherwiseWhenPlain, parseWithDocuments } from '../../src/parse/documents.js';
import { DEFAULT_LIMITS, parseResources, type ParseResult } from '../../src/parse/index.js';
import { WorkerRenderer } from '../../src/render/worker.js';
import type { RenderOutcome } from '../../src/render/types.js';
import type { Overlay } from '../../src/types.js';
import { repoRoot } from '../helpers.js';

const workerBin = join(repoRoot, '.tools', 'bin', 'kfm-render');

function render(worker: WorkerRenderer, dir: string): Promise<RenderOutcome> {
  const overlay: Overlay = {
    path: dir,
    absPath: dir,
    env: 'dev',
    layer: 'apps',
    kustomizationFile: 'kustomization.yaml',
  };
  return worker.render({
    overlay,
    root: dirname(dir),
    timeoutMs: 60_000,
    origin: false,
    allowExec: false,
    maxOutputBytes: 64 * 1024 * 1024,
  });
}

/** Everything a check or a report can observe of a parse, key order included. */
function observable(r: ParseResult, paths: (string | number)[][]): unknown {
  const order = (v: unknown): unknown =>
    v && typeof v === 'object'
      ? Array.isArray(v)
        ? v.map(order)
        : Object.entries(v).map(([k, x]) => [k, order(x)])
      : v;
  return {
    findings: r.findings.map((f) => ({ ...f, resource: f.resource?.id })),
    resources: r.resources.map((res) => ({
      id: res.id,
      object: order(res.object),
      rendered: res.rendered,
      docIndex: res.docIndex,
      spans: paths.map((p) => res.locate?.(p)),
    })),
  };
}

const PATHS = [[], ['metadata', 'name'], ['spec'], ['data'], ['spec', 'template', 'spec', 'containers', 0, 'image']];

function both(text: string, documents: string | undefined): [unknown, unknown] {
  const opts = { overlay: 'o', file: 'o', generated: true };
  return [
    observable(parseResources(text, { ...opts, documents }), PATHS),
    observable(parseResources(text, opts), PATHS),
  ];
}

describe('which strings could read otherwise when written plain', () => {
  it('flags what js-yaml reads as null, boolean or number and Go would write plain; not what Go quotes', () => {
    for (const s of ['0x1F', '0o17', '017', '.inf', '-.Inf', '.NaN', '+1', '1e3', '0b101', '.5', '1.'])
      expect({ s, flagged: readsOtherwiseWhenPlain(s) }).toEqual({ s, flagged: true });
    for (const s of [
      '',
      '8080',
      '-1',
      '0',
      '1.5',
      'true',
      'False',
      'null',
      '~',
      '1.2.3',
      '10.0.0.0/8',
      '-Xmx1g',
      '1_000',
      '1.50',
    ])
      expect({ s, flagged: readsOtherwiseWhenPlain(s) }).toEqual({ s, flagged: false });
    for (const s of ['100m', '256Mi', 'nginx', 'yes', 'on', 'off', 'no', '2024-01-01', '1:20', '--flag', 't', 'n'])
      expect({ s, flagged: readsOtherwiseWhenPlain(s) }).toEqual({ s, flagged: false });
  });
});

describe('JSON documents beside the text', () => {
  it('a malformed or mismatched JSON is not used: the text is parsed, with the same result', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n';
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } };
    expect(parseWithDocuments(text, JSON.stringify([a]), DEFAULT_LIMITS)).toBeUndefined(); // one value, two documents
    expect(parseWithDocuments(text, '[{', DEFAULT_LIMITS)).toBeUndefined();
    expect(parseWithDocuments(text, '{}', DEFAULT_LIMITS)).toBeUndefined();
    expect(parseWithDocuments(`---\n${text}`, JSON.stringify([a, a]), DEFAULT_LIMITS)).toBeUndefined();
    for (const documents of [JSON.stringify([a]), '[{', '{}']) {
      const [withDocs, withoutDocs] = both(text, documents);
      expect(withDocs).toEqual(withoutDocs);
    }
    // A plain scalar that js-yaml reads as a number while the JSON says string (a writer that did not quote it):
    // the document is read from its YAML, as before.
    const plain = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  n: 0x1F\n  "0o17": x\n';
    const claims = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { n: '0x1F', '0o17': 'x' } };
    const [withDocs, withoutDocs] = both(plain, JSON.stringify([claims]));
    expect(withDocs).toEqual(withoutDocs);
    expect(parseWithDocuments(plain, JSON.stringify([claims]), DEFAULT_LIMITS)?.[0].value).toEqual({
      ...claims,
      data: { n: 31, '0o17': 'x' },
    });
    // Limits are the text's: a document too deep is refused the same way with or without JSON.
    const deep = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } as Record<string, unknown>;
    let at = deep;
    for (let i = 0; i < 70; i++) at = (at.x = {}) as Record<string, unknown>;
    const deepText = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n${Array.from({ length: 70 }, (_, i) => `${'  '.repeat(i)}x:`).join('\n')} {}\n`;
    expect(parseWithDocuments(deepText, JSON.stringify([deep]), DEFAULT_LIMITS)).toBeUndefined();
    // One walk answers both questions: a string read from the YAML does not hide the depth, nor the depth the string.
    const deepAmbiguous = { ...deep, data: { n: '0x1F' } };
    const deepAmbiguousText = `${deepText}data:\n  n: 0x1F\n`;
    expect(parseWithDocuments(deepAmbiguousText, JSON.stringify([deepAmbiguous]), DEFAULT_LIMITS)).toBeUndefined();
    // At the limit (the document is level 1): accepted, and an ambiguous string in it is still read from the YAML.
    const limits = { ...DEFAULT_LIMITS, maxDepth: 3 };
    const atLimit = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    n: 0x1F\n';
    const atLimitJson = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { n: '0x1F' } } };
    expect(parseWithDocuments(atLimit, JSON.stringify([atLimitJson]), limits)?.[0].value).toEqual({
      ...atLimitJson,
      metadata: { name: 'a', labels: { n: 31 } },
    });
    const overLimit = { ...DEFAULT_LIMITS, maxDepth: 2 };
    expect(parseWithDocuments(atLimit, JSON.stringify([atLimitJson]), overLimit)).toBeUndefined();
  });

  describe.skipIf(!existsSync(workerBin))('from the real kfm-render', () => {
    it('reads every kustomization of infra/gitops and the fixtures exactly as the YAML reads', async () => {
      const dirs = (
        await fg(['infra/gitops/**/kustomization.yaml', 'fixtures/**/kustomization.yaml'], {
          cwd: repoRoot,
          absolute: true,
        })
      ).map((f) => dirname(f));
      const worker = new WorkerRenderer(workerBin, 'v5.7.1');
      let used = 0;
      try {
        for (const dir of dirs) {
          const out = await render(worker, dir);
          if (!out.ok) continue;
          expect({ dir, documents: typeof out.documents }).toEqual({ dir, documents: 'string' });
          if (parseWithDocuments(out.text, out.documents!, DEFAULT_LIMITS)) used++;
          const [withDocs, withoutDocs] = both(out.text, out.documents);
          expect({ dir, parse: withDocs }).toEqual({ dir, parse: withoutDocs });
        }
      } finally {
        await worker.dispose();
      }
      expect(used).toBeGreaterThan(30);
    });

    it('hostile scalars, keys and numbers read as the YAML reads them (1.1/1.2 differences included)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kfm-docs-'));
      const tricky = [
        '0x1F',
        '0o17',
        '017',
        '1_000',
        '.inf',
        '-.inf',
        '.nan',
        '+1',
        '1e3',
        '0b101',
        '.5',
        'yes',
        'no',
        'on',
        'off',
        'y',
        'n',
        '~',
        'null',
        'true',
        'False',
        '',
        '2024-01-01',
        '1:20',
        '<<',
        '=',
        '-',
        '?',
        "it's",
        'a: b',
        '#x',
        '@x',
        '`x',
        '*alias',
        '&anchor',
        '!tag',
        '%x',
        '|',
        '>',
        ' lead',
        'trail ',
        'tab\there',
        'multi\nline\n',
        'ünïcödé',
        '\u2028',
        'a\u0001b',
        '"q"',
        '\\back',
        'x'.repeat(200),
        '12345678901234567890',
        '-0',
        '1.50',
      ];
      const data = Object.fromEntries(tricky.map((s, i) => [`k${i}`, s]));
      const keyed = Object.fromEntries(tricky.filter((s) => s !== '').map((s, i) => [s, `v${i}`]));
      const numbers = {
        i: 3,
        big: 1e19, // over int64: Go reads it as uint64
        neg: -7,
        f: 1.5,
        e: 1e21,
        tiny: 5e-324,
        z: 0,
        t: true,
        n: null,
      };
      // Keys in an order Go's serialiser sorts differently from a byte sort (letters before other characters, digits by value).
      const order = Object.fromEntries(
        ['a10', 'a9', 'a-b', 'aB', 'a.b', 'a_b', 'A', 'b', '10', '9', 'x1y', 'x01y'].map((k) => [k, k]),
      );
      // JSON is YAML; a raw U+2028 is a line break to YAML 1.1, so it is written escaped.
      const json = (v: unknown): string => JSON.stringify(v).replace(/\u2028/g, '\\u2028');
      writeFileSync(
        join(dir, 'cm.yaml'),
        json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tricky', labels: order }, data }),
      );
      writeFileSync(
        join(dir, 'cr.yaml'),
        json({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec: { keyed, numbers } }),
      );
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - cm.yaml\n  - cr.yaml\n');
      const worker = new WorkerRenderer(workerBin, 'v5.7.1');
      try {
        const out = await render(worker, dir);
        if (!out.ok) throw new Error(out.message);
        expect(out.documents).toBeDefined();
        const [withDocs, withoutDocs] = both(out.text, out.documents);
        expect(withDocs).toEqual(withoutDocs);
        // The fast path was taken for the plain ConfigMap part at least: the JSON was not simply refused.
        expect(parseWithDocuments(out.text, out.documents!, DEFAULT_LIMITS)).toBeDefined();
      } finally {
        await worker.dispose();
      }
    });
  });
});
