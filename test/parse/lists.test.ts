/** `kind: List`, typed `*List` and `generateName`: what kubectl and kubeconform accept, with each item's own line. */
import { describe, expect, it } from 'vitest';
import { GENERATE_NAME_SUFFIX, parseResources } from '../../src/parse/index.js';
import { parseSkipKinds } from '../../src/parse/skip-kinds.js';

const opts = { overlay: 'in.yaml', file: 'in.yaml' };
const ids = (text: string) => {
  const r = parseResources(text, opts);
  return {
    items: r.resources.map((x) => [x.id.kind, x.id.name, x.rendered.line]),
    rules: r.findings.map((f) => [f.ruleId, f.line]),
    resources: r.resources,
  };
};

describe('List expansion', () => {
  it('expands kind: List into its items, each at its own line, located inside the item', () => {
    const text = [
      'apiVersion: v1', // 1
      'kind: List',
      'items:',
      '- apiVersion: v1', // 4
      '  kind: Service',
      '  metadata:',
      '    name: a',
      '- apiVersion: v1', // 8
      '  kind: ConfigMap',
      '  metadata:',
      '    name: b',
      '  data:',
      '    k: v', // 13
    ].join('\n');
    const r = ids(text);
    expect(r.rules).toEqual([]);
    expect(r.items).toEqual([
      ['Service', 'a', 4],
      ['ConfigMap', 'b', 8],
    ]);
    // A check's path is relative to the item, and must resolve to the item's own lines.
    expect(r.resources[1].locate(['data', 'k'])?.line).toBe(13);
  });

  it('an empty List is zero objects, not an error; a List beside other documents keeps them', () => {
    expect(ids('apiVersion: v1\nkind: List\nitems: []\n')).toMatchObject({ items: [], rules: [] });
    expect(ids('apiVersion: v1\nkind: List\n')).toMatchObject({ items: [], rules: [] });
    const r = ids(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n',
    );
    expect(r.items).toEqual([
      ['ConfigMap', 'a', 1],
      ['Secret', 's', 8],
    ]);
  });

  it('typed lists fill a missing apiVersion and kind from the list, as the API does', () => {
    const r = ids(
      'apiVersion: v1\nkind: ConfigMapList\nmetadata: {}\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n',
    );
    expect(r.rules).toEqual([]);
    expect(r.resources.map((x) => [x.id.apiVersion, x.id.kind, x.id.name])).toEqual([
      ['v1', 'ConfigMap', 'a'],
      ['v1', 'ConfigMap', 'b'],
    ]);
  });

  it('a custom kind that merely ends in List (named, no items) stays one object', () => {
    const r = ids('apiVersion: net.example.com/v1\nkind: IPAllowList\nmetadata: {name: office}\nspec: {}\n');
    expect(r.items).toEqual([['IPAllowList', 'office', 1]]);
  });

  it('any object with an `items` sequence is a list, whatever its kind or name, as Argo CD and kubectl apply it', () => {
    // Argo CD expands every generated object for which unstructured IsList() holds (a top-level `items` array), kubectl
    // decodes one as an UnstructuredList: the items are applied, the object is not. A `Bag` of a permissive CRD
    // holding a RoleBinding to cluster-admin passed (no policy reads inside a Bag), rendered or raw.
    const bag = [
      'apiVersion: tools.kfm.dev/v1',
      'kind: Bag',
      'metadata: {name: extras, namespace: kfm-dev}',
      'items:',
      '  - apiVersion: rbac.authorization.k8s.io/v1',
      '    kind: RoleBinding',
      '    metadata: {name: everyone-admin, namespace: kfm-dev}',
      '    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
      '',
    ].join('\n');
    for (const generated of [false, true]) {
      const r = parseResources(bag, { ...opts, generated });
      expect(r.findings).toEqual([]);
      expect(r.resources.map((x) => [x.id.kind, x.id.name, x.rendered.line])).toEqual([
        ['RoleBinding', 'everyone-admin', 5],
      ]);
    }
    // Named and ending in List: still the items Argo CD applies (with the kind lent as before). None is lent to the
    // items of a kind that is no *List: such an item is no object.
    const named = ids(
      'apiVersion: net.example.com/v1\nkind: IPAllowList\nmetadata: {name: office}\nitems:\n- {metadata: {name: a}}\n',
    );
    expect(named.items).toEqual([['IPAllow', 'a', 5]]);
    const other = ids(
      'apiVersion: tools.kfm.dev/v1\nkind: Bag\nmetadata: {name: b}\nitems:\n- {metadata: {name: a}}\n',
    );
    expect(other.rules).toEqual([['KFM-RENDER-013', 5]]);
  });

  it('broken lists fail closed: items that are not a sequence, empty items, non-objects, nested Lists', () => {
    expect(ids('apiVersion: v1\nkind: List\nitems: nope\n').rules).toEqual([['KFM-RENDER-013', 1]]);
    expect(ids('apiVersion: v1\nkind: List\nitems:\n-\n- 3\n').rules).toEqual([
      ['KFM-RENDER-013', 4],
      ['KFM-RENDER-013', 5],
    ]);
    expect(ids('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n').rules).toEqual([
      ['KFM-RENDER-013', 4],
    ]);
    const nested = ids(
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x}\n',
    );
    expect(nested.rules).toEqual([['KFM-RENDER-013', 4]]);
    expect(nested.items).toEqual([]);
  });

  it('duplicates across a List and plain documents are still found', () => {
    const r = ids(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n',
    );
    expect(r.rules).toEqual([['KFM-RENDER-014', undefined]]);
  });
});

describe('generateName', () => {
  it('an object with only generateName is accepted; its identity is the prefix and a marker', () => {
    const r = ids('apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\nspec: {}\n');
    expect(r.rules).toEqual([]);
    expect(r.items).toEqual([['Job', `pi-${GENERATE_NAME_SUFFIX}`, 1]]);
  });

  it('name wins over generateName (the API ignores the prefix then)', () => {
    expect(ids('apiVersion: v1\nkind: Pod\nmetadata: {name: p, generateName: x-}\n').items).toEqual([['Pod', 'p', 1]]);
  });

  it('two objects with the same prefix, kind and namespace are still duplicates; a real name never collides', () => {
    const job = (meta: string) => `apiVersion: batch/v1\nkind: Job\nmetadata: {${meta}}\n`;
    expect(ids([job('generateName: pi-'), job('generateName: pi-')].join('---\n')).rules).toEqual([
      ['KFM-RENDER-014', undefined],
    ]);
    expect(ids([job('generateName: pi-'), job('name: pi-')].join('---\n')).rules).toEqual([]);
    expect(
      ids([job('generateName: pi-, namespace: a'), job('generateName: pi-, namespace: b')].join('---\n')).rules,
    ).toEqual([]);
  });

  it('neither name nor generateName (or empty / non-string ones) is still not an object', () => {
    for (const meta of ['{}', '{generateName: ""}', '{generateName: [a]}', '{name: 3}'])
      expect(ids(`apiVersion: v1\nkind: Pod\nmetadata: ${meta}\n`).rules).toEqual([['KFM-RENDER-013', 1]]);
  });
});

describe('--skip-kinds', () => {
  const id = (apiVersion: string, kind: string) => ({ apiVersion, kind, name: 'x' });
  it('matches a kind, or an apiVersion/kind pair exactly (kubeconform -skip)', () => {
    const f = parseSkipKinds(['Secret', 'apps/v1/Deployment,v1/ReplicationController']);
    expect(f.matches(id('v1', 'Secret'))).toBe(true);
    expect(f.matches(id('apps/v1', 'Deployment'))).toBe(true);
    expect(f.matches(id('apps/v1beta1', 'Deployment'))).toBe(false);
    expect(f.matches(id('v1', 'ReplicationController'))).toBe(true);
    expect(f.matches(id('v2', 'ReplicationController'))).toBe(false);
    expect(f.matches(id('v1', 'secret'))).toBe(false);
  });
  it('refuses entries that cannot match anything', () => {
    for (const bad of ['a/b/c/d', 'v1//Secret', 'Se cret', '/Secret'])
      expect(() => parseSkipKinds([bad])).toThrow(/--skip-kinds/);
  });
});
