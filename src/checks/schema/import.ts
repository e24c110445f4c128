/**
 * `kfm-gitops schemas import <crd.yaml|dir>… --out <dir>`: converts CustomResourceDefinitions into a repo-local
 * schema folder (`<dir>/<group>/<kind>_<version>.json`) that `schema.extraDirs` points at. Kept free of printing:
 * the command file only formats the result.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { formatPath } from '../../parse/path.js';
import { convertCrd } from './crd.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

export interface ImportOptions {
  /** CRD files or folders (searched recursively for .yaml/.yml/.json). */
  inputs: string[];
  outDir: string;
  /** Folder that file names in `written`/`errors` are shown relative to (default: as given). */
  displayBase?: string;
}

export interface ImportResult {
  /** Files written (paths as given: outDir joined with `<group>/<kind>_<version>.json`). */
  written: string[];
  /** Problems, one line each: unreadable files, YAML errors, CRDs that cannot be converted fully. */
  errors: string[];
}

const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);

async function collectFiles(input: string, errors: string[], show: (p: string) => string): Promise<string[]> {
  let info;
  try {
    info = await stat(input);
  } catch {
    errors.push(`${show(input)}: no such file or folder`);
    return [];
  }
  if (info.isFile()) return [input];
  const out: string[] = [];
  const entries = await readdir(input, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(input, e.name);
    if (e.isDirectory()) out.push(...(await collectFiles(p, errors, show)));
    else if (MANIFEST_EXT.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

/** Stable, reviewable output: two-space JSON with a trailing newline. */
function render(schema: Record<string, unknown>): string {
  return `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...schema }, null, 2)}\n`;
}

export async function importCrds(options: ImportOptions): Promise<ImportResult> {
  const result: ImportResult = { written: [], errors: [] };
  const show = (p: string): string => (options.displayBase ? relative(options.displayBase, p) || '.' : p);
  const files: string[] = [];
  for (const input of options.inputs) files.push(...(await collectFiles(input, result.errors, show)));
  let crds = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      result.errors.push(`${show(file)}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const docs = parseAllDocuments(text, { uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [docs];
    for (const [i, doc] of list.entries()) {
      if (doc.errors.length > 0) {
        result.errors.push(`${show(file)} (document ${i + 1}): ${doc.errors[0].message.split('\n')[0]}`);
        continue;
      }
      const obj = doc.toJS({ maxAliasCount: 100 }) as unknown;
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) continue;
      const rec = obj as Record<string, unknown>;
      const items = rec.kind === 'List' && Array.isArray(rec.items) ? (rec.items as unknown[]) : [rec];
      for (const item of items) {
        if (typeof item !== 'object' || item === null) continue;
        const crd = item as Record<string, unknown>;
        if (crd.kind !== 'CustomResourceDefinition' || !String(crd.apiVersion).startsWith('apiextensions.k8s.io/'))
          continue;
        crds++;
        const conversion = convertCrd(crd);
        for (const issue of conversion.issues) {
          result.errors.push(`${show(file)}: CRD ${conversion.name}: ${formatPath(issue.path)}: ${issue.message}`);
        }
        for (const v of conversion.versions) {
          if (!v.served) continue;
          const dir = join(options.outDir, v.group);
          const out = join(dir, `${v.kind.toLowerCase()}_${v.version}.json`);
          await writeFileAtomic(out, render(v.schema));
          result.written.push(show(out));
        }
      }
    }
  }
  if (crds === 0 && result.errors.length === 0) {
    result.errors.push(`no CustomResourceDefinition found in ${options.inputs.map(show).join(', ')}`);
  }
  return result;
}
