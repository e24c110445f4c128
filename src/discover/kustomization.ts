/**
 * Reading kustomization files: where they are, what they reference (with lines), and which references are
 * remote or unsafe. Shared by discovery (who is a base), render (refuse remote refs before running kustomize)
 * and changed-only runs (the input files of an overlay).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { toRepoPath } from '../util/paths.js';
import { CONFIG_FIELDS, isRemoteRef, parseKustomization } from './kustomization-parse.js';
import { loadedPath, scanConfigText, type ConfigScan } from './loader-refs.js';
import type { ParsedKustomization } from './kustomization-parse.js';
import { walkHelmChart } from './helm-charts.js';
import { flat, isFact, runFacts, type FileFacts, type PathFact } from '../util/file-facts.js';
import type { WalkTrace } from './memo.js';

export { isRemoteRef } from './kustomization-parse.js';
export type { KustomizationRef, ParsedKustomization, RefKind } from './kustomization-parse.js';

import { KUSTOMIZATION_NAMES } from './names.js';
export { KUSTOMIZATION_NAMES };

export function findKustomizationFile(dir: string, facts: FileFacts = runFacts()): string | undefined {
  for (const name of KUSTOMIZATION_NAMES) {
    const candidate = join(dir, name);
    if (facts.exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A file's text as kustomize reads it (links followed), from the run's one read of it (util/file-facts.ts): the Argo
 * CD view and the secret scan read every text file too (`readers`). Throws with the errno code as readFileSync does.
 */
function readText(abs: string, options: { readers: number; digest?: boolean }): string {
  const facts = runFacts();
  const fact = facts.lstat(abs);
  // A link (never kept for later readers: those reads do not follow one): read through it, as kustomize does.
  if (isFact(fact) && fact.kind === 'l') return readFileSync(abs, 'utf8');
  const got = facts.read(abs, { ...options, digest: true });
  if (got.kind === 'file') return got.bytes.toString('utf8');
  if (got.kind === 'symlink') return readFileSync(abs, 'utf8'); // became a link since the lstat
  const code =
    got.kind === 'unreadable'
      ? got.code
      : got.kind === 'missing'
        ? 'ENOENT'
        : got.kind === 'too-large'
          ? 'EFBIG'
          : 'EISDIR';
  throw Object.assign(new Error(`${code}: cannot read ${abs}`), { code });
}

const memo = new Map<string, { stamp: string; size: number; result: Promise<ParsedKustomization> }>();
/**
 * Kustomizations kept parsed at once, the most recently used. Unbounded, the memo held every kustomization of the
 * repo for the whole run (94 MB of a 7,500-overlay repo's heap, issue 20); overlays render in path order, so the
 * bases and components they share stay among the recent ones, and an evicted file is only read and parsed again.
 * A parsed kustomization is ~11 KB of objects (1,984 of them held 22 MB of the 1,500-overlay bench repo's heap for
 * the whole run, 4,096 held 45 MB on xlarge); 512 keep an overlay's bases, components and its neighbours' while
 * the walks and renders move through the repo, for ~0.1 ms of parse per file read again (measured).
 */
export const KUSTOMIZATION_MEMO_ENTRIES = 512;

/**
 * Kustomizations a check run keeps parsed from discovery until every overlay was walked once (holdParsedKustomizations).
 * Discovery parses every kustomization of the repo, and the walks that follow (coverage, beside the first renders)
 * read them all again in another order: with 512 kept, the 1,500-overlay bench repo parsed its 1,984 kustomizations
 * twice (~1 s of CPU, issue 20). 2,048 parses are ~18 MB (8.6 KB each, measured), held for the first seconds of
 * the renders; a larger repo keeps the last 2,048 of its discovery and reads the rest again, as before.
 */
export const KUSTOMIZATION_HOLD_ENTRIES = 2_048;

/**
 * Kustomization text (bytes, the files' sizes) the memo's parses may come from while it holds more than the usual
 * KUSTOMIZATION_MEMO_ENTRIES: a repo of large kustomizations (long inline patches) holds no more than the usual
 * bound. The 1,500-overlay bench repo's 1,984 kustomizations are 3.4 MB of text.
 */
export const KUSTOMIZATION_HOLD_BYTES = 8 * 1024 * 1024;

let memoEntries = KUSTOMIZATION_MEMO_ENTRIES;
/** Sum of the file sizes of the memo's entries. */
let memoBytes = 0;

/** Drops the least recently used parses while the memo is over its bound (entries, and bytes while holding more). */
function trimMemo(): void {
  while (memo.size > memoEntries || (memo.size > KUSTOMIZATION_MEMO_ENTRIES && memoBytes > KUSTOMIZATION_HOLD_BYTES)) {
    const oldest = memo.keys().next().value!;
    memoBytes -= memo.get(oldest)!.size;
    memo.delete(oldest);
  }
}

/** Keeps up to `entries` parsed kustomizations (at least the usual bound) until releaseHeldKustomizations(). */
export function holdParsedKustomizations(entries: number): void {
  memoEntries = Math.max(KUSTOMIZATION_MEMO_ENTRIES, entries);
}

/** Back to the usual bound: the least recently used parses past it are dropped now. */
export function releaseHeldKustomizations(): void {
  memoEntries = KUSTOMIZATION_MEMO_ENTRIES;
  trimMemo();
}

/**
 * Drops every parsed kustomization: a check run calls it once the renders and the discovery memo are done. The checks
 * that follow read few kustomizations, if any (the policy input takes each overlay's as it renders), and the memo's
 * 512 entries were ~5.5 MB held through the checks, where a large run peaks (issue 20). A later read parses again.
 */
export function forgetParsedKustomizations(): void {
  memoEntries = KUSTOMIZATION_MEMO_ENTRIES;
  memo.clear();
  memoBytes = 0;
  kept.clear();
}

/**
 * Top-level fields of every kustomization parsed in a run, kept as JSON after the memo above forgot the object: the
 * policy check reads an overlay's `images` (checks/policy/partition.ts AUDITED_KUSTOMIZATION_FIELDS, which a test
 * holds to be among these) as each overlay renders, long after discovery parsed the file. Without them it parsed
 * every overlay's kustomization again: 1,468 of the 1,500-overlay bench repo's ~5,400 parses (issue 20).
 */
export const KEPT_KUSTOMIZATION_FIELDS: readonly string[] = ['images'];

/** The kept fields as JSON per file (the parse's stamp with them); nothing kept for an unreadable or broken file. */
const kept = new Map<string, { stamp: string; json: string }>();
/** The JSON of a kustomization with none of the kept fields: one string for all of them. */
const NONE_KEPT = '{}';

/**
 * JSON of `{field: value}` for the KEPT_KUSTOMIZATION_FIELDS the file has, as this run's parse of its current version
 * read them (the run's stat decides, as for the memo); undefined when that parse is not at hand (the caller parses).
 */
export function keptKustomizationFields(abs: string): string | undefined {
  const info = runFacts().stat(abs);
  if (!isFact(info)) return undefined;
  const k = kept.get(abs);
  return k && k.stamp === info.stamp ? k.json : undefined;
}

function keep(abs: string, stamp: string, parsed: ParsedKustomization): void {
  if (parsed.error) return;
  let picked: Record<string, unknown> | undefined;
  for (const f of KEPT_KUSTOMIZATION_FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(parsed.object, f)) continue;
    (picked ??= {})[f] = parsed.object[f];
  }
  let json = NONE_KEPT;
  try {
    if (picked) json = JSON.stringify(picked);
  } catch {
    // A value JSON cannot hold (a YAML anchor inside itself makes a cycle): nothing is kept, and a reader parses the
    // file and meets it as it always did. Thrown here, in a promise callback, it would end the process (exit 2).
    return;
  }
  kept.set(abs, { stamp, json });
}

/** How many parsed kustomizations are held now (tests). */
export function kustomizationMemoSize(): number {
  return memo.size;
}

/**
 * Parsed kustomization, memoised per file version: discovery, every overlay's walk, the policy input and the
 * source mapper read the same bases again and again (measured: a fifth of a warm run).
 */
export async function readKustomization(abs: string): Promise<ParsedKustomization> {
  return (await readKustomizationSized(abs)).parsed;
}

/** readKustomization plus the file's size from the same stat (shard balancing needs it; undefined if unstattable). */
async function readKustomizationSized(abs: string): Promise<{ parsed: ParsedKustomization; size?: number }> {
  // The run's one stat of the file (util/file-facts.ts): every walk asks it of every kustomization it reaches.
  const info = runFacts().stat(abs);
  // EACCES, ENOTDIR, ELOOP, missing: the read below reports it in its own words.
  if (!isFact(info)) return { parsed: await readKustomizationUncached(abs) };
  const stamp = info.stamp;
  const hit = memo.get(abs);
  if (hit && hit.stamp === stamp) {
    memo.delete(abs); // to the back of the insertion order: the most recently used
    memo.set(abs, hit);
    return { parsed: await hit.result, size: hit.size };
  }
  const result = readKustomizationUncached(abs);
  const size = info.size;
  const key = flat(abs);
  const stale = memo.get(abs);
  if (stale) {
    memoBytes -= stale.size;
    memo.delete(abs);
  }
  memo.set(key, { stamp, size, result });
  memoBytes += size;
  // A rejected parse keeps nothing; its reader above awaits the same promise and sees the failure.
  result.then(
    (parsed) => keep(key, stamp, parsed),
    () => undefined,
  );
  trimMemo();
  return { parsed: await result, size };
}

async function readKustomizationUncached(abs: string): Promise<ParsedKustomization> {
  let text: string;
  try {
    // Synchronous like the stat before it: a kustomization is a few hundred bytes, and discovery reads hundreds.
    text = readText(abs, { readers: KUSTOMIZATION_READERS });
  } catch (err) {
    return {
      abs,
      refs: [],
      pluginFields: [],
      helmCharts: [],
      inlineConfigs: [],
      object: {},
      error: { message: `cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    };
  }
  return parseKustomization(abs, text);
}

const CONFIG_MAX_BYTES = 1024 * 1024;
/** Readers of a kustomization's bytes in a run: discovery's parse, the Argo CD view, the secret scan. */
export const KUSTOMIZATION_READERS = 3;
/** Of a generator/transformer config: its scan, the HelmChartInflationGenerator test, the view, the secret scan. */
const CONFIG_READERS = 4;

/** What a generator/transformer/validator config file makes kustomize load (see loader-refs.ts). */
export async function scanConfigFile(abs: string): Promise<ConfigScan> {
  try {
    const info = runFacts().stat(abs);
    if (!isFact(info)) throw Object.assign(new Error('stat'), { code: info ? info.error : 'ENOENT' });
    if (info.kind !== 'f') return { refs: [], usesPlugin: false };
    if (info.size > CONFIG_MAX_BYTES)
      return { refs: [], usesPlugin: false, error: `larger than ${CONFIG_MAX_BYTES} bytes, not checked` };
    return scanConfigText(readText(abs, { readers: CONFIG_READERS }));
  } catch (err) {
    return { refs: [], usesPlugin: false, error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/** True when a config file (at most 1 MiB: larger ones are not plugin configs) matches `pattern`. */
async function fileMentions(abs: string, pattern: { test(text: string): boolean }): Promise<boolean> {
  try {
    const info = runFacts().stat(abs);
    if (!isFact(info) || info.kind !== 'f' || info.size > CONFIG_MAX_BYTES) return false;
    return pattern.test(readText(abs, { readers: CONFIG_READERS }));
  } catch {
    return false; // unreadable: kustomize cannot load it either, and its render fails (a render finding)
  }
}

const isConfigField = (field: string): boolean => CONFIG_FIELDS.some((f) => field.startsWith(f));

export interface WalkIssue {
  kind: 'remote' | 'outside-root' | 'plugin' | 'helm' | 'unreadable' | 'cycle';
  /** Repo-relative kustomization file and line where the reference stands. */
  file: string;
  line?: number;
  message: string;
}

export interface WalkResult {
  /** Every local input file the overlay's render reads (repo-relative), kustomization files included. */
  inputs: string[];
  /** Repo-relative kustomization directories reached (the overlay's own included). */
  kustomizations: string[];
  issues: WalkIssue[];
  /** The overlay inflates vendored Helm charts (helmCharts:): it renders with --enable-helm and the pinned helm. */
  helm: boolean;
}

/** What overlayDeps needs beyond the walk: every in-root target a reached kustomization names, and input sizes. */
export interface WalkDetails extends WalkResult {
  /** Repo-relative, resolved targets of every local reference of every reached kustomization (existing or not). */
  refs: string[];
  /** Sum of the sizes of `inputs`, in bytes, from the stats the walk made anyway. */
  bytes: number;
}

/**
 * Walks every kustomization an overlay will read, without running kustomize and without any network:
 * collects input files and refuses remote references, references leaving the root and exec plugins.
 */
export async function walkOverlay(
  root: string,
  overlayAbs: string,
  options: { allowExec: boolean },
): Promise<WalkResult> {
  const { inputs, kustomizations, issues, helm } = await walkOverlayDetailed(root, overlayAbs, options);
  return { inputs, kustomizations, issues, helm };
}

/**
 * toRepoPath(base, abs) for the paths a walk produces: a prefix test for absolute, normalised paths under `base`
 * (path.relative resolves both sides again on every call, which measured a tenth of the walk), and toRepoPath
 * itself for anything else, so odd inputs keep their exact answer.
 */
export function repoPathOf(base: string): (abs: string) => string | undefined {
  if (sep !== '/') return (abs) => toRepoPath(base, abs);
  const resolved = resolve(base);
  const prefix = resolved.endsWith('/') ? resolved : `${resolved}/`;
  return (abs) => {
    if (abs === resolved) return '.';
    if (abs.startsWith(prefix)) {
      const rest = abs.slice(prefix.length);
      if (rest !== '' && !rest.startsWith('.') && !/\/\/|\/\.\.?(?:\/|$)|\/$/.test(rest)) return rest;
    } else if (abs.startsWith('/') && !abs.includes('/.') && !abs.includes('//') && !abs.endsWith('/')) {
      return undefined; // absolute, normalised and not below `base`: path.relative would start with `..`
    }
    return toRepoPath(base, abs);
  };
}

interface Located {
  info: PathFact;
  real: string;
}

/**
 * What the walks of one run share: the run's file facts (util/file-facts.ts: stats, real paths, and one string per
 * path — every walk is kept for the run (walks.ts, the discovery memo), and the overlays of an app name the same
 * files, each walk building its own copy of each name otherwise: a quarter of a 7,500-overlay repo's heap before
 * rendering, issue 20).
 */
export interface WalkShared {
  facts: FileFacts;
}

export function walkShared(): WalkShared {
  return { facts: runFacts() };
}

/** stat (following links) and real path of an existing target; `link` when the path itself is a symbolic link. */
function locateIn(facts: FileFacts, target: string): { found?: Located; link: boolean } {
  const l = facts.lstat(target);
  if (!isFact(l)) return { link: false }; // not found: the walk reports the missing reference itself
  if (l.kind === 'l') {
    const info = facts.stat(target);
    // A dangling link: reported by the walk as a missing target, never followed.
    if (!isFact(info)) return { link: true };
    return { found: { info, real: facts.realpath(target) ?? target }, link: true };
  }
  return { found: { info: l, real: facts.realpath(target) ?? target }, link: false };
}

export async function walkOverlayDetailed(
  root: string,
  overlayAbs: string,
  options: { allowExec: boolean; trace?: WalkTrace; shared?: WalkShared },
): Promise<WalkDetails> {
  const inputs = new Map<string, number | undefined>(); // repo path → size when known
  const kustomizations: string[] = [];
  const issues: WalkIssue[] = [];
  const refs = new Set<string>();
  const visited = new Set<string>();
  let helm = false;
  const inRoot = repoPathOf(root);
  const rel = (abs: string): string => inRoot(abs) ?? abs;
  const facts = options.shared?.facts ?? runFacts();
  const realRoot = facts.realpath(resolve(root)) ?? root;
  const inRealRoot = repoPathOf(realRoot);
  // The discovery memo (memo.ts) is told, before the walk reads them, the paths its answer depends on: every folder
  // from the root down to each place it looks (their listings decide what exists and what is a folder), and the
  // files whose text it reads or that are symbolic links. A plain input's text is not read here; only its existence.
  const rootAbs = resolve(root);
  const trace = options.trace;
  const traceUp = (abs: string): void => {
    if (!trace) return;
    for (let p = abs; ; p = dirname(p)) {
      trace(p);
      if (p === rootAbs || dirname(p) === p) break;
    }
  };
  // Stats and real paths come from the run's file facts: the overlays of an app name the same base files.
  /** stat (following symlinks) and real path of an existing target; undefined when missing or a symlink loop. */
  const locate = (target: string): Located | undefined => {
    const seen = locateIn(facts, target);
    if (seen.link) trace?.(target); // a link's target can change while every listing stays: the memo keeps no such walk
    return seen.found;
  };

  /** Issues for what a config (file or inline text) makes the loader read; local files become inputs. */
  const checkConfig = (scan: ConfigScan, base: string, fileRel: string, line: number, what: string): void => {
    if (scan.error) {
      issues.push({ kind: 'unreadable', file: fileRel, line, message: `${what} cannot be checked: ${scan.error}` });
      return;
    }
    if (scan.usesPlugin && !options.allowExec)
      issues.push({
        kind: 'plugin',
        file: fileRel,
        line,
        message: `${what} runs a KRM function (exec/container plugin); allow it with kustomize.allowExec in kfm-gitops.yaml`,
      });
    for (const ref of scan.refs) {
      const value = loadedPath(ref);
      if (isRemoteRef(ref.value) || isRemoteRef(value)) {
        issues.push({
          kind: 'remote',
          file: fileRel,
          line,
          message: `${what} loads ${ref.key} ${JSON.stringify(ref.value)} from the network: remote references are refused (no network at render time); vendor it into the repo`,
        });
        continue;
      }
      if (ref.key === 'repo' || value === '') continue; // a local chart repo folder: helm is refused on its own
      const target = resolve(base, value);
      const targetRel = inRoot(target);
      if (targetRel !== undefined) traceUp(dirname(target));
      const found = targetRel === undefined ? undefined : locate(target);
      if (targetRel === undefined || (found && inRealRoot(found.real) === undefined)) {
        issues.push({
          kind: 'outside-root',
          file: fileRel,
          line,
          message: `${what} loads ${ref.key} ${JSON.stringify(ref.value)} from outside the checked root`,
        });
        continue;
      }
      // Named, so a changed-only run also selects the overlay when the file is added or deleted.
      refs.add(targetRel!);
      if (found?.info.kind === 'f') inputs.set(targetRel!, found.info.size);
    }
  };

  const visit = async (dir: string, asConfig = false): Promise<void> => {
    if (visited.has(dir)) return;
    visited.add(dir);
    traceUp(dir);
    const file = findKustomizationFile(dir, facts);
    // The names tried before the one found, and it: a symbolic link among them (dangling ones too) keeps the walk
    // out of the memo.
    if (trace)
      for (const name of KUSTOMIZATION_NAMES.slice(0, file ? KUSTOMIZATION_NAMES.indexOf(basename(file)) + 1 : 3))
        trace(join(dir, name));
    if (!file) return; // kustomize itself reports a missing kustomization with its own words
    const fileRel = rel(file);
    kustomizations.push(rel(dir));
    const { parsed: k, size } = await readKustomizationSized(file);
    inputs.set(fileRel, size);
    if (k.error) {
      issues.push({ kind: 'unreadable', file: fileRel, line: k.error.line, message: k.error.message });
      return;
    }
    for (const p of k.pluginFields) {
      if (!options.allowExec)
        issues.push({
          kind: 'plugin',
          file: fileRel,
          line: p.line,
          message: `${p.field} runs a KRM function (exec/container plugin); allow it with kustomize.allowExec in kfm-gitops.yaml`,
        });
    }
    for (const h of k.helmCharts) {
      // Vendored charts are inflated (with the pinned helm); one that would be pulled is refused, with its line.
      const chart = walkHelmChart(dirname(file), h, inRoot, inRealRoot);
      for (const issue of chart.issues) issues.push({ ...issue, file: fileRel });
      if (chart.issues.length > 0) continue;
      helm = true;
      for (const [abs, size] of chart.files) inputs.set(rel(abs), size);
    }
    const base = dirname(file);
    for (const inline of k.inlineConfigs) {
      checkConfig(scanConfigText(inline.text), base, fileRel, inline.line, `inline ${inline.field}`);
      if (inline.field.startsWith('generators') && /\bHelmChartInflationGenerator\b/.test(inline.text))
        issues.push({
          kind: 'helm',
          file: fileRel,
          line: inline.line,
          message: `inline ${inline.field} configures HelmChartInflationGenerator; use helmCharts: with a vendored chart`,
        });
    }
    for (const ref of k.refs) {
      if (isRemoteRef(ref.value)) {
        issues.push({
          kind: 'remote',
          file: fileRel,
          line: ref.line,
          message: `${ref.field} references remote ${JSON.stringify(ref.value)}: remote bases are refused (no network at render time); vendor it into the repo`,
        });
        continue;
      }
      const target = resolve(base, ref.value);
      const targetRel = inRoot(target);
      if (targetRel === undefined) {
        issues.push({
          kind: 'outside-root',
          file: fileRel,
          line: ref.line,
          message: `${ref.field} ${JSON.stringify(ref.value)} points outside the checked root`,
        });
        continue;
      }
      refs.add(targetRel);
      traceUp(dirname(target));
      const found = locate(target);
      if (!found) continue; // missing (or a symlink loop): kustomize reports it with its own message, which names the file
      // A symlink inside the repo that resolves outside it is an escape, however innocent the path looks.
      if (inRealRoot(found.real) === undefined) {
        issues.push({
          kind: 'outside-root',
          file: fileRel,
          line: ref.line,
          message: `${ref.field} ${JSON.stringify(ref.value)} is a symlink that leaves the checked root`,
        });
        continue;
      }
      const config = isConfigField(ref.field) || (asConfig && ref.field.startsWith('resources'));
      if (found.info.kind === 'd') {
        if (ref.kind === 'directory-or-file') await visit(target, config);
      } else {
        inputs.set(targetRel, found.info.size);
        if (config) {
          trace?.(target); // its text is read
          checkConfig(
            await scanConfigFile(target),
            base,
            fileRel,
            ref.line,
            `${ref.field} ${JSON.stringify(ref.value)}`,
          );
          // The builtin helm generator given as a config file would inflate (and pull) without the helmCharts checks.
          if (ref.field.startsWith('generators') && (await fileMentions(target, /\bHelmChartInflationGenerator\b/)))
            issues.push({
              kind: 'helm',
              file: fileRel,
              line: ref.line,
              message: `${ref.field} ${JSON.stringify(ref.value)} configures HelmChartInflationGenerator; use helmCharts: with a vendored chart`,
            });
        }
      }
    }
  };
  await visit(overlayAbs);
  let bytes = 0;
  for (const size of inputs.values()) bytes += size ?? 0;
  const intern = (name: string): string => facts.intern(name);
  return {
    inputs: [...inputs.keys()].sort().map(intern),
    kustomizations: kustomizations.map(intern),
    issues,
    refs: [...refs].map(intern),
    bytes,
    helm,
  };
}
