/**
 * Reading kustomization files: where they are, what they reference (with lines), and which references are
 * remote or unsafe. Shared by discovery (who is a base), render (refuse remote refs before running kustomize)
 * and changed-only runs (the input files of an overlay).
 */
import { readFile } from 'node:fs/promises';
import { existsSync, lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { toRepoPath } from '../util/paths.js';
import { isRemoteRef, parseKustomization, usesFunctionAnnotation } from './kustomization-parse.js';
import type { ParsedKustomization } from './kustomization-parse.js';
import { pluginConfigRefs } from './plugin-config.js';
import { fileStamp } from '../util/stamp.js';

export { isRemoteRef } from './kustomization-parse.js';
export type { KustomizationRef, ParsedKustomization, RefKind } from './kustomization-parse.js';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function findKustomizationFile(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_NAMES) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const memo = new Map<string, { stamp: string; size: number; result: Promise<ParsedKustomization> }>();

/**
 * Parsed kustomization, memoised per file version: discovery, every overlay's walk, the policy input and the
 * source mapper read the same bases again and again (measured: a fifth of a warm run).
 */
export async function readKustomization(abs: string): Promise<ParsedKustomization> {
  return (await readKustomizationSized(abs)).parsed;
}

/** readKustomization plus the file's size from the same stat (shard balancing needs it; undefined if unstattable). */
async function readKustomizationSized(abs: string): Promise<{ parsed: ParsedKustomization; size?: number }> {
  // A synchronous stat: one cached-inode lookup costs less than the promise machinery around an async one, and
  // every walk asks it of every kustomization it reaches.
  let info;
  try {
    info = statSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch {
    info = undefined; // EACCES, ENOTDIR, ELOOP: the read below reports it in its own words
  }
  if (!info) return { parsed: await readKustomizationUncached(abs) };
  const stamp = fileStamp(info);
  const hit = memo.get(abs);
  if (hit && hit.stamp === stamp) return { parsed: await hit.result, size: hit.size };
  const result = readKustomizationUncached(abs);
  const size = Number(info.size);
  memo.set(abs, { stamp, size, result });
  return { parsed: await result, size };
}

async function readKustomizationUncached(abs: string): Promise<ParsedKustomization> {
  let text: string;
  try {
    // Synchronous like the stat before it: a kustomization is a few hundred bytes, and discovery reads hundreds.
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    return {
      abs,
      refs: [],
      pluginFields: [],
      helmCharts: [],
      object: {},
      error: { message: `cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    };
  }
  return parseKustomization(abs, text);
}

/** True when a generator/transformer config file asks kustomize to run an exec or container KRM function. */
export async function fileUsesPlugin(abs: string): Promise<boolean> {
  try {
    const info = statSync(abs);
    if (!info.isFile() || info.size > 1024 * 1024) return false;
    return usesFunctionAnnotation(await readFile(abs, 'utf8'));
  } catch {
    return false;
  }
}

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
  const { inputs, kustomizations, issues } = await walkOverlayDetailed(root, overlayAbs, options);
  return { inputs, kustomizations, issues };
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

function realpathOr(p: string, fallback: string): string {
  try {
    return realpathSync.native(p); // the same libc realpath fs.promises.realpath runs
  } catch {
    return fallback;
  }
}

export async function walkOverlayDetailed(
  root: string,
  overlayAbs: string,
  options: { allowExec: boolean },
): Promise<WalkDetails> {
  const inputs = new Map<string, number | undefined>(); // repo path → size when known
  const kustomizations: string[] = [];
  const issues: WalkIssue[] = [];
  const refs = new Set<string>();
  const visited = new Set<string>();
  const inRoot = repoPathOf(root);
  const rel = (abs: string): string => inRoot(abs) ?? abs;
  const realRoot = realpathOr(root, root);
  const inRealRoot = repoPathOf(realRoot);
  // Most references are files in a folder the walk already resolved: resolve each folder once, then a file that
  // is not itself a symlink has its folder's real path plus its name (what realpath would compute, one lstat).
  const realDirs = new Map<string, string | undefined>();
  const realDir = (dir: string): string | undefined => {
    if (!realDirs.has(dir)) realDirs.set(dir, realpathOr(dir, ''));
    return realDirs.get(dir) || undefined;
  };
  /** stat (following symlinks) and real path of an existing target; undefined when missing or a symlink loop. */
  const locate = (target: string): { info: Stats; real: string } | undefined => {
    let info: Stats | undefined;
    try {
      info = lstatSync(target, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
    if (!info) return undefined;
    if (info.isSymbolicLink()) {
      try {
        info = statSync(target);
      } catch {
        return undefined;
      }
      return { info, real: realpathOr(target, target) };
    }
    const parent = realDir(dirname(target));
    return { info, real: parent === undefined ? target : join(parent, basename(target)) };
  };

  const visit = async (dir: string): Promise<void> => {
    if (visited.has(dir)) return;
    visited.add(dir);
    const file = findKustomizationFile(dir);
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
      issues.push({
        kind: h.repo && isRemoteRef(h.repo) ? 'remote' : 'helm',
        file: fileRel,
        line: h.line,
        message: h.repo
          ? `helmCharts pulls a chart from ${h.repo}: remote references are not rendered (vendor the chart or render it in CI and commit the output)`
          : 'helmCharts needs kustomize --enable-helm, which kfm-gitops does not run',
      });
    }
    const base = dirname(file);
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
      if (found.info.isDirectory()) {
        if (ref.kind === 'directory-or-file') await visit(target);
      } else {
        inputs.set(targetRel, found.info.size);
        // Files a transformer/generator config names are read by the render too (appended: the loop visits them).
        if (/^(generators|transformers|validators)\[/.test(ref.field) && !ref.field.includes(' '))
          k.refs.push(...(await pluginConfigRefs(target, ref.field, ref.line)));
        if (
          !options.allowExec &&
          /^(generators|transformers|validators)/.test(ref.field) &&
          (await fileUsesPlugin(target))
        ) {
          issues.push({
            kind: 'plugin',
            file: fileRel,
            line: ref.line,
            message: `${ref.field} ${JSON.stringify(ref.value)} runs a KRM function (exec/container plugin); allow it with kustomize.allowExec in kfm-gitops.yaml`,
          });
        }
      }
    }
  };
  await visit(overlayAbs);
  let bytes = 0;
  for (const size of inputs.values()) bytes += size ?? 0;
  return { inputs: [...inputs.keys()].sort(), kustomizations, issues, refs: [...refs], bytes };
}
