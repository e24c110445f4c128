#!/usr/bin/env node
// Builds the glue-baseline tools of `npm run bench` (kubeconform, conftest, gitleaks) from the Go module proxy at
// pinned versions into .tools/bench-bin (git-ignored). They are only needed for the benchmark, never at run time,
// so they live apart from the toolchain of scripts/install-tools.mjs.
// Idempotent: a tool whose stamp matches the pinned version is not rebuilt, so a second run takes milliseconds.
// Usage: node scripts/bench-tools.mjs [name...]   (no names = all)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_BIN = join(root, '.tools', 'bench-bin');
const stampFile = join(root, '.tools', 'bench-versions.json');

// Versions looked up with `go list -m -versions <module>` (newest at the time of writing). Bump deliberately:
// the benchmark compares against these exact builds.
export const BENCH_TOOLS = {
  kubeconform: { module: 'github.com/yannh/kubeconform', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' },
  conftest: { module: 'github.com/open-policy-agent/conftest', pkg: 'github.com/open-policy-agent/conftest', version: 'v0.71.1' },
  gitleaks: { module: 'github.com/zricethezav/gitleaks/v8', pkg: 'github.com/zricethezav/gitleaks/v8', version: 'v8.30.1' },
};

/** True when every tool is built at its pinned version (what bench/run.mjs asks before running the glue). */
export function benchToolsReady() {
  const stamps = readStamps();
  return Object.entries(BENCH_TOOLS).every(([name, tool]) => existsSync(join(BENCH_BIN, name)) && stamps[name] === tool.version);
}

function readStamps() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return {};
  }
}

function main(only) {
  const stamps = readStamps();
  mkdirSync(BENCH_BIN, { recursive: true });
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  let failed = false;
  for (const [name, tool] of Object.entries(BENCH_TOOLS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const target = join(BENCH_BIN, name);
    if (existsSync(target) && stamps[name] === tool.version) {
      console.log(`${name} ${tool.version}: present (${target})`);
      continue;
    }
    if (go.status !== 0) {
      console.error(`${name}: Go is needed to build ${tool.pkg}@${tool.version} (install Go ≥ 1.22)`);
      failed = true;
      continue;
    }
    console.log(`${name} ${tool.version}: building with go install (first time only)…`);
    const started = Date.now();
    try {
      execFileSync('go', ['install', `${tool.pkg}@${tool.version}`], {
        stdio: 'inherit',
        env: { ...process.env, GOBIN: BENCH_BIN, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      });
    } catch {
      console.error(`${name}: go install ${tool.pkg}@${tool.version} failed`);
      failed = true;
      continue;
    }
    stamps[name] = tool.version;
    writeFileSync(stampFile, `${JSON.stringify(stamps, null, 2)}\n`);
    console.log(`${name} ${tool.version}: built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(main(process.argv.slice(2)));
}
