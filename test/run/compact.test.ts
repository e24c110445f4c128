/**
 * Issue 20: a check run releases each rendered overlay's text once it is parsed (run/compact.ts), keeping its digest,
 * which the whole-run cache keys on, and the objects as they are.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { releaseRenderedText } from '../../src/run/compact.js';
import { runKey } from '../../src/results-cache.js';
import { overlayFromYaml } from '../policy/helpers.js';

const YAML = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-a}
data: {a: b}
`;

describe('releasing the rendered text (issue 20)', () => {
  it('keeps the digest (same render key) and the objects, releases the text and the locators', () => {
    const r = overlayFromYaml(YAML);
    const text = r.text;
    const object = r.resources[0].object;
    const key = runKey('common', [r]);
    expect(r.resources[0].locate(['data'])).toBeDefined();
    releaseRenderedText(r);
    expect(r.text).toBe('');
    expect(r.textSha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(runKey('common', [r])).toBe(key);
    expect(r.resources[0].object).toBe(object);
    expect(r.resources[0].locate(['data'])).toBeUndefined();
  });

  it('leaves a failed render alone', () => {
    const r = { ...overlayFromYaml(YAML), status: 'render-error' as const, text: '', resources: [] };
    releaseRenderedText(r);
    expect(r.textSha256).toBeUndefined();
  });
});
