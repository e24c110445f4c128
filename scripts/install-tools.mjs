#!/usr/bin/env node
// Builds the pinned toolchain (kustomize, opa) from the Go module proxy into .tools/bin (git-ignored).
// Idempotent: a tool whose stamp matches the pinned version is not rebuilt, so a second run takes milliseconds.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, '.tools', 'bin');
const stampFile = join(root, '.tools', 'versions.json');

export const TOOLS = {
  kustomize: { module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.7.1' },
  opa: { module: 'github.com/open-policy-agent/opa', version: 'v1.10.1' },
};

const only = process.argv.slice(2);
const stamps = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
mkdirSync(bin, { recursive: true });

const go = spawnSync('go', ['version'], { encoding: 'utf8' });
let failed = false;
for (const [name, tool] of Object.entries(TOOLS)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const target = join(bin, name);
  if (existsSync(target) && stamps[name] === tool.version) {
    console.log(`${name} ${tool.version}: present (${target})`);
    continue;
  }
  if (go.status !== 0) {
    console.error(`${name}: Go is needed to build ${tool.module}@${tool.version} (install Go ≥ 1.22, or put ${name} on PATH)`);
    failed = true;
    continue;
  }
  console.log(`${name} ${tool.version}: building with go install (first time only)…`);
  const started = Date.now();
  try {
    execFileSync('go', ['install', `${tool.module}@${tool.version}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: bin, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
    });
  } catch {
    console.error(`${name}: go install ${tool.module}@${tool.version} failed`);
    failed = true;
    continue;
  }
  stamps[name] = tool.version;
  writeFileSync(stampFile, `${JSON.stringify(stamps, null, 2)}\n`);
  console.log(`${name} ${tool.version}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}
process.exit(failed ? 1 : 0);
