import { describe, expect, it } from 'vitest';
import type { KustomizationImage } from '../../src/promote/kustomization.js';
import { readImagesText } from '../../src/promote/kustomization.js';
import { envStep, hasChanges, planApp, type PlanInput } from '../../src/promote/plan.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

function img(name: string, fields: Partial<KustomizationImage> = {}): KustomizationImage {
  return { index: 0, name, line: 10, digestLine: 12, ...fields };
}

function input(overrides: Partial<PlanInput> = {}, history: string[] = []): PlanInput {
  return {
    app: 'web',
    from: 'dev',
    to: 'stage',
    envOrder: ['dev', 'stage', 'prod'],
    source: {
      file: 'apps/web/overlays/dev/kustomization.yaml',
      images: [img('quay.io/kfm/web', { newName: 'quay.io/kfm/web', digest: B })],
      history: { available: true, digests: new Map([['quay.io/kfm/web', new Set(history)]]) },
    },
    target: {
      file: 'apps/web/overlays/stage/kustomization.yaml',
      images: [img('quay.io/kfm/web', { newName: 'quay.io/kfm/web', digest: A })],
    },
    ...overrides,
  };
}

describe('promotion plan', () => {
  it('moves the source digest into the target when the source once ran the target digest', () => {
    const plan = planApp(input({}, [A, B]));
    expect(plan.refusals).toEqual([]);
    expect(plan.edits).toEqual([
      {
        name: 'quay.io/kfm/web',
        newName: 'quay.io/kfm/web',
        digest: B,
        action: 'update',
        via: 'kustomization',
        previous: { newName: 'quay.io/kfm/web', digest: A, line: 10 },
      },
    ]);
    expect(hasChanges(plan)).toBe(true);
  });

  it('refuses a downgrade: the target runs a digest the source never had', () => {
    const plan = planApp(input({}, [B]));
    expect(plan.refusals).toHaveLength(1);
    expect(plan.refusals[0]).toMatchObject({
      code: 'downgrade',
      image: 'quay.io/kfm/web',
      override: '--allow-downgrade',
    });
    expect(plan.refusals[0].message).toContain(
      `stage runs quay.io/kfm/web@${A} (apps/web/overlays/stage/kustomization.yaml:12), which dev never had`,
    );
  });

  it('allows the downgrade with a reason and records it', () => {
    const plan = planApp(input({ allowDowngrade: { reason: 'roll back a bad build' } }, [B]));
    expect(plan.refusals).toEqual([]);
    expect(plan.overrides).toEqual([
      { kind: 'downgrade', reason: 'roll back a bad build', detail: expect.stringContaining('which dev never had') },
    ]);
  });

  it('says when no git history could be consulted', () => {
    const base = input();
    base.source.history = { available: false, digests: new Map() };
    expect(planApp(base).refusals[0].message).toContain('no git history is available');
  });

  it('refuses to skip an env unless allowed with a reason', () => {
    const skip = planApp(input({ to: 'prod' }, [A]));
    expect(skip.refusals.map((r) => r.code)).toEqual(['env-skip']);
    expect(skip.refusals[0].message).toContain('dev → prod skips stage');
    const allowed = planApp(input({ to: 'prod', allowSkip: { reason: 'hotfix' } }, [A]));
    expect(allowed.refusals).toEqual([]);
    expect(allowed.overrides.map((o) => o.kind)).toEqual(['skip']);
  });

  it('refuses to promote backwards or onto the same env', () => {
    expect(planApp(input({ from: 'prod', to: 'stage' }, [A])).refusals.map((r) => r.code)).toEqual(['backwards']);
    expect(planApp(input({ from: 'dev', to: 'dev' }, [A])).refusals.map((r) => r.code)).toEqual(['same-env']);
  });

  it('follows a custom env order', () => {
    expect(envStep(['qa', 'preprod', 'live'], 'qa', 'live').skipped).toEqual(['preprod']);
    const plan = planApp(input({ envOrder: ['dev', 'prod'], to: 'prod' }, [A]));
    expect(plan.refusals).toEqual([]);
  });

  it('refuses a tag-only source image and names it', () => {
    const base = input({}, [A]);
    base.source.images = [img('quay.io/kfm/web', { newTag: '1.9.0' })];
    const plan = planApp(base);
    expect(plan.refusals).toEqual([expect.objectContaining({ code: 'tag-only', image: 'quay.io/kfm/web' })]);
    expect(plan.refusals[0].message).toContain(
      'image quay.io/kfm/web (apps/web/overlays/dev/kustomization.yaml:12) is pinned by tag "1.9.0" only',
    );
    expect(plan.edits).toEqual([]);
  });

  it('refuses a malformed digest', () => {
    const base = input({}, [A]);
    base.source.images = [img('quay.io/kfm/web', { digest: 'sha256:ABC' })];
    expect(planApp(base).refusals.map((r) => r.code)).toEqual(['not-a-digest']);
  });

  it('takes the digest from the rendered container when the entry pins nothing itself', () => {
    const base = input({}, [A]);
    base.source.images = [img('quay.io/kfm/web', { newName: 'quay.io/kfm/web' })];
    base.source.renderedImages = [`quay.io/kfm/web@${C}`, 'quay.io/other/sidecar:1.0'];
    const plan = planApp(base);
    expect(plan.refusals).toEqual([]);
    expect(plan.edits[0]).toMatchObject({ digest: C, via: 'rendered', action: 'update' });
  });

  it('refuses when the rendered container runs a tag', () => {
    const base = input({}, [A]);
    base.source.images = [img('quay.io/kfm/web')];
    base.source.renderedImages = ['quay.io/kfm/web:1.9.0'];
    const plan = planApp(base);
    expect(plan.refusals[0].code).toBe('tag-only');
    expect(plan.refusals[0].message).toContain('it renders as quay.io/kfm/web:1.9.0');
  });

  it('appends images missing from the target and leaves images of other apps alone', () => {
    const base = input({}, [A]);
    base.source.images.push(img('quay.io/kfm/worker', { digest: C, index: 1 }));
    base.target.images.push(img('quay.io/other/tool', { digest: A, index: 1 }));
    const plan = planApp(base);
    expect(plan.edits.map((e) => [e.name, e.action])).toEqual([
      ['quay.io/kfm/web', 'update'],
      ['quay.io/kfm/worker', 'append'],
    ]);
  });

  it('marks an already promoted target as unchanged, and a stale newTag as a change', () => {
    const same = input({}, [B]);
    same.target.images = [img('quay.io/kfm/web', { newName: 'quay.io/kfm/web', digest: B })];
    expect(hasChanges(planApp(same))).toBe(false);
    const stale = input({}, [B]);
    stale.target.images = [img('quay.io/kfm/web', { newName: 'quay.io/kfm/web', digest: B, newTag: 'old' })];
    expect(planApp(stale).edits[0].action).toBe('update');
  });

  it('refuses a source with no images: entries', () => {
    const base = input();
    base.source.images = [];
    expect(planApp(base).refusals.map((r) => r.code)).toEqual(['no-images']);
  });
});

describe('kustomization images reader', () => {
  it('reads entries with the lines of the entry and of its digest', () => {
    const text = `resources:\n  - ../../base\n# pinned\nimages:\n  - name: a\n    newName: b\n    digest: ${A}\n  - newTag: "2"\n    name: c\n`;
    expect(readImagesText(text)).toEqual({
      images: [
        { index: 0, name: 'a', newName: 'b', digest: A, line: 5, digestLine: 7 },
        { index: 1, name: 'c', newTag: '2', line: 8, digestLine: 8 },
      ],
    });
  });

  it('reports unusable text instead of throwing', () => {
    expect(readImagesText('images: {a: 1}\n').error?.message).toContain('must be a list');
    expect(readImagesText('images: [\n').error).toBeDefined();
  });
});
