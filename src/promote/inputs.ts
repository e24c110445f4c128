/**
 * Gathers what a promotion plan is computed from: the app's overlays per env, their kustomization images, the
 * source file's git history and — only when an entry pins nothing itself — the rendered source containers.
 */
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { discoverOverlays } from '../discover/index.js';
import { renderOverlay } from '../render/overlay.js';
import type { Renderer } from '../render/types.js';
import type { Overlay } from '../types.js';
import type { GitRepo } from './git.js';
import { digestHistory } from './history.js';
import { readImagesFile, type KustomizationImage } from './kustomization.js';
import { DEFAULT_ENV_ORDER, type PlanInput } from './plan.js';

/** A request the tool cannot act on at all (unknown app or env, unreadable kustomization): exit 2. */
export class PromoteUsageError extends Error {}

export function envOrderOf(config: Config): string[] {
  return config.envOrder && config.envOrder.length > 0 ? [...config.envOrder] : [...DEFAULT_ENV_ORDER];
}

/** Every app overlay of the root, by app then env. */
export async function appOverlays(root: string, config: Config): Promise<Map<string, Map<string, Overlay>>> {
  const { overlays } = await discoverOverlays(root, config);
  const apps = new Map<string, Map<string, Overlay>>();
  for (const o of overlays) {
    if (!o.app) continue;
    if (!apps.has(o.app)) apps.set(o.app, new Map());
    apps.get(o.app)!.set(o.env, o);
  }
  return apps;
}

export function kustomizationPath(overlay: Overlay): string {
  return overlay.path === '.' ? overlay.kustomizationFile : `${overlay.path}/${overlay.kustomizationFile}`;
}

export interface GatherOptions {
  root: string;
  config: Config;
  renderer: Renderer;
  timeoutMs: number;
  /** The repository holding the root (null: none); looked up when undefined. */
  repo?: GitRepo | null;
  signal?: AbortSignal;
}

export interface GatheredApp {
  input: PlanInput;
  source: Overlay;
  target: Overlay;
  /** The target kustomization's text as read (what the edit applies to and what must not change meanwhile). */
  targetText: string;
}

export async function gatherApp(
  options: GatherOptions,
  apps: Map<string, Map<string, Overlay>>,
  request: Pick<PlanInput, 'app' | 'from' | 'to' | 'allowSkip' | 'allowDowngrade'>,
): Promise<GatheredApp> {
  const envOrder = envOrderOf(options.config);
  for (const env of [request.from, request.to]) {
    if (!envOrder.includes(env))
      throw new PromoteUsageError(
        `env ${JSON.stringify(env)} is not in the promotion order (${envOrder.join(' → ')}; set envOrder in kfm-gitops.yaml)`,
      );
  }
  const envs = apps.get(request.app);
  if (!envs) {
    const known = [...apps.keys()].sort().join(', ') || 'none';
    throw new PromoteUsageError(
      `no app ${JSON.stringify(request.app)} under ${options.root} (apps with overlays: ${known})`,
    );
  }
  const source = envs.get(request.from);
  const target = envs.get(request.to);
  if (!source) throw new PromoteUsageError(`app ${request.app} has no ${request.from} overlay`);
  if (!target) throw new PromoteUsageError(`app ${request.app} has no ${request.to} overlay`);
  const sourceFile = kustomizationPath(source);
  const targetFile = kustomizationPath(target);
  const [src, tgt] = await Promise.all([
    readImagesFile(join(options.root, sourceFile)),
    readImagesFile(join(options.root, targetFile)),
  ]);
  if (src.error)
    throw new PromoteUsageError(`${sourceFile}${src.error.line ? `:${src.error.line}` : ''}: ${src.error.message}`);
  if (tgt.error || tgt.text === undefined)
    throw new PromoteUsageError(
      `${targetFile}${tgt.error?.line ? `:${tgt.error.line}` : ''}: ${tgt.error?.message ?? 'unreadable'}`,
    );
  const history = await digestHistory(join(options.root, sourceFile), options.root, options.repo);
  const input: PlanInput = {
    ...request,
    envOrder,
    source: { file: sourceFile, images: src.images, history },
    target: { file: targetFile, images: tgt.images },
  };
  if (src.images.some(needsRender)) input.source.renderedImages = await renderedImages(options, source);
  return { input, source, target, targetText: tgt.text };
}

/** An entry with neither digest nor tag leaves the decision to the base: only the render shows what runs. */
function needsRender(image: KustomizationImage): boolean {
  return image.digest === undefined && image.newTag === undefined;
}

async function renderedImages(options: GatherOptions, overlay: Overlay): Promise<string[]> {
  const problems: string[] = [];
  const rendered = await renderOverlay(
    overlay,
    {
      root: options.root,
      config: options.config,
      renderer: options.renderer,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    },
    (f) => problems.push(f.message),
  );
  if (rendered.status !== 'ok')
    throw new PromoteUsageError(
      `cannot render ${overlay.path} to see which images it runs: ${problems[0] ?? rendered.status}`,
    );
  return rendered.resources.flatMap((r) => containerImages(r.object));
}

/** Images of every container list in a workload or pod template (any kind: CRDs embed pod specs too). */
export function containerImages(object: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 12 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if ((key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') && Array.isArray(value)) {
        for (const c of value)
          if (c && typeof (c as { image?: unknown }).image === 'string') out.push((c as { image: string }).image);
      } else walk(value, depth + 1);
    }
  };
  walk(object, 0);
  return out;
}
