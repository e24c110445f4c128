/**
 * The per-run file facts (issue 20): each path stat'ed, each folder listed and each file read once per run — and a
 * change between two runs seen by the next one (render cache key, discovery memo, Argo CD view), links never read
 * through where they were refused before.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readArgoView } from '../../src/argo/applications.js';
import type { Config } from '../../src/config/types.js';
import { discoverOverlays } from '../../src/discover/index.js';
import { DiscoverMemo } from '../../src/discover/memo.js';
import { cacheKey } from '../../src/render/cache.js';
import type { RenderRequest } from '../../src/render/types.js';
import { FileFacts, flat, runFacts, withRunFacts } from '../../src/util/file-facts.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-facts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const app = (ns: string): string =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  destination:\n    namespace: ${ns}\n  source:\n    path: base\n`;

describe('FileFacts', () => {
  it('keeps one flat string per path, never a changed one (a name that is no valid UTF-16 stays as given)', () => {
    const facts = new FileFacts();
    const made = join(dir, 'apps', 'x', 'kustomization.yaml');
    const one = facts.intern(made);
    expect(one).toBe(made);
    expect(facts.intern(join(dir, 'apps/x/kustomization.yaml'))).toBe(one);
    const odd = `${dir}/bad-\ud800-name.yaml`;
    expect(flat(odd)).toBe(odd);
    expect(facts.intern(odd)).toBe(odd);
    expect(facts.lstat(odd)).toBeUndefined(); // no such file: asked under its own name, not a U+FFFD one
    writeFileSync(join(dir, 'é.yaml'), 'a: 1\n');
    expect(facts.lstat(join(dir, 'é.yaml'))).toMatchObject({ kind: 'f', size: 5 });
  });

  it('gives back the facts and listings it holds compacted exactly as the file system gave them', () => {
    // Names with a newline, a colon, a slash-free "/"-lookalike and multi-byte text: a listing is held as one string.
    const names = ['plain.yaml', 'new\nline.yaml', 'a:b:c', 'grüße ∕ x', 'sub'];
    for (const n of names.slice(0, 4)) writeFileSync(join(dir, n), n.repeat(3));
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, 'empty'));
    symlinkSync('plain.yaml', join(dir, 'link'));
    const facts = new FileFacts();
    for (let pass = 0; pass < 2; pass++) {
      const listed = facts.list(dir)!.sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(listed).toEqual(
        [
          ...names.map((name) => ({ name, kind: name === 'sub' ? 'd' : 'f' })),
          { name: 'empty', kind: 'd' },
          { name: 'link', kind: 'l' },
        ].sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
      expect(facts.list(join(dir, 'empty'))).toEqual([]);
      expect(facts.list(join(dir, 'missing'))).toBeUndefined();
      for (const n of names.slice(0, 4)) {
        const fact = facts.lstat(join(dir, n));
        expect(fact).toMatchObject({ kind: 'f', size: Buffer.byteLength(n) * 3 });
        expect((fact as { stamp: string }).stamp).toMatch(new RegExp(`^f:\\d+:${Buffer.byteLength(n) * 3}:\\d+:\\d+$`));
        expect((fact as { ageMs: number }).ageMs).toBeGreaterThanOrEqual(0);
      }
      expect(facts.lstat(join(dir, 'link'))).toMatchObject({ kind: 'l' });
      expect(facts.stat(join(dir, 'link'))).toMatchObject({ kind: 'f', size: 'plain.yaml'.length * 3 });
      expect(facts.lstat(join(dir, 'missing'))).toBeUndefined();
    }
    expect(facts.counts.list).toBe(3);
  });

  it('settled, it shares no more strings but keeps every fact it learned (asked again by an equal path)', () => {
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    const facts = new FileFacts();
    const before = facts.lstat(join(dir, 'a.yaml'));
    facts.digest(join(dir, 'a.yaml'));
    facts.settle();
    const again = join(dir, 'a.yaml');
    expect(facts.intern(again)).toBe(again);
    expect(facts.lstat(join(dir, 'a.yaml'))).toEqual(before);
    expect(facts.digest(join(dir, 'a.yaml'))).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.counts).toMatchObject({ lstat: 1, read: 1 });
    // A path first seen after it is learned once, like any other.
    writeFileSync(join(dir, 'b.yaml'), 'b: 2\n');
    expect(facts.lstat(join(dir, 'b.yaml'))).toMatchObject({ kind: 'f', size: 5 });
    facts.lstat(join(dir, 'b.yaml'));
    expect(facts.counts.lstat).toBe(2);
  });

  it('answers whether a folder has an entry from its listing, as exists() would, without a fact per name asked', () => {
    mkdirSync(join(dir, 'chart'));
    writeFileSync(join(dir, 'chart', 'Chart.yaml'), 'name: c\n');
    writeFileSync(join(dir, 'xChart.yaml'), '');
    writeFileSync(join(dir, 'Chart.yaml.bak'), '');
    mkdirSync(join(dir, 'linked'));
    symlinkSync('../chart/Chart.yaml', join(dir, 'linked', 'Chart.yaml'));
    mkdirSync(join(dir, 'dangling'));
    symlinkSync('nowhere.yaml', join(dir, 'dangling', 'Chart.yaml'));
    const facts = new FileFacts();
    const cases: [string, string][] = [
      [join(dir, 'chart'), 'Chart.yaml'],
      [dir, 'Chart.yaml'], // only longer names that contain it
      [dir, 'chart'], // a folder is an entry
      [join(dir, 'linked'), 'Chart.yaml'],
      [join(dir, 'dangling'), 'Chart.yaml'],
      [join(dir, 'missing'), 'Chart.yaml'],
      [dir, ''],
      [dir, 'chart/Chart.yaml'],
    ];
    const fresh = new FileFacts();
    for (const [folder, name] of cases)
      expect(facts.hasEntry(folder, name), `${folder} ${name}`).toBe(fresh.exists(join(folder, name)));
    expect(facts.hasEntry(join(dir, 'chart'), 'Chart.yaml')).toBe(true);
    expect(facts.hasEntry(dir, 'Chart.yaml')).toBe(false);
    expect(facts.hasEntry(join(dir, 'dangling'), 'Chart.yaml')).toBe(false);
    // Plain entries are answered by the listing alone: only the links, the missing folder and the odd names stat.
    const other = new FileFacts();
    for (let i = 0; i < 3; i++) other.hasEntry(dir, `absent-${i}.yaml`);
    expect(other.counts.lstat).toBe(0);
  });

  it('answers about a folder with a long listing by the path itself, once (its listing is not scanned per question)', () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 400; i++) writeFileSync(join(big, `file-with-a-longish-name-${i}.yaml`), '');
    writeFileSync(join(big, 'Chart.yaml'), '');
    const facts = new FileFacts();
    for (let i = 0; i < 50; i++) {
      expect(facts.hasEntry(big, 'Chart.yaml')).toBe(true);
      expect(facts.hasEntry(big, 'kustomization.yaml')).toBe(false);
      expect(facts.hasEntry(big, 'file-with-a-longish-name-399.yaml')).toBe(true);
    }
    expect(facts.counts.lstat).toBe(3);
  });

  it('stats, lists and reads each path once, and digests from that one read', () => {
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    const facts = new FileFacts();
    for (let i = 0; i < 5; i++) {
      facts.lstat(join(dir, 'a.yaml'));
      facts.exists(join(dir, 'a.yaml'));
      facts.list(dir);
    }
    expect(facts.counts).toMatchObject({ lstat: 1, list: 1 });
    const read = facts.read(join(dir, 'a.yaml'), { digest: true });
    expect(read.kind).toBe('file');
    expect(facts.digest(join(dir, 'a.yaml'))).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.counts.read).toBe(1);
  });

  it('drops its stats for the renders but keeps digests and listings: a render cache key reads nothing again', () => {
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    const facts = new FileFacts();
    const before = facts.read(join(dir, 'a.yaml'), { digest: true });
    expect(before.kind).toBe('file');
    const digest = facts.digest(join(dir, 'a.yaml'));
    const listing = facts.list(dir);
    expect(facts.lstat(join(dir, 'a.yaml'))).toMatchObject({ kind: 'f', size: 5 });
    const counted = { ...facts.counts };
    facts.dropStats();
    expect(facts.digest(join(dir, 'a.yaml'))).toBe(digest);
    expect(facts.list(dir)).toEqual(listing);
    expect(facts.counts).toMatchObject({ read: counted.read, list: counted.list, lstat: counted.lstat });
    // A stat asked afterwards is taken afresh (what the file is now), and kept again.
    writeFileSync(join(dir, 'a.yaml'), 'a: 12\n');
    expect(facts.lstat(join(dir, 'a.yaml'))).toMatchObject({ kind: 'f', size: 6 });
    expect(facts.lstat(join(dir, 'a.yaml'))).toMatchObject({ kind: 'f', size: 6 });
    expect(facts.counts.lstat).toBe(counted.lstat + 1);
  });
  it('keeps bytes for the readers announced, and not past the last one', () => {
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: []\n');
    const facts = new FileFacts();
    const abs = join(dir, 'kustomization.yaml');
    expect(facts.read(abs, { readers: 3 }).kind).toBe('file');
    expect(facts.keptForLater).toBe(14);
    const later = facts.read(abs);
    // Kept in memory of its own size: a 14-byte read is a view of Node's shared 8 KB pool slab (issue 20).
    expect(later.kind === 'file' && later.bytes.buffer.byteLength).toBe(14);
    expect(facts.read(abs).kind).toBe('file');
    expect(facts.counts.read).toBe(1);
    expect(facts.keptForLater).toBe(0);
    facts.read(abs); // a fourth reader reads again: nothing is kept past the last announced one
    expect(facts.counts.read).toBe(2);
    // The size cap holds for kept bytes too.
    facts.read(abs, { readers: 2 });
    expect(facts.read(abs, { maxBytes: 4 })).toEqual({ kind: 'too-large', size: 14 });
  });

  it('keeps bytes for the readers of a file whose digest was taken first (renders before the Argo CD view)', () => {
    writeFileSync(join(dir, 'c.yaml'), 'c: 1\n');
    const facts = new FileFacts();
    const abs = join(dir, 'c.yaml');
    const digest = facts.digest(abs);
    expect(facts.read(abs, { readers: 2, digest: true }).kind).toBe('file');
    expect(facts.keptForLater).toBe(5);
    expect(facts.read(abs).kind).toBe('file');
    expect(facts.counts.read).toBe(2); // the digest's read and the first reader's; the second reader took the bytes
    expect(facts.digest(abs)).toBe(digest);
    // Read again past its readers (an evicted parse): not kept a second time.
    facts.read(abs, { readers: 2 });
    expect(facts.keptForLater).toBe(0);
  });

  it('never reads through a link, and does not block on a FIFO', () => {
    writeFileSync(join(dir, 'real.yaml'), 'x: 1\n');
    symlinkSync(join(dir, 'real.yaml'), join(dir, 'link.yaml'));
    const facts = new FileFacts();
    expect(facts.read(join(dir, 'link.yaml')).kind).toBe('symlink');
    expect(facts.lstat(join(dir, 'link.yaml'))).toMatchObject({ kind: 'l' });
    expect(facts.stat(join(dir, 'link.yaml'))).toMatchObject({ kind: 'f' });
    // The render reads through a link: so does the render cache's digest of it.
    expect(facts.digest(join(dir, 'link.yaml'))).toBe(facts.digest(join(dir, 'real.yaml')));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    } catch {
      return; // no mkfifo here
    }
    expect(facts.read(join(dir, 'pipe.yaml')).kind).toBe('not-a-file');
  });

  it("digests a file to its content's sha256 in hex, however it was first read; a file it cannot read, to its reason", () => {
    const content = 'kind: ConfigMap\nmetadata:\n  name: é\n';
    writeFileSync(join(dir, 'a.yaml'), content);
    writeFileSync(join(dir, 'b.yaml'), content);
    symlinkSync(join(dir, 'a.yaml'), join(dir, 'link.yaml'));
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'dangling.yaml'));
    const sha = createHash('sha256').update(content).digest('hex');
    const facts = new FileFacts();
    expect(facts.digest(join(dir, 'a.yaml'))).toBe(sha);
    expect(facts.read(join(dir, 'b.yaml'), { digest: true }).kind).toBe('file');
    expect(facts.digest(join(dir, 'b.yaml'))).toBe(sha);
    expect(facts.digest(join(dir, 'link.yaml'))).toBe(sha);
    expect(facts.digest(join(dir, 'missing.yaml'))).toBe('unreadable:ENOENT');
    expect(facts.digest(join(dir, 'dangling.yaml'))).toBe('unreadable:ENOENT');
    // Within a run the first answer stays, so every overlay's cache key sees the same file.
    writeFileSync(join(dir, 'missing.yaml'), content);
    expect(facts.read(join(dir, 'missing.yaml'), { digest: true }).kind).toBe('file');
    expect(facts.digest(join(dir, 'missing.yaml'))).toBe('unreadable:ENOENT');
  });

  it('one instance per run; outside a run every call starts afresh', async () => {
    expect(runFacts()).not.toBe(runFacts());
    await withRunFacts(async (facts) => {
      expect(runFacts()).toBe(facts);
      await withRunFacts(async (inner) => expect(inner).toBe(facts));
    });
  });
});

describe('a file changed between two runs in one process', () => {
  const config = {} as Config;

  it('changes the render cache key', async () => {
    mkdirSync(join(dir, 'o'));
    writeFileSync(join(dir, 'o', 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    writeFileSync(join(dir, 'o', 'cm.yaml'), 'kind: ConfigMap\ndata:\n  a: "1"\n');
    const request = {
      root: dir,
      overlay: { path: 'o', absPath: join(dir, 'o'), env: 'dev', layer: 'o', kustomizationFile: 'kustomization.yaml' },
      inputs: ['o/kustomization.yaml', 'o/cm.yaml'],
      origin: false,
      allowExec: false,
    } as unknown as RenderRequest;
    const renderer = { command: 'kustomize', version: 'v5' };
    const first = await withRunFacts(() => cacheKey(renderer, request));
    expect(await withRunFacts(() => cacheKey(renderer, request))).toBe(first);
    // Same size, same mtime: only the content (and the ctime/inode) differ.
    writeFileSync(join(dir, 'o', 'cm.yaml'), 'kind: ConfigMap\ndata:\n  a: "2"\n');
    utimesSync(join(dir, 'o', 'cm.yaml'), 1_000_000, 1_000_000);
    const second = await withRunFacts(() => cacheKey(renderer, request));
    expect(second).not.toBe(first);
    // Within one run the first answer holds (the run renders what it keyed).
    await withRunFacts(async () => {
      const a = await cacheKey(renderer, request);
      writeFileSync(join(dir, 'o', 'cm.yaml'), 'kind: ConfigMap\ndata:\n  a: "3"\n');
      expect(await cacheKey(renderer, request)).toBe(a);
    });
    expect(await withRunFacts(() => cacheKey(renderer, request))).not.toBe(second);
  });

  it('is seen by the Argo CD view and by discovery with its memo', async () => {
    mkdirSync(join(dir, 'base'));
    writeFileSync(join(dir, 'base', 'kustomization.yaml'), 'resources: []\n');
    writeFileSync(join(dir, 'app.yaml'), app('kfm-one'));
    const cacheRoot = join(dir, '.kfm-gitops', 'cache');
    const view = () => withRunFacts(() => readArgoView(dir, undefined, { cacheRoot }));
    expect((await view()).deployments.map((d) => d.namespace)).toEqual(['kfm-one']);
    writeFileSync(join(dir, 'app.yaml'), app('kfm-two'));
    expect((await view()).deployments.map((d) => d.namespace)).toEqual(['kfm-two']);

    const discover = () =>
      withRunFacts(async () => {
        const memo = DiscoverMemo.open(dir, config, false, { racyMs: 0 })!;
        const found = await discoverOverlays(dir, config, {}, memo);
        await memo.save();
        return { found, memo };
      });
    const one = await discover();
    expect(one.found.all.map((o) => o.path)).toEqual(['base']);
    const two = await discover();
    expect(two.memo.hits.scan).toBe(true);
    mkdirSync(join(dir, 'extra'));
    writeFileSync(join(dir, 'extra', 'kustomization.yaml'), 'resources: []\n');
    const three = await discover();
    expect(three.memo.hits.scan).toBe(false);
    expect(three.found.all.map((o) => o.path)).toEqual(['base', 'extra']);
    expect(three.found.argo.deployments.map((d) => d.namespace)).toEqual(['kfm-two']);
  });
});
