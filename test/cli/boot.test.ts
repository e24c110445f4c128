/**
 * Issue 20: the CLI runs as one bundled script with V8's code cache (src/cli/boot.ts). The cache is bytecode the
 * process runs, so the tests here are about trust: an entry is used only when it is this user's, made from these
 * exact bundle bytes (V8 itself checks only the source's length); anything else is compiled afresh, never run.
 * And the bundle must behave as the modules do: the same report, with or without a cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, repoRoot, runCli } from '../helpers.js';

const dist = join(repoRoot, 'dist');
const boot = join(dist, 'cli', 'boot.js');
/** The same boot bundled as a script, which the CommonJS launcher requires (scripts/bundle.mjs). */
const bootScript = join(dist, 'boot.cjs');
const bundle = join(dist, 'kfm-gitops.cjs');
const built = existsSync(boot) && existsSync(bundle) && existsSync(bootScript);

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A fresh per-user cache folder (XDG_CACHE_HOME). */
function userCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-boot-'));
  temps.push(dir);
  return dir;
}

/** A copy of the bundle beside it (its modules' locations stay right), removed after the tests. */
function bundleCopy(): string {
  const copy = join(dist, `kfm-gitops.test-${process.pid}-${temps.length}.cjs`);
  copyFileSync(bundle, copy);
  temps.push(copy);
  return copy;
}

/**
 * Loads the CLI in a fresh process as bin/kfm-gitops.js does (then finish()), and says how it got its code: through
 * the boot module, or (`script`) through the boot bundled as a script, as the launcher does.
 */
function load(
  cache: string,
  opts: { bundle?: string; argv?: string[]; env?: NodeJS.ProcessEnv; script?: boolean } = {},
): string {
  const body = `
    const cli = await loadCli(${JSON.stringify(opts.argv ?? [])}, { bundle: ${JSON.stringify(opts.bundle ?? bundle)} });
    if (typeof cli.main !== 'function') throw new Error('no main');
    cli.finish();
    console.log(cli.source);
  `;
  const script = opts.script
    ? `'use strict';
       require('node:v8').setFlagsFromString('--interrupt-budget=540000');
       (async () => { const { loadCli } = require(${JSON.stringify(bootScript)}); ${body} })().catch((e) => {
         console.error(e);
         process.exitCode = 1;
       });`
    : `
    import { setFlagsFromString } from 'node:v8';
    setFlagsFromString('--interrupt-budget=540000');
    const { loadCli } = await import(${JSON.stringify(pathToFileURL(boot).href)});
    ${body}`;
  return execFileSync(process.execPath, [...(opts.script ? [] : ['--input-type=module']), '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cache, ...opts.env },
  }).trim();
}

const entries = (cache: string): string[] => {
  const dir = join(cache, 'kfm-gitops', 'code');
  return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
};

describe.skipIf(!built)('CLI bundle and its code cache', () => {
  it('compiles on the first run, writes the cache, and the next run uses it', () => {
    const cache = userCache();
    expect(load(cache)).toBe('bundle');
    expect(entries(cache)).toHaveLength(1);
    expect(load(cache)).toBe('bundle+cache');
  });

  it("loads the same way through the boot bundled as a script (the launcher's), sharing its cache", () => {
    const cache = userCache();
    expect(load(cache, { script: true })).toBe('bundle');
    expect(entries(cache)).toHaveLength(1);
    expect(load(cache, { script: true })).toBe('bundle+cache');
    expect(load(cache)).toBe('bundle+cache');
    // Its fallback is the modules of dist/, not a copy of the CLI inside the boot.
    expect(load(userCache(), { script: true, bundle: join(dist, 'no-such-bundle.cjs') })).toBe('modules');
    expect(readFileSync(bootScript).length).toBeLessThan(64 * 1024);
  });

  it('never runs a cache made from other bundle bytes of the same length', () => {
    const cache = userCache();
    const copy = bundleCopy();
    expect(load(cache, { bundle: copy })).toBe('bundle');
    expect(load(cache, { bundle: copy })).toBe('bundle+cache');
    // Same length, one byte different (in the banner comment): V8 alone would take the old bytecode for it.
    const text = readFileSync(copy, 'latin1');
    const at = text.indexOf('Do not edit.');
    expect(at).toBeGreaterThan(0);
    writeFileSync(copy, `${text.slice(0, at)}Do not edix.${text.slice(at + 'Do not edit.'.length)}`, 'latin1');
    expect(readFileSync(copy).length).toBe(Buffer.byteLength(text, 'latin1'));
    expect(load(cache, { bundle: copy })).toBe('bundle');
    // ...and the entry was made again for the new bytes.
    expect(load(cache, { bundle: copy })).toBe('bundle+cache');
  });

  it('ignores a forged entry and replaces it', () => {
    const cache = userCache();
    load(cache);
    const [entry] = entries(cache);
    const bytes = readFileSync(entry);
    bytes[bytes.length - 100] ^= 0xff; // V8's bytes changed, the MAC left as it was
    writeFileSync(entry, bytes);
    expect(load(cache)).toBe('bundle');
    expect(load(cache)).toBe('bundle+cache');
    writeFileSync(
      entry,
      Buffer.concat([Buffer.from('kfm-gitops cli code cache; mac=' + '0'.repeat(64) + '\n'), bytes]),
    );
    expect(load(cache)).toBe('bundle');
  });

  it('reads and writes no cache with --no-cache', () => {
    const cache = userCache();
    expect(load(cache, { argv: ['check', '--no-cache'] })).toBe('bundle');
    expect(entries(cache)).toHaveLength(0);
    load(cache);
    expect(load(cache, { argv: ['check', '--no-cache'] })).toBe('bundle');
  });

  it('runs without a cache when the cache folder cannot be written', () => {
    const cache = join(userCache(), 'not-a-folder');
    writeFileSync(cache, 'x');
    expect(load(cache)).toBe('bundle');
    expect(load(cache)).toBe('bundle');
  });

  it('falls back to the modules when there is no bundle', () => {
    expect(load(userCache(), { bundle: join(dist, 'no-such-bundle.cjs') })).toBe('modules');
    // ...and when a profile asks for them (bench/profile.mjs tells stages apart by module file).
    expect(load(userCache(), { env: { KFM_GITOPS_NO_BUNDLE: '1' } })).toBe('modules');
  });

  it('reports exactly what the modules report, with and without the cache', async () => {
    const cache = userCache();
    const target = join(fixtures, 'policy', 'rbac-violation');
    const args = ['check', target, '--format', 'json', '--no-color'];
    const env = { XDG_CACHE_HOME: cache };
    const first = await runCli([...args, '--no-cache'], { env });
    await runCli(args, { env }); // writes the code cache
    expect(entries(cache)).toHaveLength(1);
    const cached = await runCli([...args, '--no-cache'], { env: { ...env } });
    const withCache = await runCli(args, { env });
    // The modules, without the bundle: the launcher's fallback, run directly.
    const modules = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(pathToFileURL(join(dist, 'cli', 'main.js')).href)});
         process.exitCode = await main(${JSON.stringify([...args, '--no-cache'])});`,
      ],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache } },
    );
    expect(modules.status).toBe(first.code);
    const findings = (out: string) =>
      (JSON.parse(out) as { findings: { ruleId: string; file?: string; line?: number }[] }).findings.map(
        (f) => `${f.ruleId} ${f.file}:${f.line}`,
      );
    expect(first.code).toBe(1);
    expect(findings(first.stdout).length).toBeGreaterThan(0);
    for (const run of [cached, withCache]) {
      expect(run.code).toBe(first.code);
      expect(findings(run.stdout)).toEqual(findings(first.stdout));
    }
    expect(findings(modules.stdout)).toEqual(findings(first.stdout));
  });
});
