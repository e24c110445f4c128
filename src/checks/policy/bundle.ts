/**
 * The compiled policy bundle shipped in the package (policies/bundle, built by `npm run policies:build`):
 * the wasm module, the rule catalogue from the Rego METADATA, and the manifest with the sources digest.
 * Read without opa: the user's machine needs nothing but Node.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { policiesDir, type Catalogue } from '../../rules/policy.js';

export { policiesDir };

export const ENTRYPOINT = 'kfm_main/violations';

export type { Catalogue, CatalogueEntry } from '../../rules/policy.js';

export interface BundleManifest {
  entrypoint: string;
  opaVersion: string;
  sourcesSha256: string;
  capabilitiesSha256: string;
  wasmSha256: string;
  sources: Record<string, string>;
}

export interface PolicyBundle {
  dir: string;
  wasm: Buffer;
  catalogue: Catalogue;
  manifest: BundleManifest;
}

/** Thrown when the shipped bundle is missing or unreadable: the tool cannot do its job (exit 2), not a finding. */
/** The shipped bundle is unreadable or tampered with: the tool cannot do its job at all (exit 2, DESIGN.md). */
export class PolicyBundleError extends Error {
  readonly fatal = true;
}

export async function readBundle(dir = join(policiesDir(), 'bundle')): Promise<PolicyBundle> {
  try {
    const [wasm, catalogueText, manifestText] = await Promise.all([
      readFile(join(dir, 'policy.wasm')),
      readFile(join(dir, 'rules.json'), 'utf8'),
      readFile(join(dir, 'manifest.json'), 'utf8'),
    ]);
    const catalogue = JSON.parse(catalogueText) as Catalogue;
    const manifest = JSON.parse(manifestText) as BundleManifest;
    if (!Array.isArray(catalogue.rules)) throw new Error('rules.json has no rules array');
    const actual = createHash('sha256').update(wasm).digest('hex');
    if (manifest.wasmSha256 !== actual) {
      throw new Error(
        `policy.wasm does not match its manifest (sha256 ${actual}, manifest says ${manifest.wasmSha256})`,
      );
    }
    return { dir, wasm, catalogue, manifest };
  } catch (err) {
    throw new PolicyBundleError(
      `policy bundle ${dir} is unreadable: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Rego sources that go into a bundle: every .rego except *_test.rego, sorted POSIX paths relative to `dir`. */
export async function regoSources(dir: string, skipDirs: string[] = [join(dir, 'bundle')]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        if (!skipDirs.includes(p)) await walk(p);
      } else if (entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) {
        out.push(relative(dir, p).split(sep).join('/'));
      }
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * sha256 over (path NUL content NUL)* of the sources, then `capabilities.json NUL` + its content. Mirrors
 * sourcesDigest() in scripts/policies-build.mjs; the stale-bundle test compares the two through the manifest.
 */
export async function sourcesDigest(dir = policiesDir()): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of await regoSources(dir)) {
    hash
      .update(rel)
      .update('\0')
      .update(await readFile(join(dir, rel)))
      .update('\0');
  }
  hash.update('capabilities.json\0').update(await readFile(join(dir, 'capabilities.json')));
  return hash.digest('hex');
}
