import { describe, expect, it } from 'vitest';
import { parseResources } from '../../src/parse/index.js';
import { diffOverlay, formatDiffMarkdown, formatDiffText, type DiffSide } from '../../src/select/rendered-diff.js';

const side = (yaml: string): DiffSide => ({
  present: true,
  ok: true,
  resources: parseResources(yaml, { overlay: 'o', file: 'o' }).resources,
});
const key = Buffer.alloc(32, 1);

describe('diffOverlay', () => {
  it('matches resources by group, kind, namespace and name, so reordering is not a change', () => {
    const a =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n';
    const b =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
    expect(diffOverlay('o', side(a), side(b), { redactionKey: key })).toMatchObject({
      status: 'unchanged',
      resources: [],
    });
  });

  it('redacts Secret values with a keyed hash: equal values hash equal, a changed value shows as a changed line', () => {
    const secret = (pw: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: ${Buffer.from(pw).toString('base64')}\n  user: ${Buffer.from('app').toString('base64')}\n`;
    const d = diffOverlay('o', side(secret('old-secret-value')), side(secret('new-secret-value')), {
      redactionKey: key,
    });
    expect(d.resources).toHaveLength(1);
    const diff = d.resources[0].diff;
    expect(diff).toMatch(/^- {2}password: <redacted [0-9a-f]{12}>$/m);
    expect(diff).toMatch(/^\+ {2}password: <redacted [0-9a-f]{12}>$/m);
    expect(diff).not.toMatch(/^[-+] {2}user:/m);
    expect(diff).not.toContain(Buffer.from('old-secret-value').toString('base64'));
  });

  it('a side that failed to render is an error with its reason, not a list of everything added or removed', () => {
    const broken: DiffSide = { present: true, ok: false, error: 'KFM-RENDER-001 boom', resources: [] };
    const d = diffOverlay('o', side('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n'), broken, {
      redactionKey: key,
    });
    expect(d).toMatchObject({
      status: 'error',
      errors: [{ side: 'now', message: 'KFM-RENDER-001 boom' }],
      resources: [],
    });
    const out = formatDiffText({ base: { ref: 'main', commit: 'a'.repeat(40) }, overlays: [d], unaffected: 0 });
    expect(out).toContain('=== o: render failed\n  ! render failed (now): KFM-RENDER-001 boom\n');
  });

  it('markdown fences outgrow any backtick run in the YAML, and HTML in names is escaped', () => {
    const now = side('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  doc: "use ```sh blocks"\n');
    const d = diffOverlay('apps/<x>', { present: false, ok: true, resources: [] }, now, { redactionKey: key });
    const md = formatDiffMarkdown({ base: { ref: 'main', commit: 'a'.repeat(40) }, overlays: [d], unaffected: 2 });
    expect(md).toContain('<summary><code>apps/&lt;x&gt;</code>: new overlay: 1 added</summary>');
    expect(md).toContain('\n````diff\n');
    expect(md).toMatch(/\n````\n/);
  });
});
