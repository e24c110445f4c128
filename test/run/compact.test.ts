/**
 * Issue 20: a check run keeps compact copies of the rendered objects (run/compact.ts). The copy must be exact — a
 * check must judge the same object — and must release what the parser left behind: the rendered text (kept as its
 * digest, which the whole-run cache keys on) and the locators into it.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Compactor } from '../../src/run/compact.js';
import { runKey } from '../../src/results-cache.js';
import { overlayFromYaml } from '../policy/helpers.js';

const YAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team-a
  labels: {app: api, "__proto__": polluted}
data:
  nan: .nan
  inf: -.inf
  zero: -0.0
  list: [1, "two", [3, {four: null}], true]
  long: "${'x'.repeat(300)}"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: team-a, labels: {app: api}}
`;

describe('compacting a rendered overlay (issue 20)', () => {
  it('copies every object exactly: keys and order, NaN, -0, nested lists, an own __proto__ key', () => {
    const r = overlayFromYaml(YAML);
    const before = r.resources.map((res) => res.object);
    const ids = r.resources.map((res) => ({ ...res.id }));
    new Compactor().overlay(r);
    r.resources.forEach((res, i) => {
      expect(res.object).not.toBe(before[i]);
      expect(res.object).toStrictEqual(before[i]);
      expect(Object.keys(res.object)).toEqual(Object.keys(before[i]));
      expect(res.id).toStrictEqual(ids[i]);
    });
    const data = r.resources[0].object.data as Record<string, unknown>;
    expect(Number.isNaN(data.nan)).toBe(true);
    expect(data.inf).toBe(-Infinity);
    expect(Object.is(data.zero, -0)).toBe(true);
    const labels = (r.resources[0].object.metadata as { labels: Record<string, unknown> }).labels;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['app', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('shares repeated values and releases the text (digest kept: same render key) and the locators', () => {
    const r = overlayFromYaml(YAML);
    const text = r.text;
    const key = runKey('common', [r]);
    expect(r.resources[0].locate(['data'])).toBeDefined();
    new Compactor().overlay(r);
    expect(r.text).toBe('');
    expect(r.textSha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(runKey('common', [r])).toBe(key);
    expect(r.resources[0].locate(['data'])).toBeUndefined();
    const label = (i: number): unknown => (r.resources[i].object.metadata as { labels: { app: unknown } }).labels.app;
    expect(label(0)).toBe('api');
    expect(label(1)).toBe(label(0));
  });

  it('leaves a failed render alone', () => {
    const r = { ...overlayFromYaml(YAML), status: 'render-error' as const, text: '', resources: [] };
    new Compactor().overlay(r);
    expect(r.textSha256).toBeUndefined();
  });
});
