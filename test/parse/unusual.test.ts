/**
 * Block scalars do not send a rendered stream to the full parser (parse/unusual.ts), and nothing the full parser must
 * handle (anchors, aliases, tags, merge keys) reaches the fast one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import jsyaml from 'js-yaml';
import { isAlias, isNode, parseAllDocuments, visit } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseGenerated } from '../../src/parse/fast.js';
import { parseWithDocuments } from '../../src/parse/documents.js';
import { DEFAULT_LIMITS, parseResources, type ParseResult } from '../../src/parse/index.js';
import { isUnusual, UNUSUAL } from '../../src/parse/unusual.js';
import { repoRoot, sharedDir } from '../helpers.js';

/** A stream shaped like redhat-cop/gitops-catalog's: scripts in block scalars, as kustomize prints them. */
const scripts = `apiVersion: v1
data:
  enable.sh: |
    #!/usr/bin/env bash
    enable_console_plugin(){
      [ -z "\${PLUGIN_NAME}" ] && return 1
      if [[ "\${INSTALLED_PLUGINS}" == *"\${PLUGIN_NAME}"* ]]; then
    \techo "tab-indented text" &> /dev/null
      fi
      echo !!! done: *important*
    }

    oc get subscriptions -o jsonpath='{.items[*].metadata.name}'
  plain: value
kind: ConfigMap
metadata:
  name: scripts
  namespace: tools
---
apiVersion: batch/v1
kind: Job
metadata:
  name: job
spec:
  template:
    spec:
      containers:
      - args:
        - |-
          kubectl get secret/tls &> /dev/null || exit 1
          echo "*done*" && true
        - >
          folded & text *here*
        command:
        - /bin/bash
        image: registry.example.com/tools@sha256:${'a'.repeat(64)}
        name: run
      restartPolicy: Never
`;

function observable(r: ParseResult): unknown {
  return {
    findings: r.findings,
    resources: r.resources.map((res) => ({
      id: res.id,
      object: JSON.stringify(res.object),
      rendered: res.rendered,
      docIndex: res.docIndex,
      spans: [[], ['data'], ['spec', 'template', 'spec', 'containers', 0, 'args', 1]].map((p) => res.locate?.(p)),
    })),
  };
}

/** Whether the full parser finds anything the fast path must not read: an anchor, alias, explicit tag or merge key. */
function holdsUnusualNodes(text: string): boolean | undefined {
  let found = false;
  for (const doc of parseAllDocuments(text, { merge: false })) {
    if (doc.errors.length > 0) return undefined; // not valid YAML: refused by both parsers
    visit(doc, {
      Pair(_, pair) {
        if (isNode(pair.key) && (pair.key as { value?: unknown }).value === '<<') found = true;
      },
      Node(_, node) {
        if (isAlias(node) || node.anchor || node.tag) found = true;
      },
    });
  }
  return found;
}

describe('unusual constructs outside block scalars', () => {
  it('reads a stream of scripts in block scalars with the fast parser, exactly as the full parser reads it', () => {
    expect(UNUSUAL.test(scripts)).toBe(true); // what used to send it to the full parser
    expect(isUnusual(scripts)).toBe(false);
    expect(parseGenerated(scripts, DEFAULT_LIMITS)).toBeDefined();
    const fast = parseResources(scripts, { overlay: 'o', file: 'o', generated: true });
    const full = parseResources(scripts, { overlay: 'o', file: 'o' });
    expect(fast.resources).toHaveLength(2);
    expect(observable(fast)).toEqual(observable(full));
    // The JSON documents kfm-render sends are used too, with the same reading.
    const documents = JSON.stringify(full.resources.map((r) => r.object));
    expect(parseWithDocuments(scripts, documents, DEFAULT_LIMITS)).toBeDefined();
  });

  it.each([
    ['an anchor after a block scalar', 'a: |\n  x && y\nb: &x 1\nc: *x\n'],
    ['an alias in a sibling of a sequence entry key', '- key: |\n    text &&\n  other: *x\n'],
    ['a line less indented than the text, more than the key', 'key: |\n    text &&\n  *a\n'],
    ['a merge key after the text', 'a: |\n  &&\n<<: {b: 1}\n'],
    ['a tag after the text', 'a: |-\n  &&\nb: !custom 1\n'],
    ['a header with a comment', 'key: | # note\n  &a b\n'],
    ['a header with an explicit indentation', 'key: |2\n  &a b\n'],
    ['a header in a quoted scalar over lines', 'key: "a\n  x: |\n    *b"\n'],
    ['a flow collection over lines', 'key: [a,\n  x: |,\n  *b]\n'],
    ['a key holding `: `', 'a: b: |\n  &x y\n'],
    ['a bare indicator line', 'key:\n  |\n  &a\n'],
    ['NUL in the text', 'key: |\n  a\u0000 &&\n'],
    ['a tab outside the text', 'key: |\n  &&\n\tb: 1\n'],
    ['an anchor on the header line', 'key: &a |\n  text\n'],
    ['an empty block scalar, then an alias at the text column', 'a:\n  b: |\n  c: *x\n'],
  ])('%s is unusual', (_, text) => {
    expect(isUnusual(text)).toBe(true);
  });

  it('says "not unusual" only for texts in which the full parser finds no anchor, alias, tag or merge key', () => {
    const roots = [join(repoRoot, 'fixtures'), join(repoRoot, 'infra'), join(sharedDir, 'corpus')].filter(existsSync);
    for (const file of roots.flatMap((cwd) => fg.sync(['**/*.yaml', '**/*.yml'], { cwd, absolute: true }))) {
      const text = readFileSync(file, 'utf8');
      if (isUnusual(text)) continue;
      expect({ file, unusual: holdsUnusualNodes(text) ?? false }).toEqual({ file, unusual: false });
    }
    expect(holdsUnusualNodes(scripts)).toBe(false);
  });

  it('on generated texts: block scalars of risky text next to anchors, tags, merge keys and odd indentation', () => {
    // A seeded generator of small streams: keys, sequence entries, block scalar headers (some with indicators this
    // does not read), text lines at, above and below the text's indentation, and every construct UNUSUAL names.
    let seed = 777;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 8) % n;
    };
    const risky = [
      '&&',
      '*"x"*',
      '&a',
      '*a',
      '!t',
      '<<: 1',
      'echo',
      "'",
      '"',
      '[',
      '{',
      ']',
      '# c',
      'k: v',
      '- x',
      '|',
      '\t',
    ];
    const values = ['v', '&a v', '*a', '!t v', '"q"', "'s'", '[a, b]', '{a: 1}', '"open', "'open", '[open', 'x # c'];
    const heads = ['|', '|-', '>', '>+', '|2', '| # c', '&a |', '!t |'];
    let relaxed = 0;
    const wrong: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const lines: string[] = [];
      const seq = rnd(3) === 0;
      for (let i = 0, count = 2 + rnd(8); i < count; i++) {
        const indent = rnd(8) === 0 ? ' '.repeat(rnd(5)) : '';
        const dash = seq ? (rnd(8) === 0 ? '' : '- ') : rnd(10) === 0 ? '- ' : '';
        const r = rnd(4);
        if (r === 0) lines.push(`${indent}${dash}k${i}: ${rnd(8) === 0 ? values[rnd(values.length)] : 'plain'}`);
        else if (r === 1 && rnd(12) === 0) lines.push(`${indent}${dash}k${i}: ${risky[rnd(risky.length)]}`);
        else {
          const head = rnd(3) === 0 ? heads[rnd(heads.length)] : heads[rnd(4)];
          lines.push(`${indent}${dash}${rnd(4) === 0 ? '' : `k${i}: `}${head}`);
          const base = indent.length + dash.length + 2 + rnd(2);
          for (let j = 0, t = 1 + rnd(3); j < t; j++) {
            const at = Math.max(0, base + (rnd(5) === 0 ? rnd(5) - 3 : 0));
            lines.push(rnd(6) === 0 ? '' : `${' '.repeat(at)}${risky[rnd(risky.length)]} ${risky[rnd(risky.length)]}`);
          }
        }
      }
      const text = `${lines.join('\n')}\n`;
      const holds = holdsUnusualNodes(text);
      if (holds === undefined || isUnusual(text) || !UNUSUAL.test(text)) continue;
      relaxed++;
      // Relaxed: nothing the full parser must handle, and js-yaml reads what the full parser reads.
      let fast: unknown;
      try {
        fast = jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA });
      } catch {
        continue; // js-yaml refuses it: the full parser reads it
      }
      const full = parseAllDocuments(text).map((d) => d.toJS() as unknown);
      if (holds || JSON.stringify(fast) !== JSON.stringify(full)) wrong.push(text);
    }
    expect(wrong).toEqual([]);
    expect(relaxed).toBeGreaterThan(1_000); // the generator does reach texts UNUSUAL alone refused
  });
});
