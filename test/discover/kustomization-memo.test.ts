import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { RENDER_FAILED } from '../../src/rules/render.js';
import {
  forgetParsedKustomizations,
  holdParsedKustomizations,
  KEPT_KUSTOMIZATION_FIELDS,
  KUSTOMIZATION_HOLD_BYTES,
  keptKustomizationFields,
  KUSTOMIZATION_MEMO_ENTRIES,
  kustomizationMemoSize,
  readKustomization,
  releaseHeldKustomizations,
} from '../../src/discover/kustomization.js';
import { AUDITED_KUSTOMIZATION_FIELDS } from '../../src/checks/policy/partition.js';
import { readKustomization as readPolicyKustomization } from '../../src/checks/policy/input.js';
import type { Overlay } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'kfm-kmemo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsed kustomization memo', () => {
  it('holds at most its bound, and an evicted kustomization reads the same again', async () => {
    const count = KUSTOMIZATION_MEMO_ENTRIES + 200;
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const d = join(dir, `k${i}`);
      mkdirSync(d);
      const f = join(d, 'kustomization.yaml');
      writeFileSync(f, `namespace: ns-${i}\nresources:\n  - ../base-${i}\n`);
      files.push(f);
    }
    const first = await readKustomization(files[0]);
    for (const f of files) await readKustomization(f);
    expect(kustomizationMemoSize()).toBeLessThanOrEqual(KUSTOMIZATION_MEMO_ENTRIES);
    // files[0] was evicted: read again from disk, the same answer.
    const again = await readKustomization(files[0]);
    expect(again).toEqual(first);
    expect(again.object).toMatchObject({ namespace: 'ns-0' });
    expect(again.refs.map((r) => r.value)).toEqual(['../base-0']);
  });

  it('keeps the recently used: a base read by every overlay is not evicted by a long run', async () => {
    const base = join(dir, 'shared');
    mkdirSync(base);
    const f = join(base, 'kustomization.yaml');
    writeFileSync(f, 'resources:\n  - deployment.yaml\n');
    const parsed = await readKustomization(f);
    for (let i = 0; i < KUSTOMIZATION_MEMO_ENTRIES + 50; i++) {
      await readKustomization(join(dir, `k${i}`, 'kustomization.yaml'));
      if (i % 100 === 0) expect(await readKustomization(f)).toBe(parsed); // the same object: a memo hit
    }
    expect(await readKustomization(f)).toBe(parsed);
  });

  it('holds nothing once forgotten (a check run past its renders), and reads the same again', async () => {
    const f = join(dir, 'k1', 'kustomization.yaml');
    const before = await readKustomization(f);
    expect(kustomizationMemoSize()).toBeGreaterThan(0);
    forgetParsedKustomizations();
    expect(kustomizationMemoSize()).toBe(0);
    const after = await readKustomization(f);
    expect(after).not.toBe(before); // parsed again, not a kept object
    expect(after).toEqual(before);
  });

  it('holds more while a check run walks what discovery parsed, and drops back to its bound after', async () => {
    forgetParsedKustomizations();
    holdParsedKustomizations(KUSTOMIZATION_MEMO_ENTRIES + 100);
    const files = Array.from({ length: KUSTOMIZATION_MEMO_ENTRIES + 50 }, (_, i) =>
      join(dir, `k${i}`, 'kustomization.yaml'),
    );
    const first = new Map<string, unknown>();
    for (const f of files) first.set(f, await readKustomization(f));
    expect(kustomizationMemoSize()).toBe(files.length);
    // Every one is still the same object: the walks after discovery parse nothing again.
    for (const f of files) expect(await readKustomization(f)).toBe(first.get(f));
    releaseHeldKustomizations();
    expect(kustomizationMemoSize()).toBe(KUSTOMIZATION_MEMO_ENTRIES);
    expect(await readKustomization(files[files.length - 1])).toBe(first.get(files[files.length - 1])); // most recent kept
    // Forgetting also ends a hold (a run that failed before releasing it does not leave the next one holding more).
    holdParsedKustomizations(KUSTOMIZATION_MEMO_ENTRIES + 100);
    forgetParsedKustomizations();
    for (const f of files) await readKustomization(f);
    expect(kustomizationMemoSize()).toBe(KUSTOMIZATION_MEMO_ENTRIES);
  });

  it('holds past its usual bound only up to a budget of kustomization text', async () => {
    forgetParsedKustomizations();
    holdParsedKustomizations(KUSTOMIZATION_MEMO_ENTRIES * 4);
    // Kustomizations of ~32 KB each (long inline patches): the budget holds fewer than the usual bound's worth more.
    const big = `resources: [../base]\npatches:\n  - patch: |-\n${'      # padding line of an inline patch\n'.repeat(900)}`;
    const count = KUSTOMIZATION_MEMO_ENTRIES + Math.ceil(KUSTOMIZATION_HOLD_BYTES / big.length) + 20;
    for (let i = 0; i < count; i++) {
      const d = join(dir, `big${i}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'kustomization.yaml'), big);
      await readKustomization(join(d, 'kustomization.yaml'));
    }
    expect(kustomizationMemoSize()).toBeGreaterThanOrEqual(KUSTOMIZATION_MEMO_ENTRIES);
    expect(kustomizationMemoSize()).toBeLessThan(count);
    forgetParsedKustomizations();
  });

  describe('kept fields (what the policy input reads of an overlay once the memo forgot its parse)', () => {
    const overlay = (path: string): Overlay =>
      ({
        path,
        absPath: join(dir, path),
        env: 'dev',
        layer: 'apps',
        kustomizationFile: 'kustomization.yaml',
      }) as Overlay;
    const evict = async (): Promise<void> => {
      for (let i = 0; i < KUSTOMIZATION_MEMO_ENTRIES + 10; i++) {
        const d = join(dir, `filler${i}`);
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'kustomization.yaml'), `namespace: f-${i}\n`);
        await readKustomization(join(d, 'kustomization.yaml'));
      }
    };

    it('are what the audited policy rules read', () => {
      // Otherwise every overlay's kustomization is parsed again while it renders (correct, but the cost is back).
      expect(KEPT_KUSTOMIZATION_FIELDS).toEqual(AUDITED_KUSTOMIZATION_FIELDS);
    });

    it('give the policy input the same JSON as a parse, after the memo evicted the file', async () => {
      mkdirSync(join(dir, 'pinned'));
      const f = join(dir, 'pinned', 'kustomization.yaml');
      writeFileSync(
        f,
        'namespace: shop\nimages:\n  - name: api\n    newTag: "1.2"\n  - name: web\n    digest: sha256:abc\nresources: [../base]\n',
      );
      mkdirSync(join(dir, 'plain'));
      writeFileSync(join(dir, 'plain', 'kustomization.yaml'), 'resources: [../base]\n');
      await readKustomization(f);
      await readKustomization(join(dir, 'plain', 'kustomization.yaml'));
      await evict();
      const images = '{"images":[{"name":"api","newTag":"1.2"},{"name":"web","digest":"sha256:abc"}]}';
      expect(keptKustomizationFields(f)).toBe(images);
      const source = await readPolicyKustomization(dir, overlay('pinned'), AUDITED_KUSTOMIZATION_FIELDS);
      expect(source?.json).toBe(images);
      expect(source?.object).toEqual(JSON.parse(images));
      // The finding's line still comes from the file (parsed with positions on demand).
      expect(source?.locate(['images', 0, 'newTag'])?.line).toBe(4);
      expect((await readPolicyKustomization(dir, overlay('plain'), AUDITED_KUSTOMIZATION_FIELDS))?.json).toBe('{}');
      // Other fields (a repo's own policies read the whole object): parsed, as before.
      const whole = await readPolicyKustomization(dir, overlay('pinned'));
      expect(whole?.object).toMatchObject({ namespace: 'shop', resources: ['../base'] });
    });

    it('are not used once the file changed, nor for a file that does not parse', async () => {
      mkdirSync(join(dir, 'edited'));
      const f = join(dir, 'edited', 'kustomization.yaml');
      writeFileSync(f, 'images:\n  - name: api\n    newTag: old\n');
      await readKustomization(f);
      expect(keptKustomizationFields(f)).toBe('{"images":[{"name":"api","newTag":"old"}]}');
      writeFileSync(f, 'images:\n  - name: api\n    newTag: newer-tag\n');
      expect(keptKustomizationFields(f)).toBeUndefined();
      const source = await readPolicyKustomization(dir, overlay('edited'), AUDITED_KUSTOMIZATION_FIELDS);
      expect(source?.json).toBe('{"images":[{"name":"api","newTag":"newer-tag"}]}');

      mkdirSync(join(dir, 'broken'));
      const b = join(dir, 'broken', 'kustomization.yaml');
      writeFileSync(b, 'images: [\n  - name: api\n');
      await readKustomization(b);
      expect(keptKustomizationFields(b)).toBeUndefined();
      expect(await readPolicyKustomization(dir, overlay('broken'), AUDITED_KUSTOMIZATION_FIELDS)).toBeNull();
    });

    it('keep nothing for a value JSON cannot hold, and a check of it ends with the finding, not a crash', async () => {
      // A hostile kustomization: `images` is a YAML anchor inside itself, a cycle once parsed.
      const repo = join(dir, 'cyclic-repo');
      mkdirSync(join(repo, 'apps/a/base'), { recursive: true });
      mkdirSync(join(repo, 'apps/a/overlays/dev'), { recursive: true });
      writeFileSync(join(repo, 'apps/a/base/kustomization.yaml'), 'resources:\n  - cm.yaml\n');
      writeFileSync(
        join(repo, 'apps/a/base/cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n',
      );
      const f = join(repo, 'apps/a/overlays/dev/kustomization.yaml');
      writeFileSync(f, 'namespace: dev\nresources:\n  - ../../base\nimages: &x\n  - name: a\n    self: *x\n');
      await readKustomization(f);
      expect(keptKustomizationFields(f)).toBeUndefined();
      const r = await runCli(['check', repo, '--format', 'json', '--no-cache']);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as { findings: { ruleId: string; file?: string }[] };
      expect(report.findings).toContainEqual(
        expect.objectContaining({ ruleId: RENDER_FAILED, file: 'apps/a/overlays/dev/kustomization.yaml' }),
      );
    }, 60_000);

    it('are forgotten with the memo', async () => {
      const f = join(dir, 'pinned', 'kustomization.yaml');
      await readKustomization(f);
      expect(keptKustomizationFields(f)).toBeDefined();
      forgetParsedKustomizations();
      expect(keptKustomizationFields(f)).toBeUndefined();
    });
  });
});
