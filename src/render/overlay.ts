/**
 * Renders and parses one overlay. Every problem on the way — a refused reference found by the walk, a kustomize
 * failure, a timeout, an empty or unparseable output — becomes a guard finding; nothing is skipped silently.
 */
import { placeRenderError } from './errors.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { walkOverlayDetailed, type WalkIssue } from '../discover/kustomization.js';
import type { OverlayWalker } from '../discover/walks.js';
import { parseResources } from '../parse/index.js';
import {
  RENDER_EMPTY,
  RENDER_EXEC_PLUGIN,
  RENDER_FAILED,
  RENDER_HELM,
  RENDER_KUSTOMIZATION_UNREADABLE,
  RENDER_OUTSIDE_ROOT,
  RENDER_REMOTE,
  RENDER_TIMEOUT,
  RENDER_TOO_LARGE,
} from '../rules/render.js';
import type { Config } from '../config/types.js';
import type { FindingInput, Overlay, RenderedOverlay, Resource } from '../types.js';
import { escapeRegExp } from '../util/glob.js';
import { toRepoPath } from '../util/paths.js';
import type { Renderer } from './types.js';

export const WALK_RULES: Record<WalkIssue['kind'], string> = {
  remote: RENDER_REMOTE,
  'outside-root': RENDER_OUTSIDE_ROOT,
  plugin: RENDER_EXEC_PLUGIN,
  helm: RENDER_HELM,
  unreadable: RENDER_KUSTOMIZATION_UNREADABLE,
  cycle: RENDER_FAILED,
};

export interface RenderOverlayOptions {
  root: string;
  config: Config;
  renderer: Renderer;
  timeoutMs: number;
  maxRenderBytes?: number;
  signal?: AbortSignal;
  /** The run's shared kustomization walk (default: a walk of its own). */
  walk?: OverlayWalker;
}

/**
 * An overlay with helmCharts and no helm to inflate them: the tool cannot do its job (exit 2), like a missing
 * kustomize. Skipping the overlay would pass a repository nobody checked.
 */
function helmMissing(overlay: Overlay): Error {
  const file = overlay.path === '.' ? overlay.kustomizationFile : `${overlay.path}/${overlay.kustomizationFile}`;
  return Object.assign(
    new Error(
      `${file} inflates Helm charts (helmCharts:) and no helm was found: run \`npm run tools\` (builds the pinned helm into .tools/bin), put helm on PATH, or set KFM_HELM`,
    ),
    { fatal: true },
  );
}

/** Renders and parses one overlay, reporting every problem as a finding. */
export async function renderOverlay(
  overlay: Overlay,
  options: RenderOverlayOptions,
  report: (f: FindingInput) => void,
): Promise<RenderedOverlay> {
  const started = performance.now();
  const done = (status: RenderedOverlay['status'], text = '', resources: Resource[] = []): RenderedOverlay => ({
    overlay,
    status,
    text,
    resources,
    durationMs: Math.round(performance.now() - started),
  });
  const allowExec = options.config.kustomize?.allowExec === true;
  const walk = options.walk
    ? await options.walk(overlay)
    : await walkOverlayDetailed(options.root, overlay.absPath, { allowExec });
  if (walk.issues.length > 0) {
    for (const issue of walk.issues) {
      report({
        ruleId: WALK_RULES[issue.kind],
        message: issue.message,
        overlay: overlay.path,
        file: issue.file,
        line: issue.line,
      });
    }
    return done('render-error');
  }
  if (walk.helm && !options.renderer.helm) throw helmMissing(overlay);
  const outcome = await options.renderer.render({
    overlay,
    root: options.root,
    timeoutMs: options.timeoutMs,
    // Build metadata is asked for only when a finding needs placing (resolveOrigins): it triples kustomize's cost.
    origin: false,
    allowExec,
    maxOutputBytes: options.maxRenderBytes ?? 256 * 1024 * 1024,
    signal: options.signal,
    inputs: walk.inputs,
    helm: walk.helm,
  });
  if (!outcome.ok) {
    const ruleId =
      outcome.reason === 'timeout' ? RENDER_TIMEOUT : outcome.reason === 'too-large' ? RENDER_TOO_LARGE : RENDER_FAILED;
    const status =
      outcome.exitCode !== undefined && outcome.exitCode !== null ? ` (exit status ${outcome.exitCode})` : '';
    const kfile = overlay.path === '.' ? overlay.kustomizationFile : `${overlay.path}/${overlay.kustomizationFile}`;
    // A malformed YAML file goes on that file and line (src/render/errors.ts), not on the overlay's kustomization.
    const placed =
      ruleId === RENDER_FAILED ? await placeRenderError(options.root, walk.inputs, outcome.message) : undefined;
    if (placed) report({ ruleId, overlay: overlay.path, ...placed, message: `${placed.message}${status}` });
    else {
      const line = await pinpointLine(resolve(options.root, kfile), outcome.message);
      report({ ruleId, message: `${outcome.message}${status}`, overlay: overlay.path, file: kfile, line });
    }
    const failed = done('render-error');
    // Only kustomize's own error (exit 1: a bad kustomization, a missing file) is a function of the inputs; a
    // timeout, a crash, a renderer that did not start or answered nonsense may not repeat, so the run is not reused.
    if (!(outcome.reason === 'error' && outcome.exitCode === 1)) failed.transient = true;
    return failed;
  }
  if (outcome.text.trim() === '') {
    report({
      ruleId: RENDER_EMPTY,
      message: 'kustomize printed no resources for this overlay',
      overlay: overlay.path,
    });
    // Not transient: the renderer reported success, so the empty output is kustomize's answer for these inputs (a
    // `$patch: delete` of every resource does it) and is keyed by its text like any render. Reusing it only ever
    // repeats this error finding, never a pass; treating it as transient kept such repos (gitops-catalog) cold.
    return done('render-error');
  }
  const originBase = outcome.originBase;
  const parsed = parseResources(outcome.text, {
    overlay: overlay.path,
    file: overlay.path,
    generated: true,
    documents: outcome.documents,
    originPath: originBase ? (p) => toRepoPath(options.root, resolve(originBase, p)) : undefined,
  });
  for (const f of parsed.findings) report(f);
  if (parsed.resources.length === 0 && parsed.findings.length === 0) {
    report({
      ruleId: RENDER_EMPTY,
      message: 'the rendered output holds no Kubernetes objects',
      overlay: overlay.path,
    });
    return done('render-error', outcome.text);
  }
  const result = done(parsed.findings.length > 0 ? 'parse-error' : 'ok', outcome.text, parsed.resources);
  if (outcome.cached) result.cached = true;
  return result;
}

/**
 * Best-effort line for a kustomize error in the overlay's own kustomization: the unknown field it names,
 * or the entry that references the missing file. Undefined when the message names nothing we can find.
 */
async function pinpointLine(kustomizationAbs: string, message: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(kustomizationAbs, 'utf8');
  } catch {
    return undefined; // a hint only: the render error is reported all the same, on the kustomization's first line
  }
  const lines = text.split('\n');
  const field = /unknown field "([^"]+)"/.exec(message)?.[1];
  if (field) {
    const key = field.split('.').pop()!;
    const i = lines.findIndex((l) => new RegExp(`^\\s*-?\\s*${escapeRegExp(key)}\\s*:`).test(l));
    if (i >= 0) return i + 1;
  }
  const missing = /(?:lstat|stat|open) ([^\s:']+): no such file/.exec(message)?.[1];
  if (missing) {
    const base = missing.split('/').pop()!;
    const i = lines.findIndex(
      (l) =>
        new RegExp(`^\\s*-\\s*["']?[^#]*${escapeRegExp(base)}["']?\\s*$`).test(l) ||
        new RegExp(`path:\\s*["']?[^#]*${escapeRegExp(base)}`).test(l),
    );
    if (i >= 0) return i + 1;
  }
  return undefined;
}
