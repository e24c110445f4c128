/**
 * Where a custom resource's schema comes from, in order of precedence:
 *   1. a CustomResourceDefinition rendered by an overlay of the run (same overlay first, then any);
 *   2. a repo-local schema folder from `schema.extraDirs`;
 *   3. the shipped GitOps-stack pack (schemas/crds);
 *   4. the shipped generated sets (schemas/openshift, then schemas/ecosystem; openshift.ts).
 * Built-in kinds come from the shipped Kubernetes definitions (engine.ts).
 * Folder layout for 2 and 3: `<dir>/<group>/<kind lowercased>_<version>.json`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../../types.js';
import { packageRoot } from '../../util/paths.js';
import {
  convertCrd,
  normalizeExternalSchema,
  type ConversionIssue,
  type CrdVersionSchema,
  type JsonSchema,
} from './crd.js';
import { readRepoText, REPO_FILE_MAX } from '../../util/safe-read.js';

export interface SchemaFile {
  /** Path shown to users (repo-relative for extraDirs, `schemas/crds/...` for the pack). */
  label: string;
  absPath: string;
  group: string;
  version: string;
  kindLower: string;
  loaded?: { schema?: JsonSchema; error?: string };
}

function gvKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind.toLowerCase()}`;
}

/** Index of a `<group>/<kind>_<version>.json` folder. Missing folder → empty index (the caller decides if that is an error). */
export class SchemaFolder {
  private readonly files = new Map<string, SchemaFile>();

  constructor(absDir: string, labelPrefix: string) {
    if (!existsSync(absDir)) return;
    for (const group of readdirSync(absDir).sort()) {
      const groupDir = join(absDir, group);
      if (!statSync(groupDir).isDirectory()) continue;
      for (const name of readdirSync(groupDir).sort()) {
        const m = /^(.+)_([^_]+)\.json$/.exec(name);
        if (!m) continue;
        const file: SchemaFile = {
          label: `${labelPrefix}/${group}/${name}`,
          absPath: join(groupDir, name),
          group,
          version: m[2],
          kindLower: m[1].toLowerCase(),
        };
        this.files.set(gvKey(`${group}/${file.version}`, file.kindLower), file);
      }
    }
  }

  get size(): number {
    return this.files.size;
  }

  find(apiVersion: string, kind: string): SchemaFile | undefined {
    const file = this.files.get(gvKey(apiVersion, kind));
    if (file && !file.loaded) {
      try {
        const parsed = JSON.parse(readRepoText(file.absPath, REPO_FILE_MAX)) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not a JSON object');
        file.loaded = { schema: normalizeExternalSchema(parsed) as JsonSchema };
      } catch (err) {
        file.loaded = { error: err instanceof Error ? err.message : String(err) };
      }
    }
    return file;
  }

  /** apiVersions this folder has for `kind`. */
  versionsOfKind(kind: string): string[] {
    const lower = kind.toLowerCase();
    return [...this.files.values()].filter((f) => f.kindLower === lower).map((f) => `${f.group}/${f.version}`);
  }
}

let shippedPack: SchemaFolder | undefined;

export function shippedCrdPack(): SchemaFolder {
  shippedPack ??= new SchemaFolder(join(packageRoot(), 'schemas', 'crds'), 'schemas/crds');
  return shippedPack;
}

export interface RunCrdEntry {
  crd: Resource;
  version: CrdVersionSchema;
}

/** CRDs found in the rendered output of the run, indexed by the apiVersion/kind they define. */
export class RunCrds {
  private readonly byKey = new Map<string, RunCrdEntry[]>();
  readonly problems: { crd: Resource; issue: ConversionIssue }[] = [];

  constructor(resources: Resource[]) {
    const seen = new Set<string>();
    for (const r of resources) {
      if (r.id.kind !== 'CustomResourceDefinition' || !r.id.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
      const conversion = convertCrd(r.object);
      // The same CRD rendered by several overlays: report its problems once.
      const fingerprint = JSON.stringify(r.object.spec ?? null);
      const firstTime = !seen.has(fingerprint);
      seen.add(fingerprint);
      if (firstTime) for (const issue of conversion.issues) this.problems.push({ crd: r, issue });
      for (const version of conversion.versions) {
        const key = gvKey(version.apiVersion, version.kind);
        const list = this.byKey.get(key) ?? [];
        list.push({ crd: r, version });
        this.byKey.set(key, list);
      }
    }
  }

  /** Whether any CRD of the run defines this apiVersion and kind (else no answer depends on the overlay). */
  defines(apiVersion: string, kind: string): boolean {
    return this.byKey.has(gvKey(apiVersion, kind));
  }

  /** The definition for a resource: from its own overlay when that overlay renders the CRD, else the first seen. */
  find(apiVersion: string, kind: string, overlay: string): RunCrdEntry | undefined {
    const list = this.byKey.get(gvKey(apiVersion, kind));
    if (!list) return undefined;
    return list.find((e) => e.crd.overlay === overlay) ?? list[0];
  }

  versionsOfKind(kind: string): string[] {
    const out: string[] = [];
    for (const list of this.byKey.values()) {
      const v = list[0].version;
      if (v.kind.toLowerCase() === kind.toLowerCase() && v.served) out.push(v.apiVersion);
    }
    return out;
  }
}
