/**
 * Renders a folder the way an Argo CD Application's `source.kustomize` overrides make Argo CD render it: a wrapper
 * kustomization (argo/overrides.ts) in a private temp folder whose only resource is the source folder, built by the
 * run's renderer (kfm-render worker or kustomize CLI), removed afterwards.
 *
 * Where the wrapper lives: OUTSIDE the repository, in the OS temp folder, like the origin wrappers (kustomize.ts).
 * kustomize's root-only load restriction (LoadRestrictionsRootOnly, used by both renderers) limits FILES a
 * kustomization reads (patch files, generator sources) to its own folder tree; a `resources:` or `components:` entry
 * naming a kustomization folder elsewhere is loaded with that folder as its own root, so a wrapper outside the
 * repository may list the source folder by a relative path. What the wrapper would read as a file (a `patches[].path`)
 * is read here, inside the repository only, and inlined. Writing nothing under the repository keeps the run away from
 * `.kfm-gitops/` (attacker-controlled in a pull request: a symlinked `tmp/` would redirect the writes) and leaves
 * nothing behind in the tree even when the run is killed.
 *
 * Renders are not cached (no input list is passed): the key would have to cover the Application's override too.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, relative, resolve, sep } from 'node:path';
import * as yaml from 'yaml';
import { findKustomizationFile } from '../discover/kustomization.js';
import { isRemoteRef } from '../discover/kustomization-parse.js';
import {
  tagsFromManifests,
  wrapperImages,
  wrapperKustomization,
  type ImageEntry,
  type KustomizeOverride,
  type PatchOverride,
} from '../argo/overrides.js';
import type { Overlay } from '../types.js';
import { inside } from './helm.js';
import type { Renderer } from './types.js';

export type OverrideRender =
  | { ok: true; text: string }
  | {
      ok: false;
      /** `not-evaluable`: Argo CD renders it, but not in a way this wrapper reproduces. */
      reason: 'remote' | 'outside-root' | 'invalid' | 'not-evaluable' | 'render';
      message: string;
      key?: string;
    };

export interface OverrideRenderOptions {
  root: string;
  renderer: Renderer;
  timeoutMs: number;
  maxRenderBytes?: number;
  allowExec: boolean;
  /** The source folder inflates Helm charts (its walk said so). */
  helm: boolean;
  signal?: AbortSignal;
}

/**
 * The folder's own `images:` entries (what the override replaces) and `namespace:`; none when it cannot be read.
 */
async function ownFields(folderAbs: string): Promise<{ images: ImageEntry[]; namespace?: string }> {
  const file = findKustomizationFile(folderAbs);
  if (!file) return { images: [] };
  try {
    const k = yaml.parse(await readFile(file, 'utf8'), { maxAliasCount: 20 }) as {
      images?: unknown;
      namespace?: unknown;
    };
    const images = (Array.isArray(k?.images) ? k.images : []).filter(
      (e): e is ImageEntry => typeof e === 'object' && e !== null && typeof (e as ImageEntry).name === 'string',
    );
    return { images, ...(typeof k?.namespace === 'string' && k.namespace !== '' ? { namespace: k.namespace } : {}) };
  } catch {
    return { images: [] }; // the plain render of the folder reports an unreadable kustomization
  }
}

/** A path an override names, resolved against the source folder: inside the repository, or why not. */
function localPath(
  root: string,
  folderAbs: string,
  value: string,
  what: string,
): { abs: string } | { reason: 'remote' | 'outside-root'; message: string } {
  if (isRemoteRef(value) || /^[a-z][a-z0-9+.-]*:/i.test(value))
    return { reason: 'remote', message: `${what} ${JSON.stringify(value)} is remote: it is not fetched (no network)` };
  const abs = resolve(folderAbs, value);
  if (inside(root, abs) === undefined)
    return { reason: 'outside-root', message: `${what} ${JSON.stringify(value)} leaves the repository` };
  return { abs };
}

/** Renders `folder` (root-relative) with the overrides applied; `overlay` names the result (path, env, layer). */
export async function renderWithOverrides(
  folder: string,
  override: KustomizeOverride,
  overlay: Overlay,
  options: OverrideRenderOptions,
): Promise<OverrideRender> {
  const folderAbs = join(options.root, folder);
  const patches: PatchOverride[] = [];
  for (const p of override.patches) {
    if (p.path === undefined) {
      patches.push(p);
      continue;
    }
    const where = localPath(options.root, folderAbs, p.path, 'patch file');
    if ('reason' in where) return { ok: false, ...where, key: 'kustomize.patches' };
    let text: string;
    try {
      text = await readFile(where.abs, 'utf8');
    } catch (err) {
      return {
        ok: false,
        reason: 'invalid',
        message: `patch file ${JSON.stringify(p.path)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        key: 'kustomize.patches',
      };
    }
    const { path: _path, ...rest } = p;
    void _path;
    patches.push({ ...rest, patch: text });
  }
  const componentsAbs: string[] = [];
  for (const c of override.components) {
    const where = localPath(options.root, folderAbs, c, 'component');
    if ('reason' in where) return { ok: false, ...where, key: 'kustomize' };
    if (override.ignoreMissingComponents && !existsSync(where.abs)) continue;
    componentsAbs.push(where.abs);
  }
  const own = await ownFields(folderAbs);
  const unknown = tagsFromManifests(override.images, own.images);
  if (unknown.length > 0)
    return {
      ok: false,
      reason: 'not-evaluable',
      message: `the image override for ${JSON.stringify(unknown[0].name)} replaces the folder's own images entry, which pins a tag or digest, by one without either: Argo CD then deploys the tag the manifests carry, which kfm-gitops does not reproduce; give the override a tag or digest`,
      key: 'kustomize.images',
    };
  const images = wrapperImages(override.images, own.images);
  // Argo CD edits the folder's own kustomization: it appends the override's patches to the folder's `patches` and
  // adds its components to the folder's `components`, so the folder's `namespace:` (a transformer that runs after
  // both) moves what they add or change too. Here they are applied over the folder's output: a Deployment a component
  // adds to the prod overlay (`namespace: kfm-prod`), or one a patch moves to kfm-dev, deployed with destination
  // kfm-dev, was judged by dev's rules (exit 0) while Argo CD applied it in kfm-prod. Re-applied to the folder's own
  // objects the namespace changes nothing: its transformer already set them.
  const namespace = override.namespace ?? own.namespace;
  const dir = await mkdtemp(join(tmpdir(), 'kfm-override-'));
  try {
    const rel = (abs: string): string => relative(dir, abs).split(sep).join(posix.sep);
    await writeFile(
      join(dir, 'kustomization.yaml'),
      wrapperKustomization(namespace === undefined ? override : { ...override, namespace }, {
        source: rel(folderAbs),
        components: componentsAbs.map(rel),
        patches,
        images,
      }),
    );
    const outcome = await options.renderer.render({
      overlay: { ...overlay, absPath: dir, kustomizationFile: 'kustomization.yaml' },
      root: options.root,
      timeoutMs: options.timeoutMs,
      origin: false,
      allowExec: options.allowExec,
      maxOutputBytes: options.maxRenderBytes ?? 256 * 1024 * 1024,
      signal: options.signal,
      helm: options.helm,
    });
    if (!outcome.ok) {
      const message = outcome.message.split(dir).join('<override>');
      return { ok: false, reason: 'render', message };
    }
    return { ok: true, text: outcome.text };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
