#!/usr/bin/env node
/**
 * npm run policies:build — compiles policies/ (Rego v1) to WebAssembly with the pinned opa and writes the
 * committed bundle the CLI evaluates in-process (no opa on the user's machine):
 *
 *   policies/capabilities.json   builtins the JavaScript host can run (native in OPA's wasm target or implemented
 *                                by @open-policy-agent/opa-wasm); anything else fails `opa build`, not a user's run
 *   policies/bundle/policy.wasm  entrypoint kfm_main/violations
 *   policies/bundle/rules.json   rule catalogue from the # METADATA annotations + default params (rules()/explain)
 *   policies/bundle/manifest.json sha256 of every Rego source and of the capabilities (stale-bundle test)
 *
 * Keep sourcesDigest() in step with src/checks/policy/bundle.ts: the stale-bundle test recomputes it there.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const policiesDir = join(root, 'policies');
const bundleDir = join(policiesDir, 'bundle');
export const ENTRYPOINT = 'kfm_main/violations';
/** The reachability graph of `kfm-gitops graph` (policies/graph.rego), compiled into the same module. */
export const GRAPH_ENTRYPOINT = 'kfm_graph/graph';

/**
 * Builtins OPA compiles natively into the wasm module (OPA v1.10.1, internal/compiler/wasm/wasm.go,
 * `builtinsFunctions`), plus the operators the planner handles itself (`eq`; `assign` is rewritten to `eq`).
 * Re-check this list when the pinned opa changes.
 */
const NATIVE_WASM_BUILTINS = [
  'eq', 'assign',
  'plus', 'minus', 'mul', 'div', 'abs', 'round', 'ceil', 'floor', 'rem',
  'array.concat', 'array.reverse', 'array.slice',
  'minus', 'and', 'or', 'intersection', 'union',
  'is_number', 'is_string', 'is_boolean', 'is_array', 'is_set', 'is_object', 'is_null', 'type_name',
  'bits.or', 'bits.and', 'bits.negate', 'bits.xor', 'bits.lsh', 'bits.rsh',
  'count', 'sum', 'product', 'max', 'min', 'sort', 'all', 'any',
  'base64.is_valid', 'base64.decode', 'base64.encode', 'base64url.encode', 'base64url.decode',
  'net.cidr_contains', 'net.cidr_overlap', 'net.cidr_intersects',
  'equal', 'gt', 'gte', 'lt', 'lte', 'neq',
  'glob.match',
  'json.marshal', 'json.unmarshal', 'json.is_valid',
  'object.filter', 'object.get', 'object.keys', 'object.remove', 'object.union', 'object.union_n',
  'concat', 'format_int', 'indexof', 'substring', 'lower', 'upper', 'contains', 'startswith', 'endswith',
  'strings.reverse', 'split', 'replace', 'strings.replace_n', 'trim', 'trim_left', 'trim_prefix', 'trim_right',
  'trim_suffix', 'trim_space',
  'numbers.range', 'to_number', 'walk', 'graph.reachable',
  'regex.is_valid', 'regex.match', 're_match', 'regex.find_all_string_submatch_n',
  'json.remove', 'json.filter',
  'internal.member_2', 'internal.member_3',
];

/**
 * SDK builtins we refuse although the SDK exports them: its `sprintf` is sprintf-js, which throws on Go verbs
 * such as %q and prints arrays/objects differently from OPA (measured: `sprintf("%q", ["x"])` aborts the
 * evaluation). Rules build messages with concat/format_int instead.
 */
const SDK_BUILTINS_REFUSED = new Set(['sprintf']);

/** Builtins implemented in JavaScript by @open-policy-agent/opa-wasm (read from the installed SDK). */
export function sdkBuiltins() {
  const require = createRequire(import.meta.url);
  const sdkMain = require.resolve('@open-policy-agent/opa-wasm');
  const builtins = require(join(dirname(sdkMain), 'builtins', 'index.js'));
  return Object.keys(builtins).filter((name) => !SDK_BUILTINS_REFUSED.has(name));
}

/** Rego sources compiled into the bundle: every .rego under policies/ except tests, sorted, POSIX paths. */
export async function regoSources(dir = policiesDir) {
  const out = [];
  async function walk(d) {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        if (p !== bundleDir) await walk(p);
      } else if (entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) {
        out.push(relative(dir, p).split(sep).join('/'));
      }
    }
  }
  await walk(dir);
  return out.sort();
}

/** sha256 over (path NUL content NUL)* of the sources, then the capabilities file. Mirrors bundle.ts. */
export async function sourcesDigest(dir = policiesDir) {
  const hash = createHash('sha256');
  for (const rel of await regoSources(dir)) {
    hash.update(rel).update('\0').update(await readFile(join(dir, rel))).update('\0');
  }
  hash.update('capabilities.json\0').update(await readFile(join(dir, 'capabilities.json')));
  return hash.digest('hex');
}

function opaPath() {
  const candidates = [process.env.KFM_OPA, join(root, '.tools', 'bin', 'opa')].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`opa not found (looked at ${candidates.join(', ')}); run \`npm run tools\` to build the pinned opa`);
  }
  return found;
}

async function opa(args, opts = {}) {
  try {
    return await run(opaPath(), args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000, ...opts });
  } catch (err) {
    const detail = [err.stdout, err.stderr].filter(Boolean).join('\n').trim();
    throw new Error(`opa ${args[0]} failed${detail ? `:\n${detail}` : `: ${err.message}`}`, { cause: err });
  }
}

/** OPA's own capabilities for this version, reduced to what the JavaScript host can run. */
export async function hostCapabilities() {
  const { stdout } = await opa(['capabilities', '--current']);
  const current = JSON.parse(stdout);
  const allowed = new Set([...NATIVE_WASM_BUILTINS, ...sdkBuiltins()]);
  const builtins = current.builtins.filter((b) => allowed.has(b.name)).sort((a, b) => a.name.localeCompare(b.name));
  const known = new Set(current.builtins.map((b) => b.name));
  const unknown = [...allowed].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    // A name this opa does not know means the native list drifted from the pinned version: fail loudly.
    throw new Error(`builtins listed as host-supported but unknown to this opa: ${unknown.join(', ')}`);
  }
  return { ...current, builtins };
}

/** Minimal ustar reader: returns the named file of a .tar.gz (opa build's output) without shelling out to tar. */
export function extractFromTarGz(buffer, wanted) {
  const tar = gunzipSync(buffer);
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const body = off + 512;
    if (name.replace(/^\/+/, '') === wanted) return tar.subarray(body, body + size);
    off = body + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${wanted} not found in the opa bundle`);
}

const ID_PATTERN = /^KFM-(TM|DP|FK|RBAC|ARGO)-\d{3}$/;
const SEVERITIES = new Set(['error', 'warning', 'info']);

/**
 * Rule catalogue from `opa inspect -a`: one entry per rule package data.kfm.<family>.<rule>. The build fails when
 * a rule lacks metadata, uses an id outside its family, repeats an id, or emits an id other than its own.
 */
export async function catalogue(stageDir, sources) {
  const { stdout } = await opa(['inspect', '-a', '--format', 'json', stageDir]);
  const inspected = JSON.parse(stdout);
  const rules = [];
  const problems = [];
  const seen = new Map();
  for (const entry of inspected.annotations ?? []) {
    const a = entry.annotations ?? {};
    const pkg = (entry.path ?? []).map((p) => p.value).join('.');
    const file = relative(stageDir, resolve(stageDir, entry.location?.file ?? '')).split(sep).join('/');
    if (a.scope !== 'package' || !pkg.startsWith('data.kfm.')) continue;
    const custom = a.custom ?? {};
    const family = pkg.split('.')[2]?.toUpperCase();
    const where = `${file} (${pkg})`;
    if (!ID_PATTERN.test(custom.id ?? '')) problems.push(`${where}: custom.id "${custom.id}" is not KFM-<FAMILY>-NNN`);
    else if (custom.id.split('-')[1] !== family) problems.push(`${where}: ${custom.id} is not in family ${family}`);
    if (!SEVERITIES.has(custom.severity)) problems.push(`${where}: custom.severity must be error, warning or info`);
    for (const key of ['title', 'description']) if (!a[key]) problems.push(`${where}: missing ${key}`);
    if (!custom.remediation) problems.push(`${where}: missing custom.remediation`);
    if (seen.has(custom.id)) problems.push(`${where}: id ${custom.id} already used by ${seen.get(custom.id)}`);
    seen.set(custom.id, file);
    const text = await readFile(join(stageDir, file), 'utf8');
    for (const m of text.matchAll(/"id":\s*"([^"]+)"/g)) {
      if (m[1] !== custom.id) problems.push(`${where}: emits id ${m[1]} but declares ${custom.id}`);
    }
    rules.push({
      id: custom.id,
      title: a.title,
      description: a.description,
      severity: custom.severity,
      remediation: custom.remediation,
      package: pkg.replace(/^data\./, ''),
      file: `policies/${file}`,
    });
  }
  const rulePackages = sources.filter(
    (s) => !s.startsWith('lib/') && !s.startsWith('data/') && s !== 'main.rego' && s !== 'graph.rego',
  );
  const documented = new Set(rules.map((r) => r.file));
  for (const s of rulePackages) if (!documented.has(`policies/${s}`)) problems.push(`${s}: no package # METADATA with custom.id`);
  if (problems.length > 0) throw new Error(`policy metadata problems:\n  ${problems.join('\n  ')}`);
  return rules.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/**
 * Compiles `sources` (paths relative to `dir`) into a wasm module with the given capabilities file; returns the
 * policy.wasm bytes. Exported for the capabilities test and for custom policies.
 */
export async function compileWasm({ dir, sources, capabilitiesFile, entrypoints = [ENTRYPOINT] }) {
  const work = await mkdtemp(join(tmpdir(), 'kfm-policies-'));
  try {
    const out = join(work, 'bundle.tar.gz');
    const args = ['build', '-t', 'wasm', '--capabilities', capabilitiesFile, '-o', out];
    for (const e of entrypoints) args.push('-e', e);
    // Relative paths: file names end up in the module (error locations), so the output is reproducible.
    await opa([...args, ...sources], { cwd: dir });
    return extractFromTarGz(await readFile(out), 'policy.wasm');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function build() {
  const capabilities = await hostCapabilities();
  const capabilitiesFile = join(policiesDir, 'capabilities.json');
  await writeFile(capabilitiesFile, `${JSON.stringify(capabilities, null, 2)}\n`);

  const sources = await regoSources();
  const stage = await mkdtemp(join(tmpdir(), 'kfm-policies-stage-'));
  try {
    // Staged copy: opa inspect loads a directory as a bundle, and policies/ also holds JSON that is not data.
    for (const s of sources) {
      await mkdir(dirname(join(stage, s)), { recursive: true });
      await copyFile(join(policiesDir, s), join(stage, s));
    }
    const rules = await catalogue(stage, sources);
    const wasm = await compileWasm({
      dir: policiesDir,
      sources,
      capabilitiesFile,
      entrypoints: [ENTRYPOINT, GRAPH_ENTRYPOINT],
    });
    const { stdout: defaultsJson } = await opa([
      'eval', '--format', 'json', '-d', join(stage, 'lib', 'params.rego'), 'data.kfm_lib.params.defaults',
    ]);
    const defaultParams = JSON.parse(defaultsJson).result[0].expressions[0].value;
    const { stdout: version } = await opa(['version']);

    await mkdir(bundleDir, { recursive: true });
    await writeFile(join(bundleDir, 'policy.wasm'), wasm);
    await writeFile(join(bundleDir, 'rules.json'), `${JSON.stringify({ rules, defaultParams }, null, 2)}\n`);
    const files = {};
    for (const s of sources) files[s] = createHash('sha256').update(await readFile(join(policiesDir, s))).digest('hex');
    const manifest = {
      entrypoint: ENTRYPOINT,
      opaVersion: /Version:\s*(\S+)/.exec(version)?.[1] ?? 'unknown',
      sourcesSha256: await sourcesDigest(),
      capabilitiesSha256: createHash('sha256').update(await readFile(capabilitiesFile)).digest('hex'),
      wasmSha256: createHash('sha256').update(wasm).digest('hex'),
      sources: files,
    };
    await writeFile(join(bundleDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return { rules: rules.length, wasmBytes: wasm.length, manifest };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build().then(
    ({ rules, wasmBytes, manifest }) => {
      console.log(`policies: ${rules} rules → policies/bundle/policy.wasm (${wasmBytes} bytes, opa ${manifest.opaVersion})`);
      console.log(`sources sha256 ${manifest.sourcesSha256}`);
    },
    (err) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}
