/**
 * kustomize reads a kustomization through Go's encoding/json, which matches a key to a field without regard to case
 * (and folds `ſ` to `s`, the Kelvin sign to `k`): `Resources:`, `RESOURCES:` or `reſources:` is `resources:` to
 * kustomize. The pre-render walk looked only for the exact names, so a base or component outside the checked root
 * was read (the overlay rendered its objects, no finding) and a remote base reached the network layer. A key that
 * kustomize would read as another field's name is now refused on its line, before anything renders.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { gitCopy, type Copy } from './infra-copy.js';

type Found = { ruleId: string; file?: string; line?: number; message: string };

describe('kustomization keys kustomize matches without regard to case (e2e)', () => {
  let copy: Copy;
  let outside: string;
  beforeEach(() => {
    copy = gitCopy();
    // A component beside the repository, outside the checked root (infra/gitops).
    outside = join(copy.top, 'outside');
    mkdirSync(outside);
    writeFileSync(
      join(outside, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.yaml\n',
    );
    writeFileSync(join(outside, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-outside\n');
  });
  afterEach(() => copy.cleanup());

  const overlay = 'apps/kfm-ui/overlays/prod/kustomization.yaml';
  const append = (text: string): number => {
    const file = join(copy.root, overlay);
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before + text);
    return before.split('\n').length; // the line the appended text starts on
  };

  const outsideRef = (key: string): string => `${key}:\n  - ../../../../../../outside\n`;
  it.each([
    ['Components', outsideRef('Components'), 'KFM-RENDER-009', 'components'],
    ['COMPONENTS', outsideRef('COMPONENTS'), 'KFM-RENDER-009', 'components'],
    ['componentſ', outsideRef('component\u017f'), 'KFM-RENDER-009', 'components'],
    // A line break only kustomize's reader breaks lines at: `# none<CR>components:` was a comment for the walk and a
    // field for kustomize (exit 0, the outside component read).
    [
      'components: after a lone CR in a comment',
      `# no components here\r${outsideRef('components')}`,
      'KFM-RENDER-009',
      'line break',
    ],
    // kustomize (go-yaml v2) applies merge keys and resolves aliases; the walk read neither (exit 0, read outside).
    ['components: in a merge key', '<<: {components: [../../../../../../outside]}\n', 'KFM-RENDER-009', 'merge key'],
    [
      'components: through an alias',
      'commonAnnotations: {note: &o ../../../../../../outside}\ncomponents: [*o]\n',
      'KFM-RENDER-004',
      'outside the checked root',
    ],
  ])('refuses %s naming a component outside the root, on its line', async (_name, text, ruleId, says) => {
    const line = append(text);
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Found[];
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId,
        file: overlay,
        line,
        message: expect.stringContaining(says),
      }),
    );
    expect(r.stdout).not.toContain('from-outside');
  });

  it('refuses `Resources:` naming a remote base, before any render', async () => {
    const file = join(copy.root, overlay);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'resources:\n',
        'Resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v1.0.6\n',
      ),
    );
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Found[];
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'KFM-RENDER-009', file: overlay }));
    expect(r.stdout).not.toMatch(/kfm-render refuses to load/);
  });

  it('leaves data maps alone: a label key that looks like a field name is fine', async () => {
    append('commonAnnotations:\n  Resources: "x"\n');
    const r = await runCli(['check', '.', '--format', 'json', '--no-cache'], { cwd: copy.root });
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    expect(r.code).toBe(0);
  });
});
