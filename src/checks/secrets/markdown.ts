/**
 * The YAML inside a Markdown file, for the structural walk. READMEs quote manifests in fenced code blocks; the prose
 * around them is not YAML, so the whole file never parses and a Secret in a ```yaml block would be read by the line
 * patterns only. Here every character outside YAML/JSON fences becomes a space (line breaks kept) and each opening
 * fence becomes a `---` document marker of the same length: offsets and line numbers stay those of the file, so a
 * finding points at the README's own line, and each block is its own document.
 */

/** Markdown names whose fenced blocks are read (documentation, never applied by Argo CD). */
export const MARKDOWN_NAME = /\.(?:md|markdown|mdx)$/i;

/** Fence info strings that announce YAML or JSON; an unlabelled block counts when it starts like a manifest. */
const YAML_INFO = /^(?:ya?ml|json|jsonc|json5|kubernetes|k8s)\b/i;
const MANIFEST_HEAD = /^\s*(?:---\s*$|apiVersion:|kind:)/;

interface Fence {
  marker: string;
  yaml: boolean;
}

/** The file with only its YAML/JSON fenced blocks left in place, or undefined when it has none. */
export function markdownYaml(text: string): string | undefined {
  const out: string[] = [];
  let fence: Fence | undefined;
  let pendingUnlabelled: { at: number; open: string } | undefined;
  let any = false;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    const eol = end < text.length ? '\n' : '';
    const trimmed = line.trimStart();
    const opener = /^(`{3,}|~{3,})(.*)$/.exec(trimmed);
    if (!fence && opener) {
      const info = opener[2].trim();
      fence = { marker: opener[1], yaml: YAML_INFO.test(info) };
      if (fence.yaml) {
        out.push(docMarker(line) + eol);
        any = true;
      } else if (info === '') {
        // Decided by the block's first line: a manifest keeps the block.
        pendingUnlabelled = { at: out.length, open: line };
        out.push(blank(line) + eol);
      } else out.push(blank(line) + eol);
    } else if (fence && trimmed.startsWith(fence.marker) && trimmed.slice(fence.marker.length).trim() === '') {
      fence = undefined;
      pendingUnlabelled = undefined;
      out.push(blank(line) + eol);
    } else if (fence) {
      if (pendingUnlabelled && line.trim() !== '') {
        if (MANIFEST_HEAD.test(line)) {
          out[pendingUnlabelled.at] = docMarker(pendingUnlabelled.open) + '\n';
          fence.yaml = true;
          any = true;
        }
        pendingUnlabelled = undefined;
      }
      out.push((fence.yaml ? line : blank(line)) + eol);
    } else out.push(blank(line) + eol);
    start = end + 1;
  }
  return any ? out.join('') : undefined;
}

const blank = (line: string): string => ' '.repeat(line.length);

/** `---` padded to the fence line's length (a fence shorter than three characters cannot open a block). */
const docMarker = (line: string): string => '---' + ' '.repeat(Math.max(0, line.length - 3));
