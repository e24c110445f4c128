/** Objects naming a namespace of a stricter env than their overlay's are judged in that env (src/argo/object-env.ts). */
import { describe, expect, it } from 'vitest';
import { byObjectEnv } from '../../src/argo/object-env.js';
import type { RenderedOverlay, Resource } from '../../src/types.js';

const ENVS = ['dev', 'stage', 'prod'];

const resource = (name: string, namespace?: string): Resource =>
  ({ id: { apiVersion: 'v1', kind: 'ConfigMap', name, ...(namespace ? { namespace } : {}) } }) as unknown as Resource;

const rendered = (env: string, ...resources: Resource[]): RenderedOverlay =>
  ({ overlay: { path: 'core/x', env, layer: 'core' }, status: 'ok', resources }) as unknown as RenderedOverlay;

const shape = (out: RenderedOverlay[]): [string, string, string[]][] =>
  out.map((r) => [r.overlay.path, r.overlay.env, r.resources.map((x) => x.id.name)]);

describe('byObjectEnv', () => {
  it('moves objects in a stricter env namespace into a part of the overlay placed in that env', () => {
    const out = byObjectEnv(
      [rendered('dev', resource('a'), resource('b', 'kfm-prod'), resource('c', 'kfm-dev'), resource('d', 'kfm-stage'))],
      ENVS,
    );
    expect(shape(out)).toEqual([
      ['core/x', 'dev', ['a', 'c']],
      ['core/x', 'prod', ['b']],
      ['core/x', 'stage', ['d']],
    ]);
  });

  it('places objects of an overlay in no env of envOrder (a platform overlay) by their namespaces', () => {
    expect(shape(byObjectEnv([rendered('baseline', resource('a', 'kfm-prod'), resource('b', 'x'))], ENVS))).toEqual([
      ['core/x', 'baseline', ['b']],
      ['core/x', 'prod', ['a']],
    ]);
  });

  it('never moves an object into a laxer env, and leaves an overlay with nothing to move as it is', () => {
    const prod = rendered('prod', resource('a', 'kfm-dev'), resource('b'));
    expect(byObjectEnv([prod], ENVS)[0]).toBe(prod);
  });
});
