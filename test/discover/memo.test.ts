/**
 * The discovery memo (src/discover/memo.ts): a run that takes discovery and the overlay walks from it answers exactly
 * what a run without it answers, after every kind of change (an edited kustomization that starts naming another file,
 * a renamed or deleted input, a new overlay, a retargeted symlink); and a memo it did not seal itself — planted by a
 * pull request, edited, or sealed with another user's key — changes nothing.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { discoverOverlays } from '../../src/discover/index.js';
import { walkOverlayDetailed } from '../../src/discover/kustomization.js';
import { DiscoverMemo } from '../../src/discover/memo.js';
import { memoWalks } from '../../src/discover/walks.js';
import { open, seal } from '../../src/util/seal.js';
import { loadOrCreateKey, userKeyFile } from '../../src/util/user-key.js';
import { repoRoot, tempCopy } from '../helpers.js';

const config: Config = {};
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function repo(): string {
  const copy = tempCopy(join(repoRoot, 'infra', 'gitops'));
  cleanups.push(copy.cleanup);
  rmSync(join(copy.dir, '.kfm-gitops'), { recursive: true, force: true });
  return copy.dir;
}

/** What a run sees: the overlays and every overlay's walk, as plain data. */
async function answer(root: string, memo?: DiscoverMemo) {
  const walk = memoWalks(root, { allowExec: false, memo });
  const found = await discoverOverlays(root, config, {}, memo);
  const walks = await Promise.all(
    found.all.map(async (o) => {
      const w = memo ? await walk(o) : await walkOverlayDetailed(root, o.absPath, { allowExec: false });
      return {
        path: o.path,
        env: o.env,
        inputs: w.inputs,
        kustomizations: w.kustomizations,
        refs: [...w.refs].sort(),
        issues: w.issues.map((i) => i.message),
        helm: w.helm,
        bytes: w.bytes,
      };
    }),
  );
  await memo?.save();
  return { overlays: found.all.map((o) => o.path), bases: found.bases, walks };
}

/** A run with the memo (stamps trusted at once: the files of a test are seconds old) against one without. */
async function expectSameAsFresh(root: string, racyMs = 0): Promise<DiscoverMemo> {
  const memo = DiscoverMemo.open(root, config, false, { racyMs })!;
  expect(memo).toBeDefined();
  expect(await answer(root, memo)).toEqual(await answer(root));
  return memo;
}

const memoFile = (root: string): string => join(root, '.kfm-gitops', 'cache', 'discover', 'discover.sealed');

describe('discovery memo', () => {
  it('answers from the memo what a fresh discovery and walk answer, and keeps no repository text in clear', async () => {
    const root = repo();
    const first = await expectSameAsFresh(root);
    expect(first.hits).toEqual({ scan: false, facts: 0, walks: 0, quiet: 0 });
    const second = await expectSameAsFresh(root);
    expect(second.hits.scan).toBe(true);
    expect(second.hits.walks).toBeGreaterThanOrEqual(10);
    expect(second.hits.facts).toBeGreaterThanOrEqual(20);
    expect(readFileSync(memoFile(root)).includes('kustomization')).toBe(false);
  });

  it('walks again an overlay whose kustomization starts naming another file, and only that one', async () => {
    const root = repo();
    await expectSameAsFresh(root);
    const overlay = join(root, 'apps', 'kfm-api', 'overlays', 'prod');
    const extra = join(root, 'apps', 'kfm-api', 'overlays', 'prod', 'extra.yaml');
    writeFileSync(extra, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    const text = readFileSync(join(overlay, 'kustomization.yaml'), 'utf8');
    writeFileSync(join(overlay, 'kustomization.yaml'), text.replace(/^resources:\n/m, 'resources:\n  - extra.yaml\n'));
    expect(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')).not.toBe(text);
    const memo = await expectSameAsFresh(root);
    const walk = await memoWalks(root, { allowExec: false, memo: DiscoverMemo.open(root, config, false)! })({
      path: 'apps/kfm-api/overlays/prod',
      absPath: overlay,
      env: 'prod',
      layer: 'apps',
      kustomizationFile: 'kustomization.yaml',
    });
    expect(walk.inputs).toContain('apps/kfm-api/overlays/prod/extra.yaml');
    // Every other overlay kept its walk; the glob ran again (a folder's listing changed).
    expect(memo.hits.scan).toBe(false);
    expect(memo.hits.walks).toBe((await discoverOverlays(root, config)).all.length - 1);
  });

  it('follows renamed and deleted inputs, new overlays and a base folder replaced by a symlink', async () => {
    const root = repo();
    await expectSameAsFresh(root);
    // A resource file renamed without its kustomization (kustomize will fail; the walk must list it as missing).
    const base = join(root, 'apps', 'kfm-ui', 'base');
    const resource = readFileSync(join(base, 'kustomization.yaml'), 'utf8').match(/^\s+- (\S+\.yaml)$/m)![1];
    renameSync(join(base, resource), join(base, `renamed-${resource}`));
    await expectSameAsFresh(root);
    // A new overlay folder.
    const added = join(root, 'apps', 'kfm-ui', 'overlays', 'qa');
    mkdirSync(added);
    writeFileSync(join(added, 'kustomization.yaml'), 'resources:\n  - ../../base\n');
    const memo = await expectSameAsFresh(root);
    expect((await answer(root, DiscoverMemo.open(root, config, false)!)).overlays).toContain('apps/kfm-ui/overlays/qa');
    expect(memo.hits.walks).toBeGreaterThan(0);
    // A base folder replaced by a symlink to a copy: walks through it are never remembered, and a retargeted link is
    // seen at once.
    const api = join(root, 'apps', 'kfm-api');
    renameSync(join(api, 'base'), join(api, 'base-real'));
    symlinkSync('base-real', join(api, 'base'));
    await expectSameAsFresh(root);
    const linked = await expectSameAsFresh(root);
    expect(linked.hits.walks).toBeGreaterThan(0);
    rmSync(join(api, 'base'));
    mkdirSync(join(api, 'empty'));
    symlinkSync('empty', join(api, 'base'));
    await expectSameAsFresh(root);
  });

  it('reads again a YAML file that did not mention argoproj.io once it does', async () => {
    const root = repo();
    await expectSameAsFresh(root);
    const memo = await expectSameAsFresh(root);
    expect(memo.hits.quiet).toBeGreaterThan(10);
    const plainFile = join(root, 'apps', 'kfm-ui', 'base', 'late-app.yaml');
    writeFileSync(plainFile, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n');
    await expectSameAsFresh(root);
    await expectSameAsFresh(root);
    writeFileSync(
      plainFile,
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: late\nspec:\n  destination:\n    namespace: kfm-late\n  source:\n    path: apps/kfm-ui/overlays/dev\n',
    );
    const again = DiscoverMemo.open(root, config, false, { racyMs: 0 })!;
    const found = await discoverOverlays(root, config, {}, again);
    expect(found.argo.deployments.map((d) => d.file)).toContain('apps/kfm-ui/base/late-app.yaml');
    expect(again.hits.scan).toBe(true);
  });

  it('remembers nothing whose stamp is too young to tell a write in the same clock tick', async () => {
    const root = repo();
    await expectSameAsFresh(root, 60_000);
    const again = await expectSameAsFresh(root, 60_000);
    expect(again.hits).toEqual({ scan: false, facts: 0, walks: 0, quiet: 0 });
  });

  it('ignores a planted, an edited and another user’s memo', async () => {
    const root = repo();
    const file = memoFile(root);
    // Planted: plain JSON a pull request commits, claiming every overlay reads nothing.
    mkdirSync(join(root, '.kfm-gitops', 'cache', 'discover'), { recursive: true });
    writeFileSync(file, JSON.stringify({ code: 'x', strings: [], stamps: [], facts: [], walks: [] }));
    const planted = await expectSameAsFresh(root);
    expect(planted.hits).toEqual({ scan: false, facts: 0, walks: 0, quiet: 0 });

    // Edited: one byte of a genuine memo flipped.
    const sealed = readFileSync(file);
    sealed[sealed.length - 1] ^= 0xff;
    writeFileSync(file, sealed);
    const edited = await expectSameAsFresh(root);
    expect(edited.hits.walks).toBe(0);

    // Another user's key: a genuine memo whose walks were emptied, sealed with a key that is not this user's.
    const mine = loadOrCreateKey(userKeyFile('discover.key'));
    const body = JSON.parse(open(readFileSync(file), mine)!.toString('utf8')) as {
      walks: [number, { inputs: number[]; deps: number[] }][];
    };
    for (const [, w] of body.walks) w.inputs = [];
    const other = Buffer.alloc(32, 7);
    writeFileSync(file, seal(Buffer.from(JSON.stringify(body)), other));
    const foreign = await expectSameAsFresh(root);
    expect(foreign.hits.walks).toBe(0);

    // The control: the same emptied walks sealed with this user's key are used, so the checks above can fail.
    writeFileSync(file, seal(Buffer.from(JSON.stringify(body)), mine));
    const walk = memoWalks(root, { allowExec: false, memo: DiscoverMemo.open(root, config, false)! });
    const overlay = (await discoverOverlays(root, config)).all[0];
    expect((await walk(overlay)).inputs).toEqual([]);
  });
});

describe('discovery memo written in pieces', () => {
  it('reads back, sealed piece by piece, exactly what one piece holds, and forgets everything once saved', async () => {
    const root = repo();
    // The first run writes its memo in pieces of 64 characters (thousands of them), the second reads it whole.
    const first = DiscoverMemo.open(root, config, false, { racyMs: 0, pieceChars: 64 })!;
    const fresh = await answer(root);
    expect(await answer(root, first)).toEqual(fresh);
    const pieces = JSON.parse(
      open(readFileSync(memoFile(root)), loadOrCreateKey(userKeyFile('discover.key')))!.toString(),
    );
    expect(pieces.walks.length).toBeGreaterThan(3);
    const second = DiscoverMemo.open(root, config, false, { racyMs: 0 })!;
    expect(await answer(root, second)).toEqual(fresh);
    expect(second.hits.walks).toBe(fresh.walks.length);
    // Saved: nothing more is taken from it or remembered by it (the run's later walks go to the file system).
    const overlay = (await discoverOverlays(root, config)).all[0];
    expect(second.walk(overlay.absPath)).toBeUndefined();
    expect(second.knownTree()).toBeUndefined();
    // A path name JSON must escape (quote, backslash, line break, a lone surrogate) survives the pieces too.
    mkdirSync(join(root, 'odd "\\ \n \ud800 name'), { recursive: true });
    writeFileSync(join(root, 'odd "\\ \n \ud800 name', 'kustomization.yaml'), 'resources: []\n');
    const third = DiscoverMemo.open(root, config, false, { racyMs: 0, pieceChars: 7 })!;
    const withOdd = await answer(root);
    expect(await answer(root, third)).toEqual(withOdd);
    const fourth = DiscoverMemo.open(root, config, false, { racyMs: 0 })!;
    expect(await answer(root, fourth)).toEqual(withOdd);
    expect(fourth.hits.walks).toBe(withOdd.walks.length);
  });
});

describe('discovery memo: the glob it stamps folders with', () => {
  it('finds the kustomizations the plain glob finds in a tree built to tell them apart', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-memo-glob-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const k = 'resources: []\n';
    const dirs = [
      'a',
      '.hidden',
      'b/node_modules/x',
      'real',
      'c',
      'd',
      'e/kustomization.yaml',
      'f\nx',
      'g',
      'h/.dot/i',
    ];
    for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'a', 'kustomization.yaml'), k);
    writeFileSync(join(root, '.hidden', 'kustomization.yaml'), k);
    writeFileSync(join(root, 'b', 'node_modules', 'x', 'kustomization.yaml'), k);
    writeFileSync(join(root, 'real', 'Kustomization'), k);
    symlinkSync('real', join(root, 'linked'));
    symlinkSync('../a/kustomization.yaml', join(root, 'c', 'kustomization.yaml'));
    symlinkSync('/nonexistent', join(root, 'd', 'kustomization.yml'));
    writeFileSync(join(root, 'f\nx', 'kustomization.yaml'), k);
    writeFileSync(join(root, 'g', 'kustomization.yml'), k);
    writeFileSync(join(root, 'h', '.dot', 'i', 'kustomization.yaml'), k);
    // Argo CD Applications where the plain YAML glob does and does not look.
    const app = (name: string): string =>
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  destination:\n    namespace: kfm-${name}\n  source:\n    path: g\n`;
    writeFileSync(join(root, 'a', 'app.yaml'), app('a'));
    writeFileSync(join(root, '.hidden', 'app.yaml'), app('hidden'));
    writeFileSync(join(root, 'b', 'node_modules', 'x', 'app.yml'), app('nm'));
    writeFileSync(join(root, 'f\nx', 'app.yaml'), app('newline-folder'));
    writeFileSync(join(root, 'g', 'odd\nname.yaml'), app('newline-name'));
    writeFileSync(join(root, 'g', 'APP.YAML'), app('upper'));
    symlinkSync('../a/app.yaml', join(root, 'g', 'linked.yaml'));
    // The group spelled with an escape: no `argoproj.io` bytes, still an Application to Argo CD.
    writeFileSync(
      join(root, 'g', 'escaped.yaml'),
      app('escaped').replace('argoproj.io/v1alpha1', '"\\x61rgoproj.io/v1alpha1"'),
    );
    const plain = await discoverOverlays(root, config);
    const memo = DiscoverMemo.open(root, config, false, { racyMs: 0 })!;
    const memoed = await discoverOverlays(root, config, {}, memo);
    await memo.save();
    const again = DiscoverMemo.open(root, config, false, { racyMs: 0 })!;
    const remembered = await discoverOverlays(root, config, {}, again);
    expect(again.hits.scan).toBe(true);
    const deployed = (found: typeof plain): string[] => found.argo.deployments.map((d) => `${d.file}:${d.namespace}`);
    for (const found of [memoed, remembered]) {
      expect(found.all.map((o) => o.path)).toEqual(plain.all.map((o) => o.path));
      expect(found.bases).toEqual(plain.bases);
      expect(deployed(found)).toEqual(deployed(plain));
    }
    expect(deployed(plain)).toContain('a/app.yaml:kfm-a');
    expect(deployed(plain)).toContain('g/escaped.yaml:kfm-escaped');
    // One readdir walk lists every name (issue 20): a folder whose name holds a line break, which fast-glob's `**`
    // could not match, is discovered and checked too.
    expect(plain.all.map((o) => o.path)).toEqual(['a', 'f\nx', 'g', 'real']);
    expect(deployed(plain)).toContain('f\nx/app.yaml:kfm-newline-folder');
  });
});

describe('discovery memo without a cache', () => {
  it('is off when the config turns caching off', () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-memo-off-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    expect(DiscoverMemo.open(root, { cache: { enabled: false } } as Config, false)).toBeUndefined();
  });
});
