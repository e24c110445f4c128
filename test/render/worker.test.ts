/**
 * The kfm-render worker (tools/kfm-render, built by `npm run tools`): it must render exactly what `kustomize build`
 * prints — output and errors — and fail closed the same way when it hangs, crashes, talks nonsense or is
 * interrupted, leaving no process behind.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { CACHE_FORMAT, decodeEntry, encodeEntry } from '../../src/render/cache.js';
import { KustomizeRenderer } from '../../src/render/kustomize.js';
import { FolderWriter } from '../../src/util/atomic-write.js';
import { resolveKustomize } from '../../src/render/resolve.js';
import type { RenderOutcome } from '../../src/render/types.js';
import { Worker, WorkerRenderer } from '../../src/render/worker.js';
import type { Overlay } from '../../src/types.js';
import {
  expectCleanInterrupt,
  fixtures,
  kustomizeBin,
  pinnedRenderer,
  repoRoot,
  runCli,
  processesWith,
} from '../helpers.js';

const workerBin = join(repoRoot, '.tools', 'bin', 'kfm-render');
const good = join(fixtures, 'render', 'mixed');

function overlayAt(absPath: string): Overlay {
  return { path: absPath, absPath, env: 'dev', layer: 'apps', kustomizationFile: 'kustomization.yaml' };
}

function request(absPath: string, root: string, extra: Partial<{ timeoutMs: number; maxOutputBytes: number }> = {}) {
  return {
    overlay: overlayAt(absPath),
    root,
    timeoutMs: extra.timeoutMs ?? 60_000,
    origin: false,
    allowExec: false,
    maxOutputBytes: extra.maxOutputBytes ?? 64 * 1024 * 1024,
  };
}

/** Text of a success, or the (cleaned) message of a failure, for comparing the two renderers. */
/** The two renderers refuse the network in their own words (kfm-render's loader, the CLI's dead proxy). */
function comparable(o: RenderOutcome): { ok: boolean; text: string } {
  if (o.ok) return { ok: true, text: o.text };
  const text = o.message
    .replace(/kfm-render refuses to load \S+: no network at render time/g, '<no network>')
    .replace(/proxyconnect tcp: dial tcp 127\.0\.0\.1:0: connect: connection refused/g, '<no network>');
  return { ok: false, text };
}

/** A fake worker: answers `version` like kfm-render, runs `body` for `serve`. */
function fakeWorkerDir(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-fake-worker-'));
  const file = join(dir, 'kfm-render');
  writeFileSync(
    file,
    `#!/usr/bin/env bash\nif [ "$1" = version ]; then echo '{"kustomize":"v5.7.1","api":"v0.20.1","protocol":4}'; exit 0; fi\n${body}\n`,
  );
  chmodSync(file, 0o755);
  return dir;
}

async function checkWithWorker(body: string, extra: string[] = []) {
  const r = await runCli(['check', good, '--overlay', 'apps/good/**', '--format', 'json', ...extra], {
    env: { KFM_TOOLS_DIR: fakeWorkerDir(body), KFM_KUSTOMIZE: '' },
  });
  return { ...r, report: r.stdout ? JSON.parse(r.stdout) : undefined };
}

describe('kfm-render worker', () => {
  it('renders every kustomization of infra/gitops and the fixtures exactly as `kustomize build` does, errors included', async () => {
    const dirs = (
      await fg(['infra/gitops/**/kustomization.yaml', 'fixtures/**/kustomization.yaml'], {
        cwd: repoRoot,
        absolute: true,
      })
    ).map((f) => dirname(f));
    expect(dirs.length).toBeGreaterThan(40);
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    const cli = pinnedRenderer();
    let failures = 0;
    try {
      for (const dir of dirs) {
        const [w, c] = await Promise.all([worker.render(request(dir, repoRoot)), cli.render(request(dir, repoRoot))]);
        if (!c.ok) failures++;
        expect({ dir, ...comparable(w) }).toEqual({ dir, ...comparable(c) });
      }
    } finally {
      await worker.dispose();
      await cli.dispose();
    }
    expect(failures).toBeGreaterThan(0); // the broken fixtures were compared too
  });

  it("a kustomization's openapi schema does not leak into the next build (the CLI starts afresh each time)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-openapi-'));
    // A custom schema that declares nothing: strategic merge then treats `containers` as a plain list.
    const make = (name: string, withSchema: boolean): string => {
      const d = join(dir, name);
      cpSync(join(fixtures, 'render', 'mixed', 'apps', 'good', 'base'), join(d, 'base'), { recursive: true });
      writeFileSync(
        join(d, 'kustomization.yaml'),
        `resources:\n  - base\n${withSchema ? 'openapi:\n  path: schema.json\n' : ''}patches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        template:\n          spec:\n            containers:\n              - name: sidecar\n                image: registry.example/sidecar@sha256:${'a'.repeat(64)}\n`,
      );
      if (withSchema) writeFileSync(join(d, 'schema.json'), JSON.stringify({ definitions: {} }));
      return d;
    };
    const custom = make('custom', true);
    const plain = make('plain', false);
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    const cli = pinnedRenderer();
    try {
      for (const d of [custom, plain, custom, plain]) {
        const [w, c] = await Promise.all([worker.render(request(d, dir)), cli.render(request(d, dir))]);
        expect(comparable(w)).toEqual(comparable(c));
      }
    } finally {
      await worker.dispose();
      await cli.dispose();
    }
  });

  it('exec KRM functions (kustomize.allowExec) run as with `kustomize build --enable-alpha-plugins --enable-exec`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-exec-'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'generators:\n  - gen.yaml\n');
    writeFileSync(
      join(dir, 'gen.yaml'),
      'apiVersion: example.com/v1\nkind: Gen\nmetadata:\n  name: gen\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./gen.sh\n',
    );
    writeFileSync(
      join(dir, 'gen.sh'),
      "#!/bin/sh\ncat >/dev/null\ncat <<'OUT'\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: generated\n  data:\n    a: b\nOUT\n",
    );
    chmodSync(join(dir, 'gen.sh'), 0o755);
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    const cli = pinnedRenderer();
    try {
      for (const allowExec of [true, false]) {
        const req = { ...request(dir, dir), allowExec };
        const [w, c] = await Promise.all([worker.render(req), cli.render(req)]);
        expect({ allowExec, ...comparable(w) }).toEqual({ allowExec, ...comparable(c) });
        expect(w.ok).toBe(allowExec);
      }
    } finally {
      await worker.dispose();
      await cli.dispose();
    }
  });

  it('a reply of many pipe chunks arrives whole, and the next reply on the same worker too', async () => {
    // ~3 MB of output: dozens of 64 KB chunks per reply, YAML and JSON documents both.
    const dir = mkdtempSync(join(tmpdir(), 'kfm-worker-big-'));
    const maps = Array.from(
      { length: 40 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${i}\ndata:\n  blob: ${'x'.repeat(40_000)}${i}\n`,
    );
    writeFileSync(join(dir, 'maps.yaml'), maps.join('---\n'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - maps.yaml\n');
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    const cli = pinnedRenderer();
    try {
      const c = await cli.render(request(dir, dir));
      for (let round = 0; round < 2; round++) {
        const w = await worker.render(request(dir, dir));
        expect(comparable(w)).toEqual(comparable(c));
        expect(w.ok && w.documents && (JSON.parse(w.documents) as unknown[]).length).toBe(40);
      }
    } finally {
      await worker.dispose();
      await cli.dispose();
    }
  });

  it('output over the limit is refused, and the worker goes on with the next overlay', async () => {
    const overlay = join(good, 'apps', 'good', 'overlays', 'dev');
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    try {
      const big = await worker.render(request(overlay, good, { maxOutputBytes: 100 }));
      expect(big).toMatchObject({ ok: false, reason: 'too-large' });
      const next = await worker.render(request(overlay, good));
      expect(next.ok).toBe(true);
    } finally {
      await worker.dispose();
    }
  });

  it('is what `check` uses when built, names itself in the report, and KFM_RENDER_WORKER=0 goes back to the CLI', async () => {
    const resolved = await resolveKustomize({ toolsDir: dirname(workerBin), path: '' });
    expect(resolved).toMatchObject({ worker: true, version: 'v5.7.1', file: workerBin });
    const withWorker = await runCli(['check', good, '--overlay', 'apps/good/**', '--format', 'json'], {
      env: { KFM_KUSTOMIZE: '' },
    });
    expect(JSON.parse(withWorker.stdout).tool).toMatchObject({ kustomizeCommand: workerBin, kustomize: 'v5.7.1' });
    const withCli = await runCli(['check', good, '--overlay', 'apps/good/**', '--format', 'json'], {
      env: { KFM_KUSTOMIZE: '', KFM_RENDER_WORKER: '0' },
    });
    expect(JSON.parse(withCli.stdout).tool.kustomizeCommand).toBe(kustomizeBin);
    // Same findings either way.
    expect(JSON.parse(withWorker.stdout).findings).toEqual(JSON.parse(withCli.stdout).findings);
  });

  it('a worker speaking another protocol is not used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-old-worker-'));
    writeFileSync(join(dir, 'kfm-render'), `#!/usr/bin/env bash\necho '{"kustomize":"v5.7.1","protocol":99}'\n`);
    chmodSync(join(dir, 'kfm-render'), 0o755);
    const resolved = await resolveKustomize({ toolsDir: dir, path: dirname(kustomizeBin) });
    expect(resolved.worker).toBeUndefined();
    expect(resolved.source).toBe('path');
  });
});

describe('kfm-render writes the render cache entry of its own render', () => {
  const secret = Buffer.alloc(32, 9);
  const store = (dir: string, name: string, identity = FolderWriter.open(dir).identity) => ({
    dir,
    identity,
    name,
    head: `${JSON.stringify({ format: CACHE_FORMAT, key: 'k'.repeat(64), overlay: 'apps/good', origin: false }).slice(0, -1)},`,
    bound: `${JSON.stringify([CACHE_FORMAT, 'k'.repeat(64), false]).slice(0, -1)},`,
    secret,
  });
  const overlay = join(good, 'apps', 'good', 'overlays', 'dev');

  it('byte for byte the entry this process would encode: it opens with the key and holds the reply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-store-'));
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    try {
      const reply = await worker.render({ ...request(overlay, good), store: store(dir, 'e.entry') });
      expect(reply).toMatchObject({ ok: true, stored: true });
      const written = readFileSync(join(dir, 'e.entry'));
      expect(readdirSync(dir)).toEqual(['e.entry']); // no temp file left
      const opened = decodeEntry(written, 'k'.repeat(64), secret);
      expect(reply.ok && opened).toEqual({
        text: reply.ok && reply.text,
        origin: false,
        documents: reply.ok && reply.documents,
      });
      expect(written.toString('latin1')).not.toContain('kind: Deployment'); // sealed
      // The same layout as encodeEntry's, the random nonce aside: same header, same length.
      const mine = encodeEntry(
        {
          key: 'k'.repeat(64),
          overlay: 'apps/good',
          text: reply.ok ? reply.text : '',
          origin: false,
          documents: reply.ok ? reply.documents : '',
        },
        secret,
      );
      const headerOf = (b: Buffer) => b.subarray(0, b.indexOf(10)).toString('utf8');
      expect(headerOf(written)).toBe(headerOf(mine));
      expect(written.length).toBe(mine.length);
      expect(decodeEntry(written, 'k'.repeat(64), Buffer.alloc(32, 8))).toBeUndefined(); // another user's key
    } finally {
      await worker.dispose();
    }
  });

  it('refuses a folder replaced since it was checked and a name that is not a file name, leaving nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-store-'));
    const other = mkdtempSync(join(tmpdir(), 'kfm-store-other-'));
    const worker = new WorkerRenderer(workerBin, 'v5.7.1');
    try {
      const swapped = await worker.render({
        ...request(overlay, good),
        store: store(dir, 'e.entry', FolderWriter.open(other).identity),
      });
      expect(swapped).toMatchObject({ ok: true, storeError: expect.stringMatching(/replaced since it was checked/) });
      const escaping = await worker.render({ ...request(overlay, good), store: store(dir, '../e.entry') });
      expect(escaping).toMatchObject({ ok: true, storeError: expect.stringMatching(/not a file name/) });
      expect(readdirSync(dir)).toEqual([]);
      expect(readdirSync(dirname(dir)).filter((f) => f.startsWith('e.entry'))).toEqual([]);
      // A failed render writes nothing.
      const failed = await worker.render({ ...request(join(good, 'nowhere'), good), store: store(dir, 'f.entry') });
      expect(failed.ok).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await worker.dispose();
    }
  });
});

describe('kfm-render worker faults', () => {
  it('a hung render times out as a finding and the worker and its children are killed', async () => {
    const marker = `kfm-whang-${process.pid}-${Date.now()}`;
    const r = await checkWithWorker(
      `read -r line || exit 0; bash -c "exec -a ${marker} sleep 300" & bash -c "exec -a ${marker} sleep 300"; wait`,
      ['--timeout', '1'],
    );
    expect(r.code).toBe(1);
    expect(r.report.findings).toEqual([
      expect.objectContaining({ ruleId: 'KFM-RENDER-002', overlay: 'apps/good/overlays/dev' }),
    ]);
    expect(r.report.findings[0].message).toMatch(/timed out after 1 s/);
    await new Promise((res) => setTimeout(res, 300));
    expect(processesWith(marker)).toBe('');
  });

  it('an idle worker that ignores the end of its input neither hangs the run nor lets it pass', async () => {
    // Regression: waiting for such a worker to exit once let the event loop drain with the run unfinished (exit 0).
    const r = await checkWithWorker('read -r line; sleep 300 & sleep 300; wait', ['--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.report.findings).toEqual([expect.objectContaining({ ruleId: 'KFM-RENDER-002' })]);
  });

  it('a worker that dies mid-render is a finding carrying what it printed', async () => {
    const r = await checkWithWorker('read -r line || exit 0; echo "panic: runtime error: boom" >&2; exit 2');
    expect(r.code).toBe(1);
    expect(r.report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-001' });
    expect(r.report.findings[0].message).toContain('kustomize crashed: panic: runtime error: boom');
  });

  it('an unreadable reply is a finding, not a crash or a pass', async () => {
    const r = await checkWithWorker("read -r line || exit 0; printf 'not json\\n'; sleep 5");
    expect(r.code).toBe(1);
    expect(r.report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-001' });
    expect(r.report.findings[0].message).toContain('unreadable reply');
  });

  it('a short reply (fewer bytes than announced, then exit) is a finding', async () => {
    const r = await checkWithWorker(
      `read -r line || exit 0; printf '{"id":1,"ok":true,"bytes":500}\\napiVersion: v1\\nkind: ConfigMap\\n'; exit 0`,
    );
    expect(r.code).toBe(1);
    expect(r.report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-001' });
  });

  it('a reply announcing more than the output limit is refused before it is buffered', async () => {
    const r = await checkWithWorker(
      `read -r line || exit 0; printf '{"id":1,"ok":true,"bytes":9000000000}\\n'; sleep 5`,
    );
    expect(r.code).toBe(1);
    expect(r.report.findings[0]).toMatchObject({ ruleId: 'KFM-RENDER-001' });
    expect(r.report.findings[0].message).toContain('over the output limit');
  });

  it('SIGINT during a run kills the workers, removes temp folders and exits 130', async () => {
    const marker = `kfm-wsigint-${process.pid}-${Date.now()}`;
    const tools = fakeWorkerDir(`read -r line || exit 0; exec -a ${marker} sleep 300`);
    await expectCleanInterrupt(['check', good], marker, { KFM_TOOLS_DIR: tools, KFM_KUSTOMIZE: '' });
  });

  it('the CLI renderer and the worker agree on a missing kustomize binary being a setup error, not a finding', async () => {
    const renderer = new KustomizeRenderer({
      file: '/nonexistent/kustomize',
      prefixArgs: [],
      source: 'flag',
      display: 'x',
      version: 'v',
    });
    const worker = new WorkerRenderer('/nonexistent/kfm-render', 'v5.7.1');
    const overlay = join(good, 'apps', 'good', 'overlays', 'dev');
    const [a, b] = await Promise.all([renderer.render(request(overlay, good)), worker.render(request(overlay, good))]);
    expect(a).toMatchObject({ ok: false, reason: 'spawn' });
    expect(b).toMatchObject({ ok: false, reason: 'spawn' });
    await worker.dispose();
  });
});

/**
 * A scripted `kfm-render serve` (node): answers each request line in order with a one-ConfigMap render of its folder,
 * after a delay taken from the folder's name (`slow-<ms>`), or never (`hang`); `wrong-id` answers with another id.
 * It logs when it read each request and when it answered, so a test can see a request sent ahead of the reply before.
 */
function scriptedWorker(log: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-scripted-worker-'));
  const file = join(dir, 'kfm-render');
  writeFileSync(
    file,
    `#!/usr/bin/env node
const fs = require('node:fs');
if (process.argv[2] === 'version') { console.log('{"kustomize":"v5.7.1","api":"v0.20.1","protocol":4}'); process.exit(0); }
const log = (s) => fs.appendFileSync(${JSON.stringify(log)}, s + '\\n');
let chain = Promise.resolve();
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  const name = req.dir.split('/').pop();
  log('read ' + name);
  chain = chain.then(() => new Promise((done) => {
    if (name === 'hang') return; // never answers: the chain stops here
    const ms = /^slow-(\\d+)$/.exec(name)?.[1] ?? 0;
    setTimeout(() => {
      const body = 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: ' + name + '\\n';
      const id = name === 'wrong-id' ? req.id + 100 : req.id;
      process.stdout.write(JSON.stringify({ id, ok: true, bytes: Buffer.byteLength(body) }) + '\\n' + body);
      log('answered ' + name);
      done();
    }, Number(ms));
  }));
});
`,
  );
  chmodSync(file, 0o755);
  return file;
}

describe('kfm-render worker pipelining (issue 20)', () => {
  const at = (name: string, timeoutMs = 10_000) => request(join(tmpdir(), name), tmpdir(), { timeoutMs });
  /** One scripted worker (one process at a time: every request after the first is queued behind another). */
  async function withScripted(fn: (worker: WorkerRenderer, log: () => string) => Promise<void>): Promise<void> {
    const log = join(mkdtempSync(join(tmpdir(), 'kfm-pipe-log-')), 'log');
    const worker = new WorkerRenderer(scriptedWorker(log), 'v5.7.1', 1);
    try {
      await fn(worker, () => readFileSync(log, 'utf8'));
    } finally {
      await worker.dispose();
    }
  }

  it('sends a worker its next request before it has answered the one it renders', () =>
    withScripted(async (worker, log) => {
      const [a, b] = await Promise.all([worker.render(at('slow-400')), worker.render(at('quick'))]);
      expect(a).toMatchObject({ ok: true, text: expect.stringContaining('name: slow-400') });
      expect(b).toMatchObject({ ok: true, text: expect.stringContaining('name: quick') });
      // Both requests were in the worker before its first answer: it did not wait for this process to ask again.
      expect(log().trim().split('\n')).toEqual(['read slow-400', 'read quick', 'answered slow-400', 'answered quick']);
    }));

  it("a request's time limit runs from when the worker begins it, not while the one ahead of it renders", () =>
    withScripted(async (worker) => {
      const [a, b] = await Promise.all([worker.render(at('slow-700')), worker.render(at('slow-10', 400))]);
      expect(a.ok).toBe(true);
      expect(b).toMatchObject({ ok: true, text: expect.stringContaining('name: slow-10') });
    }));

  it('a request queued behind a render that times out is rendered by a fresh worker, not failed with it', () =>
    withScripted(async (worker, log) => {
      const [hung, next] = await Promise.all([worker.render(at('hang', 500)), worker.render(at('after', 5_000))]);
      expect(hung).toMatchObject({ ok: false, reason: 'timeout' });
      expect(next).toMatchObject({ ok: true, text: expect.stringContaining('name: after') });
      // The second was read by the first worker (queued) and again by the fresh one.
      expect(log().match(/read after/g)).toHaveLength(2);
    }));

  it('bytes that arrive after the worker was given up on (the rest of a refused reply) answer nobody', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'kfm-pipe-log-')), 'log');
    const worker = new Worker(scriptedWorker(log), process.env);
    const reply = worker.request({ id: 1, max: 1 << 20, dir: '/x/hang' }, () => undefined);
    const feed = (text: string): void => (worker as unknown as { onData(b: Buffer): void }).onData(Buffer.from(text));
    // The header of a reply to another request, and its body in a later chunk (how the pipe may deliver them).
    feed(`${JSON.stringify({ id: 101, ok: true, bytes: 5 })}\n`);
    expect(() => feed('hello')).not.toThrow();
    expect(await reply).toEqual({ died: 'kfm-render sent a reply to a request it was not working on' });
  });

  it('a reply to another request than the one rendering fails that render and starts the next afresh', () =>
    withScripted(async (worker) => {
      const [wrong, next] = await Promise.all([worker.render(at('wrong-id')), worker.render(at('fine'))]);
      expect(wrong).toMatchObject({ ok: false, reason: 'error' });
      expect(wrong.ok === false && wrong.message).toContain('a reply to a request it was not working on');
      expect(next).toMatchObject({ ok: true, text: expect.stringContaining('name: fine') });
    }));
});
