#!/usr/bin/env node
// `npm run schemas:sync`: download the pinned kubernetes-validate wheel with pip and regenerate schemas/kubernetes/.
//
//   node scripts/schemas-sync.mjs            download (or reuse the cached wheel) and write schemas/kubernetes/
//   node scripts/schemas-sync.mjs --check    regenerate in memory and fail (exit 1) if the shipped files differ
//   node scripts/schemas-sync.mjs --wheel F  use a wheel file already on disk instead of pip
//
// The wheel is kept in .kfm-gitops/cache/schemas-sync/ (git-ignored) so tests can re-run the conversion offline.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE, PINNED_VERSION, buildFromWheel } from './schemas-sync.lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'schemas', 'kubernetes');
export const wheelCacheDir = join(root, '.kfm-gitops', 'cache', 'schemas-sync');

function parseArgs(argv) {
  const args = { check: false, wheel: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') args.check = true;
    else if (argv[i] === '--wheel') args.wheel = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

function cachedWheel() {
  if (!existsSync(wheelCacheDir)) return undefined;
  const name = readdirSync(wheelCacheDir).find((f) => f.startsWith(`kubernetes_validate-${PINNED_VERSION}-`) && f.endsWith('.whl'));
  return name ? join(wheelCacheDir, name) : undefined;
}

function pip(args) {
  // Prefer the interpreter's own pip; plain `pip` may belong to another Python.
  for (const [cmd, pre] of [
    ['python3', ['-m', 'pip']],
    ['python', ['-m', 'pip']],
    ['pip3', []],
    ['pip', []],
  ]) {
    try {
      execFileSync(cmd, [...pre, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
      return;
    } catch (err) {
      if (err && err.code === 'ENOENT') continue;
      throw err;
    }
  }
  throw new Error('pip not found: install Python 3 with pip, or pass --wheel <file>');
}

function downloadWheel() {
  const tmp = mkdtempSync(join(tmpdir(), 'kfm-schemas-sync-'));
  try {
    pip(['download', '--no-deps', '--only-binary=:all:', '--dest', tmp, `${PACKAGE}==${PINNED_VERSION}`]);
    const name = readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!name) throw new Error(`pip did not produce a wheel for ${PACKAGE}==${PINNED_VERSION}`);
    mkdirSync(wheelCacheDir, { recursive: true });
    const dest = join(wheelCacheDir, name);
    copyFileSync(join(tmp, name), dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const wheelPath = args.wheel ? resolve(args.wheel) : (cachedWheel() ?? downloadWheel());
  const wheelName = wheelPath.split(/[\\/]/).pop();
  const files = buildFromWheel(readFileSync(wheelPath), wheelName);
  const stale = existsSync(outDir)
    ? readdirSync(outDir).filter((f) => !files.has(f) && (f.endsWith('.json') || f === 'PROVENANCE.md'))
    : [];

  if (args.check) {
    const differing = [...files].filter(([f, content]) => {
      const p = join(outDir, f);
      return !existsSync(p) || readFileSync(p, 'utf8') !== content;
    });
    if (differing.length > 0 || stale.length > 0) {
      for (const [f] of differing) process.stderr.write(`schemas/kubernetes/${f} differs from a fresh conversion\n`);
      for (const f of stale) process.stderr.write(`schemas/kubernetes/${f} is stale\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`schemas/kubernetes matches ${wheelName}\n`);
    return;
  }

  mkdirSync(outDir, { recursive: true });
  for (const f of stale) unlinkSync(join(outDir, f));
  for (const [f, content] of files) writeFileSync(join(outDir, f), content);
  const sizes = [...files].map(([f, c]) => `${f} (${Math.round(Buffer.byteLength(c) / 1024)} KiB)`);
  process.stdout.write(`wrote schemas/kubernetes/: ${sizes.join(', ')}\n`);
}

main();
