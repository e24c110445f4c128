/**
 * Render errors at the file that broke. When a YAML file an overlay reads is malformed, kustomize names it only
 * relative to the kustomization that lists it (`in File: deployment.yaml`) and with go-yaml's line, which for parser
 * errors is the 0-based line of the construct (`line 9` for a `replicas: [1 1` on line 10). The finding would
 * otherwise sit, without a line, on every overlay's kustomization.yaml. Here the overlay's input files (from the
 * walk) that match the name are re-parsed; the one our YAML parser also rejects is the file, and its own message
 * and line are used. Kustomize's text stays as detail. Reads only files the walk already listed (inside the root).
 */
import { oversizedDocument } from '../parse/budget.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CST, LineCounter } from 'yaml';
import * as yaml from 'yaml';

export interface PlacedRenderError {
  /** Repo-relative path of the broken file. */
  file: string;
  line: number;
  column?: number;
  /** The YAML parser's message, then kustomize's text on a second line. */
  message: string;
}

/** Kustomize messages that mean "a YAML file did not parse". */
const YAML_ERROR =
  /MalformedYAMLError|error converting YAML to JSON|yaml: line \d+|yaml: unmarshal errors|mapping key .* already defined/;

/** Files the message names: `in File: x.yaml`, `accumulating resources from 'x.yaml'`, `path x.yaml`. */
function namedFiles(message: string): string[] {
  const names = new Set<string>();
  for (const re of [/in File: ([^\s'"]+)/g, /from '([^']+\.ya?ml)'/g, /'([^'\s]+\.ya?ml)'/g]) {
    for (const m of message.matchAll(re)) names.add(m[1]!.replace(/^(\.\/)+/, ''));
  }
  return [...names];
}

function matches(input: string, name: string): boolean {
  const tail = name.replace(/^(\.\.\/)+/, '');
  return input === tail || input.endsWith(`/${tail}`);
}

/** The first YAML error our parser finds in the text, at the line a person should look at. */
export function firstYamlError(text: string): { line: number; column: number; message: string } | undefined {
  if (oversizedDocument(text)) return undefined; // too costly to parse with positions: kustomize's message stands
  const docs = yaml.parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const err = list.flatMap((d) => d.errors)[0];
  if (!err) return undefined;
  const lc = new yaml.LineCounter();
  const flowStart = unclosedFlowBefore(text, err.pos[0], lc);
  const at = flowStart ?? lc.linePos(err.pos[0]);
  // The parser's text without its " at line X, column Y:" tail and source excerpt (we give the place separately).
  const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { line: at.line, column: at.col, message };
}

/**
 * An unclosed `[`/`{` is noticed where the text goes on without it (the next line), but is fixed where it opens:
 * the start of the last unclosed flow collection before the error.
 */
function unclosedFlowBefore(
  text: string,
  errorOffset: number,
  lc: LineCounter,
): { line: number; col: number } | undefined {
  let found: number | undefined;
  const check = (token: CST.Token | undefined): void => {
    if (token?.type !== 'flow-collection') return;
    const closed = token.end.some((t) => t.type === 'flow-seq-end' || t.type === 'flow-map-end');
    if (!closed && token.offset <= errorOffset && (found === undefined || token.offset > found)) found = token.offset;
  };
  for (const token of new yaml.Parser(lc.addNewLine).parse(text)) {
    if (token.type !== 'document') continue;
    check(token.value);
    yaml.CST.visit(token, (item) => {
      check(item.key ?? undefined);
      check(item.value);
    });
  }
  return found !== undefined ? lc.linePos(found) : undefined;
}

/**
 * Places a kustomize error on the file that broke, or undefined when the message is not about YAML syntax or no
 * input file of the overlay fails to parse (the finding then stays on the overlay's kustomization).
 */
export async function placeRenderError(
  root: string,
  inputs: string[],
  kustomizeMessage: string,
): Promise<PlacedRenderError | undefined> {
  if (!YAML_ERROR.test(kustomizeMessage)) return undefined;
  const names = namedFiles(kustomizeMessage);
  const yamlInputs = inputs.filter((f) => /\.ya?ml$/i.test(f) || /(^|\/)Kustomization$/.test(f));
  const named = yamlInputs.filter((f) => names.some((n) => matches(f, n)));
  // Named files first; if none of them is broken (a name we could not match), any input that is.
  for (const candidates of [named, yamlInputs.filter((f) => !named.includes(f))]) {
    for (const file of candidates) {
      let text: string;
      try {
        text = await readFile(resolve(root, file), 'utf8');
      } catch {
        continue; // a hint only: an unreadable input is the next candidate; the failure keeps kustomize's message
      }
      const err = firstYamlError(text);
      if (err) {
        return {
          file,
          line: err.line,
          column: err.column,
          message: `invalid YAML: ${err.message}\nkustomize: ${kustomizeMessage}`,
        };
      }
    }
  }
  return undefined;
}
