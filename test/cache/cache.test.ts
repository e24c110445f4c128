import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachingRenderer, canonicalizeOrigins, decodeEntry, renderCacheDir } from '../../src/render/cache.js';
import type { RenderOutcome, RenderRequest, Renderer } from '../../src/render/types.js';
import type { Overlay } from '../../src/types.js';
import { kustomizeBin, repoRoot } from '../helpers.js';
import { cli, freshCopy, historyFixture } from '../select/git-fixture.js';

/** Renders like the real wrapper does: origin paths relative to a private temp folder outside the root. */
class FakeRenderer implements Renderer {
  readonly command = 'fake-kustomize';
  calls = 0;
  fail = false;
  /** JSON documents to send beside the text, as kfm-render does. */
  documents: string | undefined;
  /** Send the UTF-8 bytes the text and documents were read from, as render/worker.ts does. */
  raw = false;
  constructor(
    public version = 'v5.7.1',
    private readonly wrapper = mkdtempSync(join(tmpdir(), 'kfm-fake-wrapper-')),
  ) {}
  async render(request: RenderRequest): Promise<RenderOutcome> {
    this.calls++;
    if (this.fail) return { ok: false, reason: 'error', message: 'boom' };
    const rel = (p: string): string => relative(this.wrapper, join(request.root, p));
    const body = readFileSync(join(request.root, 'base/cm.yaml'), 'utf8');
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  annotations:',
      '    alpha.config.kubernetes.io/transformations: |',
      `      - configuredIn: ${rel('overlay/kustomization.yaml')}`,
      '        configuredBy:',
      '          apiVersion: builtin',
      '          kind: NamespaceTransformer',
      '    config.kubernetes.io/origin: |',
      `      path: ${rel('base/cm.yaml')}`,
      '  name: cm',
      'data:',
      `  body: ${JSON.stringify(body)}`,
      '',
    ].join('\n');
    const raw = (t: string): { raw?: { text: Uint8Array; documents?: Uint8Array } } =>
      this.raw
        ? {
            raw: {
              text: Buffer.from(t),
              ...(this.documents !== undefined ? { documents: Buffer.from(this.documents) } : {}),
            },
          }
        : {};
    if (request.origin) return { ok: true, text, originBase: this.wrapper, documents: this.documents, ...raw(text) };
    const plain = text.replace(/ {4}(alpha\.)?config[\s\S]*?(?= {2}name)/, '');
    return {
      ok: true,
      text: plain,
      ...(this.documents !== undefined ? { documents: this.documents } : {}),
      ...raw(plain),
    };
  }
  async dispose(): Promise<void> {}
}

let root: string;
let cacheDir: string;
const overlay = (): Overlay => ({
  path: 'overlay',
  absPath: join(root, 'overlay'),
  env: 'overlay',
  layer: 'overlay',
  kustomizationFile: 'kustomization.yaml',
});
const request = (extra: Partial<RenderRequest> = {}): RenderRequest => ({
  overlay: overlay(),
  root,
  timeoutMs: 10_000,
  origin: true,
  allowExec: false,
  maxOutputBytes: 1 << 20,
  inputs: ['base/cm.yaml', 'base/kustomization.yaml', 'overlay/kustomization.yaml'],
  ...extra,
});
const entries = (): string[] => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.entry')) : []);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kfm-cache-root-'));
  for (const [f, text] of Object.entries({
    'base/kustomization.yaml': 'resources: [cm.yaml]\n',
    'base/cm.yaml': 'kind: ConfigMap\n',
    'overlay/kustomization.yaml': 'resources: [../base]\nnamespace: x\n',
  })) {
    cpSync(writeTemp(text), join(root, f));
  }
  cacheDir = renderCacheDir(root, {});
});
afterEach(() => {
  try {
    chmodSync(cacheDir, 0o755);
  } catch {
    // not every test makes it read-only
  }
  rmSync(root, { recursive: true, force: true });
});

function writeTemp(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'kfm-cache-src-')), 'f');
  writeFileSync(f, text);
  return f;
}

describe('CachingRenderer', () => {
  it('defaults to <root>/.kfm-gitops/cache/render, honours cache.dir (root-relative) and an absolute --cache-dir', () => {
    expect(renderCacheDir('/r', {})).toBe('/r/.kfm-gitops/cache/render');
    expect(renderCacheDir('/r', { cache: { dir: 'build/cache' } })).toBe('/r/build/cache/render');
    expect(renderCacheDir('/r', { cache: { dir: 'build/cache' } }, '/ci/cache')).toBe('/ci/cache/render');
  });

  it('renders once, then serves the same text from the cache with root-relative origin paths', async () => {
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    const cold = await cache.render(request());
    const warm = await cache.render(request());
    expect(inner.calls).toBe(1);
    expect(cold).toMatchObject({ ok: true, originBase: root });
    expect(cold.ok && cold.cached).toBeFalsy();
    expect(warm).toEqual({ ...cold, cached: true });
    const text = warm.ok ? warm.text : '';
    expect(text).toContain('      path: base/cm.yaml\n');
    expect(text).toContain('      - configuredIn: overlay/kustomization.yaml\n');
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, writes: 1 });
    expect(readFileSync(join(cacheDir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('keeps the JSON documents beside the text (sealed), never for an origin render; a forged length is a miss', async () => {
    const inner = new FakeRenderer();
    inner.documents = '[{"kind":"ConfigMap"}]';
    await new CachingRenderer(inner, { dir: cacheDir }).render(request({ origin: false }));
    const hit = await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request({ origin: false }));
    expect(hit).toMatchObject({ ok: true, cached: true, documents: inner.documents });
    expect(hit.ok && hit.text).not.toContain('[{');
    const file = join(cacheDir, entries()[0]);
    expect(readFileSync(file, 'latin1')).not.toContain('ConfigMap'); // encrypted with the text
    // The origin render's paths are rewritten in the text only: its JSON would disagree, so none is kept or returned.
    const origin = await new CachingRenderer(inner, { dir: cacheDir }).render(request());
    expect(origin.ok && origin.documents).toBeUndefined();
    const warmOrigin = await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request());
    expect(warmOrigin.ok && warmOrigin.cached && warmOrigin.documents).toBeUndefined();
    // A header claiming more JSON bytes than the plain body holds is not trusted.
    const buf = readFileSync(file);
    const nl = buf.indexOf(10);
    const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { key: string; documents: number };
    const forged = Buffer.concat([
      Buffer.from(`${JSON.stringify({ ...header, documents: 1e9 })}\n`),
      buf.subarray(nl + 1),
    ]);
    expect(decodeEntry(forged, header.key)).toBeUndefined();
    expect(decodeEntry(buf, header.key)?.documents).toBe(inner.documents);
    // The header is bound to the sealed body: a shifted JSON boundary, a flipped origin flag or the same body under
    // another key's name does not open, although the body itself is untouched.
    const edit = (h: Record<string, unknown>): Buffer =>
      Buffer.concat([Buffer.from(`${JSON.stringify({ ...header, ...h })}\n`), buf.subarray(nl + 1)]);
    expect(decodeEntry(edit({ documents: header.documents - 1 }), header.key)).toBeUndefined();
    expect(decodeEntry(edit({ origin: true }), header.key)).toBeUndefined();
    const otherKey = 'f'.repeat(header.key.length);
    expect(decodeEntry(edit({ key: otherKey }), otherKey)).toBeUndefined();
  });

  it("stores the renderer's own bytes unchanged, and never the bytes of an origin render whose paths it rewrote", async () => {
    const inner = new FakeRenderer();
    inner.documents = '[{"kind":"ConfigMap","data":{"body":"ü"}}]';
    inner.raw = true;
    const cold = await new CachingRenderer(inner, { dir: cacheDir }).render(request({ origin: false }));
    expect(cold.ok && 'raw' in cold).toBe(false); // the bytes end at the cache: nothing downstream keeps them
    const warm = await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request({ origin: false }));
    expect(warm).toEqual({ ...cold, cached: true });
    rmSync(cacheDir, { recursive: true });
    // The origin render's text is rewritten (root-relative paths): the entry holds the rewritten text, not the raw.
    const origin = await new CachingRenderer(inner, { dir: cacheDir }).render(request());
    const warmOrigin = await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request());
    expect(warmOrigin).toEqual({ ...origin, cached: true });
    expect(warmOrigin.ok && warmOrigin.text).toContain('      path: base/cm.yaml\n');
  });

  it('leaves the write to a renderer that stores entries itself; its refusal is a warning, and this process stops storing', async () => {
    class Storing extends FakeRenderer {
      readonly storesEntries = true;
      seen: RenderRequest['store'][] = [];
      answer: { stored: true } | { storeError: string } = { stored: true };
      override async render(request: RenderRequest): Promise<RenderOutcome> {
        this.seen.push(request.store);
        const out = await super.render(request);
        return out.ok && request.store ? { ...out, ...this.answer } : out;
      }
    }
    const inner = new Storing();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    const cold = await cache.render(request({ origin: false }));
    expect(cold).toMatchObject({ ok: true });
    expect(inner.seen[0]).toMatchObject({ dir: cacheDir, name: expect.stringMatching(/^[0-9a-f]{64}\.entry$/) });
    expect(inner.seen[0]!.head).toMatch(
      /^\{"format":"kfm-gitops-render-cache\/\d+","key":"[0-9a-f]{64}","overlay":"overlay","origin":false,$/,
    );
    expect(entries()).toEqual([]); // the renderer said it wrote it: this process did not
    expect(cache.stats).toMatchObject({ misses: 1, writes: 1 });
    // Origin renders are rewritten here before they are stored: never handed to the renderer.
    await cache.render(request());
    expect(inner.seen[1]).toBeUndefined();
    expect(entries()).toHaveLength(1);
    // A refusal (the folder was replaced) is the cache's own: one warning, nothing more stored by anyone.
    rmSync(cacheDir, { recursive: true });
    const refusing = new Storing();
    refusing.answer = { storeError: 'refusing to write under x: the folder was replaced since it was checked' };
    const second = new CachingRenderer(refusing, { dir: cacheDir });
    expect(await second.render(request({ origin: false }))).toMatchObject({ ok: true });
    expect(second.warnings).toEqual([expect.stringMatching(/is not writable \(refusing to write under x/)]);
    await second.render(request({ origin: false, overlay: { ...overlay(), path: 'other' } }));
    expect(refusing.seen[1]).toBeUndefined();
    expect(entries()).toEqual([]);
  });

  it('a fresh process (new renderer) hits the entry the last one wrote', async () => {
    await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request());
    const inner = new FakeRenderer();
    const out = await new CachingRenderer(inner, { dir: cacheDir }).render(request());
    expect(inner.calls).toBe(0);
    expect(out.ok && out.cached).toBe(true);
  });

  it('misses when an input file, the kustomize version or a flag changes', async () => {
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    await cache.render(request());
    writeFileSync(join(root, 'base/cm.yaml'), 'kind: ConfigMap # edited\n');
    const edited = await cache.render(request());
    expect(edited.ok && edited.text).toContain('edited');
    expect(inner.calls).toBe(2);
    await new CachingRenderer(new FakeRenderer('v5.8.0'), { dir: cacheDir }).render(request());
    await cache.render(request({ origin: false }));
    expect(inner.calls).toBe(3);
    expect(entries()).toHaveLength(4);
  });

  it('misses when a file beside a kustomization changes even if the walk did not list it', async () => {
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    await cache.render(request());
    writeFileSync(join(root, 'overlay/replacements.yaml'), 'source: {}\n');
    await cache.render(request());
    expect(inner.calls).toBe(2);
  });

  it('never caches a failed render, nor a render with exec plugins allowed', async () => {
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    inner.fail = true;
    expect(await cache.render(request())).toMatchObject({ ok: false, message: 'boom' });
    expect(await cache.render(request())).toMatchObject({ ok: false });
    expect(inner.calls).toBe(2);
    inner.fail = false;
    await cache.render(request({ allowExec: true }));
    await cache.render(request({ allowExec: true }));
    expect(inner.calls).toBe(4);
    expect(entries()).toEqual([]);
  });

  it.each([
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 5)],
    [
      'one byte flipped',
      // XOR, not a fixed byte: writing 'X' over an 'X' changed nothing once in 256 runs.
      (b: Buffer) => {
        const copy = Buffer.from(b);
        copy[copy.length - 3] ^= 0xff;
        return copy;
      },
    ],
    ['garbage', () => Buffer.from('not an entry at all')],
    ['empty', () => Buffer.alloc(0)],
  ])('a corrupt entry (%s) is deleted and re-rendered, never trusted', async (_name, corrupt) => {
    await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request());
    const [entry] = entries();
    const file = join(cacheDir, entry);
    writeFileSync(file, corrupt(readFileSync(file)));
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    const out = await cache.render(request());
    expect(inner.calls).toBe(1);
    expect(out.ok && out.cached).toBeFalsy();
    expect(out.ok && out.text).toContain('path: base/cm.yaml');
    expect(cache.stats.healed).toBe(1);
    expect(decodeEntry(readFileSync(file), entry.replace(/\.entry$/, ''))).toBeDefined();
    expect(cache.warnings).toEqual([]);
  });

  it('a cache folder that cannot be created or written only costs speed, with a warning to print', async () => {
    // A regular file where the folder should be: unwritable even for root.
    writeFileSync(join(root, 'blocker'), '');
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: join(root, 'blocker', 'render') });
    expect(await cache.render(request())).toMatchObject({ ok: true, originBase: root });
    expect(await cache.render(request())).toMatchObject({ ok: true });
    expect(inner.calls).toBe(2);
    expect(cache.warnings).toHaveLength(1);
    expect(cache.warnings[0]).toMatch(/render cache .*blocker\/render is not writable \((ENOTDIR|EEXIST)\)/);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only cache folder is read but not written', async () => {
    await new CachingRenderer(new FakeRenderer(), { dir: cacheDir }).render(request());
    chmodSync(cacheDir, 0o555);
    const inner = new FakeRenderer();
    const cache = new CachingRenderer(inner, { dir: cacheDir });
    expect(await cache.render(request())).toMatchObject({ ok: true, cached: true });
    expect(await cache.render(request({ origin: false }))).toMatchObject({ ok: true });
    expect(inner.calls).toBe(1);
    expect(cache.warnings[0]).toMatch(/is not writable \(EACCES\)/);
  });

  it('two runs writing the same entries at once leave only whole entries and no temp files', async () => {
    const a = new CachingRenderer(new FakeRenderer(), { dir: cacheDir });
    const b = new CachingRenderer(new FakeRenderer(), { dir: cacheDir });
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).render(request({ origin: i % 4 < 2 }))),
    );
    expect(outs.every((o) => o.ok)).toBe(true);
    const files = readdirSync(cacheDir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(entries()).toHaveLength(2);
    for (const e of entries())
      expect(decodeEntry(readFileSync(join(cacheDir, e)), e.replace(/\.entry$/, ''))).toBeDefined();
  });
});

describe('canonicalizeOrigins', () => {
  const base = '/tmp/kfm-gitops-render-abc/3';
  const rootDir = '/work/repo';
  const up = relative(base, rootDir);

  it('rewrites only the paths inside the build-metadata annotations and keeps every line where it was', () => {
    const text = [
      'metadata:',
      '  annotations:',
      '    config.kubernetes.io/origin: |',
      `      path: ${up}/apps/a/base/deploy.yaml`,
      '    alpha.config.kubernetes.io/transformations: |',
      `      - configuredIn: "${up}/apps/a/overlays/dev/kustomization.yaml"`,
      '        configuredBy:',
      '          kind: ImageTagTransformer',
      '    team: payments',
      'spec:',
      '  volumes:',
      '    - hostPath:',
      `        path: ${up}/not/an/origin`,
      '  probe:',
      '    path: /healthz',
    ].join('\n');
    const out = canonicalizeOrigins(text, base, rootDir)!;
    expect(out.split('\n')).toHaveLength(text.split('\n').length);
    expect(out).toContain('\n      path: apps/a/base/deploy.yaml\n');
    expect(out).toContain('\n      - configuredIn: apps/a/overlays/dev/kustomization.yaml\n');
    expect(out).toContain(`\n        path: ${up}/not/an/origin\n`);
    expect(out).toContain('\n    path: /healthz');
    expect(out).toContain('\n    team: payments\n');
  });

  it('quotes a rewritten path that needs it and keeps an origin outside the root absolute', () => {
    const text = `    config.kubernetes.io/origin: |\n      path: '${up}/a b: c.yaml'\n---\n    config.kubernetes.io/origin: |\n      path: ../../../elsewhere/x.yaml\n`;
    const out = canonicalizeOrigins(text, base, rootDir)!;
    expect(out).toContain('      path: "a b: c.yaml"\n');
    expect(out).toContain('      path: /elsewhere/x.yaml\n');
  });

  it('refuses an annotation it cannot rewrite safely (not the block form kustomize prints)', () => {
    expect(canonicalizeOrigins('    config.kubernetes.io/origin: "path: x.yaml"\n', base, rootDir)).toBeUndefined();
  });
});

describe.skipIf(!existsSync(kustomizeBin))('check with the render cache (CLI, real kustomize)', () => {
  it('a warm check of a copy of infra/gitops renders nothing, says so, and heals a corrupt entry', async () => {
    const { dir, cleanup } = freshCopy(join(repoRoot, 'infra', 'gitops'));
    try {
      const check = async () => {
        const r = await cli(['check', dir, '--format', 'json']);
        expect(r.stderr).toBe('');
        return JSON.parse(r.stdout);
      };
      const cold = await check();
      expect(cold.summary.overlays).toBeGreaterThanOrEqual(10);
      expect(cold.summary).toMatchObject({ rendered: cold.summary.overlays, cachedRenders: 0 });
      const warm = await check();
      expect(warm.summary).toMatchObject({
        overlays: cold.summary.overlays,
        rendered: 0,
        cachedRenders: cold.summary.overlays,
        resources: cold.summary.resources,
      });
      expect(warm.overlays.every((o: { cached?: boolean }) => o.cached === true)).toBe(true);
      expect(warm.findings).toEqual(cold.findings);

      const dirEntries = readdirSync(join(dir, '.kfm-gitops/cache/render')).filter((f) => f.endsWith('.entry'));
      expect(dirEntries).toHaveLength(cold.summary.overlays);
      const victim = join(dir, '.kfm-gitops/cache/render', dirEntries[0]);
      writeFileSync(victim, readFileSync(victim, 'utf8').replace(/kind: /, 'kind:  '));
      // Without the whole-run results (which would skip rendering altogether), the render cache heals the entry.
      rmSync(join(dir, '.kfm-gitops/cache/results'), { recursive: true, force: true });
      const healed = await check();
      expect(healed.summary).toMatchObject({ rendered: 1, cachedRenders: cold.summary.overlays - 1 });
      expect(healed.findings).toEqual(cold.findings);
      expect(decodeEntry(readFileSync(victim), dirEntries[0].replace(/\.entry$/, ''))).toBeDefined();

      const text = await cli(['check', dir]);
      expect(text.stdout).toMatch(
        new RegExp(
          `in ${cold.summary.overlays} overlays \\(\\d+ resources\\), ${cold.summary.overlays} from render cache`,
        ),
      );
    } finally {
      cleanup();
    }
  }, 180_000);

  it('findings from cached renders land on the same source lines, also after the repo (with its cache) moved', async () => {
    const first = freshCopy(historyFixture);
    const moved = mkdtempSync(join(tmpdir(), 'kfm-moved-'));
    try {
      const run = async (root: string, extra: string[] = []) =>
        JSON.parse((await cli(['check', root, '--format', 'json', ...extra])).stdout);
      const fresh = await run(first.dir, ['--no-cache']);
      const located = fresh.findings.filter(
        (f: { file?: string; overlay?: string }) => f.overlay && f.file?.startsWith('apps/'),
      );
      expect(located.length).toBeGreaterThan(0);
      await run(first.dir);
      cpSync(first.dir, moved, { recursive: true });
      const warm = await run(moved);
      expect(warm.summary.cachedRenders).toBe(fresh.summary.overlays);
      expect(warm.findings).toEqual(fresh.findings);
    } finally {
      first.cleanup();
      rmSync(moved, { recursive: true, force: true });
    }
  }, 120_000);

  it('--no-cache neither reads nor writes; --cache-dir moves the cache', async () => {
    const { dir, cleanup } = freshCopy(historyFixture);
    const elsewhere = mkdtempSync(join(tmpdir(), 'kfm-cache-dir-'));
    try {
      const none = JSON.parse((await cli(['check', dir, '--format', 'json', '--no-cache'])).stdout);
      expect(none.summary.cachedRenders).toBe(0);
      expect(existsSync(join(dir, '.kfm-gitops/cache/render'))).toBe(false);
      await cli(['check', dir, '--format', 'json', '--cache-dir', elsewhere]);
      const warm = JSON.parse((await cli(['check', dir, '--format', 'json', '--cache-dir', elsewhere])).stdout);
      expect(warm.summary.cachedRenders).toBe(warm.summary.overlays);
      // One plain render per overlay; overlays with findings also keep their build-metadata render (source mapping).
      const entries = readdirSync(join(elsewhere, 'render')).filter((f) => f.endsWith('.entry'));
      const plain = entries.filter(
        (e) => decodeEntry(readFileSync(join(elsewhere, 'render', e)), e.replace(/\.entry$/, ''))?.origin === false,
      );
      expect(plain).toHaveLength(warm.summary.overlays);
      expect(entries.length - plain.length).toBe(
        new Set(warm.findings.map((f: { overlay?: string }) => f.overlay)).size,
      );
      expect(existsSync(join(dir, '.kfm-gitops/cache/render'))).toBe(false);
    } finally {
      cleanup();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 120_000);
});
