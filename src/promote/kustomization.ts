/**
 * The `images:` block of a kustomization, read with positions. Promotion, verify and status all look at the same
 * thing — which image an overlay pins, and on which line — so they share this reader.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode, Pair } from 'yaml';

export interface KustomizationImage {
  /** Position in the `images:` list. */
  index: number;
  /** The image the entry matches (`name:`), as written in the base. */
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  /** 1-based line of the entry (its first key). */
  line: number;
  /** 1-based line of `digest:` when present, else the entry's line: where a promotion finding points. */
  digestLine: number;
}

export interface KustomizationImages {
  images: KustomizationImage[];
  /** Set when the text is not a usable kustomization; `images` is then empty. */
  error?: { message: string; line?: number };
}

/** An OCI content digest: `<algorithm>:<hex>`; sha256 and sha512 are the registered ones. */
export const DIGEST_PATTERN = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** The repository an entry makes the container run: `newName` when set, else `name`. */
export function effectiveName(image: Pick<KustomizationImage, 'name' | 'newName'>): string {
  return image.newName ?? image.name;
}

/** `sha256:82b4679199f1d3…` → `82b4679199f1` (what people compare at a glance, as git does with commits). */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return hex.slice(0, 12);
}

export function readImagesText(text: string): KustomizationImages {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    return { images: [], error: { message: e.message.split('\n')[0], line: e.linePos?.[0]?.line } };
  }
  const root = doc.contents;
  if (root === null) return { images: [] };
  if (!isMap(root)) return { images: [], error: { message: 'a kustomization must be a YAML mapping', line: 1 } };
  const imagesNode = root.get('images', true);
  if (imagesNode === undefined || imagesNode === null || (isScalar(imagesNode) && imagesNode.value === null))
    return { images: [] };
  const lineOf = (node: unknown): number => lc.linePos((node as YamlNode | undefined)?.range?.[0] ?? 0).line;
  if (!isSeq(imagesNode))
    return { images: [], error: { message: '`images:` must be a list', line: lineOf(imagesNode) } };
  const images: KustomizationImage[] = [];
  imagesNode.items.forEach((item, index) => {
    if (!isMap(item)) return;
    const text = (key: string): { value?: string; node?: Pair } => {
      const pair = item.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
      if (!pair || !isScalar(pair.value) || pair.value.value === null || pair.value.value === undefined)
        return { node: pair };
      return { value: String(pair.value.value), node: pair };
    };
    const name = text('name').value;
    if (name === undefined) return; // kustomize rejects a nameless entry itself; it cannot belong to any image
    const digest = text('digest');
    const entry: KustomizationImage = { index, name, line: lineOf(item), digestLine: lineOf(item) };
    const newName = text('newName').value;
    const newTag = text('newTag').value;
    if (newName !== undefined) entry.newName = newName;
    if (newTag !== undefined) entry.newTag = newTag;
    if (digest.value !== undefined) {
      entry.digest = digest.value;
      entry.digestLine = lineOf(digest.node?.key);
    }
    images.push(entry);
  });
  return { images };
}

export async function readImagesFile(abs: string): Promise<KustomizationImages & { text?: string }> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    return {
      images: [],
      error: { message: `cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    };
  }
  return { ...readImagesText(text), text };
}
