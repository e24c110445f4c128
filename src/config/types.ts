/**
 * Shape of kfm-gitops.yaml after validation against schemas/config.schema.json.
 * Check-specific sections are typed beside their checks and validated by schemas/config/<section>.json.
 */
import type { FailOn, Severity } from '../types.js';

export interface OverlayOverride {
  path: string;
  env?: string;
  layer?: string;
  app?: string;
}

export interface ExceptionEntry {
  rule: string;
  /** Selects findings: any field left out matches everything. */
  resource?: { kind?: string; namespace?: string; name?: string };
  overlay?: string;
  /** Dotted JSON path prefix, e.g. `spec.template.spec.containers[0]`. */
  path?: string;
  /** Container name, matched against findings whose path points into that container. */
  container?: string;
  reason: string;
  owner: string;
  /** ISO date (YYYY-MM-DD); the exception stops applying the day after. */
  expires: string;
  /** Line in kfm-gitops.yaml, filled in by the loader for findings about the exception itself. */
  line?: number;
}

export interface Config {
  /** Root of the desired-state repo, relative to the config file. */
  root?: string;
  kustomize?: {
    command?: string;
    timeoutSeconds?: number;
    /** Allow `--enable-exec`/alpha plugins (exec KRM functions). Off by default. */
    allowExec?: boolean;
    /** Render through a wrapper that stamps origin annotations (source mapping). Default true. */
    origin?: boolean;
    /** Largest rendered output of one overlay, in MB (default 256): a bigger render is a finding, not an OOM. */
    maxOutputMegabytes?: number;
  };
  discovery?: {
    /** Globs (relative to root) of overlay folders to render; replaces the convention when set. */
    include?: string[];
    exclude?: string[];
    overlays?: OverlayOverride[];
  };
  concurrency?: number;
  failOn?: FailOn;
  kubernetesVersion?: string;
  /** Per-rule severity override, or `off`. */
  rules?: Record<string, Severity | 'off'>;
  /** Promotion order, default [dev, stage, prod]. */
  envOrder?: string[];
  exceptions?: ExceptionEntry[];
  /** Sections owned by the checks; see schemas/config/<section>.json. */
  schema?: Record<string, unknown>;
  policy?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
  cache?: { dir?: string; enabled?: boolean };
  /** Files under the root that no overlay renders on purpose; each needs a reason (the coverage guard names the rest). */
  coverage?: { exclude?: { path: string; reason: string }[] };
  /** The Git URLs Argo CD Applications use for this repository (besides the `origin` remote): see src/argo/repo.ts. */
  argo?: { repoURLs?: string[] };
  /** Audit notes: where ADRs live (root-relative, default docs/adr), for changes that weaken the gate. */
  audit?: { adrDir?: string };
}

/** A loaded config plus where it came from. */
export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file, when one was found. */
  file?: string;
}
