#!/usr/bin/env node
/**
 * `npm run bench` (issue 8): kfm-gitops against the render floor and the glue pipeline on a synthetic repo.
 *
 *   node bench/run.mjs [--size small|medium|large|xlarge] [--reps 3] [--concurrency <n>] [--budget <minutes>]
 *                      [--modes floor,floor-worker,glue,cold,warm,changed] [--renderer worker|cli] [--floor-origin]
 *                      [--no-micro] [--no-build] [--seed <text>] [--broken <fraction>]
 *
 * 1. builds the tool (tsc -p tsconfig.build.json) unless --no-build;
 * 2. generates the repo (bench/generate.mjs) into bench/out/repo-<size>, reused while size/seed/generator match;
 * 3. per repetition, alternating so that drift in machine load hits every mode alike:
 *      floor    bench/floor.sh: `kustomize build` of every overlay, nothing else
 *      floor-worker  bench/floor-worker.mjs: the kfm-render workers check uses, rendering every overlay, nothing else
 *      glue     bench/glue/glue.sh: kustomize | kubeconform -strict, conftest (the same rules), gitleaks
 *      cold     `kfm-gitops check` with its render cache cleared
 *      warm     the same again, nothing changed (render cache hot)
 *      changed  `check --changed-since HEAD` after editing one app base file (restored afterwards)
 *      broken   cold then warm `check` on a copy of the repo where --broken (default 0.05) of the overlays fail to
 *               render (bench/generate.mjs breakOverlays): a broken overlay must not cost the warm path
 *      startup  warm `check` of the project's own infra/gitops, 10 runs after one to fill the cache: the whole
 *               process, node start included (median wall and CPU); when the caller sets NODE_EXTRA_CA_CERTS, 10 more
 *               runs with it, interleaved, recorded beside the figure (benchEnv: every timed node process runs
 *               without it)
 *    all at the same parallelism (default: CPU count), every kustomize the same release (the CLI binary, and
 *    kfm-render built from the same kustomize API); check renders with kfm-render (--renderer cli: the kustomize CLI);
 *    a repetition is not started when the time budget (default 10 minutes for the whole run) would be exceeded, so
 *    a loaded machine gets fewer repetitions (said in the notes) rather than an endless run;
 *    --floor-origin adds, once, the floor with kfm-gitops's source-mapping build metadata (what it costs kustomize);
 * 4. runs the other engineers' micro-benchmarks (bench/{schema,policy,secrets}.bench.mjs) when present;
 * 5. prints medians and the issue's ratios against its targets, writes bench/out/result.json (+ result-<size>.json).
 *
 * Peak RSS is the kfm-gitops process's own (bench/rss-probe.mjs, getrusage at exit), kustomize children excluded.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_BIN, BENCH_TOOLS, benchToolsReady } from '../scripts/bench-tools.mjs';
import { DEFAULT_SEED, GENERATOR_VERSION, generateRepo, SIZES } from './generate.mjs';
import { pairWithLarge } from './pair.mjs';
import { watchWorkers } from './workers-rss.mjs';
import { RULES_JSON, writeConftestPolicies } from './glue/conftest-policies.mjs';
import { writeKubeconformSchemas } from './glue/kubeconform-schemas.mjs';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(projectRoot, 'bench');
export const outDir = join(benchDir, 'out');
export const KUSTOMIZE = join(projectRoot, '.tools', 'bin', 'kustomize');
export const KFM_RENDER = join(projectRoot, '.tools', 'bin', 'kfm-render');
export const CLI = join(projectRoot, 'bin', 'kfm-gitops.js');
export const PROBE = join(benchDir, 'rss-probe.mjs');
const ALL_MODES = ['floor', 'floor-worker', 'glue', 'cold', 'warm', 'changed', 'broken', 'startup'];
/** Samples kept beside the modes: the broken repo's cold and warm runs. */
const SAMPLE_KEYS = [...ALL_MODES, 'broken-cold', 'broken-warm'];
const STARTUP_RUNS = 10;

export const TARGETS = {
  checkColdOverFloor: { max: 1.25 },
  glueOverCheckCold: { min: 2.0 },
  warmOverCold: { max: 0.1 },
  changedOverCold: { max: 0.15 },
  peakRssMbLarge: { max: 400 },
  // Issue 20.
  checkColdOverWorkerFloorMedium: { max: 1.3 },
  checkColdOverWorkerFloorLarge: { max: 1.2 },
  nodeCpuMsPer1kResources: { max: 200 },
  peakRssMbLarge30k: { max: 220 },
  brokenWarmOverCold: { max: 0.1 },
  startupWarmWallS: { max: 0.2 },
  // Issue 20: memory stays flat as the repo grows (≈ 150k resources)
  peakRssMbXlarge: { max: 250 },
  // Issue 20: time linear in size (xlarge has 5× large's resources), against the recorded large run
  xlargeOverLarge: { max: 5.3 },
};

// ------------------------------------------------------------------------------------------------ helpers

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** `go version`, or null: the render workers and kustomize are built with it, so it is part of the machine. */
function goVersion() {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The commit the bench ran on (and whether the tree had uncommitted changes). */
function gitHead() {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: projectRoot, encoding: 'utf8' }).trim() !== '';
    return { head, dirty };
  } catch {
    return null;
  }
}

const ratio = (a, b) => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
const seconds = (ms) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

function parseArgs(argv) {
  const o = {
    size: 'medium',
    reps: 3,
    concurrency: availableParallelism?.() ?? cpus().length,
    modes: ALL_MODES,
    micro: true,
    build: true,
    seed: DEFAULT_SEED,
    budgetMinutes: 10,
    floorOrigin: false,
    renderer: 'worker',
    broken: 0.05,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--size') o.size = value();
    else if (a === '--reps') o.reps = Number(value());
    else if (a === '--concurrency') o.concurrency = Number(value());
    else if (a === '--modes') o.modes = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--seed') o.seed = value();
    else if (a === '--no-micro') o.micro = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--budget') o.budgetMinutes = Number(value());
    else if (a === '--floor-origin') o.floorOrigin = true;
    else if (a === '--renderer') o.renderer = value();
    else if (a === '--broken') o.broken = Number(value());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['worker', 'cli'].includes(o.renderer)) throw new Error('--renderer is worker or cli');
  if (!(o.broken > 0 && o.broken < 1)) throw new Error('--broken is a fraction in (0, 1)');
  if (!SIZES[o.size]) throw new Error(`--size is one of ${Object.keys(SIZES).join(', ')}`);
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps must be a positive integer');
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error('--concurrency must be a positive integer');
  if (!(o.budgetMinutes > 0)) throw new Error('--budget must be a positive number of minutes');
  for (const m of o.modes) if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m} (${ALL_MODES.join(', ')})`);
  return o;
}

const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);
let timeFileCounter = 0;

/**
 * Runs a command to completion; wall time from spawn to exit, stdout kept (stderr kept for diagnostics). With
 * /usr/bin/time present, also the CPU time of the whole process tree (user + system of the command and every child
 * it waited for: kustomize, kubeconform, conftest…), which is steadier than wall time on a shared machine.
 */
function timed(file, args, options = {}) {
  return new Promise((resolvePromise) => {
    const timeFile = hasTime ? join(outDir, `time-${process.pid}-${timeFileCounter++}.txt`) : null;
    const [cmd, cmdArgs] = timeFile ? [TIME, ['-f', '%e %U %S', '-o', timeFile, file, ...args]] : [file, args];
    const started = performance.now();
    const child = spawn(cmd, cmdArgs, { cwd: options.cwd ?? projectRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const workers = options.watchWorkers && child.pid !== undefined ? watchWorkers(child.pid) : null;
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => err.push(Buffer.from(String(e))));
    child.on('close', (code, signal) => {
      const workerMaxRssKb = workers ? workers.stop() : null;
      let cpuMs = null;
      if (timeFile) {
        try {
          // The last line is ours (a failing command makes time print "Command exited with non-zero status" first).
          const [, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = Math.round((user + sys) * 1000);
        } catch {
          cpuMs = null;
        }
        rmSync(timeFile, { force: true });
      }
      resolvePromise({
        ms: Math.round(performance.now() - started),
        cpuMs,
        workerMaxRssKb,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The JSON value of a text, or null when it is not JSON (a crashed tool prints something else). */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function lastJsonLine(text) {
  const lines = text.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l);
    } catch {
      // keep looking
    }
  }
  return null;
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

// ------------------------------------------------------------------------------------------------ setup

export function buildTool() {
  log('build: tsc -p tsconfig.build.json');
  const r = spawnSync(process.execPath, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, encoding: 'utf8' });
  if (r.status !== 0) {
    // Others may have half-done files; tsc still emits. Go on when the CLI entry exists, say so otherwise.
    log(`build: tsc reported errors (exit ${r.status}); continuing with the emitted dist/\n${(r.stdout ?? '').split('\n').slice(0, 10).join('\n')}`);
  }
  if (!existsSync(join(projectRoot, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: the build failed');
}

export function ensureRepo(size, seed = DEFAULT_SEED, broken = 0) {
  const name = broken > 0 ? `${size}-broken${Math.round(broken * 100)}` : size;
  const dir = join(outDir, `repo-${name}`);
  const manifestFile = join(outDir, `repo-${name}.json`);
  if (existsSync(manifestFile) && existsSync(join(dir, '.git'))) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (m.generator === GENERATOR_VERSION && m.seed === seed && m.size === size && (m.broken?.fraction ?? 0) === broken) {
      // A crashed earlier run may have left the touched file modified: put the committed version back.
      spawnSync('git', ['checkout', '-q', '--', '.'], { cwd: dir });
      log(`repo: reusing ${relative(projectRoot, dir)} (${m.overlays} overlays, ${m.resources} resources)`);
      return { dir, manifest: m };
    }
  }
  log(`repo: generating ${size} into ${relative(projectRoot, dir)}…`);
  const started = performance.now();
  const { manifest, overlays } = generateRepo({ out: dir, size, seed, broken, force: true });
  manifest.overlayList = overlays;
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`repo: ${manifest.overlays} overlays, ${manifest.resources} resources, ${manifest.files} files in ${seconds(performance.now() - started)}`);
  return { dir, manifest };
}

function prepareGlue(release) {
  if (!benchToolsReady()) return { ready: false, reason: `glue tools missing: run \`npm run bench:tools\` (go install into ${relative(projectRoot, BENCH_BIN)})` };
  const glueDir = join(outDir, 'glue');
  const schemaDir = join(glueDir, `kubeconform-${release}`);
  rmSync(schemaDir, { recursive: true, force: true });
  const schemas = writeKubeconformSchemas({ release, outDir: schemaDir });
  const policyDir = join(glueDir, 'policy');
  writeConftestPolicies(policyDir);
  const gitleaksConfig = join(benchDir, 'glue', 'gitleaks.toml');
  return {
    ready: true,
    workDir: join(glueDir, 'work'),
    env: {
      ...process.env,
      KUSTOMIZE,
      KUBECONFORM: join(BENCH_BIN, 'kubeconform'),
      CONFTEST: join(BENCH_BIN, 'conftest'),
      GITLEAKS: join(BENCH_BIN, 'gitleaks'),
      K8S_VERSION: schemas.kubernetesVersion,
      SCHEMA_CORE: schemas.schemaLocations[0],
      SCHEMA_CRDS: schemas.schemaLocations[1],
      POLICY_DIR: policyDir,
      RULES_JSON,
      ...(existsSync(gitleaksConfig) ? { GITLEAKS_CONFIG: gitleaksConfig } : {}),
    },
    versions: Object.fromEntries(Object.entries(BENCH_TOOLS).map(([k, t]) => [k, t.version])),
  };
}

function probeCli() {
  const r = spawnSync(process.execPath, [CLI, 'check', '--help'], { encoding: 'utf8' });
  const help = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { changedSince: help.includes('--changed-since'), noCache: help.includes('--no-cache') };
}

function kustomizeVersion() {
  try {
    return execFileSync(KUSTOMIZE, ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------ modes

async function runFloor(repo, listFile, concurrency, extraEnv = {}) {
  const r = await timed('bash', [join(benchDir, 'floor.sh'), repo, listFile, String(concurrency)], { env: { ...process.env, KUSTOMIZE, ...extraEnv } });
  if (r.code !== 0) throw new Error(`floor.sh failed (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
  return { ms: r.ms, cpuMs: r.cpuMs };
}

async function runGlue(repo, listFile, concurrency, glue) {
  mkdirSync(glue.workDir, { recursive: true });
  const r = await timed('bash', [join(benchDir, 'glue', 'glue.sh'), repo, listFile, glue.workDir, String(concurrency)], { env: glue.env });
  const summary = lastJsonLine(r.stdout);
  if (!summary) throw new Error(`glue.sh printed no summary (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
  return { ms: r.ms, cpuMs: r.cpuMs, summary };
}

function clearCache(repo) {
  rmSync(join(repo, '.kfm-gitops', 'cache'), { recursive: true, force: true });
}

async function runFloorWorker(repo, listFile, concurrency) {
  const r = await timed(process.execPath, [join(benchDir, 'floor-worker.mjs'), repo, listFile, String(concurrency)], { env: { ...benchEnv(), KFM_RENDER } });
  if (r.code !== 0) throw new Error(`floor-worker.mjs failed (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
  return { ms: r.ms, cpuMs: r.cpuMs };
}

/** How `check` is told which renderer to use: the kfm-render workers (the default resolution) or the kustomize CLI. */
export function rendererArgs(renderer) {
  return renderer === 'cli' ? ['--kustomize', KUSTOMIZE] : [];
}

/**
 * The environment of every node process the bench times, less the machine's NODE_EXTRA_CA_CERTS. Node reads that
 * file into its TLS root store when the process starts, whether or not it ever opens a TLS connection (none of these
 * does): on the bench machine that was ~90 ms of every start (an empty script: 137 → 48 ms median, 30 runs each), a
 * cost of this machine's set-up, not of kfm-gitops. The startup mode records the run with the variable too
 * (startupInheritedEnv), so the difference stays visible.
 */
export function benchEnv(env = process.env) {
  const { NODE_EXTRA_CA_CERTS: _machineOnly, ...rest } = env;
  return rest;
}

function checkEnv(renderer) {
  // The project's toolchain folder, whatever the caller's environment says; no KFM_KUSTOMIZE override.
  const { KFM_KUSTOMIZE: _ignored, ...env } = benchEnv();
  return { ...env, KFM_TOOLS_DIR: join(projectRoot, '.tools', 'bin'), ...(renderer === 'cli' ? { KFM_RENDER_WORKER: '0' } : {}) };
}

async function runCheck(repo, concurrency, renderer, extraArgs = []) {
  const rssFile = join(outDir, `rss-${process.pid}.json`);
  rmSync(rssFile, { force: true });
  const args = ['--import', PROBE, CLI, 'check', repo, '--format', 'json', '--concurrency', String(concurrency), ...rendererArgs(renderer), ...extraArgs];
  const r = await timed(process.execPath, args, { env: { ...checkEnv(renderer), NO_COLOR: '1', KFM_BENCH_RSS_FILE: rssFile }, watchWorkers: true });
  const report = parseJson(r.stdout);
  const self = existsSync(rssFile) ? parseJson(readFileSync(rssFile, 'utf8')) : null;
  const maxRssKb = self?.maxRssKb ?? null;
  rmSync(rssFile, { force: true });
  const findings = report?.findings ?? [];
  return {
    ms: r.ms,
    // CPU of the whole tree (node + kustomize children) and of the node process alone: the difference is kustomize.
    cpuMs: r.cpuMs,
    nodeCpuMs: self ? self.userCpuMs + self.systemCpuMs : null,
    exitCode: r.code,
    peakRssMb: maxRssKb === null ? null : Math.round(maxRssKb / 1024),
    // Largest kfm-render worker (sampled twice a second from /proc by this process; absent with --renderer cli).
    workerPeakRssMb: r.workerMaxRssKb ? Math.round(r.workerMaxRssKb / 1024) : null,
    overlays: report?.summary?.overlays ?? null,
    resources: report?.summary?.resources ?? null,
    rendered: report?.summary?.rendered ?? null,
    cachedRenders: report?.summary?.cachedRenders ?? null,
    findings: findings.length,
    findingRules: [...new Set(findings.map((f) => f.ruleId))].sort(),
    toolDurationMs: report?.summary?.durationMs ?? null,
    renderer: report?.tool?.kustomizeCommand ?? null,
    ...(report ? {} : { error: `no JSON report (exit ${r.code}): ${r.stderr.slice(0, 1000)}` }),
  };
}

/** Edits the manifest's touch file (one app base file) in a way that changes the rendered output. */
function touch(repo, manifest, rep) {
  const file = join(repo, manifest.touchFile);
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, `${original.replace(/\n$/, '')}\n  BENCH_TOUCH: "rep-${rep}"\n`);
  return () => writeFileSync(file, original);
}

// ------------------------------------------------------------------------------------------------ startup

/**
 * Warm `check` of the project's own infra/gitops as a user runs it: a whole process (node start, imports, the
 * whole-run cache) — one run to fill the cache, then STARTUP_RUNS measured ones (wall and CPU of each).
 */
async function runStartup(renderer) {
  const root = join(projectRoot, 'infra', 'gitops');
  // Plain `node bin/kfm-gitops.js check`, no RSS probe preloaded: the figure is what a user waits for.
  const args = [CLI, 'check', root, '--format', 'json', ...rendererArgs(renderer)];
  const env = { ...checkEnv(renderer), NO_COLOR: '1' };
  // The same run with the caller's NODE_EXTRA_CA_CERTS, when it sets one (benchEnv says why it is left out).
  const inheritedEnv = process.env.NODE_EXTRA_CA_CERTS === undefined ? null : { ...env, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
  await timed(process.execPath, args, { env });
  const runs = [];
  const inherited = [];
  const sample = async (sampleEnv) => {
    const r = await timed(process.execPath, args, { env: sampleEnv });
    const report = parseJson(r.stdout);
    return { ms: r.ms, cpuMs: r.cpuMs, exitCode: r.code, cachedResults: report?.summary?.cachedResults === true };
  };
  // Interleaved, so both sets see the same machine load.
  for (let i = 0; i < STARTUP_RUNS; i++) {
    runs.push(await sample(env));
    if (inheritedEnv) inherited.push(await sample(inheritedEnv));
  }
  return { runs, inherited };
}

// ------------------------------------------------------------------------------------------------ micro

/** First numeric value whose key path matches `pattern` (depth-first), e.g. `warm.perSecond`. */
export function findFigure(value, pattern, path = []) {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, k];
      if (typeof v === 'number' && pattern.test(p.join('.'))) return { key: p.join('.'), value: v };
      const deeper = findFigure(v, pattern, p);
      if (deeper) return deeper;
    }
  }
  return null;
}

// The other engineers' micro-benchmarks: file, arguments for one JSON line on stdout, and the figure the issue asks
// for (first match wins, so the preferred key comes first in each list).
const MICRO = [
  { name: 'schema', file: 'schema.bench.mjs', args: ['--json'], figures: [/^warm\.perSecond$/, /perSecond|resourcesPerS/i], unit: 'resources/s' },
  { name: 'policy', file: 'policy.bench.mjs', args: [], figures: [/wholeEnvMsPer1000/, /msPer1000/i], unit: 'ms per 1,000 resources' },
  // Older versions printed only text: then the figure is read from "… → <n> MB/s".
  {
    name: 'secrets',
    file: 'secrets.bench.mjs',
    args: ['--mb', '10'],
    figures: [/^tree\.mbPerSecond$/, /mb.?per.?s(ec(ond)?)?$/i],
    cpuFigure: /mbPerCpuSecond/i,
    text: /→\s*([\d.,]+)\s*MB\/s/,
    unit: 'MB/s',
    // Issue 16: MB/s on a 5 MB adversarial file (the slowest crafted case), beside the tree's throughput.
    extra: [{ label: 'secrets, 5 MB adversarial file', figure: /^adversarial\.mbPerCpuSecond$/, unit: 'MB/s per CPU-second', detail: (r) => r?.adversarial && `slowest: ${r.adversarial.shape}; ${r.adversarial.wallSeconds} s wall, ${r.adversarial.cpuSeconds} s CPU` }],
  },
];

async function runMicro() {
  const out = {};
  for (const m of MICRO) {
    const file = join(benchDir, m.file);
    if (!existsSync(file)) {
      out[m.name] = { present: false };
      continue;
    }
    log(`micro: ${m.file}`);
    const r = await timed(process.execPath, [file, ...m.args], { cwd: projectRoot });
    const result = lastJsonLine(r.stdout);
    let headline = null;
    for (const pattern of m.figures) {
      headline ??= findFigure(result, pattern);
    }
    const perCpu = m.cpuFigure ? findFigure(result, m.cpuFigure) : null;
    const textMatch = !headline && m.text ? m.text.exec(r.stdout) : null;
    if (textMatch) headline = { key: 'stdout', value: Number(textMatch[1].replace(/,/g, '')) };
    const extra = (m.extra ?? []).map((x) => {
      const found = findFigure(result, x.figure);
      return { label: x.label, value: found?.value ?? null, unit: x.unit, detail: (x.detail && x.detail(result)) || null };
    });
    out[m.name] = {
      present: true,
      exitCode: r.code,
      ms: r.ms,
      headline: headline ? { ...headline, unit: m.unit } : null,
      ...(extra.length > 0 ? { extra } : {}),
      ...(perCpu ? { perCpuSecond: { ...perCpu, unit: `${m.unit.replace(/\/s$/, '')} per CPU-second` } } : {}),
      result,
      ...(result || headline ? {} : { error: r.stderr.slice(0, 1000) }),
      ...(result ? {} : { stdout: r.stdout.slice(0, 2000) }),
    };
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(outDir, { recursive: true });
  const startedAt = new Date().toISOString();
  const load0 = loadavg();
  if (opts.build) buildTool();
  if (!existsSync(KUSTOMIZE)) throw new Error(`${relative(projectRoot, KUSTOMIZE)} is missing: run \`npm run tools\``);
  const workerBuilt = existsSync(KFM_RENDER);
  if (!workerBuilt) {
    if (opts.renderer === 'worker') opts.renderer = 'cli';
    opts.modes = opts.modes.filter((m) => m !== 'floor-worker');
  }
  const { dir: repo, manifest } = ensureRepo(opts.size, opts.seed);
  const listFile = join(outDir, `overlays-${opts.size}.txt`);
  writeFileSync(listFile, `${manifest.overlayList.join('\n')}\n`);
  const cli = probeCli();
  const glue = opts.modes.includes('glue') ? prepareGlue('1.37') : { ready: false, reason: 'not requested' };
  if (opts.modes.includes('glue') && !glue.ready) log(`glue: skipped — ${glue.reason}`);

  const samples = Object.fromEntries(SAMPLE_KEYS.map((m) => [m, []]));
  const brokenRepo = opts.modes.includes('broken') ? ensureRepo(opts.size, opts.seed, opts.broken) : null;
  const notes = [];
  let floorOrigin = null;
  const runStarted = performance.now();
  const budgetMs = opts.budgetMinutes * 60_000;
  // What the micro-benchmarks will need after the repetitions (measured on an idle 2-core machine, with margin).
  const reserveMs = opts.micro ? 60_000 : 0;
  let repsDone = 0;
  /** Startup runs with the caller's NODE_EXTRA_CA_CERTS (runStartup), beside the measured ones. */
  let startupInherited = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    if (rep > 1) {
      // performance.now() counts from process start: build and generation are part of the budget too.
      const perRep = (performance.now() - runStarted - (floorOrigin?.ms ?? 0)) / repsDone;
      if (performance.now() + perRep + reserveMs > budgetMs) {
        notes.push(`time budget of ${opts.budgetMinutes} min: stopped after ${repsDone} of ${opts.reps} repetitions (one takes ${seconds(perRep)} here; raise --budget for more)`);
        break;
      }
    }
    clearCache(repo);
    if (opts.modes.includes('floor')) {
      const r = await runFloor(repo, listFile, opts.concurrency);
      samples.floor.push(r);
      log(`rep ${rep}: floor ${seconds(r.ms)}`);
      if (rep === 1 && opts.floorOrigin) {
        // Once: the floor with kfm-gitops's source-mapping build metadata (what our renders ask kustomize for).
        const work = join(outDir, 'floor-origin');
        rmSync(work, { recursive: true, force: true });
        floorOrigin = await runFloor(repo, listFile, opts.concurrency, { ORIGIN: '1', WORK: work });
        log(`rep ${rep}: floor with origin annotations ${seconds(floorOrigin.ms)}`);
      }
    }
    if (opts.modes.includes('floor-worker')) {
      const r = await runFloorWorker(repo, listFile, opts.concurrency);
      samples['floor-worker'].push(r);
      log(`rep ${rep}: floor (kfm-render workers) ${seconds(r.ms)}`);
    }
    if (opts.modes.includes('glue') && glue.ready) {
      const r = await runGlue(repo, listFile, opts.concurrency, glue);
      samples.glue.push(r);
      log(`rep ${rep}: glue ${seconds(r.ms)} ${JSON.stringify(r.summary)}`);
    }
    if (opts.modes.includes('cold')) {
      clearCache(repo);
      const r = await runCheck(repo, opts.concurrency, opts.renderer);
      samples.cold.push(r);
      log(`rep ${rep}: check cold ${seconds(r.ms)} (exit ${r.exitCode}, ${r.findings} findings, peak RSS ${r.peakRssMb} MB)`);
    }
    if (opts.modes.includes('warm')) {
      const r = await runCheck(repo, opts.concurrency, opts.renderer);
      samples.warm.push(r);
      log(`rep ${rep}: check warm ${seconds(r.ms)} (exit ${r.exitCode}, cached renders ${r.cachedRenders})`);
    }
    if (opts.modes.includes('changed')) {
      if (!cli.changedSince) {
        if (rep === 1) notes.push('check has no --changed-since yet: changed-only not measured');
      } else {
        const restore = touch(repo, manifest, rep);
        try {
          const r = await runCheck(repo, opts.concurrency, opts.renderer, ['--changed-since', 'HEAD']);
          samples.changed.push(r);
          log(`rep ${rep}: check --changed-since HEAD ${seconds(r.ms)} (exit ${r.exitCode}, ${r.overlays} overlays)`);
        } finally {
          restore();
        }
      }
    }
    if (brokenRepo) {
      clearCache(brokenRepo.dir);
      const cold = await runCheck(brokenRepo.dir, opts.concurrency, opts.renderer);
      samples['broken-cold'].push(cold);
      const warm = await runCheck(brokenRepo.dir, opts.concurrency, opts.renderer);
      samples['broken-warm'].push(warm);
      log(`rep ${rep}: broken repo (${brokenRepo.manifest.broken.overlays.length} overlays fail): cold ${seconds(cold.ms)}, warm ${seconds(warm.ms)} (exit ${warm.exitCode}, ${warm.findings} findings)`);
    }
    repsDone = rep;
  }
  if (opts.modes.includes('startup')) {
    const { runs, inherited } = await runStartup(opts.renderer);
    samples.startup = runs;
    startupInherited = inherited;
    log(`startup: warm check of infra/gitops, median ${seconds(median(runs.map((s) => s.ms)))} wall, ${seconds(median(runs.map((s) => s.cpuMs)))} CPU`);
    if (inherited.length > 0)
      log(`startup with the caller's NODE_EXTRA_CA_CERTS: median ${seconds(median(inherited.map((s) => s.ms)))} wall, ${seconds(median(inherited.map((s) => s.cpuMs)))} CPU`);
  }
  if (!cli.noCache && opts.modes.includes('warm')) notes.push('check has no --no-cache flag yet: cold runs clear <root>/.kfm-gitops/cache instead');

  const micro = opts.micro ? await runMicro() : {};

  const med = Object.fromEntries(SAMPLE_KEYS.map((m) => [m, median(samples[m].map((s) => s.ms))]));
  const medCpu = Object.fromEntries(SAMPLE_KEYS.map((m) => [m, median(samples[m].map((s) => s.cpuMs))]));
  const medNodeCpu = Object.fromEntries(['cold', 'warm', 'changed', 'broken-cold', 'broken-warm', 'startup'].map((m) => [m, median(samples[m].map((s) => s.nodeCpuMs))]));
  // Node CPU per 1,000 resources of a cold check (the kustomize children excluded).
  const nodeCpuMsPer1kResources = medNodeCpu.cold !== null && manifest.resources > 0 ? Math.round((medNodeCpu.cold / manifest.resources) * 1000) : null;
  const checkRuns = [...samples.cold, ...samples.warm, ...samples.changed];
  const peakRssMb = checkRuns.length > 0 ? Math.max(...checkRuns.map((s) => s.peakRssMb ?? 0)) : null;
  const workerPeaks = checkRuns.map((s) => s.workerPeakRssMb ?? 0);
  const workerPeakRssMb = workerPeaks.some((x) => x > 0) ? Math.max(...workerPeaks) : null;
  // Per repetition, then the median: the machine's speed drifts between repetitions (measured: the same cold check
  // took 9.7 s and 14.3 s minutes apart), and each repetition runs every mode back to back.
  const paired = (num, den) => {
    const values = [];
    for (let i = 0; i < Math.min(samples[num].length, samples[den].length); i++) values.push(ratio(samples[num][i].ms, samples[den][i].ms));
    return values.length > 0 ? median(values) : null;
  };
  const pairedRatios = {
    checkColdOverFloor: paired('cold', 'floor'),
    glueOverCheckCold: paired('glue', 'cold'),
    warmOverCold: paired('warm', 'cold'),
    changedOverCold: paired('changed', 'cold'),
    brokenWarmOverCold: paired('broken-warm', 'broken-cold'),
  };
  const ratios = {
    checkColdOverFloor: ratio(med.cold, med.floor),
    glueOverCheckCold: ratio(med.glue, med.cold),
    warmOverCold: ratio(med.warm, med.cold),
    changedOverCold: ratio(med.changed, med.cold),
    brokenWarmOverCold: ratio(med['broken-warm'], med['broken-cold']),
    checkColdOverFloorWithOrigin: ratio(med.cold, floorOrigin?.ms ?? null),
    // Not an issue target: the check against its own renderer's floor (the rest is discovery, parsing and checks).
    checkColdOverWorkerFloor: ratio(med.cold, med['floor-worker']),
    // The same ratios in CPU time (whole process trees): less sensitive to other load on the machine.
    cpu: {
      checkColdOverFloor: ratio(medCpu.cold, medCpu.floor),
      checkColdOverWorkerFloor: ratio(medCpu.cold, medCpu['floor-worker']),
      glueOverCheckCold: ratio(medCpu.glue, medCpu.cold),
      warmOverCold: ratio(medCpu.warm, medCpu.cold),
      changedOverCold: ratio(medCpu.changed, medCpu.cold),
      brokenWarmOverCold: ratio(medCpu['broken-warm'], medCpu['broken-cold']),
    },
  };
  const verdict = (name, value) => {
    const t = TARGETS[name];
    if (value === null || !t) return null;
    return t.max !== undefined ? value <= t.max : value >= t.min;
  };
  const targets = {
    checkColdOverFloor: { ...TARGETS.checkColdOverFloor, value: ratios.checkColdOverFloor, met: verdict('checkColdOverFloor', ratios.checkColdOverFloor) },
    glueOverCheckCold: { ...TARGETS.glueOverCheckCold, value: ratios.glueOverCheckCold, met: verdict('glueOverCheckCold', ratios.glueOverCheckCold) },
    warmOverCold: { ...TARGETS.warmOverCold, value: ratios.warmOverCold, met: verdict('warmOverCold', ratios.warmOverCold) },
    changedOverCold: { ...TARGETS.changedOverCold, value: ratios.changedOverCold, met: verdict('changedOverCold', ratios.changedOverCold) },
    ...(opts.size === 'large' ? { peakRssMbLarge: { ...TARGETS.peakRssMbLarge, value: peakRssMb, met: verdict('peakRssMbLarge', peakRssMb) } } : {}),
    ...(opts.size === 'xlarge' ? { peakRssMbXlarge: { ...TARGETS.peakRssMbXlarge, value: peakRssMb, met: verdict('peakRssMbXlarge', peakRssMb) } } : {}),
  };
  // Issue 20's table (CPU beside wall where both exist: the machine is shared).
  const target = (name, value, extra = {}) => ({ ...TARGETS[name], value, met: verdict(name, value), ...extra });
  const startupWallS = med.startup === null ? null : Math.round(med.startup) / 1000;
  if (opts.size === 'medium' || opts.size === 'large') {
    const name = opts.size === 'medium' ? 'checkColdOverWorkerFloorMedium' : 'checkColdOverWorkerFloorLarge';
    targets[name] = target(name, ratios.checkColdOverWorkerFloor, { cpu: ratios.cpu.checkColdOverWorkerFloor });
  }
  targets.nodeCpuMsPer1kResources = target('nodeCpuMsPer1kResources', nodeCpuMsPer1kResources);
  if (opts.size === 'large') targets.peakRssMbLarge30k = target('peakRssMbLarge30k', peakRssMb);
  targets.brokenWarmOverCold = target('brokenWarmOverCold', ratios.brokenWarmOverCold, { cpu: ratios.cpu.brokenWarmOverCold });
  const inheritedMs = startupInherited.length > 0 ? median(startupInherited.map((s) => s.ms)) : null;
  const inheritedCpuMs = startupInherited.length > 0 ? median(startupInherited.map((s) => s.cpuMs)) : null;
  targets.startupWarmWallS = target('startupWarmWallS', startupWallS, {
    cpuS: medCpu.startup === null ? null : Math.round(medCpu.startup) / 1000,
    // Node's own start with the machine's TLS roots file (benchEnv): not the target's figure, recorded beside it.
    withNodeExtraCaCerts: inheritedMs === null ? null : { wallS: Math.round(inheritedMs) / 1000, cpuS: Math.round(inheritedCpuMs) / 1000 },
  });
  if (opts.size === 'xlarge') {
    const paired = pairWithLarge(med.cold, join(projectRoot, 'bench', 'results'));
    if (paired) {
      const { value, ...against } = paired;
      targets.xlargeOverLarge = target('xlargeOverLarge', value, { against });
      if (against.hoursBefore === null || against.hoursBefore > 6)
        notes.push(`xlargeOverLarge pairs with a large run ${against.hoursBefore ?? '?'} h older: run both sizes in the same hour`);
    } else notes.push('xlargeOverLarge: no large run recorded in bench/results/large.json (run --size large first)');
  }

  // Fairness checks: every contender must have looked at the same overlays and found the repo clean.
  for (const s of samples.cold) {
    if (s.overlays !== null && s.overlays !== manifest.overlays) notes.push(`check discovered ${s.overlays} overlays, the repo has ${manifest.overlays}`);
    if (s.exitCode !== 0 || s.findings > 0) notes.push(`check cold exit ${s.exitCode} with ${s.findings} findings (${s.findingRules.join(', ')}): the generated repo should be clean`);
  }
  // The broken repo: one render finding per broken overlay, nothing else, the same cold and warm.
  if (brokenRepo) {
    const want = brokenRepo.manifest.broken.overlays.length;
    for (const [i, s] of samples['broken-cold'].entries()) {
      const warm = samples['broken-warm'][i];
      if (s.exitCode !== 1 || s.findings !== want || s.findingRules.join() !== 'KFM-RENDER-001')
        notes.push(`broken repo: check cold exit ${s.exitCode} with ${s.findings} findings (${s.findingRules.join(', ')}); expected exit 1 with ${want} KFM-RENDER-001`);
      if (warm && (warm.exitCode !== s.exitCode || warm.findings !== s.findings)) notes.push(`broken repo: warm run (exit ${warm.exitCode}, ${warm.findings} findings) differs from cold`);
    }
  }
  for (const s of [...samples.startup, ...startupInherited]) {
    if (s.exitCode !== 0) notes.push(`startup: check of infra/gitops exited ${s.exitCode}`);
    else if (!s.cachedResults) notes.push('startup: a warm check of infra/gitops did not reuse the whole-run cache');
  }
  for (const s of samples.glue) {
    const g = s.summary;
    if (g.renderFailures || g.kubeconform.invalid || g.kubeconform.errors || g.kubeconform.skipped || g.conftest.failures || g.conftest.runsWithoutResult)
      notes.push(`glue was not clean: ${JSON.stringify(g)}`);
    if (g.gitleaks.findings > 0) notes.push(`gitleaks reported ${g.gitleaks.findings} findings (see ${relative(projectRoot, glue.workDir)}/gitleaks.json)`);
  }

  const result = {
    issue: 8,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, parallelism: opts.concurrency, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version, go: goVersion(), loadavgStart: load0, loadavgEnd: loadavg(), nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS !== undefined, timedWithout: ['NODE_EXTRA_CA_CERTS'] },
    options: { size: opts.size, reps: opts.reps, repsDone, budgetMinutes: opts.budgetMinutes, modes: opts.modes, seed: opts.seed, renderer: opts.renderer },
    repo: { path: relative(projectRoot, repo), overlays: manifest.overlays, resources: manifest.resources, files: manifest.files, bytes: manifest.bytes, touchFile: manifest.touchFile },
    brokenRepo: brokenRepo ? { path: relative(projectRoot, brokenRepo.dir), fraction: opts.broken, brokenOverlays: brokenRepo.manifest.broken.overlays.length } : null,
    tools: { kustomize: kustomizeVersion(), glue: glue.ready ? glue.versions : null, cli },
    mediansMs: med,
    mediansCpuMs: medCpu,
    // CPU of the kfm-gitops node process alone (the rest of the check's tree CPU is kustomize).
    mediansNodeCpuMs: medNodeCpu,
    nodeCpuMsPer1kResources,
    floorWithOriginMs: floorOrigin?.ms ?? null,
    floorWithOriginCpuMs: floorOrigin?.cpuMs ?? null,
    ratios,
    pairedRatios,
    targets,
    peakRssMb,
    workerPeakRssMb,
    micro,
    samples,
    notes: [...new Set(notes)],
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(outDir, 'result.json'), text);
  writeFileSync(join(outDir, `result-${opts.size}.json`), text);
  // The committed record: every figure README or docs quote points at one of these files (commit it with them).
  // Without the per-sample detail, which is in bench/out/, to keep the diff readable.
  const resultsDir = join(projectRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const { samples: _samples, ...record } = result;
  writeFileSync(join(resultsDir, `${opts.size}.json`), `${JSON.stringify({ ...record, git: gitHead() }, null, 2)}\n`);
  printSummary(result);
}

function printSummary(r) {
  const line = (label, value) => console.log(`  ${label.padEnd(34)} ${value}`);
  console.log(`\nkfm-gitops bench — check renders with ${r.options.renderer === 'cli' ? 'the kustomize CLI' : 'kfm-render workers'}; ${r.options.size} repo: ${r.repo.overlays} overlays, ${r.repo.resources} resources; ${r.options.repsDone} of ${r.options.reps} reps; parallelism ${r.machine.parallelism}; load average ${r.machine.loadavgStart.map((x) => x.toFixed(1)).join(' ')} → ${r.machine.loadavgEnd.map((x) => x.toFixed(1)).join(' ')}`);
  console.log('medians');
  console.log(`  ${''.padEnd(34)} ${'wall'.padEnd(10)} ${'CPU (tree)'.padEnd(11)} ${'CPU (node)'.padEnd(11)} wall samples`);
  for (const [mode, label] of [['floor', 'render floor (kustomize only)'], ['floor-worker', 'render floor (kfm-render workers)'], ['glue', 'glue (kubeconform+conftest+gitleaks)'], ['cold', 'check, cold cache'], ['warm', 'check, warm cache'], ['changed', 'check --changed-since (1 base)'], ['broken-cold', 'check cold, broken repo'], ['broken-warm', 'check warm, broken repo'], ['startup', 'check warm, infra/gitops (whole process)']]) {
    const all = r.samples[mode].map((s) => s.ms);
    if (all.length === 0) {
      line(label, '—');
      continue;
    }
    const nodeCpu = r.mediansNodeCpuMs[mode];
    line(label, `${seconds(r.mediansMs[mode]).padEnd(10)} ${seconds(r.mediansCpuMs[mode]).padEnd(11)} ${(nodeCpu === undefined ? '' : seconds(nodeCpu)).padEnd(11)} [${all.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
  }
  if (r.floorWithOriginMs !== null) line('floor with origin annotations', `${seconds(r.floorWithOriginMs).padEnd(10)} ${seconds(r.floorWithOriginCpuMs)}`);
  console.log('ratios (target)');
  for (const [name, t] of Object.entries(r.targets)) {
    const bound = t.max !== undefined ? `≤ ${t.max}` : `≥ ${t.min}`;
    const mark = t.met === null ? '  n/a' : t.met ? '  met' : '  MISSED';
    const cpu = t.cpu !== undefined ? `; CPU ${t.cpu ?? '—'}` : t.cpuS !== undefined ? `; CPU ${t.cpuS ?? '—'} s` : '';
    const against = t.against ? `; against the large run of ${t.against.largeStartedAt} (${t.against.hoursBefore} h before, ${(t.against.largeColdMs / 1000).toFixed(2)} s)` : '';
    const ca = t.withNodeExtraCaCerts ? `; with the caller's NODE_EXTRA_CA_CERTS ${t.withNodeExtraCaCerts.wallS} s` : '';
    line(name, `${t.value ?? '—'} (${bound})${mark}${cpu}${against}${ca}`);
  }
  line('check cold / kfm-render floor', `${r.ratios.checkColdOverWorkerFloor ?? '—'} (not a target: what checking adds to rendering)`);
  line('same ratios in CPU time', Object.entries(r.ratios.cpu).map(([k, v]) => `${k} ${v ?? '—'}`).join(', '));
  line('same ratios per repetition (median)', Object.entries(r.pairedRatios).map(([k, v]) => `${k} ${v ?? '—'}`).join(', '));
  line('peak RSS of kfm-gitops', r.peakRssMb === null ? '—' : `${r.peakRssMb} MB${r.workerPeakRssMb ? ` (largest render worker: ${r.workerPeakRssMb} MB)` : ''}`);
  const micro = Object.entries(r.micro).filter(([, m]) => m.present);
  if (micro.length > 0) {
    console.log('micro-benchmarks');
    for (const [name, m] of micro) {
      const cpu = m.perCpuSecond ? `; ${m.perCpuSecond.value} ${m.perCpuSecond.unit}` : '';
      line(name, m.headline ? `${m.headline.value} ${m.headline.unit} (${m.headline.key})${cpu}` : `no headline figure (exit ${m.exitCode})`);
      for (const x of m.extra ?? []) line(x.label, x.value === null ? `no figure (exit ${m.exitCode})` : `${x.value} ${x.unit}${x.detail ? ` (${x.detail})` : ''}`);
    }
  }
  for (const n of r.notes) console.log(`note: ${n}`);
  console.log(`result: ${relative(projectRoot, join(outDir, 'result.json'))}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
