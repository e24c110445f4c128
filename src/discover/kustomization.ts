/**
 * Reading kustomization files: where they are, what they reference (with lines), and which references are
 * remote or unsafe. Shared by discovery (who is a base), render (refuse remote refs before running kustomize)
 * and changed-only runs (the input files of an overlay).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { toRepoPath } from '../util/paths.js';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function findKustomizationFile(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_NAMES) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export type RefKind = 'directory-or-file' | 'file';

export interface KustomizationRef {
  /** The field it came from, e.g. `resources`, `patches[0].path`, `configMapGenerator[1].files`. */
  field: string;
  value: string;
  line: number;
  /** `directory-or-file` for resources/bases/components, `file` for patches, generator inputs, … */
  kind: RefKind;
}

export interface ParsedKustomization {
  abs: string;
  kind?: string;
  refs: KustomizationRef[];
  /** Uses of exec/container KRM functions (alpha plugins) found inline or in referenced generator files. */
  pluginFields: { field: string; line: number }[];
  helmCharts: { line: number; repo?: string }[];
  /** The raw parsed object, for checks that need it (images:, namespace:). */
  object: Record<string, unknown>;
  error?: { message: string; line?: number };
}

const DIR_FIELDS = ['resources', 'bases', 'components'];
const FILE_LIST_FIELDS = [
  'crds',
  'configurations',
  'patchesStrategicMerge',
  'transformers',
  'generators',
  'validators',
];
const GENERATOR_FIELDS = ['configMapGenerator', 'secretGenerator'];

/** http(s)/git/ssh URLs, scp-like `git@host:`, and kustomize's host-prefixed forms (`github.com/org/repo//path?ref=`). */
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|git::|(?:[a-z0-9-]+\.)+[a-z]{2,}\/[^\s]*|.*\?ref=|.*\.git(?:\/\/|$))/i;

export function isRemoteRef(value: string): boolean {
  if (value.startsWith('./') || value.startsWith('../') || value.startsWith('/')) return false;
  return REMOTE.test(value.trim());
}

const memo = new Map<string, { stamp: string; result: Promise<ParsedKustomization> }>();

/**
 * Parsed kustomization, memoised per file version: discovery, every overlay's walk, the policy input and the
 * source mapper read the same bases again and again (measured: a fifth of a warm run).
 */
export async function readKustomization(abs: string): Promise<ParsedKustomization> {
  let stamp: string;
  try {
    const info = await stat(abs, { bigint: true });
    stamp = `${info.mtimeNs}:${info.size}:${info.ino}`;
  } catch {
    return readKustomizationUncached(abs);
  }
  const hit = memo.get(abs);
  if (hit && hit.stamp === stamp) return hit.result;
  const result = readKustomizationUncached(abs);
  memo.set(abs, { stamp, result });
  return result;
}

async function readKustomizationUncached(abs: string): Promise<ParsedKustomization> {
  const result: ParsedKustomization = { abs, refs: [], pluginFields: [], helmCharts: [], object: {} };
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    result.error = { message: `cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    return result;
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    result.error = { message: e.message.split('\n')[0], line: e.linePos?.[0]?.line };
    return result;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    if (root !== null) result.error = { message: 'a kustomization must be a YAML mapping', line: 1 };
    return result;
  }
  result.object = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Record<string, unknown>;
  if (typeof result.object.kind === 'string') result.kind = result.object.kind;
  const lineOf = (node: unknown): number => lc.linePos((node as YamlNode | undefined)?.range?.[0] ?? 0).line;
  const get = (map: unknown, key: string): unknown =>
    isMap(map) ? map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)?.value : undefined;
  const scalarList = (node: unknown, field: string, kind: RefKind): void => {
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (isScalar(item) && typeof item.value === 'string')
          result.refs.push({ field: `${field}[${i}]`, value: item.value, line: lineOf(item), kind });
      });
    } else if (isScalar(node) && typeof node.value === 'string') {
      result.refs.push({ field, value: node.value, line: lineOf(node), kind });
    }
  };

  for (const field of DIR_FIELDS) scalarList(get(root, field), field, 'directory-or-file');
  for (const field of FILE_LIST_FIELDS) scalarList(get(root, field), field, 'file');
  for (const field of ['patches', 'patchesJson6902']) {
    const seq = get(root, field);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item, i) => scalarList(get(item, 'path'), `${field}[${i}].path`, 'file'));
  }
  for (const field of GENERATOR_FIELDS) {
    const seq = get(root, field);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item, i) => {
      scalarList(get(item, 'files'), `${field}[${i}].files`, 'file');
      scalarList(get(item, 'envs'), `${field}[${i}].envs`, 'file');
      scalarList(get(item, 'env'), `${field}[${i}].env`, 'file');
    });
  }
  // `files:` entries may be `key=path`: only the path part is a reference.
  for (const ref of result.refs) {
    if (ref.field.endsWith('.files') || /\.files\[\d+\]$/.test(ref.field)) {
      const eq = ref.value.indexOf('=');
      if (eq > 0 && !isRemoteRef(ref.value)) ref.value = ref.value.slice(eq + 1);
    }
  }
  const openapi = get(root, 'openapi');
  scalarList(get(openapi, 'path'), 'openapi.path', 'file');
  const helm = get(root, 'helmCharts');
  if (isSeq(helm)) {
    for (const chart of helm.items) {
      const repo = get(chart, 'repo');
      result.helmCharts.push({ line: lineOf(chart), repo: isScalar(repo) ? String(repo.value) : undefined });
    }
  }
  // Inline KRM function configs (generators/transformers given as YAML objects instead of file names).
  for (const field of ['generators', 'transformers', 'validators']) {
    const seq = get(root, field);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item) => {
      if (isScalar(item) && typeof item.value === 'string' && usesFunctionAnnotation(item.value)) {
        result.pluginFields.push({ field, line: lineOf(item) });
      }
    });
  }
  return result;
}

/** Inline function configs put the annotation in the string itself. */
function usesFunctionAnnotation(text: string): boolean {
  return /config\.kubernetes\.io\/function|^\s*(exec|container)\s*:/m.test(text);
}

/** True when a generator/transformer config file asks kustomize to run an exec or container KRM function. */
export async function fileUsesPlugin(abs: string): Promise<boolean> {
  try {
    const info = await stat(abs);
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

/**
 * Walks every kustomization an overlay will read, without running kustomize and without any network:
 * collects input files and refuses remote references, references leaving the root and exec plugins.
 */
export async function walkOverlay(
  root: string,
  overlayAbs: string,
  options: { allowExec: boolean },
): Promise<WalkResult> {
  const inputs = new Set<string>();
  const kustomizations: string[] = [];
  const issues: WalkIssue[] = [];
  const visited = new Set<string>();
  const rel = (abs: string): string => toRepoPath(root, abs) ?? abs;
  const realRoot = await realpath(root).catch(() => root);

  const visit = async (dir: string): Promise<void> => {
    if (visited.has(dir)) return;
    visited.add(dir);
    const file = findKustomizationFile(dir);
    if (!file) return; // kustomize itself reports a missing kustomization with its own words
    kustomizations.push(rel(dir));
    inputs.add(rel(file));
    const k = await readKustomization(file);
    if (k.error) {
      issues.push({ kind: 'unreadable', file: rel(file), line: k.error.line, message: k.error.message });
      return;
    }
    for (const p of k.pluginFields) {
      if (!options.allowExec)
        issues.push({
          kind: 'plugin',
          file: rel(file),
          line: p.line,
          message: `${p.field} runs a KRM function (exec/container plugin); allow it with kustomize.allowExec in kfm-gitops.yaml`,
        });
    }
    for (const h of k.helmCharts) {
      issues.push({
        kind: h.repo && isRemoteRef(h.repo) ? 'remote' : 'helm',
        file: rel(file),
        line: h.line,
        message: h.repo
          ? `helmCharts pulls a chart from ${h.repo}: remote references are not rendered (vendor the chart or render it in CI and commit the output)`
          : 'helmCharts needs kustomize --enable-helm, which kfm-gitops does not run',
      });
    }
    for (const ref of k.refs) {
      if (isRemoteRef(ref.value)) {
        issues.push({
          kind: 'remote',
          file: rel(file),
          line: ref.line,
          message: `${ref.field} references remote ${JSON.stringify(ref.value)}: remote bases are refused (no network at render time); vendor it into the repo`,
        });
        continue;
      }
      const target = resolve(dirname(file), ref.value);
      if (toRepoPath(root, target) === undefined) {
        issues.push({
          kind: 'outside-root',
          file: rel(file),
          line: ref.line,
          message: `${ref.field} ${JSON.stringify(ref.value)} points outside the checked root`,
        });
        continue;
      }
      let info;
      try {
        info = await stat(target);
      } catch {
        continue; // missing (or a symlink loop): kustomize reports it with its own message, which names the file
      }
      // A symlink inside the repo that resolves outside it is an escape, however innocent the path looks.
      const real = await realpath(target).catch(() => target);
      if (toRepoPath(realRoot, real) === undefined) {
        issues.push({
          kind: 'outside-root',
          file: rel(file),
          line: ref.line,
          message: `${ref.field} ${JSON.stringify(ref.value)} is a symlink that leaves the checked root`,
        });
        continue;
      }
      if (info.isDirectory()) {
        if (ref.kind === 'directory-or-file') await visit(target);
      } else {
        inputs.add(rel(target));
        if (
          !options.allowExec &&
          /^(generators|transformers|validators)/.test(ref.field) &&
          (await fileUsesPlugin(target))
        ) {
          issues.push({
            kind: 'plugin',
            file: rel(file),
            line: ref.line,
            message: `${ref.field} ${JSON.stringify(ref.value)} runs a KRM function (exec/container plugin); allow it with kustomize.allowExec in kfm-gitops.yaml`,
          });
        }
      }
    }
  };
  await visit(overlayAbs);
  return { inputs: [...inputs].sort(), kustomizations, issues };
}
