import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffLines, diffRendered, unifiedDiff } from '../../src/promote/diff.js';
import { editKustomizationImages, KustomizationEditError } from '../../src/promote/edit.js';
import { repoRoot } from '../helpers.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const infra = join(repoRoot, 'infra', 'gitops');

/** Lines that differ between two texts of the same line count, as [lineNumber, before, after]. */
function changedLines(before: string, after: string): [number, string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [[i + 1, line, b[i]] as [number, string, string]]));
}

describe('kustomization image edit', () => {
  it('changes only the digest line of every infra/gitops overlay (comments and layout intact)', () => {
    for (const app of ['kfm-api', 'kfm-ui', 'postgis', 'minio']) {
      for (const env of ['dev', 'stage', 'prod']) {
        const file = join(infra, 'apps', app, 'overlays', env, 'kustomization.yaml');
        const before = readFileSync(file, 'utf8');
        const name = (parse(before) as { images: { name: string; newName: string }[] }).images[0];
        const after = editKustomizationImages(before, [{ name: name.name, newName: name.newName, digest: D1 }]);
        const changed = changedLines(before, after);
        expect(changed).toHaveLength(1);
        expect(changed[0][1]).toMatch(/^ {4}digest: sha256:[0-9a-f]{64}$/);
        expect(changed[0][2]).toBe(`    digest: ${D1}`);
        expect(after).toContain('# Pinned by digest in every environment.');
      }
    }
  });

  it('drops a stale newTag, keeps quoting and trailing comments of other lines', () => {
    const before = `images:\n  - name: "quay.io/kfm/web" # the web image\n    newTag: "1.2.3"  # stale\n    digest: '${D1}'\n  - name: other\n    newTag: v9\n`;
    const after = editKustomizationImages(before, [
      { name: 'quay.io/kfm/web', newName: 'quay.io/kfm/web', digest: D2 },
    ]);
    expect(after).toBe(
      `images:\n  - name: "quay.io/kfm/web" # the web image\n    digest: '${D2}'\n    newName: quay.io/kfm/web\n  - name: other\n    newTag: v9\n`,
    );
  });

  it('moves the next key up when the stale newTag sits on the dash line', () => {
    const before = `images:\n  - newTag: "1"\n    name: web\n`;
    expect(editKustomizationImages(before, [{ name: 'web', newName: 'reg/web', digest: D1 }])).toBe(
      `images:\n  - name: web\n    newName: reg/web\n    digest: ${D1}\n`,
    );
  });

  it('appends a missing entry laid out like the first one', () => {
    const before = `images:\n    -   name: a\n        digest: ${D1}\n# after the list\nreplicas: []\n`;
    const after = editKustomizationImages(before, [{ name: 'b', newName: 'reg/b', digest: D2 }]);
    expect(after).toBe(
      `images:\n    -   name: a\n        digest: ${D1}\n    -   name: b\n        newName: reg/b\n        digest: ${D2}\n# after the list\nreplicas: []\n`,
    );
  });

  it('adds an images: block when there is none, and fills an empty one', () => {
    expect(editKustomizationImages('resources:\n  - ../../base', [{ name: 'a', newName: 'a', digest: D1 }])).toBe(
      `resources:\n  - ../../base\nimages:\n  - name: a\n    newName: a\n    digest: ${D1}\n`,
    );
    expect(editKustomizationImages('images:\nnamespace: x\n', [{ name: 'a', newName: 'a', digest: D1 }])).toBe(
      `images:\n  - name: a\n    newName: a\n    digest: ${D1}\nnamespace: x\n`,
    );
  });

  it('edits flow-style lists through the Document API (content right, layout may change)', () => {
    const after = editKustomizationImages(`# keep me\nimages: [{name: a, newTag: "1"}]\n`, [
      { name: 'a', newName: 'reg/a', digest: D1 },
    ]);
    expect(after).toContain('# keep me');
    expect(parse(after)).toEqual({ images: [{ name: 'a', newName: 'reg/a', digest: D1 }] });
  });

  it('refuses text that is not a kustomization mapping', () => {
    expect(() => editKustomizationImages('- a\n- b\n', [{ name: 'a', newName: 'a', digest: D1 }])).toThrow(
      KustomizationEditError,
    );
    expect(() => editKustomizationImages('images: [\n', [{ name: 'a', newName: 'a', digest: D1 }])).toThrow(
      KustomizationEditError,
    );
  });

  it('always yields the intended images (property)', () => {
    const name = fc.constantFrom('a', 'b', 'reg.io/x/c');
    const entry = fc.record({
      name,
      newTag: fc.option(fc.constantFrom('1', 'v2'), { nil: undefined }),
      digest: fc.option(fc.constant(D1), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 3 }),
        name,
        fc.boolean(),
        (entries, target, comment) => {
          const lines = ['namespace: n', ...(comment ? ['# images below'] : []), 'images:'];
          if (entries.length === 0) lines.pop();
          for (const e of entries) {
            lines.push(`  - name: ${e.name}`);
            if (e.newTag) lines.push(`    newTag: "${e.newTag}"`);
            if (e.digest) lines.push(`    digest: ${e.digest}`);
          }
          const after = editKustomizationImages(`${lines.join('\n')}\n`, [
            { name: target, newName: `${target}-x`, digest: D2 },
          ]);
          const images = (parse(after) as { images: Record<string, string>[] }).images;
          expect(images.find((i) => i.name === target)).toEqual({ name: target, newName: `${target}-x`, digest: D2 });
          expect(images.filter((i) => i.name !== target)).toHaveLength(entries.filter((e) => e.name !== target).length);
          if (comment && entries.length > 0) expect(after).toContain('# images below');
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('diff', () => {
  it('produces an edit script that rebuilds both sides (property)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b);
        expect(ops.filter((o) => o.op !== 'insert').map((o) => o.line)).toEqual(a);
        expect(ops.filter((o) => o.op !== 'delete').map((o) => o.line)).toEqual(b);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('prints unified hunks with context and 1-based ranges', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const b = a.replace('5\n', 'five\n');
    expect(unifiedDiff(a, b, { fromLabel: 'a/x', toLabel: 'b/x' })).toBe(
      '--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n',
    );
    expect(unifiedDiff(a, a, { fromLabel: 'a', toLabel: 'b' })).toBe('');
    expect(unifiedDiff('', 'x\n', { fromLabel: '/dev/null', toLabel: 'b' })).toBe(
      '--- /dev/null\n+++ b\n@@ -0,0 +1 @@\n+x\n',
    );
  });

  it('diffs rendered streams per resource, ignoring order', () => {
    const cm = (name: string, v: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: n\ndata:\n  k: ${v}\n`;
    const before = `${cm('a', '1')}---\n${cm('b', '1')}---\n${cm('gone', '1')}`;
    const after = `${cm('b', '1')}---\n${cm('a', '2')}---\n${cm('new', '1')}`;
    const diffs = diffRendered(before, after);
    expect(diffs.map((d) => [d.key, d.change])).toEqual([
      ['v1/ConfigMap/n/a', 'changed'],
      ['v1/ConfigMap/n/new', 'added'],
      ['v1/ConfigMap/n/gone', 'removed'],
    ]);
    expect(diffs[0].diff).toContain('-  k: 1\n+  k: 2\n');
  });
});
