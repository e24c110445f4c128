#!/usr/bin/env node
/**
 * Converts the Kubernetes schemas kfm-gitops ships (schemas/kubernetes/<release>.json: one file, `kinds` index +
 * `$defs`) into kubeconform's local file layout, so the glue baseline validates against exactly the same release
 * and the same strict definitions (additionalProperties: false) as the tool:
 *
 *   <out>/v<release>.0-standalone-strict/<kind lowercased><kind suffix>.json
 *
 * (kind suffix: `-<first label of the group>-<version>`, or `-<version>` for the core group — kubeconform's
 * `{{.ResourceKind}}{{.KindSuffix}}`). Each file is standalone: the kind's definition plus the closure of the
 * definitions it references, under its own `$defs`, so no file references another.
 * CRDs need no conversion: schemas/crds/<group>/<kind>_<version>.json already is the
 * `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json` layout.
 *
 * CLI: node bench/glue/kubeconform-schemas.mjs --release 1.37 --out <dir>   (prints the -schema-location values)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** kubeconform's kind suffix for an apiVersion (pkg/registry: first label of the group, then the version). */
export function kindSuffix(apiVersion) {
  const [groupOrVersion, version] = apiVersion.split('/');
  const first = groupOrVersion.split('.')[0].toLowerCase();
  return version === undefined ? `-${first}` : `-${first}-${version.toLowerCase()}`;
}

function collectRefs(node, out) {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out.add(v.slice('#/$defs/'.length));
      else collectRefs(v, out);
    }
  }
}

/** The definition and every definition reachable from it through `#/$defs/…` references. */
export function closure(defs, root) {
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length > 0) {
    const name = queue.pop();
    const refs = new Set();
    collectRefs(defs[name], refs);
    for (const r of refs) {
      if (!seen.has(r)) {
        if (!(r in defs)) throw new Error(`definition ${name} references missing ${r}`);
        seen.add(r);
        queue.push(r);
      }
    }
  }
  return [...seen].sort();
}

/**
 * Writes the kubeconform layout for `release` into `outDir`; returns the kubernetes version flag, the two
 * -schema-location templates (core, then CRDs) and how many files were written.
 */
export function writeKubeconformSchemas({ release, outDir, schemasDir = join(projectRoot, 'schemas') }) {
  const bundle = JSON.parse(readFileSync(join(schemasDir, 'kubernetes', `${release}.json`), 'utf8'));
  const defs = bundle.$defs;
  const kubernetesVersion = `${release}.0`;
  const dir = join(outDir, `v${kubernetesVersion}-standalone-strict`);
  mkdirSync(dir, { recursive: true });
  const written = new Map();
  const collisions = [];
  for (const [apiVersion, kinds] of Object.entries(bundle.kinds)) {
    for (const [kind, defName] of Object.entries(kinds)) {
      const file = `${kind.toLowerCase()}${kindSuffix(apiVersion)}.json`;
      // kubeconform's layout cannot tell groups apart that share a first label; first one wins, like upstream.
      if (written.has(file)) {
        collisions.push(`${apiVersion}/${kind} (kept ${written.get(file)})`);
        continue;
      }
      const names = closure(defs, defName);
      const schema = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $ref: `#/$defs/${defName}`,
        $defs: Object.fromEntries(names.map((n) => [n, defs[n]])),
      };
      writeFileSync(join(dir, file), JSON.stringify(schema));
      written.set(file, `${apiVersion}/${kind}`);
    }
  }
  return {
    kubernetesVersion,
    files: written.size,
    collisions,
    schemaLocations: [
      join(outDir, '{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}', '{{.ResourceKind}}{{.KindSuffix}}.json'),
      join(schemasDir, 'crds', '{{.Group}}', '{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'),
    ],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const get = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = get('--out');
  const release = get('--release') ?? '1.37';
  if (!out) {
    console.error('usage: kubeconform-schemas.mjs --release <x.y> --out <dir>');
    process.exit(2);
  }
  console.log(JSON.stringify(writeKubeconformSchemas({ release, outDir: resolve(out) }), null, 2));
}
