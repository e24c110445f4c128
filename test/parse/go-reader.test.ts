/**
 * Files read by node as they are (an Argo CD directory source, `validate` input) are applied by Go: Argo CD and
 * kubectl decode them with sigs.k8s.io/yaml (go-yaml v2, a YAML 1.1 reader). Where that reader and ours would build
 * different objects from the same text, the text is refused, never read our way: a RoleBinding to `view` here could
 * be one to `cluster-admin` in the cluster. Each Go reading below was taken with apimachinery's YAMLOrJSONDecoder.
 */
import { describe, expect, it } from 'vitest';
import { parseResources } from '../../src/parse/index.js';

const opts = { overlay: 'extras/plain', file: 'extras/plain/rb.yaml' };

const binding = (roleRef: string[]): string =>
  [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: RoleBinding',
    'metadata:',
    '  name: everyone-admin',
    '  namespace: kfm-dev',
    'subjects:',
    '  - &u {kind: User, apiGroup: rbac.authorization.k8s.io, name: cluster-admin}',
    'roleRef:',
    ...roleRef,
    '',
  ].join('\n');

describe('line breaks that only Go reads as line breaks', () => {
  // go-yaml (libyaml) breaks lines at CR, NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR; the `yaml` parser only at LF
  // (and CR LF): what follows one of them in a comment was a comment here and a key in the cluster.
  const hidden = (brk: string): string =>
    binding([
      '  apiGroup: rbac.authorization.k8s.io',
      '  kind: ClusterRole',
      `  name: view # reviewed${brk}  name: cluster-admin`,
    ]);

  it.each([
    ['a lone CR', '\r'],
    ['NEL (U+0085)', '\u0085'],
    ['LINE SEPARATOR (U+2028)', '\u2028'],
    ['PARAGRAPH SEPARATOR (U+2029)', '\u2029'],
  ])('refuses %s, with its line, instead of reading `name: view`', (_name, brk) => {
    const { resources, findings } = parseResources(hidden(brk), opts);
    expect(resources).toEqual([]);
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: 'KFM-RENDER-010', file: 'extras/plain/rb.yaml', line: 11 }),
    ]);
    expect(findings[0].message).toMatch(/line break/);
  });

  it('refuses a lone CR at the end of the text (`true\\r` read as a string here, as `true` by Go)', () => {
    const { findings } = parseResources(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  hostNetwork: true\r',
      opts,
    );
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-010', line: 6 })]);
  });

  it('still reads CR LF line ends, and escaped separators inside quotes', () => {
    const text = 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\ndata:\r\n  x: "a\\u2028b\\rc"\r\n';
    const { resources, findings } = parseResources(text, opts);
    expect(findings).toEqual([]);
    expect(resources[0].object.data).toEqual({ x: 'a\u2028b\rc' });
  });
});

describe('merge keys', () => {
  it('refuses a merge key that sets a key already set before it (Go: the merged value wins; YAML: the explicit one)', () => {
    const { resources, findings } = parseResources(binding(['  name: view', '  <<: *u', '  kind: ClusterRole']), opts);
    expect(resources).toEqual([]);
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: 'KFM-RENDER-011', file: 'extras/plain/rb.yaml', line: 10 }),
    ]);
    expect(findings[0].message).toMatch(/name/);
  });

  it('refuses two merge keys of one mapping that set the same key (Go: the last one wins; here: the first)', () => {
    const text = binding([
      '  <<: {name: view}',
      '  <<: *u',
      '  kind: ClusterRole',
      '  apiGroup: rbac.authorization.k8s.io',
    ]);
    const { findings } = parseResources(text, opts);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-011', line: 10 })]);
  });

  it('refuses an inline merge over an earlier key, and one through a merged sequence', () => {
    const inline = binding(['  name: view', '  <<: {name: cluster-admin}', '  kind: ClusterRole']);
    expect(parseResources(inline, opts).findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-011' })]);
    const seq = binding(['  name: view', '  <<: [{apiGroup: rbac.authorization.k8s.io}, *u]', '  kind: ClusterRole']);
    expect(parseResources(seq, opts).findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-011' })]);
  });

  it('reads merges both readers agree on: explicit keys after the merge, earlier entries of a merged sequence', () => {
    const after = binding(['  <<: *u', '  name: view', '  kind: ClusterRole']);
    const a = parseResources(after, opts);
    expect(a.findings).toEqual([]);
    expect(a.resources[0].object.roleRef).toEqual({
      kind: 'ClusterRole',
      apiGroup: 'rbac.authorization.k8s.io',
      name: 'view',
    });
    const seq = binding(['  <<: [{name: view}, *u]', '  kind: ClusterRole']);
    const s = parseResources(seq, opts);
    expect(s.findings).toEqual([]);
    expect((s.resources[0].object.roleRef as { name: string }).name).toBe('view');
  });
});
