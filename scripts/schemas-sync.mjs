#!/usr/bin/env node
// `npm run schemas:sync`: download the pinned kubernetes-validate wheel with pip and regenerate schemas/kubernetes/.
//
//   node scripts/schemas-sync.mjs            download (or reuse the cached wheel) and write schemas/kubernetes/
//   node scripts/schemas-sync.mjs --check    regenerate in memory and fail (exit 1) if the shipped files differ
//   node scripts/schemas-sync.mjs --wheel F  use a wheel file already on disk instead of pip
//
// The wheel is kept in .kfm-gitops/cache/schemas-sync/ (git-ignored) so tests can re-run the conversion offline.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cached, pipDownload, root } from './schemas-sync.fetch.mjs';
import { compareOrWrite } from './schemas-sync.output.mjs';
import { PACKAGE, PINNED_VERSION, buildFromWheel } from './schemas-sync.lib.mjs';

const outDir = join(root, 'schemas', 'kubernetes');

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
  return cached(`kubernetes_validate-${PINNED_VERSION}-`, ['.whl']);
}

function downloadWheel() {
  return pipDownload(`${PACKAGE}==${PINNED_VERSION}`);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const wheelPath = args.wheel ? resolve(args.wheel) : (cachedWheel() ?? downloadWheel());
  const wheelName = wheelPath.split(/[\\/]/).pop();
  const files = buildFromWheel(readFileSync(wheelPath), wheelName);
  compareOrWrite({ files, outDir, label: 'schemas/kubernetes', check: args.check, sourceName: wheelName });
}

main();
