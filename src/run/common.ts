/** What check and validate runs share: their options, the tool stamp of a report, overlay summaries. */
import { relative, sep } from 'node:path';
import type { Config } from '../config/types.js';
import { redactPathFormats } from '../redact/index.js';
import type { Renderer } from '../render/types.js';
import type { Check, OverlaySummary, RenderedOverlay, ToolInfo } from '../types.js';

export interface PipelineOptions {
  root: string;
  config: Config;
  /** Absolute path of kfm-gitops.yaml, for findings about exceptions. */
  configFile?: string;
  checks: Check[];
  kubernetesVersion: string;
  toolVersion: string;
  /** For expiry decisions; tests pin it. */
  now?: Date;
  signal?: AbortSignal;
  /** Wall-time budget of each check (default DEFAULT_CHECK_BUDGET_MS); overrunning it is the check's guard finding. */
  checkBudgetMs?: number;
}

export function toolInfo(
  options: Pick<PipelineOptions, 'toolVersion' | 'kubernetesVersion'>,
  renderer?: Renderer,
): ToolInfo {
  return {
    name: 'kfm-gitops',
    version: options.toolVersion,
    kustomize: renderer?.version,
    kustomizeCommand: renderer?.command,
    kubernetesVersion: options.kubernetesVersion,
  };
}

/** Root-relative POSIX path of the config, `../`-style when it sits above the root (formatters join the repo prefix). */
export function configFileDisplay(options: Pick<PipelineOptions, 'root' | 'configFile'>): string {
  return options.configFile ? relative(options.root, options.configFile).split(sep).join('/') : 'kfm-gitops.yaml';
}

export function summaryOf(r: RenderedOverlay): OverlaySummary {
  return {
    // Folder names are the pull request's text (env and layer default to them): a token as a folder's name would
    // print in every overlay list.
    path: redactPathFormats(r.overlay.path),
    env: redactPathFormats(r.overlay.env),
    layer: redactPathFormats(r.overlay.layer),
    resources: r.resources.length,
    status: r.status,
    ...(r.cached ? { cached: true } : {}),
  };
}
