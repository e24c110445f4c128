/**
 * Files a built-in transformer/generator/validator config names (PatchTransformer `path`,
 * PatchStrategicMergeTransformer `paths`, ReplacementTransformer `replacements[].path`, ConfigMapGenerator and
 * SecretGenerator `files`/`envs`). kustomize reads them relative to the kustomization, so they are inputs of the
 * render: a change to one must select the overlay in a changed-only run, and a remote or escaping one is refused.
 */
import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { KustomizationRef } from './kustomization-parse.js';

/** Config files larger than this are not searched (they are inputs either way). */
const MAX_BYTES = 1024 * 1024;

function get(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value ?? undefined) as Node | undefined;
}

/** References a plugin config file makes, as kustomization refs under `field` (the kustomization's entry). */
export async function pluginConfigRefs(abs: string, field: string, line: number): Promise<KustomizationRef[]> {
  let text: string;
  try {
    if ((await stat(abs)).size > MAX_BYTES) return [];
    text = await readFile(abs, 'utf8');
  } catch {
    return [];
  }
  const out: KustomizationRef[] = [];
  const add = (node: Node | undefined, name: string): void => {
    const push = (n: unknown, label: string): void => {
      if (isScalar(n) && typeof n.value === 'string' && n.value !== '')
        out.push({ field: `${label} in ${field}`, value: n.value.replace(/^[^=]*=/, ''), line, kind: 'file' });
    };
    if (isSeq(node)) node.items.forEach((item, i) => push(item, `${name}[${i}]`));
    else push(node, name);
  };
  for (const doc of parseAllDocuments(text, { lineCounter: new LineCounter() })) {
    if (!('contents' in doc) || doc.errors.length > 0) continue;
    const root = doc.contents;
    add(get(root, 'path'), 'path');
    add(get(root, 'paths'), 'paths');
    add(get(root, 'files'), 'files');
    add(get(root, 'envs'), 'envs');
    const replacements = get(root, 'replacements');
    if (isSeq(replacements)) replacements.items.forEach((item, i) => add(get(item, 'path'), `replacements[${i}].path`));
  }
  return out;
}
