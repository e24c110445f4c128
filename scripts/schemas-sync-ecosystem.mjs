#!/usr/bin/env node
// `npm run schemas:sync:ecosystem`: generate the CRDs of Flux and sealed-secrets with controller-gen from the Go API
// modules pinned in scripts/crdgen/go.mod (Go module proxy), convert them and write schemas/ecosystem/.
//
//   node scripts/schemas-sync-ecosystem.mjs          regenerate and write the files
//   node scripts/schemas-sync-ecosystem.mjs --check  regenerate in memory; exit 1 if the shipped files differ
//
// controller-gen is built once into .kfm-gitops/cache/schemas-sync/ (git-ignored); the conversion uses dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { cacheDir, root } from './schemas-sync.fetch.mjs';
import { CONTROLLER_GEN, ECOSYSTEM_SOURCES, buildEcosystemSet, goModVersions } from './schemas-sync-ecosystem.lib.mjs';
import { compareOrWrite } from './schemas-sync.output.mjs';

const modDir = join(root, 'scripts', 'crdgen');
const outDir = join(root, 'schemas', 'ecosystem');

async function main() {
  const argv = process.argv.slice(2);
  for (const a of argv) if (a !== '--check') throw new Error(`unknown argument ${a}`);
  const converter = join(root, 'dist', 'checks', 'schema', 'crd.js');
  if (!existsSync(converter)) throw new Error('dist/ is missing: run `npm run build` first');
  const { convertCrd } = await import(converter);

  const goMod = readFileSync(join(modDir, 'go.mod'), 'utf8');
  const goSum = readFileSync(join(modDir, 'go.sum'), 'utf8');
  const version = goModVersions(goMod).get(CONTROLLER_GEN);
  // -mod=readonly: go.mod/go.sum are the pins; a missing checksum is an error, never a silent update.
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false', GOTOOLCHAIN: 'local' };
  mkdirSync(cacheDir, { recursive: true });
  const bin = join(cacheDir, `controller-gen-${version}`);
  if (!existsSync(bin)) {
    execFileSync('go', ['build', '-o', bin, `${CONTROLLER_GEN}/cmd/controller-gen`], { cwd: modDir, env, stdio: 'inherit' });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'kfm-crdgen-'));
  try {
    const paths = ECOSYSTEM_SOURCES.flatMap((s) => s.paths.map((p) => `paths=${s.module}/${p}`));
    execFileSync(bin, ['crd', ...paths, `output:crd:dir=${tmp}`], { cwd: modDir, env, stdio: 'inherit' });
    const crds = readdirSync(tmp)
      .filter((f) => f.endsWith('.yaml'))
      .map((file) => {
        const text = readFileSync(join(tmp, file), 'utf8');
        return { file, text, object: load(text) };
      });
    const files = buildEcosystemSet({ crds, goMod, goSum, convert: (crd) => convertCrd(crd) });
    compareOrWrite({ files, outDir, label: 'schemas/ecosystem', check: argv.includes('--check'), sourceName: 'scripts/crdgen/go.mod' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`schemas:sync:ecosystem: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
