/**
 * What a generator/transformer/validator config makes kustomize load. Builtin plugins read further files through
 * the same loader that fetches URLs (PatchTransformer `path`, PatchStrategicMergeTransformer `paths`,
 * ReplacementTransformer `replacements[].path`, ConfigMap/SecretGenerator `files`/`envs`/`env`,
 * ValueAddTransformer `targetFilePath`, HelmChartInflationGenerator `valuesFile`/`additionalValuesFiles`/`repo`/
 * `chartHome`): the pre-render walk must see these too, or a config file opens the network.
 */
import { oversizedDocument } from '../parse/budget.js';
import { goOnlyLineBreak } from '../parse/go-reader.js';
import * as yaml from 'yaml';
import { goFold, usesFunctionAnnotation } from './kustomization-parse.js';

const LOADER_KEYS = new Set([
  'path',
  'paths',
  'files',
  'envs',
  'env',
  'envFiles',
  'targetFilePath',
  'valuesFile',
  'additionalValuesFiles',
  'repo',
  'chartHome',
]);

/** kustomize reads a plugin's config through Go's encoding/json too: `Path:` is `path:` (see goFold). */
const FOLDED_LOADER_KEYS = new Map([...LOADER_KEYS].map((k) => [goFold(k), k]));

/** A value a config asks the loader to read, with the key that named it. */
export interface LoaderRef {
  key: string;
  value: string;
}

export interface ConfigScan {
  refs: LoaderRef[];
  usesPlugin: boolean;
  /** The text is not YAML the scanner can read: kustomize may still load it, so the caller refuses it. */
  error?: string;
}

const MAX_DEPTH = 64;

/** Every string (or list of strings) under a loader key, at any depth of every document. */
export function scanConfigText(text: string): ConfigScan {
  const refs: LoaderRef[] = [];
  const over = oversizedDocument(text);
  if (over)
    return { refs, usesPlugin: usesFunctionAnnotation(text), error: `the document at line ${over.line} ${over.why}` };
  // kustomize reads the config with a libyaml reader: a key after a lone CR in a comment is a key to it (go-reader.ts).
  const brk = goOnlyLineBreak(text);
  if (brk)
    return {
      refs,
      usesPlugin: usesFunctionAnnotation(text),
      error: `line ${brk.line}: ${brk.what} is a line break for kustomize's YAML reader and none for this one`,
    };
  let docs;
  try {
    docs = yaml.parseAllDocuments(text, { uniqueKeys: false });
  } catch (err) {
    return { refs, usesPlugin: usesFunctionAnnotation(text), error: (err as Error).message.split('\n')[0] };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const loaderKey = FOLDED_LOADER_KEYS.get(goFold(key));
      if (loaderKey !== undefined) {
        const values = Array.isArray(value) ? value : [value];
        for (const v of values) if (typeof v === 'string') refs.push({ key: loaderKey, value: v });
      }
      walk(value, depth + 1);
    }
  };
  for (const doc of list) {
    if (doc.errors.length > 0)
      return { refs, usesPlugin: usesFunctionAnnotation(text), error: doc.errors[0].message.split('\n')[0] };
    try {
      walk(doc.toJS({ maxAliasCount: 50 }), 0);
    } catch (err) {
      return { refs, usesPlugin: usesFunctionAnnotation(text), error: (err as Error).message.split('\n')[0] };
    }
  }
  return { refs, usesPlugin: usesFunctionAnnotation(text) };
}

/** `files:` entries may be `key=path`: only the path part is loaded. */
export function loadedPath(ref: LoaderRef): string {
  if (ref.key === 'files' || ref.key === 'additionalValuesFiles') {
    const eq = ref.value.indexOf('=');
    if (eq > 0 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(ref.value)) return ref.value.slice(eq + 1);
  }
  return ref.value;
}
