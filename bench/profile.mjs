#!/usr/bin/env node
/**
 * CPU profile of one `kfm-gitops check` on the bench repo (issue 8, "profile and fix what the figures show"):
 *
 *   node bench/profile.mjs [--size medium] [--mode cold|warm] [--concurrency <n>] [--no-build]
 *
 * Runs the built CLI under `node --cpu-prof` (cache cleared for cold), then summarises the .cpuprofile:
 *   - where the node process's time went: idle (waiting for kustomize / I/O), GC, and self time by package
 *     (ajv, yaml, opa-wasm, re2js…) or by our own dist/ module;
 *   - by pipeline stage: each sample is charged to the innermost kfm-gitops module on its stack (checks/schema,
 *     checks/policy, checks/secrets, parse, render, pipeline…), so library time counts for the stage that called it;
 *   - the hottest functions by self time.
 * Also records the whole process tree's CPU (node + kustomize) with /usr/bin/time when present.
 * Writes bench/out/profile-<size>-<mode>.json and keeps the raw profile in bench/out/profile/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, PROBE, buildTool, ensureRepo, outDir, parseJson, projectRoot, rendererArgs } from './run.mjs';

/** Bucket for a call frame's own code: a package, one of our modules, a node built-in or a V8 pseudo-frame. */
export function frameBucket(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) {
    if (functionName === '(idle)') return '(idle: waiting for kustomize / I/O)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: V8/native)';
    return `(native) ${functionName || 'anonymous'}`;
  }
  if (url.startsWith('wasm://')) return 'wasm (opa policy)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `pkg ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `kfm ${url.slice(dist + '/dist/'.length).replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, url.startsWith('node:internal/') ? 2 : 1).join('/')}`;
  return `other ${url.replace(/^file:\/\//, '')}`;
}

/** Stage of a kfm-gitops module path (dist-relative, no extension). */
function stageOf(modulePath) {
  const m = /^(checks\/[^/]+|[^/]+)/.exec(modulePath);
  return m ? m[1] : modulePath;
}

/** Summarises a V8 .cpuprofile (nodes, samples, timeDeltas). Times in ms. */
export function summariseProfile(profile, { top = 25 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const buckets = new Map();
  const stages = new Map();
  const functions = new Map();
  const stageCache = new Map();
  // "<innermost kfm stage> ← <the next different kfm stage above it>": shared helpers (parse, util) by caller.
  const stageFor = (id) => {
    if (stageCache.has(id)) return stageCache.get(id);
    let cur = id;
    let stage = null;
    let caller = null;
    while (cur !== undefined) {
      const url = byId.get(cur).callFrame.url;
      const dist = url ? url.indexOf('/dist/') : -1;
      if (dist >= 0 && !url.includes('/node_modules/')) {
        const s = stageOf(url.slice(dist + '/dist/'.length).replace(/\.js$/, ''));
        if (stage === null) stage = s;
        else if (s !== stage) {
          caller = s;
          break;
        }
      }
      cur = parent.get(cur);
    }
    const value = stage === null ? null : { stage, caller };
    stageCache.set(id, value);
    return value;
  };
  const stageCallers = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const bucket = frameBucket(node.callFrame);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const pseudo = bucket.startsWith('(idle') || bucket.startsWith('(garbage') || bucket.startsWith('(program');
    const found = pseudo ? null : stageFor(id);
    const stage = pseudo ? bucket : (found?.stage ?? 'startup / module loading / node internals');
    stages.set(stage, (stages.get(stage) ?? 0) + us);
    if (found) {
      const key = found.caller ? `${found.stage} ← ${found.caller}` : found.stage;
      stageCallers.set(key, (stageCallers.get(key) ?? 0) + us);
    }
    const cf = node.callFrame;
    const fkey = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${cf.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}` : ''}`;
    functions.set(fkey, (functions.get(fkey) ?? 0) + us);
  }
  const table = (map, n = Infinity) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / totalUs) * 1000) / 10 }));
  const idleUs = [...buckets.entries()].filter(([b]) => b.startsWith('(idle')).reduce((a, [, v]) => a + v, 0);
  return {
    sampledMs: Math.round(totalUs / 1000),
    busyMs: Math.round((totalUs - idleUs) / 1000),
    byBucket: table(buckets),
    byStage: table(stages),
    byStageAndCaller: table(stageCallers, top),
    topFunctions: table(functions, top),
  };
}

function parseArgs(argv) {
  const o = { size: 'medium', mode: 'cold', concurrency: availableParallelism?.() ?? cpus().length, build: true, renderer: 'worker' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size') o.size = argv[++i];
    else if (a === '--mode') o.mode = argv[++i];
    else if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else if (a === '--no-build') o.build = false;
    else if (a === '--renderer') o.renderer = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['cold', 'warm'].includes(o.mode)) throw new Error('--mode is cold or warm');
  return o;
}

async function main() {
  if (process.argv[2] === '--summarise') {
    // Re-read a profile already written (e.g. after changing this summary), no new run.
    const summary = summariseProfile(JSON.parse(readFileSync(process.argv[3], 'utf8')));
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(outDir, { recursive: true });
  if (opts.build) buildTool();
  const { dir: repo, manifest } = ensureRepo(opts.size);
  const profDir = join(outDir, 'profile');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const checkArgs = ['check', repo, '--format', 'json', '--concurrency', String(opts.concurrency), ...rendererArgs(opts.renderer)];
  if (opts.mode === 'cold') rmSync(join(repo, '.kfm-gitops', 'cache'), { recursive: true, force: true });
  else spawnSync(process.execPath, [CLI, ...checkArgs], { stdio: 'ignore' }); // fill the cache first
  const timeFile = join(profDir, 'time.txt');
  const hasTime = existsSync('/usr/bin/time');
  const probeFile = join(profDir, 'self.json');
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--import', PROBE, CLI, ...checkArgs];
  // The modules, not the one-script bundle (src/cli/boot.ts): stages are told apart by each frame's module file.
  const env = { ...process.env, NO_COLOR: '1', KFM_BENCH_RSS_FILE: probeFile, KFM_GITOPS_NO_BUNDLE: '1' };
  const started = performance.now();
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, process.execPath, ...nodeArgs], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env })
    : spawnSync(process.execPath, nodeArgs, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env });
  const wallMs = Math.round(performance.now() - started);
  let treeCpuMs = null;
  if (hasTime) {
    const [, u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    treeCpuMs = Math.round((u + s) * 1000);
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written (exit ${r.status}): ${(r.stderr ?? '').slice(0, 2000)}`);
  const summary = summariseProfile(JSON.parse(readFileSync(join(profDir, file), 'utf8')));
  const report = parseJson(r.stdout);
  // Profile samples are wall-clock ticks (a descheduled thread still gets samples), so the process's real CPU comes
  // from getrusage (bench/rss-probe.mjs) and kustomize's is the tree's minus ours.
  const self = existsSync(probeFile) ? JSON.parse(readFileSync(probeFile, 'utf8')) : null;
  const nodeCpuMs = self ? self.userCpuMs + self.systemCpuMs : null;
  const result = {
    size: opts.size,
    mode: opts.mode,
    overlays: manifest.overlays,
    resources: manifest.resources,
    exitCode: r.status,
    findings: report?.findings?.length ?? null,
    wallMs,
    treeCpuMs,
    nodeCpuMs,
    peakRssMb: self ? Math.round(self.maxRssKb / 1024) : null,
    kustomizeCpuMs: treeCpuMs === null || nodeCpuMs === null ? null : treeCpuMs - nodeCpuMs,
    profile: relative(projectRoot, join(profDir, file)),
    ...summary,
  };
  const out = join(outDir, `profile-${opts.size}-${opts.mode}.json`);
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const row = (x) => `  ${String(x.ms).padStart(7)} ms ${String(x.pct).padStart(5)}%  ${x.name}`;
  console.log(`check ${opts.mode} on the ${opts.size} repo (${manifest.overlays} overlays, ${manifest.resources} resources): wall ${wallMs} ms, ` +
    `CPU of the tree ${treeCpuMs ?? '?'} ms = node ${nodeCpuMs ?? '?'} ms + kustomize and git ${result.kustomizeCpuMs ?? '?'} ms; peak RSS ${result.peakRssMb ?? '?'} MB; exit ${r.status}`);
  console.log(`profile: ${summary.sampledMs} ms sampled (wall-clock ticks), ${summary.busyMs} ms not idle`);
  console.log('by stage (innermost kfm-gitops module on the stack):');
  for (const x of summary.byStage) console.log(row(x));
  console.log('by stage and its caller:');
  for (const x of summary.byStageAndCaller) console.log(row(x));
  console.log('by code (self time):');
  for (const x of summary.byBucket.slice(0, 20)) console.log(row(x));
  console.log('hottest functions (self time):');
  for (const x of summary.topFunctions) console.log(row(x));
  console.log(`written: ${relative(projectRoot, out)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(`profile: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
