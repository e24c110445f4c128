#!/usr/bin/env node
// Builds the pinned toolchain (kustomize, opa, helm) from the Go module proxy into .tools/bin (git-ignored), and the
// project's render worker kfm-render (tools/kfm-render: the kustomize API of the same release, kept running so an
// overlay does not pay a process start). Idempotent: a tool whose stamp matches the pinned version (for kfm-render,
// the hash of its sources) is not rebuilt, so a second run takes milliseconds.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, '.tools', 'bin');
const stampFile = join(root, '.tools', 'versions.json');

export const TOOLS = {
  kustomize: { module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.7.1' },
  opa: { module: 'github.com/open-policy-agent/opa', version: 'v1.10.1' },
  // Inflates vendored helmCharts (kustomize --enable-helm --helm-command). Helm 3, not 4: the helm generator of
  // kustomize v5.7.1 (api v0.20.1, also kfm-render's) refuses any major version but 3 (checkHelmVersion); v4 needs
  // kustomize api v0.21.1+. v3.22.0 is served by the proxy but not approved here.
  helm: { module: 'helm.sh/helm/v3', pkg: 'helm.sh/helm/v3/cmd/helm', version: 'v3.21.4' },
};

// Built from this repository's sources with `go build`; its kustomize API version comes from its go.mod.
const renderSrc = join(root, 'tools', 'kfm-render');
const renderStamp = () =>
  createHash('sha256')
    .update(TOOLS.kustomize.version)
    // Every source file: a change to any of them (not only main.go) must rebuild the worker.
    .update(
      ['go.mod', 'go.sum', ...readdirSync(renderSrc).filter((f) => f.endsWith('.go')).sort()]
        .map((f) => readFileSync(join(renderSrc, f), 'utf8'))
        .join('\0'),
    )
    .digest('hex')
    .slice(0, 16);

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
    execFileSync('go', ['install', `${tool.pkg ?? tool.module}@${tool.version}`], {
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
if (!failed && (only.length === 0 || only.includes('kfm-render'))) {
  const target = join(bin, 'kfm-render');
  const stamp = renderStamp();
  if (existsSync(target) && stamps['kfm-render'] === stamp) {
    console.log(`kfm-render (kustomize API of ${TOOLS.kustomize.version}): present (${target})`);
  } else if (go.status !== 0) {
    console.error('kfm-render: Go is needed to build tools/kfm-render (kfm-gitops falls back to the kustomize CLI)');
    failed = true;
  } else {
    console.log(`kfm-render: building tools/kfm-render with go build…`);
    const started = Date.now();
    try {
      execFileSync(
        'go',
        ['build', '-ldflags', `-X main.kustomizeVersion=${TOOLS.kustomize.version}`, '-o', target, '.'],
        { cwd: renderSrc, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' } },
      );
      stamps['kfm-render'] = stamp;
      writeFileSync(stampFile, `${JSON.stringify(stamps, null, 2)}\n`);
      console.log(`kfm-render: built in ${Math.round((Date.now() - started) / 1000)} s`);
    } catch {
      console.error('kfm-render: go build failed');
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
