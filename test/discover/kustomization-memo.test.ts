import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  forgetParsedKustomizations,
  KUSTOMIZATION_MEMO_ENTRIES,
  kustomizationMemoSize,
  readKustomization,
} from '../../src/discover/kustomization.js';

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
});
